"""DW119: development dependencies installed in the production image.

`poetry install` installs every group that is not optional, dev included, unless told
`--only main` or `--without dev`; `uv sync` (and `uv run`, which syncs first) installs the
default groups, dev unless `[tool.uv] default-groups` says otherwise, unless told `--no-dev`;
`pipenv install --dev`, `pip install -r requirements-dev.txt` and `pip install .[dev]` ask
for them by name. In the final stage, or in a builder whose environment the final stage
copies, that ships test runners, linters and type checkers to production: the reports of
images bloated by pytest, mypy and ruff fixed with `uv sync --no-dev` (langgenius/dify#23562),
and poetry's own Docker FAQ, which installed the dev group until python-poetry/poetry#8921.
A `uv run` the container starts with (its ENTRYPOINT, CMD or the scripts they run, read by
dockwright.check.startup) syncs the dev group into every new container (astral-sh/uv#17023);
the other installs at start are DW123's.

What an install brings is read from the manifest the build reads (pyproject.toml, Pipfile),
found where the COPY or bind mount before the install took it from: a project with no
development group or extra installs nothing more and is not flagged. A group or extra is a
development one by its name (dev, test, lint, docs, typing, ...) or when it holds a
development tool (pytest, ruff, mypy, ...); a requirements file by its name.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from dockwright.check.dockerfile import Dockerfile, Instruction, Stage
from dockwright.check.managers import (
    PIPENV,
    POETRY,
    REQUIREMENT_FLAGS,
    is_local,
    normalize,
    requirement_name,
    runs,
)
from dockwright.check.project import Project, Unparsable, inside, listed, table
from dockwright.check.registry import Hit, rule
from dockwright.check.shell import invocations
from dockwright.check.startup import image_parts, starts

T = TypeVar("T")

# A group, extra or requirements file named with one of these words is for development.
DEVELOPMENT_WORDS = frozenset(
    {
        "dev",
        "devel",
        "develop",
        "development",
        "devtools",
        "test",
        "tests",
        "testing",
        "lint",
        "linting",
        "linters",
        "docs",
        "doc",
        "documentation",
        "typing",
        "typecheck",
        "mypy",
        "qa",
        "ci",
        "coverage",
        "bench",
        "benchmark",
        "benchmarks",
        "debug",
        "style",
        "format",
        "formatting",
    }
)
# Packages only development runs: a group holding one is a development group, whatever its name.
DEVELOPMENT_TOOLS = frozenset(
    {
        "pytest",
        "ruff",
        "mypy",
        "pyright",
        "basedpyright",
        "black",
        "flake8",
        "pylint",
        "isort",
        "pre-commit",
        "coverage",
        "tox",
        "nox",
        "hypothesis",
        "ipdb",
        "pdbpp",
        "codespell",
        "bandit",
        "django-debug-toolbar",
        "factory-boy",
        "freezegun",
        "pyflakes",
        "pycodestyle",
        "autopep8",
        "yapf",
        "sphinx",
        "mkdocs",
    }
)
DEVELOPMENT_TOOL_PREFIXES = ("pytest-", "flake8-", "types-", "mkdocs-", "sphinx-")
REQUIREMENTS_WORDS = frozenset({"requirements", "requirement", "reqs"})
TRUE = frozenset({"1", "true", "yes", "on", "y", "t"})
# The environment variables this rule reads, the only ones it follows through the stages.
VARIABLES = frozenset(
    {
        "VIRTUAL_ENV",
        "PATH",
        "PYTHONUSERBASE",
        "UV_PROJECT_ENVIRONMENT",
        "UV_NO_DEV",
        "UV_NO_GROUP",
        "UV_NO_DEFAULT_GROUPS",
        "UV_NO_SYNC",
        "UV_NO_PROJECT",
        "POETRY_VIRTUALENVS_PATH",
        "POETRY_CACHE_DIR",
        "PIPENV_DEV",
        "PIPENV_ALL_CATEGORIES",
        "PIPENV_CATEGORIES",
        "PIPENV_PIPFILE",
        "WORKON_HOME",
    }
)
# Options that take a value as the next word, where a flag's value may follow it.
POETRY_VALUES = frozenset(
    {"--only", "--with", "--without", "-E", "--extras", "-C", "--directory", "-P", "--project"}
)
UV_VALUES = frozenset(
    {
        "--group",
        "--no-group",
        "--only-group",
        "--extra",
        "--no-extra",
        "--directory",
        "--project",
        "--package",
        "--python",
        "-p",
        "--with",
        "--with-editable",
        "--with-requirements",
        "--env-file",
        "--index",
        "--default-index",
        "--index-url",
        "--extra-index-url",
        "--find-links",
        "-f",
        "--cache-dir",
        "--config-file",
        "--link-mode",
        "--python-platform",
        "--exclude-newer",
        "--index-strategy",
        "--keyring-provider",
        "--resolution",
        "--prerelease",
        "--color",
    }
)
PIPENV_VALUES = frozenset(
    {"--categories", "--extras", "--python", "-i", "--index", "--pypi-mirror", "--extra-pip-args"}
)
PIP_VALUES = frozenset(
    {
        *REQUIREMENT_FLAGS,
        "-c",
        "--constraint",
        "-e",
        "--editable",
        "-t",
        "--target",
        "--prefix",
        "--root",
        "--python",
        "-p",
        "--group",
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
    }
)
# How many paths a stage's copies out of another stage are followed for.
COPIED = 64
# How deep include-group tables are followed.
INCLUDES = 8
SHOWN = 5  # packages named in a finding
# $NAME, ${NAME}, ${NAME:-default}; linear: every part after the name is optional.
_VARIABLE = re.compile(r"\$\{?(\w+)(?::-([^}]*))?\}?")
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_SEPARATORS = re.compile(r"[-_.]+")
_LIST = re.compile(r"[\s,]+")


@rule(
    "DW119",
    "warning",
    "development dependencies installed in the production image",
    "test runners, linters and type checkers are never run in production, but they add "
    "size, build time and packages to patch (and to attack) to the image",
    "install the production dependencies only (poetry install --only main, uv sync --no-dev, "
    "pipenv install without --dev, pip install -r requirements.txt, pip install .), and the "
    "development ones in a dev or test image, or a stage the final one does not copy",
)
def development_dependencies(project: Project) -> Iterator[Hit]:
    problems: list[Unparsable] = []
    for dockerfile in project.production_dockerfiles():
        yield from _findings(project, dockerfile, problems)
    if problems:
        # A manifest that does not parse was taken as unknown and the rule went on; the
        # first one becomes a DW100 finding once every other finding is given.
        raise problems[0]


def _findings(
    project: Project, dockerfile: Dockerfile, problems: list[Unparsable]
) -> Iterator[Hit]:
    reached = _reached(dockerfile)
    ends: list[dict[str, str]] = []  # each stage's ENV at its end: a FROM of it inherits them
    for stage in dockerfile.stages:
        variables = dict(ends[stage.parent]) if stage.parent is not None else {}
        arguments: dict[str, str] = {}  # ARG values: this stage's RUNs see them, no other
        for ins in stage.instructions:
            if ins.keyword in ("ENV", "ARG"):
                known = {**arguments, **variables}
                into = variables if ins.keyword == "ENV" else arguments
                into.update(
                    (name, _expand(value, known))
                    for name, value in _assignments(ins)
                    if name in VARIABLES
                )
            elif ins.keyword == "RUN" and stage.index in reached:
                scope = Scope(project, dockerfile, stage, ins, {**arguments, **variables}, problems)
                yield from _hits(dockerfile, stage, ins, _installs(scope, ins.commands), reached)
        ends.append(variables)
    if dockerfile.final is None:
        return
    # `uv run` at start syncs the default groups into the container (astral-sh/uv#17023);
    # the other installs at start are DW123's. The container has the final stage's ENV.
    variables = ends[dockerfile.final.index]
    for start in starts(project, dockerfile, *image_parts(dockerfile)):
        ins = start.part.instruction
        stage = dockerfile.stages[ins.stage]
        scope = Scope(project, dockerfile, stage, ins, variables, problems)
        if start.words[0] == "export":  # the commands after it see it
            variables = scope.with_assignments(start.words[1:], len(start.words) - 1).variables
            continue
        found = [
            Install(f"{i.detail} when the container starts ({start.source})", i.locations)
            for i in _uv(scope, start.words, actions=frozenset({"run"}))
        ]
        yield from _hits(dockerfile, stage, ins, found, reached)


def _hits(
    dockerfile: Dockerfile,
    stage: Stage,
    ins: Instruction,
    found: list[Install],
    reached: dict[int, list[str] | None],
) -> Iterator[Hit]:
    """The installs that reach the final image: all of them in its lineage, and those of
    another stage whose environment it copies."""
    copied = reached[stage.index]
    for install in found:
        if copied is None:
            yield Hit(dockerfile.name, ins.line, install.detail)
            continue
        path = next((p for p in copied if _overlap(install.locations, p)), None)
        if path is not None:
            name = stage.name or str(stage.index)
            yield Hit(
                dockerfile.name,
                ins.line,
                f"{install.detail}, in stage {name}, whose {path} the final image copies",
            )


# --- the stages that reach the final image --------------------------------------------------


def _reached(dockerfile: Dockerfile) -> dict[int, list[str] | None]:
    """The stages whose installs can end in the final image: the final stage's lineage,
    whole (None), and the stages (with their own lineage) it copies out of, with the paths
    it copies, followed through a stage that copies them on."""
    reached: dict[int, list[str] | None] = {s.index: None for s in dockerfile.final_lineage}
    pending = list(dockerfile.final_lineage)
    while pending:
        stage = pending.pop()
        into = reached[stage.index]
        for ins, reference in stage.copies_from():
            source = dockerfile.stage(reference)
            if source is None or len(ins.arguments) < 2:
                continue
            *sources, destination = ins.arguments
            landed = posixpath.normpath(posixpath.join(dockerfile.workdir(ins), destination))
            if into is not None and not any(_overlap([landed], p) for p in into):
                continue  # copied on into a path the final image does not take
            paths = [posixpath.normpath("/" + s.lstrip("/")) for s in sources]
            ancestor: Stage | None = source
            while ancestor is not None:
                known = reached.setdefault(ancestor.index, [])
                if known is None:
                    break  # the final lineage: all of it reaches
                new = [p for p in paths if p not in known][: max(0, COPIED - len(known))]
                if not new:
                    break  # it has them already, and so do the stages it is built on
                known += new
                pending.append(ancestor)
                parent = ancestor.parent
                ancestor = dockerfile.stages[parent] if parent is not None else None
    return reached


def _overlap(locations: Iterable[str], path: str) -> bool:
    """Whether a copied path holds one of the locations, or lies inside one."""
    return any(
        location == path
        or location.startswith(path.rstrip("/") + "/")
        or path.startswith(location.rstrip("/") + "/")
        for location in locations
    )


# --- where a command runs -----------------------------------------------------------------


@dataclass(frozen=True)
class Install:
    detail: str  # what runs, and what it brings
    locations: tuple[str, ...]  # where in the image it may install


@dataclass
class Scope:
    """Where a command runs: its stage and instruction, the variables it sees (of
    VARIABLES), and the manifests it reads. A manifest that does not parse is left out
    here and kept in problems."""

    project: Project
    dockerfile: Dockerfile
    stage: Stage
    ins: Instruction
    variables: dict[str, str]
    problems: list[Unparsable]

    @property
    def workdir(self) -> str:
        return self.dockerfile.workdir(self.ins)

    def path(self, value: str, directory: str | None = None) -> str:
        """A path in the image: value with its variables, relative to directory (or the
        working directory)."""
        return posixpath.normpath(
            posixpath.join(directory or self.workdir, _expand(value, self.variables))
        )

    def value(self, name: str) -> str:
        return self.variables.get(name, "")

    def true(self, name: str) -> bool:
        return self.value(name).strip().lower() in TRUE

    def with_assignments(self, words: list[str], start: int) -> Scope:
        """This scope with the assignments before words[start] (`UV_NO_DEV=1 uv sync`)."""
        assigned = {
            name: _expand(value, self.variables)
            for name, _, value in (w.partition("=") for w in words[:start] if _ASSIGNMENT.match(w))
            if name in VARIABLES
        }
        return replace(self, variables={**self.variables, **assigned}) if assigned else self

    def file(self, path: str) -> Path | None:
        """The build context's file at path in the image: where a COPY or bind mount before
        this instruction took it from; else the context's file at that path (a relative
        one) or of that name at its top (an absolute one); None when there is none."""
        relative = self.dockerfile.context_file(self.stage, self.ins, path)
        if relative is None:
            relative = posixpath.basename(path) if path.startswith("/") else path
        found = inside(self.dockerfile.context, relative)
        return found if found is not None and self.project.is_file(found) else None

    def read(self, path: str, reader: Callable[[Path, dict[str, Any]], T]) -> T | None:
        """What reader makes of the TOML file at path; None when there is none, or it
        cannot be read as what it should be."""
        found = self.file(path)
        if found is None:
            return None
        try:
            return reader(found, self.project.toml(found))
        except Unparsable as error:
            self.problems.append(error)
            return None


def _installs(scope: Scope, found: list[list[str]]) -> list[Install]:
    installs: list[Install] = []
    for words in found:
        if words[:1] == ["export"]:  # the rest of the RUN sees it
            scope = scope.with_assignments(words[1:], len(words) - 1)
            continue
        installs += _poetry(scope, words)
        installs += _uv(scope, words)
        installs += _pipenv(scope, words)
        installs += _pip(scope, words)
    return installs


# --- poetry ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    optional: bool
    packages: tuple[str, ...]


def _poetry(scope: Scope, words: list[str]) -> Iterator[Install]:
    for start in runs(words, POETRY)[:1]:  # the one that runs: the rest are its words
        index = _next(words, start, {"install"})
        scope = scope.with_assignments(words, start)
        options, _ = _parse(words, index, POETRY_VALUES)
        given = {name for name, _ in options}
        if given & {"--only-root", "--dry-run"}:
            continue
        only, with_, without, extras = (
            _values(options, *names)
            for names in (("--only",), ("--with",), ("--without",), ("-E", "--extras"))
        )
        if "--no-dev" in given:  # poetry < 2: the same as --only main
            only.add("main")
        directory = [v for n, v in options if n in ("-C", "--directory", "-P", "--project")]
        folder = scope.path(directory[-1]) if directory else scope.workdir
        spelled = _spelled(
            "poetry install",
            options,
            {"--only", "--with", "--without", "--all-groups", "--no-dev", "-E", "--extras"}
            | {"--all-extras"},
        )
        locations = (
            scope.value("VIRTUAL_ENV"),
            posixpath.join(folder, ".venv"),
            scope.value("POETRY_VIRTUALENVS_PATH")
            or posixpath.join(
                scope.value("POETRY_CACHE_DIR") or "/root/.cache/pypoetry", "virtualenvs"
            ),
            "/usr/local",  # virtualenvs.create false
        )
        manifest = scope.read(posixpath.join(folder, "pyproject.toml"), _poetry_manifest)
        if manifest is None:  # what the groups hold is unknown: only a request by name tells
            named = sorted(g for g in (only or with_) - without if _development(g, ()))
            if named:
                yield _install(spelled, [(g, "group", ()) for g in named], locations)
            continue
        groups, declared_extras = manifest
        default = {"main"} | {name for name, group in groups.items() if not group.optional}
        everything = set(groups) if "--all-groups" in given else set()
        selected = only or (default | with_ | everything) - without
        brought = [
            (name, "group", group.packages)
            for name, group in groups.items()
            if name in selected and name != "main" and _development(name, group.packages)
        ]
        wanted = set(declared_extras or ()) if "--all-extras" in given else extras
        brought += _extras_brought(declared_extras, wanted)
        if brought:
            yield _install(spelled, brought, locations)


def _poetry_manifest(
    path: Path, data: dict[str, Any]
) -> tuple[dict[str, Group], dict[str, tuple[str, ...]] | None]:
    """poetry's groups (main included, as poetry names them) and the extras."""
    tool = table(path, data.get("tool"), "[tool]")
    poetry = table(path, tool.get("poetry"), "[tool.poetry]")
    groups: dict[str, Group] = {"main": Group(False, ())}
    legacy = table(path, poetry.get("dev-dependencies"), "tool.poetry.dev-dependencies")
    if legacy:
        groups["dev"] = Group(False, tuple(normalize(n) for n in legacy))
    for name, packages in _dependency_groups(path, data).items():  # PEP 735, poetry >= 2.2
        prior = groups.get(name, Group(False, ()))
        groups[name] = Group(False, prior.packages + packages)
    for key, spec in table(path, poetry.get("group"), "tool.poetry.group").items():
        where = f"tool.poetry.group.{key}"
        spec = table(path, spec, where)
        names = tuple(
            normalize(n) for n in table(path, spec.get("dependencies"), f"{where}.dependencies")
        )
        name = normalize(key)
        prior = groups.get(name, Group(False, ()))
        groups[name] = Group(spec.get("optional") is True, prior.packages + names)
    return groups, _declared_extras(path, data)


