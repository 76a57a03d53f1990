"""The CLI contract: exit codes, one-line errors, and nothing written on failure."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import copier
import pytest
import yaml

import dockwright.cli
import dockwright.generate
from dockwright.cli import main


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def snapshot(root: Path) -> dict[str, bytes | None]:
    return {
        str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(root.rglob("*"))
    }


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "answers.yml").write_text("project_name: demo\napp_kind: flask\n")
    return tmp_path


def test_answers_file_creates_the_project(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([str(workdir / "demo"), "--answers-file", str(workdir / "answers.yml")])

    assert code == 0
    assert (workdir / "demo" / "Dockerfile").is_file()
    assert "Next steps" in capsys.readouterr().out
    staging = [p for p in workdir.iterdir() if p.name.startswith(".")]
    assert staging == []


def test_data_overrides_the_answers_file_and_defaults_fill_the_rest(workdir: Path) -> None:
    dest = workdir / "demo"
    answers = ["--answers-file", str(workdir / "answers.yml")]
    code = main([str(dest), *answers, "--data", "app_kind=ml-job", "--data", "python_version=3.11"])

    assert code == 0
    recorded = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert recorded["app_kind"] == "ml-job"
    assert recorded["python_version"] == "3.11"
    assert recorded["package_manager"] == "pip"
    assert recorded["base_image"] == "slim"


def test_project_answers_file_can_be_reused(workdir: Path) -> None:
    first, second = workdir / "first", workdir / "second"
    assert main([str(first), "--answers-file", str(workdir / "answers.yml")]) == 0

    code = main([str(second), "--answers-file", str(first / ".copier-answers.yml")])

    assert code == 0
    assert (second / "demo" / "views.py").is_file()


def test_empty_destination_directory_is_used(workdir: Path) -> None:
    (workdir / "demo").mkdir()
    assert main([str(workdir / "demo"), "--answers-file", str(workdir / "answers.yml")]) == 0
    assert (workdir / "demo" / "compose.yaml").is_file()


def test_force_writes_into_a_non_empty_destination(workdir: Path) -> None:
    dest = workdir / "demo"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")

    code = main([str(dest), "--answers-file", str(workdir / "answers.yml"), "--force"])

    assert code == 0
    assert (dest / "notes.txt").read_text() == "mine"
    assert (dest / "Dockerfile").is_file()


def test_project_name_defaults_to_the_destination_folder(workdir: Path) -> None:
    write(workdir / "kind.yml", "app_kind: ml-job\n")
    dest = workdir / "My Fancy_Job"
    assert main([str(dest), "--answers-file", str(workdir / "kind.yml")]) == 0
    recorded = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert recorded["project_name"] == "My Fancy_Job"  # the human name, as typed
    assert (dest / "my_fancy_job" / "model.py").is_file()


def test_a_human_name_makes_the_same_names_from_dest_and_from_the_answers_file(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ "Acme Shop" as DEST or as project_name: the image, pyproject and package names are the
    same slug either way, and the output shows them."""
    write(workdir / "uv.yml", "package_manager: uv\n")
    write(workdir / "named.yml", "package_manager: uv\nproject_name: Acme Shop\n")
    assert main([str(workdir / "Acme Shop"), "--answers-file", str(workdir / "uv.yml")]) == 0
    from_dest = capsys.readouterr().out
    assert main([str(workdir / "elsewhere"), "--answers-file", str(workdir / "named.yml")]) == 0
    from_file = capsys.readouterr().out
    for project, out in ((workdir / "Acme Shop", from_dest), (workdir / "elsewhere", from_file)):
        assert "Image acme-shop, Python package acme_shop" in out
        assert (project / "acme_shop" / "views.py").is_file()
        assert 'name = "acme-shop"' in (project / "pyproject.toml").read_text()
        assert "${IMAGE:-acme-shop}" in (project / "compose.prod.yaml").read_text()
        assert (project / "README.md").read_text().startswith("# Acme Shop\n")
        assert '"Hello from Acme Shop"' in (project / "acme_shop" / "views.py").read_text()


