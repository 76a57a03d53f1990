"""DW123 and DW124: what a production container runs when it starts (its ENTRYPOINT and CMD,
the scripts they run, compose's command and entrypoint) installs no packages, and does not
migrate the database when the service runs as several replicas."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockwright.check import Finding, check
from repos import write

ENTRYPOINT_IMAGE = """
    FROM python:3.13-slim
    WORKDIR /app
    COPY requirements.txt ./
    RUN pip install --no-cache-dir -r requirements.txt
    COPY scripts/ scripts/
    COPY app.py ./
    USER 10001
    ENTRYPOINT ["/app/scripts/entrypoint.sh"]
    CMD ["gunicorn", "app:app"]
"""


def found(root: Path, code: str) -> list[Finding]:
    return [f for f in check(root) if f.rule == code]


def entrypoint(body: str) -> str:
    return "#!/bin/sh\nset -e\n" + body + '\nexec "$@"\n'


@pytest.mark.parametrize(
    ("files", "fires"),
    [
        ({"scripts/entrypoint.sh": entrypoint("pip install -r requirements.txt")}, True),
        ({"scripts/entrypoint.sh": entrypoint("uv sync --frozen")}, True),
        ({"scripts/entrypoint.sh": entrypoint("poetry install --no-root")}, True),
        ({"scripts/entrypoint.sh": entrypoint("python -m pip install -e .")}, True),
        (
            {"scripts/entrypoint.sh": entrypoint("uv pip install --system -r requirements.txt")},
            True,
        ),
        ({"scripts/entrypoint.sh": entrypoint("micromamba install -y -f env.yml")}, True),
        # The entrypoint runs another script of the context, which installs.
        (
            {
                "scripts/entrypoint.sh": entrypoint("/app/scripts/setup.sh"),
                "scripts/setup.sh": "#!/bin/bash\npipenv install --deploy\n",
            },
            True,
        ),
        (
            {
                "scripts/entrypoint.sh": entrypoint("sh ./scripts/setup.sh"),
                "scripts/setup.sh": "pip install x\n",
            },
            True,
        ),
        # Near misses: a branch or test that may only run in development, an offline
        # install, words that are only printed, a Python script, nothing installed.
        (
            {
                "scripts/entrypoint.sh": entrypoint(
                    'if [ "$APP_ENV" = development ]; then\n    pip install -r dev.txt\nfi'
                )
            },
            False,
        ),
        (
            {
                "scripts/entrypoint.sh": entrypoint(
                    'case "$1" in\n    dev) pip install -r dev.txt ;;\nesac'
                )
            },
            False,
        ),
        ({"scripts/entrypoint.sh": entrypoint('[ "$DEV" = 1 ] && pip install -e .')}, False),
        ({"scripts/entrypoint.sh": entrypoint("install_dev() {\n  pip install -e .\n}")}, False),
        ({"scripts/entrypoint.sh": entrypoint("pip install --no-index --find-links /w x")}, False),
        (
            {"scripts/entrypoint.sh": entrypoint('echo "run: pip install -r requirements.txt"')},
            False,
        ),
        ({"scripts/entrypoint.sh": entrypoint("echo pip install x")}, False),
        ({"scripts/entrypoint.sh": entrypoint("# pip install -r requirements.txt")}, False),
        ({"scripts/entrypoint.sh": "#!/usr/bin/env python3\nprint('pip install x')\n"}, False),
        ({"scripts/entrypoint.sh": entrypoint("python -m app.check")}, False),
    ],
)
def test_dw123_reads_the_entrypoint_script_the_image_runs(
    tmp_path: Path, files: dict[str, str], fires: bool
) -> None:
    write(
        tmp_path,
        {"Dockerfile": ENTRYPOINT_IMAGE, "requirements.txt": "gunicorn==23.0.0\n", **files},
    )
    for name in files:
        (tmp_path / name).chmod(0o755)
    hits = found(tmp_path, "DW123")
    assert bool(hits) == fires
    assert all(f.file == "Dockerfile" and f.line == 8 for f in hits)


@pytest.mark.parametrize(
    ("lines", "fires"),
    [
        ("CMD pip install -r requirements.txt && python app.py", True),
        ('CMD ["sh", "-c", "pip install -r requirements.txt && exec python app.py"]', True),
        (
            'ENTRYPOINT ["/bin/bash", "-c", "uv sync && exec \\"$@\\"", "--"]\n'
            'CMD ["python", "app.py"]',
            True,
        ),
        ('RUN pip install -r requirements.txt\nCMD ["python", "app.py"]', False),
        ('CMD ["sh", "-c", "uv sync --offline && python app.py"]', False),
        ('CMD ["python", "-c", "print(\'pip install\')"]', False),
        # Installed in a stage the final image does not run from.
        ('CMD ["pip", "install", "x"]\nFROM python:3.13-slim\nCMD ["python", "app.py"]', False),
    ],
)
def test_dw123_reads_entrypoint_and_cmd_of_the_final_stage(
    tmp_path: Path, lines: str, fires: bool
) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": f"FROM python:3.13-slim\nWORKDIR /app\nCOPY . .\nUSER 10001\n{lines}\n",
            "requirements.txt": "flask==3.1.0\n",
        },
    )
    assert bool(found(tmp_path, "DW123")) == fires


def test_dw123_leaves_development_dockerfiles_and_services_alone(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.13-slim\nUSER 10001\nCMD python app.py\n",
            "Dockerfile.dev": "FROM python:3.13-slim\nCMD pip install -e . && flask run\n",
            "compose.yaml": "services:\n  web:\n    build: .\n",
            "compose.override.yaml": """
                services:
                  web:
                    command: sh -c "pip install -e . && flask run"
            """,
            "compose.dev.yaml": """
                services:
                  web:
                    build: {context: ., dockerfile: Dockerfile.dev}
                    command: sh -c "uv sync && flask run"
            """,
        },
    )
    assert found(tmp_path, "DW123") == []


def test_dw123_reads_compose_commands_of_production_services(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.13-slim\nUSER 10001\nCMD python app.py\n",
            "compose.yaml": """
                services:
                  web:
                    build: .
                    command: sh -c "pip install -r requirements.txt && python app.py"
                  worker:
                    image: python:3.13-slim
                    command: pip install celery
            """,
        },
    )
    hits = found(tmp_path, "DW123")
    assert [(f.file, f.line) for f in hits] == [("compose.yaml", 2)]
    assert "compose command" in hits[0].detail


def test_dw123_a_base_command_a_production_file_replaces_is_development_s(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.13-slim\nUSER 10001\nCMD python app.py\n",
            "compose.yaml": """
                services:
                  web:
                    build: .
                    command: sh -c "pip install -e . && flask run --debug"
            """,
            "compose.prod.yaml": "services:\n  web:\n    command: gunicorn app:app\n",
        },
    )
    assert found(tmp_path, "DW123") == []


COMPOSE_MIGRATING_IMAGE = """
    FROM python:3.13-slim
    WORKDIR /app
    COPY . .
    USER 10001
    ENTRYPOINT ["/app/scripts/entrypoint.sh"]
    CMD ["gunicorn", "app:app"]
