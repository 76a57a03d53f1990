"""Guess an existing project's answers from its files, for `new-project adopt`.

Each guess carries the file that gave it away, so the user can confirm it or correct it
(`--data KEY=VALUE`). Nothing here writes; a project without a dependency file is refused.

The project is someone else's, so it is read defensively: never outside the directory (a
link leading out is not the project's), never a pipe or device (which would block), never
more than files.LIMIT bytes of one file, never by recursion (a deep tree or a link loop).
A dependency file detect must understand that is not a regular file, is too big, is not
UTF-8 or has the wrong shape is a UsageError naming the file and the key; a Python source
it merely scans for an app is skipped instead.
"""

from __future__ import annotations

import datetime
import keyword
import os
import re
import stat
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from dockwright import files, stacks, wheels
from dockwright.errors import UsageError

# Directories that never hold the application's code.
_NOT_CODE = {"tests", "test", "docs", "scripts", "build", "dist", "venv", "env", "node_modules"}
# Files an application's first requirements file is called, most specific first.
_PROD_REQUIREMENTS = (
    "requirements/production.txt",
    "requirements/prod.txt",
    "requirements/base.txt",
    "requirements/main.txt",
    "requirements.txt",
)
_DEV_REQUIREMENTS = (
    "requirements/development.txt",
    "requirements/dev.txt",
    "requirements/local.txt",
    "requirements/test.txt",
    "requirements-dev.txt",
    "requirements_dev.txt",
    "dev-requirements.txt",
    "requirements-test.txt",
)
_ENVIRONMENT_FILES = ("environment.yml", "environment.yaml", "conda.yaml", "conda.yml")
_DEV_ENVIRONMENT_FILES = ("environment.dev.yml", "environment-dev.yml")
_JOB_SCRIPTS = ("train.py", "main.py", "run.py", "job.py", "pipeline.py")
# The ML job's own volumes (template/project/compose.yaml): its outputs, never the image's.
JOB_VOLUMES = ("data", "models")
# What writable_paths may not name (copier.yml's validator): the image's scripts and /tmp,
# and the job's volumes.
_NOT_WRITABLE = ("scripts", "tmp", *JOB_VOLUMES)
# The module a WSGI server is pointed at, when a project has one: it picks the configuration.
_WSGI_MODULES = ("wsgi.py", "app/wsgi.py")
_WSGI_OBJECT = re.compile(r"^(app|application)[ \t]*(?::[^=\n]*)?=", re.M)
# What a Flask app writes to at run time: its instance folder (Flask-SQLAlchemy 3 keeps a
# relative sqlite:/// database there), and the folder of a log file it opens.
_INSTANCE = re.compile(r"instance_relative_config\s*=\s*True|\binstance_path\b|sqlite:///(?!/)")
_LOG_FOLDER = re.compile(r"(?:FileHandler\(\s*|filename\s*=\s*)[\"']([A-Za-z0-9_-]+)/[^\"'/]+[\"']")
# An output folder named beside the code (MODELS = Path(__file__).parent / "models").
_OUTPUT_BESIDE = re.compile(
    r"Path\(__file__\)(?:\.resolve\(\))?\.parent[ \t]*/[ \t]*[\"']"
    r"(models|model|data|outputs?|artifacts|results|checkpoints|logs)[\"']"
)
# A route without parameters and the body of its view (to the next line as little indented
# as its def); a view that needs a database or a login cannot serve a health check.
_ROUTE = re.compile(
    r"^[ \t]*@\w+\.(?:route|get)\([ \t]*[\"'](/[\w./-]*)[\"'][^\n]*\n"
    r"((?:[ \t]*@[^\n]*\n)*([ \t]*)def [^\n]*\n(?:(?:\3[ \t]+[^\n]*|[ \t]*)\n)*)",
    re.M,
)
_NEEDS_STATE = re.compile(r"\b(?:db|get_db|database|query|execute|session|cursor|login_required)\b")
# A string in the code that looks like a relative path (artifacts/pipe.pkl, "data.csv").
_LITERAL = re.compile(
    r"[\"']([A-Za-z0-9_][A-Za-z0-9_.-]{0,99}(?:/[A-Za-z0-9_.-]{1,100}){0,8})[\"']"
)
# Top-level names that are the project's setup, never what the app reads at run time.
_NOT_RUNTIME = (
    "requirements",
    "pipfile",
    "pyproject",
    "setup.",
    "poetry.lock",
    "uv.lock",
    "environment",
    "conda",
    "dockerfile",
    "compose",
    "readme",
    "license",
    "changelog",
    "makefile",
    "manage.py",
    "instance",
)
# Web frameworks dockwright has no stack for, and how to recognise them in code.
_ASGI_APP = re.compile(r"^[^\W\d]\w*[ \t]*=[ \t]*(FastAPI|Starlette|Quart|Litestar)\(", re.M)
_HEALTH_PATHS = ("/health", "/healthz", "/healthcheck", "/ping", "/status")
# A top-level name that can go into source_paths: space-separated, copied by the Dockerfile
# and shown in a rich table, so no spaces, newlines, quotes, brackets or undecodable bytes.
_PLAIN_NAME = re.compile(r"[\w.-]+")
_PLAIN_PATH = re.compile(r"[\w./-]+")
_BUILD_BACKEND = re.compile(r"[\w.]+(:[\w.]+)?")  # module.path:object, safe to show
# Digits capped: int() refuses strings of thousands of digits.
_VERSION = r"3\.\d{1,4}(?!\d)"
_LONGEST_SPECIFIER = 1000  # a requires-python longer is not read (parsing it takes seconds)


