"""Existing Python projects, as people lay them out, that dockwright did not make: the
fixtures `new-project adopt` is tested on. Their dependency files that need a real lock
(poetry.lock, Pipfile.lock, uv.lock) are taken from a generated project of the same manager,
so they build here; the code, the layout and the other files are the project's own.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from textwrap import dedent

from dockwright import generate


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text).lstrip())


def commit(root: Path, message: str = "our project") -> None:
    """Everything under root committed (the repository made first, when there is none)."""
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", message]):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
            cwd=root,
            check=True,
            capture_output=True,
        )


def manager_files(root: Path, names: list[str], **answers: str) -> None:
    """The manager's dependency files of a generated project with these answers."""
    donor = root.parent / f".donor-{root.name}"
    generate.create(donor, {"project_name": root.name, **answers}, interactive=False)
    for name in names:
        shutil.copy2(donor / name, root / name)
    shutil.rmtree(donor)


def files(root: Path, *, skip: tuple[str, ...] = ()) -> dict[str, bytes]:
    """Every file of the work tree by its path (git's own files and the names in skip left
    out), with its content: compare two of them to see what changed."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts and p.name not in skip
    }


# tests/conftest.py of a Flask project: `app` is the app object, or the factory's call.
FLASK_CONFTEST = """
    import pytest

    from {module} import {name}


    @pytest.fixture
    def client():
        return {app}.test_client()
"""
FLASK_TEST = """
    def test_health(client):
        assert client.get("{path}").status_code == 200
