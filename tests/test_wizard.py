"""The interactive wizard in a real pseudo-terminal: copier's questionary prompts, keys and all."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pexpect
import yaml

import repos

DOWN, ENTER, CTRL_C = "\x1b[B", "\r", "\x03"
# A terminal that does not answer prompt_toolkit's cursor-position request (pexpect's does
# not): without NO_CPR, every prompt waits for the answer before drawing, a second or so each.
TERMINAL = {
    **os.environ,
    "TERM": "xterm-256color",
    "NO_COLOR": "1",
    "COLUMNS": "120",
    "PROMPT_TOOLKIT_NO_CPR": "1",
}


def spawn(*args: str | Path) -> pexpect.spawn:
    """`new-project ARGS...` in a pseudo-terminal of 40 rows by 120 columns."""
    return pexpect.spawn(
        sys.executable,
        ["-m", "dockwright", *map(str, args)],
        env=TERMINAL,
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 120),
    )


def answer(child: pexpect.spawn, prompt: str, keys: str) -> None:
    child.expect_exact(prompt)
    child.send(keys)


def test_wizard_asks_and_creates_the_project(tmp_path: Path) -> None:
    dest = tmp_path / "my-job"
    child = spawn(dest)

    answer(child, "Project name", ENTER)  # the default: the folder's name
    answer(child, "Dependency manager", ENTER)
    answer(child, "What the project is", DOWN + ENTER)  # ML batch job
    answer(child, "Base image variant", ENTER)
    answer(child, "Python version", ENTER)
    answer(child, "Where production runs", ENTER)
    answer(child, "A private package index", "https://pypi.example.com/simple/" + ENTER)
    answer(child, "replaces PyPI", ENTER)  # no: beside PyPI
    child.expect_exact("Next steps")  # no database question for a job
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 0
    recorded = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert recorded["project_name"] == "my-job"
    assert recorded["app_kind"] == "ml-job"
    assert recorded["private_index"] == "https://pypi.example.com/simple/"
    assert recorded["private_index_only"] is False
    assert (dest / "my_job" / "model.py").is_file()
    assert (
        "--extra-index-url https://pypi.example.com/simple/"
        in (dest / "requirements" / "base.txt").read_text()
    )


def test_wizard_refuses_an_invalid_name_and_asks_again(tmp_path: Path) -> None:
    child = spawn(tmp_path / "app")

    answer(child, "Project name", "\x15" + "My App!" + ENTER)  # Ctrl-U clears the default
    child.expect_exact("must be at most 60 letters")
    child.send("\x15" + "my-app" + ENTER)
    child.expect_exact("Dependency manager")
    child.send(CTRL_C)
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 130


def test_ctrl_c_in_the_wizard_writes_nothing(tmp_path: Path) -> None:
    child = spawn(tmp_path / "app")

    answer(child, "Project name", ENTER)
    answer(child, "Dependency manager", CTRL_C)
    child.expect_exact("interrupted; nothing was written")
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 130
    assert list(tmp_path.iterdir()) == []


def test_wizard_shows_why_alpine_is_unavailable_for_conda(tmp_path: Path) -> None:
    dest = tmp_path / "app"
    child = spawn(dest)

    answer(child, "Project name", ENTER)
    answer(child, "Dependency manager", DOWN * 3 + ENTER)  # conda
    answer(child, "What the project is", DOWN + ENTER)  # ML batch job
    child.expect_exact("Base image variant")
    child.expect_exact("conda works with slim only")  # alpine, greyed out with the reason
    child.send(ENTER)  # slim
    answer(child, "Python version", ENTER)
    answer(child, "Where production runs", ENTER)
    child.expect_exact("scripts/lock-conda.sh")  # the next step a conda project needs
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 0
    recorded = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert (recorded["package_manager"], recorded["base_image"]) == ("conda", "slim")


def test_adopt_asks_to_confirm_the_guesses(tmp_path: Path) -> None:
    """The detected answers are the wizard's defaults: Enter confirms, typing corrects."""
    repo = repos.make("pip-flask", tmp_path)
    child = spawn("adopt", repo)
    child.expect_exact("Detected in")
    answer(child, "Project name", ENTER)
    answer(child, "your requirements files", ENTER)  # pip's choice: not split files it lacks
    for prompt in (
        "What the project is",
        "Base image variant",
        "Python version",
        "Database service",
        "What the production image copies",
        "Folders the app writes to",
        "The project has tests",
        "The directory holding",
        "The WSGI app",
    ):
        answer(child, prompt, ENTER)
    answer(child, "The path the health check requests", "\x15" + "/" + ENTER)  # a correction
    for prompt in (
        "The requirements file production installs",
        "The requirements file the development image installs",
        "Install with --require-hashes",
    ):
        answer(child, prompt, ENTER)
    child.expect_exact("Next steps")
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 0
    recorded = yaml.safe_load((repo / ".copier-answers.yml").read_text())
    assert recorded["python_version"] == "3.13"  # from .python-version
    assert recorded["wsgi_app"] == "app:app"
    assert recorded["requirements_dev"] == "requirements-dev.txt"
    assert recorded["require_hashes"] is False
    assert recorded["health_path"] == "/"


def test_adopt_refuses_an_existing_dockerfile_before_asking(tmp_path: Path) -> None:
    repo = repos.make("pip-flask", tmp_path)
    (repo / "Dockerfile").write_text("FROM python:3.13-slim\n")
    child = spawn("adopt", repo)
    child.logfile_read = shown = io.StringIO()
    child.expect_exact("would overwrite 1 existing file(s): Dockerfile")
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 2
    assert "Detected in" in shown.getvalue()
    assert "Project name" not in shown.getvalue()  # refused before the first question
    assert (repo / "Dockerfile").read_text() == "FROM python:3.13-slim\n"
