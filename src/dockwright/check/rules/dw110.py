"""DW110: the conda lock not made yet."""

from __future__ import annotations

from collections.abc import Iterator

from dockwright.check.project import Project
from dockwright.check.registry import Hit, rule


@rule(
    "DW110",
    "info",
    "lock file not made yet",
    "the build needs the lock, which is made where the package channel is reachable",
    "run the project's lock step (e.g. scripts/lock-conda.sh) and commit the lock",
)
def lock_not_made(project: Project) -> Iterator[Hit]:
    for context in project.contexts():
        lock = context / "conda-lock.yml"
        if project.is_file(context / "environment.yml") and not project.is_file(lock):
            yield Hit(project.name(lock), None, "conda-lock.yml does not exist")
