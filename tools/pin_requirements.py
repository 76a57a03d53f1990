"""Re-pin the requirements the pip stack ships with (a maintainer tool, not part of the package).

For each variant it renders the template's requirements/*.in, runs the generated project's
own scripts/pin-requirements.sh (pip-tools, on the oldest supported Python), stores the
pins under template/includes/pins/<variant>/, and then checks that every pinned version has
a wheel for every supported Python, so a generated project builds on 3.11 and on 3.14.

    pip install -e '.[dev]'
    python tools/pin_requirements.py            # keep pins that still fit
    python tools/pin_requirements.py --upgrade  # newest versions
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
PINS = ROOT / "template" / "includes" / "pins"
LAYERS = ("base", "development", "production")
VARIANTS = {
    "flask": {"app_kind": "flask", "database": "none"},
    "flask-postgres": {"app_kind": "flask", "database": "postgres"},
    "ml-job": {"app_kind": "ml-job"},
}
PYTHONS = ("3.11", "3.12", "3.13", "3.14")
PLATFORMS = ("manylinux2014_x86_64", "manylinux_2_28_x86_64", "manylinux_2_34_x86_64")


def pin(variant: str, answers: dict[str, str], extra: list[str], work: Path) -> None:
    project = work / variant
    copier.run_copy(
        str(ROOT / "template"),
        project,
        data={"project_name": "pinned", "package_manager": "pip", **answers},
        defaults=True,
        quiet=True,
        exclude=["requirements/*.txt"],
    )
    for layer in LAYERS:  # start from the current pins, as in a generated project
        current = PINS / variant / f"{layer}.txt"
        if current.exists():
            shutil.copy(current, project / "requirements" / f"{layer}.txt")
    subprocess.run(["sh", str(project / "scripts" / "pin-requirements.sh"), *extra], check=True)
    (PINS / variant).mkdir(parents=True, exist_ok=True)
    for layer in LAYERS:
        shutil.copy(project / "requirements" / f"{layer}.txt", PINS / variant / f"{layer}.txt")


def check_wheels(variant: str, work: Path) -> list[str]:
    """Return one line per (Python, layer) whose pins have no installable wheel."""
    failures = []
    for python in PYTHONS:
        for layer in LAYERS:
            platforms = [arg for p in PLATFORMS for arg in ("--platform", p)]
            result = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--quiet",
                    "--no-deps",
                    "--only-binary=:all:",
                    "--python-version",
                    python,
                    *platforms,
                    "--dest",
                    str(work / "wheels"),
                    "-r",
                    str(PINS / variant / f"{layer}.txt"),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode:
                failures.append(
                    f"{variant}/{layer}.txt on Python {python}: {result.stderr.strip()}"
                )
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upgrade", action="store_true", help="move every pin to the newest")
    args = parser.parse_args()
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for variant, answers in VARIANTS.items():
            print(f"pinning {variant}")
            pin(variant, answers, ["--upgrade"] if args.upgrade else [], Path(tmp))
            failures += check_wheels(variant, Path(tmp))
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