# --- uv -------------------------------------------------------------------------------------


def _uv(
    scope: Scope, words: list[str], actions: frozenset[str] = frozenset({"sync", "run"})
) -> Iterator[Install]:
    for start in invocations(words, {"uv"}, actions)[:1]:
        index = _next(words, start, actions)
        action = words[index]
        scope = scope.with_assignments(words, start)
        options, _ = _parse(words, index, UV_VALUES, stop=action == "run")
        given = {name for name, _ in options}
        if "--dry-run" in given:
            continue
        if action == "run" and (
            given & {"--no-sync", "--no-project", "--script", "-s"}
            or scope.true("UV_NO_SYNC")
            or scope.true("UV_NO_PROJECT")
        ):
            continue
        only = _values(options, "--only-group") | ({"dev"} if "--only-dev" in given else set())
        added = _values(options, "--group") | ({"dev"} if "--dev" in given else set())
        removed = _values(options, "--no-group") | {
            normalize(g) for g in _LIST.split(scope.value("UV_NO_GROUP")) if g
        }
        if "--no-dev" in given or scope.true("UV_NO_DEV"):
            removed.add("dev")
        directory = [v for n, v in options if n in ("--directory", "--project")]
        folder = scope.path(directory[-1]) if directory else scope.workdir
        environment = scope.value("UV_PROJECT_ENVIRONMENT")
        locations = [scope.path(environment, folder) if environment else f"{folder}/.venv"]
        if "--active" in given:
            locations.append(scope.value("VIRTUAL_ENV"))
        spelled = _spelled(
            f"uv {action}",
            options,
            {"--no-dev", "--only-dev", "--dev", "--group", "--no-group", "--only-group"}
            | {"--all-groups", "--no-default-groups", "--extra", "--all-extras"},
        )
        manifest = scope.read(posixpath.join(folder, "pyproject.toml"), _uv_manifest)
        if manifest is None:  # what the groups hold is unknown: only a request by name tells
            named = sorted(g for g in (only or added - removed) if _development(g, ()))
            if named:
                yield _install(spelled, [(g, "group", ()) for g in named], locations)
            continue
        groups, defaults, declared_extras = manifest
        if "--no-default-groups" in given or scope.true("UV_NO_DEFAULT_GROUPS"):
            defaults = set()
        everything = set(groups) if "--all-groups" in given else set()
        selected = only or (defaults | added | everything) - removed
        brought = [
            (name, "group", packages)
            for name, packages in groups.items()
            if name in selected and _development(name, packages)
        ]
        wanted = set(declared_extras or ()) if "--all-extras" in given else set()
        wanted = (wanted | _values(options, "--extra")) - _values(options, "--no-extra")
        brought += _extras_brought(declared_extras, wanted)
        if brought:
            yield _install(spelled, brought, locations)


