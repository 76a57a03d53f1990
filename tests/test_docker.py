"""Docker end to end: generated stacks build, boot, answer, and pass their own tests inside.

Every manager is built with each app kind; the Python versions are spread over the builds so
that 3.11, 3.13 and 3.14 (the versions the Docker stand-ins provide here) are all covered.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import poetry_index
import pytest

import repos
from conftest import Render, compose_for_watch, compose_watch, docker_engine, free_port, run
from dockwright.cli import main

pytestmark = pytest.mark.docker

PROD = ["-f", "compose.yaml", "-f", "compose.prod.yaml"]


@pytest.fixture(autouse=True)
def _needs_engine() -> None:
    if reason := docker_engine():
        pytest.skip(reason)


class Compose:
    """`docker compose` in a generated project, under a project name of its own."""

    def __init__(self, project: Path) -> None:
        self.project = project
        name = f"dwtest-{uuid.uuid4().hex[:8]}"
        self.env = {
            "COMPOSE_PROJECT_NAME": name,
            "IMAGE": name,  # the production image's name, removed again in down()
            "WEB_PORT": str(free_port()),
            "DEBUGPY_PORT": str(free_port()),
        }

    def __call__(self, *args: str, files: list[str] | None = None) -> str:
        return run(["docker", "compose", *(files or []), *args], self.project, self.env)

    def start(self, *args: str) -> subprocess.Popen[str]:
        """A compose command left running, beside others (communicate() to wait for it)."""
        return subprocess.Popen(
            ["docker", "compose", *args],
            cwd=self.project,
            env={**os.environ, **self.env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def down(self) -> None:
        """Containers, volumes and the images built here go; shared images (postgres) stay."""
        for files in ([], PROD):
            self(
                "down",
                "--volumes",
                "--remove-orphans",
                "--rmi",
                "local",
                "--timeout",
                "5",
                files=files,
            )
        subprocess.run(
            ["docker", "image", "rm", "--force", f"{self.env['IMAGE']}:latest"],
            capture_output=True,
            check=False,
        )

    def get(self, path: str) -> str:
        """The body of the app's 200 answer to GET path."""
        url = f"http://127.0.0.1:{self.env['WEB_PORT']}{path}"
        with urllib.request.urlopen(url, timeout=5) as response:
            assert response.status == 200
            return str(response.read().decode())

    def health(self, path: str = "/health") -> dict[str, str]:
        return dict(json.loads(self.get(path)))


def generated_project(render: Render, answers: dict[str, str]) -> Path:
    project = render("dwapp", **answers)
    if answers["package_manager"] == "poetry":
        poetry_index.use_simple_index_where_needed(project)  # see tools/poetry_index.py
    return project


@pytest.fixture
def compose(request: pytest.FixtureRequest, render: Render) -> Iterator[Compose]:
    answers = request.param
    stack = Compose(generated_project(render, answers))
    try:
        yield stack
    finally:
        stack.down()


def assert_hardened_runtime(stack: Compose, service: str) -> None:
    """Production: non-root, no compiler, no installer the build needed, no dev packages."""
    check = (
        'test "$(id -u):$(id -g)" = 10001:10001'
        " && ! command -v gcc && ! command -v cc"
        " && ! command -v uv && ! command -v poetry && ! command -v pipenv"
        " && test ! -e /opt/venv/bin/pip && test ! -e /opt/poetry && test ! -e /opt/pipenv"
        " && ! python -c 'import pytest' 2>/dev/null && echo hardened"
    )
    out = stack("run", "--rm", "--no-deps", "--entrypoint", "sh", service, "-c", check, files=PROD)
    assert out.strip().endswith("hardened")


def container_of(stack: Compose, service: str, files: list[str], exited: bool = False) -> str:
    every = ["--all"] if exited else []
    [container] = stack("ps", "--quiet", *every, service, files=files).split()
    return container


def assert_stops_within_a_second(stack: Compose, container: str) -> None:
    """SIGTERM stops the container at once: exec-form commands, and an init as PID 1."""
    start = time.perf_counter()
    run(["docker", "stop", "--time", "10", container], stack.project)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0, f"{container} took {elapsed:.2f} s to stop on SIGTERM"