BAD_INPUT = [
    # (answers file text or None for "no such file", extra args, words the error must contain)
    ("projekt_name: demo\n", [], "unknown question 'projekt_name'"),
    ("project_name: demo\n", ["--data", "colour=red"], "unknown question 'colour'"),
    ("project_name: demo\napp_kind: django\n", [], "app_kind: 'django' is not in"),
    ("project_name: demo\npython_version: '3.9'\n", [], "python_version: '3.9' is not in"),
    (
        "project_name: demo\npackage_manager: conda\nbase_image: alpine\n",
        [],
        "base_image: conda works with slim only",
    ),
    ("project_name: demo\npackage_manager: hatch\n", [], "package_manager: 'hatch' is not in"),
    ("project_name: demo\napp_kind: [flask]\n", [], "app_kind: expected text, got a list"),
    ("project_name: demo\ndatabase: no\n", [], "database: expected text, got a boolean"),
    ("project_name: {a: 1}\n", [], "project_name: expected text, got a mapping"),
    ("project_name: My App!\n", [], "project_name: must be at most 60 letters"),
    ("project_name: '42'\n", [], 'project_name: "42" has no ASCII letter'),
    ("project_name: a\\b\n", [], "project_name: must be at most 60 letters"),
    ("project_name: " + "a" * 61 + "\n", [], "project_name: must be at most 60"),
    ("project_name: demo\napp_kind: ml-job\ndatabase: postgres\n", [], "database: a database"),
    ("project_name: demo\napp_kind: flask: web\n", [], "is not valid YAML at line 2, column 16"),
    ("", [], "is empty"),
    ("- project_name\n", [], "must be a mapping of question: answer, not a list"),
    ("just text\n", [], "must be a mapping of question: answer, not a str"),
    ("project_name: demo\n", ["--data", "app_kind"], "--data takes KEY=VALUE"),
    ("project_name: demo\n", ["--bogus"], "unrecognized arguments: --bogus"),
    (None, [], "does not exist"),
]


@pytest.mark.parametrize(("text", "extra", "message"), BAD_INPUT)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    text: str | None,
    extra: list[str],
    message: str,
) -> None:
    answers = tmp_path / "answers.yml"
    if text is not None:
        answers.write_text(text)
    before = snapshot(tmp_path)

    code = main([str(tmp_path / "out"), "--answers-file", str(answers), *extra])

    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("new-project: error: ")
    assert err.count("\n") == 1, err
    assert message in err
    assert snapshot(tmp_path) == before