@dataclass
class Guess:
    answers: dict[str, Any] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # The script that makes the missing lock, or refreshes a stale one, before the build.
    relock: str | None = None

    def set(self, key: str, value: Any, reason: str) -> None:
        self.answers[key] = value
        self.reasons[key] = reason


def detect(root: Path, given: Mapping[str, Any] | None = None) -> Guess:
    """The answers root's files give away. `given` are the user's answers (--data, an answers
    file): a guess they settle is not needed, so a project detect cannot place (no app it
    recognises, two dependency managers) can still be adopted by saying what it is."""
    given = given or {}
    guess = Guess()
    project = _Project(root)
    pyproject = _Pyproject.read(project)
    pipfile = _Pipfile.read(project)
    _manager(project, pyproject, guess, given.get("package_manager"))
    code = _layout(project, guess)
    _tests(project, guess)
    _app_kind(project, code, pyproject, pipfile, guess, given)
    _python_version(project, pyproject, pipfile, guess)
    name = pyproject.name
    if name is not None and re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", name.lower()):
        guess.set("project_name", name.lower(), "pyproject.toml's name")
    return guess


def read_toml(path: Path) -> dict[str, Any]:
    """The TOML file at path ({} when there is none), read bounded (files.read_text): a pipe,
    a directory, an oversize or non-UTF-8 file and invalid TOML are UsageErrors naming it.
    The shape is the caller's to check (detect's _Fields)."""
    if not os.path.lexists(path):
        return {}
    text = files.read_text(path)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{path} is not valid TOML: {error}") from None
    except ValueError:  # int() refuses thousands of digits
        raise UsageError(f"{path} is not valid TOML: a number too long to read") from None
    except RecursionError:
        raise UsageError(f"{path} is not valid TOML: nested too deeply") from None