def _uv_manifest(
    path: Path, data: dict[str, Any]
) -> tuple[dict[str, tuple[str, ...]], set[str], dict[str, tuple[str, ...]] | None]:
    """uv's groups, its default groups ([tool.uv] default-groups, dev without one) and the
    extras. [tool.uv] dev-dependencies are the dev group's too."""
    groups = _dependency_groups(path, data)
    tool = table(path, data.get("tool"), "[tool]")
    uv = table(path, tool.get("uv"), "[tool.uv]")
    legacy = listed(path, uv.get("dev-dependencies"), "tool.uv.dev-dependencies")
    if legacy:
        names = tuple(requirement_name(d) for d in legacy if isinstance(d, str))
        groups["dev"] = groups.get("dev", ()) + names
    defaults = uv.get("default-groups", ["dev"])
    if defaults == "all":
        return groups, set(groups), _declared_extras(path, data)
    if not isinstance(defaults, list) or not all(isinstance(g, str) for g in defaults):
        raise Unparsable(path, 'tool.uv.default-groups should be a list of group names or "all"')
    return groups, {normalize(g) for g in defaults}, _declared_extras(path, data)


# --- pipenv ---------------------------------------------------------------------------------


def _pipenv(scope: Scope, words: list[str]) -> Iterator[Install]:
    for start in runs(words, PIPENV)[:1]:
        index = _next(words, start, PIPENV.installs)
        scope = scope.with_assignments(words, start)
        options, operands = _parse(words, index, PIPENV_VALUES)
        given = {name for name, _ in options}
        categories = _values(options, "--categories") or {
            normalize(c) for c in _LIST.split(scope.value("PIPENV_CATEGORIES")) if c
        }
        dev = given & {"--dev", "-d"} or scope.true("PIPENV_DEV")
        if not (
            dev
            or "dev-packages" in categories
            or "--all" in given
            or scope.true("PIPENV_ALL_CATEGORIES")
        ):
            continue
        pipfile = scope.path(scope.value("PIPENV_PIPFILE") or "Pipfile")
        declared = scope.read(pipfile, _dev_packages)
        named = tuple(requirement_name(p) for p in operands) if dev else ()
        packages = (declared or ()) + named
        if declared is not None and not packages:
            continue  # no dev-packages: nothing more
        spelled = _spelled(
            f"pipenv {words[index]}", options, {"--dev", "-d", "--all", "--categories"}
        )
        if spelled == f"pipenv {words[index]}":  # asked for by the environment
            asked = [
                v
                for v in ("PIPENV_DEV", "PIPENV_CATEGORIES", "PIPENV_ALL_CATEGORIES")
                if scope.value(v)
            ]
            spelled += f" (with {asked[0]} set)"
        locations = (
            scope.value("VIRTUAL_ENV"),
            posixpath.join(posixpath.dirname(pipfile), ".venv"),
            scope.value("WORKON_HOME") or "/root/.local/share/virtualenvs",
            "/usr/local",  # --system
        )
        yield Install(f"{spelled} installs the dev-packages{_listed(packages)}", _set(locations))


