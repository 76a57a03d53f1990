"""DW107: dependencies the build installs without pinning them."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from dockwright.check.builds import build_scripts
from dockwright.check.dockerfile import Dockerfile
from dockwright.check.managers import (
    LOCKED,
    PIP,
    UV,
    conda_environment_file,
    is_local,
    locked_install,
    requirement_files,
    runs,
)
from dockwright.check.project import Project, inside
from dockwright.check.registry import Hit, rule
from dockwright.check.shell import invocations, operands, values

CONSTRAINTS = frozenset({"-r", "--requirement", "-c", "--constraint"})
# Subcommands that write a lock out as requirements (uv export, poetry export, pipenv
# requirements): a build that installs those uses the lock.
LOCK_EXPORTS = frozenset({"export", "requirements"})
# The project in the build's working directory: `.`, `./`, `.[web]`.
_THE_PROJECT = re.compile(r"\./?(?:\[[\w,.-]*\])?")


@rule(
    "DW107",
    "warning",
    "dependencies not pinned",
    "an unpinned requirement installs whatever is newest at build time",
    "pin every package (pip-compile with --generate-hashes, or a lock: uv.lock, "
    "poetry.lock, Pipfile.lock, conda-lock.yml)",
)
def unpinned(project: Project) -> Iterator[Hit]:
    for dockerfile in project.sound_dockerfiles():
        commands = [
            words
            for stage in dockerfile.stages
            for ins in stage.instructions
            for words in ins.commands
        ]
        yield from _unpinned_requirements(project, dockerfile, _requirements(dockerfile))
        if any(conda_environment_file(words) for words in commands):
            yield Hit(
                project.name(dockerfile.context / "environment.yml"),
                None,
                "conda solves environment.yml at build time",
            )
        # A stage built on the project's own image installs with the lock that image holds.
        own = [
            words
            for stage in dockerfile.stages
            if not build_scripts(project).builds(dockerfile.base_image(stage))
            for ins in stage.instructions
            for words in ins.commands
        ]
        yield from _bypassed_locks(project, dockerfile, commands)
        for manager in LOCKED:
            lock = dockerfile.context / manager.lock
            if any(locked_install(words, manager) for words in own) and not project.is_file(lock):
                yield Hit(
                    project.name(lock),
                    None,
                    f"there is no {manager.lock}: the build resolves the dependencies itself",
                )


def _bypassed_locks(
    project: Project, dockerfile: Dockerfile, commands: list[list[str]]
) -> Iterator[Hit]:
    """A lock beside a build that installs the project with pip (`pip install .`, `uv pip
    install .`) and never runs the lock's manager: pip resolves the manifest's ranges, and
    the lock pins nothing that is installed."""
    project_install = next((words for words in commands if _installs_the_project(words)), None)
    if project_install is None:
        return
    for manager in LOCKED:
        lock = dockerfile.context / manager.lock
        reads = manager.locked_installs | LOCK_EXPORTS
        used = any(runs(words, manager, reads) for words in commands)
        if not used and project.is_file(lock):
            shown = " ".join(project_install)
            yield Hit(
                project.name(lock),
                None,
                f"`{shown}` resolves the manifest's ranges; {manager.lock} is not used",
            )


def _installs_the_project(words: list[str]) -> bool:
    """pip or `uv pip` installing a local project with its dependencies, unconstrained."""
    starts = runs(words, PIP) + invocations(words, UV.programs, frozenset({"install"}), {"pip"})
    if not starts or "--no-deps" in words or values(words, CONSTRAINTS):
        return False
    return any(_THE_PROJECT.fullmatch(w) for w in operands(words, min(starts)))


def _requirements(dockerfile: Dockerfile) -> list[Path]:
    """The requirements files pip or uv installs (-r), found in the build context: where
    the COPY, ADD or bind mount before the install took the path the command names from."""
    found: dict[Path, None] = {}
    for stage in dockerfile.stages:
        for ins in stage.instructions:
            for words in ins.commands:
                for name in requirement_files(words):
                    relative = dockerfile.context_file(stage, ins, name)
                    if relative is None:  # not copied: the path as the context has it
                        relative = name.lstrip("/").removeprefix("app/")
                    path = inside(dockerfile.context, relative)
                    if path is not None:
                        found.setdefault(path)
    return list(found)


def _unpinned_requirements(
    project: Project, dockerfile: Dockerfile, paths: list[Path]
) -> Iterator[Hit]:
    """One finding per requirements file (these and those they include with -r, each read
    once) that has unpinned lines, at its first, listing them all."""
    seen: set[Path] = set()
    pending = paths[::-1]
    while pending:
        path = pending.pop()
        if path in seen or not project.is_file(path):
            continue
        seen.add(path)
        lines = []
        text = project.text(path, strict=False).replace("\\\n", " ")
        for number, line in enumerate(text.splitlines(), start=1):
            spec = line.split(" #")[0].strip()
            if spec.startswith(("-r ", "--requirement ")):
                relative = os.path.join(os.path.dirname(project.name(path)), spec.split()[1])
                if (included := inside(project.root, relative)) is not None:
                    pending.append(included)
                continue
            if not spec or spec.startswith(("#", "-")) or is_local(spec):
                continue
            if not _pinned(spec.split(";")[0]) and " @ " not in spec:
                lines.append((number, spec.split()[0]))
        if lines:
            listed = ", ".join(f"{spec} (line {number})" for number, spec in lines)
            yield Hit(project.name(path), lines[0][0], f"unpinned: {listed}")


def _pinned(spec: str) -> bool:
    """== (or ===) pins a version; so does an inclusive upper bound: the newest version up
    to it is always it (LLaMA-Factory's deepspeed>=0.10.0,<=0.18.4)."""
    return bool(re.search(r"==|<=", spec))
