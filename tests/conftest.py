"""Shared helpers: the supported matrix, rendering into tmp_path, and what tools answer here."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import lzma
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dockwright import generate, stacks, versions

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))  # tools/ holds scripts, not a package

# Every combination this release generates: manager x base x app kind x database (x Python),
# as the template's tables say (dockwright.stacks reads template/includes/stacks.jinja).
MANAGERS = list(stacks.managers())
BASES = {manager: list(stacks.bases(manager)) for manager in MANAGERS}
_COPIER_YML = versions.template_spec()
# The database question is asked for the Flask app only.
APPS = [
    {"app_kind": kind, **({"database": database} if kind == "flask" else {})}
    for kind in _COPIER_YML["app_kind"]["choices"].values()
    for database in (_COPIER_YML["database"]["choices"].values() if kind == "flask" else [""])
]
STACKS = [
    {"package_manager": manager, "base_image": base, **app}
    for manager in MANAGERS
    for base in BASES[manager]
    for app in APPS
    if not stacks.refusal({"package_manager": manager, "base_image": base, **app})
]
PYTHON_VERSIONS = list(stacks.python_versions())
DEFAULT_PYTHON = stacks.default_python()


def python_offered(stack: dict[str, str], version: str) -> bool:
    return not stacks.refusal({**stack, "python_version": version})


# What Docker can build here: no Alpine or conda channel is reachable, so those are checked
# statically (rendered, parsed, linted, compose config) and never built.
BUILDABLE = [s for s in STACKS if s["base_image"] == "slim" and s["package_manager"] != "conda"]


def stack_id(answers: dict[str, str]) -> str:
    order = ("package_manager", "base_image", "app_kind", "database", "python_version")
    return "-".join(answers[k] for k in order if answers.get(k, "none") != "none")


@pytest.fixture(autouse=True)
def _one_docker_test_at_a_time(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """The Docker tests run one after another even when pytest-xdist runs the suite on
    every core: they share the engine, its build cache, the two cores and, for the generated
    workflow, port 8000. A lock file in the directory all workers' temporary folders share.
    (xdist's `--dist loadgroup` would keep them on one worker, but with pytest 9 it does
    not group them.)"""
    if request.node.get_closest_marker("docker") is None:
        yield
        return
    lock = tmp_path_factory.getbasetemp().parent / "dockwright-docker.lock"
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        if docker_engine() is None:
            postgres_as_official()
        yield


# The official postgres image reads POSTGRES_PASSWORD_FILE (and _USER, _DB) into the variable
# before it starts; the generated compose files rely on it. And it sets LANG to a UTF-8 locale,
# so its databases are UTF8 (SQLAlchemy cannot read a SQL_ASCII server's answers). docker-sandbox's
# stand-in does neither, so the Docker tests give it both, in layers on top of it under its own tag.
_FILE_ENV = """#!/usr/bin/env bash
set -euo pipefail
for name in POSTGRES_PASSWORD POSTGRES_USER POSTGRES_DB; do
  file="${name}_FILE"
  if [[ -n ${!file:-} ]]; then
    export "$name=$(< "${!file}")"
    unset "$file"
  fi
done
exec bash /usr/local/bin/docker-entrypoint.sh "$@"
"""


@functools.cache
def postgres_as_official() -> None:
    """Each stand-in postgres image here without the official `*_FILE` convention, or without
    a UTF-8 locale, gets it."""
    for tag in ("postgres:17", "postgres:18"):
        config = subprocess.run(
            ["docker", "image", "inspect", "--format", "{{json .Config}}", tag],
            capture_output=True,
            text=True,
            check=False,
        )
        if config.returncode:
            continue  # not here: a test that needs it fails on the missing image
        if not any(v.startswith("LANG=") for v in json.loads(config.stdout)["Env"] or []):
            with tempfile.TemporaryDirectory() as scratch:
                (Path(scratch) / "Dockerfile").write_text(f"FROM {tag}\nENV LANG=C.UTF-8\n")
                run(["docker", "build", "--quiet", "--tag", tag, "."], Path(scratch))
        if "dockwright.test.file-env" in config.stdout:
            continue  # done before
        entrypoint = subprocess.run(
            [
                "docker",
                "run",
                "--rm",
                "--entrypoint",
                "cat",
                tag,
                "/usr/local/bin/docker-entrypoint.sh",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if "_FILE" in entrypoint.stdout:
            continue  # the official image
        with tempfile.TemporaryDirectory() as scratch:
            context = Path(scratch)
            (context / "file-env.sh").write_text(_FILE_ENV)
            (context / "Dockerfile").write_text(
                f"FROM {tag}\n"
                "COPY file-env.sh /usr/local/bin/file-env.sh\n"
                "LABEL dockwright.test.file-env=1\n"
                'ENTRYPOINT ["bash", "/usr/local/bin/file-env.sh"]\n'
                'CMD ["postgres"]\n'
            )
            run(["docker", "build", "--quiet", "--tag", tag, "."], context)


@pytest.fixture(autouse=True)
def _plain_output(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "dumb")
    # adopt reads pinned packages' wheels from the package index only in the tests that
    # serve one (test_adopt.py) or mean the real one (the Docker tests say so).
    monkeypatch.setenv("DOCKWRIGHT_INDEX_URL", "")


Render = Callable[..., Path]


@pytest.fixture
def render(tmp_path: Path) -> Render:
    """render(name="app", **answers) -> a project of this test's own, to change at will."""

    def _render(name: str = "app", **answers: Any) -> Path:
        dest = tmp_path / name
        generate.create(dest, {"project_name": name, **answers}, interactive=False)
        return dest

    return _render


