"""The checked project's files, read as untrusted input.

Every file is read bounded (dockwright.files): a regular file of at most HAND_WRITTEN bytes
(Dockerfiles, .dockerignore, compose files) or files.LIMIT (manifests, locks, requirements).
Nothing there, a dangling link or a directory counts as absent; a pipe, socket or device, a
path that cannot be read (no permission, a loop of links) or a file over its limit is invalid
input (a UsageError, exit 2) naming it. A file that is there but cannot be parsed (invalid
YAML, TOML or JSON, not UTF-8, or of the wrong shape: compose `services:` as a list,
`[project]` as a string) raises Unparsable, which the check reports as a DW100 finding.
Paths a file names that leave the project (`-r ../x.txt`) are not followed.
"""

from __future__ import annotations

import datetime
import fnmatch
import json
import os
import re
import stat
import tomllib
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dockwright.check.dockerfile import Dockerfile, Instruction, parse_dockerfile, problem
from dockwright.check.shell import SHELLS, commands, exec_form, program
from dockwright.errors import UsageError
from dockwright.files import LIMIT, kind, read_bytes

# Dockerfiles, .dockerignore and compose files are written by hand and weigh a few KiB.
# hadolint needs about 140 s per MiB of Dockerfile (measured: 64 KiB 10 s, 256 KiB 37 s),
# so 256 KiB is about the most it lints within its time limit.
HAND_WRITTEN = 256 * 1024
# Entries YAML merge keys (`<<: *x`) may copy in a compose file; nested merges double at
# each level, so a few hundred bytes could otherwise ask for 2**30 of them.
MERGED_ENTRIES = 1_000_000
# How far the search for Dockerfiles goes: directories deep, entries looked at, files found.
SEARCH_DEPTH = 6
SEARCH_ENTRIES = 20_000
SEARCH_FOUND = 64
# Directories no image is built from: version control, dependencies, virtual environments
# (any directory with a pyvenv.cfg is one too) and caches.
SKIPPED = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "site-packages",
    }
)
DOCKERFILE_NAMES = ("Dockerfile", "Dockerfile.*", "*.Dockerfile", "*.dockerfile")
NOT_DOCKERFILES = (".jinja", ".j2", ".orig", ".rej", ".bak", ".dockerignore", ".md", ".template")
_COMPOSE_NAME = re.compile(r"(?:docker-)?compose(?:\.[\w-]+)?\.ya?ml")
COMPOSE_BASES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")


class Unparsable(Exception):
    """A file of the project that is there but cannot be read as what it should be."""

    def __init__(self, path: Path, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.line = line


# --- paths -------------------------------------------------------------------------------


def reason(error: OSError) -> str:
    return error.strerror or str(error)


def must_be_directory(directory: Path) -> None:
    try:
        is_directory = stat.S_ISDIR(directory.stat().st_mode)
    except (FileNotFoundError, NotADirectoryError, ValueError):
        is_directory = False
    except OSError as error:
        raise UsageError(f"{directory} cannot be read: {reason(error)}") from None
    if not is_directory:
        raise UsageError(f"{directory} is not a directory")


def is_file(path: Path) -> bool:
    return kind(path) == "file"


def names(directory: Path) -> list[str]:
    """The entries of a directory, sorted; one that cannot be listed is invalid input."""
    try:
        with os.scandir(directory) as entries:
            return sorted(entry.name for entry in entries)
    except OSError as error:
        raise UsageError(f"{directory} cannot be read: {reason(error)}") from None


def inside(directory: Path, relative: str) -> Path | None:
    """directory/relative with `..` resolved, or None when that leaves directory (the build
    context) or names nothing there."""
    if not relative or relative.startswith("/") or "\0" in relative:
        return None
    normal = os.path.normpath(relative)
    if normal == ".":
        return directory
    if normal == ".." or normal.startswith("../"):
        return None
    return directory / normal


def is_dockerfile_name(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in DOCKERFILE_NAMES) and not name.endswith(
        NOT_DOCKERFILES
    )


def find_dockerfiles(root: Path) -> tuple[list[Path], str]:
    """The Dockerfiles under root, the nearest first (Dockerfile, Dockerfile.*, *.Dockerfile),
    without going into SKIPPED directories, virtual environments or linked directories;
    SEARCH_DEPTH directories deep, SEARCH_ENTRIES entries and SEARCH_FOUND files at most.
    Also a note when the search stopped at one of those bounds ("" otherwise)."""
    found: list[Path] = []
    pending: deque[tuple[Path, int]] = deque([(root, 0)])
    looked = 0
    while pending:
        directory, depth = pending.popleft()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as error:
            raise UsageError(f"{directory} cannot be read: {reason(error)}") from None
        for entry in entries:
            looked += 1
            if looked > SEARCH_ENTRIES:
                return found, f"the search for Dockerfiles stopped after {SEARCH_ENTRIES} entries"
            path = directory / entry.name
            try:
                linked_directory = entry.is_dir(follow_symlinks=False)
            except OSError:
                linked_directory = False
            if linked_directory:
                if (
                    entry.name not in SKIPPED
                    and depth + 1 < SEARCH_DEPTH
                    and not os.path.lexists(path / "pyvenv.cfg")
                ):
                    pending.append((path, depth + 1))
                continue
            if is_dockerfile_name(entry.name) and is_file(path):
                found.append(path)
                if len(found) >= SEARCH_FOUND:
                    return found, f"only the first {SEARCH_FOUND} Dockerfiles are checked"
    return found, ""


# --- shapes ------------------------------------------------------------------------------


def kind_of(value: object) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, str):
        return "text"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, datetime.date | datetime.time):
        return "a date or time"
    return type(value).__name__


