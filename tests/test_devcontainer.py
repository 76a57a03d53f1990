""".devcontainer/devcontainer.json, brought up by the Dev Container CLI (npm's
@devcontainers/cli, the engine VS Code and Codespaces use) on the local engine: the
development service of compose.yaml + compose.override.yaml starts, the project's tests pass
in it through `devcontainer exec`, and the Flask app answers its health route."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from conftest import Render, docker_engine, run
from test_docker import Compose

pytestmark = pytest.mark.docker

CLI_VERSION = "0.89.0"
STACKS = {
    "uv-flask-postgres": {"package_manager": "uv", "app_kind": "flask", "database": "postgres"},
    "pip-ml-job": {"package_manager": "pip", "app_kind": "ml-job"},
}


@pytest.fixture(scope="session")
def devcontainer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The devcontainer command, installed from npm into a folder of this run."""
    if reason := docker_engine():
        pytest.skip(reason)
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("no npm to install @devcontainers/cli with")
    prefix = tmp_path_factory.mktemp("devcontainer-cli")
    package = f"@devcontainers/cli@{CLI_VERSION}"
    run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(prefix), package], prefix)
    return prefix / "node_modules" / ".bin" / "devcontainer"


@pytest.mark.parametrize("stack", STACKS)
def test_the_dev_container_comes_up_and_runs_the_tests(
    render: Render, devcontainer: Path, stack: str
) -> None:
    name = f"dc{uuid.uuid4().hex[:8]}"  # the compose project the CLI names after the folder
    project = render(name, **STACKS[stack])
    compose = Compose(project)
    compose.env["COMPOSE_PROJECT_NAME"] = name
    env = compose.env
    config = json.loads((project / ".devcontainer" / "devcontainer.json").read_text())
    assert config["dockerComposeFile"] == ["../compose.yaml", "../compose.override.yaml"]
    try:
        out = run([str(devcontainer), "up", "--workspace-folder", str(project)], project, env)
        result = json.loads(out.strip().splitlines()[-1])
        assert result["outcome"] == "success", out
        assert result["remoteWorkspaceFolder"] == "/app"
        tests = run(
            [
                str(devcontainer),
                "exec",
                "--workspace-folder",
                str(project),
                "python",
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
            ],
            project,
            env,
        )
        assert " passed" in tests
        assert "failed" not in tests
        if STACKS[stack]["app_kind"] == "flask":  # the development server, started as usual
            for _ in range(60):
                try:
                    assert compose.health()["status"] == "ok"
                    break
                except OSError:
                    time.sleep(1)
            else:
                pytest.fail("/health never answered")
    finally:
        compose.down()
        images = subprocess.run(
            ["docker", "images", "-q", "--filter", f"reference=vsc-{name}-*"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split()
        if images:
            subprocess.run(
                ["docker", "image", "rm", "--force", *images], capture_output=True, check=False
            )
