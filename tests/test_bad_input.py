"""Bad input to `update`, `adopt` and `check`: exit 2, one line on stderr naming the problem,
no traceback, and nothing written. (`new-project DEST`'s own cases, 27 of them, are in
test_cli.py.)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import repos
from dockwright import generate, versions
from dockwright.cli import main


def tree(root: Path) -> dict[str, bytes | None]:
    """Every path under root with its content, git's metadata and index included."""
    return {
        p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() else None)
        for p in sorted(root.rglob("*"))
        if "objects" not in p.relative_to(root).parts and p.name != "ORIG_HEAD"
    }


def project(tmp_path: Path) -> Path:
    """A generated project, committed."""
    dest = tmp_path / "app"
    generate.create(dest, {"project_name": "app"}, interactive=False)
    repos.commit(dest)
    return dest


def edited(path: str, old: str, new: str) -> Callable[[Path], Path]:
    def setup(tmp_path: Path) -> Path:
        dest = project(tmp_path)
        target = dest / path
        target.write_text(target.read_text().replace(old, new))
        repos.commit(dest)
        return dest

    return setup


def dirty(tmp_path: Path) -> Path:
    dest = project(tmp_path)
    (dest / "Dockerfile").write_text("edited\n")
    return dest


def untracked(tmp_path: Path) -> Path:
    dest = project(tmp_path)
    (dest / "notes.txt").write_text("new\n")
    return dest


def not_git(tmp_path: Path) -> Path:
    dest = tmp_path / "app"
    generate.create(dest, {"project_name": "app"}, interactive=False)
    return dest


def no_answers(tmp_path: Path) -> Path:
    dest = project(tmp_path)
    (dest / ".copier-answers.yml").unlink()
    repos.commit(dest)
    return dest


def a_file(tmp_path: Path) -> Path:
    (tmp_path / "file.txt").write_text("not a directory\n")
    return tmp_path / "file.txt"


def missing(tmp_path: Path) -> Path:
    return tmp_path / "missing"


def fixture(name: str) -> Callable[[Path], Path]:
    return lambda tmp_path: repos.make(name, tmp_path)


def files(contents: dict[str, str]) -> Callable[[Path], Path]:
    def setup(tmp_path: Path) -> Path:
        root = tmp_path / "project"
        root.mkdir()
        repos.write(root, contents)
        return root

    return setup


def adopted(tmp_path: Path) -> Path:
    root = repos.make("pip-flask", tmp_path)
    (root / ".copier-answers.yml").write_text("_commit: v0.2.0\n")
    return root


def with_existing_dockerfile(tmp_path: Path) -> Path:
    root = repos.make("pip-flask", tmp_path)
    (root / "Dockerfile").write_text("FROM python:3.13-slim\n")
    return root


def answers_file(text: str | None) -> Callable[[Path], list[str]]:
    """--answers-file FILE for adopt, FILE holding text (None: FILE is a directory)."""

    def extra(tmp_path: Path) -> list[str]:
        path = tmp_path / "answers.yml"
        if text is None:
            path.mkdir()
        else:
            path.write_text(text)
        return ["--answers-file", str(path)]

    return extra


