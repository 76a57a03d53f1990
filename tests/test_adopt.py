"""`new-project adopt` on projects dockwright did not make (tests/repos.py): the guesses are
right, only the Docker layer is added, the project's own files stay byte for byte, and
`update` works afterwards. Building and booting them is in test_docker.py.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

import repos
from conftest import DEFAULT_PYTHON, Render, docker_compose_cli, run, tool
from dockwright.cli import main
from dockwright.detect import detect
from dockwright.errors import UsageError
from test_printed_commands import panel_commands

EXPECTED: dict[str, dict[str, str | bool]] = {
    "pip-flask": {
        "package_manager": "pip",
        "requirements_prod": "requirements.txt",
        "requirements_dev": "requirements-dev.txt",
        "require_hashes": False,
        "app_kind": "flask",
        "wsgi_app": "app:app",
        "health_path": "/health",
        "source_paths": "app.py",
        "python_path": "",
        "python_version": "3.13",
    },
    "poetry-flask": {
        "package_manager": "poetry",
        "app_kind": "flask",
        "wsgi_app": "webshop:create_app()",
        "source_paths": "src/",
        "python_path": "src",
        "python_version": "3.14",  # requires-python >=3.11: the default, which it allows
        "project_name": "poetry-flask",
    },
    "uv-flask": {
        "package_manager": "uv",
        "prod_group": "prod",
        "app_kind": "flask",
        "wsgi_app": "shop:app",
        "health_path": "/healthz",
        "source_paths": "shop/",
        "python_version": "3.11",
    },
    "pipenv-job": {
        "package_manager": "pipenv",
        "app_kind": "ml-job",
        "job_command": "python train.py",
        "source_paths": "train.py",
        "python_version": "3.13",
    },
    "conda-job": {
        "package_manager": "conda",
        "environment_files": "environment.yml",
        "app_kind": "ml-job",
        "job_command": "python -m forecast",
        "source_paths": "forecast/",
        "writable_paths": "forecast/models",  # Path(__file__).parent / "models"
        "python_version": "3.12",
    },
    "flask-tutorial": {
        "package_manager": "pip",
        "app_kind": "flask",
        "wsgi_app": "flaskr:create_app()",
        "writable_paths": "instance",
        "health_path": "/hello",  # / needs the database
        "source_paths": "flaskr/",
    },
    "uv-backend-job": {
        "package_manager": "uv",
        "prod_group": "",
        "app_kind": "ml-job",
        "job_command": "python -m scorer",
        "source_paths": "src/",
        "writable_paths": "src/scorer/models",
        "python_path": "src",
        "python_version": "3.13",  # requires-python >=3.11,<3.14
        "project_name": "scorer",
    },
}
DOCKER_LAYER = {
    ".copier-answers.yml",
    "README.Docker.md",
    ".dockerignore",
    ".env.example",
    "Dockerfile",
    "Dockerfile.dev",
    "compose.yaml",
    "compose.override.yaml",
    "compose.prod.yaml",
    ".devcontainer/devcontainer.json",
    "scripts/entrypoint.sh",
}


@pytest.mark.parametrize("name", EXPECTED)
def test_detection_guesses_manager_app_and_python(tmp_path: Path, name: str) -> None:
    repo = repos.make(name, tmp_path)
    guess = detect(repo)
    assert {k: guess.answers.get(k) for k in EXPECTED[name]} == EXPECTED[name]
    assert all(guess.reasons[k] for k in guess.answers)


@pytest.mark.parametrize("name", EXPECTED)
def test_adopt_adds_only_the_docker_layer(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = repos.make(name, tmp_path)
    before = repos.files(repo)

    assert main(["adopt", str(repo), "--yes"]) == 0

    after = repos.files(repo)
    assert {k: after[k] for k in before} == before, "a file of the project changed"
    added = set(after) - set(before) - {".env"}
    assert added >= DOCKER_LAYER
    assert all(
        f.startswith("scripts/") or f in DOCKER_LAYER or f.endswith(".gitkeep") for f in added
    ), added
    recorded = yaml.safe_load((repo / ".copier-answers.yml").read_text())
    assert recorded["adopted"] is True
    assert {k: recorded[k] for k in EXPECTED[name] if k in recorded} == {
        k: v for k, v in EXPECTED[name].items() if k in recorded
    }
    out = capsys.readouterr().out
    assert "Detected in" in out
    assert "Next steps" in out
    hadolint = tool("hadolint")
    assert hadolint, "hadolint is a test dependency"
    for dockerfile in ("Dockerfile", "Dockerfile.dev"):
        run([hadolint, "--no-color", dockerfile], repo)
    if docker_compose_cli() is None:
        run(
            [
                "docker",
                "compose",
                "-f",
                "compose.yaml",
                "-f",
                "compose.prod.yaml",
                "config",
                "--quiet",
            ],
            repo,
        )


def test_after_adopt_update_keeps_the_project(tmp_path: Path) -> None:
    repo = repos.make("pip-flask", tmp_path)
    assert main(["adopt", str(repo), "--yes"]) == 0
    repos.commit(repo)
    before = repos.files(repo)

    assert main(["update", str(repo)]) == 0
    assert repos.files(repo) == before

    assert main(["update", str(repo), "--data", "health_path=/"]) == 0
    assert 'http://127.0.0.1:8000/"' in (repo / "scripts" / "healthcheck.py").read_text()
    assert repos.files(repo)["app.py"] == before["app.py"]


def test_adopt_refuses_to_overwrite_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = repos.make("pip-flask", tmp_path)
    (repo / "Dockerfile").write_text("FROM python:3.13-slim\n")
    (repo / "compose.yaml").write_text("services: {}\n")
    before = repos.files(repo)

    assert main(["adopt", str(repo), "--yes"]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "would overwrite 2 existing file(s): Dockerfile, compose.yaml" in line
    assert "--force" in line
    assert repos.files(repo) == before

    assert main(["adopt", str(repo), "--yes", "--force"]) == 0
    assert "uv sync" not in (repo / "Dockerfile").read_text()
    assert (repo / "Dockerfile").read_text().startswith("# Production image for pip-flask")
    assert (repo / "app.py").read_bytes() == before["app.py"]


def test_adopt_takes_answers_over_the_guesses(tmp_path: Path) -> None:
    repo = repos.make("pip-flask", tmp_path)
    code = main(
        [
            "adopt",
            str(repo),
            "--yes",
            "--data",
            "python_version=3.11",
            "--data",
            "project_name=shop",
        ]
    )
    assert code == 0
    recorded = yaml.safe_load((repo / ".copier-answers.yml").read_text())
    assert (recorded["python_version"], recorded["project_name"]) == ("3.11", "shop")


def test_adopt_without_a_terminal_asks_for_yes(tmp_path: Path) -> None:
    repo = repos.make("pip-flask", tmp_path)
    result = subprocess.run(
        [tool("new-project") or "new-project", "adopt", str(repo)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "new-project: error: no terminal to confirm the answers on; pass --yes or "
        "--answers-file FILE"
    )
    assert not (repo / "Dockerfile").exists()


def test_an_interrupted_adopt_leaves_the_project_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = repos.make("pipenv-job", tmp_path)
    before = repos.files(repo)
    copies: list[Path] = []
    copy = shutil.copy2

    def interrupted(source: Path, target: Path) -> None:
        copies.append(target)
        if len(copies) == 10:  # models/.gitkeep: data/ and models/ were made
            Path(target).write_text("half")
            raise KeyboardInterrupt
        copy(source, target)

    monkeypatch.setattr(shutil, "copy2", interrupted)  # dockwright copies with it

    assert main(["adopt", str(repo), "--yes"]) == 130
    assert len(copies) == 10
    assert repos.files(repo) == before
    assert sorted(p.name for p in repo.iterdir()) == sorted(
        {p.split("/")[0] for p in before} | {".git"}
    )


@pytest.mark.parametrize(
    ("manager", "requires", "expected"),
    [
        ("uv", ">=3.11", "3.14"),  # the default, which it allows
        ("uv", ">=3.15", "3.15"),  # the newest it allows
        ("uv", "<3.13", "3.12"),
        ("pip", ">=3.15", "3.14"),  # 3.15 is refused for pip's ML job: the nearest offered
    ],
)
def test_python_from_requires_python_is_one_the_stack_offers(
    tmp_path: Path, manager: str, requires: str, expected: str
) -> None:
    """An ML job (train.py) whose pyproject.toml says requires-python; uv.lock or
    requirements.txt makes it a uv or a pip project."""
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "demo"\nversion = "1"\nrequires-python = "{requires}"\n'
    )
    (tmp_path / "train.py").write_text("print('training')\n")
    lock = {"uv": "uv.lock", "pip": "requirements.txt"}[manager]
    (tmp_path / lock).write_text("scikit-learn==1.7.2\n" if manager == "pip" else "version = 1\n")

    guess = detect(tmp_path)
    assert (guess.answers["package_manager"], guess.answers["app_kind"]) == (manager, "ml-job")
    assert guess.answers["python_version"] == expected


@pytest.mark.parametrize("repository", [True, False], ids=["in-git", "no-git"])
def test_the_next_steps_never_commit_env(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], repository: bool
) -> None:
    """A project whose .gitignore does not name .env (or that is no repository yet): the
    printed steps, run as printed, ignore .env before anything is added, and commit the
    Docker layer without it."""
    repo = tmp_path / "shop"
    repo.mkdir()
    repos.pip_flask(repo)
    (repo / ".gitignore").write_text("__pycache__/\n")
    if repository:
        repos.commit(repo)

    assert main(["adopt", str(repo), "--yes", "--data", "database=postgres"]) == 0

    steps = panel_commands(capsys.readouterr().out)
    commit = next(i for i, step in enumerate(steps) if step.startswith("git add"))
    assert steps.index("printf '%s\\n' .env /secrets/ >> .gitignore") < commit
    assert ("git init" in steps[:commit]) == (not repository)
    identity = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    subprocess.run(
        ["bash", "-ec", "\n".join(steps[: commit + 1])],
        cwd=tmp_path,
        env={**os.environ, **identity},
        check=True,
        capture_output=True,
    )
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.split()
    assert "Dockerfile" in tracked
    assert ".env" not in tracked
    assert "POSTGRES_USER=" in (repo / ".env").read_text()
    assert "secrets/db_password.txt" not in tracked
    assert (repo / "secrets" / "db_password.txt").is_file()


def test_the_next_steps_add_nothing_to_a_gitignore_that_has_env(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = repos.make("pip-flask", tmp_path)  # its .gitignore names .env
    assert main(["adopt", str(repo), "--yes"]) == 0
    steps = panel_commands(capsys.readouterr().out)
    assert not any(".gitignore" in step or step == "git init" for step in steps)


def test_a_wsgi_module_is_the_production_entry(tmp_path: Path) -> None:
    """wsgi.py picks the production configuration; the bare factory would run the default."""
    repos.write(
        tmp_path,
        {
            "shop/__init__.py": """
            from flask import Flask


            def create_app(config="development"):
                app = Flask(__name__)
                app.config["ENV_NAME"] = config
                return app
        """,
            "wsgi.py": 'from shop import create_app\n\napp = create_app("production")\n',
            "requirements.txt": "flask==3.1.2\ngunicorn==23.0.0\n",
        },
    )
    guess = detect(tmp_path)
    assert guess.answers["wsgi_app"] == "wsgi:app"
    assert "wsgi.py" in guess.reasons["wsgi_app"]


ASGI = {
    "FastAPI": "from fastapi import FastAPI\n\napp = FastAPI()\n",
    "Starlette": "from starlette.applications import Starlette\n\napi = Starlette(routes=[])\n",
    "Quart": "from quart import Quart\n\napp = Quart(__name__)\n",
}


@pytest.mark.parametrize("framework", ASGI)
def test_an_asgi_app_is_refused_by_name_not_run_as_a_job(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], framework: str
) -> None:
    repo = tmp_path / "api"
    repos.write(repo, {"main.py": ASGI[framework], "requirements.txt": "uvicorn==0.38.0\n"})
    repos.commit(repo)
    before = repos.files(repo)

    assert main(["adopt", str(repo), "--yes"]) == 2

    [line] = capsys.readouterr().err.splitlines()
    assert f"main.py is a {framework} app (ASGI)" in line
    assert "not supported yet" in line
    assert "--data" not in line  # nothing to say that would work
    assert repos.files(repo) == before


def test_a_django_project_is_refused_plainly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "site"
    repos.write(
        repo,
        {
            "manage.py": "import django\n",
            "mysite/__init__.py": "",
            "mysite/wsgi.py": "application = None\n",
            "requirements.txt": "Django==5.2.8\n",
        },
    )
    assert main(["adopt", str(repo), "--yes"]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "a Django project" in line
    assert "not supported yet" in line
    assert not (repo / "Dockerfile").exists()


def test_given_answers_settle_what_detection_cannot_see(tmp_path: Path) -> None:
    """An app detect does not recognise (`application = flask.Flask(...)`): the refusal
    names the answers to give, and giving them adopts the project."""
    repo = tmp_path / "svc"
    repos.write(
        repo,
        {
            "server.py": "import flask\n\napplication = flask.Flask(__name__)\n",
            "requirements.txt": "flask==3.1.2\ngunicorn==23.0.0\n",
        },
    )
    with pytest.raises(UsageError) as refused:
        detect(repo)
    assert "--data app_kind=flask --data wsgi_app=MODULE:APP" in str(refused.value)

    given = ["--data", "app_kind=flask", "--data", "wsgi_app=server:application"]
    assert main(["adopt", str(repo), "--yes", *given]) == 0
    recorded = yaml.safe_load((repo / ".copier-answers.yml").read_text())
    assert (recorded["app_kind"], recorded["wsgi_app"]) == ("flask", "server:application")


CONDA_YAML = """
    name: wine
    channels: [conda-forge]
    dependencies:
      - python=3.12
      - scikit-learn>=1.7
