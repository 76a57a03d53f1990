"""Every command a generated project prints, run as its user would run it: the next-steps
panel of `new-project`, then every command of README.Docker.md (its table of daily commands
and its code blocks), in the order the README gives them, from the state that order leaves
(services up from `up` to `down`; the re-lock commands with the services down, as the README
says nothing of starting them). Each must exit 0 within 60 s (300 s for a command that
builds an image or locks in one), and do what its text says: a re-lock adds the package to
the lock, and production then builds with it on the oldest and the newest Python offered.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import threading
import time
import urllib.request
from pathlib import Path

import poetry_index
import pytest
import yaml

import dap
import repos
from conftest import BUILDABLE, compose_watch, docker_engine, python_offered, stack_id, tool
from dockwright.check.project import Project
from dockwright.check.rules import dw109
from dockwright.cli import main
from test_docker import PROD, Compose

pytestmark = pytest.mark.docker

PACKAGE = "six"  # what the README's PACKAGE placeholder becomes
SECOND_PACKAGE = "tabulate"  # added after the README's steps, to show what a rebuild reuses
QUICK, BUILDING = 60, 300
GIT = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}


@pytest.fixture(autouse=True)
def _needs_engine() -> None:
    if reason := docker_engine():
        pytest.skip(reason)


def readme_commands(text: str) -> list[str]:
    """The commands of the daily-commands table (its command column's first code span) and
    of the bash code blocks (a trailing `# comment` dropped), in order."""
    commands: list[str] = []
    in_block = in_table = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_block = line.strip() == "```bash"
            continue
        if in_block:
            if command := re.sub(r"\s+#.*$", "", line).strip():
                commands.append(command)
            continue
        if line.startswith("| what | command |"):
            in_table = True
        elif in_table and line.startswith("|"):
            cell = line.strip("|").rsplit("|", 1)[-1].strip()
            if span := re.match(r"`([^`]+)`", cell):
                commands.append(span.group(1))
            elif url := re.match(r"http://localhost:8000\S*", cell):
                commands.append(f"open {url.group(0)}")  # the user opens it in a browser
        else:
            in_table = False
    return commands


def panel_commands(output: str) -> list[str]:
    """The lines of the next-steps panel, comments dropped."""
    panel = output.split("Next steps", 1)[1]
    lines = [line.strip(" │╭╮╰╯─") for line in panel.splitlines()]
    return [re.sub(r"\s+#.*$", "", line) for line in lines if line and not line.startswith("#")]


class User:
    """Runs commands in the project as its user would, under a compose name of its own."""

    def __init__(self, project: Path) -> None:
        self.project = project
        self.compose = Compose(project)  # its compose name, image name and free ports
        self.env = {**os.environ, **GIT, **self.compose.env}
        self.ran: list[str] = []

    def run(self, command: str, stdin: str | None = None, cwd: Path | None = None) -> str:
        if command.startswith("open http://localhost:8000"):
            status, body = self.get(command.removeprefix("open http://localhost:8000") or "/")
            assert status == 200, body
            self.ran.append(command)
            return body
        # Building an image, or starting one to lock in (scripts/lock-*.sh), takes longer.
        limit = BUILDING if re.search(r"\bbuild\b|--build|scripts/lock-", command) else QUICK
        command = command.replace("PACKAGE", PACKAGE)
        start = time.monotonic()
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=cwd or self.project,
            env=self.env,
            input=stdin or "",
            capture_output=True,
            text=True,
            timeout=limit,
            check=False,
        )
        took = time.monotonic() - start
        assert result.returncode == 0, (
            f"`{command}` exited {result.returncode} after {took:.0f} s\n"
            f"--- stdout\n{result.stdout[-3000:]}\n--- stderr\n{result.stderr[-3000:]}"
        )
        self.ran.append(command)
        return result.stdout + result.stderr

    def get(self, path: str) -> tuple[int, str]:
        url = f"http://127.0.0.1:{self.env['WEB_PORT']}{path}"
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()

    def clean(self) -> None:
        """The containers, volumes and images of both compose files, and the tagged builds."""
        self.compose.down()
        images = subprocess.run(
            ["docker", "image", "ls", "--quiet", "--filter", "reference=dwapp:py*"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split()
        subprocess.run(["docker", "image", "rm", "-f", *images], capture_output=True, check=False)


def run_documented(user: User, command: str, service: str, database_user: str) -> str:
    """A README command, run as its user would: a shell gets a command and `exit` on its
    input, psql a query (answered as the database's user, not the host's); tests pass;
    `docker compose watch` runs until the app answers, then gets Ctrl-C."""
    if command == "docker compose watch":
        return watch_then_stop(user, command)
    stdin = None
    if re.search(rf" {service} (bash|sh)$", command):
        stdin = "echo in-the-container\nexit\n"
    elif command.endswith(" db psql"):
        stdin = "SELECT current_user;\n"
    out = user.run(command, stdin=stdin)
    if stdin and "psql" not in command:
        assert "in-the-container" in out
    elif stdin:
        assert "1 row" in out
        assert f" {database_user}\n" in out
    if command.endswith("pytest"):
        assert " passed" in out
        assert "failed" not in out
    return out


def watch_then_stop(user: User, command: str) -> str:
    """The watch runs until stopped: once it says it watches, the app answers its health
    route, and Ctrl-C (SIGINT) ends the watch within a minute, without an error. With a
    Compose that watches paths under a bind mount, as the README asks
    (conftest.compose_for_watch)."""
    answers = yaml.safe_load((user.project / ".copier-answers.yml").read_text())
    health = answers.get("health_path", "/health")  # an adopted app's own route
    watching = healthy = False
    with compose_watch(["bash", "-c", command], user.project, user.env) as (process, log):
        # Its own `up` first (a build, perhaps new containers), then "Watch enabled".
        deadline = time.monotonic() + BUILDING
        while not healthy and time.monotonic() < deadline and process.poll() is None:
            watching = watching or "Watch enabled" in log.read_text()
            with contextlib.suppress(OSError):
                healthy = watching and user.get(health)[0] == 200
            time.sleep(0.5)
    out = log.read_text()
    assert healthy, f"`{command}` never watched and answered {health}\n{out[-3000:]}"
    assert "won't be monitored" not in out, out[-3000:]
    user.ran.append(command)
    return out


def breakpoint_stops_a_request(user: User) -> None:
    """DEBUGPY=1: an editor attached to debugpy sets a breakpoint in the index view; a request
    stops there until the editor continues it, then answers."""
    views = user.project / "dwapp" / "views.py"
    line = next(n for n, text in enumerate(views.read_text().splitlines(), 1) if "Hello" in text)
    client = dap.Client("127.0.0.1", int(user.env["DEBUGPY_PORT"]))
    try:
        client.wait(
            "response",
            "initialize",
            client.send(
                "initialize",
                adapterID="debugpy",
                clientID="test",
                pathFormat="path",
                linesStartAt1=True,
                columnsStartAt1=True,
            ),
        )
        attach = client.send("attach", justMyCode=True)
        client.wait("event", "initialized")
        set_bp = client.send(
            "setBreakpoints", source={"path": "/app/dwapp/views.py"}, breakpoints=[{"line": line}]
        )
        assert client.wait("response", "setBreakpoints", set_bp)["body"]["breakpoints"][0][
            "verified"
        ]
        client.wait("response", "configurationDone", client.send("configurationDone"))
        client.wait("response", "attach", attach)

        answer: dict[str, tuple[int, str]] = {}
        request = threading.Thread(target=lambda: answer.update(got=user.get("/")))
        request.start()
        stopped = client.wait("event", "stopped")
        assert stopped["body"]["reason"] == "breakpoint"
        time.sleep(1)
        assert "got" not in answer, "the request answered while stopped at the breakpoint"
        client.send("continue", threadId=stopped["body"]["threadId"])
        request.join(30)
        status, body = answer["got"]
        assert status == 200
        assert "Hello from dwapp" in body
        client.send("disconnect", terminateDebuggee=False)
    finally:
        client.close()


def newest_python(stack: dict[str, str]) -> str:
    return "3.15" if python_offered(stack, "3.15") else "3.14"


def check_effect(user: User, command: str, stack: dict[str, str], before: dict[str, str]) -> None:
    """What the command says it does, checked after it ran."""
    project = user.project
    locks = {"uv": "uv.lock", "poetry": "poetry.lock", "pipenv": "Pipfile.lock"}
    lock = project / locks.get(stack["package_manager"], "requirements/production.txt")
    if re.search(r"((uv|poetry) add|lock-pipenv\.sh upgrade) .*six$", command):
        entry = f'"{PACKAGE}": {{' if lock.name == "Pipfile.lock" else f'name = "{PACKAGE}"'
        assert entry in lock.read_text(), f"{command}: {PACKAGE} not in {lock}"
    if "up --build --wait" in command and stack["app_kind"] == "flask":
        status, body = user.get("/health")
        assert status == 200
        assert '"ok"' in body
        if command.startswith("DEBUGPY=1"):
            breakpoint_stops_a_request(user)
    if command.endswith("pin-requirements.sh"):
        for path in sorted((project / "requirements").glob("*.txt")):
            assert path.read_text() == before[path.name], f"{path.name} changed on a re-pin"
        # The README's next step for a new dependency: put it in an .in file, re-pin.
        with (project / "requirements" / "production.in").open("a") as handle:
            handle.write(f"{PACKAGE}\n")
    versions = project / "dwapp" / "migrations" / "versions"
    if "alembic revision --autogenerate" in command:
        # The first migration ships; the README's command wrote a second, named by date.
        assert len(list(versions.glob("2*.py"))) == 1, sorted(versions.iterdir())
    if command == "docker compose run --rm migrate":
        [made] = versions.glob("2*.py")
        revision = re.search(r"^revision: str = '(\w+)'$", made.read_text(), re.M)
        assert revision, made.read_text()
        applied = user.run('docker compose exec -T db psql -Atc "TABLE alembic_version"')
        assert applied.split() == [revision.group(1)]
    if command.endswith("pin-requirements.sh --upgrade"):
        assert f"\n{PACKAGE}==" in lock.read_text(), f"{PACKAGE} not pinned in {lock}"


@pytest.mark.parametrize("stack", BUILDABLE, ids=stack_id)
def test_every_printed_command_runs(tmp_path: Path, stack: dict[str, str]) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text("".join(f"{key}: {value}\n" for key, value in stack.items()))
    new_project = tool("new-project")
    assert new_project, "new-project is not installed"
    created = subprocess.run(
        [new_project, "dwapp", "--answers-file", str(answers)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    project = tmp_path / "dwapp"
    if stack["package_manager"] == "poetry":
        poetry_index.use_simple_index_where_needed(project)  # see tools/poetry_index.py
    user = User(project)
    flask = stack["app_kind"] == "flask"
    service = "web" if flask else "job"
    try:
        # The next-steps panel, from a fresh project.
        steps = panel_commands(created.stdout)
        assert steps[0] == "cd dwapp"
        user.run(steps[0], cwd=tmp_path)
        for command in steps[1:]:
            out = user.run(command)
            if command.endswith("pytest"):
                assert " passed" in out
                assert "failed" not in out
        if flask:
            user.run("docker compose down")
        # The README, in order.
        readme = (project / "README.Docker.md").read_text()
        commands = readme_commands(readme)
        assert any(c.startswith("docker build --build-arg PYTHON_VERSION=") for c in commands)
        for command in commands:
            before = {p.name: p.read_text() for p in (project / "requirements").glob("*.txt")}
            run_documented(user, command, service, database_user="dwapp")
            check_effect(user, command, stack, before)
        # The re-lock holds on every Python offered: production builds on the newest too
        # (the README's own command built the oldest), and both run.
        newest = newest_python(stack)
        build = next(c for c in commands if c.startswith("docker build --build-arg"))
        user.run(build.replace("3.11", newest))
        for version in ("3.11", newest):
            image = f"dwapp:py{version}"
            imports = user.run(
                f"docker run --rm --entrypoint python {image}"
                f" -c 'import {PACKAGE}, sys; print(sys.version)'"
            )
            assert imports.startswith(version), imports
            if not flask:
                assert "holdout accuracy" in user.run(f"docker run --rm {image} train")
        unrun = [c for c in commands + steps if c.replace("PACKAGE", PACKAGE) not in user.ran]
        assert not unrun, unrun
        if not flask:
            add_a_dependency_and_rebuild_the_small_layer_only(user, commands, stack)
    finally:
        user.clean()


def add_a_dependency_and_rebuild_the_small_layer_only(
    user: User, commands: list[str], stack: dict[str, str]
) -> None:
    """One more package, added the README's way: production rebuilds without touching the
    layer of the heavy packages (numpy, scipy, scikit-learn: 250 MB of the job's image), and
    the package imports. Told by the image's layers, not by the build's log: the engine's
    cache may already hold the new layers, built from the same files by an earlier run."""
    image = f"{user.env['IMAGE']}:latest"
    before = layers(image)
    if stack["package_manager"] == "pip":
        with (user.project / "requirements" / "production.in").open("a") as handle:
            handle.write(f"{SECOND_PACKAGE}\n")
        add = next(c for c in commands if c.endswith("pin-requirements.sh"))
    else:
        adds = r"(add --lock|add --no-sync|upgrade) PACKAGE$"
        add = next(c for c in commands if re.search(adds, c))
    user.run(add.replace("PACKAGE", SECOND_PACKAGE))
    user.run(next(c for c in commands if c.endswith("compose.prod.yaml build")))
    after = layers(image)
    [heavy] = [n for n, (step, _) in enumerate(after) if "heavy.txt" in step]
    assert before[: heavy + 1] == after[: heavy + 1], "the heavy packages' layer was rebuilt"
    assert before[heavy + 1 :] != after[heavy + 1 :], "nothing was rebuilt"
    prod = " ".join(PROD)
    user.run(f"docker compose {prod} run --rm --entrypoint python job -c 'import {SECOND_PACKAGE}'")


def layers(image: str) -> list[tuple[str, str]]:
    """The image's layers, oldest first: the step that made each, and its digest (from the
    image's config, which `docker save` carries: the daemon's API does not pair the two)."""
    small: dict[str, bytes] = {}
    with (
        subprocess.Popen(["docker", "save", image], stdout=subprocess.PIPE) as save,
        tarfile.open(fileobj=save.stdout, mode="r|") as archive,
    ):
        for member in archive:
            if member.isfile() and member.size < 1_000_000:
                small[member.name] = archive.extractfile(member).read()  # type: ignore[union-attr]
    assert save.returncode == 0
    [manifest] = json.loads(small["manifest.json"])
    config = json.loads(small[manifest["Config"]])
    steps = [h.get("created_by", "") for h in config["history"] if not h.get("empty_layer")]
    digests = config["rootfs"]["diff_ids"]
    assert len(steps) == len(digests), (steps, digests)
    return list(zip(steps, digests, strict=True))


def test_an_adopted_flask_tutorial_runs_from_what_adopt_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A project shaped like Flask's tutorial (tests/repos.py: Flask 2.0, an instance folder
    holding its SQLite database, `/` needing it, no .env in .gitignore): the next steps adopt
    printed, run in order, from git to development, its tests and production. The
    development server starts on a Flask without `--app`, the instance folder is writable in
    production's read-only container, .env is never committed, and the project's own files
    stay byte for byte. Its Python is inferred from its pins' wheels, read from the index:
    the default (3.14) would not run this Werkzeug."""
    repo = repos.make("flask-tutorial", tmp_path)
    before = repos.files(repo)
    monkeypatch.delenv("DOCKWRIGHT_INDEX_URL")  # the real index: the pins' wheels pick 3.11
    assert main(["adopt", str(repo), "--yes"]) == 0
    out = capsys.readouterr().out
    assert "wheels for psycopg2-binary==2.9.5 go up to it" in out
    steps = panel_commands(out)
    user = User(repo)
    user.env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{user.env['PATH']}"
    assert [s for s in steps if "compose" in s] == [
        "docker compose up --build --wait",
        "docker compose exec web python -m pytest",
        "docker compose down",
        "docker compose -f compose.yaml -f compose.prod.yaml up --build --wait",
    ]
    try:
        for step in steps:
            out = user.run(step)
            if step == "docker compose up --build --wait":  # development
                assert user.get("/hello") == (200, "Hello, World!")  # the health check's route
                assert user.get("/") == (200, "1 visit(s)")
            if step.endswith("pytest"):
                assert "1 passed" in out
            if step.endswith("up --build --wait") and "prod" in step:
                # Its own volume, written by the app user under a read-only root.
                assert user.get("/") == (200, "1 visit(s)")
                assert user.get("/") == (200, "2 visit(s)")
        assert "prod" in user.ran[-2]  # production was the last to start, before the update
        user.run("docker compose -f compose.yaml -f compose.prod.yaml down")
        for command in readme_commands((repo / "README.Docker.md").read_text()):
            run_documented(user, command, "web", database_user="")
        assert not [c for c in steps if c not in user.ran]
    finally:
        user.clean()
    after = repos.files(repo, skip=(".gitignore",))
    assert {name: after[name] for name in before if name != ".gitignore"} == {
        name: content for name, content in before.items() if name != ".gitignore"
    }
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.split()
    assert "Dockerfile" in tracked
    assert ".env" not in tracked


@pytest.mark.parametrize("name", ["pipenv-job", "uv-backend-job"])
def test_an_adopted_job_runs_from_what_adopt_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """An ML script whose Pipfile was edited after its Pipfile.lock was made (so the build's
    `pipenv install --deploy` refuses the lock), and a uv package with no lock yet
    (tests/repos.py): adopt's next steps, run in order, make the lock in a container (no
    pipenv or uv here), train in development, pass the project's tests and train in
    production; the model the job writes is ignored by git, so the last step,
    `new-project update`, finds the work tree clean."""
    repo = repos.make(name, tmp_path)
    if name == "pipenv-job":
        pipfile = repo / "Pipfile"
        pipfile.write_text(
            pipfile.read_text().replace('scikit-learn = "', 'scikit-learn = ">=1.0,')
        )
        repos.commit(repo, "a constraint, not locked")
        assert stale_locks(repo)
    kept = repos.files(repo, skip=(".gitignore", "Pipfile.lock"))  # the lock is made
    assert main(["adopt", str(repo), "--yes"]) == 0
    steps = panel_commands(capsys.readouterr().out)
    assert "'/models/*' '!/models/.gitkeep'" in next(s for s in steps if ".gitignore" in s)
    tests = (repo / "tests").is_dir()
    assert [s for s in steps if "compose" in s] == [
        "docker compose run --build --rm job",
        *["docker compose run --rm job python -m pytest"] * tests,
        "docker compose -f compose.yaml -f compose.prod.yaml run --build --rm job",
    ]
    locking = [f"scripts/lock-{name.split('-')[0]}.sh"]
    assert [s for s in steps if s.startswith("scripts/")] == locking
    user = User(repo)
    # docker, git, the shell's tools and new-project on the PATH; not the venv's uv or pipenv.
    tools = {Path(shutil.which(p) or p).parent for p in ("docker", "git", "sh", "id", "printf")}
    user.env["PATH"] = os.pathsep.join(str(d) for d in sorted(tools))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "new-project").symlink_to(Path(sys.executable).with_name("new-project"))
    user.env["PATH"] += f"{os.pathsep}{bin_dir}"
    try:
        for step in steps:
            out = user.run(step)
            if step.endswith("--rm job"):
                assert "trained, accuracy" in out
            if step.endswith("pytest"):
                assert "1 passed" in out
        assert (repo / ("uv.lock" if name.startswith("uv") else "Pipfile.lock")).is_file()
        assert not stale_locks(repo)
        documented = readme_commands((repo / "README.Docker.md").read_text())
        # No tests: pytest would say so and exit 5, so neither the steps nor the README offer it.
        assert any(c.endswith("pytest") for c in documented) == tests
        for command in documented:
            out = run_documented(user, command, "job", database_user="")
            if command.endswith("--rm job"):
                assert "trained, accuracy" in out
    finally:
        user.clean()
    after = repos.files(repo)
    assert {name: after[name] for name in kept} == kept