DOCKERFILE = "FROM python:3.13-slim\nUSER 10001\n"
CASES: list[
    tuple[str, str, Callable[[Path], Path], list[str] | Callable[[Path], list[str]], str]
] = [
    # (id, command, the directory, more arguments, what the one line says)
    ("update-not-git", "update", not_git, [], "is not in a git repository"),
    ("update-dirty", "update", dirty, [], "has uncommitted changes (1 files)"),
    ("update-untracked", "update", untracked, [], "has uncommitted changes"),
    ("update-missing-dir", "update", missing, [], "is not a directory"),
    ("update-dir-is-file", "update", a_file, [], "is not a directory"),
    ("update-no-answers", "update", no_answers, [], "has no .copier-answers.yml"),
    (
        "update-answers-not-yaml",
        "update",
        edited(".copier-answers.yml", "app_kind: flask", "app_kind: [flask"),
        [],
        "is not valid YAML",
    ),
    (
        "update-answers-a-list",
        "update",
        edited(".copier-answers.yml", "# Written", "- a list\n# Written"),
        [],
        "is not valid YAML",
    ),
    (
        "update-other-template",
        "update",
        edited(".copier-answers.yml", versions.TEMPLATE_URL, "gh:someone/else"),
        [],
        "not dockwright's",
    ),
    (
        "update-newer-version",
        "update",
        edited(".copier-answers.yml", "_commit: v", "_commit: v9"),
        [],
        "newer than this dockwright's",
    ),
    (
        "update-no-version",
        "update",
        edited(".copier-answers.yml", "_commit:", "_old_commit:"),
        [],
        "records no template version",
    ),
    (
        "update-bad-version",
        "update",
        edited(".copier-answers.yml", "_commit: v", "_commit: vx"),
        [],
        "is not a template version",
    ),
    (
        "update-unknown-key",
        "update",
        project,
        ["--data", "colour=blue"],
        "unknown question 'colour'",
    ),
    ("update-bad-choice", "update", project, ["--data", "package_manager=npm"], "package_manager:"),
    (
        "update-bad-name",
        "update",
        project,
        ["--data", "project_name=My App!"],
        "project_name: must be at most 60 letters",
    ),
    (
        "update-adopt-only-key",
        "update",
        project,
        ["--data", "wsgi_app=x:y"],
        "wsgi_app: describes an adopted project",
    ),
    (
        "update-data-no-equals",
        "update",
        project,
        ["--data", "python_version"],
        "--data takes KEY=VALUE",
    ),
    ("update-unknown-option", "update", project, ["--yes"], "unrecognized arguments: --yes"),
    ("adopt-missing-dir", "adopt", missing, ["--yes"], "is not a directory"),
    ("adopt-dir-is-file", "adopt", a_file, ["--yes"], "is not a directory"),
    (
        "adopt-no-dependencies",
        "adopt",
        files({"app.py": "print(1)\n"}),
        ["--yes"],
        "no dependency file found",
    ),
    (
        "adopt-no-code",
        "adopt",
        files({"requirements.txt": "flask\n"}),
        ["--yes"],
        "no Python code found",
    ),
    (
        "adopt-no-entry-point",
        "adopt",
        files({"requirements.txt": "x\n", "lib.py": "x = 1\n"}),
        ["--yes"],
        "found neither a Flask app",
    ),
    (
        "adopt-bad-pyproject",
        "adopt",
        files({"pyproject.toml": "[project\n", "app.py": ""}),
        ["--yes"],
        "is not valid TOML",
    ),
    ("adopt-already-adopted", "adopt", adopted, ["--yes"], "has .copier-answers.yml already"),
    (
        "adopt-would-overwrite",
        "adopt",
        with_existing_dockerfile,
        ["--yes"],
        "would overwrite 1 existing file(s): Dockerfile",
    ),
    (
        "adopt-bad-wsgi",
        "adopt",
        fixture("pip-flask"),
        ["--yes", "--data", "wsgi_app=app app"],
        "wsgi_app: must be module:object",
    ),
    (
        "adopt-escaping-path",
        "adopt",
        fixture("pip-flask"),
        ["--yes", "--data", "source_paths=../secrets"],
        "source_paths: must stay inside",
    ),
    (
        "adopt-absolute-path",
        "adopt",
        fixture("pip-flask"),
        ["--yes", "--data", "source_paths=/etc"],
        "source_paths: must stay inside",
    ),
    (
        "adopt-adopted-key",
        "adopt",
        fixture("pip-flask"),
        ["--yes", "--data", "adopted=false"],
        "unknown question 'adopted'",
    ),
    (
        "adopt-bad-choice",
        "adopt",
        fixture("pip-flask"),
        ["--yes", "--data", "base_image=arch"],
        "base_image:",
    ),
    (
        "adopt-bad-boolean",
        "adopt",
        fixture("pip-flask"),
        ["--yes", "--data", "require_hashes=maybe"],
        "require_hashes: expected true or false",
    ),
    (
        "adopt-conda-on-alpine",
        "adopt",
        fixture("conda-job"),
        ["--yes", "--data", "base_image=alpine"],
        "conda works with slim only",
    ),
    (
        "adopt-answers-yaml-error",
        "adopt",
        fixture("pip-flask"),
        answers_file("a: [b\n"),
        "is not valid YAML at line 2",
    ),
    ("adopt-answers-empty", "adopt", fixture("pip-flask"), answers_file(""), "is empty"),
    (
        "adopt-answers-a-directory",
        "adopt",
        fixture("pip-flask"),
        answers_file(None),
        "is a directory",
    ),
    (
        "adopt-answers-wrong-type",
        "adopt",
        fixture("pip-flask"),
        answers_file("python_version: [3.12]\n"),
        "python_version: expected text, got a list",
    ),
    ("check-missing-dir", "check", missing, [], "is not a directory"),
    ("check-dir-is-file", "check", a_file, [], "is not a directory"),
    ("check-no-dockerfile", "check", files({"app.py": ""}), [], "has no Dockerfile to check"),
    (
        "check-bad-fail-on",
        "check",
        files({"Dockerfile": DOCKERFILE}),
        ["--fail-on", "fatal"],
        "argument --fail-on: invalid choice: 'fatal'",
    ),
    (
        "check-bad-format",
        "check",
        files({"Dockerfile": DOCKERFILE}),
        ["--format", "xml"],
        "argument --format: invalid choice: 'xml'",
    ),
]
# A checked project's compose file or pyproject that cannot be parsed is a finding (DW100),
# not bad input: tests/test_hostile_check.py has those cases.


@pytest.mark.parametrize(
    ("command", "setup", "extra", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    setup: Callable[[Path], Path],
    extra: list[str] | Callable[[Path], list[str]],
    message: str,
) -> None:
    directory = setup(tmp_path)
    arguments = extra(tmp_path) if callable(extra) else extra
    capsys.readouterr()
    before = tree(tmp_path)

    code = main([command, str(directory), *arguments])

    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert "Traceback" not in captured.err + captured.out
    [line] = captured.err.splitlines()
    assert line.startswith("new-project: error: ")
    assert message in line
    assert tree(tmp_path) == before, "something was written"
