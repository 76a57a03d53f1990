"""Snapshots of typical renders, so a stray blank line or a changed instruction shows up
in review. After an intended template change, rewrite them:

    DOCKWRIGHT_UPDATE_SNAPSHOTS=1 pytest tests/test_snapshots.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import Render

SNAPSHOTS = Path(__file__).parent / "snapshots"
FILES = [
    "Dockerfile",
    "Dockerfile.dev",
    "compose.yaml",
    "compose.override.yaml",
    "compose.prod.yaml",
    ".dockerignore",
    "scripts/entrypoint.sh",
]
CASES = {
    "pip-flask-postgres": {"package_manager": "pip", "app_kind": "flask", "database": "postgres"},
    "uv-ml-job": {"package_manager": "uv", "app_kind": "ml-job"},
    "poetry-alpine-flask": {"package_manager": "poetry", "base_image": "alpine"},
    "conda-ml-job": {"package_manager": "conda", "app_kind": "ml-job"},
    "pipenv-flask-private-index": {
        "package_manager": "pipenv",
        "private_index": "https://pypi.example.com/simple/",
    },
}


@pytest.mark.parametrize("case", CASES)
def test_render_matches_snapshot(render: Render, case: str) -> None:
    project = render("snap", **CASES[case])
    for name in FILES:
        rendered = (project / name).read_text()
        snapshot = SNAPSHOTS / case / name
        if os.environ.get("DOCKWRIGHT_UPDATE_SNAPSHOTS") == "1":
            snapshot.parent.mkdir(parents=True, exist_ok=True)
            snapshot.write_text(rendered)
        assert rendered == snapshot.read_text(), f"{case}/{name} changed; see the module docstring"
