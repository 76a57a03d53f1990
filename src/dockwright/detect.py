"""Guess an existing project's answers from its files, for `new-project adopt`.

Each guess carries the file that gave it away, so the user can confirm it or correct it
(`--data KEY=VALUE`). Nothing here writes; a project without a dependency file is refused.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from dockwright.errors import UsageError

PYTHON_VERSIONS = ("3.11", "3.12", "3.13", "3.14")  # copier.yml's python_version choices

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
_JOB_SCRIPTS = ("train.py", "main.py", "run.py", "job.py", "pipeline.py")
_HEALTH_PATHS = ("/health", "/healthz", "/healthcheck", "/ping", "/status")


@dataclass
class Guess:
    answers: dict[str, Any] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def set(self, key: str, value: Any, reason: str) -> None:
        self.answers[key] = value
        self.reasons[key] = reason


def detect(root: Path) -> Guess:
    guess = Guess()
    pyproject = read_toml(root / "pyproject.toml")
    _manager(root, pyproject, guess)
    _layout(root, guess)
    _app_kind(root, guess)
    _python_version(root, pyproject, guess)
    name = (pyproject.get("project") or {}).get("name") or (
        (pyproject.get("tool") or {}).get("poetry") or {}
    ).get("name")
    if isinstance(name, str) and re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", name.lower()):
        guess.set("project_name", name.lower(), "pyproject.toml's name")
    return guess


def _manager(root: Path, pyproject: dict[str, Any], guess: Guess) -> None:
    tool = pyproject.get("tool") or {}
    if (root / "uv.lock").is_file():
        guess.set("package_manager", "uv", "uv.lock")
    elif (root / "poetry.lock").is_file() or "poetry" in tool:
        guess.set(
            "package_manager",
            "poetry",
            "poetry.lock"
            if (root / "poetry.lock").is_file()
            else "[tool.poetry] in pyproject.toml",
        )
    elif (root / "Pipfile").is_file() or (root / "Pipfile.lock").is_file():
        guess.set("package_manager", "pipenv", "Pipfile")
    elif env_files := [f for f in ("environment.yml", "environment.yaml") if (root / f).is_file()]:
        guess.set("package_manager", "conda", env_files[0])
        dev_files = [
            f for f in ("environment.dev.yml", "environment-dev.yml") if (root / f).is_file()
        ]
        guess.set("environment_files", " ".join(env_files[:1] + dev_files), "the environment files")
    elif prod := next((f for f in _PROD_REQUIREMENTS if (root / f).is_file()), None):
        guess.set("package_manager", "pip", prod)
        guess.set("requirements_prod", prod, "the first requirements file production needs")
        dev = next((f for f in _DEV_REQUIREMENTS if (root / f).is_file()), prod)
        guess.set(
            "requirements_dev",
            dev,
            "the development requirements (tests)"
            if dev != prod
            else "no development requirements file: the same",
        )
        hashed = "--hash=" in (root / prod).read_text(encoding="utf-8", errors="replace")
        guess.set("require_hashes", hashed, f"{prod} {'has' if hashed else 'has no'} hashes")
    elif "project" in pyproject:
        backend = (pyproject.get("build-system") or {}).get("build-backend")
        guess.set(
            "package_manager",
            "uv",
            "pyproject.toml [project]"
            + (f" built by {backend}" if backend else " without a build backend"),
        )
        guess.warnings.append(
            "no lock file: run `uv lock` before building (the build needs uv.lock)"
        )
    else:
        raise UsageError(
            f"{root}: no dependency file found (requirements*.txt, requirements/, Pipfile, "
            "poetry.lock, uv.lock, environment.yml or pyproject.toml with [project])"
        )
    if guess.answers["package_manager"] == "uv":
        groups = pyproject.get("dependency-groups") or {}
        group = "prod" if "prod" in groups else ""
        guess.set("prod_group", group, "[dependency-groups] prod" if group else "no prod group")
    if guess.answers["package_manager"] == "pipenv" and not (root / "Pipfile.lock").is_file():
        guess.warnings.append("no Pipfile.lock: run `pipenv lock` before building")
    if guess.answers["package_manager"] == "conda":
        guess.warnings.append("run scripts/lock-conda.sh before building (it makes conda-lock.yml)")


def _layout(root: Path, guess: Guess) -> None:
    """Which paths hold the code the production image runs."""
    src = root / "src"
    if src.is_dir() and any(p.is_dir() and (p / "__init__.py").is_file() for p in src.iterdir()):
        guess.set("python_path", "src", "packages under src/")
        guess.set("source_paths", "src/", "the src layout")
        return
    guess.set("python_path", "", "packages at the top level")
    paths = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith((".", "_")) or entry.name in _NOT_CODE:
            continue
        if entry.is_file() and entry.suffix == ".py" and not _is_support_file(entry.name):
            paths.append(entry.name)
        elif entry.is_dir() and (
            (entry / "__init__.py").is_file() or entry.name in ("templates", "static")
        ):
            paths.append(f"{entry.name}/")
    if not paths:
        raise UsageError(f"{root}: no Python code found at the top level or under src/")
    guess.set("source_paths", " ".join(paths), "the top-level modules and packages")


def _is_support_file(name: str) -> bool:
    return name in ("setup.py", "conftest.py", "noxfile.py", "tasks.py") or name.startswith("test")


def _code_files(root: Path) -> list[Path]:
    files = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if any(p.startswith(".") or p in _NOT_CODE or p == "site-packages" for p in parts[:-1]):
            continue
        if not _is_support_file(path.name):
            files.append(path)
    return files


def _module(root: Path, path: Path, python_path: str) -> str:
    parts = list(
        path.relative_to(root / python_path if python_path else root).with_suffix("").parts
    )
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _app_kind(root: Path, guess: Guess) -> None:
    python_path = guess.answers["python_path"]
    files = _code_files(root)
    texts = {path: path.read_text(encoding="utf-8", errors="replace") for path in files}
    factory = next((p for p, t in texts.items() if re.search(r"^def create_app\(", t, re.M)), None)
    instance = next(
        ((p, m[1]) for p, t in texts.items() if (m := re.search(r"^(\w+)\s*=\s*Flask\(", t, re.M))),
        None,
    )
    if factory or instance:
        guess.set("app_kind", "flask", "a Flask app")
        if factory:
            target = f"{_module(root, factory, python_path)}:create_app()"
            guess.set("wsgi_app", target, f"def create_app() in {factory.relative_to(root)}")
        elif instance:
            path, name = instance
            target = f"{_module(root, path, python_path)}:{name}"
            guess.set("wsgi_app", target, f"{name} = Flask(...) in {path.relative_to(root)}")
        routes = "\n".join(texts.values())
        health = next((h for h in _HEALTH_PATHS if f'"{h}"' in routes or f"'{h}'" in routes), "/")
        guess.set(
            "health_path",
            health,
            "a route of the app" if health != "/" else "no health route found: the home page",
        )
        if health == "/":
            guess.warnings.append(
                "no /health route: the health check requests / (it must answer 200)"
            )
        if not _mentions(root, "gunicorn"):
            guess.warnings.append(
                "gunicorn is not among the dependencies; the production image runs it"
            )
        return
    script = next((s for s in _JOB_SCRIPTS if (root / s).is_file()), None)
    mains = [p for p in files if p.name == "__main__.py"]
    if script:
        guess.set("app_kind", "ml-job", f"the script {script}")
        guess.set("job_command", f"python {script}", f"the script {script}")
    elif mains:
        module = _module(root, mains[0].parent / "__init__.py", python_path)
        guess.set("app_kind", "ml-job", f"{mains[0].relative_to(root)}")
        guess.set("job_command", f"python -m {module}", f"{mains[0].relative_to(root)}")
    else:
        raise UsageError(
            f"{root}: found neither a Flask app (app = Flask(...) or def create_app) nor a job "
            f"({', '.join(_JOB_SCRIPTS)} or a package's __main__.py); "
            "say which with --data app_kind=... and --data wsgi_app=... or job_command=..."
        )


def _mentions(root: Path, package: str) -> bool:
    names = (
        "requirements*.txt",
        "requirements/*.txt",
        "pyproject.toml",
        "Pipfile",
        "environment*.yml",
    )
    pattern = re.compile(rf"^\W*{package}\b", re.I | re.M)
    return any(
        pattern.search(p.read_text(encoding="utf-8", errors="replace"))
        for glob in names
        for p in root.glob(glob)
    )


def _python_version(root: Path, pyproject: dict[str, Any], guess: Guess) -> None:
    found: tuple[str, str] | None = None
    version_file = root / ".python-version"
    runtime = root / "runtime.txt"
    pipfile = read_toml(root / "Pipfile")
    requires = (pyproject.get("project") or {}).get("requires-python")
    if version_file.is_file() and (m := re.match(r"\s*(3\.\d+)", version_file.read_text())):
        found = (m[1], ".python-version")
    elif runtime.is_file() and (m := re.search(r"python-(3\.\d+)", runtime.read_text())):
        found = (m[1], "runtime.txt")
    elif isinstance(v := (pipfile.get("requires") or {}).get("python_version"), str):
        found = (".".join(v.split(".")[:2]), "Pipfile [requires]")
    elif isinstance(requires, str):
        try:
            allowed = [v for v in PYTHON_VERSIONS if SpecifierSet(requires).contains(f"{v}.0")]
        except InvalidSpecifier:
            allowed = []
        if allowed:  # the newest it allows, as docker init offers the newest Python
            found = (allowed[-1], f"requires-python {requires}")
    elif (env := root / "environment.yml").is_file() and (
        m := re.search(r"^\s*-\s*python\s*=\s*(3\.\d+)", env.read_text(), re.M)
    ):
        found = (m[1], "environment.yml")
    if found is None:
        return  # copier's default stands
    version, where = found
    if version not in PYTHON_VERSIONS:
        older = _numbers(version) < _numbers(PYTHON_VERSIONS[0])
        nearest = PYTHON_VERSIONS[0] if older else PYTHON_VERSIONS[-1]
        guess.warnings.append(
            f"{where} asks for Python {version}; {nearest} is the nearest offered"
        )
        version = nearest
    guess.set("python_version", version, where)


def _numbers(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        raise UsageError(f"{path} is not valid TOML") from None