def table(path: Path, value: object, where: str, noun: str = "a table") -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Unparsable(path, f"{where} should be {noun}, not {kind_of(value)}")
    return value


def listed(path: Path, value: object, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Unparsable(path, f"{where} should be a list, not {kind_of(value)}")
    return value


def strings(path: Path, value: object, where: str) -> list[str]:
    items = listed(path, value, where)
    for item in items:
        if not isinstance(item, str):
            raise Unparsable(path, f"{where} should hold only strings, not {kind_of(item)}")
    return items


# --- compose -----------------------------------------------------------------------------


class _MergesTooLarge(yaml.YAMLError):
    pass


class _ComposeLoader(yaml.SafeLoader):
    """yaml.SafeLoader, with a budget for the entries merge keys copy (MERGED_ENTRIES)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.merged = 0

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        super().flatten_mapping(node)
        self.merged += len(node.value)
        if self.merged > MERGED_ENTRIES:
            raise _MergesTooLarge


# A compose image that is a database or a broker, by its name (a registry path before it).
DATABASES = re.compile(
    r"(?:^|/)(?:postgres|postgis|mysql|mariadb|mongo|redis|valkey|rabbitmq|elasticsearch)\b"
)


@dataclass
class Service:
    name: str
    options: dict[str, Any]
    file: str  # the compose file (relative) that last defined it
    line: int | None  # the line of its name there
    dependency_lines: dict[str, int] = field(default_factory=dict)  # depends_on entries


@dataclass
class Compose:
    path: Path
    services: dict[str, Service]


# --- the project -------------------------------------------------------------------------


class Project:
    """The checked directory: its files read once each, bounded, through these methods."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.dockerfiles: list[Dockerfile] = []
        self.dockerfile_paths: list[Path] = []  # found, before they are read
        self._toml: dict[Path, dict[str, Any] | Unparsable] = {}
        self._compose: dict[Path, Compose | Unparsable] = {}

    def name(self, path: Path) -> str:
        """path relative to the checked directory, as a finding names it."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def is_file(self, path: Path) -> bool:
        return is_file(path)

    def bytes(self, path: Path) -> bytes:
        return read_bytes(path)

    def sound_dockerfiles(self) -> list[Dockerfile]:
        """The Dockerfiles BuildKit can read (a DW100 finding stands for the others)."""
        return [d for d in self.dockerfiles if d.problem is None]

    def production_dockerfiles(self) -> list[Dockerfile]:
        """The sound Dockerfiles of production images (not development, tests, notebooks or
        build steps)."""
        return [d for d in self.sound_dockerfiles() if not d.development and d.final]

    def text(self, path: Path, *, limit: int = LIMIT, strict: bool = True) -> str:
        """A file's text; not UTF-8 is Unparsable (strict) or replaced (for files only
        searched)."""
        data = read_bytes(path, limit=limit)
        try:
            return data.decode("utf-8", errors="strict" if strict else "replace")
        except UnicodeDecodeError as error:
            raise Unparsable(path, f"not UTF-8 text (byte {error.start})") from None

    def toml(self, path: Path) -> dict[str, Any]:
        """A TOML file's top table; {} when there is none."""
        if path not in self._toml:
            try:
                self._toml[path] = self._read_toml(path) if is_file(path) else {}
            except Unparsable as error:
                self._toml[path] = error
        cached = self._toml[path]
        if isinstance(cached, Unparsable):
            raise cached
        return cached

    def _read_toml(self, path: Path) -> dict[str, Any]:
        text = self.text(path)
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            line = getattr(error, "lineno", None)
            raise Unparsable(path, f"not valid TOML: {error}", line) from None
        except ValueError:  # int() refuses thousands of digits
            raise Unparsable(path, "not valid TOML: a number too long to read") from None
        except RecursionError:
            raise Unparsable(path, "not valid TOML: nested too deeply") from None

    def json_object(self, path: Path) -> dict[str, Any]:
        try:
            data = json.loads(self.text(path))
        except json.JSONDecodeError as error:
            raise Unparsable(path, f"not valid JSON (line {error.lineno})", error.lineno) from None
        except (ValueError, RecursionError):
            raise Unparsable(path, "not valid JSON") from None
        return table(path, data, self.name(path), "a JSON object")

    # --- compose files

    def compose_files(self, directory: Path | None = None) -> list[Path]:
        """The compose files at the top (or in directory): compose.yaml (and the other base
        names) first, then overrides, then the others (compose.prod.yaml)."""
        directory = directory or self.root
        found = [n for n in names(directory) if _COMPOSE_NAME.fullmatch(n)]
        found.sort(key=lambda n: (n not in COMPOSE_BASES, ".override." not in n, n))
        return [directory / n for n in found if is_file(directory / n)]

    def compose_directories(self) -> list[Path]:
        """Where compose files that build and run the Dockerfiles are: the top, and each
        Dockerfile's own directory (docker/cpu/docker-compose.yml beside docker/cpu/Dockerfile,
        run from there)."""
        found = [self.root]
        for path in self.dockerfile_paths:
            if path.parent not in found and self.compose_files(path.parent):
                found.append(path.parent)
        return found

    def services(self) -> Iterator[Service]:
        """Every service of every compose file at the top (each file's own, not merged)."""
        for path in self.compose_files():
            yield from self.compose(path).services.values()

    def compose(self, path: Path) -> Compose:
        if path not in self._compose:
            try:
                self._compose[path] = self._read_compose(path)
            except Unparsable as error:
                self._compose[path] = error
        cached = self._compose[path]
        if isinstance(cached, Unparsable):
            raise cached
        return cached

    def _read_compose(self, path: Path) -> Compose:
        text = self.text(path, limit=HAND_WRITTEN)
        loader = _ComposeLoader(text)  # a SafeLoader
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        except _MergesTooLarge:
            raise Unparsable(
                path, f"its merge keys (<<) expand to more than {MERGED_ENTRIES} entries"
            ) from None
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            where = f" at line {line}" if line else ""
            raise Unparsable(path, f"not valid YAML{where}", line) from None
        except (ValueError, RecursionError) as error:  # a date like 2024-13-45, deep nesting
            why = "it is nested too deeply" if isinstance(error, RecursionError) else error
            raise Unparsable(path, f"not valid YAML: {why}") from None
        finally:
            loader.dispose()
        name = self.name(path)
        if data is None:
            return Compose(path, {})
        if not isinstance(data, dict):
            raise Unparsable(path, f"should be a mapping (services: ...), not {kind_of(data)}")
        services = data.get("services")
        if services is None:
            return Compose(path, {})
        if not isinstance(services, dict):
            raise Unparsable(
                path,
                f"services should be a mapping of names to services, not {kind_of(services)}",
            )
        nodes = _mapping_nodes(_value_node(node, "services"))
        found = {}
        for key, service in services.items():
            if service is None:
                continue
            if not isinstance(service, dict):
                raise Unparsable(
                    path, f"services.{key} should be a mapping, not {kind_of(service)}"
                )
            key_node, value_node = nodes.get(str(key), (None, None))
            dependencies = {
                dependency: line
                for dependency, line in _entry_lines(_value_node(value_node, "depends_on"))
            }
            depends_on(path, key, service.get("depends_on"))  # its shape, checked
            found[str(key)] = Service(
                str(key),
                service,
                name,
                key_node.start_mark.line + 1 if key_node is not None else None,
                dependencies,
            )
        return Compose(path, found)

    def contexts(self) -> list[Path]:
        """The build contexts of the Dockerfiles, and the checked directory: where the
        manifests and locks the builds read are."""
        found = [self.root]
        for dockerfile in self.dockerfiles:
            if dockerfile.context not in found:
                found.append(dockerfile.context)
        return found