def _dev_packages(path: Path, data: dict[str, Any]) -> tuple[str, ...]:
    return tuple(normalize(n) for n in table(path, data.get("dev-packages"), "[dev-packages]"))


# --- pip and uv pip -------------------------------------------------------------------------


def _pip(scope: Scope, words: list[str]) -> Iterator[Install]:
    for start, index, spelled in _pip_installs(words):
        scope = scope.with_assignments(words, start)
        options, _ = _parse(words, start, PIP_VALUES)
        _, operands = _parse(words, index, PIP_VALUES)
        uv = spelled.startswith("uv")
        files = [v for n, v in options if n in REQUIREMENT_FLAGS]
        if words[index] == "sync":
            files += operands
        for name in files:
            if not _development_file(_expand(name, scope.variables)):
                continue
            packages = _requirements(scope, _expand(name, scope.variables))
            if packages == ():
                continue  # a development file that adds nothing
            yield Install(
                f"{spelled} -r {name} installs the development requirements"
                f"{_listed(packages or ())}",
                _pip_locations(scope, words, start, options, uv),
            )
        if words[index] == "sync":
            continue
        editable = [f"-e {v}" for n, v in options if n in ("-e", "--editable")]
        for given_spec in [*operands, *editable]:
            spec = given_spec.removeprefix("-e ")
            if not spec.endswith("]") or "[" not in spec:
                continue
            folder, extras = spec[:-1].rsplit("[", 1)
            if not is_local(folder or "."):
                continue
            wanted = {normalize(e) for e in _LIST.split(extras) if e}
            pyproject = scope.path(posixpath.join(folder or ".", "pyproject.toml"))
            declared = scope.read(pyproject, _declared_extras)
            brought = _extras_brought(declared, wanted)
            if brought:
                locations = _pip_locations(scope, words, start, options, uv)
                yield _install(f"{spelled} {given_spec}", brought, locations)
        for value in _values(options, "--group", normalized=False):
            where, _, group = value.rpartition(":")
            pyproject = scope.path(where or "pyproject.toml")
            groups = scope.read(pyproject, _dependency_groups)
            packages = (groups or {}).get(normalize(group))
            if packages is not None and _development(normalize(group), packages):
                brought = [(normalize(group), "group", packages)]
                locations = _pip_locations(scope, words, start, options, uv)
                yield _install(f"{spelled} --group {value}", brought, locations)


