"""`new-project check` under hostile input: whatever a project holds, check ends in bounded
time with findings (exit 0 or 1; a file that cannot be parsed is a DW100 finding naming it)
or, for input that cannot be read at all (a pipe, a device, a file over its limit, no
permission), with one line naming the file and what is wrong with it (exit 2), never a
traceback or "please report"; and it reads Dockerfiles as BuildKit does (heredocs, the
escape directive).
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import dockwright.check
from dockwright.check import HAND_WRITTEN, check, parse_dockerfile
from dockwright.cli import main
from dockwright.errors import UsageError
from test_bad_input import tree
from test_hostile import one_line

# Both send the whole build context (COPY .), so its .dockerignore is read (DW105).
DOCKERFILE = "FROM python:3.13-slim\nCOPY . /app\nUSER 10001\n"
INSTALLS = (
    "FROM python:3.13-slim\nRUN pip install --no-cache-dir -r requirements.txt\n"
    "COPY . /app\nUSER 10001\n"
)
Content = str | bytes | Callable[[Path], None]


def fifo(path: Path) -> None:
    os.mkfifo(path)


def link(target: str) -> Callable[[Path], None]:
    return lambda path: path.symlink_to(target)


def sparse(size: int) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        with path.open("wb") as file:
            file.truncate(size)

    return make


def make(root: Path, files: dict[str, Content]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, content in {"Dockerfile": DOCKERFILE, **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            content(path)
    return root


def cli(*args: str) -> list[str]:
    """new-project as its own process, for runs that hung before they were bounded."""
    script = Path(sys.executable).parent / "new-project"
    return [str(script) if script.exists() else "new-project", *args]


# 1. Files that cannot be parsed: one DW100 finding naming the file and what is wrong, the
# other rules still run, nothing written. Input that cannot be read at all (a pipe, a device,
# a file over its limit, no permission): exit 2, one line naming the file.

# 30 KB of YAML whose merge keys copy 1.2 million entries: one mapping of 1,100 keys merged
# into 1,100 others. (Doubling merges, `x2: {<<: [*x1, *x1]}`, no longer grow: PyYAML 6.0.4
# merges a key it has merged already once.)
_KEYS = ", ".join(f"k{i}: 1" for i in range(1100))
MERGES = f"x0: &x0 {{{_KEYS}}}\n" + "".join(f"x{i}: {{<<: *x0}}\n" for i in range(1, 1100))
UNPARSABLE: list[tuple[str, dict[str, Content], str, str]] = [
    # (id, the project's files besides a plain Dockerfile, the file named, what DW100 says)
    (
        "compose-services-a-list",
        {"compose.yaml": "services:\n  - web\n"},
        "compose.yaml",
        "services should be",
    ),
    (
        "compose-services-text",
        {"compose.yaml": "services: web\n"},
        "compose.yaml",
        "services should be a mapping",
    ),
    (
        "compose-a-list",
        {"compose.yaml": "- services\n"},
        "compose.yaml",
        "should be a mapping (services: ...)",
    ),
    ("compose-text", {"compose.yaml": "just text\n"}, "compose.yaml", "should be a mapping"),
    (
        "compose-service-a-list",
        {"compose.yaml": "services:\n  web: [a]\n"},
        "compose.yaml",
        "services.web",
    ),
    (
        "compose-depends-on-text",
        {"compose.yaml": "services:\n  web:\n    depends_on: db\n"},
        "compose.yaml",
        "services.web.depends_on should be",
    ),
    (
        "compose-depends-on-options-text",
        {"compose.yaml": "services:\n  web: {depends_on: {db: up}}\n  db: {image: postgres:17}\n"},
        "compose.yaml",
        "services.web.depends_on should be",
    ),
    (
        "compose-override-services-a-list",
        {"compose.yaml": "services: {}\n", "compose.override.yaml": "services: [web]\n"},
        "compose.override.yaml",
        "services should be",
    ),
    (
        "compose-not-utf8",
        {"compose.yaml": b"services:\n  w\xe9b: {}\n"},
        "compose.yaml",
        "not UTF-8",
    ),
    (
        "compose-bad-date",
        {"compose.yaml": "x-when: 2024-13-45\n"},
        "compose.yaml",
        "not valid YAML",
    ),
    (
        "compose-long-number",
        {"compose.yaml": "x-n: " + "1" * 5000},
        "compose.yaml",
        "not valid YAML",
    ),
    (
        "compose-deep",
        {"compose.yaml": "x: " + "[" * 5000 + "]" * 5000},
        "compose.yaml",
        "nested too deeply",
    ),
    (
        "compose-not-yaml",
        {"compose.yaml": "services: [\n"},
        "compose.yaml",
        "not valid YAML at line 2",
    ),
    (
        "project-text",
        {"pyproject.toml": 'project = "app"\n'},
        "pyproject.toml",
        "[project] should be a table",
    ),
    (
        "dependencies-text",
        {"pyproject.toml": '[project]\ndependencies = "flask"\n'},
        "pyproject.toml",
        "project.dependencies should be a list, not text",
    ),
    (
        "dependencies-numbers",
        {"pyproject.toml": "[project]\ndependencies = [1]\n"},
        "pyproject.toml",
        "project.dependencies should hold only strings",
    ),
    (
        "extras-text",
        {"pyproject.toml": '[project.optional-dependencies]\ndev = "pytest"\n'},
        "pyproject.toml",
        "project.optional-dependencies.dev should be a list",
    ),
    (
        "dependency-groups-text",
        {"pyproject.toml": 'dependency-groups = "dev"\n'},
        "pyproject.toml",
        "[dependency-groups] should be a table",
    ),
    (
        "poetry-text",
        {"pyproject.toml": '[tool]\npoetry = "yes"\n'},
        "pyproject.toml",
        "[tool.poetry] should be",
    ),
    (
        "poetry-groups-a-list",
        {"pyproject.toml": "[tool.poetry]\ngroup = [1]\n"},
        "pyproject.toml",
        "tool.poetry.group should be a table",
    ),
    ("pyproject-not-toml", {"pyproject.toml": "[project\n"}, "pyproject.toml", "not valid TOML"),
    (
        "pyproject-long-number",
        {"pyproject.toml": "x = " + "1" * 5000},
        "pyproject.toml",
        "not valid TOML",
    ),
    (
        "pyproject-deep",
        {"pyproject.toml": "x = " + "[" * 5000 + "]" * 5000},
        "pyproject.toml",
        "not valid TOML",
    ),
    ("uv-lock-package-text", {"uv.lock": 'package = "x"\n'}, "uv.lock", "package should be"),
    (
        "poetry-lock-package-numbers",
        {"poetry.lock": "package = [1]\n"},
        "poetry.lock",
        "should be a table",
    ),
    (
        "poetry-lock-name-number",
        {"poetry.lock": "[[package]]\nname = 1\n"},
        "poetry.lock",
        "name should be",
    ),
    (
        "pipfile-lock-a-list",
        {"Pipfile": "[packages]\nflask = '*'\n", "Pipfile.lock": "[]"},
        "Pipfile.lock",
        "Pipfile.lock should be a JSON object, not a list",
    ),
    (
        "pipfile-lock-default-a-list",
        {"Pipfile": "[packages]\nflask = '*'\n", "Pipfile.lock": '{"default": ["flask"]}'},
        "Pipfile.lock",
        "default should be a JSON object, not a list",
    ),
    (
        "pipfile-lock-not-json",
        {"Pipfile": "[packages]\n", "Pipfile.lock": "{"},
        "Pipfile.lock",
        "not valid JSON",
    ),
    (
        "pipfile-lock-not-utf8",
        {"Pipfile": "[packages]\n", "Pipfile.lock": b'{"default": {"caf\xe9": {}}}'},
        "Pipfile.lock",
        "not UTF-8",
    ),
    (
        "pipfile-packages-text",
        {"Pipfile": 'packages = "flask"\n', "Pipfile.lock": "{}"},
        "Pipfile",
        "[packages] should be a table",
    ),
    (
        "conda-sums-not-utf8",
        {"environment.yml": "", "conda-lock.yml": "", "conda-lock.sha256": b"\xff  x\n"},
        "conda-lock.sha256",
        "not UTF-8",
    ),
    (
        "dockerfile-unknown-instruction",
        {"Dockerfile": "FORM python:3.13\n"},
        "Dockerfile",
        "unknown instruction FORM",
    ),
    (
        "dockerfile-run-before-from",
        {"Dockerfile": "RUN ls\n" + DOCKERFILE},
        "Dockerfile",
        "RUN before the first FROM",
    ),
    ("dockerfile-no-from", {"Dockerfile": "ARG X=1\n"}, "Dockerfile", "no FROM instruction"),
]


@pytest.mark.parametrize(
    ("files", "name", "message"), [pytest.param(*case[1:], id=case[0]) for case in UNPARSABLE]
)
def test_a_file_that_cannot_be_parsed_is_a_dw100_finding(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    files: dict[str, Content],
    name: str,
    message: str,
) -> None:
    project = make(tmp_path / "project", files)
    before = tree(tmp_path)

    code = main(["check", str(project), "--format", "json"])

    captured = capsys.readouterr()
    assert code == 1, captured.err
    assert "finding(s) at or above warning" in one_line(captured.err)
    report = json.loads(captured.out)
    [unparsable] = [f for f in report["findings"] if f["rule"] == "DW100"]
    assert unparsable["file"] == name
    assert unparsable["severity"] == "error"
    assert message in unparsable["why"]
    assert tree(tmp_path) == before, "something was written"


def test_the_other_rules_run_past_an_unparsable_file(tmp_path: Path) -> None:
    files: dict[str, Content] = {"compose.yaml": "services: [\n", "Dockerfile": INSTALLS}
    files["requirements.txt"] = "flask\n"
    findings = check(make(tmp_path / "project", files))
    assert {f.rule for f in findings} >= {"DW100", "DW105", "DW107"}


INVALID: list[tuple[str, dict[str, Content], str]] = [
    # (id, the project's files besides a plain Dockerfile, what the one line says)
    ("fifo-dockerfile", {"Dockerfile.dev": fifo}, "Dockerfile.dev is not a regular file"),
    ("fifo-nested-dockerfile", {"app/Dockerfile": fifo}, "app/Dockerfile is not a regular file"),
    ("fifo-compose", {"compose.yaml": fifo}, "compose.yaml is not a regular file"),
    ("fifo-pyproject", {"pyproject.toml": fifo}, "pyproject.toml is not a regular file"),
    ("fifo-dockerignore", {".dockerignore": fifo}, ".dockerignore is not a regular file"),
    (
        "fifo-requirements",
        {"Dockerfile": INSTALLS, "requirements.txt": fifo},
        "requirements.txt is not a regular file",
    ),
    ("zero-dockerfile", {"Dockerfile": link("/dev/zero")}, "Dockerfile is not a regular file"),
    (
        "zero-requirements",
        {"Dockerfile": INSTALLS, "requirements.txt": link("/dev/zero")},
        "requirements.txt is not a regular file",
    ),
    (
        "looping-dockerfile",
        {"Dockerfile.prod": link("Dockerfile.prod")},
        "Dockerfile.prod cannot be read",
    ),
    (
        "huge-requirements",
        {"Dockerfile": INSTALLS, "requirements.txt": sparse(5 * 1024 * 1024)},
        "requirements.txt is 5242880 bytes",
    ),
    (
        "huge-dockerfile",
        {"Dockerfile": DOCKERFILE + "# padding\n" * (HAND_WRITTEN // 10)},
        f"Dockerfile is {len(DOCKERFILE) + HAND_WRITTEN // 10 * 10} bytes",
    ),
    ("huge-compose", {"compose.yaml": "# padding\n" * (HAND_WRITTEN // 10 + 1)}, "compose.yaml is"),
]


@pytest.mark.parametrize(
    ("files", "message"), [pytest.param(*case[1:], id=case[0]) for case in INVALID]
)
def test_invalid_input_is_one_line_exit_2_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], files: dict[str, Content], message: str
) -> None:
    project = make(tmp_path / "project", files)
    before = tree(tmp_path)

    code = main(["check", str(project)])

    captured = capsys.readouterr()
    assert code == 2, captured.err
    line = one_line(captured.err)
    assert message in line
    assert str(project) in line
    assert tree(tmp_path) == before, "something was written"


def test_a_dir_named_past_the_file_name_limit_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / ("a" * 300)
    with pytest.raises(UsageError, match="File name too long"):
        check(directory)
    assert main(["check", str(directory)]) == 2
    assert "File name too long" in one_line(capsys.readouterr().err)


def locked(monkeypatch: pytest.MonkeyPatch, directory: Path) -> None:
    """What chmod 000 does to directory for anyone but root (the tests run as root here):
    it can be looked at, not listed, and nothing inside it can be reached."""

    def refuse(function: Callable[..., Any], listing: bool) -> Callable[..., Any]:
        def guarded(path: Any = ".", *args: Any, **kwargs: Any) -> Any:
            if not isinstance(path, int):
                target = Path(os.fsdecode(path))
                if directory in target.parents or (listing and target == directory):
                    raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
            return function(path, *args, **kwargs)

        return guarded

    monkeypatch.setattr(os, "scandir", refuse(os.scandir, listing=True))
    for name in ("stat", "lstat", "open"):
        monkeypatch.setattr(os, name, refuse(getattr(os, name), listing=False))


@pytest.mark.parametrize("where", [".", "requirements"])
def test_a_directory_without_permission_is_exit_2_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    dockerfile = INSTALLS.replace("requirements.txt", "requirements/base.txt")
    project = make(tmp_path / "project", {"Dockerfile": dockerfile, "requirements/base.txt": ""})
    locked(monkeypatch, (project / where).resolve())
    with pytest.raises(UsageError, match="Permission denied"):
        check(project)
    assert main(["check", str(project)]) == 2
    line = one_line(capsys.readouterr().err)
    assert f"{(project / where).resolve()}" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any directory; simulated above")
def test_a_real_directory_without_permission_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dockerfile = INSTALLS.replace("requirements.txt", "requirements/base.txt")
    project = make(tmp_path / "project", {"Dockerfile": dockerfile, "requirements/base.txt": ""})
    (project / "requirements").chmod(0)
    try:
        assert main(["check", str(project)]) == 2
    finally:
        (project / "requirements").chmod(0o755)
    assert "Permission denied" in one_line(capsys.readouterr().err)


# 2. Odd but valid: no error, and nothing read outside the project.


@pytest.mark.parametrize(
    "files",
    [
        pytest.param(
            {"Dockerfile": INSTALLS.replace("requirements.txt", "a" * 300 + ".txt")},
            id="requirements-name-too-long",
        ),
        pytest.param(
            {"Dockerfile": INSTALLS, "requirements.txt": "-r ../outside.txt\nflask\n"},
            id="include-outside-the-project",
        ),
        pytest.param(
            {"Dockerfile": INSTALLS, "requirements.txt": "-r requirements.txt\nflask\n"},
            id="include-itself",
        ),
        pytest.param({"Dockerfile.d/x": ""}, id="directory-named-like-a-dockerfile"),
    ],
)
def test_odd_references_are_findings_not_errors(tmp_path: Path, files: dict[str, Content]) -> None:
    (tmp_path / "outside.txt").write_text("django\n")
    findings = check(make(tmp_path / "project", files))
    unpinned = [f.detail for f in findings if f.rule == "DW107"]
    assert unpinned == (["unpinned: flask (line 2)"] if "requirements.txt" in files else [])


# 3. Bounded time: no input makes a rule backtrack, and hadolint has a time limit.

OPTIONS = " ".join(f"--opt{i}" for i in range(1, 41))


@pytest.mark.parametrize(("subcommand", "cache_finding"), [("download", False), ("install", True)])
def test_forty_options_before_the_subcommand_take_no_time(
    tmp_path: Path, subcommand: str, cache_finding: bool
) -> None:
    dockerfile = (
        f"FROM python:3.13-slim\nRUN pip {OPTIONS} {subcommand} flask\nCOPY . /app\nUSER 10001\n"
    )
    project = make(tmp_path / "project", {"Dockerfile": dockerfile})
    started = time.monotonic()
    result = subprocess.run(
        cli("check", str(project), "--format", "json"),
        capture_output=True,
        text=True,
        timeout=30,  # it took hours before
        check=False,
    )
    assert time.monotonic() - started < 10
    report = json.loads(result.stdout)
    rules = {f["rule"] for f in report["findings"]}
    assert ("DW102" in rules) == cache_finding
    assert result.returncode == 1


# Our rules alone (hadolint stubbed: it takes minutes for inputs this size, and has its own
# limit), in a process of its own so that a run that does not end can be stopped.
RULES_ONLY = """
import json, sys
from pathlib import Path
from dockwright import check
check.hadolint.run = lambda directory, names: []
print(json.dumps(sorted({f.rule for f in check.check(Path(sys.argv[1]))})))
"""
LINES = (
    "".join(
        f"  s{i}: {{build: ., command: [alembic, upgrade, head], depends_on: [db]}}\n"
        for i in range(2000)
    )
    + "#\n" * 40_000
)
BIG: list[tuple[str, dict[str, Content], set[str]]] = [
    # (id, files, rules found): each took from 20 s to hours before, and takes under 2 s now.
    (
        "install-words",
        {"Dockerfile": "FROM python:3.13-slim\nRUN pip install flask " + "install " * 25_000},
        {"DW102", "DW103"},
    ),
    (
        "pip-words-after-uv",
        {"Dockerfile": "FROM python:3.13-slim\nRUN uv sync " + "pip " * 50_000},
        {"DW102", "DW107"},
    ),
    (
        "pip-installs",
        {"Dockerfile": "FROM python:3.13-slim\nRUN " + "pip install x " * 15_000},
        {"DW102"},
    ),
    (
        "plus-signs",
        {"Dockerfile": "FROM python:3.13-slim\nRUN apt-get install -y " + "a+" * 100_000},
        {"DW103"},
    ),
    (
        "conda-file",
        {
            "Dockerfile": "FROM python:3.13-slim\nRUN "
            + "micromamba install " * 100
            + "-f "
            + "environment" * 22_000
        },
        {"DW103"},
    ),
    ("stages", {"Dockerfile": "FROM a:1\n" * 29_000}, {"DW103"}),
    (
        "stage-chain",
        {
            "Dockerfile": "FROM a:1 AS s0\n"
            + "".join(f"FROM s{i} AS s{i + 1}\nRUN pip install -r r{i}.txt\n" for i in range(5000))
        },
        {"DW102", "DW103"},
    ),
    (
        "copies-and-requirements",
        {
            "Dockerfile": "FROM python:3.13-slim\n"
            + "".join(f"COPY r{i}.txt /r/\nRUN pip install -r /r/x{i}.txt\n" for i in range(5000))
        },
        {"DW102", "DW103"},
    ),
    (
        "url-schemes",
        {"Dockerfile": "FROM python:3.13-slim\nRUN echo " + "a://b:c" * 30_000 + "https://u:p@h\n"},
        {"DW113"},
    ),
    (
        "scripts-run",
        {
            "Dockerfile": "FROM python:3.13-slim\n"
            + "".join(f"COPY s{i}.sh /s/\nRUN sh /s/s{i}.sh && run{i}\n" for i in range(5000))
        },
        {"DW103"},
    ),
    ("dockerignore-brackets", {".dockerignore": "[" * 50_000 + "\n"}, {"DW105"}),
    (
        "compose-lines",
        {"compose.yaml": "services:\n  db: {image: postgres:17}\n" + LINES},
        {"DW108"},
    ),
]


@pytest.mark.parametrize(("files", "rules"), [pytest.param(*case[1:], id=case[0]) for case in BIG])
def test_large_inputs_take_linear_time(
    tmp_path: Path, files: dict[str, Content], rules: set[str]
) -> None:
    project = make(tmp_path / "project", files)
    result = subprocess.run(
        [sys.executable, "-c", RULES_ONLY, str(project)],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert rules <= set(json.loads(result.stdout))


def test_nested_yaml_merges_are_refused_not_expanded(tmp_path: Path) -> None:
    project = make(tmp_path / "project", {"compose.yaml": MERGES})
    result = subprocess.run(
        cli("check", str(project), "--format", "json"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    [unparsable] = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "DW100"]
    assert unparsable["file"] == "compose.yaml"
    assert "merge keys (<<) expand to more than" in unparsable["why"]


def test_hadolint_that_does_not_finish_is_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = "RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n"
    slow = DOCKERFILE + run * 1500  # hadolint takes about 15 s over it
    project = make(tmp_path / "project", {"Dockerfile": slow, "Dockerfile.dev": DOCKERFILE})
    monkeypatch.setattr(dockwright.check.hadolint, "TIMEOUT", 0.5)
    started = time.monotonic()
    findings = check(project)
    assert time.monotonic() - started < 10
    unfinished = [f for f in findings if f.rule == "hadolint"]
    assert [(f.file, f.severity) for f in unfinished] == [
        ("Dockerfile", "warning"),
        ("Dockerfile.dev", "warning"),
    ]
    assert "did not finish within 0.5 s" in unfinished[0].why
    assert not [f for f in findings if f.rule.startswith("DL")]


# 4. Dockerfiles as BuildKit reads them.

HEREDOCS = {
    "plain": ("RUN <<EOF\nFROM evil:latest\nUSER root\nEOF\n", ["FROM evil:latest\nUSER root"]),
    "chomp": ("RUN <<-EOF\n\tFROM evil:latest\n\tEOF\n", ["FROM evil:latest"]),
    "double-quoted": ('RUN <<"EOF"\nFROM evil:latest\nEOF\n', ["FROM evil:latest"]),
    "single-quoted": ("RUN <<'EOF'\nFROM evil:latest\nEOF\n", ["FROM evil:latest"]),
    "two-on-a-line": (
        "COPY <<A <<B /app/\nFROM evil:latest\nA\nUSER root\nB\n",
        ["FROM evil:latest", "USER root"],
    ),
    "with-fd-and-command": (
        "RUN 3<<EOF cat /dev/fd/3 > /etc/motd\nFROM evil:latest\nEOF\n",
        ["FROM evil:latest"],
    ),
}


@pytest.mark.parametrize("case", HEREDOCS)
def test_heredoc_bodies_belong_to_their_instruction(tmp_path: Path, case: str) -> None:
    instruction, bodies = HEREDOCS[case]
    text = f"FROM python:3.13-slim\n{instruction}USER 10001\n"
    parsed = parse_dockerfile(text)
    assert [(i.line, i.keyword, i.stage) for i in parsed] == [
        (1, "FROM", 0),
        (2, instruction[:4].strip(), 0),
        (text.count("\n"), "USER", 0),
    ]
    assert list(parsed[1].heredocs) == bodies
    rules = {f.rule for f in check(make(tmp_path / "project", {"Dockerfile": text}))}
    assert not rules & {"DW103", "DW106"}


@pytest.mark.parametrize(
    ("run", "rules"),
    [
        pytest.param(
            "RUN <<EOF\nset -e\npip install -r requirements.txt\nEOF\n",
            {"DW101", "DW102"},
            id="script",
        ),
        pytest.param(
            "RUN bash <<EOF\npip install -r requirements.txt\nEOF\n",
            {"DW101", "DW102"},
            id="bash-reads-it",
        ),
        pytest.param(
            "RUN python3 <<EOF\nprint('pip install -r requirements.txt')\nEOF\n",
            set(),
            id="python-reads-it",
        ),
        pytest.param(
            "RUN <<EOF\n#!/usr/bin/env python3\npip install -r requirements.txt\nEOF\n",
            set(),
            id="python-shebang",
        ),
    ],
)
def test_a_heredoc_the_shell_runs_is_checked_like_a_run(
    tmp_path: Path, run: str, rules: set[str]
) -> None:
    dockerfile = f"FROM python:3.13-slim\nCOPY . .\n{run}USER 10001\n"
    files: dict[str, Content] = {"Dockerfile": dockerfile, "requirements.txt": "flask==3.1.2\n"}
    found = {f.rule for f in check(make(tmp_path / "project", files))}
    assert found & {"DW101", "DW102"} == rules


WINDOWS = """\
{directive}FROM python:3.13-slim
WORKDIR C:\\app\\
RUN pip install {escape}
    --no-cache-dir flask