class _Project:
    """The directory being adopted, read without leaving it, blocking on it or recursing."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.real = Path(os.path.realpath(root))
        self._environments: dict[Path, list[str]] = {}

    def contains(self, path: Path) -> bool:
        """True when path, its links followed, stays inside the project."""
        return Path(os.path.realpath(path)).is_relative_to(self.real)

    def manifest(self, name: str) -> Path | None:
        """root/name, a regular file inside the project; None when nothing has that name.
        Anything else by that name is a UsageError: detect cannot go on without reading it."""
        path = self.root / name
        if not os.path.lexists(path):
            return None
        if not self.contains(path):
            raise UsageError(
                f"{path} is a link to {os.path.realpath(path)}, outside {self.root}: "
                "the image cannot be built from it; copy the file into the project"
            )
        found = files.kind(path)
        if found is None:
            raise UsageError(f"{path} is a broken symbolic link")
        if found == "directory":
            raise UsageError(f"{path} is a directory, not a file")
        return path

    def text(self, name: str, *, strict: bool = True) -> str | None:
        """The text of a manifest (see manifest); strict=False for one only searched."""
        path = self.manifest(name)
        return None if path is None else files.read_text(path, strict=strict)

    def environment(self, path: Path) -> list[str]:
        """The dependencies of a conda environment file (see _environment), read once."""
        if path not in self._environments:
            self._environments[path] = _environment(path)
        return self._environments[path]

    def source(self, path: Path) -> bool:
        """True for a regular file inside the project; never raises, never opens it."""
        return files.is_regular(path) and self.contains(path)

    def directory(self, path: Path) -> bool:
        """True for a directory inside the project; never raises."""
        try:
            is_dir = stat.S_ISDIR(path.stat().st_mode)
        except (OSError, ValueError):
            return False
        return is_dir and self.contains(path)

    def listing(self, directory: Path, *, strict: bool = False) -> list[Path]:
        """The entries of directory, sorted; one that cannot be listed has none (strict:
        it is a UsageError)."""
        try:
            with os.scandir(directory) as entries:
                return sorted(Path(entry.path) for entry in entries)
        except OSError as error:
            if strict:
                raise UsageError(f"{directory} cannot be read: {error.strerror or error}") from None
            return []

    def python_files(self, start: Path) -> Iterator[Path]:
        """The *.py files under start that are regular and inside the project. Iterative, and
        links to directories are not followed: no loop and no depth ends the walk. Folders
        that never hold the app are pruned; those that cannot be listed (no permission, a
        path too long for the system) are skipped."""
        pending = [start]
        while pending:
            directory = pending.pop()
            try:
                with os.scandir(directory) as scan:
                    entries = list(scan)
            except OSError:
                continue
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if not (
                            entry.name.startswith(".")
                            or entry.name in _NOT_CODE
                            or entry.name == "site-packages"
                        ):
                            pending.append(Path(entry.path))
                    elif entry.name.endswith(".py") and (
                        entry.is_file(follow_symlinks=False)
                        or (entry.is_symlink() and self.source(Path(entry.path)))
                    ):
                        yield Path(entry.path)
                except OSError:
                    continue


class _Fields:
    """A table of a parsed file, read by type: a value of the wrong type is a UsageError
    naming the file and the key, never a crash further on."""

    def __init__(self, path: Path, data: Mapping[str, Any], where: str = "") -> None:
        self.path = path
        self.data = data
        self.where = where

    def __contains__(self, key: str) -> bool:
        return key in self.data

    def names(self) -> list[str]:
        return [str(key) for key in self.data]

    def table(self, key: str) -> _Fields:
        value = self.data.get(key)
        if value is not None and not isinstance(value, dict):
            raise self._wrong(key, "a table", value)
        return _Fields(self.path, value or {}, self._key(key))

    def string(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is not None and not isinstance(value, str):
            raise self._wrong(key, "a string", value)
        return value

    def strings(self, key: str, *, tables: bool = False) -> list[str]:
        """A list of strings (tables: a list of strings and tables, the strings returned)."""
        value = self.data.get(key)
        if value is None:
            return []
        allowed = (str, dict) if tables else (str,)
        expected = "a list of strings" + (" and tables" if tables else "")
        if not isinstance(value, list):
            raise self._wrong(key, expected, value)
        for item in value:
            if not isinstance(item, allowed):
                raise self._wrong(key, expected, item, item=True)
        return [item for item in value if isinstance(item, str)]

    def _key(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def _wrong(self, key: str, expected: str, value: object, *, item: bool = False) -> UsageError:
        found = f"holds {_kind(value)}" if item else f"is {_kind(value)}"
        return UsageError(f"{self.path}: {self._key(key)} must be {expected}; it {found}")


def _kind(value: object) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime.date | datetime.time):
        return "a date or time"
    return f"a {type(value).__name__}"


def _shown(text: str, width: int = 40) -> str:
    return repr(text if len(text) <= width else text[:width] + "...")


@dataclass(frozen=True)
class _Pyproject:
    """What detect reads of pyproject.toml, its shape checked."""

    path: Path | None = None
    has_project: bool = False
    name: str | None = None
    requires_python: str | None = None
    allows: tuple[str, ...] = ()  # the Python versions offered that requires-python allows
    backend: str | None = None
    poetry: bool = False
    groups: tuple[str, ...] = ()
    dependencies: tuple[str, ...] = ()  # requirements and poetry's names, every group

    @classmethod
    def read(cls, project: _Project) -> _Pyproject:
        path = project.manifest("pyproject.toml")
        if path is None:
            return cls()
        doc = _Fields(path, read_toml(path))
        main = doc.table("project")
        tool = doc.table("tool")
        poetry = tool.table("poetry")
        groups = doc.table("dependency-groups")
        declared = main.strings("dependencies")
        extras = main.table("optional-dependencies")
        for extra in extras.names():
            declared += extras.strings(extra)
        for group in groups.names():
            declared += groups.strings(group, tables=True)  # tables: {include-group = ...}
        declared += poetry.table("dependencies").names() + poetry.table("dev-dependencies").names()
        poetry_groups = poetry.table("group")
        for group in poetry_groups.names():
            declared += poetry_groups.table(group).table("dependencies").names()
        project_name, poetry_name = main.string("name"), poetry.string("name")
        requires = main.string("requires-python")
        return cls(
            path=path,
            has_project="project" in doc,
            name=project_name or poetry_name,
            requires_python=requires,
            allows=() if requires is None else _allowed(path, requires),
            backend=doc.table("build-system").string("build-backend"),
            poetry="poetry" in tool,
            groups=tuple(groups.names()),
            dependencies=tuple(declared),
        )


def _allowed(path: Path, requires: str) -> tuple[str, ...]:
    where = f"{path}: project.requires-python {_shown(requires)}"
    if len(requires) > _LONGEST_SPECIFIER:
        raise UsageError(
            f"{where} is {len(requires)} characters long; not read past {_LONGEST_SPECIFIER}"
        )
    wrong = UsageError(f"{where} is not a version specifier such as '>=3.11'")
    try:
        specifiers = SpecifierSet(requires)
        return tuple(v for v in stacks.python_versions() if specifiers.contains(f"{v}.0"))
    except (InvalidSpecifier, ValueError):  # ValueError: a number of thousands of digits
        raise wrong from None


@dataclass(frozen=True)
class _Pipfile:
    """What detect reads of the Pipfile, its shape checked."""

    python_version: str | None = None  # "3.12"
    packages: tuple[str, ...] = ()

    @classmethod
    def read(cls, project: _Project) -> _Pipfile:
        path = project.manifest("Pipfile")
        if path is None:
            return cls()
        doc = _Fields(path, read_toml(path))
        version = doc.table("requires").string("python_version")
        if version is not None and not re.fullmatch(r"\d{1,4}(\.\d{1,4}){0,2}", version.strip()):
            raise UsageError(
                f"{path}: requires.python_version {_shown(version)} is not a Python version "
                "such as '3.12'"
            )
        packages = doc.table("packages").names() + doc.table("dev-packages").names()
        return cls(
            python_version=None if version is None else ".".join(version.strip().split(".")[:2]),
            packages=tuple(packages),
        )


def _environment(path: Path) -> list[str]:
    """The dependencies of a conda environment file, its pip: list included."""
    text = files.read_text(path)
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        line = f" at line {error.problem_mark.line + 1}" if error.problem_mark else ""
        raise UsageError(f"{path} is not valid YAML{line}") from None
    # PyYAML raises more than YAMLError on some malformed scalars (ValueError for a date
    # such as 2001-13-01, AttributeError for !!timestamp x) and RecursionError when nested
    # too deeply: each is this file not being valid YAML.
    except Exception:
        raise UsageError(f"{path} is not valid YAML") from None
    if not isinstance(data, dict):
        raise UsageError(
            f"{path} must be a mapping (name:, channels:, dependencies:); it is {_kind(data)}"
        )
    dependencies = data.get("dependencies")
    if dependencies is None:
        return []
    if not isinstance(dependencies, list):
        raise UsageError(f"{path}: dependencies must be a list; it is {_kind(dependencies)}")
    specs = []
    for entry in dependencies:
        if isinstance(entry, str):
            specs.append(entry)
            continue
        if not isinstance(entry, dict):
            raise UsageError(
                f"{path}: dependencies must be strings (and a pip: list); it holds {_kind(entry)}"
            )
        pip = entry.get("pip") or []
        wrong = f"{path}: dependencies' pip: must be a list of strings; it"
        if not isinstance(pip, list):
            raise UsageError(f"{wrong} is {_kind(pip)}")
        for spec in pip:
            if not isinstance(spec, str):
                raise UsageError(f"{wrong} holds {_kind(spec)}")
            specs.append(spec)
    return specs


def _environment_file(project: _Project) -> Path | None:
    return next(filter(None, (project.manifest(f) for f in _ENVIRONMENT_FILES)), None)


def _manager(project: _Project, pyproject: _Pyproject, guess: Guess, wanted: object = None) -> None:
    """The dependency manager, from the first of its files found (uv.lock, poetry, Pipfile,
    a conda environment, requirements files, a pyproject.toml [project]); the one the user
    named (wanted) when its files are there."""
    found = False
    for manager, finder in _MANAGERS:
        if wanted not in (None, manager):
            continue
        if found := finder(project, pyproject, guess):
            break
    if not found and wanted is not None:
        files_of = {"conda": "an environment file (" + ", ".join(_ENVIRONMENT_FILES) + ")"}
        raise UsageError(
            f"{project.root}: package_manager={wanted}, but "
            f"{files_of.get(str(wanted), 'its files are')} not found"
        )
    if not found:
        raise UsageError(
            f"{project.root}: no dependency file found (requirements*.txt, requirements/, "
            "Pipfile, poetry.lock, uv.lock, environment.yml, conda.yaml or pyproject.toml "
            "with [project])"
        )
    if guess.answers["package_manager"] == "uv":
        group = "prod" if "prod" in pyproject.groups else ""
        guess.set("prod_group", group, "[dependency-groups] prod" if group else "no prod group")
    _lock_state(project, guess)
    if guess.answers["package_manager"] == "conda":
        guess.warnings.append("run scripts/lock-conda.sh before building (it makes conda-lock.yml)")


def _uv_lock(project: _Project, pyproject: _Pyproject, guess: Guess) -> bool:
    if not project.manifest("uv.lock"):
        return False
    guess.set("package_manager", "uv", "uv.lock")
    return True


def _poetry(project: _Project, pyproject: _Pyproject, guess: Guess) -> bool:
    lock = project.manifest("poetry.lock")
    if not (lock or pyproject.poetry):
        return False
    reason = "poetry.lock" if lock else "[tool.poetry] in pyproject.toml"
    guess.set("package_manager", "poetry", reason)
    return True


def _pipenv(project: _Project, pyproject: _Pyproject, guess: Guess) -> bool:
    if not (project.manifest("Pipfile") or project.manifest("Pipfile.lock")):
        return False
    guess.set("package_manager", "pipenv", "Pipfile")
    return True


def _conda(project: _Project, pyproject: _Pyproject, guess: Guess) -> bool:
    env_files = [f for f in _ENVIRONMENT_FILES if project.manifest(f)]
    if not env_files:
        return False
    project.environment(project.root / env_files[0])  # its shape checked
    guess.set("package_manager", "conda", env_files[0])
    dev_files = [f for f in _DEV_ENVIRONMENT_FILES if project.manifest(f)]
    guess.set("environment_files", " ".join(env_files[:1] + dev_files), "the environment files")
    return True


def _lock_state(project: _Project, guess: Guess) -> None:
    """A lock the build would refuse, missing or stale as `new-project check` finds it
    (DW109, which agrees with the managers), is made in a container by the adopted
    project's lock script, before the first build."""
    manager = guess.answers["package_manager"]
    relock = stacks.relock(manager)
    if relock is None:
        return
    script = f"scripts/lock-{manager}.sh"
    if not project.manifest(relock["lock"]):
        guess.warnings.append(f"no {relock['lock']} yet: {script} makes it in a container (below)")
    elif stale := _stale(project.root, relock["lock"]):
        guess.warnings.append(f"{stale}; {script} refreshes it in a container (below)")
    else:
        return
    guess.relock = script