def _pip_installs(words: list[str]) -> list[tuple[int, int, str]]:
    """Where words run pip install, uv pip install or uv pip sync (the first: the words
    after it are its arguments): the program's index, the subcommand's, and the command
    as it is called."""
    found = []
    within_uv = -1
    for start in invocations(words, {"uv"}, {"pip"})[:1]:
        within_uv = _next(words, start, {"pip"})
        _, operands_at = _parse(words, within_uv, UV_VALUES, stop=True, positions=True)
        if operands_at and words[operands_at[0]] in ("install", "sync"):
            found.append((start, operands_at[0], f"uv pip {words[operands_at[0]]}"))
    for start in [i for i in invocations(words, {"pip"}, {"install"}) if i != within_uv][:1]:
        found.append((start, _next(words, start, {"install"}), "pip install"))
    return sorted(found)[:1]


def _pip_locations(
    scope: Scope, words: list[str], start: int, options: list[tuple[str, str]], uv: bool
) -> tuple[str, ...]:
    """Where pip (or uv pip) installs: --target, --prefix, --root or --user; the
    environment of the interpreter (--python) or of the pip it runs (/opt/venv/bin/pip,
    /opt/venv/bin/python -m pip); else the active environment, or the system's."""
    given = {name for name, _ in options}
    explicit = [scope.path(v) for n, v in options if n in ("-t", "--target", "--prefix", "--root")]
    if "--user" in given:
        explicit.append(scope.value("PYTHONUSERBASE") or "/root/.local")
    if explicit:
        return _set(explicit)
    pythons = [v for n, v in options if n in ("--python", "-p")]
    program = words[start - 2] if start >= 2 and words[start - 1] == "-m" else words[start]
    roots = [_root(_expand(w, scope.variables)) for w in [*pythons, program]]
    if any(roots):
        return _set(roots)
    if uv:
        default = scope.value("VIRTUAL_ENV") or f"{scope.workdir}/.venv"
        return ("/usr/local",) if "--system" in given else (default,)
    path = [p for p in scope.value("PATH").split(":") if p.endswith("/bin")][:1]
    return _set([scope.value("VIRTUAL_ENV"), *[_root(p + "/") for p in path], "/usr/local"])


