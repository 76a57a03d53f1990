"""The package managers check knows, each declared once: the programs that run it, the
subcommands that install with it, its lock and manifest, and what keeps its download cache
out of a layer. The rules ask this module whether a command installs, and with what."""

from __future__ import annotations

import re
from dataclasses import dataclass

from dockwright.check.shell import invocations, operands, values


@dataclass(frozen=True)
class Manager:
    name: str
    programs: frozenset[str]
    installs: frozenset[str]  # subcommands that install packages
    through: frozenset[str] = frozenset()  # words between program and subcommand
    lock: str = ""  # the lock its locked installs read
    locked_installs: frozenset[str] = frozenset()  # subcommands that install from the lock
    tool: bool = False  # an installer production does not need once the environment is made
    no_cache: tuple[str, ...] = ()  # an option or variable that keeps the cache out of a layer


PIP = Manager("pip", frozenset({"pip"}), frozenset({"install"}))
UV = Manager(
    "uv",
    frozenset({"uv"}),
    frozenset({"sync", "install"}),
    through=frozenset({"pip"}),
    lock="uv.lock",
    locked_installs=frozenset({"sync"}),
    tool=True,
    no_cache=("--no-cache", "UV_NO_CACHE"),
)
POETRY = Manager(
    "poetry",
    frozenset({"poetry"}),
    frozenset({"install"}),
    lock="poetry.lock",
    locked_installs=frozenset({"install"}),
    tool=True,
)
PIPENV = Manager(
    "pipenv",
    frozenset({"pipenv"}),
    frozenset({"install", "sync"}),
    lock="Pipfile.lock",
    locked_installs=frozenset({"install", "sync"}),
    tool=True,
)
CONDA = Manager(
    "conda",
    frozenset({"conda", "mamba", "micromamba"}),
    frozenset({"create", "install", "update"}),
    through=frozenset({"env"}),
)
MANAGERS = (PIP, UV, POETRY, PIPENV, CONDA)
PIP_NO_CACHE = ("--no-cache-dir", "PIP_NO_CACHE_DIR")
# Installers production does not need, by their package name.
TOOLS = frozenset(m.name for m in MANAGERS if m.tool)
LOCKED = tuple(m for m in MANAGERS if m.lock)

REQUIREMENT_FLAGS = frozenset({"-r", "--requirement"})
FILE_FLAGS = frozenset({"-f", "--file"})

_SEPARATORS = re.compile(r"[-_.]+")
_NAME_END = re.compile(r"[\s<>=!~;\[@(]")


def normalize(name: str) -> str:
    return _SEPARATORS.sub("-", name).lower()


def requirement_name(spec: str) -> str:
    return normalize(_NAME_END.split(spec.strip(), maxsplit=1)[0])


def is_local(spec: str) -> bool:
    """A requirement that names a path or URL (`.`, `./lib`, `file:...`), not a package."""
    head = spec.strip().split(";")[0].strip()
    return head.startswith((".", "/", "~")) or "://" in head or head.startswith("file:")


def runs(words: list[str], manager: Manager, actions: frozenset[str] | None = None) -> list[int]:
    """Where words run manager's install subcommands (or actions)."""
    return invocations(
        words, manager.programs, manager.installs if actions is None else actions, manager.through
    )


def pip_install(words: list[str]) -> bool:
    """pip installs (pip3, python -m pip, /opt/venv/bin/pip); `uv pip install` and
    `uv --no-cache pip install` are uv's."""
    pips = runs(words, PIP)
    if not pips:
        return False
    next_pip = [len(words)] * (len(words) + 1)  # the index of the next literal `pip`
    for index in range(len(words) - 1, -1, -1):
        next_pip[index] = index if words[index] == "pip" else next_pip[index + 1]
    uv_pips = {next_pip[j + 1] for j in invocations(words, UV.programs, frozenset({"pip"}))}
    return any(index not in uv_pips for index in pips)


def uv_install(words: list[str]) -> bool:
    return bool(runs(words, UV))


def locked_install(words: list[str], manager: Manager) -> bool:
    return bool(runs(words, manager, manager.locked_installs))


def conda_install(words: list[str]) -> list[int]:
    return runs(words, CONDA)


def installs(words: list[str]) -> bool:
    return (
        pip_install(words)
        or uv_install(words)
        or any(locked_install(words, m) for m in LOCKED)
        or bool(conda_install(words))
    )


def installs_dependencies(words: list[str]) -> bool:
    """Installs a project's dependencies (a requirements file, a lock, an environment file),
    not a tool (`pip install poetry`)."""
    if any(locked_install(words, m) for m in LOCKED):
        return True
    if "install" in words and values(words, REQUIREMENT_FLAGS, words.index("install")):
        return True
    conda = conda_install(words)
    return bool(conda) and bool(values(words, FILE_FLAGS, conda[0]))


def requirement_files(words: list[str]) -> list[str]:
    """The requirements files pip or uv installs (-r FILE), as the command names them."""
    if not (pip_install(words) or uv_install(words)):
        return []
    return values(words, REQUIREMENT_FLAGS)


def installs_tool(words: list[str]) -> bool:
    """pip installing poetry, pipenv or uv."""
    starts = runs(words, PIP)
    return bool(starts) and any(requirement_name(w) in TOOLS for w in operands(words, starts[0]))


def conda_environment_file(words: list[str]) -> bool:
    """conda solving an environment file at build time (not installing a lock)."""
    conda = conda_install(words)
    return bool(conda) and any(
        "environment" in value and value.endswith((".yml", ".yaml"))
        for value in values(words, FILE_FLAGS, conda[0])
    )
