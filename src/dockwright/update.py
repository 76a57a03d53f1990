"""`new-project update`: copier's three-way update, with dockwright's refusals and report.

copier renders the project's old template version with its recorded answers, renders the
installed version with the (possibly changed) answers, and applies the difference to the
project, so the user's own edits stay. Before that we refuse what copier would refuse less
clearly or not at all; afterwards we say which files changed and which conflict.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dockwright import answers, copier_boundary, generate, interrupts, lock, versions
from dockwright.copier_boundary import ANSWERS_FILE
from dockwright.errors import DockwrightError, UsageError

_STATUS = {"A": "added", "M": "modified", "D": "deleted", "R": "renamed", "?": "added"}


@dataclass(frozen=True)
class Project:
    """A project dockwright made (or adopted), as update found it."""

    directory: Path  # its real path: copier and git work on it
    top: Path  # the top of its git work tree
    answers: dict[str, Any]  # the answers it records, checked
    version: str  # the template version it was made with (its _commit)

    @property
    def adopted(self) -> bool:
        """An adopted project answers more questions (where its pieces are)."""
        return bool(self.answers.get("adopted"))


@dataclass
class Outcome:
    old: str
    new: str
    changed: list[tuple[str, str]] = field(default_factory=list)  # (what, path)
    conflicts: list[tuple[str, str]] = field(default_factory=list)  # (path, how marked)


def examine(directory: Path) -> Project:
    """The project in directory, or a UsageError saying why update cannot work on it. (The
    refusals that need the project's lock come in update.)"""
    top = _git_top(directory)
    # copier and git work on the real path: a project reached through a symlink is the same.
    directory = directory.resolve()
    answers_file = directory / ANSWERS_FILE
    if not os.path.lexists(answers_file):
        raise UsageError(
            f"{directory} has no {ANSWERS_FILE}: it was not made by dockwright "
            "(`new-project adopt` adds dockwright to an existing project)"
        )
    if answers_file.is_symlink():
        raise UsageError(
            f"{answers_file} is a symlink (to {os.readlink(answers_file)}); update rewrites "
            "it, which would replace the link: put the file itself there"
        )
    recorded = copier_boundary.read_answers(directory)
    if recorded.src_path != versions.TEMPLATE_URL:
        raise UsageError(
            f"{answers_file} names the template {recorded.src_path!r}, "
            f"not dockwright's ({versions.TEMPLATE_URL})"
        )
    if not isinstance(recorded.commit, str):
        raise UsageError(f"{answers_file} records no template version (_commit)")
    try:
        versions.tag_version(recorded.commit)
    except DockwrightError as error:
        raise UsageError(f"{answers_file}: {error}") from None
    project = Project(directory, top, recorded.answers, recorded.commit)
    questions = answers.load_questions(versions.template_dir())
    _check_recorded(answers_file, project.answers, questions, adopted=project.adopted)
    return project


def update(project: Project, given: Mapping[str, Any], *, pretend: bool = False) -> Outcome:
    """Update the project to the installed template; `given` are the answers to change
    (--data), validated for the project (answers.validate, adopting=project.adopted)."""
    directory = project.directory
    data = {**_kept_database(project.answers), **given}
    with lock.held(directory):
        _refuse_dirty(directory, project.top)
        with versions.template_source() as source:
            old = project.version
            if versions.tag_version(old) > source.version:
                raise UsageError(
                    f"{directory} was made with template {old}, newer than this dockwright's "
                    f"{source.tag}: upgrade dockwright (pip install -U dockwright)"
                )
            _refuse_unknown_version(directory / ANSWERS_FILE, old, source)
            if old == source.tag and not data:
                # The same template and the same answers render the same files.
                return Outcome(old=old, new=source.tag)
            if pretend:
                with tempfile.TemporaryDirectory(prefix="dockwright-pretend-") as scratch:
                    clone = Path(scratch) / "repo"
                    _git(project.top, "clone", "--quiet", "--shared", str(project.top), str(clone))
                    copy = clone / directory.relative_to(project.top)
                    return _apply(copy, data, source, old)
            try:
                outcome = _apply(directory, data, source, old)
                _refuse_secrets_in_git(directory)
                with interrupts.committing(f"updated {directory}"):
                    added = generate.sync_env(directory)
                    made = generate.sync_secrets(directory)
            except BaseException as failure:
                with interrupts.ignored():
                    _roll_back(directory, failure)
                raise
    if added:
        outcome.changed.append(("modified", f".env (added {', '.join(added)})"))
    outcome.changed.extend(("created", name) for name in made)
    return outcome


def _refuse_secrets_in_git(directory: Path) -> None:
    """No secret file is made where git does not ignore it: the next commit would publish
    it. (The caller undoes the update.)"""
    for name in generate.missing_secrets(directory):
        try:
            _git(directory, "check-ignore", "--quiet", "--no-index", name)
        except versions.GitError:
            raise UsageError(
                f"{directory / name} would hold a password, and git does not ignore it: add "
                "/secrets/ to .gitignore, commit, then update again"
            ) from None


def _check_recorded(
    answers_file: Path,
    recorded: Mapping[str, Any],
    questions: Mapping[str, answers.Question],
    *,
    adopted: bool,
) -> None:
    """The recorded answers have the types their questions want: copier re-reads them."""
    mine = {k: v for k, v in recorded.items() if k in questions and k != "adopted"}
    try:
        checked = answers.validate(mine, questions, adopting=adopted)
    except UsageError as error:
        raise UsageError(f"{answers_file}: {error}") from None
    for key, value in checked.items():
        if value != recorded[key]:  # a number where text belongs: copier would not convert it
            raise UsageError(
                f'{answers_file}: {key} is the number {recorded[key]!r}; quote it: {key}: "{value}"'
            )


def _refuse_unknown_version(answers_file: Path, old: str, source: versions.Source) -> None:
    try:
        _git(source.repo, "rev-parse", "--verify", "--quiet", f"{old}^{{commit}}")
    except DockwrightError:
        known = ", ".join(versions.release_tags(source.repo))
        raise UsageError(
            f"{answers_file}: _commit {old} is no version of dockwright's template (known: {known})"
        ) from None


def _kept_database(recorded: Mapping[str, Any]) -> dict[str, str]:
    """A project made before postgres_version was asked runs PostgreSQL 17: its data volume
    is in 17's format, which 18 refuses, so it stays on 17 until its owner moves the data."""
    if recorded.get("database") == "postgres" and "postgres_version" not in recorded:
        return {"postgres_version": "17"}
    return {}


def _apply(project: Path, data: Mapping[str, Any], source: versions.Source, old: str) -> Outcome:
    copier_boundary.update(project, data, tag=source.tag)
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
    except versions.GitError as error:
        if error.says("dubious ownership"):
            raise UsageError(
                f"git refuses {directory}: its repository belongs to another user "
                f"(if you trust it: git config --global --add safe.directory "
                f"{directory.resolve()})"
            ) from None
        if error.says("not a git repository"):
            raise UsageError(
                f"{directory} is not in a git repository: update merges through git "
                "(git init && git add -A && git commit)"
            ) from None
        raise UsageError(f"{directory}: {error}") from None


def _refuse_dirty(directory: Path, top: Path) -> None:
    index_lock = Path(_git(directory, "rev-parse", "--git-path", "index.lock")[0])
    if not index_lock.is_absolute():
        index_lock = directory / index_lock
    if os.path.lexists(index_lock):
        raise UsageError(
            f"{index_lock} exists: another git command is running, or one crashed; "
            "remove the file if no git command is running"
        )
    dirty = _git(directory, "status", "--porcelain", "--untracked-files=all", ".")
    if dirty:
        raise UsageError(
            f"{directory} has uncommitted changes ({len(dirty)} files): "
            "commit or stash them first, so the update can be reviewed and undone"
        )


def _roll_back(directory: Path, cause: BaseException) -> None:
    """The repository was clean before: put the project back as it was committed. When
    that fails too, say so, and keep the cause."""
    try:
        _git(directory, "reset", "--quiet", "--", ".")
        _git(directory, "checkout", "--quiet", "--", ".")
        _git(directory, "clean", "--quiet", "-d", "--force", "--", ".")
    except DockwrightError as error:
        what = "interrupted" if isinstance(cause, KeyboardInterrupt) else f"{cause}"
        raise DockwrightError(
            f"update failed ({what}), and undoing it failed too ({error}): {directory} is "
            "left as the update made it; `git checkout -- . && git clean -fd` there restores it"
        ) from None


def _git(directory: Path, *args: str) -> list[str]:
    return versions.git(*args, repo=directory).splitlines()