def depends_on(path: Path, service: object, value: object) -> dict[str, dict[str, Any]]:
    """depends_on as service name to its options (condition: ...)."""
    if value is None:
        return {}
    if isinstance(value, list) and all(isinstance(name, str) for name in value):
        return {name: {} for name in value}
    if isinstance(value, dict) and all(
        isinstance(name, str) and (options is None or isinstance(options, dict))
        for name, options in value.items()
    ):
        return {name: options or {} for name, options in value.items()}
    raise Unparsable(
        path,
        f"services.{service}.depends_on should be a list of service names or a "
        f"mapping of them to options, not {kind_of(value)} of other things",
    )


def _value_node(node: yaml.Node | None, key: str) -> yaml.Node | None:
    for key_node, value_node in _mapping_nodes(node).values():
        if key_node.value == key:
            return value_node
    return None


def _mapping_nodes(node: yaml.Node | None) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    """A mapping node's entries by their key's text (the first of each)."""
    found: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                found.setdefault(str(key_node.value), (key_node, value_node))
    return found


def _entry_lines(node: yaml.Node | None) -> list[tuple[str, int]]:
    """The lines of a list's items or a mapping's keys."""
    if isinstance(node, yaml.SequenceNode):
        return [
            (str(item.value), item.start_mark.line + 1)
            for item in node.value
            if isinstance(item, yaml.ScalarNode)
        ]
    return [(k, key.start_mark.line + 1) for k, (key, _) in _mapping_nodes(node).items()]


