"""tools/tasks.py: every task runs something that is there."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import pytest
import tasks

ROOT = Path(__file__).resolve().parents[1]


def test_every_task_names_a_program_and_scripts_that_exist() -> None:
    """Each program is this interpreter or a tool the test or dev extras install (the dev
    tools are not installed where only the tests run), and each script is in the tree."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    declared = {re.split(r"[<>=\[; ]", r)[0] for group in extras.values() for r in group}
    for name, (_, commands, _) in tasks.TASKS.items():
        for program, *arguments in commands:
            assert program == sys.executable or Path(program).name in declared, f"{name}: {program}"
            for argument in arguments:
                if argument.endswith(".py") or argument.startswith("tests/"):
                    assert (ROOT / argument).exists(), f"{name}: {argument}"


def test_an_unknown_task_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert tasks.main(["nonesuch"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