def test_answers_file_that_is_a_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path / "out"), "--answers-file", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_unreadable_answers_file(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = workdir / "answers.yml"
    answers.write_bytes(b"project_name: \xff\xfe\n")
    assert main([str(workdir / "out"), "--answers-file", str(answers)]) == 2
    assert "cannot be read" in capsys.readouterr().err
    assert not (workdir / "out").exists()


def test_destination_that_is_a_file(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dest = write(workdir / "taken", "a file")
    assert main([str(dest), "--answers-file", str(workdir / "answers.yml")]) == 2
    assert "exists and is not a directory" in capsys.readouterr().err
    assert dest.read_text() == "a file"


def test_non_empty_destination_without_force(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = workdir / "demo"
    dest.mkdir()
    write(dest / "notes.txt", "mine")
    before = snapshot(workdir)

    assert main([str(dest), "--answers-file", str(workdir / "answers.yml")]) == 2

    assert "is not empty (pass --force" in capsys.readouterr().err
    assert snapshot(workdir) == before


def test_wizard_without_a_terminal_asks_for_an_answers_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dockwright.cli, "stdin_is_interactive", lambda: False)
    assert main([str(tmp_path / "out")]) == 2
    assert "no terminal to ask the questions on" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_interrupt_in_the_middle_of_rendering_leaves_nothing(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C after copier has written part of the project: no DEST, no staging left over."""
    real_copy = copier.run_copy  # dockwright.copier_boundary calls it

    def copy_then_interrupt(src: str, dst: Path, **kwargs: Any) -> None:
        real_copy(src, dst, **kwargs)
        assert (Path(dst) / "Dockerfile").is_file()  # the render really was under way
        raise KeyboardInterrupt

    monkeypatch.setattr(copier, "run_copy", copy_then_interrupt)
    before = snapshot(workdir)

    code = main([str(workdir / "demo"), "--answers-file", str(workdir / "answers.yml")])

    assert code == 130
    assert capsys.readouterr().err == "new-project: error: interrupted; nothing was written\n"
    assert snapshot(workdir) == before


def test_console_script_prints_no_traceback(tmp_path: Path) -> None:
    """Through a real process, as CI calls it: one line on stderr, exit 2."""
    answers = write(tmp_path / "answers.yml", "project_name: demo\nunknown_key: 1\n")
    result = subprocess.run(
        [sys.executable, "-m", "dockwright", str(tmp_path / "out"), "--answers-file", str(answers)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("new-project: error: unknown question 'unknown_key'")
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_nested_destination_is_created_and_left_alone_on_error(workdir: Path) -> None:
    good = workdir / "a" / "b" / "demo"
    assert main([str(good), "--answers-file", str(workdir / "answers.yml")]) == 0
    assert (good / "Dockerfile").is_file()

    bad = workdir / "x" / "y" / "demo"
    code = main([str(bad), "--answers-file", str(workdir / "answers.yml"), "--data", "app_kind=x"])
    assert code == 2
    assert not (workdir / "x").exists()
    assert [p.name for p in workdir.iterdir() if p.name.startswith(".")] == []


def test_an_unexpected_failure_is_one_line_exit_1_and_writes_nothing(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_env(project: Path) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(dockwright.generate, "sync_env", broken_env)
    before = snapshot(workdir)

    code = main([str(workdir / "demo"), "--answers-file", str(workdir / "answers.yml")])

    assert code == 1
    err = capsys.readouterr().err
    assert err == "new-project: error: unexpected RuntimeError: disk on fire (please report this)\n"
    assert snapshot(workdir) == before


def help_text(capsys: pytest.CaptureFixture[str], *words: str) -> str:
    """What `new-project WORDS --help` prints, its lines joined as argparse wrapped them."""
    with pytest.raises(SystemExit) as ended:
        main([*words, "--help"])
    assert ended.value.code == 0
    return " ".join(capsys.readouterr().out.split())


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_text(capsys)
    assert list(dockwright.cli.COMMANDS) == ["create", "update", "adopt", "check"]
    for name, command in dockwright.cli.COMMANDS.items():
        assert f"{name} {command.summary}" in text
    assert "`new-project DEST ...` is `new-project create DEST ...`" in text


@pytest.mark.parametrize(
    ("words", "codes"),
    [
        (["create"], "Exit 0: created; 2: invalid input"),
        (["some-dest"], "Exit 0: created; 2: invalid input"),  # the default command
        (["update"], "Exit 0: updated"),
        (["adopt"], "Exit 0: adopted; 2: invalid input"),
        (["check"], "Exit 0: nothing at or above --fail-on; 1: findings at or above it"),
    ],
    ids=["create", "default", "update", "adopt", "check"],
)
def test_each_command_s_help_shows_its_exit_codes(
    capsys: pytest.CaptureFixture[str], words: list[str], codes: str
) -> None:
    text = help_text(capsys, *words)
    assert codes in text
    for code in ("0", "1", "2", "130"):
        assert f" {code}: " in text
    if words[0] != "check":
        assert "--data KEY=VALUE set one answer" in text


@pytest.mark.parametrize("words", [["--version"], ["some-dest", "--version"]])
def test_version(capsys: pytest.CaptureFixture[str], words: list[str]) -> None:
    with pytest.raises(SystemExit) as ended:
        main(words)
    assert ended.value.code == 0
    assert capsys.readouterr().out.startswith("dockwright ")


def test_create_is_the_default_command_s_name(workdir: Path) -> None:
    named = [str(workdir / "named"), "--answers-file", str(workdir / "answers.yml")]
    assert main(["create", *named]) == 0
    assert (workdir / "named" / "Dockerfile").is_file()