def _root(program: str) -> str:
    """The environment a program path belongs to (/opt/venv for /opt/venv/bin/pip); ""
    for a bare name."""
    head, found, _ = program.partition("/bin/")
    return posixpath.normpath(head or "/") if found and head.startswith("/") else ""


def _development_file(name: str) -> bool:
    """A requirements file named for development: requirements-dev.txt, dev-requirements.txt,
    requirements/dev.txt, requirements/test.txt, test-requirements.txt..."""
    parts = name.lower().split("/")
    stem = parts[-1]
    for suffix in (".txt", ".in", ".pip"):
        stem = stem.removesuffix(suffix)
    words = set(_SEPARATORS.split(stem))
    folder = parts[-2] if len(parts) > 1 else ""
    return bool(words & REQUIREMENTS_WORDS or folder in REQUIREMENTS_WORDS) and bool(
        words & DEVELOPMENT_WORDS
    )


def _requirements(scope: Scope, name: str) -> tuple[str, ...] | None:
    """The packages a requirements file names itself (not the files it includes); None
    when it is not in the build context."""
    path = scope.file(name)
    if path is None:
        return None
    text = scope.project.text(path, strict=False).replace("\\\n", " ")
    found = []
    for line in text.splitlines():
        spec = line.split(" #")[0].strip()
        if spec and not spec.startswith(("#", "-")) and not is_local(spec):
            found.append(requirement_name(spec))
    return tuple(dict.fromkeys(found))