def _stale(root: Path, lock: str) -> str | None:
    """Why check's DW109 finds root's lock stale, or None (fresh, or not readable: check
    reports that itself)."""
    from dockwright.check.project import Project, Unparsable
    from dockwright.check.rules import dw109

    try:
        return next(
            (hit.detail for hit in dw109.stale_lock(Project(root)) if hit.file == lock), None
        )
    except (Unparsable, UsageError):
        return None


def _pip(project: _Project, pyproject: _Pyproject, guess: Guess) -> bool:
    prod = next((f for f in _PROD_REQUIREMENTS if project.manifest(f)), None)
    if prod is None:
        return False
    guess.set("package_manager", "pip", prod)
    guess.set("requirements_prod", prod, "the first requirements file production needs")
    dev = next((f for f in _DEV_REQUIREMENTS if project.manifest(f)), prod)
    guess.set(
        "requirements_dev",
        dev,
        "the development requirements (tests)"
        if dev != prod
        else "no development requirements file: the same",
    )
    hashed = "--hash=" in (project.text(prod, strict=False) or "")
    guess.set("require_hashes", hashed, f"{prod} {'has' if hashed else 'has no'} hashes")
    return True


def _uv_project(project: _Project, pyproject: _Pyproject, guess: Guess) -> bool:
    if not pyproject.has_project:
        return False
    backend = pyproject.backend
    built = " without a build backend"
    if backend:  # its name only when it cannot be taken for rich markup or worse
        built = f" built by {backend}" if _BUILD_BACKEND.fullmatch(backend) else " built"
    guess.set("package_manager", "uv", "pyproject.toml [project]" + built)
    return True


