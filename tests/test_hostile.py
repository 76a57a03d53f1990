"""The contract under hostile input, for `new-project`, `update` and `adopt`: a run ends done
(exit 0) or untouched (exit 130, or 2 for bad input), says which in one line, writes nothing
outside its directory or through a link, never touches a file it was not allowed to, and
never blocks. Each case compares the whole tree (git's metadata and index included) before
and after. (`check` and detection have their own: test_hostile_check.py,
test_hostile_detect.py.)
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import copier
import pytest
import yaml

import dockwright.cli
import dockwright.console
import dockwright.versions
import repos
from dockwright import files, generate, lock
from dockwright.cli import main
from test_bad_input import tree

ANSWERS = "project_name: demo\napp_kind: flask\n"


def one_line(err: str) -> str:
    assert "Traceback" not in err
    assert "please report" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def answers(tmp_path: Path) -> Path:
    path = tmp_path / "answers.yml"
    path.write_text(ANSWERS)
    return path


def project(tmp_path: Path, name: str = "app", **answers: str) -> Path:
    """A generated project, committed."""
    dest = tmp_path / name
    generate.create(dest, {"project_name": name, **answers}, interactive=False)
    repos.commit(dest)
    return dest


def cli(*args: str) -> list[str]:
    """new-project as a process of its own (signals, pipes, the environment), started as a
    user starts it: the console script."""
    script = Path(sys.executable).parent / "new-project"
    return [str(script) if script.exists() else "new-project", *args]


def private_tmp(tmp_path: Path) -> dict[str, str]:
    """An environment whose TMPDIR is a fresh directory, to see what a run leaves there."""
    scratch = tmp_path / "tmpdir"
    scratch.mkdir(exist_ok=True)
    return {**os.environ, "TMPDIR": str(scratch), "NO_COLOR": "1", "TERM": "dumb"}


# 1. Interrupts, anywhere in a real run: done (0) or untouched (130), one line, no leftovers.


def interrupted_run(
    command: list[str], delay: float, env: dict[str, str], cwd: Path, reset: Callable[[], None]
) -> subprocess.CompletedProcess[str]:
    """Run command, send SIGINT after delay seconds. A Ctrl-C that lands while the
    interpreter is still starting (no dockwright frame yet: Python's own start, or the
    console script's `import re`, slow on a loaded machine) is not the point under test:
    that run is made again, up to five times, after reset() has put back the files as they
    were. Python then either dies of it (-SIGINT) or, when it lands in a callback of the
    import machinery, reports it as "Exception ignored" and goes on, finishing the run:
    neither names a dockwright file."""
    for attempt in range(5):
        if attempt:
            reset()
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
        pythons_own = process.returncode == -signal.SIGINT or err.startswith("Exception ignored")
        if not (pythons_own and "/dockwright/" not in err):
            break
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def emptied(directory: Path) -> None:
    for path in directory.iterdir():
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def restored(repo: Path, *, ignored_too: bool = False) -> None:
    """The work tree as committed: untracked files gone, and the ignored ones too when
    ignored_too (a generated project's .env is ignored, and was there before)."""
    subprocess.run(["git", "checkout", "--", "."], cwd=repo, capture_output=True, check=True)
    clean = ["git", "clean", "-fdq" + ("x" if ignored_too else "")]
    subprocess.run(clean, cwd=repo, capture_output=True, check=True)


# dockwright's first line notes Ctrl-C instead of raising it: from there on, a run ends done
# or untouched.
DELAYS = [0.08, 0.15, 0.25, 0.4, 0.6, 0.8, 1.0, 1.3, 1.8]


@pytest.mark.parametrize("delay", DELAYS)
def test_create_interrupted_at_any_point_is_done_or_untouched(
    tmp_path: Path, answers: Path, delay: float
) -> None:
    env = private_tmp(tmp_path)
    reference = tmp_path / "reference"
    generate.create(reference, {"project_name": "demo", "app_kind": "flask"}, interactive=False)
    work = tmp_path / "work"
    work.mkdir()

    result = interrupted_run(
        cli("demo", "--answers-file", str(answers)), delay, env, work, lambda: emptied(work)
    )

    assert "Traceback" not in result.stderr
    assert "Exception ignored" not in result.stderr
    assert list((tmp_path / "tmpdir").iterdir()) == []
    if result.returncode == 130:
        assert result.stderr == "new-project: error: interrupted; nothing was written\n"
        assert list(work.iterdir()) == []
    else:
        assert result.returncode == 0, result.stderr
        assert sorted(p.relative_to(work / "demo") for p in (work / "demo").rglob("*")) == sorted(
            p.relative_to(reference) for p in reference.rglob("*")
        )
        assert [p.name for p in work.iterdir()] == ["demo"]


def committed(repo: Path) -> tuple[dict[str, bytes | None], str, str]:
    """The work tree, git's index entries and status. (An undo by git rewrites the index
    file's cached file times, not what it holds.)"""
    files = {k: v for k, v in tree(repo).items() if k != ".git/index"}
    entries = subprocess.run(
        ["git", "ls-files", "--stage"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout
    status = subprocess.run(
        ["git", "status", "--porcelain", "--ignored"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return files, entries, status


@pytest.mark.parametrize("delay", [0.3, 0.9, 1.4, 2.0, 2.6])
def test_update_interrupted_at_any_point_is_done_or_untouched(tmp_path: Path, delay: float) -> None:
    dest = project(tmp_path)
    before = committed(dest)
    env = private_tmp(tmp_path)

    result = interrupted_run(
        cli("update", str(dest), "--data", "python_version=3.11"),
        delay,
        env,
        tmp_path,
        lambda: restored(dest),
    )

    assert "Traceback" not in result.stderr
    assert "Exception ignored" not in result.stderr
    assert list((tmp_path / "tmpdir").iterdir()) == []
    if result.returncode == 130:
        assert one_line(result.stderr).startswith("new-project: error: interrupted")
        assert committed(dest) == before
    else:
        assert result.returncode == 0, result.stderr
        recorded = yaml.safe_load((dest / ".copier-answers.yml").read_text())
        assert recorded["python_version"] == "3.11"
        assert "\nARG PYTHON_VERSION=3.11\n" in (dest / "Dockerfile").read_text()


@pytest.mark.parametrize("delay", [0.1, 0.5, 0.9, 1.3, 1.8])
def test_adopt_interrupted_at_any_point_is_done_or_untouched(tmp_path: Path, delay: float) -> None:
    repo = repos.make("pip-flask", tmp_path)
    before = tree(repo)
    env = private_tmp(tmp_path)

    result = interrupted_run(
        cli("adopt", str(repo), "--yes"),
        delay,
        env,
        tmp_path,
        lambda: restored(repo, ignored_too=True),
    )

    assert "Traceback" not in result.stderr
    assert "Exception ignored" not in result.stderr
    assert list((tmp_path / "tmpdir").iterdir()) == []
    if result.returncode == 130:
        assert result.stderr == "new-project: error: interrupted; nothing was written\n"
        assert tree(repo) == before
    else:
        assert result.returncode == 0, result.stderr
        assert (repo / ".copier-answers.yml").is_file()
        assert (repo / "Dockerfile").is_file()


@pytest.mark.parametrize("command", ["create", "update", "adopt"])
def test_ctrl_c_while_reporting_after_the_work_is_done_says_done(
    tmp_path: Path,
    answers: Path,
    command: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if command == "create":
        args = [str(tmp_path / "demo"), "--answers-file", str(answers)]
    elif command == "update":
        args = ["update", str(project(tmp_path)), "--data", "python_version=3.11"]
    else:
        args = ["adopt", str(repos.make("pip-flask", tmp_path)), "--yes"]
    capsys.readouterr()
    calls = []

    def interrupted(*objects: Any) -> None:
        calls.append(objects)
        if command != "adopt" or len(calls) > 1:  # adopt prints its guesses before the work
            raise KeyboardInterrupt

    monkeypatch.setattr(dockwright.console, "say", interrupted)

    assert main(args) == 0
    line = one_line(capsys.readouterr().err)
    assert line.startswith("new-project: interrupted after the work was done: ")


def test_ctrl_c_during_the_cleanup_after_the_run_is_dropped(
    tmp_path: Path, answers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cleanup = dockwright.versions.cleanup

    def interrupted_cleanup() -> None:
        os.kill(os.getpid(), signal.SIGINT)  # a real Ctrl-C, delivered at once
        cleanup()

    monkeypatch.setattr(dockwright.versions, "cleanup", interrupted_cleanup)
    # Python's own handler, as in a process started from a terminal (one started in the
    # background by a shell inherits SIGINT ignored, and Python then keeps it so).
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        assert main([str(tmp_path / "demo"), "--answers-file", str(answers)]) == 0
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, inherited)


def test_no_scratch_directory_outlives_a_run(
    tmp_path: Path, answers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "tmpdir"
    scratch.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(scratch))
    assert main([str(tmp_path / "demo"), "--answers-file", str(answers)]) == 0
    assert list(scratch.iterdir()) == []


# 2. Errors midway: all or nothing, --force included.


def with_files(contents: dict[str, str | None]) -> Callable[[Path], Path]:
    """A directory holding these files (None: a directory)."""

    def make(tmp_path: Path) -> Path:
        root = tmp_path / "a"
        root.mkdir()
        for name, text in contents.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if text is None:
                path.mkdir()
            else:
                path.write_text(text)
        return root

    return make


@pytest.mark.parametrize(
    ("contents", "says"),
    [
        ({"scripts": "a file\n"}, "is a file where the project needs a directory"),
        ({"Dockerfile": None}, "is a directory where the project has a file"),
        ({"demo": "a file\n", "notes.txt": "mine\n"}, "is a file where the project needs"),
        ({"tests/test_app.py": None}, "is a directory where the project has a file"),
    ],
    ids=["scripts-a-file", "dockerfile-a-dir", "package-a-file", "test-a-dir"],
)
def test_create_force_into_a_clashing_directory_writes_nothing(
    tmp_path: Path,
    answers: Path,
    contents: dict[str, str | None],
    says: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    dest = with_files(contents)(tmp_path)
    before = tree(tmp_path)
    assert main([str(dest), "--answers-file", str(answers), "--force"]) == 2
    assert says in one_line(capsys.readouterr().err)
    assert tree(tmp_path) == before


@pytest.mark.parametrize("clash", ["scripts", "data", "models"])
def test_adopt_with_a_file_where_a_folder_goes_writes_nothing(
    tmp_path: Path, clash: str, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = repos.make("pipenv-job", tmp_path)
    (repo / clash).write_text("a file of the project's own\n")
    before = tree(tmp_path)
    assert main(["adopt", str(repo), "--yes"]) == 2
    assert "is a file where the project needs a directory" in one_line(capsys.readouterr().err)
    assert tree(tmp_path) == before


@pytest.mark.parametrize("failure", [KeyboardInterrupt, OSError(28, "No space left on device")])
@pytest.mark.parametrize("at", [1, 6, 20])
def test_a_force_copy_cut_short_puts_every_replaced_file_back(
    tmp_path: Path,
    answers: Path,
    failure: BaseException | type[BaseException],
    at: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    dest = with_files({"Dockerfile": "FROM mine\n", "README.md": "# mine\n", ".env": "SECRET=1\n"})(
        tmp_path
    )
    before = tree(tmp_path)
    copies = []
    copy = shutil.copy2

    def cut_short(source: Path, target: Path) -> object:
        copies.append(target)
        if len(copies) == at:
            Path(target).write_text("half")
            raise failure
        return copy(source, target)

    monkeypatch.setattr(shutil, "copy2", cut_short)  # dockwright.generate copies with it

    code = main([str(dest), "--answers-file", str(answers), "--force"])

    assert code == (130 if failure is KeyboardInterrupt else 1)
    line = one_line(capsys.readouterr().err)
    assert "nothing was written" in line or "No space left" in line
    assert tree(tmp_path) == before


# 3. The user's files: never changed without --force, never written through a link.


def test_adopt_leaves_an_existing_env_as_it_is_and_names_what_it_lacks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = repos.make("pip-flask", tmp_path)
    env = repo / ".env"
    env.write_text("FLASK_DEBUG=1\n")
    env.chmod(0o644)

    assert main(["adopt", str(repo), "--yes"]) == 0

    assert env.read_text() == "FLASK_DEBUG=1\n"
    assert env.stat().st_mode & 0o777 == 0o644
    out = capsys.readouterr().out
    assert "add DEV_UID, DEV_GID" in out
    assert ".env" not in out.split("overwrote")[-1] or "overwrote" not in out


def test_adopt_writes_a_new_env_only_when_there_is_none(tmp_path: Path) -> None:
    repo = repos.make("pip-flask", tmp_path)
    assert main(["adopt", str(repo), "--yes"]) == 0
    assert "DEV_UID=" in (repo / ".env").read_text()
    assert (repo / ".env").stat().st_mode & 0o777 == 0o600


def test_adopt_refuses_a_dangling_symlink_where_it_would_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = repos.make("pip-flask", tmp_path)
    (repo / "Dockerfile").symlink_to("docker/Dockerfile.real")
    before = tree(tmp_path)
    assert main(["adopt", str(repo), "--yes"]) == 2
    assert "would overwrite 1 existing file(s): Dockerfile (a symlink" in one_line(
        capsys.readouterr().err
    )
    assert tree(tmp_path) == before
    assert (repo / "Dockerfile").is_symlink()


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_adopt_never_writes_through_a_symlinked_folder(
    tmp_path: Path, force: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    repo = repos.make("pip-flask", tmp_path)
    (repo / "scripts").symlink_to(outside)
    before = tree(tmp_path)

    assert main(["adopt", str(repo), "--yes", *force]) == 2

    assert "is a symlink" in one_line(capsys.readouterr().err)
    assert list(outside.iterdir()) == []
    assert tree(tmp_path) == before


def test_create_force_replaces_a_symlinked_file_not_its_target_and_says_so(
    tmp_path: Path, answers: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("elsewhere\n")
    dest = tmp_path / "a"
    dest.mkdir()
    (dest / "Dockerfile").symlink_to(outside)

    assert main([str(dest), "--answers-file", str(answers), "--force"]) == 0

    assert outside.read_text() == "elsewhere\n"
    assert not (dest / "Dockerfile").is_symlink()
    assert "overwrote Dockerfile (a symlink: the link is replaced)" in capsys.readouterr().out


@pytest.mark.parametrize("paths", ["../../etc/x.yml", "/etc/x.yml", "environment.yml ../x.yml"])
def test_adopt_paths_outside_the_project_are_refused(
    tmp_path: Path, paths: str, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = repos.make("conda-job", tmp_path)
    before = tree(tmp_path)
    assert main(["adopt", str(repo), "--yes", "--data", f"environment_files={paths}"]) == 2
    assert "must stay inside the project" in one_line(capsys.readouterr().err)
    assert tree(tmp_path) == before


# 4. Two runs at once: one wins, the other refuses.


def test_two_creates_of_one_destination_do_not_mix(tmp_path: Path) -> None:
    flask = tmp_path / "flask.yml"
    flask.write_text("project_name: demo\napp_kind: flask\n")
    job = tmp_path / "job.yml"
    job.write_text("project_name: demo\napp_kind: ml-job\n")
    env = private_tmp(tmp_path)
    runs = [
        subprocess.Popen(
            cli("demo", "--answers-file", str(a)),
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for a in (flask, job)
    ]
    errors = [run.communicate(timeout=120)[1] for run in runs]
    results = [(run.returncode, err) for run, err in zip(runs, errors, strict=True)]

    codes = sorted(code for code, _ in results)
    assert codes == [0, 2]
    [refused] = [err for code, err in results if code == 2]
    assert "demo" in one_line(refused)
    kind = yaml.safe_load((tmp_path / "demo" / ".copier-answers.yml").read_text())["app_kind"]
    has_views = (tmp_path / "demo" / "demo" / "views.py").exists()
    has_model = (tmp_path / "demo" / "demo" / "model.py").exists()
    assert (kind, has_views, has_model) in [("flask", True, False), ("ml-job", False, True)]


@pytest.mark.parametrize("command", ["update", "adopt"])
def test_a_second_run_on_a_locked_project_refuses(
    tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    if command == "update":
        directory = project(tmp_path)
        args = ["update", str(directory), "--data", "python_version=3.11"]
    else:
        directory = repos.make("pip-flask", tmp_path)
        args = ["adopt", str(directory), "--yes"]
    before = tree(tmp_path)
    with lock.held(directory):
        assert main(args) == 2
    assert "another dockwright run is changing" in one_line(capsys.readouterr().err)
    assert tree(tmp_path) == before


def test_two_updates_at_once_leave_answers_and_files_agreeing(tmp_path: Path) -> None:
    dest = project(tmp_path)
    env = private_tmp(tmp_path)
    runs = [
        subprocess.Popen(
            cli("update", str(dest), "--data", f"python_version={v}"),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for v in ("3.11", "3.12")
    ]
    for run in runs:
        run.communicate(timeout=120)
    assert sorted(run.returncode for run in runs) == [0, 2]
    version = yaml.safe_load((dest / ".copier-answers.yml").read_text())["python_version"]
    assert f"PYTHON_VERSION={version}" in (dest / "Dockerfile").read_text()


# 5. The environment does not leak into dockwright's git calls.


@pytest.mark.parametrize("variable", ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"])
def test_git_variables_of_another_repository_are_not_followed(
    tmp_path: Path, answers: Path, variable: str
) -> None:
    other = tmp_path / "other"
    repos.write(other, {"README.md": "other\n"})
    repos.commit(other)
    before = tree(other)
    value = {
        "GIT_DIR": str(other / ".git"),
        "GIT_WORK_TREE": str(other),
        "GIT_INDEX_FILE": str(other / ".git" / "index"),
    }[variable]
    env = {**private_tmp(tmp_path), variable: value}

    created = subprocess.run(
        cli(str(tmp_path / "out"), "--answers-file", str(answers)),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert created.returncode == 0, created.stderr
    repos.commit(tmp_path / "out")
    updated = subprocess.run(
        cli("update", str(tmp_path / "out"), "--data", "python_version=3.11"),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert updated.returncode == 0, updated.stderr
    assert tree(other) == before


# 6. Names that would make a broken project.

SHADOWING = [
    "flask", "json", "email", "werkzeug", "pytest", "class", "import", "gunicorn",
    "sklearn", "joblib", "numpy", "tests", "scripts", "typing-extensions", "code",
]  # fmt: skip


@pytest.mark.parametrize("name", SHADOWING)
def test_a_name_that_shadows_a_module_is_refused_with_a_suggestion(
    tmp_path: Path, answers: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tree(tmp_path)
    code = main(
        [str(tmp_path / "x"), "--answers-file", str(answers), "--data", f"project_name={name}"]
    )
    assert code == 2
    line = one_line(capsys.readouterr().err)
    assert f"choose another name, e.g. {name} app" in line
    assert tree(tmp_path) == before


def test_the_reserved_names_are_current() -> None:
    import reserved_names

    assert reserved_names.TARGET.read_text() == reserved_names.render()


# 7. Input at fault is exit 2 naming what is wrong, not "please report this".


def long_name(tmp_path: Path) -> list[str]:
    return [str(tmp_path / ("x" * 300))]


def under_a_file(tmp_path: Path) -> list[str]:
    (tmp_path / "file.txt").write_text("a file\n")
    return [str(tmp_path / "file.txt" / "demo")]


def dangling(tmp_path: Path) -> list[str]:
    (tmp_path / "link").symlink_to(tmp_path / "nowhere")
    return [str(tmp_path / "link")]


def deep_long(tmp_path: Path) -> list[str]:
    return [str(tmp_path / "a" / ("y" * 256) / "demo")]


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (long_name, "over 255 bytes"),
        (deep_long, "over 255 bytes"),
        (under_a_file, "is a file, not a directory"),
        (dangling, "is a symlink to nothing"),
    ],
    ids=["name-over-255", "folder-over-255", "under-a-file", "dangling-symlink"],
)
def test_a_destination_that_cannot_be_is_exit_2(
    tmp_path: Path,
    answers: Path,
    make: Callable[[Path], list[str]],
    says: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = make(tmp_path)
    before = tree(tmp_path)
    assert main([*args, "--answers-file", str(answers)]) == 2
    assert says in one_line(capsys.readouterr().err)
    assert tree(tmp_path) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root searches any directory: nothing to refuse")
def test_a_destination_without_search_permission_is_exit_2(
    tmp_path: Path, answers: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o600)
    assert main([str(locked / "demo"), "--answers-file", str(answers)]) == 2
    assert "locked" in one_line(capsys.readouterr().err)


def recorded(replace: str, by: str) -> Callable[[Path], Path]:
    def make(tmp_path: Path) -> Path:
        dest = project(tmp_path)
        answers_file = dest / ".copier-answers.yml"
        text = answers_file.read_text()
        assert replace in text
        answers_file.write_text(text.replace(replace, by))
        repos.commit(dest, "edited answers")
        return dest

    return make


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (recorded("_commit: v", "_commit: v0.1.7 #"), "_commit v0.1.7 is no version"),
        (recorded("python_version: '3.14'", "python_version: [3.14]"), "expected text, got a list"),
        (recorded("python_version: '3.14'", "python_version: 3.13"), "is the number 3.13"),
        (recorded("python_version: '3.14'", "python_version: 3.10"), "read as the number 3.1"),
        (recorded("app_kind: flask", "app_kind: {a: 1}"), "expected text, got a mapping"),
        (recorded("app_kind: flask", "app_kind: true"), "expected text, got a boolean"),
    ],
    ids=["unknown-commit", "list", "float-3.13", "float-3.10", "mapping", "boolean"],
)
def test_a_recorded_answer_of_the_wrong_kind_is_exit_2(
    tmp_path: Path,
    make: Callable[[Path], Path],
    says: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    dest = make(tmp_path)
    before = tree(tmp_path)
    assert main(["update", str(dest), "--data", "database=postgres"]) == 2
    line = one_line(capsys.readouterr().err)
    assert says in line
    assert ".copier-answers.yml" in line
    assert tree(tmp_path) == before


def test_python_version_310_in_an_answers_file_says_to_quote_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text("project_name: demo\npython_version: 3.10\n")
    assert main([str(tmp_path / "demo"), "--answers-file", str(answers)]) == 2
    line = one_line(capsys.readouterr().err)
    assert "read as the number 3.1" in line
    assert 'quote it (e.g. python_version: "' in line


# 8. Output that cannot be written does not fail work that was done.


@pytest.mark.parametrize(
    "shell",
    [
        "{cmd} | head -c 10 > /dev/null",
        "{cmd} > /dev/full",
        "{cmd} | true",
    ],
    ids=["head", "dev-full", "closed-pipe"],
)
def test_output_that_cannot_be_written_is_not_a_failure(
    tmp_path: Path, answers: Path, shell: str
) -> None:
    piped(tmp_path, shell, str(tmp_path / "demo"), "--answers-file", str(answers))
    assert (tmp_path / "demo" / "Dockerfile").is_file()


def piped(tmp_path: Path, shell: str, *args: str) -> None:
    """Run new-project ARGS as `shell` puts it, under pipefail: it must exit 0, silently."""
    command = " ".join(cli(*args))
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", shell.format(cmd=command)],
        env=private_tmp(tmp_path),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_an_ascii_locale_and_a_non_ascii_destination(tmp_path: Path, answers: Path) -> None:
    env = {**private_tmp(tmp_path), "LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": "ascii"}
    result = subprocess.run(
        cli(str(tmp_path / "café"), "--answers-file", str(answers)),
        env=env,
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "café" / "Dockerfile").is_file()


def test_check_json_into_a_closed_pipe(tmp_path: Path) -> None:
    dest = project(tmp_path)
    args = ["check", str(dest), "--format", "json", "--fail-on", "never"]
    piped(tmp_path, "{cmd} | head -c 1 > /dev/null", *args)


def test_piped_output_is_not_wrapped(tmp_path: Path) -> None:
    deep = tmp_path / ("a-rather-long-folder-name-" * 3) / "project"
    dest = project(deep.parent, "project")
    result = subprocess.run(
        [*cli("check", str(dest)), "--fail-on", "never"],
        env=private_tmp(tmp_path),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert f"{dest}: no findings." in result.stdout.splitlines()


# 9. Messages that name the real cause.


def test_a_repository_of_another_user_is_named_as_such(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if os.geteuid() != 0:
        pytest.skip("giving the repository to another user needs root")
    dest = project(tmp_path)
    for path in [dest, *dest.rglob("*")]:
        os.lchown(path, 4242, 4242)
    assert main(["update", str(dest), "--data", "python_version=3.11"]) == 2
    line = one_line(capsys.readouterr().err)
    assert "belongs to another user" in line
    assert "safe.directory" in line


def test_a_stale_index_lock_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dest = project(tmp_path)
    (dest / ".git" / "index.lock").write_text("")
    before = tree(tmp_path)
    assert main(["update", str(dest), "--data", "python_version=3.11"]) == 2
    assert "index.lock exists" in one_line(capsys.readouterr().err)
    assert tree(tmp_path) == before


def test_a_failed_undo_keeps_the_cause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = project(tmp_path)

    def fails(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("copier fell over")

    real_git = dockwright.update._git

    def git(directory: Path, *args: str) -> list[str]:
        if args[0] == "reset":
            (dest / ".git" / "index.lock").write_text("")
        return real_git(directory, *args)

    monkeypatch.setattr(copier, "run_update", fails)  # dockwright.copier_boundary calls it
    monkeypatch.setattr(dockwright.update, "_git", git)

    assert main(["update", str(dest), "--data", "python_version=3.11"]) == 1
    line = one_line(capsys.readouterr().err.replace(" (please report this)", ""))
    assert "copier fell over" in line
    assert "undoing it failed too" in line


# 10. Nothing blocks: every read is bounded.


@pytest.mark.parametrize("source", ["fifo", "/dev/zero", "/dev/urandom"])
def test_an_answers_file_that_never_ends_is_refused(
    tmp_path: Path,
    source: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(files, "STREAM_SECONDS", 1)
    path = Path(source)
    if source == "fifo":
        path = tmp_path / "answers.yml"
        os.mkfifo(path)
    started = time.monotonic()
    assert main([str(tmp_path / "demo"), "--answers-file", str(path)]) == 2
    assert time.monotonic() - started < 10
    assert str(path) in one_line(capsys.readouterr().err)
    assert not (tmp_path / "demo").exists()


def test_an_answers_file_from_process_substitution_is_read(tmp_path: Path) -> None:
    command = " ".join(cli(str(tmp_path / "demo"), "--answers-file"))
    result = subprocess.run(
        ["bash", "-c", f"{command} <(printf 'project_name: demo\\napp_kind: ml-job\\n')"],
        env=private_tmp(tmp_path),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "demo" / "demo" / "model.py").is_file()


# 11. Links to the project, links in it, and a terminal that cannot draw.


def test_update_through_a_symlink_to_the_project(tmp_path: Path) -> None:
    dest = project(tmp_path)
    (tmp_path / "link").symlink_to(dest)
    assert main(["update", str(tmp_path / "link"), "--data", "python_version=3.11"]) == 0
    assert yaml.safe_load((dest / ".copier-answers.yml").read_text())["python_version"] == "3.11"


def test_update_refuses_a_symlinked_answers_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = project(tmp_path)
    (dest / ".copier-answers.yml").rename(dest / "answers.yml")
    (dest / ".copier-answers.yml").symlink_to("answers.yml")
    repos.commit(dest, "answers elsewhere")
    before = tree(tmp_path)
    assert main(["update", str(dest), "--data", "python_version=3.11"]) == 2
    assert "is a symlink" in one_line(capsys.readouterr().err)
    assert tree(tmp_path) == before
    assert (dest / ".copier-answers.yml").is_symlink()


def test_the_wizard_refuses_a_dumb_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.setattr(dockwright.cli, "stdin_is_interactive", lambda: True)
    assert main([str(tmp_path / "demo")]) == 2
    out, err = capsys.readouterr()
    assert "\x1b" not in out + err
    assert "TERM=dumb" in one_line(err)
    assert not (tmp_path / "demo").exists()


def test_paths_and_guesses_are_printed_as_text_not_markup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "x[").mkdir()
    repo = repos.make("pip-flask", tmp_path / "x[")
    odd = repo.parent / "y]"
    repo.rename(odd)
    assert main(["adopt", str(odd), "--yes"]) == 0
    out = capsys.readouterr().out
    assert f"Detected in {odd}" in out
    assert f"Adopted {odd}" in out


def test_the_printed_cd_step_reaches_a_destination_with_a_space(
    tmp_path: Path, answers: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "Acme Shop"
    assert main([str(dest), "--answers-file", str(answers)]) == 0
    [step] = [
        line.strip(" │")
        for line in capsys.readouterr().out.splitlines()
        if line.strip(" │").startswith("cd ")
    ]
    moved = subprocess.run(
        ["bash", "-c", f"{step} && pwd"], capture_output=True, text=True, check=True
    )
    assert moved.stdout.strip() == str(dest)
