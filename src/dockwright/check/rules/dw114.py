"""DW114: the final stage copies a virtual environment or site-packages from a stage on
another Python minor version.

A venv's bin/python links to the builder's interpreter path and its packages sit in
lib/python3.12/site-packages, which python3.13 never reads; compiled extensions are built
for the builder's ABI. The app then fails at start with `ModuleNotFoundError` or a broken
`bin/python` link (the usual report after bumping one FROM line of a multi-stage build).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dockwright.check.project import Project
from dockwright.check.registry import Hit, rule

# Paths that hold an environment or installed packages.
ENVIRONMENT = re.compile(r"venv|site-packages|/lib/python3|\.local(?:/|$)")
# python:3.12-slim, python:3.12.4, ghcr.io/astral-sh/uv:python3.12-bookworm-slim.
_PYTHON_TAG = re.compile(r"(?:^|/)python:(3)\.([0-9]+)(?![0-9])|:(?:[^@]*-)?python(3)\.([0-9]+)")


@rule(
    "DW114",
    "error",
    "a virtual environment copied between different Python versions",
    "a venv or site-packages only works with the Python minor version that made it: its "
    "packages are in lib/python3.X and its extensions built for that ABI",
    "build the environment on the same Python minor version as the final stage (one "
    "ARG PYTHON_VERSION used by both FROM lines)",
)
def environment_across_versions(project: Project) -> Iterator[Hit]:
    for dockerfile in project.sound_dockerfiles():
        lineage = dockerfile.final_lineage
        if not lineage:
            continue
        runtime = python_version(lineage[0].image)
        if runtime is None:
            continue
        for stage in lineage:
            for ins, reference in stage.copies_from():
                source = dockerfile.stage(reference)
                if source is None or any(source.index == s.index for s in lineage):
                    continue
                built = python_version(dockerfile.lineage(source)[0].image)
                paths = ins.arguments[:-1]
                if built and built != runtime and any(ENVIRONMENT.search(p) for p in paths):
                    yield Hit(
                        dockerfile.name,
                        ins.line,
                        f"{reference} is Python {built}, the final stage Python {runtime}",
                    )


def python_version(image: str) -> str | None:
    """The Python minor version an image's tag names (3.12), None when it names none."""
    match = _PYTHON_TAG.search(image.lower())
    if match is None:
        return None
    major, minor = (match[1], match[2]) if match[1] else (match[3], match[4])
    return f"{major}.{minor}"