# Each manager's files, in the order they decide (a uv.lock beside requirements.txt is uv).
_MANAGERS = (
    ("uv", _uv_lock),
    ("poetry", _poetry),
    ("pipenv", _pipenv),
    ("conda", _conda),
    ("pip", _pip),
    ("uv", _uv_project),
)


def _layout(project: _Project, guess: Guess) -> list[Path]:
    """Which paths hold the code the production image runs; returns them, to be scanned."""
    root = project.root
    src = root / "src"
    if project.directory(src) and any(
        project.directory(p) and project.source(p / "__init__.py") for p in project.listing(src)
    ):
        guess.set("python_path", "src", "packages under src/")
        guess.set("source_paths", "src/", "the src layout")
        return [src]
    guess.set("python_path", "", "packages at the top level")
    code = []
    for entry in project.listing(root, strict=True):
        name = entry.name
        if name.startswith((".", "_")) or name in _NOT_CODE or not _PLAIN_NAME.fullmatch(name):
            continue
        module = name.endswith(".py") and not _is_support_file(name) and project.source(entry)
        package = project.directory(entry) and (
            project.source(entry / "__init__.py") or name in ("templates", "static")
        )
        if module or package:
            code.append(entry)
    if not code:
        raise UsageError(f"{root}: no Python code found at the top level or under src/")
    paths = [p.name + ("/" if project.directory(p) else "") for p in code]
    guess.set("source_paths", " ".join(paths), "the top-level modules and packages")
    return code


_TEST_FILE = re.compile(r"test_.*\.py|.*_test\.py")


def _tests(project: _Project, guess: Guess) -> None:
    """Whether pytest has tests to collect: a test_*.py or *_test.py file in tests/ or
    test/, or at the top level. Without any, `python -m pytest` exits 5, so neither the
    next steps nor README.Docker.md offer it."""
    root = project.root
    candidates = [p for p in project.listing(root) if project.source(p)]
    for folder in (root / "tests", root / "test"):
        if project.directory(folder):
            candidates += project.python_files(folder)
    found = next((p for p in candidates if _TEST_FILE.fullmatch(p.name)), None)
    if found is not None:
        guess.set("has_tests", True, found.relative_to(root).as_posix())
    else:
        guess.set("has_tests", False, "no test_*.py or *_test.py in tests/, test/ or the top level")


def _is_support_file(name: str) -> bool:
    return name in ("setup.py", "conftest.py", "noxfile.py", "tasks.py") or name.startswith("test")


