"""DW120: Python as PID 1 with no init and no SIGTERM handler, and the setups that stop
cleanly all the same (an init, a server that handles SIGTERM, code that handles it, an
entrypoint script, a base image whose entrypoint is unknown)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockwright.check import check
from repos import write

IGNORE = ".git\n.venv\n.env\n"
LOOP = "import time\n\nwhile True:\n    time.sleep(5)\n"
HANDLER = (
    "import signal\nimport sys\nimport time\n\n"
    "signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))\n"
    "while True:\n    time.sleep(5)\n"
)


def pid1(root: Path, files: dict[str, str]) -> list[str]:
    """Where DW120 fires on a project of these files."""
    write(root, {".dockerignore": IGNORE, **files})
    return [f"{f.where} {f.detail}" for f in check(root) if f.rule == "DW120"]


def dockerfile(command: str, *, base: str = "python:3.12-slim", more: str = "") -> str:
    return f"""
        FROM {base}
        WORKDIR /app
        COPY . .
        {more}
        USER 10001
        {command}
    """


FIRES = {
    "a script, exec form": (
        dockerfile('CMD ["python", "train.py"]'),
        {"train.py": LOOP},
    ),
    "a script, shell form": (
        dockerfile("CMD python -u train.py --epochs 10"),
        {"train.py": LOOP},
    ),
    "python3.12 by its path as ENTRYPOINT, the script as CMD": (
        dockerfile('ENTRYPOINT ["/usr/local/bin/python3.12", "-X", "dev"]\nCMD ["train.py"]'),
        {"train.py": LOOP},
    ),
    "a module of the project": (
        dockerfile('CMD ["python", "-m", "jobs.nightly"]'),
        {"jobs/__init__.py": "", "jobs/nightly.py": LOOP},
    ),
    "a package's __main__": (
        dockerfile('CMD ["python", "-um", "worker"]'),
        {"worker/__init__.py": "", "worker/__main__.py": "from worker.loop import run\nrun()\n"}
        | {"worker/loop.py": "def run():\n    " + LOOP.replace("\n", "\n    ")},
    ),
    "sh -c with the last command Python": (
        dockerfile('CMD ["sh", "-c", "cd /app && exec python train.py"]'),
        {"train.py": LOOP},
    ),
    "a multi-stage build, the final stage runs Python": (
        """
        FROM python:3.12 AS builder
        RUN python -m venv /opt/venv
        FROM python:3.12-slim
        COPY --from=builder /opt/venv /opt/venv
        WORKDIR /srv
        COPY app/ app/
        USER 10001
        CMD ["/opt/venv/bin/python", "app/main.py"]
        """,
        {"app/main.py": LOOP},
    ),
    "distroless: its ENTRYPOINT is Python": (
        dockerfile('CMD ["main.py"]', base="gcr.io/distroless/python3-debian12"),
        {"main.py": LOOP},
    ),
    "compose builds it without init": (
        dockerfile('CMD ["python", "train.py"]'),
        {"train.py": LOOP, "compose.yaml": "services:\n  job:\n    build: .\n"},
    ),
}


@pytest.mark.parametrize("case", FIRES)
def test_python_as_pid1_fires(tmp_path: Path, case: str) -> None:
    text, files = FIRES[case]
    found = pid1(tmp_path, {"Dockerfile": text, **files})
    assert len(found) == 1, found
    assert found[0].startswith("Dockerfile:")
    assert "runs as PID 1" in found[0]


QUIET = {
    "tini first": (
        dockerfile('ENTRYPOINT ["tini", "--"]\nCMD ["python", "train.py"]'),
        {"train.py": LOOP},
    ),
    "dumb-init first, shell form": (
        dockerfile("ENTRYPOINT dumb-init python train.py"),
        {"train.py": LOOP},
    ),
    "an entrypoint script": (
        dockerfile('ENTRYPOINT ["/app/entrypoint.sh"]\nCMD ["python", "train.py"]'),
        {"train.py": LOOP, "entrypoint.sh": '#!/bin/sh\nexec "$@"\n'},
    ),
    "compose runs it with init: true": (
        dockerfile('CMD ["python", "train.py"]'),
        {
            "train.py": LOOP,
            "compose.yaml": "services:\n  job:\n    build: .\n    init: true\n",
            "compose.prod.yaml": "services:\n  job:\n    build:\n      dockerfile: Dockerfile\n",
        },
    ),
    "STOPSIGNAL SIGINT: Python's KeyboardInterrupt": (
        dockerfile('STOPSIGNAL SIGINT\nCMD ["python", "train.py"]'),
        {"train.py": LOOP},
    ),
    "gunicorn": (dockerfile('CMD ["gunicorn", "app:app"]'), {}),
    "python -m uvicorn": (
        dockerfile('CMD ["python", "-m", "uvicorn", "app:app", "--host", "0.0.0.0"]'),
        {"app.py": "app = None\n"},
    ),
    "python -m celery": (dockerfile("CMD python -m celery -A tasks worker"), {}),
    "the script handles SIGTERM": (
        dockerfile('CMD ["python", "train.py"]'),
        {"train.py": HANDLER},
    ),
    "the package handles SIGTERM in another module": (
        dockerfile('CMD ["python", "-m", "worker"]'),
        {
            "worker/__init__.py": "",
            "worker/__main__.py": "from worker.loop import run\nrun()\n",
            "worker/loop.py": "from signal import SIGTERM, signal\n",
        },
    ),
    "the script runs uvicorn itself": (
        dockerfile('CMD ["python", "main.py"]'),
        {"main.py": "import uvicorn\n\nuvicorn.run('app:app', host='0.0.0.0')\n"},
    ),
    "a local module the script imports handles SIGTERM": (
        dockerfile('CMD ["python", "main.py"]'),
        {"main.py": "from shutdown import install\ninstall()\n", "shutdown.py": HANDLER},
    ),
    "Django's runserver (its reloader handles SIGTERM)": (
        dockerfile('CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]'),
        {"manage.py": "import django\n"},
    ),
    "the script is not in the build context": (
        dockerfile('CMD ["python", "/opt/tool/run.py"]'),
        {},
    ),
    "an image whose ENTRYPOINT may be an init": (
        dockerfile('CMD ["python", "train.py"]', base="continuumio/miniconda3"),
        {"train.py": LOOP},
    ),
    "the interactive interpreter": (dockerfile('CMD ["python3"]'), {}),
    "a shell that traps TERM": (
        dockerfile("""CMD ["sh", "-c", "trap 'kill $PID' TERM; python train.py & PID=$!; wait"]"""),
        {"train.py": LOOP},
    ),
}


@pytest.mark.parametrize("case", QUIET)
def test_python_that_stops_or_may_stop_is_left_alone(tmp_path: Path, case: str) -> None:
    text, files = QUIET[case]
    assert pid1(tmp_path, {"Dockerfile": text, **files}) == []


def test_development_dockerfiles_are_left_alone(tmp_path: Path) -> None:
    command = 'CMD ["python", "train.py"]'
    files = {"Dockerfile.dev": dockerfile(command), "train.py": LOOP}
    assert pid1(tmp_path, files) == []


def test_init_in_compose_covers_only_the_dockerfile_it_builds(tmp_path: Path) -> None:
    compose = (
        "services:\n"
        "  job:\n    build:\n      context: job\n    init: true\n"
        "  feed:\n    build:\n      context: feed\n"
    )
    files = {
        "compose.yaml": compose,
        "job/Dockerfile": dockerfile('CMD ["python", "job.py"]'),
        "job/job.py": LOOP,
        "feed/Dockerfile": dockerfile('CMD ["python", "feed.py"]'),
        "feed/feed.py": LOOP,
    }
    found = pid1(tmp_path, files)
    assert [f.split(":")[0] for f in found] == ["feed/Dockerfile"]


def test_an_entrypoint_set_in_the_final_stage_resets_an_earlier_stage_cmd(
    tmp_path: Path,
) -> None:
    text = """
        FROM python:3.12-slim AS base
        WORKDIR /app
        COPY . .
        CMD ["python", "train.py"]
        FROM base
        USER 10001
        ENTRYPOINT ["/app/run.sh"]
    """
    assert pid1(tmp_path, {"Dockerfile": text, "train.py": LOOP, "run.sh": "#!/bin/sh\n"}) == []
