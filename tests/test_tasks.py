"""tools/tasks.py: every task runs something that is there."""

from __future__ import annotations

from pathlib import Path

import pytest
import tasks

ROOT = Path(__file__).resolve().parents[1]


def test_every_task_names_a_program_and_scripts_that_exist() -> None:
    for name, (_, commands, _) in tasks.TASKS.items():
        for program, *arguments in commands:
            assert Path(program).is_file(), f"{name}: {program}"
            for argument in arguments:
                if argument.endswith(".py") or argument.startswith("tests/"):
                    assert (ROOT / argument).exists(), f"{name}: {argument}"


def test_an_unknown_task_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert tasks.main(["nonesuch"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
