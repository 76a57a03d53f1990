"""DW106: a base image without a tag, or :latest.

A Python image's tag that names no minor version (python:slim, python:3-alpine) moves to
the next Python release, and the dependencies' wheels with it. A FROM ${ARG} whose default
is latest is not one when the project's build scripts pass the argument (lnbits' CI builds
its plug-ins on the release it has just pushed)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from dockwright.check.builds import build_scripts
from dockwright.check.project import Project
from dockwright.check.registry import Hit, rule

# Linear: every part after the name is optional, so a match never backtracks.
_VARIABLE = re.compile(r"\$\{?(\w+)(?::-([^}]*))?\}?")
# python:3.13-slim, python:3.13.1; not python:slim or python:3-slim, whose Python moves.
_PYTHON_MINOR = re.compile(r"[0-9]+\.[0-9]+")
PYTHON_IMAGES = frozenset(
    {"python", "library/python", "docker.io/library/python", "docker.io/python"}
)


@rule(
    "DW106",
    "warning",
    "base image not pinned",
    "an untagged or :latest base changes under you between builds",
    "name a tag (python:3.13-slim), or a digest for byte-for-byte builds",
)
def unpinned_base(project: Project) -> Iterator[Hit]:
    for dockerfile in project.sound_dockerfiles():
        defaults = dockerfile.global_args
        stage_names: set[str] = set()
        for ins in dockerfile.instructions:
            if ins.keyword != "FROM":
                continue
            words = ins.arguments
            image = words[0] if words else ""
            if len(words) >= 3 and words[1].upper() == "AS":
                stage_names.add(words[2].lower())
            if image.lower() in stage_names or image == "scratch":
                continue
            given = [name for name, _ in _VARIABLE.findall(image)]
            if given and all(build_scripts(project).passes(name) for name in given):
                continue  # every build names it (--build-arg, build-args:)
            resolved = _VARIABLE.sub(functools.partial(_default, defaults), image)
            if "@sha256:" in resolved:
                continue
            tag = resolved.rsplit("/", 1)[-1].partition(":")[2]
            official = resolved.rpartition(":")[0].lower() in PYTHON_IMAGES
            if not tag or tag == "latest" or tag.startswith("-") or tag.endswith("-"):
                yield Hit(dockerfile.name, ins.line, f"FROM {image}")
            elif official and not _PYTHON_MINOR.match(tag):
                detail = f"FROM {image}: the tag names no Python minor version"
                yield Hit(dockerfile.name, ins.line, detail)


def _default(defaults: dict[str, str], match: re.Match[str]) -> str:
    """An ARG's value before the first FROM, else the ${NAME:-default} given with it."""
    return defaults.get(match[1], match[2] or "")