# The answers a stack is known by, with copier.yml's defaults, so that `rendered(**stack)`
# and `rendered(package_manager="uv")` name the same project when they mean the same one.
_STACK_DEFAULTS = {
    key: str(_COPIER_YML[key]["default"])
    for key in ("package_manager", "base_image", "app_kind", "python_version")
}


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Render:
    """rendered(name="app", **answers) -> a project rendered once per test run (per worker)
    and shared by every test that asks for the same answers: read it, never change it."""
    projects: dict[tuple[str, ...], Path] = {}

    def _rendered(name: str = "app", **answers: Any) -> Path:
        full = {**_STACK_DEFAULTS, **answers}
        if full["app_kind"] == "flask":
            full.setdefault("database", "none")
        key = (name, *(f"{k}={v}" for k, v in sorted(full.items())))
        if key not in projects:
            dest = tmp_path_factory.mktemp("rendered") / name
            generate.create(dest, {"project_name": name, **answers}, interactive=False)
            projects[key] = dest
        return projects[key]

    return _rendered


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


# `docker compose watch` rebuilds on a watched path under a bind mount from Compose 2.30 on;
# older ones skip such a path with a warning. docker-sandbox installs Compose 2.26 and buildx
# 0.13; a newer Compose builds through buildx 0.17 or later (bake).
WATCH_COMPOSE = (2, 30)
WATCH_PLUGINS = ("docker-compose", "docker-buildx")
DEBIAN = "http://deb.debian.org/debian"


def compose_version(env: dict[str, str] | None = None) -> tuple[int, ...]:
    out = subprocess.run(
        ["docker", "compose", "version", "--short"],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return tuple(int(part) for part in re.findall(r"\d+", out)[:3])


@functools.cache
def compose_for_watch() -> dict[str, str]:
    """The environment that gives `docker compose` a Compose that watches under a bind mount:
    none when this machine's does, else DOCKER_CONFIG at the CLI plugins of Debian's newest
    docker-compose and docker-buildx packages (unstable), each checked against the archive's
    SHA-256, unpacked once into ~/.cache/dockwright-tests."""
    if compose_version() >= WATCH_COMPOSE:
        return {}
    cache = Path.home() / ".cache" / "dockwright-tests"
    for config in sorted(cache.glob("watch-*"), reverse=True):
        if all((config / "cli-plugins" / name).exists() for name in WATCH_PLUGINS):
            return {"DOCKER_CONFIG": str(config)}
    with urllib.request.urlopen(f"{DEBIAN}/dists/sid/main/binary-amd64/Packages.xz") as index:
        packages = lzma.decompress(index.read()).decode()
    found = {}
    for name in WATCH_PLUGINS:
        stanza = re.search(rf"(?ms)^Package: {name}\n.*?(?=^$)", packages)
        assert stanza, f"Debian unstable has no {name} package"
        found[name] = dict(re.findall(r"(?m)^(\w+): (.*)$", stanza.group(0)))
    config = cache / "-".join(["watch", *(f"{n}_{f['Version']}" for n, f in found.items())])
    (config / "cli-plugins").mkdir(parents=True, exist_ok=True)
    for name, fields in found.items():
        with urllib.request.urlopen(f"{DEBIAN}/{fields['Filename']}") as response:
            deb = response.read()
        assert hashlib.sha256(deb).hexdigest() == fields["SHA256"], fields["Filename"]
        with tempfile.TemporaryDirectory() as scratch:
            (Path(scratch) / "package.deb").write_bytes(deb)
            run(["dpkg-deb", "-x", "package.deb", "root"], Path(scratch))
            plugin = Path(scratch) / "root" / "usr" / "libexec" / "docker" / "cli-plugins" / name
            shutil.copy2(plugin, config / "cli-plugins" / name)
    env = {"DOCKER_CONFIG": str(config)}
    assert compose_version(env) >= WATCH_COMPOSE, compose_version(env)
    return env


@contextlib.contextmanager
def compose_watch(
    command: list[str], cwd: Path, env: dict[str, str]
) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """`docker compose watch` (or a shell line running it) in a session of its own, with a
    Compose that watches under a bind mount: the process, and the file its output goes to (a
    pipe nobody reads would fill and stall it). At the end, Ctrl-C (SIGINT), which must end
    it within a minute, with exit 0, 130 or the signal itself; else it is killed and the
    test fails."""
    log = cwd.parent / "watch.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env={**os.environ, **env, **compose_for_watch()},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process, log
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            pytest.fail(f"{command} went on for 60 s after Ctrl-C\n{log.read_text()[-3000:]}")
    ended = process.returncode in (0, 128 + signal.SIGINT, -signal.SIGINT)
    assert ended, f"{command} exited {process.returncode}\n{log.read_text()[-3000:]}"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