"""


@pytest.mark.parametrize(
    ("script", "service", "fires"),
    [
        ("alembic upgrade head", "deploy: {replicas: 3}", True),
        ("python manage.py migrate --noinput", "deploy: {replicas: 2}", True),
        ("flask --app app db upgrade", "scale: 4", True),
        ("uv run --no-sync alembic -c alembic.ini upgrade head", "deploy: {replicas: '2'}", True),
        ("django-admin migrate", "deploy: {replicas: 2}", True),
        # Near misses: one replica, a count not known here, a migration one replica is
        # chosen to run, commands that do not apply migrations.
        ("alembic upgrade head", "deploy: {replicas: 1}", False),
        ("alembic upgrade head", "restart: always", False),
        ("alembic upgrade head", "deploy: {replicas: '${REPLICAS:-3}'}", False),
        ('if [ "$MIGRATE" = 1 ]; then alembic upgrade head; fi', "deploy: {replicas: 3}", False),
        ('[ "$MIGRATE" = 1 ] && alembic upgrade head', "deploy: {replicas: 3}", False),
        ("python manage.py migrate --check", "deploy: {replicas: 3}", False),
        ("flask db migrate -m auto", "deploy: {replicas: 3}", False),
        ("alembic current", "deploy: {replicas: 3}", False),
        ("python manage.py collectstatic --noinput", "deploy: {replicas: 3}", False),
    ],
)
def test_dw124_migrations_at_start_with_several_replicas(
    tmp_path: Path, script: str, service: str, fires: bool
) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": COMPOSE_MIGRATING_IMAGE,
            "scripts/entrypoint.sh": entrypoint(script),
            "compose.yaml": f"services:\n  web:\n    build: .\n    {service}\n",
        },
    )
    hits = found(tmp_path, "DW124")
    assert bool(hits) == fires
    assert all(f.file == "compose.yaml" and f.line == 2 for f in hits)


def test_dw124_reads_replicas_and_commands_across_compose_files(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.13-slim\nUSER 10001\nCMD gunicorn app:app\n",
            "compose.yaml": """
                services:
                  web:
                    build: .
                    command: sh -c "python manage.py migrate && gunicorn app:app"
            """,
            "compose.prod.yaml": "services:\n  web:\n    deploy:\n      replicas: 3\n",
            # Development's file scales nothing that matters here.
            "compose.override.yaml": "services:\n  web:\n    scale: 2\n",
        },
    )
    hits = found(tmp_path, "DW124")
    assert [(f.file, f.line) for f in hits] == [("compose.prod.yaml", 2)]
    assert "3 replicas" in hits[0].detail


def test_dw124_a_one_shot_migration_service_is_the_fix(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.13-slim\nUSER 10001\nCMD gunicorn app:app\n",
            "compose.yaml": """
                services:
                  migrate:
                    build: .
                    command: alembic upgrade head
                  web:
                    build: .
                    deploy: {replicas: 3}
                    depends_on:
                      migrate: {condition: service_completed_successfully}
            """,
        },
    )
    assert found(tmp_path, "DW124") == []


def test_dw124_an_entrypoint_override_drops_the_image_s_command(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": 'FROM python:3.13-slim\nUSER 10001\nCMD ["alembic", "upgrade", "head"]\n',
            "compose.yaml": """
                services:
                  web:
                    build: .
                    entrypoint: ["gunicorn", "app:app"]
                    deploy: {replicas: 3}
            """,
        },
    )
    assert found(tmp_path, "DW124") == []
