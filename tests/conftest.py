"""Shared helpers: the supported matrix, rendering into tmp_path, and what tools answer here."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dockwright import generate

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))  # tools/ holds scripts, not a package

# Every combination this release generates: manager x base x app kind x database (x Python).
MANAGERS = ["pip", "poetry", "pipenv", "conda", "uv"]
BASES = {manager: ["slim", "alpine"] for manager in MANAGERS} | {"conda": ["slim"]}
APPS = [
    {"app_kind": "flask", "database": "none"},
    {"app_kind": "flask", "database": "postgres"},
    {"app_kind": "ml-job"},
]
STACKS = [
    {"package_manager": manager, "base_image": base, **app}
    for manager in MANAGERS
    for base in BASES[manager]
    for app in APPS
    # scikit-learn has no musllinux wheel: the ML job is refused on Alpine.
    if not (base == "alpine" and app["app_kind"] == "ml-job")
]
PYTHON_VERSIONS = ["3.11", "3.12", "3.13", "3.14", "3.15"]
# (manager, app kind) that the wizard refuses Python 3.15 for: their locks pin packages
# without 3.15 wheels (numpy 2.4 for the ML job), or cannot be checked here (conda).
NO_PYTHON_315 = {("pip", "ml-job"), ("poetry", "ml-job"), ("pipenv", "ml-job")} | {
    ("conda", app["app_kind"]) for app in APPS
}


def python_offered(stack: dict[str, str], version: str) -> bool:
    return version != "3.15" or (stack["package_manager"], stack["app_kind"]) not in NO_PYTHON_315


# What Docker can build here: no Alpine or conda channel is reachable, so those are checked
# statically (rendered, parsed, linted, compose config) and never built.
BUILDABLE = [s for s in STACKS if s["base_image"] == "slim" and s["package_manager"] != "conda"]


def stack_id(answers: dict[str, str]) -> str:
    order = ("package_manager", "base_image", "app_kind", "database", "python_version")
    return "-".join(answers[k] for k in order if answers.get(k, "none") != "none")


@pytest.fixture(autouse=True)
def _plain_output(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "dumb")


Render = Callable[..., Path]


@pytest.fixture
def render(tmp_path: Path) -> Render:
    """render(name="app", **answers) -> the generated project's directory."""

    def _render(name: str = "app", **answers: Any) -> Path:
        dest = tmp_path / name
        generate.create(dest, {"project_name": name, **answers}, interactive=False)
        return dest

    return _render


def tool(name: str) -> str | None:
    """A command from PATH or from this interpreter's environment (an unactivated venv)."""
    return shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))


@functools.cache
def docker_compose_cli() -> str | None:
    """Why `docker compose` cannot run here, or None when it can (it needs no engine)."""
    if tool("docker") is None:
        return "no docker CLI on PATH"
    result = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
    return None if result.returncode == 0 else "the docker CLI has no compose plugin"


@functools.cache
def docker_engine() -> str | None:
    """Why no Docker engine answers here, or None when one does."""
    if reason := docker_compose_cli():
        return reason
    result = subprocess.run(["docker", "info"], capture_output=True, text=True, check=False)
    if result.returncode:
        return "no Docker engine answers `docker info` (CI starts one with docker-sandbox/up)"
    return None


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 900) -> str:
    """Run a command, fail the test with its output when it fails, return stdout."""
    result = subprocess.run(
        cmd,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode:
        pytest.fail(
            f"{' '.join(cmd)} exited {result.returncode}\n"
            f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}"
        )
    return result.stdout
