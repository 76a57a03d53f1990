"""DW101: dependencies installed after the code is copied.

Not a finding: an install after an environment copied from a stage that installed the
dependencies from their manifests (it adds the project to it, reinstalling nothing)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dockwright.check.dockerfile import Dockerfile, Instruction
from dockwright.check.managers import installs_dependencies
from dockwright.check.project import Project
from dockwright.check.registry import Hit, rule

_ENVIRONMENT = re.compile(r"venv|site-packages")


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
        installed = {
            stage.index
            for stage in dockerfile.stages
            if any(installs_dependencies(w) for ins in stage.instructions for w in ins.commands)
        }
        for stage in dockerfile.stages:
            whole_copy = None
            for ins in stage.instructions:
                if ins.keyword in ("COPY", "ADD") and "from" not in ins.flags:
                    sources = ins.arguments[:-1]
                    if any(s in (".", "./") for s in sources) and whole_copy is None:
                        whole_copy = ins
                if _environment_from(dockerfile, ins, installed):
                    break  # what follows only adds the project to it
                if ins.keyword == "RUN" and any(installs_dependencies(w) for w in ins.commands):
                    if whole_copy is not None:
                        yield Hit(
                            dockerfile.name,
                            ins.line,
                            f"line {whole_copy.line} copies the whole context before this install",
                        )
                    break  # the first install is the one to move


def _environment_from(dockerfile: Dockerfile, ins: Instruction, installed: set[int]) -> bool:
    """Whether ins copies an environment (a venv, site-packages) from a stage that installed
    the dependencies: an install after it finds them there (lnbits' `uv sync` after
    COPY --from=builder /app/.venv)."""
    if ins.keyword != "COPY":
        return False
    for reference in ins.flags.get("from", []):
        source = dockerfile.stage(reference)
        if source is None:
            continue
        lineage = {s.index for s in dockerfile.lineage(source)}
        if lineage & installed and any(_ENVIRONMENT.search(a) for a in ins.arguments[:-1]):
            return True
    return False