# --- building the project ----------------------------------------------------------------


@dataclass(frozen=True)
class Build:
    context: Path
    target: str | None


def merge_options(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """A service's options as compose merges a later file's over the ones before: mappings
    key by key (build, deploy, environment, depends_on), the rest replaced. The one merge
    every rule reads compose through."""
    merged = dict(base)
    for key, value in over.items():
        before = merged.get(key)
        if isinstance(before, dict) and isinstance(value, dict):
            merged[key] = {**before, **value}
        else:
            merged[key] = value
    return merged


def merged_services(project: Project, files: list[Path]) -> dict[str, dict[str, Any]]:
    """Each service's options, merged over files in order (a file that cannot be read is
    left out: DW100 reports it)."""
    merged: dict[str, dict[str, Any]] = {}
    for path in files:
        try:
            services = project.compose(path).services
        except Unparsable:
            continue
        for key, service in services.items():
            merged[key] = merge_options(merged.get(key, {}), service.options)
    return merged


def compose_builds(project: Project) -> dict[Path, list[Build]]:
    """The Dockerfiles the compose files build, with their context and target: in each
    directory of compose files, each file's services merged over the ones before (an
    override names only what it changes). A compose file that cannot be read is left out
    here (DW100 reports it)."""
    builds: dict[Path, list[Build]] = {}
    for directory in project.compose_directories():
        merged: dict[str, dict[str, Any]] = {}
        for path in project.compose_files(directory):
            try:
                services = project.compose(path).services
            except Unparsable:
                continue
            for key, service in services.items():
                build = service.options.get("build")
                if isinstance(build, str):
                    build = {"context": build}
                if not isinstance(build, dict):
                    continue
                build = merged[key] = merge_options(merged.get(key, {}), build)
                _add_build(project, directory, build, builds)
    return builds


def _add_build(
    project: Project, directory: Path, build: dict[str, Any], builds: dict[Path, list[Build]]
) -> None:
    found = built_dockerfile(project.root, build, directory)
    if found is None:
        return
    context, dockerfile = found
    target = build.get("target")
    builds.setdefault(dockerfile, []).append(
        Build(context, target if isinstance(target, str) else None)
    )


def built_dockerfile(
    root: Path, build: object, directory: Path | None = None
) -> tuple[Path, Path] | None:
    """The build context and the Dockerfile (normalized) a compose service's `build:`
    names, from the compose file's directory (root by default), inside root; None when it
    builds nothing there (an image only, a URL context)."""
    if isinstance(build, str):
        build = {"context": build}
    if not isinstance(build, dict):
        return None
    context_name = build.get("context", ".")
    dockerfile_name = build.get("dockerfile", "Dockerfile")
    if not isinstance(context_name, str) or not isinstance(dockerfile_name, str):
        return None
    if directory is not None and directory != root and "://" not in context_name:
        context_name = os.path.join(directory.relative_to(root).as_posix(), context_name)
    context = inside(root, context_name)
    if context is None or "://" in context_name:
        return None
    dockerfile = inside(context, dockerfile_name)
    return None if dockerfile is None else (context, Path(os.path.normpath(dockerfile)))


_DEVELOPMENT_WORDS = {
    "tests": {"test", "tests", "testing", "ci", "e2e", "cypress", "playwright", "selenium"},
    "notebooks": {"notebook", "notebooks", "jupyter", "jupyterlab", "lab"},
    "a build step": {"build", "builder", "builds"},
}


def development(dockerfile: Dockerfile) -> str:
    """Why a Dockerfile is a development image, not a production one ("" when it is not):
    its name or directory says dev, tests, notebooks or a build step, it is a dev
    container's, the stage compose builds is named so, or it only builds files (its final
    stage is FROM scratch with no command)."""
    parts = dockerfile.name.lower().split("/")
    if ".devcontainer" in parts[:-1]:
        return "a dev container's (.devcontainer/)"
    stem = parts[-1].replace("dockerfile", " ")
    words = set(re.split(r"[^a-z0-9]+", stem)) | set(parts[:-1])
    if any(word.startswith("dev") for word in words if word):
        return "its name says dev"
    for purpose, named in _DEVELOPMENT_WORDS.items():
        if words & named:
            return f"named for {purpose}"
    final = dockerfile.final
    if final is not None and dockerfile.target:
        target = set(re.split(r"[^a-z0-9]+", final.name))
        if any(w.startswith("dev") for w in target if w) or target & _DEVELOPMENT_WORDS["tests"]:
            return f"compose builds its {final.name} stage"
    if final is not None and final.name in _DEVELOPMENT_WORDS["a build step"]:
        return f"its final stage is {final.name}"
    commands = {"CMD", "ENTRYPOINT"}
    if "base" in words and not any(ins.keyword in commands for ins in dockerfile.instructions):
        return "a base for other images (its name says base, and it sets no command)"
    if (
        final is not None
        and final.image == "scratch"
        and not any(ins.keyword in commands for ins in dockerfile.in_final())
    ):
        return "it only builds files (a FROM scratch stage without a command)"
    return ""


def interactive(project: Project, dockerfile: Dockerfile) -> str:
    """Why a Dockerfile is an interactive environment, not a service ("" when it is not):
    what it starts is a shell for someone at a terminal (CMD ["bash"]), or a start script
    whose last command is one (coqui-ai's recipe image installs the mounted source, then
    opens bash)."""
    starts = [i for i in dockerfile.in_final() if i.keyword in ("CMD", "ENTRYPOINT")]
    if not starts or dockerfile.final is None:
        return ""
    start = starts[-1]
    words = exec_form(start.text)
    lines = [words] if words is not None else commands(start.text)
    if lines and _bare_shell(lines[-1]):
        return "it starts an interactive shell"
    first = lines[0][0] if lines and lines[0] else ""
    found = context_text(project, dockerfile, start, first) if first else None
    if found is None:
        return ""
    script, text = found
    script_lines = commands(text)
    if script_lines and _bare_shell(script_lines[-1]):
        return f"its start script ({project.name(script)}) ends in an interactive shell"
    return ""


def context_text(
    project: Project, dockerfile: Dockerfile, start: Instruction, path: str
) -> tuple[Path, str] | None:
    """The file of the build context a path of the final image came from (the path as an
    instruction of the final stage names it, from its working directory), and its text;
    None when it is not from the build context, or cannot be read."""
    if dockerfile.final is None:
        return None
    relative = dockerfile.context_file(dockerfile.final, start, path)
    found = inside(dockerfile.context, relative) if relative else None
    if found is None or not project.is_file(found):
        return None
    try:
        return found, project.text(found, strict=False)
    except Unparsable:
        return None


def _bare_shell(words: list[str]) -> bool:
    """A shell run with no script or command: `bash`, `LANG=C.utf8 bash`, `exec bash -l`."""
    words = [w for w in words if not re.match(r"\w+=", w)]
    if words[:1] == ["exec"]:
        words = words[1:]
    return (
        bool(words)
        and program(words[0]) in SHELLS
        and all(w.startswith("-") and w != "-c" for w in words[1:])
    )


def _context(project: Project, path: Path, instructions: list[Instruction]) -> Path:
    """The build context of a Dockerfile compose does not build: of its own directory and
    the ones above it (up to the checked one), the one holding the most of the files its
    COPY and ADD instructions name, the nearest on a tie. A Dockerfile in docker/ or .ci/
    that copies requirements.txt and src/ is built from the top (`docker build -f
    docker/Dockerfile .`, as its README or CI says). With nothing to tell by, its own
    directory; but one that copies the whole context from a directory holding no Python
    project (only Docker files) is built from the nearest one above that does."""
    sources = set(copied_sources(instructions))
    candidates = [path.parent]
    while candidates[-1] != project.root and project.root in candidates[-1].parents:
        candidates.append(candidates[-1].parent)
    named = sources - WHOLE_CONTEXT
    if named:
        scores = [
            sum(
                1
                for source in named
                if (found := inside(candidate, source.lstrip("/"))) is not None
                and os.path.lexists(found)
            )
            for candidate in candidates
        ]
        best = max(scores)
        return candidates[scores.index(best)] if best else path.parent
    if sources & WHOLE_CONTEXT:
        return next((c for c in candidates if _python_project(c)), path.parent)
    return path.parent


# COPY sources that send the whole build context.
WHOLE_CONTEXT = frozenset({".", "./", "/", "*", "./*"})
_PYTHON_PROJECT = ("pyproject.toml", "setup.py", "requirements.txt", "Pipfile", "environment.yml")


def copied_sources(instructions: list[Instruction]) -> list[str]:
    """What COPY and ADD take from the build context (not from a stage or an image), as
    written; sources with variables, URLs or heredocs are left out."""
    return [
        source
        for ins in instructions
        if ins.keyword in ("COPY", "ADD") and not ins.flags.get("from")
        for source in ins.arguments[:-1]
        if "$" not in source and "://" not in source and not source.startswith("<<")
    ]


def _python_project(directory: Path) -> bool:
    return any(is_file(directory / name) for name in _PYTHON_PROJECT)


def load_dockerfiles(project: Project, paths: list[Path]) -> None:
    """Read and parse each Dockerfile (bounded, before hadolint opens it), with the build
    context and target compose gives it, or its own directory."""
    project.dockerfile_paths = paths
    builds = compose_builds(project)
    for path in paths:
        text = project.text(path, limit=HAND_WRITTEN, strict=False)
        instructions = parse_dockerfile(text)
        given = builds.get(Path(os.path.normpath(path)), [])
        targets = {build.target for build in given}
        dockerfile = Dockerfile(
            path=path,
            name=project.name(path),
            context=given[0].context if given else _context(project, path, instructions),
            instructions=instructions,
            target=targets.pop() if len(targets) == 1 else None,
            problem=problem(instructions),
        )
        dockerfile.development = development(dockerfile) or interactive(project, dockerfile)
        project.dockerfiles.append(dockerfile)


# --- published ports ---------------------------------------------------------------------

# Host addresses that are every interface.
EVERYWHERE = frozenset({"", "0.0.0.0", "::", "[::]"})


def host_address(port: object) -> str | None:
    """The host address a ports entry binds ("" for none), None when it cannot be told
    (a variable) or the entry publishes nothing."""
    if isinstance(port, int) and not isinstance(port, bool):
        return ""
    if isinstance(port, dict):
        host = port.get("host_ip", "")
        return host if isinstance(host, str) and "$" not in host else None
    if not isinstance(port, str) or "$" in port:
        return None
    entry = port.split("/", 1)[0].strip()
    if entry.startswith("["):
        return entry.partition("]")[0] + "]"
    parts = entry.split(":")
    return parts[0] if len(parts) == 3 else ""


def published_everywhere(options: dict[str, Any]) -> bool:
    """Whether a compose service can be reached from beyond the host: a port published on
    every interface (`5432:5432`, `0.0.0.0:5432:5432`, `[5432]`), or the host's network."""
    if options.get("network_mode") == "host":
        return True
    ports = options.get("ports")
    return any(host_address(port) in EVERYWHERE for port in ports or [] if isinstance(ports, list))
