"""Make the locks the template ships with (a maintainer tool, not part of the package).

For every manager and variant it renders the template's manifest, runs the manager's own
lock command the way a generated project would, and stores the result under
template/includes/:

- pip: runs the generated project's scripts/pin-requirements.sh (`uv pip compile
  --universal`: one set of pins for every Python offered) ->
  pins/<variant>/{base,development,production}.txt, then checks that every pinned version
  has a wheel for every supported Python;
- uv: runs `uv lock` (universal: one lock for every Python and platform) ->
  locks/uv/<variant>.lock, with the project's name left as a template variable;
- poetry: runs `poetry lock` (universal, like uv's) -> locks/poetry/<variant>.lock, through
  PyPI's simple index (see tools/poetry_index.py);
- pipenv: runs `pipenv lock` (on the oldest supported Python, like pip's pins) ->
  locks/pipenv/<variant>.lock.

conda is not locked here: generated conda projects make their lock with
scripts/lock-conda.sh, which needs conda-forge.

    pip install -e '.[dev]'
    python tools/lock.py            # keep versions that still fit
    python tools/lock.py --upgrade  # newest versions
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import copier

from dockwright import stacks

sys.path.insert(0, str(Path(__file__).resolve().parent))
import poetry_index

ROOT = Path(__file__).resolve().parents[1]
INCLUDES = ROOT / "template" / "includes"
LAYERS = ("base", "development", "production")
VARIANTS = {
    "flask": {"app_kind": "flask", "database": "none"},
    "flask-postgres": {"app_kind": "flask", "database": "postgres"},
    "ml-job": {"app_kind": "ml-job"},
}
PLATFORMS = ("manylinux2014_x86_64", "manylinux_2_28_x86_64", "manylinux_2_34_x86_64")
# The name the root project has while locking; the stored lock says {{ project_slug }}.
LOCK_ROOT = "dockwright-lock-root"


def render(manager: str, answers: dict[str, str], exclude: list[str], dest: Path) -> Path:
    copier.run_copy(
        str(ROOT / "template"),
        dest,
        data={"project_name": LOCK_ROOT, "package_manager": manager, **answers},
        defaults=True,
        quiet=True,
        exclude=exclude,
    )
    return dest


def lock_pip(variant: str, answers: dict[str, str], upgrade: bool, work: Path) -> None:
    project = render("pip", answers, ["requirements/*.txt"], work / f"pip-{variant}")
    pins = INCLUDES / "pins" / variant
    for layer in LAYERS:  # start from the current pins, as in a generated project
        if (pins / f"{layer}.txt").exists():
            shutil.copy(pins / f"{layer}.txt", project / "requirements" / f"{layer}.txt")
    extra = ["--upgrade"] if upgrade else []
    subprocess.run(["sh", str(project / "scripts" / "pin-requirements.sh"), *extra], check=True)
    pins.mkdir(parents=True, exist_ok=True)
    for layer in LAYERS:
        shutil.copy(project / "requirements" / f"{layer}.txt", pins / f"{layer}.txt")


def lock_uv(variant: str, answers: dict[str, str], upgrade: bool, work: Path) -> None:
    project = render("uv", answers, ["uv.lock"], work / f"uv-{variant}")
    stored = INCLUDES / "locks" / "uv" / f"{variant}.lock"
    if stored.exists():  # start from the current lock, as in a generated project
        text = stored.read_text().replace("{{ project_slug }}", LOCK_ROOT)
        (project / "uv.lock").write_text(text)
    subprocess.run(
        ["uv", "lock", "--quiet", *(["--upgrade"] if upgrade else [])], cwd=project, check=True
    )
    text = (project / "uv.lock").read_text()
    assert text.count(f'name = "{LOCK_ROOT}"') == 1, "the root project must appear once"
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_text(text.replace(f'name = "{LOCK_ROOT}"', 'name = "{{ project_slug }}"'))


def lock_poetry(variant: str, answers: dict[str, str], upgrade: bool, work: Path) -> None:
    project = render("poetry", answers, ["poetry.lock"], work / f"poetry-{variant}")
    stored = INCLUDES / "locks" / "poetry" / f"{variant}.lock"
    if stored.exists() and not upgrade:  # start from the current lock, as in a generated project
        shutil.copy(stored, project / "poetry.lock")
        poetry_index.use_simple_index(project)
    else:
        (project / "pyproject.toml").write_text(
            (project / "pyproject.toml").read_text() + poetry_index.SOURCE
        )
    subprocess.run(
        [sys.executable, "-m", "poetry", "lock", "--quiet", *(["--regenerate"] if upgrade else [])],
        cwd=project,
        check=True,
    )
    poetry_index.use_pypi(project)
    subprocess.run([sys.executable, "-m", "poetry", "check", "--lock"], cwd=project, check=True)
    stored.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(project / "poetry.lock", stored)


def pipenv_lock(project: Path, quiet: bool = False) -> None:
    """`pipenv lock` in project, on this interpreter, in a venv of the project's own (never
    the one this runs in)."""
    env = {**os.environ, "PIPENV_VENV_IN_PROJECT": "1", "PIPENV_IGNORE_VIRTUALENVS": "1"}
    env.update(PIPENV_VERBOSITY="-1", PIPENV_NOSPIN="1")
    subprocess.run(
        [sys.executable, "-m", "pipenv", "lock", "--python", sys.executable],
        cwd=project,
        env=env,
        check=True,
        capture_output=quiet,
    )


def lock_pipenv(variant: str, answers: dict[str, str], work: Path) -> None:
    # pipenv always resolves afresh: locking is upgrading.
    project = render("pipenv", answers, ["Pipfile.lock"], work / f"pipenv-{variant}")
    pipenv_lock(project)
    stored = INCLUDES / "locks" / "pipenv" / f"{variant}.lock"
    stored.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(project / "Pipfile.lock", stored)


def check_wheels(variant: str, work: Path) -> list[str]:
    """One line per (Python offered for this variant, layer) whose pip pins have no
    installable wheel."""
    failures = []
    platforms = [arg for p in PLATFORMS for arg in ("--platform", p)]
    for python in stacks.pythons_for("pip", VARIANTS[variant]["app_kind"]):
        for layer in LAYERS:
            pins = INCLUDES / "pins" / variant / f"{layer}.txt"
            result = subprocess.run(
                [
                    *(sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"),
                    *("--only-binary=:all:", "--python-version", python, *platforms),
                    *("--dest", str(work / "wheels"), "-r", str(pins)),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode:
                failures.append(f"{variant}/{layer}.txt, Python {python}: {result.stderr.strip()}")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upgrade", action="store_true", help="move every pin to the newest")
    managers_all = [m for m in stacks.managers() if m != "conda"]  # conda: see above
    parser.add_argument("--manager", choices=managers_all, action="append", help="default: all")
    parser.add_argument("--variant", choices=VARIANTS, action="append", help="default: all")
    args = parser.parse_args()
    managers = args.manager or list(managers_all)
    variants = {name: VARIANTS[name] for name in args.variant or VARIANTS}
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for variant, answers in variants.items():
            if "uv" in managers:
                print(f"uv lock: {variant}")
                lock_uv(variant, answers, args.upgrade, Path(tmp))
            if "poetry" in managers:
                print(f"poetry lock: {variant}")
                lock_poetry(variant, answers, args.upgrade, Path(tmp))
            if "pipenv" in managers:
                print(f"pipenv lock: {variant}")
                lock_pipenv(variant, answers, Path(tmp))
            if "pip" in managers:
                print(f"pip pins: {variant}")
                lock_pip(variant, answers, args.upgrade, Path(tmp))
                failures += check_wheels(variant, Path(tmp))
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