def test_an_adopted_poetry_app_with_a_stale_lock_runs_from_what_adopt_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A poetry app (tests/repos.py poetry_flask) whose pyproject.toml was edited after its
    poetry.lock was made, so the build's `poetry install` would refuse the lock: the steps
    adopt printed refresh it with scripts/lock-poetry.sh (no poetry on this machine), and
    the app then runs in development, passes its tests and starts in production; then every
    command of its README.Docker.md runs, the lock script among them."""
    repo = repos.make("poetry-flask", tmp_path)
    pyproject = repo / "pyproject.toml"
    edited = pyproject.read_text().replace('"flask>=', '"flask>=2.0,>=', 1)
    if not poetry_index.pypi_json_api_answers():  # see tools/poetry_index.py
        edited += poetry_index.SOURCE
    pyproject.write_text(edited)
    repos.commit(repo, "a constraint, not locked")
    assert stale_locks(repo)
    kept = repos.files(repo, skip=(".gitignore", "poetry.lock"))  # the lock is re-made
    assert main(["adopt", str(repo), "--yes"]) == 0
    steps = panel_commands(capsys.readouterr().out)
    assert "scripts/lock-poetry.sh" in steps
    user = User(repo)
    tools = {Path(shutil.which(p) or p).parent for p in ("docker", "git", "sh", "id", "printf")}
    user.env["PATH"] = os.pathsep.join(str(d) for d in sorted(tools))
    try:
        for step in steps[:-1]:  # the last, `new-project update`, is run by the tests above
            out = user.run(step)
            if step == "scripts/lock-poetry.sh":
                assert not stale_locks(repo)
            if step.endswith("pytest"):
                assert "1 passed" in out
            if step.endswith("up --build --wait"):
                status, body = user.get("/health")
                assert (status, json.loads(body)) == (200, {"status": "ok"})
        user.run("docker compose -f compose.yaml -f compose.prod.yaml down")
        documented = readme_commands((repo / "README.Docker.md").read_text())
        assert "scripts/lock-poetry.sh" in documented  # its Dependencies section
        for command in documented:
            run_documented(user, command, "web", database_user="")
        assert not stale_locks(repo)
    finally:
        user.clean()
    after = repos.files(repo)
    assert {name: after[name] for name in kept} == kept


def stale_locks(project: Path) -> list[str]:
    """What check's DW109 says of the project's locks."""
    return [hit.detail for hit in dw109.stale_lock(Project(project))]


def test_an_adopted_psycopg2_app_with_postgres_runs_from_what_adopt_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Flask app on psycopg2 (tests/repos.py flask_psycopg2), adopted with PostgreSQL: the
    wait for the database uses the project's driver (psycopg 3 is not there), production
    runs wsgi.py's production configuration and writes its log into logs/, a volume."""
    repo = repos.make("flask-psycopg2", tmp_path)
    before = repos.files(repo)
    assert main(["adopt", str(repo), "--yes", "--data", "database=postgres"]) == 0
    out = capsys.readouterr().out
    steps = panel_commands(out)
    assert " /logs/ " in next(s for s in steps if ".gitignore" in s)
    user = User(repo)
    user.env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{user.env['PATH']}"
    try:
        for step in steps:
            out = user.run(step)
            if step.endswith("pytest"):
                assert "1 passed" in out
            if step.startswith("docker compose") and " up " in step:  # dev and prod: wsgi.py
                status, body = user.get("/health")
                assert status == 200
                assert json.loads(body) == {"status": "ok", "config": "production", "db": 1}
            if "prod" in step:
                logged = user.run(
                    f"docker compose {' '.join(PROD)} exec web cat /app/logs/shop.log"
                )
                assert "health checked" in logged
        user.run(f"docker compose {' '.join(PROD)} down")
        for command in readme_commands((repo / "README.Docker.md").read_text()):
            run_documented(user, command, "web", database_user="flask_psycopg2")
    finally:
        user.clean()
    after = repos.files(repo)
    assert {k: after[k] for k in before if k != ".gitignore"} == {
        k: v for k, v in before.items() if k != ".gitignore"
    }
