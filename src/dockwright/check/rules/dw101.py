"""DW101: dependencies installed after the code is copied."""

from __future__ import annotations

from collections.abc import Iterator

from dockwright.check.managers import installs_dependencies
from dockwright.check.project import Project
from dockwright.check.registry import Hit, rule


@rule(
    "DW101",
    "warning",
    "dependencies installed after the code is copied",
    "every change to any file invalidates the install layer, so each build reinstalls "
    "every dependency",
    "copy or bind-mount only the dependency files, install, then copy the code",
)
def install_after_copy(project: Project) -> Iterator[Hit]:
    for dockerfile in project.sound_dockerfiles():
        for stage in dockerfile.stages:
            whole_copy = None
            for ins in stage.instructions:
                if ins.keyword in ("COPY", "ADD") and "from" not in ins.flags:
                    sources = ins.arguments[:-1]
                    if any(s in (".", "./") for s in sources) and whole_copy is None:
                        whole_copy = ins
                if ins.keyword == "RUN" and any(installs_dependencies(w) for w in ins.commands):
                    if whole_copy is not None:
                        yield Hit(
                            dockerfile.name,
                            ins.line,
                            f"line {whole_copy.line} copies the whole context before this install",
                        )
                    break  # the first install is the one to move
