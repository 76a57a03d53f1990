"""`new-project adopt` on hostile projects: detect reads someone else's directory, so pipes,
huge files, wrong shapes, link loops, links leading out, trees too deep for recursion and
names no Dockerfile can hold must end in one line and exit 2 (a file detect must understand)
or be skipped (a source it merely scans), never in a hang, a traceback or "please report".
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from conftest import DEFAULT_PYTHON
from dockwright import files
from dockwright.cli import main
from dockwright.detect import detect
from dockwright.errors import UsageError

Entry = str | bytes | Callable[[Path], None]
SECONDS = 30  # far above any case's real run: past it, the run hangs


class Hung(BaseException):
    """Not an Exception, so no handler of the code under test swallows it."""


@pytest.fixture(autouse=True)
def deadline() -> Iterator[None]:
    """A blocking read or a backtracking regex fails the test instead of hanging the run."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise Hung(f"still running after {SECONDS} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def make(tmp_path: Path, contents: Mapping[str, Entry]) -> Path:
    """tmp_path/project holding contents: text, bytes, or a callable making the entry."""
    root = tmp_path / "project"
    root.mkdir()
    for name, entry in contents.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if callable(entry):
            entry(path)
        elif isinstance(entry, bytes):
            path.write_bytes(entry)
        else:
            path.write_text(entry)
    return root


def fifo(path: Path) -> None:
    os.mkfifo(path)


def directory(path: Path) -> None:
    path.mkdir()


def link(target: str) -> Callable[[Path], None]:
    return lambda path: path.symlink_to(target)