def _code_files(project: _Project, code: list[Path]) -> list[Path]:
    """The Python files of the code the image runs (tests and support files left out)."""
    found: list[Path] = []
    for path in code:
        found += project.python_files(path) if project.directory(path) else [path]
    return sorted(p for p in found if not _is_support_file(p.name))


def _module(root: Path, path: Path, python_path: str) -> str | None:
    """The dotted name path imports as; None when a part of it is no identifier."""
    try:
        parts = list(path.relative_to(root / python_path).with_suffix("").parts)
    except ValueError:
        return None
    if parts and parts[-1] == "__init__":
        parts.pop()
    if not parts or not all(p.isidentifier() and not keyword.iskeyword(p) for p in parts):
        return None
    return ".".join(parts)


def _app_kind(
    project: _Project,
    code: list[Path],
    pyproject: _Pyproject,
    pipfile: _Pipfile,
    guess: Guess,
    given: Mapping[str, Any],
) -> None:
    root, python_path = project.root, guess.answers["python_path"]
    sources = _code_files(project, code)
    factory: tuple[Path, str] | None = None
    instance: tuple[Path, str, str] | None = None
    asgi: tuple[Path, str] | None = None
    writes: dict[str, str] = {}  # folder -> why the app writes there
    if project.directory(root / "instance"):
        writes["instance"] = "Flask's instance folder (instance/)"
    routes: set[str] = set()
    stateless: dict[str, None] = {}  # routes whose view uses no database or login, in order
    named: set[str] = set()  # the first part of every path-like string in the code
    unread: list[Path] = []
    for path in sources:  # one at a time: only what was found in each is kept
        try:
            text = files.read_text(path, strict=False)
        except UsageError:  # too big, unreadable, replaced by a pipe since listed
            unread.append(path)
            continue
        module = _module(root, path, python_path)
        if module and factory is None and re.search(r"^def create_app\(", text, re.M):
            factory = (path, module)
        if (
            module
            and instance is None
            and (m := re.search(r"^([^\W\d]\w*)[ \t]*=[ \t]*Flask\(", text, re.M))
        ):
            instance = (path, module, m[1])
        if asgi is None and (m := _ASGI_APP.search(text)):
            asgi = (path, m[1])
        where = path.relative_to(root).as_posix()
        where = f" ({where})" if _PLAIN_PATH.fullmatch(where) else ""
        if _INSTANCE.search(text):
            writes.setdefault("instance", f"Flask's instance folder{where}")
        for folder in _LOG_FOLDER.findall(text):
            writes.setdefault(folder, f"a log file in {folder}/{where}")
        beside = path.parent.relative_to(root).as_posix()
        for folder in _OUTPUT_BESIDE.findall(text):
            if _PLAIN_PATH.fullmatch(beside):
                name = folder if beside == "." else f"{beside}/{folder}"
                writes.setdefault(name, f"{folder}/ beside the code that writes it{where}")
        routes.update(h for h in _HEALTH_PATHS if f'"{h}"' in text or f"'{h}'" in text)
        named.update(m[1].split("/")[0] for m in _LITERAL.finditer(text))
        for route, body, _ in _ROUTE.findall(text):
            if not _NEEDS_STATE.search(body):
                stateless.setdefault(route, None)
    if unread:
        names = [p.relative_to(root).as_posix() for p in unread]
        shown = [n for n in names if _PLAIN_PATH.fullmatch(n)][:3]
        guess.warnings.append(
            f"{len(unread)} Python file(s) not read (over {files.LIMIT} bytes or unreadable)"
            + (f": {', '.join(shown)}" if shown else "")
        )
    told = given.get("app_kind")
    settled = (told == "flask" and "wsgi_app" in given) or (
        told == "ml-job" and "job_command" in given
    )
    if not (settled or factory or instance):
        _refuse_unsupported(project, pyproject, pipfile, guess, asgi)
    if told == "ml-job" or (told is None and not (factory or instance)):
        writes.pop("instance", None)
        _writable(writes, python_path, guess)
        _job(project, sources, python_path, guess, told)
        _runtime_files(project, named, guess)
        return
    _writable(writes, python_path, guess)
    _runtime_files(project, named, guess)
    guess.set("app_kind", "flask", "a Flask app" if told is None else "your answer")
    if wsgi := _wsgi_module(project, python_path):
        where, module, name = wsgi
        guess.set("wsgi_app", f"{module}:{name}", f"{name} = ... in {where}, the WSGI module")
    elif factory:
        path, module = factory
        where = path.relative_to(root).as_posix()
        guess.set("wsgi_app", f"{module}:create_app()", f"def create_app() in {where}")
    elif instance:
        path, module, name = instance
        where = path.relative_to(root).as_posix()
        guess.set("wsgi_app", f"{module}:{name}", f"{name} = Flask(...) in {where}")
    if health := next((h for h in _HEALTH_PATHS if h in routes), None):
        guess.set("health_path", health, "a health route of the app")
    elif plain := next(iter(sorted(stateless, key=lambda r: r != "/")), None):
        guess.set("health_path", plain, "no health route: a route whose view uses no database")
        guess.warnings.append(
            f"no /health route: the health check requests {plain} (it must answer 200)"
        )
    else:
        guess.set("health_path", "/", "no health route found: the home page")
        guess.warnings.append("no /health route: the health check requests / (it must answer 200)")
    if not _declares(project, pyproject, pipfile, guess, "gunicorn"):
        guess.warnings.append(
            "gunicorn is not among the dependencies; the production image runs it"
        )


