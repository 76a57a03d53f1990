"""`new-project adopt`: add dockwright's Docker layer to a project dockwright did not make.

The answers come from detect (or the user); the template renders with `adopted: true`, which
leaves out everything but the Docker layer, into a staging directory. Only then are files
copied in, and only those that do not exist yet unless --force. The answers file written
with them makes the project one that `new-project update` keeps current.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dockwright import generate
from dockwright.detect import Guess, detect
from dockwright.errors import AbortedError, UsageError


@dataclass
class Adopted:
    answers: dict[str, Any]
    written: list[str]
    overwritten: list[str]
    warnings: list[str]


def guess_answers(directory: Path) -> Guess:
    if not directory.is_dir():
        raise UsageError(f"{directory} is not a directory")
    if (directory / generate.ANSWERS_FILE).exists():
        raise UsageError(
            f"{directory} has {generate.ANSWERS_FILE} already: "
            "`new-project update` keeps it current"
        )
    guess = detect(directory)
    guess.answers.setdefault("project_name", generate.default_project_name(directory))
    return guess


def adopt(
    directory: Path,
    guess: Guess,
    given: Mapping[str, Any],
    *,
    interactive: bool,
    force: bool = False,
) -> Adopted:
    data = {"adopted": True, **given}
    if not interactive:
        data = {**guess.answers, **data}
    staging = Path(tempfile.mkdtemp(prefix="dockwright-adopt-"))
    try:
        project = staging / "project"
        generate.render(project, data, interactive=interactive, user_defaults=guess.answers)
        files = sorted(p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file())
        existing = [f for f in files if (directory / f).exists()]
        if existing and not force:
            raise UsageError(
                f"adopt would overwrite {len(existing)} existing file(s): {', '.join(existing)} "
                "(pass --force to overwrite them)"
            )
        _copy_in(project, directory, files)
        generate.sync_env(directory)
        recorded = yaml.safe_load((directory / generate.ANSWERS_FILE).read_text(encoding="utf-8"))
        answers = {k: v for k, v in recorded.items() if not k.startswith("_")}
        warnings = list(guess.warnings)
        if not _ignored_by_git(directory, ".env"):
            warnings.append("add .env to .gitignore: it holds your settings and secrets")
        return Adopted(answers=answers, written=files, overwritten=existing, warnings=warnings)
    except KeyboardInterrupt:
        raise AbortedError() from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _ignored_by_git(directory: Path, name: str) -> bool:
    """True when git ignores name here, or when this is no git repository (nothing to warn)."""
    try:
        result = subprocess.run(
            ["git", "check-ignore", "--quiet", name],
            cwd=directory,
            capture_output=True,
            check=False,
        )
    except FileNotFoundError:
        return True
    return result.returncode != 1  # 0: ignored; 128: not a repository


def _copy_in(project: Path, directory: Path, files: list[str]) -> None:
    """Each file lands whole (written beside its target, then renamed over it). An
    interruption midway removes the files and folders this call added; files it overwrote
    (with --force) keep their new content."""
    added: list[Path] = []
    try:
        for name in files:
            target = directory / name
            for parent in reversed(target.relative_to(directory).parents[:-1]):
                if not (directory / parent).exists():
                    (directory / parent).mkdir()
                    added.append(directory / parent)
            if not target.exists():
                added.append(target)
            partial = target.with_name(f".{target.name}.dockwright-partial")
            added.append(partial)
            shutil.copy2(project / name, partial)
            os.replace(partial, target)
            added.remove(partial)
    except BaseException:
        for path in reversed(added):
            if path.is_dir():
                path.rmdir()
            else:
                path.unlink(missing_ok=True)
        raise