def oversize(text: str = "") -> Callable[[Path], None]:
    """text, then comment lines past files.LIMIT."""

    def create(path: Path) -> None:
        path.write_text(text + "#\n" * (files.LIMIT // 2 + 1))

    return create


def outside(contents: Mapping[str, str]) -> Callable[[Path], None]:
    """A link to a directory beside the project holding contents (the one key "": a link
    to a file of that text)."""

    def create(path: Path) -> None:
        root = next(p for p in path.parents if p.name == "project")
        target = root.parent / "outside" / path.name
        for name, text in contents.items():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_text(text)
        path.symlink_to(target)

    return create


NESTED: list[tuple[Path, str, int]] = []  # removed after each test (see nested)


def nested(name: str, depth: int) -> Callable[[Path], None]:
    """depth folders called name, one in the other, made through descriptors: the whole
    path may be longer than the system takes (PATH_MAX)."""

    def create(path: Path) -> None:
        NESTED.append((path, name, depth))
        path.mkdir()
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            for _ in range(depth):
                os.mkdir(name, dir_fd=fd)
                child = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
                os.close(fd)
                fd = child
            os.close(os.open("deep.py", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
        finally:
            os.close(fd)

    return create


@pytest.fixture(autouse=True)
def _remove_nested() -> Iterator[None]:
    """shutil.rmtree (pytest's cleanup) recurses: past Python's recursion limit it fails."""
    yield
    while NESTED:
        top, name, depth = NESTED.pop()
        if len(name) * depth > 3000:  # long, not deep: rmtree works through descriptors
            shutil.rmtree(top)
            continue
        for level in range(depth, -1, -1):
            folder = top.joinpath(*[name] * level)
            for entry in folder.iterdir():
                if not entry.is_dir():
                    entry.unlink()
            folder.rmdir()


def snapshot(root: Path) -> dict[str, str | bytes]:
    """Every path under root: a regular file's bytes, else what it is; nothing followed or
    opened but regular files, so a pipe does not block it."""
    found: dict[str, str | bytes] = {}
    for parent, dirs, names in os.walk(root):
        for name in dirs + names:
            path = Path(parent, name)
            mode = path.lstat().st_mode
            key = path.relative_to(root).as_posix()
            if stat.S_ISREG(mode):
                found[key] = path.read_bytes()
            elif stat.S_ISLNK(mode):
                found[key] = f"-> {os.readlink(path)}"
            else:
                found[key] = f"mode {mode:o}"
    return found


FLASK_APP = "from flask import Flask\n\napp = Flask(__name__)\n"
JOB = {"train.py": "print('trained')\n", "requirements.txt": "scikit-learn\n"}
FLASK = {"app.py": FLASK_APP, "requirements.txt": "flask\ngunicorn\n"}
PROJECT_TABLE = '[project]\nname = "shop"\n'
UNDECODABLE = b"\xff\xfe3.12\n"
LONG_NUMBER = "1" * 5000  # past int()'s 4300 digits

# (id, the project, what the one line on stderr says: one fragment or several)
REFUSED: list[tuple[str, Mapping[str, Entry], str | tuple[str, ...]]] = [
    # 1. A manifest that is no regular file, or too big: it would block or exhaust the run.
    (
        "fifo-requirements",
        {"app.py": FLASK_APP, "pyproject.toml": PROJECT_TABLE, "requirements.txt": fifo},
        "requirements.txt is not a regular file",
    ),
    ("fifo-pyproject", {**FLASK, "pyproject.toml": fifo}, "pyproject.toml is not a regular file"),
    ("fifo-python-version", {**JOB, ".python-version": fifo}, ".python-version is not a regular"),
    ("fifo-runtime-txt", {**JOB, "runtime.txt": fifo}, "runtime.txt is not a regular file"),
    ("fifo-pipfile", {"train.py": "", "Pipfile": fifo}, "Pipfile is not a regular file"),
    ("fifo-environment", {"train.py": "", "environment.yml": fifo}, "environment.yml is not a"),
    (
        "fifo-uv-lock",
        {"train.py": "", "pyproject.toml": PROJECT_TABLE, "uv.lock": fifo},
        "uv.lock is not a regular file",
    ),
    ("dir-pyproject", {**JOB, "pyproject.toml": directory}, "pyproject.toml is a directory"),
    (
        "oversize-requirements",
        {"train.py": "", "requirements.txt": oversize("flask\n")},
        f"requirements.txt is {files.LIMIT + 8} bytes; more than {files.LIMIT} is not read",
    ),
    (
        "oversize-pyproject",
        {**JOB, "pyproject.toml": oversize(PROJECT_TABLE)},
        "pyproject.toml is",
    ),
    (
        "manifest-links-outside",
        {"train.py": "", "requirements.txt": outside({"": "flask\n"})},
        "requirements.txt is a link to",
    ),
    (
        "manifest-broken-link",
        {"train.py": "", "requirements.txt": link("missing.txt")},
        "requirements.txt is a broken symbolic link",
    ),
    (
        "manifest-link-loop",
        {**JOB, "pyproject.toml": link("pyproject.toml")},
        "pyproject.toml cannot be read: Too many levels of symbolic links",
    ),
    # 2. A manifest of the wrong shape, or not TOML, YAML or UTF-8 at all.
    ("project-a-string", {**JOB, "pyproject.toml": 'project = "x"\n'}, "project must be a table"),
    (
        "dependencies-a-string",
        {**JOB, "pyproject.toml": PROJECT_TABLE + 'dependencies = "flask"\n'},
        "project.dependencies must be a list of strings; it is a string",
    ),
    (
        "dependencies-not-strings",
        {**JOB, "pyproject.toml": PROJECT_TABLE + 'dependencies = ["flask", 3]\n'},
        "project.dependencies must be a list of strings; it holds a number",
    ),
    (
        "optional-dependencies-a-list",
        {**JOB, "pyproject.toml": PROJECT_TABLE + "optional-dependencies = ['x']\n"},
        "project.optional-dependencies must be a table; it is a list",
    ),
    (
        "requires-python-a-number",
        {**JOB, "pyproject.toml": PROJECT_TABLE + "requires-python = 3\n"},
        "project.requires-python must be a string; it is a number",
    ),
    (
        "requires-python-huge-version",
        {**JOB, "pyproject.toml": PROJECT_TABLE + f'requires-python = ">=3.{LONG_NUMBER}"\n'},
        "project.requires-python '>=3.1111",
    ),
    (
        "build-backend-a-number",
        {**JOB, "pyproject.toml": "[build-system]\nbuild-backend = 1\n"},
        "build-system.build-backend must be a string; it is a number",
    ),
    (
        "dependency-groups-a-list",
        {**JOB, "pyproject.toml": 'dependency-groups = ["dev"]\n'},
        "dependency-groups must be a table; it is a list",
    ),
    (
        "dependency-group-holds-a-number",
        {**JOB, "pyproject.toml": "[dependency-groups]\ndev = [1]\n"},
        "dependency-groups.dev must be a list of strings and tables; it holds a number",
    ),
    (
        "tool-poetry-a-string",
        {**JOB, "pyproject.toml": '[tool]\npoetry = "x"\n'},
        "tool.poetry must be a table; it is a string",
    ),
    (
        "poetry-dependencies-a-list",
        {**JOB, "pyproject.toml": '[tool.poetry]\ndependencies = ["flask"]\n'},
        "tool.poetry.dependencies must be a table; it is a list",
    ),
    (
        "poetry-group-a-string",
        {**JOB, "pyproject.toml": '[tool.poetry.group]\ndev = "x"\n'},
        "tool.poetry.group.dev must be a table; it is a string",
    ),
    (
        "pyproject-deeply-nested",
        {**JOB, "pyproject.toml": "x = " + "[" * 100_000 + "]" * 100_000 + "\n"},
        "pyproject.toml is not valid TOML: nested too deeply",
    ),
    (
        "pyproject-not-utf8",
        {**JOB, "pyproject.toml": b"[project]\nname = '\xff'\n"},
        ("pyproject.toml", "not UTF-8 text"),
    ),
    (
        "pipfile-packages-a-list",
        {"train.py": "", "Pipfile": 'packages = ["flask"]\n'},
        "packages must be a table; it is a list",
    ),
    (
        "pipfile-python-a-number",
        {"train.py": "", "Pipfile": "[requires]\npython_version = 3.12\n"},
        "requires.python_version must be a string; it is a number",
    ),
    (
        "pipfile-python-not-a-version",
        {"train.py": "", "Pipfile": '[requires]\npython_version = "three"\n'},
        "requires.python_version 'three' is not a Python version",
    ),
    (
        "pipfile-huge-number",
        {"train.py": "", "Pipfile": f"x = {LONG_NUMBER}\n"},
        "Pipfile is not valid TOML: a number too long to read",
    ),
    (
        "python-version-not-utf8",
        {**JOB, ".python-version": UNDECODABLE},
        (".python-version", "not UTF-8 text"),
    ),
    (
        "runtime-txt-not-utf8",
        {**JOB, "runtime.txt": UNDECODABLE},
        ("runtime.txt", "not UTF-8 text"),
    ),
    (
        "environment-a-list",
        {"train.py": "", "environment.yml": "- python=3.12\n"},
        "environment.yml must be a mapping (name:, channels:, dependencies:); it is a list",
    ),
    (
        "environment-dependencies-a-string",
        {"train.py": "", "environment.yml": "dependencies: python=3.12\n"},
        "environment.yml: dependencies must be a list; it is a string",
    ),
    (
        "environment-dependency-a-number",
        {"train.py": "", "environment.yml": "dependencies:\n  - 3.12\n"},
        "dependencies must be strings (and a pip: list); it holds a number",
    ),
    (
        "environment-pip-not-strings",
        {"train.py": "", "environment.yml": "dependencies:\n  - pip:\n    - [x]\n"},
        "dependencies' pip: must be a list of strings; it holds a list",
    ),
    (
        "environment-impossible-date",
        {"train.py": "", "environment.yml": "created: 2001-13-01\ndependencies: []\n"},
        "environment.yml is not valid YAML",
    ),
    (
        "environment-not-utf8",
        {"train.py": "", "environment.yml": b"dependencies: [\xff]\n"},
        ("environment.yml", "not UTF-8 text"),
    ),
]


@pytest.mark.parametrize(
    ("contents", "message"), [pytest.param(*case[1:], id=case[0]) for case in REFUSED]
)
def test_a_manifest_detect_cannot_read_is_one_line_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    contents: Mapping[str, Entry],
    message: str | tuple[str, ...],
) -> None:
    root = make(tmp_path, contents)
    before = snapshot(tmp_path)

    code = main(["adopt", str(root), "--yes"])

    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert "Traceback" not in captured.err + captured.out
    assert "please report" not in captured.err
    [line] = captured.err.splitlines()
    assert all(m in line for m in ((message,) if isinstance(message, str) else message)), line
    assert str(root) in line, "the line names the file"
    assert snapshot(tmp_path) == before, "something was written"


def redos_lines(count: int) -> str:
    """Blank lines on which an unanchored `^\\W*` or `^\\s*` pattern backtracks for ever."""
    return "\n" * count


# (id, the project, what detect guesses from it)
SKIPPED: list[tuple[str, Mapping[str, Entry], dict[str, Any]]] = [
    # 1. A source that would block or exhaust the run is not scanned.
    ("fifo-source", {**JOB, "app.py": fifo}, {"app_kind": "ml-job", "source_paths": "train.py"}),
    (
        "fifo-in-package",
        {**JOB, "pkg/__init__.py": "", "pkg/app.py": FLASK_APP, "pkg/zz.py": fifo},
        {"app_kind": "flask", "wsgi_app": "pkg.app:app"},
    ),
    (
        "oversize-source",
        {**JOB, "big.py": oversize(FLASK_APP)},
        {"app_kind": "ml-job", "source_paths": "big.py train.py"},
    ),
    # 2. Trees rglob or recursion cannot walk; sources that are no files, or not ours.
    (
        "deeper-than-recursion",
        {**JOB, "pkg/__init__.py": "", "pkg/d": nested("d", 1100)},
        {"app_kind": "ml-job", "source_paths": "pkg/ train.py"},
    ),
    (
        "path-longer-than-path-max",
        {**JOB, "pkg/__init__.py": "", "pkg/d": nested("d" * 250, 20)},
        {"app_kind": "ml-job", "source_paths": "pkg/ train.py"},
    ),
    (
        "directory-named-like-a-module",
        {**JOB, "pkg/__init__.py": "", "pkg/data.py": directory},
        {"app_kind": "ml-job"},
    ),
    (
        "source-link-loop",
        {**JOB, "pkg/__init__.py": "", "pkg/loop.py": link("loop.py")},
        {"app_kind": "ml-job"},
    ),
    (
        "directory-link-loops",
        {**JOB, "pkg/__init__.py": "", "pkg/here.py": link("."), "pkg/up": link("..")},
        {"app_kind": "ml-job"},
    ),
    (
        "source-links-outside",
        {**JOB, "pkg/__init__.py": "", "pkg/app.py": outside({"": "def create_app():\n"})},
        {"app_kind": "ml-job"},
    ),
    (
        "src-links-outside",
        {**JOB, "src": outside({"pkg/__init__.py": "", "pkg/__main__.py": ""})},
        {"python_path": "", "source_paths": "train.py", "job_command": "python train.py"},
    ),
    (
        "undecodable-source",
        {**JOB, "app.py": b"# \xff\xfe\n" + FLASK_APP.encode()},
        {"app_kind": "flask", "wsgi_app": "app:app"},
    ),
    # 3. Found on an adversarial pass of our own.
    (
        # The top-level app.py is not under src/: its module was computed relative to src.
        "flask-app-outside-the-src-layout",
        {**FLASK, "src/pkg/__init__.py": "", "src/pkg/__main__.py": ""},
        {"python_path": "src", "app_kind": "ml-job", "job_command": "python -m pkg"},
    ),
    (
        # Names source_paths (space-separated, copied into a Dockerfile) cannot hold.
        "unusual-top-level-names",
        {
            **JOB,
            "my app.py": "",
            "evil\nRUN curl x.py": "",
            "\udcff.py": "",  # the byte 0xff: not UTF-8
            "x[b].py": "",
        },
        {"source_paths": "train.py"},
    ),
    (
        # pkg-x.app is no module: gunicorn could not import it.
        "flask-app-in-no-module",
        {**JOB, "pkg-x/__init__.py": "", "pkg-x/app.py": FLASK_APP},
        {"app_kind": "ml-job", "source_paths": "pkg-x/ train.py"},
    ),
    (
        "python-version-of-5000-digits",
        {**JOB, ".python-version": f"3.{LONG_NUMBER}\n"},
        {"python_version": DEFAULT_PYTHON},  # not read: the default, said so
    ),
    (
        "requirements-backtracking",
        {**FLASK, "requirements.txt": "flask\n" + redos_lines(1_000_000)},
        {"app_kind": "flask"},
    ),
    (
        "environment-backtracking",
        {"train.py": "", "environment.yml": "dependencies:\n  - numpy\n" + redos_lines(300_000)},
        {"package_manager": "conda", "python_version": DEFAULT_PYTHON},
    ),
]


@pytest.mark.parametrize(
    ("contents", "expected"), [pytest.param(*case[1:], id=case[0]) for case in SKIPPED]
)
def test_a_source_detect_cannot_read_is_skipped(
    tmp_path: Path, contents: Mapping[str, Entry], expected: dict[str, Any]
) -> None:
    root = make(tmp_path, contents)

    guess = detect(root)

    assert {k: guess.answers.get(k) for k in expected} == expected


def test_a_skipped_source_is_named_in_a_warning(tmp_path: Path) -> None:
    root = make(tmp_path, {**JOB, "pkg/__init__.py": "", "pkg/big.py": oversize()})
    assert f"1 Python file(s) not read (over {files.LIMIT} bytes or unreadable): pkg/big.py" in (
        detect(root).warnings
    )


def test_a_flask_app_with_blank_lines_in_requirements_finds_gunicorn(tmp_path: Path) -> None:
    requirements = "flask\n" + redos_lines(1_000_000) + "gunicorn==23.0.0\n"
    root = make(tmp_path, {**FLASK, "requirements.txt": requirements})
    assert not [w for w in detect(root).warnings if "gunicorn" in w]


def test_a_build_backend_is_not_read_as_markup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The table of guesses is rich output: a backend named "x[/y]" was a closing tag that
    matched none."""
    pyproject = PROJECT_TABLE + '\n[build-system]\nbuild-backend = "x[/y]"\n'
    root = make(tmp_path, {"train.py": "", "pyproject.toml": pyproject})

    code = main(["adopt", str(root), "--yes"])

    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Adopted" in captured.out


# Permissions: root reads everything, so as root these run in a child that became nobody.
UNPRIVILEGED: list[tuple[str, Mapping[str, Entry], str, dict[str, Any]]] = [
    # (id, the project, the path made unreadable, what detect guesses or the error it says)
    (
        "unsearchable-directory",
        {**JOB, "secret/__init__.py": ""},
        "secret",
        {"source_paths": "train.py"},
    ),
    (
        "unreadable-source",
        {**JOB, "pkg/__init__.py": "", "pkg/app.py": FLASK_APP},
        "pkg/app.py",
        {"app_kind": "ml-job"},
    ),
    (
        "unreadable-manifest",
        JOB,
        "requirements.txt",
        {"error": "requirements.txt cannot be read: Permission denied"},
    ),
]


def detect_as(root: Path, uid: int | None) -> dict[str, Any]:
    """detect(root)'s answers, or {"error": its UsageError}; as user uid in a forked child
    (None: in this process)."""

    def run() -> dict[str, Any]:
        try:
            return detect(root).answers
        except UsageError as error:
            return {"error": str(error)}

    if uid is None:
        return run()
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop root, detect, report, and leave without pytest's cleanup
        code = 0
        try:
            os.close(reader)
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            try:
                result = run()
            except Exception as error:
                result = {"crash": f"{type(error).__name__}: {error}"}
            os.write(writer, json.dumps(result).encode())
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(writer)
    try:
        with os.fdopen(reader, "rb") as pipe:
            report = pipe.read()
    finally:
        if os.waitpid(pid, os.WNOHANG) == (0, 0):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    assert report, "the child reported nothing"
    loaded: dict[str, Any] = json.loads(report)
    return loaded


@pytest.fixture
def shared_tmp(tmp_path: Path) -> Iterator[Path]:
    """tmp_path for this user; as root, a directory nobody can reach (pytest's are 0700)."""
    if os.geteuid() != 0:
        yield tmp_path
        return
    with tempfile.TemporaryDirectory(prefix="dockwright-hostile-") as name:
        os.chmod(name, 0o755)
        yield Path(name)


@pytest.mark.parametrize(
    ("contents", "unreadable", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in UNPRIVILEGED],
)
def test_what_cannot_be_read_for_permissions(
    shared_tmp: Path, contents: Mapping[str, Entry], unreadable: str, expected: dict[str, Any]
) -> None:
    root = make(shared_tmp, contents)
    (root / unreadable).chmod(0)
    nobody = 65534 if os.geteuid() == 0 else None

    result = detect_as(root, nobody)

    if "error" in expected:
        assert expected["error"] in result.get("error", ""), result
    else:
        assert {k: result.get(k) for k in expected} == expected, result
