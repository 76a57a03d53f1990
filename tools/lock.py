"""Make the locks the template ships with (a maintainer tool, not part of the package).

For every manager and variant it renders the template's manifest, runs the manager's own
lock command the way a generated project would, and stores the result under
template/includes/:

- pip: runs the generated project's scripts/pin-requirements.sh (pip-tools, on the oldest
  supported Python) -> pins/<variant>/{base,development,production}.txt, then checks that
  every pinned version has a wheel for every supported Python;
- uv: runs `uv lock` (universal: one lock for every Python and platform) ->
  locks/uv/<variant>.lock, with the project's name left as a template variable.

    pip install -e '.[dev]'
    python tools/lock.py            # keep versions that still fit
    python tools/lock.py --upgrade  # newest versions
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import copier

ROOT = Path(__file__).resolve().parents[1]
INCLUDES = ROOT / "template" / "includes"
LAYERS = ("base", "development", "production")
VARIANTS = {
    "flask": {"app_kind": "flask", "database": "none"},
    "flask-postgres": {"app_kind": "flask", "database": "postgres"},
    "ml-job": {"app_kind": "ml-job"},
}
PYTHONS = ("3.11", "3.12", "3.13", "3.14")
PLATFORMS = ("manylinux2014_x86_64", "manylinux_2_28_x86_64", "manylinux_2_34_x86_64")
# The name the root project has while locking; the stored lock says {{ project_name }}.
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
        text = stored.read_text().replace("{{ project_name }}", LOCK_ROOT)
        (project / "uv.lock").write_text(text)
    subprocess.run(
        ["uv", "lock", "--quiet", *(["--upgrade"] if upgrade else [])], cwd=project, check=True
    )
    text = (project / "uv.lock").read_text()
    assert text.count(f'name = "{LOCK_ROOT}"') == 1, "the root project must appear once"
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_text(text.replace(f'name = "{LOCK_ROOT}"', 'name = "{{ project_name }}"'))


def check_wheels(variant: str, work: Path) -> list[str]:
    """One line per (Python, layer) whose pip pins have no installable wheel."""
    failures = []
    platforms = [arg for p in PLATFORMS for arg in ("--platform", p)]
    for python in PYTHONS:
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
    parser.add_argument("--manager", choices=("pip", "uv"), action="append", help="default: all")
    args = parser.parse_args()
    managers = args.manager or ["pip", "uv"]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for variant, answers in VARIANTS.items():
            if "uv" in managers:
                print(f"uv lock: {variant}")
                lock_uv(variant, answers, args.upgrade, Path(tmp))
            if "pip" in managers:
                print(f"pip pins: {variant}")
                lock_pip(variant, answers, args.upgrade, Path(tmp))
                failures += check_wheels(variant, Path(tmp))
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