def _job(
    project: _Project, sources: list[Path], python_path: str, guess: Guess, told: object
) -> None:
    """An ML job: a script of _JOB_SCRIPTS, or a package's __main__.py."""
    root = project.root
    script = next((s for s in _JOB_SCRIPTS if project.source(root / s)), None)
    mains = [
        (p, module)
        for p in sources
        if p.name == "__main__.py"
        and (module := _module(root, p.parent / "__init__.py", python_path))
    ]
    if script:
        guess.set("app_kind", "ml-job", f"the script {script}")
        guess.set("job_command", f"python {script}", f"the script {script}")
    elif mains:
        path, module = mains[0]
        where = path.relative_to(root).as_posix()
        guess.set("app_kind", "ml-job", where)
        guess.set("job_command", f"python -m {module}", where)
    elif told is None:
        raise UsageError(
            f"{root}: found neither a Flask app (app = Flask(...) or def create_app) nor a job "
            f"({', '.join(_JOB_SCRIPTS)} or a package's __main__.py); say which with "
            "--data app_kind=flask --data wsgi_app=MODULE:APP, or "
            "--data app_kind=ml-job --data job_command='python ...'"
        )
    else:
        guess.set("app_kind", "ml-job", "your answer")


def _runtime_files(project: _Project, named: set[str], guess: Guess) -> None:
    """Files and folders at the top level the app reads at run time, added to what the
    production image copies: ones the code names in a string (a model such as
    artifacts/pipe.pkl, a data file beside the script) and Flask-Migrate's migrations/."""
    root = project.root
    copied = {p.rstrip("/") for p in str(guess.answers.get("source_paths", "")).split()}
    skipped = copied | set(str(guess.answers.get("writable_paths", "")).split())
    if guess.answers.get("app_kind") == "ml-job":
        skipped |= set(JOB_VOLUMES)
    found: dict[str, str] = {}
    if "migrations" not in skipped and project.source(root / "migrations" / "env.py"):
        found["migrations/"] = "migrations/ (Alembic's env.py)"
    for name in sorted(named - skipped):
        path = root / name
        if (
            name.startswith(".")
            or name in _NOT_CODE
            or name.lower().startswith(_NOT_RUNTIME)
            or not _PLAIN_NAME.fullmatch(name)
        ):
            continue
        if project.directory(path):
            found[f"{name}/"] = f"{name}/ (named in the code)"
        elif project.source(path):
            found[name] = f"{name} (named in the code)"
    if found:
        paths = f"{guess.answers['source_paths']} {' '.join(found)}"
        reason = f"{guess.reasons['source_paths']}; read at run time: {', '.join(found.values())}"
        guess.set("source_paths", paths, reason)


def _writable(writes: dict[str, str], python_path: str, guess: Guess) -> None:
    """The folders the app writes to, as writable_paths. Flask puts the instance folder
    beside the app's package: under python_path for a src layout."""
    folders = {
        (f"{python_path}/instance" if name == "instance" and python_path else name): why
        for name, why in writes.items()
        if name not in _NOT_WRITABLE
    }
    if folders:
        guess.set("writable_paths", " ".join(folders), "; ".join(folders.values()))
    else:
        guess.set("writable_paths", "", "no folder the app writes to found")


def _wsgi_module(project: _Project, python_path: str) -> tuple[str, str, str] | None:
    """(file, module, object) of a WSGI module such as wsgi.py (`app = create_app("production")`):
    a server pointed there gets the production configuration the project chose."""
    for name in _WSGI_MODULES:
        path = project.root / name
        if not project.source(path):
            continue
        try:
            text = files.read_text(path, strict=False)
        except UsageError:
            continue
        module = _module(project.root, path, python_path)
        if module and (m := _WSGI_OBJECT.search(text)):
            return name, module, m[1]
    return None


def _refuse_unsupported(
    project: _Project,
    pyproject: _Pyproject,
    pipfile: _Pipfile,
    guess: Guess,
    asgi: tuple[Path, str] | None,
) -> None:
    """Web frameworks with no stack here are refused by name, before they are mistaken for
    a job (a FastAPI main.py would run, exit 0 and serve nothing)."""
    root = project.root
    if asgi is not None:
        path, framework = asgi
        where = path.relative_to(root).as_posix()
        raise UsageError(
            f"{root}: {where} is a {framework} app (ASGI); dockwright's web stack serves "
            "Flask (WSGI) with gunicorn's sync workers, which cannot run it: not supported yet"
        )
    if project.source(root / "manage.py") or _declares(
        project, pyproject, pipfile, guess, "django"
    ):
        raise UsageError(
            f"{root}: a Django project; dockwright's web stack is Flask's (no migrate, "
            "collectstatic or settings module in its images): not supported yet"
        )