# --- groups and extras ----------------------------------------------------------------------


def _dependency_groups(path: Path, data: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """PEP 735's [dependency-groups], each group's package names with its
    {include-group = "..."} entries followed (INCLUDES deep)."""
    raw = table(path, data.get("dependency-groups"), "[dependency-groups]")
    declared = {
        normalize(name): listed(path, items, f"dependency-groups.{name}")
        for name, items in raw.items()
    }
    expanded: dict[str, tuple[str, ...]] = {}

    def expand(name: str, depth: int) -> tuple[str, ...]:
        if name in expanded:
            return expanded[name]
        found: list[str] = []
        for item in declared.get(name, []):
            if isinstance(item, str):
                found.append(requirement_name(item))
            elif (
                isinstance(item, dict)
                and isinstance(item.get("include-group"), str)
                and depth < INCLUDES
            ):
                found += expand(normalize(item["include-group"]), depth + 1)
        expanded[name] = tuple(dict.fromkeys(found))
        return expanded[name]

    return {name: expand(name, 0) for name in declared}


def _declared_extras(path: Path, data: dict[str, Any]) -> dict[str, tuple[str, ...]] | None:
    """The extras a pyproject.toml declares: [project.optional-dependencies] and poetry's
    [tool.poetry.extras]; None when it does not say them (dynamic, or no [project])."""
    project = table(path, data.get("project"), "[project]")
    tool = table(path, data.get("tool"), "[tool]")
    poetry = table(path, tool.get("poetry"), "[tool.poetry]")
    dynamic = listed(path, project.get("dynamic"), "project.dynamic")
    if (not project and not poetry) or "optional-dependencies" in dynamic:
        return None
    extras: dict[str, tuple[str, ...]] = {}
    optional = table(path, project.get("optional-dependencies"), "project.optional-dependencies")
    for name, specs in optional.items():
        items = listed(path, specs, f"project.optional-dependencies.{name}")
        extras[normalize(name)] = tuple(requirement_name(s) for s in items if isinstance(s, str))
    for name, specs in table(path, poetry.get("extras"), "tool.poetry.extras").items():
        items = listed(path, specs, f"tool.poetry.extras.{name}")
        extras[normalize(name)] = tuple(normalize(s) for s in items if isinstance(s, str))
    return extras


def _extras_brought(
    declared: dict[str, tuple[str, ...]] | None, wanted: set[str]
) -> list[tuple[str, str, tuple[str, ...]]]:
    """The development extras among wanted: the declared ones (by name or what they hold),
    or, when the declared ones are unknown, the ones named for development."""
    if declared is None:
        return [(e, "extra", ()) for e in sorted(wanted) if _development(e, ())]
    return [
        (name, "extra", packages)
        for name, packages in declared.items()
        if name in wanted and _development(name, packages)
    ]


def _development(name: str, packages: Iterable[str]) -> bool:
    """A group or extra for development: named so, or holding a development tool."""
    return bool(set(_SEPARATORS.split(name.lower())) & DEVELOPMENT_WORDS) or any(
        p in DEVELOPMENT_TOOLS or p.startswith(DEVELOPMENT_TOOL_PREFIXES) for p in packages
    )


# --- words ----------------------------------------------------------------------------------


def _next(words: list[str], start: int, actions: Iterable[str]) -> int:
    """The index of the first of actions after words[start] (invocations found one)."""
    wanted = set(actions)
    return next(i for i in range(start + 1, len(words)) if words[i] in wanted)


def _parse(
    words: list[str],
    start: int,
    takes_value: frozenset[str],
    *,
    stop: bool = False,
    positions: bool = False,
) -> tuple[list[tuple[str, str]], list[Any]]:
    """The options after words[start], each with its value ("" for a flag): `--only main`,
    `--only=main`, `-E dev`; and the other words (their indexes, with positions). With
    stop, the first other word ends the options (`uv run --no-dev gunicorn --dev`)."""
    options: list[tuple[str, str]] = []
    others: list[Any] = []
    index = start + 1
    while index < len(words):
        word = words[index]
        if word == "--":
            break
        if word.startswith("-") and word != "-":
            name, equals, value = word.partition("=") if word.startswith("--") else (word, "", "")
            if not equals and name in takes_value and index + 1 < len(words):
                index += 1
                value = words[index]
            options.append((name, value))
        else:
            others.append(index if positions else word)
            if stop:
                break
        index += 1
    return options, others


def _values(options: list[tuple[str, str]], *names: str, normalized: bool = True) -> set[str]:
    """The values given to names, comma- or space-separated lists split."""
    found = {v for name, value in options if name in names for v in _LIST.split(value) if v}
    return {normalize(v) for v in found} if normalized else found


def _spelled(command: str, options: list[tuple[str, str]], shown: set[str]) -> str:
    """The command with the options that choose what it installs, as given."""
    parts = [command]
    for name, value in options:
        if name in shown:
            parts.append(f"{name} {value}" if value else name)
    return " ".join(parts)


def _install(
    spelled: str, brought: list[tuple[str, str, tuple[str, ...]]], locations: Iterable[str]
) -> Install:
    """`poetry install installs the dev and test groups (pytest, ruff)`."""
    phrases = []
    for kind in ("group", "extra"):
        names = [name for name, k, _ in brought if k == kind]
        if names:
            listed_names = (
                names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
            )
            phrases.append(f"the {listed_names} {kind}{'s' if len(names) > 1 else ''}")
    packages = tuple(dict.fromkeys(p for _, _, packages in brought for p in packages))
    return Install(
        f"{spelled} installs {' and '.join(phrases)}{_listed(packages)}", _set(locations)
    )


def _listed(packages: tuple[str, ...]) -> str:
    if not packages:
        return ""
    shown = ", ".join(packages[:SHOWN])
    more = len(packages) - SHOWN
    return f" ({shown} and {more} more)" if more > 0 else f" ({shown})"


def _set(locations: Iterable[str]) -> tuple[str, ...]:
    """The locations given, normalized, each once."""
    return tuple(dict.fromkeys(posixpath.normpath(p) for p in locations if p))


def _assignments(ins: Instruction) -> list[tuple[str, str]]:
    """The names an ENV or ARG sets, with their values (an ARG without a default: "")."""
    words = ins.arguments
    if not words:
        return []
    if ins.keyword == "ENV" and "=" not in words[0]:  # ENV NAME value
        return [(words[0], " ".join(words[1:]))]
    return [(name, value) for name, _, value in (w.partition("=") for w in words)]


def _expand(text: str, variables: dict[str, str]) -> str:
    """$NAME and ${NAME} replaced by the values known (${NAME:-default} by its default when
    NAME is not known); others left as they are."""
    if "$" not in text:
        return text

    def value(match: re.Match[str]) -> str:
        if match[1] in variables:
            return variables[match[1]]
        return match[2] if match[2] is not None else match[0]

    return _VARIABLE.sub(value, text)