"""


def test_a_conda_yaml_is_an_environment_file(tmp_path: Path) -> None:
    """MLflow's examples name the environment conda.yaml."""
    repos.write(tmp_path, {"conda.yaml": CONDA_YAML, "train.py": repos.TRAIN})
    guess = detect(tmp_path)
    assert guess.answers["package_manager"] == "conda"
    assert guess.answers["environment_files"] == "conda.yaml"
    assert guess.answers["python_version"] == "3.12"


def test_the_manager_given_wins_when_its_files_are_there(tmp_path: Path) -> None:
    repos.write(
        tmp_path,
        {"conda.yaml": CONDA_YAML, "requirements.txt": "scikit-learn\n", "train.py": repos.TRAIN},
    )
    assert detect(tmp_path).answers["package_manager"] == "conda"  # the environment first
    chosen = detect(tmp_path, {"package_manager": "pip"}).answers
    assert (chosen["package_manager"], chosen["requirements_prod"]) == ("pip", "requirements.txt")
    with pytest.raises(UsageError, match=r"package_manager=poetry, but its files are not found"):
        detect(tmp_path, {"package_manager": "poetry"})


@pytest.mark.parametrize(
    ("code", "python_path", "expected"),
    [
        ('handler = RotatingFileHandler("logs/app.log")\n', "", "logs"),
        ('logging.basicConfig(filename="var/log.txt")\n', "", "var"),
        ("app = Flask(__name__, instance_relative_config=True)\n", "src", "src/instance"),
        ('URI = "sqlite:///shop.db"  # Flask-SQLAlchemy: in the instance folder\n', "", "instance"),
        ('URI = "sqlite:////var/lib/shop.db"\n', "", ""),  # absolute: the user's own volume
    ],
)
def test_the_folders_an_app_writes_are_found(
    tmp_path: Path, code: str, python_path: str, expected: str
) -> None:
    package = tmp_path / python_path / "shop"
    repos.write(
        package,
        {"__init__.py": "from flask import Flask\n\napp = Flask(__name__)\n", "config.py": code},
    )
    (tmp_path / "requirements.txt").write_text("flask\n")
    guess = detect(tmp_path)
    assert guess.answers["writable_paths"] == expected
    assert guess.reasons["writable_paths"]