def _name(requirement: str) -> str:
    """The normalized distribution name a requirement (or conda spec) starts with."""
    m = re.match(r"\s*(?:[\w.-]+::)?([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return re.sub(r"[-_.]+", "-", m[1]).lower() if m else ""


def _declares(
    project: _Project, pyproject: _Pyproject, pipfile: _Pipfile, guess: Guess, package: str
) -> bool:
    """True when a dependency file of the project names package."""
    declared = {*pyproject.dependencies, *pipfile.packages}
    if guess.answers["package_manager"] == "conda" and (env := _environment_file(project)):
        declared.update(project.environment(env))
    for pattern in ("requirements*.txt", "requirements/*.txt"):
        for path in sorted(project.root.glob(pattern)):
            if not project.source(path):
                continue
            try:
                declared.update(files.read_text(path, strict=False).splitlines())
            except UsageError:
                continue
    return any(_name(spec) == package for spec in declared)


def _python_version(
    project: _Project, pyproject: _Pyproject, pipfile: _Pipfile, guess: Guess
) -> None:
    found: tuple[str, str] | None = None
    requires = pyproject.requires_python
    # The versions the template offers for this manager and app kind (3.15 is refused where
    # the locks have no wheels for it).
    offered = stacks.pythons_for(
        guess.answers.get("package_manager", ""), guess.answers.get("app_kind", "")
    )
    if (text := project.text(".python-version")) is not None and (
        m := re.match(rf"\s*({_VERSION})", text)
    ):
        found = (m[1], ".python-version")
    elif (text := project.text("runtime.txt")) is not None and (
        m := re.search(rf"python-({_VERSION})", text)
    ):
        found = (m[1], "runtime.txt")
    elif pipfile.python_version is not None:
        found = (pipfile.python_version, "Pipfile [requires]")
    elif requires is not None:
        # The template's default when it allows it, else the newest it allows (as docker
        # init offers the newest Python): an existing project's dependencies may not have
        # wheels for a Python newer than the default yet.
        # A version it allows but the stack refuses goes to the nearest offered, below.
        allowed = [v for v in pyproject.allows if v in offered] or list(pyproject.allows[-1:])
        if allowed:
            default = stacks.default_python()
            found = (default if default in allowed else allowed[-1], f"requires-python {requires}")
    elif env := _environment_file(project):
        versions = (
            m[1]
            for spec in project.environment(env)
            if (m := re.match(rf"\s*python\s*==?\s*({_VERSION})", spec))
        )
        if version := next(versions, None):
            found = (version, env.name)
    if found is None:
        found = _python_for_pins(project, guess, offered)
    version, where = found
    if version not in offered:
        older = _numbers(version) < _numbers(offered[0])
        nearest = offered[0] if older else offered[-1]
        guess.warnings.append(
            f"{where} asks for Python {version}; {nearest} is the nearest offered"
        )
        version = nearest
    guess.set("python_version", version, where)


def _python_for_pins(project: _Project, guess: Guess, offered: tuple[str, ...]) -> tuple[str, str]:
    """Nothing declares a Python: the default, or the newest offered version for which every
    pinned package with compiled wheels has one (pip would otherwise build it from source,
    with no compiler in the builder). The reason says which pin decided, and how to change it."""
    default = stacks.default_python() if stacks.default_python() in offered else offered[-1]
    change = "change it with --data python_version=3.X"
    prod = guess.answers.get("requirements_prod")
    index = wheels.index_url()
    text = project.text(prod, strict=False) if prod else None
    pinned = wheels.pins(text.splitlines()) if text else []
    if not pinned or index is None:
        return default, f"nothing declares one: the default; {change}"
    limits, unread = wheels.limits(pinned, offered, index)
    if unread:
        guess.warnings.append(
            f"could not read {len(unread)} pinned package(s) from the package index; "
            f"Python {default} was not checked against their wheels"
        )
    allowed = [v for v in offered if all(v in limit.pythons for limit in limits)]
    if not limits:
        return (
            default,
            f"nothing declares one, and no pin needs an older one: the default; {change}",
        )
    if not allowed:
        guess.warnings.append(
            "no offered Python has wheels for every pin: "
            + ", ".join(limit.pin for limit in limits)
        )
        return default, f"nothing declares one: the default; {change}"
    version = default if default in allowed else allowed[-1]
    deciding = [limit.pin for limit in limits if max(limit.pythons, key=_numbers) == version]
    because = (
        f"wheels for {', '.join(deciding[:2])} go up to it"
        if deciding
        else "every pin has wheels for it"
    )
    return version, f"nothing declares one: {because}; {change}"


def _numbers(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))