def assert_migrated_then_used(stack: Compose, files: list[str], first: bool) -> None:
    """The migrate step exited 0 (web, which waits for it, is up); the database is at the
    migrations' head, reached on the first `up` only (a later one finds nothing to do); and
    web stores and lists rows of the example table."""
    migrate = container_of(stack, "migrate", files, exited=True)
    state = run(
        ["docker", "inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", migrate], stack.project
    )
    assert state.split() == ["exited", "0"]
    log = stack("logs", "--no-log-prefix", "migrate", files=files)
    assert ("Running upgrade  -> 0001" in log) == first, log
    head = stack(
        "exec", "-T", "db", "psql", "-Atc", "SELECT version_num FROM alembic_version", files=files
    )
    assert head.split() == ["0001"]
    url = f"http://127.0.0.1:{stack.env['WEB_PORT']}/items"
    name = f"row {uuid.uuid4().hex[:6]}"
    body = json.dumps({"name": name}).encode()
    post = urllib.request.Request(url, body, {"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(post, timeout=5) as response:
        assert response.status == 201
    assert name in [item["name"] for item in json.loads(stack.get("/items"))["items"]]


def assert_no_secret_in_images(stack: Compose, files: list[str]) -> None:
    """The database password reaches the running containers only as the secret's file: no
    image layer, ARG, ENV or history entry holds it, nor any container's configuration
    (`docker inspect`), and neither .env nor secrets/ is ever in an image."""
    password = (stack.project / "secrets" / "db_password.txt").read_text()
    assert len(password) >= 40
    for container in stack("ps", "--all", "--quiet", files=files).split():
        inspect = run(["docker", "container", "inspect", container], stack.project)
        assert password not in inspect
        assert "/run/secrets/db_password" in inspect
    for image in set(stack("images", "--quiet", files=files).split()):
        history = run(["docker", "history", "--no-trunc", image], stack.project)
        inspect = run(["docker", "image", "inspect", image], stack.project)
        assert password not in history
        assert password not in inspect
        if "postgres" not in inspect:
            check = [
                "docker",
                "run",
                "--rm",
                "--entrypoint",
                "sh",
                image,
                "-c",
                "test ! -e /app/.env && test ! -e .env && test ! -e secrets && echo absent",
            ]
            assert run(check, stack.project).strip() == "absent"


def assert_hardened_compose(stack: Compose, container: str) -> None:
    """Production runs the app read-only, without capabilities or privilege gains."""
    host = json.loads(run(["docker", "inspect", container], stack.project))[0]["HostConfig"]
    assert host["ReadonlyRootfs"] is True
    assert host["CapDrop"] == ["ALL"]
    assert "no-new-privileges:true" in host["SecurityOpt"]


def assert_uv_relocking_works(stack: Compose, service: str) -> None:
    """uv in the dev container: the shipped lock is current, and `uv add` updates it."""
    stack("run", "--rm", "--no-deps", service, "uv", "lock", "--check")
    stack("run", "--rm", "--no-deps", service, "uv", "add", "--no-sync", "--group", "prod", "six")
    assert '"six' in (stack.project / "pyproject.toml").read_text()
    assert '\nname = "six"\n' in (stack.project / "uv.lock").read_text()


def assert_poetry_relocking_works(stack: Compose, service: str) -> None:
    """poetry in the dev container: the lock is current, and `poetry add --lock` updates it."""
    stack("run", "--rm", "--no-deps", service, "poetry", "check", "--lock")
    stack("run", "--rm", "--no-deps", service, "poetry", "add", "--lock", "six")
    assert '"six' in (stack.project / "pyproject.toml").read_text()
    assert '\nname = "six"\n' in (stack.project / "poetry.lock").read_text()


def assert_pipenv_lock_is_current(stack: Compose, service: str) -> None:
    """pipenv in the dev container agrees that Pipfile.lock matches the Pipfile."""
    assert "up-to-date" in stack("run", "--rm", "--no-deps", service, "pipenv", "verify")


def assert_repinning_works(stack: Compose) -> None:
    """scripts/pin-requirements.sh in the dev container: keeps a fresh project's pins as they
    are, and pins a new dependency with its hashes (universal pins: the same on every Python)."""
    req = stack.project / "requirements"
    before = {path.name: path.read_text() for path in req.glob("*.txt")}
    repin = ["run", "--rm", "--no-deps", "web", "scripts/pin-requirements.sh"]

    stack(*repin)
    assert {path.name: path.read_text() for path in req.glob("*.txt")} == before

    with (req / "production.in").open("a") as handle:
        handle.write("six\n")
    stack(*repin)
    production = (req / "production.txt").read_text()
    assert "\nsix==" in production
    assert production.count("--hash=sha256:") > before["production.txt"].count("--hash=sha256:")
    assert (req / "base.txt").read_text() == before["base.txt"]


@pytest.mark.parametrize(
    "compose",
    [
        pytest.param(
            {"package_manager": "pip", "app_kind": "flask", "python_version": "3.14"},
            id="pip-flask-py3.14",
        ),
        pytest.param(
            {"package_manager": "pip", "app_kind": "flask", "database": "postgres"},
            id="pip-flask-postgres-py3.13",
        ),
        pytest.param(
            {
                "package_manager": "uv",
                "app_kind": "flask",
                "database": "postgres",
                "python_version": "3.11",
            },
            id="uv-flask-postgres-py3.11",
        ),
        pytest.param(
            {"package_manager": "poetry", "app_kind": "flask", "python_version": "3.11"},
            id="poetry-flask-py3.11",
        ),
        pytest.param(
            {
                "package_manager": "pipenv",
                "app_kind": "flask",
                "database": "postgres",
                "python_version": "3.14",
            },
            id="pipenv-flask-postgres-py3.14",
        ),
    ],
    indirect=True,
)
def test_flask_stack_boots_answers_and_passes_its_tests(compose: Compose) -> None:
    postgres = "image: postgres:" in (compose.project / "compose.yaml").read_text()
    expected = {"status": "ok", "database": "ok"} if postgres else {"status": "ok"}

    # Development: Dockerfile.dev, bind mount, Flask's reloading server.
    compose("up", "--build", "--wait", "--wait-timeout", "180")
    assert compose.health() == expected
    if postgres:
        assert_migrated_then_used(compose, [], first=True)
    tests = compose("exec", "-T", "web", "pytest", "-q", "-p", "no:cacheprovider")
    assert " passed" in tests
    assert "failed" not in tests
    # Flask's reloading server, under an init.
    assert_stops_within_a_second(compose, container_of(compose, "web", []))
    if (compose.project / "uv.lock").exists():
        assert_uv_relocking_works(compose, "web")  # production below builds the new lock
    elif (compose.project / "poetry.lock").exists():
        assert_poetry_relocking_works(compose, "web")  # production below builds the new lock
    elif (compose.project / "Pipfile").exists():
        assert_pipenv_lock_is_current(compose, "web")
    elif not postgres:
        assert_repinning_works(compose)
    compose("down", "--timeout", "5")

    # Production: the multi-stage Dockerfile, gunicorn, no bind mounts, read-only.
    compose("up", "--build", "--wait", "--wait-timeout", "180", files=PROD)
    assert compose.health() == expected
    assert "gunicorn" in compose("top", "web", files=PROD)
    assert_hardened_runtime(compose, "web")
    web = container_of(compose, "web", PROD)
    assert_hardened_compose(compose, web)
    if postgres:
        assert_migrated_then_used(compose, PROD, first=False)
        assert_hardened_compose(compose, container_of(compose, "migrate", PROD, exited=True))
        assert_no_secret_in_images(compose, PROD)
    assert_stops_within_a_second(compose, web)


@pytest.mark.parametrize(
    "compose",
    [
        pytest.param(
            {"package_manager": "pip", "app_kind": "ml-job", "python_version": "3.11"},
            id="pip-ml-job-py3.11",
        ),
        pytest.param(
            {"package_manager": "uv", "app_kind": "ml-job", "python_version": "3.14"},
            id="uv-ml-job-py3.14",
        ),
        pytest.param(
            {"package_manager": "poetry", "app_kind": "ml-job", "python_version": "3.14"},
            id="poetry-ml-job-py3.14",
        ),
        pytest.param(
            {"package_manager": "pipenv", "app_kind": "ml-job"},
            id="pipenv-ml-job-py3.13",
        ),
    ],
    indirect=True,
)
def test_ml_job_trains_predicts_and_passes_its_tests(compose: Compose) -> None:
    project = compose.project

    # Development: ./data and ./models are bind-mounted, and what the container writes there
    # belongs to the host user (DEV_UID/DEV_GID). Run as root, act as a user who is not.
    uid, gid = os.getuid(), os.getgid()
    if uid == 0:
        uid = gid = 4321
        compose.env.update(DEV_UID=str(uid), DEV_GID=str(gid))
        for path in [project, *project.rglob("*")]:
            os.chown(path, uid, gid)
    compose("build")
    assert "holdout accuracy" in compose("run", "--rm", "job", "train")
    model = project / "models" / "model.joblib"
    assert model.stat().st_size > 0
    assert (model.stat().st_uid, model.stat().st_gid) == (uid, gid)
    assert "15 predictions written" in compose("run", "--rm", "job", "predict")
    whole = (project / "data" / "predictions.csv").read_text().splitlines()
    assert len(whole) == 16
    # Three shards at once: disjoint files that together are the whole run.
    shards = [
        compose.start(
            "run", "--rm", "-e", f"SHARD_INDEX={i}", "-e", "SHARD_COUNT=3", "job", "predict"
        )
        for i in range(3)
    ]
    for index, process in enumerate(shards):
        out = process.communicate(timeout=120)[0]
        assert process.returncode == 0, out
        assert f"shard {index} of 3: 5 predictions written" in out
    parts = []
    for index in range(3):
        lines = (project / "data" / f"predictions-{index}-of-3.csv").read_text().splitlines()
        assert lines[0] == whole[0]
        parts += lines[1:]
    assert len(set(parts)) == len(parts) == 15
    assert sorted(parts, key=lambda line: int(line.split(",")[0])) == whole[1:]
    tests = compose("run", "--rm", "job", "pytest", "-q", "-p", "no:cacheprovider")
    assert " passed" in tests
    assert "failed" not in tests

    # Production: named volumes carry the model from `train` to `predict`.
    compose("build", files=PROD)
    assert "holdout accuracy" in compose("run", "--rm", "job", "train", files=PROD)
    assert "15 predictions written" in compose("run", "--rm", "job", "predict", files=PROD)
    listing = compose("run", "--rm", "job", "ls", "/app/models", files=PROD)
    assert "model.joblib" in listing.split()
    assert_hardened_runtime(compose, "job")
    # A long run stops at once on SIGTERM (the init passes it on; Python as PID 1 would not).
    sleeping = ["python", "-c", "import time; time.sleep(60)"]
    job = compose("run", "--detach", "job", *sleeping, files=PROD).split()[-1]
    assert_hardened_compose(compose, job)
    assert_stops_within_a_second(compose, job)
    run(["docker", "rm", "--force", job], project)


def eventually(check: Callable[[], bool], seconds: float) -> None:
    """Wait until check() is true, at most seconds; a failure to ask (the service between
    two containers, a command failing meanwhile) counts as not yet."""
    deadline = time.monotonic() + seconds
    last: object = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (OSError, AssertionError, ValueError, pytest.fail.Exception) as error:
            last = error
        time.sleep(1)
    pytest.fail(f"not within {seconds} s (last: {last!r})")


@pytest.mark.parametrize(
    "compose",
    [pytest.param({"package_manager": "uv", "app_kind": "flask"}, id="uv-flask")],
    indirect=True,
)
def test_compose_watch_reloads_an_edit_and_rebuilds_on_a_new_lock(compose: Compose) -> None:
    """`docker compose watch`, with a Compose that watches under a bind mount (conftest): a
    route edited on the host answers anew in the same container; a dependency added the
    README's way (the lock changes through the bind mount) rebuilds the image and replaces
    the container, which then imports it. Nothing is restarted by hand."""
    compose.env.update(compose_for_watch())  # for the commands beside the watch too
    with compose_watch(["docker", "compose", "watch"], compose.project, compose.env) as (_, log):
        eventually(lambda: "Watch enabled" in log.read_text(), 300)
        eventually(lambda: compose.health() == {"status": "ok"}, 60)
        first = container_of(compose, "web", [])
        views = compose.project / "dwapp" / "views.py"
        views.write_text(views.read_text().replace('"Hello from ', '"Edited, hello from '))
        eventually(lambda: "Edited, hello" in compose.get("/"), 30)
        assert container_of(compose, "web", []) == first  # reloaded in place

        compose("run", "--rm", "--no-deps", "web", "uv", "add", "--no-sync", "six")
        imports = ["exec", "-T", "web", "python", "-c", "import six; print('imported')"]
        eventually(
            lambda: container_of(compose, "web", []) != first and "imported" in compose(*imports),
            300,
        )
        eventually(lambda: "Edited, hello" in compose.get("/"), 60)  # the new one, serving
    out = log.read_text()
    assert "won't be monitored" not in out, out


STALE = {
    # manager: (the manifest, what adds a dependency to it, what the build says, the lock,
    #           what the build says when the lock is missing)
    "pip": (
        "requirements/production.txt",
        "six==1.16.0\n",
        "all requirements must have a hash",  # uv, installing the pins
        "requirements/production.txt",
        "cannot open",  # requirements/ is mounted whole; the heavy-package filter reads it first
    ),
    "poetry": (
        "pyproject.toml",
        '[tool.poetry.group.extra.dependencies]\nsix = "*"\n',
        "pyproject.toml changed significantly",
        "poetry.lock",
        "not found",  # the lock's bind mount
    ),
    "pipenv": (
        "Pipfile",
        'six = "*"\n',
        "Pipfile.lock is out-of-date",  # pipenv verify
        "Pipfile.lock",
        "not found",
    ),
    "uv": (
        "pyproject.toml",
        '[project.optional-dependencies]\nextra = ["six"]\n',
        "needs to be updated",
        "uv.lock",
        "not found",
    ),
}


@pytest.mark.parametrize("manager", STALE)
def test_a_stale_or_missing_lock_fails_the_build(render: Render, manager: str) -> None:
    project = generated_project(render, {"package_manager": manager})
    manifest, addition, message, lock, missing_message = STALE[manager]
    with (project / manifest).open("a") as handle:
        handle.write(addition)
    tag = f"dwtest-stale-{uuid.uuid4().hex[:8]}"
    build = ["docker", "build", "--progress", "plain", "-t", tag, "."]

    stale = subprocess.run(build, cwd=project, capture_output=True, text=True, check=False)
    assert stale.returncode != 0, f"{manager}: a stale lock built"
    said = " ".join(re.sub(r"(?m)^#\d+ [\d.]+ ", "", stale.stderr).split())
    assert message in said, stale.stderr[-3000:]

    (project / lock).unlink()
    missing = subprocess.run(build, cwd=project, capture_output=True, text=True, check=False)
    assert missing.returncode != 0, f"{manager}: a missing lock built"
    assert missing_message in missing.stderr, missing.stderr[-3000:]
    subprocess.run(["docker", "image", "rm", "-f", tag], capture_output=True, check=False)


# Projects dockwright did not make (tests/repos.py), one per buildable manager: adopted, they
# build, boot or run, and pass their own tests in the development image.
ADOPTED = {
    "pip-flask": "/health",
    "poetry-flask": "/health",
    "uv-flask": "/healthz",
    "uv-extras-flask": "/health",  # pytest from an extra, not a group
    "pipenv-job": None,
}


@pytest.mark.parametrize("name", ADOPTED)
def test_an_adopted_project_builds_runs_and_passes_its_tests(tmp_path: Path, name: str) -> None:
    repo = repos.make(name, tmp_path)
    if (repo / "poetry.lock").exists():
        poetry_index.use_simple_index_where_needed(repo)  # see tools/poetry_index.py
    assert main(["adopt", str(repo), "--yes"]) == 0
    service = "web" if ADOPTED[name] else "job"
    stack = Compose(repo)
    try:
        tests = stack("run", "--rm", "--no-deps", service, "pytest", "-q", "-p", "no:cacheprovider")
        assert " passed" in tests
        assert "failed" not in tests
        if health := ADOPTED[name]:
            stack("up", "--build", "--wait", "--wait-timeout", "180", files=PROD)
            assert stack.health(health) == {"status": "ok"}
            assert "gunicorn" in stack("top", "web", files=PROD)
        else:
            stack("build", files=PROD)
            assert "trained, accuracy" in stack("run", "--rm", "job", files=PROD)
        assert_hardened_runtime(stack, service)
    finally:
        stack.down()
