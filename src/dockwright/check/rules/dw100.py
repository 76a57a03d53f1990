"""DW100: a file of the project that cannot be parsed (hadolint's DL1000, for every file)."""

from __future__ import annotations

from collections.abc import Iterator

from dockwright.check.project import Project, Unparsable
from dockwright.check.registry import Hit, rule

# The files of a build context other rules parse: TOML, and JSON for Pipfile.lock.
TOML_FILES = ("pyproject.toml", "uv.lock", "poetry.lock", "Pipfile")


@rule(
    "DW100",
    "error",
    "a file of the project cannot be parsed",
    "the build, compose or the installer fails on it, and dockwright's other rules cannot read it",
    "fix the file where the message says; the other rules read it once it parses",
)
def unparsable(project: Project) -> Iterator[Hit]:
    for dockerfile in project.dockerfiles:
        if dockerfile.problem is not None:
            line, message = dockerfile.problem
            yield Hit(dockerfile.name, line, message)
    for path in project.compose_files():
        try:
            project.compose(path)
        except Unparsable as error:
            yield hit(project, error)
    for context in project.contexts():
        for name in TOML_FILES:
            try:
                project.toml(context / name)
            except Unparsable as error:
                yield hit(project, error)
        if project.is_file(context / "Pipfile.lock"):
            try:
                project.json_object(context / "Pipfile.lock")
            except Unparsable as error:
                yield hit(project, error)


def hit(project: Project, error: Unparsable) -> Hit:
    return Hit(project.name(error.path), error.line, error.message)
