"""`new-project update`: copier's three-way update, with dockwright's refusals and report.

copier renders the project's old template version with its recorded answers, renders the
installed version with the (possibly changed) answers, and applies the difference to the
project, so the user's own edits stay. Before that we refuse what copier would refuse less
clearly or not at all; afterwards we say which files changed and which conflict.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import copier
import yaml
from copier.errors import CopierError

from dockwright import answers, generate, versions
from dockwright.errors import AbortedError, DockwrightError, UsageError

_STATUS = {"A": "added", "M": "modified", "D": "deleted", "R": "renamed", "?": "added"}


@dataclass
class Outcome:
    old: str
    new: str
    changed: list[tuple[str, str]] = field(default_factory=list)  # (what, path)
    conflicts: list[tuple[str, str]] = field(default_factory=list)  # (path, how marked)


def update(directory: Path, given: Mapping[str, Any], *, pretend: bool = False) -> Outcome:
    """Update directory to the installed template; `given` are the answers to change
    (--data), checked here against the questions (an adopted project has more)."""
    top = _git_top(directory)
    recorded = read_recorded_answers(directory)
    questions = answers.load_questions(versions.template_dir())
    data = answers.check(given, questions, adopting=bool(recorded.get("adopted")))
    _refuse_dirty(directory)
    with versions.template_source() as source:
        old = recorded["_commit"]
        if versions.tag_version(old) > source.version:
            raise UsageError(
                f"{directory} was made with template {old}, newer than this dockwright's "
                f"{source.tag}: upgrade dockwright (pip install -U dockwright)"
            )
        if old == source.tag and not data:
            # The same template and the same answers render the same files: nothing to merge.
            return Outcome(old=old, new=source.tag)
        if pretend:
            with tempfile.TemporaryDirectory(prefix="dockwright-pretend-") as scratch:
                clone = Path(scratch) / "repo"
                _git(top, "clone", "--quiet", "--shared", str(top), str(clone))
                copy = clone / directory.resolve().relative_to(top)
                return _apply(copy, data, source, old)
        try:
            outcome = _apply(directory, data, source, old)
        except BaseException:
            _roll_back(directory)
            raise
    generate.sync_env(directory)
    return outcome


def read_recorded_answers(directory: Path) -> dict[str, Any]:
    """The answers file of a project dockwright made (or adopted), checked."""
    answers_file = directory / generate.ANSWERS_FILE
    if not answers_file.is_file():
        raise UsageError(
            f"{directory} has no {generate.ANSWERS_FILE}: it was not made by dockwright "
            "(`new-project adopt` adds dockwright to an existing project)"
        )
    try:
        recorded = yaml.safe_load(answers_file.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        raise UsageError(f"{answers_file} is not valid YAML") from None
    if not isinstance(recorded, dict):
        raise UsageError(f"{answers_file} is not a mapping of answers")
    if recorded.get("_src_path") != versions.TEMPLATE_URL:
        raise UsageError(
            f"{answers_file} names the template {recorded.get('_src_path')!r}, "
            f"not dockwright's ({versions.TEMPLATE_URL})"
        )
    if not isinstance(recorded.get("_commit"), str):
        raise UsageError(f"{answers_file} records no template version (_commit)")
    try:
        versions.tag_version(recorded["_commit"])
    except DockwrightError as error:
        raise UsageError(f"{answers_file}: {error}") from None
    return recorded


def _apply(project: Path, data: Mapping[str, Any], source: versions.Source, old: str) -> Outcome:
    try:
        copier.run_update(
            str(project),
            data=dict(data),
            vcs_ref=source.tag,
            defaults=True,
            overwrite=True,
            skip_answered=True,
            quiet=True,
            conflict="inline",
        )
    except KeyboardInterrupt:
        raise AbortedError("interrupted; the update was undone") from None
    except ValueError as error:  # copier's choice and validator errors
        raise UsageError(generate.strip_prefix(str(error))) from None
    except CopierError as error:
        raise DockwrightError(f"update failed: {error}") from None
    outcome = Outcome(old=old, new=source.tag)
    unmerged = set(_git(project, "diff", "--name-only", "--diff-filter=U", "--relative"))
    top = Path(_git(project, "rev-parse", "--show-toplevel")[0])
    for line in _git(project, "status", "--porcelain", "--untracked-files=all", "."):
        # git status names paths from the repository's top; we name them from the project.
        from_top = line[3:].split(" -> ")[-1].strip('"')
        code, path = line[:2], (top / from_top).relative_to(project.resolve()).as_posix()
        if path.endswith(".rej"):
            outcome.conflicts.append((path.removesuffix(".rej"), "rejected hunks in .rej"))
        elif path in unmerged:
            outcome.conflicts.append((path, "<<<<<<< markers"))
        else:
            outcome.changed.append((_STATUS.get(code.strip()[:1], code.strip()), path))
    return outcome


def _git_top(directory: Path) -> Path:
    if not directory.is_dir():
        raise UsageError(f"{directory} is not a directory")
    try:
        return Path(_git(directory, "rev-parse", "--show-toplevel")[0])
    except DockwrightError:
        raise UsageError(
            f"{directory} is not in a git repository: update merges through git "
            "(git init && git add -A && git commit)"
        ) from None


def _refuse_dirty(directory: Path) -> None:
    dirty = _git(directory, "status", "--porcelain", "--untracked-files=all", ".")
    if dirty:
        raise UsageError(
            f"{directory} has uncommitted changes ({len(dirty)} files): "
            "commit or stash them first, so the update can be reviewed and undone"
        )


def _roll_back(directory: Path) -> None:
    """The repository was clean before: put the project back as it was committed."""
    _git(directory, "reset", "--quiet", "--", ".")
    _git(directory, "checkout", "--quiet", "--", ".")
    _git(directory, "clean", "--quiet", "-d", "--force", "--", ".")


def _git(directory: Path, *args: str) -> list[str]:
    return versions.git(*args, repo=directory).splitlines()