def test_what_the_app_writes_is_a_volume_in_production(tmp_path: Path) -> None:
    repo = repos.make("flask-tutorial", tmp_path)
    assert main(["adopt", str(repo), "--yes"]) == 0
    dockerfile = (repo / "Dockerfile").read_text()
    assert "RUN mkdir -p /app/instance && chown app:app /app/instance\n" in dockerfile
    assert dockerfile.index("chown app:app /app/instance") < dockerfile.index("USER 10001")
    prod = yaml.safe_load((repo / "compose.prod.yaml").read_text())
    assert prod["services"]["web"]["read_only"] is True
    assert prod["services"]["web"]["volumes"] == ["app-instance:/app/instance"]
    assert "app-instance" in prod["volumes"]


@pytest.fixture
def index(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[str]]]:
    """A package index (PEP 691's JSON pages) on localhost: pages[name] lists the files."""
    pages: dict[str, list[str]] = {}

    class Pages(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            files = pages.get(self.path.strip("/").rsplit("/", 1)[-1])
            if files is None:
                self.send_error(404)
                return
            body = json.dumps({"files": [{"filename": f} for f in files]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.pypi.simple.v1+json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("DOCKWRIGHT_INDEX_URL", f"http://127.0.0.1:{server.server_port}/simple")
    try:
        yield pages
    finally:
        server.shutdown()
        server.server_close()


def wheels(
    name: str, version: str, tags: list[str], plat: str = "manylinux2014_x86_64"
) -> list[str]:
    return [f"{name}-{version}-{tag}-{plat}.whl" for tag in tags]


@pytest.mark.parametrize(
    ("files", "expected", "because"),
    [
        # Compiled wheels up to 3.11 (psycopg2-binary 2.9.5): newer Pythons build the sdist.
        (wheels("psycopg2_binary", "2.9.5", ["cp310-cp310", "cp311-cp311"]), "3.11", "2.9.5"),
        # A stable-ABI wheel serves every later version.
        (wheels("psycopg2_binary", "2.9.5", ["cp312-abi3"]), "3.14", "every pin has wheels"),
        # Wheels for 3.14 on macOS only: Linux has up to 3.13.
        (
            wheels("psycopg2_binary", "2.9.5", ["cp313-cp313"])
            + wheels("psycopg2_binary", "2.9.5", ["cp314-cp314"], "macosx_11_0_arm64"),
            "3.13",
            "2.9.5",
        ),
    ],
)
def test_an_undeclared_python_is_one_the_pins_have_wheels_for(
    tmp_path: Path, index: dict[str, list[str]], files: list[str], expected: str, because: str
) -> None:
    index["psycopg2-binary"] = [*files, "psycopg2-binary-2.9.5.tar.gz"]
    index["flask"] = ["flask-2.0.3-py3-none-any.whl"]
    repos.write(
        tmp_path,
        {
            "app.py": "from flask import Flask\n\napp = Flask(__name__)\n",
            "requirements.txt": "flask==2.0.3\npsycopg2-binary==2.9.5\n",
        },
    )
    guess = detect(tmp_path)
    assert guess.answers["python_version"] == expected
    assert because in guess.reasons["python_version"]
    assert "--data python_version=" in guess.reasons["python_version"]


def test_an_index_that_does_not_answer_leaves_the_default_and_says_so(
    tmp_path: Path, index: dict[str, list[str]]
) -> None:
    repos.write(
        tmp_path,
        {"train.py": "print('training')\n", "requirements.txt": "not-on-the-index==1.0\n"},
    )
    guess = detect(tmp_path)
    assert guess.answers["python_version"] == DEFAULT_PYTHON
    assert "could not read 1 pinned package(s)" in " ".join(guess.warnings)


def test_waiting_for_the_database_needs_no_driver_the_project_lacks(rendered: Render) -> None:
    """wait_for_db.py in a project with neither psycopg nor psycopg2 (an adopted one may
    have either, or none): it waits for the server's port, and names it when it never opens."""
    if any(importlib.util.find_spec(driver) for driver in ("psycopg", "psycopg2")):
        pytest.skip("this interpreter has a PostgreSQL driver: the path without one cannot run")
    script = rendered(database="postgres") / "scripts" / "wait_for_db.py"

    def wait(url: str, seconds: int) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-I", str(script)],
            env={"DATABASE_URL": url, "DB_WAIT_TIMEOUT": str(seconds)},
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        url = f"postgresql://u:p@127.0.0.1:{server.getsockname()[1]}/db"
        waited = wait(url, 5)
    assert (waited.returncode, waited.stderr) == (0, "")
    refused = wait(url, 1)  # the port is closed now
    assert refused.returncode == 1
    assert refused.stderr.startswith("database not reachable: ")


def test_what_the_code_reads_at_run_time_goes_into_the_image(tmp_path: Path) -> None:
    """A committed model, a data file beside the script and Flask-Migrate's migrations/ are
    copied by the production Dockerfile; setup files the code names are not."""
    repos.write(
        tmp_path,
        {
            "train.py": """
            from pathlib import Path

            HERE = Path(__file__).parent
            MODEL = HERE / "artifacts" / "pipe.pkl"
            ROWS = open("iris.csv").read()
            NOTES = open("README.md").read()
            DEPS = open("requirements.txt").read()
        """,
            "artifacts/pipe.pkl": "model",
            "iris.csv": "1,2\n",
            "README.md": "# ml\n",
            "requirements.txt": "scikit-learn\n",
            "migrations/env.py": "",
            "migrations/versions/001_first.py": "",
        },
    )
    guess = detect(tmp_path)
    assert guess.answers["source_paths"] == "train.py migrations/ artifacts/ iris.csv"
    assert "read at run time" in guess.reasons["source_paths"]

    assert main(["adopt", str(tmp_path), "--yes"]) == 0
    dockerfile = (tmp_path / "Dockerfile").read_text()
    for path in ("artifacts/", "iris.csv", "migrations/"):
        assert f"COPY --link {path} {path}\n" in dockerfile


# How each shape's lock is made stale (the manifest edited after locking, a constraint the
# locked version still meets), or missing.
LOCK_EDITS = {
    "poetry-flask": ("pyproject.toml", '"flask>=', '"flask>=2.0,>=', "poetry.lock"),
    "uv-flask": ("pyproject.toml", '"flask>=', '"flask>=2.0,>=', "uv.lock"),
    "pipenv-job": ("Pipfile", 'scikit-learn = "', 'scikit-learn = ">=1.0,', "Pipfile.lock"),
}


@pytest.mark.parametrize("state", ["fresh", "stale", "missing"])
@pytest.mark.parametrize("name", LOCK_EDITS)
def test_a_lock_the_build_would_refuse_is_made_first_in_a_container(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, state: str
) -> None:
    """A stale lock (check's DW109, which agrees with the managers: test_check.py) or a
    missing one: the next steps run scripts/lock-<manager>.sh, which needs no manager on
    this machine, before the commit, so the new lock is committed with the Docker layer."""
    repo = tmp_path / name
    repo.mkdir()
    repos.REPOS[name](repo)
    manifest, old, new, lock = LOCK_EDITS[name]
    text = (repo / manifest).read_text()
    assert old in text
    if state == "stale":
        (repo / manifest).write_text(text.replace(old, new, 1))
    if state == "missing":
        (repo / lock).unlink()
    repos.commit(repo)

    assert main(["adopt", str(repo), "--yes"]) == 0

    out = capsys.readouterr().out
    steps = panel_commands(out)
    manager = name.split("-")[0]
    script = f"scripts/lock-{manager}.sh"
    relock = [step for step in steps if step.startswith("scripts/")]
    assert relock == ([] if state == "fresh" else [script])
    if relock:
        assert steps.index(script) == next(i for i, s in enumerate(steps) if "git add" in s) - 1
        said = " ".join(out.split())
        assert (f"{lock} was made from another" if state == "stale" else f"no {lock} yet") in said
    text = (repo / script).read_text()
    assert os.access(repo / script, os.X_OK)
    assert f"python:{detect(repo).answers['python_version']}-slim" in text
    shellcheck = tool("shellcheck")
    assert shellcheck, "shellcheck is a test dependency"
    run([shellcheck, "--severity=style", script], repo)
    assert f"scripts/lock-{manager}.sh" in (repo / "README.Docker.md").read_text()


def test_without_tests_neither_the_steps_nor_the_readme_offer_pytest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """pytest exits 5 when it collects nothing: a project without tests is not told to run
    it. A test module at the top level counts, as pytest collects it too."""
    repo = repos.make("uv-backend-job", tmp_path)  # no tests
    guess = detect(repo)
    assert guess.answers["has_tests"] is False
    assert main(["adopt", str(repo), "--yes"]) == 0
    assert not [s for s in panel_commands(capsys.readouterr().out) if "-m pytest" in s]
    assert "pytest" not in (repo / "README.Docker.md").read_text()

    other = tmp_path / "other"
    other.mkdir()
    repos.uv_with_backend(other)
    (other / "check_test.py").write_text("def test_one():\n    pass\n")
    guess = detect(other)
    assert (guess.answers["has_tests"], guess.reasons["has_tests"]) == (True, "check_test.py")
    assert detect(repos.make("pipenv-job", tmp_path)).reasons["has_tests"] == "tests/test_train.py"