USER app
"""


@pytest.mark.parametrize(
    ("directive", "escape"),
    [
        pytest.param("# escape=`\n", "`", id="backtick"),
        pytest.param("#  Escape = `\n# syntax=x\n", "`", id="spaced-among-directives"),
    ],
)
def test_the_escape_directive_sets_the_continuation_character(directive: str, escape: str) -> None:
    text = WINDOWS.format(directive=directive, escape=escape)
    parsed = parse_dockerfile(text)
    assert [(i.keyword, i.text) for i in parsed] == [
        ("FROM", "python:3.13-slim"),
        ("WORKDIR", "C:\\app\\"),
        ("RUN", "pip install --no-cache-dir flask"),
        ("USER", "app"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "# a comment\n# escape=`\nFROM a:1\nRUN echo `\nUSER x\n",
            [("FROM", "a:1"), ("RUN", "echo `"), ("USER", "x")],
            id="directive-after-a-comment-is-a-comment",
        ),
        pytest.param(
            "FROM a:1\nRUN pip install \\\n\n    # a comment\n    flask\nUSER x\n",
            [("FROM", "a:1"), ("RUN", "pip install flask"), ("USER", "x")],
            id="blank-line-and-comment-inside-a-continuation",
        ),
        pytest.param(
            "FROM a:1\nRUN pip install \\",
            [("FROM", "a:1"), ("RUN", "pip install")],
            id="continued-at-the-end-of-the-file",
        ),
        pytest.param(
            "FROM a:1\nRUN\tpip install flask\r\nUSER x",
            [("FROM", "a:1"), ("RUN", "pip install flask"), ("USER", "x")],
            id="tab-after-the-keyword-and-crlf",
        ),
    ],
)
def test_backslash_continues_by_default(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(i.keyword, i.text) for i in parse_dockerfile(text)] == expected


@pytest.mark.parametrize("link", ["scripts/entrypoint.sh", "scripts"])
def test_fix_writes_nothing_through_a_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], link: str
) -> None:
    """--fix rewrites files of the checked directory only: a script that is a link, or that
    sits in a linked directory, is named and left as it is (its target too)."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "entrypoint.sh").write_bytes(b'#!/bin/sh\r\nexec "$@"\r\n')
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    (project / "Dockerfile").write_text(
        'FROM python:3.13-slim\nCOPY scripts/ /s/\nUSER 10001\nENTRYPOINT ["/s/entrypoint.sh"]\n'
    )
    target = outside / "entrypoint.sh" if link.endswith(".sh") else outside
    if link == "scripts":
        (project / "scripts").rmdir()
    (project / link).symlink_to(target)
    assert main(["check", str(project), "--fix", "--fail-on", "never"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "scripts/entrypoint.sh: left as it is" in out
    assert (outside / "entrypoint.sh").read_bytes() == b'#!/bin/sh\r\nexec "$@"\r\n'
    assert sorted(p.name for p in outside.iterdir()) == ["entrypoint.sh"]


@pytest.mark.parametrize("link", [".dockerignore", "api"])
def test_fix_adds_no_dockerignore_line_through_a_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], link: str
) -> None:
    """A .dockerignore that is a link, or in a linked directory, is named and left alone;
    no .dockerignore is made outside the checked directory."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / ".dockerignore").write_text("node_modules\n")
    project = tmp_path / "project"
    dockerfile = 'FROM python:3.13-slim\nCOPY . /app\nUSER 10001\nCMD ["python", "a.py"]\n'
    if link == "api":
        (outside / "Dockerfile").write_text(dockerfile)
        project.mkdir()
        (project / "Dockerfile").write_text(dockerfile)
        (project / ".dockerignore").write_text(".git\n.venv\n")
        (project / "api").symlink_to(outside)
        files, name = ["-f", "api/Dockerfile"], "api/.dockerignore"
    else:
        project.mkdir()
        (project / "Dockerfile").write_text(dockerfile)
        (project / ".dockerignore").symlink_to(outside / ".dockerignore")
        files, name = [], ".dockerignore"
    before = sorted(p.name for p in outside.iterdir())
    assert main(["check", str(project), *files, "--fix", "--fail-on", "never"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert f"{name}: left as it is" in out
    assert (outside / ".dockerignore").read_text() == "node_modules\n"
    assert sorted(p.name for p in outside.iterdir()) == before