"""


def pip_flask(root: Path) -> None:
    """Flask app object in app.py, requirements.txt + requirements-dev.txt, no hashes."""
    write(
        root,
        {
            "app.py": """
            from flask import Flask

            app = Flask(__name__)


            @app.get("/health")
            def health():
                return {"status": "ok"}
        """,
            "requirements.txt": "flask==3.1.2\ngunicorn==23.0.0\n",
            "requirements-dev.txt": "-r requirements.txt\npytest==8.4.2\n",
            ".python-version": "3.13.2\n",
            "tests/conftest.py": FLASK_CONFTEST.format(module="app", name="app", app="app"),
            "tests/test_app.py": FLASK_TEST.format(path="/health"),
            ".gitignore": "__pycache__/\n.env\n",
            "conftest.py": "",
        },
    )


def poetry_flask(root: Path) -> None:
    """A poetry project with a src layout and an application factory."""
    manager_files(
        root, ["pyproject.toml", "poetry.lock"], package_manager="poetry", python_version="3.11"
    )
    write(
        root,
        {
            "src/webshop/__init__.py": """
            from flask import Flask


            def create_app():
                app = Flask(__name__)

                @app.get("/health")
                def health():
                    return {"status": "ok"}

                return app
        """,
            "tests/conftest.py": FLASK_CONFTEST.format(
                module="webshop", name="create_app", app="create_app()"
            ),
            "tests/test_app.py": FLASK_TEST.format(path="/health"),
            "conftest.py": "",
        },
    )


def uv_flask(root: Path) -> None:
    """A uv project: a package whose app object answers /healthz; .python-version."""
    manager_files(root, ["pyproject.toml", "uv.lock"], package_manager="uv")
    write(
        root,
        {
            "shop/__init__.py": """
            from flask import Flask

            app = Flask(__name__)


            @app.get("/healthz")
            def healthz():
                return {"status": "ok"}
        """,
            ".python-version": "3.11\n",
            "tests/conftest.py": FLASK_CONFTEST.format(module="shop", name="app", app="app"),
            "tests/test_app.py": FLASK_TEST.format(path="/healthz"),
            "conftest.py": "",
        },
    )


TRAIN = '''
    """Train a classifier on the iris data and save it to models/."""

    from pathlib import Path

    import joblib
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    MODELS = Path(__file__).resolve().parent / "models"


    def train():
        features, labels = load_iris(return_X_y=True)
        model = LogisticRegression(max_iter=500).fit(features, labels)
        MODELS.mkdir(exist_ok=True)
        joblib.dump(model, MODELS / "model.joblib")
        return model.score(features, labels)


    if __name__ == "__main__":
        print(f"trained, accuracy {train():.2f}")
'''


def pipenv_job(root: Path) -> None:
    """An ML script, train.py, with a Pipfile; runtime.txt names the Python."""
    manager_files(root, ["Pipfile", "Pipfile.lock"], package_manager="pipenv", app_kind="ml-job")
    write(
        root,
        {
            "train.py": TRAIN,
            "runtime.txt": "python-3.13.1\n",
            "tests/test_train.py": """
            import train


            def test_train_fits():
                assert train.train() > 0.9
        """,
            "conftest.py": "",
        },
    )


def conda_job(root: Path) -> None:
    """An ML package run with python -m, environment.yml naming its Python."""
    write(
        root,
        {
            "environment.yml": """
            name: forecast
            channels: [conda-forge, nodefaults]
            dependencies:
              - python=3.12
              - scikit-learn>=1.7
        """,
            "forecast/__init__.py": "",
            "forecast/__main__.py": TRAIN,
        },
    )


def uv_with_backend(root: Path) -> None:
    """pyproject.toml with a build backend and no lock yet; a script job."""
    write(
        root,
        {
            "pyproject.toml": """
            [project]
            name = "Scorer"
            version = "0.1.0"
            requires-python = ">=3.11,<3.14"
            dependencies = ["scikit-learn>=1.7"]

            [build-system]
            requires = ["hatchling"]
            build-backend = "hatchling.build"
        """,
            "src/scorer/__init__.py": "",
            "src/scorer/__main__.py": TRAIN,
        },
    )


def flask_tutorial(root: Path) -> None:
    """Shaped like Flask's own tutorial (flaskr): an application factory with
    instance_relative_config whose SQLite database lives in the instance folder (made at
    start), `/` reading it and `/hello` not; Flask 2.0, which has no `flask --app` (and whose
    Werkzeug needs Python < 3.12); no declared Python version, but a pin whose wheels stop at
    3.11; no .gitignore entry for .env."""
    write(
        root,
        {
            "flaskr/__init__.py": """
            import os
            import sqlite3

            from flask import Flask


            def create_app(test_config=None):
                app = Flask(__name__, instance_relative_config=True)
                app.config.from_mapping(
                    DATABASE=os.path.join(app.instance_path, "flaskr.sqlite")
                )
                if test_config is not None:
                    app.config.update(test_config)
                os.makedirs(app.instance_path, exist_ok=True)
                with sqlite3.connect(app.config["DATABASE"]) as db:
                    db.execute("CREATE TABLE IF NOT EXISTS visit (at TEXT)")

                @app.route("/hello")
                def hello():
                    return "Hello, World!"

                @app.route("/")
                def index():
                    with sqlite3.connect(app.config["DATABASE"]) as db:
                        db.execute("INSERT INTO visit VALUES (datetime('now'))")
                        count = db.execute("SELECT count(*) FROM visit").fetchone()[0]
                    return f"{count} visit(s)"

                return app
        """,
            "requirements.txt": (
                "flask==2.0.3\nwerkzeug==2.0.3\njinja2==3.0.3\nitsdangerous==2.0.1\n"
                "click==8.0.4\nmarkupsafe==3.0.2\ngunicorn==23.0.0\npytest==8.4.2\n"
                # Unused by the app, as old pins often are: its wheels end at CPython 3.11.
                "psycopg2-binary==2.9.5\n"
            ),
            "tests/test_flaskr.py": """
            from flaskr import create_app


            def test_visits_are_counted(tmp_path):
                app = create_app({"DATABASE": str(tmp_path / "test.sqlite")})
                client = app.test_client()
                assert client.get("/").data == b"1 visit(s)"
                assert client.get("/").data == b"2 visit(s)"
        """,
            ".gitignore": "__pycache__/\ninstance/\n",
        },
    )


def flask_psycopg2(root: Path) -> None:
    """A Flask app on PostgreSQL through psycopg2 (not psycopg 3), with a wsgi.py that picks
    the production configuration and a log file in logs/; its .gitignore names neither
    .env nor logs/."""
    write(
        root,
        {
            "shop/__init__.py": """
            import logging
            import os
            from logging.handlers import RotatingFileHandler

            import psycopg2
            from flask import Flask


            def create_app(config="development"):
                app = Flask(__name__)
                app.config["NAME"] = config
                if config == "production":
                    os.makedirs("logs", exist_ok=True)
                    handler = RotatingFileHandler("logs/shop.log", maxBytes=100_000)
                    handler.setLevel(logging.INFO)
                    app.logger.addHandler(handler)
                    app.logger.setLevel(logging.INFO)

                @app.get("/health")
                def health():
                    with psycopg2.connect(os.environ["DATABASE_URL"]) as db:
                        with db.cursor() as cursor:
                            cursor.execute("SELECT 1")
                            (one,) = cursor.fetchone()
                    app.logger.info("health checked")
                    return {"status": "ok", "config": app.config["NAME"], "db": one}

                return app
        """,
            "wsgi.py": 'from shop import create_app\n\napp = create_app("production")\n',
            "requirements.txt": (
                "flask==3.1.2\ngunicorn==23.0.0\npsycopg2-binary==2.9.11\npytest==8.4.2\n"
            ),
            "tests/test_shop.py": """
            from shop import create_app


            def test_the_factory_takes_a_configuration():
                assert create_app("testing").config["NAME"] == "testing"
        """,
            ".gitignore": "__pycache__/\n",
        },
    )


def uv_extras_flask(root: Path) -> None:
    """A uv project whose test dependencies are an extra ([project.optional-dependencies]
    test), not a dependency group: the development image needs them for the tests."""
    write(
        root,
        {
            "pyproject.toml": """
            [project]
            name = "notes"
            version = "0.1.0"
            requires-python = ">=3.11"
            dependencies = ["flask==3.1.2", "gunicorn==23.0.0"]

            [project.optional-dependencies]
            test = ["pytest==8.4.2"]
        """,
            "notes/__init__.py": """
            from flask import Flask

            app = Flask(__name__)


            @app.get("/health")
            def health():
                return {"status": "ok"}
        """,
            "tests/conftest.py": FLASK_CONFTEST.format(module="notes", name="app", app="app"),
            "tests/test_app.py": FLASK_TEST.format(path="/health"),
            ".python-version": "3.13\n",
            "conftest.py": "",
        },
    )
    uv = Path(sys.executable).with_name("uv")
    subprocess.run(
        [str(uv) if uv.exists() else "uv", "lock", "--quiet"],
        cwd=root,
        check=True,
        capture_output=True,
    )


REPOS: dict[str, Callable[[Path], None]] = {
    "pip-flask": pip_flask,
    "poetry-flask": poetry_flask,
    "uv-flask": uv_flask,
    "pipenv-job": pipenv_job,
    "conda-job": conda_job,
    "uv-backend-job": uv_with_backend,
    "flask-tutorial": flask_tutorial,
    "uv-extras-flask": uv_extras_flask,
    "flask-psycopg2": flask_psycopg2,
}


def make(name: str, parent: Path) -> Path:
    root = parent / name
    root.mkdir()
    REPOS[name](root)
    commit(root)
    return root
