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

from dockwright import copier_boundary, files, generate, interrupts, lock, versions
from dockwright.detect import JOB_VOLUMES, Guess, detect
from dockwright.errors import UsageError


@dataclass
class Adopted:
    answers: dict[str, Any]
    written: list[str]
    overwritten: list[str]
    warnings: list[str]
    repository: bool  # the project is in a git work tree
    # Lines .gitignore needs before the first commit: .env (settings and secrets), what a job
    # writes into data/ and models/ (their .gitkeep files kept) and the folders the app writes
    # to (writable_paths); empty when git ignores them already, by the project's .gitignore
    # or the user's.
    to_ignore: list[str]
    # The lock script to run before the first commit and build (the lock is missing or
    # stale), or None.
    relock: str | None = None


def guess_answers(directory: Path, given: Mapping[str, Any] | None = None) -> Guess:
    if not directory.is_dir():
        raise UsageError(f"{directory} is not a directory")
    if os.path.lexists(directory / copier_boundary.ANSWERS_FILE):
        raise UsageError(
            f"{directory} has {copier_boundary.ANSWERS_FILE} already: "
            "`new-project update` keeps it current"
        )
    guess = detect(directory, given)
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
    """Add the Docker layer to directory: the guesses, with `given` (the user's answers,
    validated) over them; all of it, or (on any error or Ctrl-C) nothing."""
    data = {"adopted": True, **given}
    if not interactive:
        data = {**guess.answers, **data}
    staging = Path(tempfile.mkdtemp(prefix="dockwright-adopt-"))
    try:
        if interactive:
            # What would be refused is said before the questions, not after them: the files
            # the guesses render (the answers change which scripts and locks, not the rest).
            preview = staging / "preview"
            copier_boundary.copy(
                preview, {**guess.answers, **data}, interactive=False, user_defaults={}
            )
            generate.installable(directory, generate.rendered_files(preview), overwrite=force)
        project = staging / "project"
        recorded = copier_boundary.copy(
            project, data, interactive=interactive, user_defaults=guess.answers
        )
        warnings = list(guess.warnings)
        env = directory / ".env"
        if os.path.lexists(env):
            # The project's own settings and secrets: never rewritten, even with --force.
            existing = files.read_text(env, what=".env").splitlines()
            example = files.read_text(project / ".env.example").splitlines()
            lacking = generate.env_keys(generate.missing_env_lines(existing, example))
            if lacking:
                warnings.append(f"add {', '.join(lacking)} to .env (see .env.example)")
        else:
            generate.sync_env(project)
        # An existing secret file is the project's own: kept, like .env.
        generate.sync_secrets(project, kept=directory)
        names = generate.rendered_files(project)
        with lock.held(directory), interrupts.committing(f"adopted {directory}"):
            overwritten = generate.install(project, directory, names, overwrite=force)
        outputs = JOB_VOLUMES if recorded.answers.get("app_kind") == "ml-job" else ()
        written = str(recorded.answers.get("writable_paths") or "").split()
        probes = (
            {".env": [".env"]}
            | {name: ["/secrets/"] for name in generate.secret_files(project / "compose.yaml")[:1]}
            | {f"{folder}/output": [f"/{folder}/*", f"!/{folder}/.gitkeep"] for folder in outputs}
            | {f"{folder}/output": [f"/{folder}/"] for folder in written}
        )
        repository, ignored = _git_ignores(directory, list(probes))
        to_ignore = [
            line for probe, lines in probes.items() if probe not in ignored for line in lines
        ]
        return Adopted(
            answers=recorded.answers,
            written=names,
            overwritten=overwritten,
            warnings=warnings,
            repository=repository,
            to_ignore=to_ignore,
            relock=guess.relock if guess.relock in names else None,
        )
    finally:
        interrupts.run_ignoring(lambda: shutil.rmtree(staging, ignore_errors=True))


def _git_ignores(directory: Path, names: list[str]) -> tuple[bool, set[str]]:
    """(whether directory is in a git work tree, which of names git ignores there). Outside a
    repository, which it would once `git init` made one: git reads directory's .gitignore
    and the user's excludes against an empty repository of its own. No git: (False, none)."""
    environment = versions.clean_git_environment(os.environ)

    def ignored(*args: str) -> set[str]:
        result = subprocess.run(
            ["git", *args, "check-ignore", "--stdin"],
            cwd=directory,
            input="\n".join(names) + "\n",
            capture_output=True,
            text=True,
            check=False,
            env=environment,
        )
        return set(result.stdout.splitlines()) & set(names)

    try:
        inside = subprocess.run(
            ["git", "rev-parse", "--is-inside-work-tree"],
            cwd=directory,
            capture_output=True,
            check=False,
            env=environment,
        )
        if inside.returncode == 0:
            return True, ignored()
        with tempfile.TemporaryDirectory(prefix="dockwright-git-") as scratch:
            made = subprocess.run(
                ["git", "init", "--quiet", "--bare", scratch],
                capture_output=True,
                check=False,
                env=environment,
            )
            if made.returncode != 0:
                return False, set()
            return False, ignored(f"--git-dir={scratch}", "--work-tree=.")
    except FileNotFoundError:
        return False, set()
