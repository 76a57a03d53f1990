"""DW104: compilers or installers left in the production image."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dockwright.check.managers import installs_tool
from dockwright.check.project import Project
from dockwright.check.registry import Hit, rule
from dockwright.check.shell import invocations, operands, values

# One word matched whole (fullmatch), so each costs its length: a compiler, or a -dev package
# (a name, never an option such as --no-dev).
BUILD_PACKAGE = re.compile(
    r"(?:(?:gcc|g\+\+|clang|cpp)(?:-[\d.]+)?|make|build-essential|build-base"
    r"|[A-Za-z0-9][\w.+-]*-dev)(?:=[\w.:~+-]+)?"
)
APT = frozenset({"apt-get", "apt", "aptitude"})
APT_REMOVALS = frozenset({"purge", "remove", "autoremove"})
INSTALLER_IMAGES = ("astral-sh/uv",)
INSTALLER_SCRIPTS = ("install.python-poetry.org",)


@rule(
    "DW104",
    "warning",
    "build tools or installers left in the final image",
    "compilers and package installers add size and attack surface to production",
    "install and remove them in the same RUN, or build in a builder stage and copy only "
    "the environment into the final one",
)
def build_tools_left(project: Project) -> Iterator[Hit]:
    for dockerfile in project.production_dockerfiles():
        final = dockerfile.in_final()  # a builder's compilers stay in the builder
        last_removal: dict[str, int] = {}  # each name removed, where it last is
        for index, ins in enumerate(final):
            for words in ins.commands:
                last_removal.update(dict.fromkeys(_removed(words), index))
        for index, ins in enumerate(final):
            if ins.keyword in ("COPY", "ADD") and any(
                image in source
                for source in ins.flags.get("from", [])
                for image in INSTALLER_IMAGES
            ):
                yield Hit(dockerfile.name, ins.line, "an installer (poetry, pipenv or uv)")
            if ins.keyword != "RUN":
                continue
            removed_here = any(_removed(words) for words in ins.commands)
            packages: set[str] = set()
            for words in ins.commands:
                if any(last_removal.get(g, -1) > index for g in _virtual_groups(words)):
                    continue  # apk add --virtual .build-deps ..., apk del .build-deps later
                packages |= {
                    p
                    for p in _system_packages(words)
                    if BUILD_PACKAGE.fullmatch(p) and last_removal.get(p.split("=")[0], -1) <= index
                }
            if packages and not removed_here:
                yield Hit(dockerfile.name, ins.line, " ".join(sorted(packages)))
            if any(installs_tool(words) for words in ins.commands) or any(
                script in ins.script for script in INSTALLER_SCRIPTS
            ):
                yield Hit(dockerfile.name, ins.line, "an installer (poetry, pipenv or uv)")


def _system_packages(words: list[str]) -> list[str]:
    """The packages `apt-get install` or `apk add` installs (options left out)."""
    starts = invocations(words, APT, {"install"}) + invocations(words, {"apk"}, {"add"})
    if not starts:
        return []
    return operands(words, min(starts))


def _virtual_groups(words: list[str]) -> set[str]:
    starts = invocations(words, {"apk"}, {"add"})
    return set(values(words, {"--virtual", "-t"}, starts[0])) if starts else set()


def _removed(words: list[str]) -> set[str]:
    """What a removal command removes: its package names, or "*" for autoremove (which
    takes what installs pulled in, not what they named)."""
    found: set[str] = set()
    for start in invocations(words, APT, APT_REMOVALS):
        found |= {p.split("=")[0] for p in operands(words, start) if p not in APT_REMOVALS}
        found.add("*")
    for start in invocations(words, {"apk"}, {"del"}):
        found |= set(operands(words, start)) - {"del"}
        found.add("*")
    return found
