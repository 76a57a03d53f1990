"""`new-project check`: every generated combination checks clean, and Docker setups written
the way the founding documents teach (tests/seeds below) get the findings they deserve.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from textwrap import dedent

import pytest

from conftest import STACKS, Render, stack_id
from dockwright.check import RULES, Finding, check
from dockwright.cli import main
from repos import write
from test_hostile import one_line


@pytest.mark.parametrize("stack", STACKS, ids=stack_id)
def test_every_generated_combination_checks_clean(render: Render, stack: dict[str, str]) -> None:
    project = render(**stack)
    findings = check(project)
    if stack["package_manager"] == "conda":  # the lock is made by the project, later
        assert [(f.rule, f.severity) for f in findings] == [("DW110", "info")]
    else:
        assert findings == []


# Docker setups as the seed documents teach them (our words, their patterns).
SEEDS: dict[str, dict[str, str]] = {
    # Copy everything, then install: the naive requirements.txt Dockerfile.
    "copy-then-install": {
        "Dockerfile": """
            FROM python:3.9-slim
            WORKDIR /app
            COPY . .
            RUN pip install -r requirements.txt
            CMD python train.py
        """,
        "requirements.txt": "pandas==2.0.3\nscikit-learn==1.3.0\nnumpy>=1.24.0,<1.26.0\n",
        "train.py": "print('training')\n",
    },
    # The same with the requirements first and --no-cache-dir: better, still root.
    "requirements-first": {
        "Dockerfile": """
            FROM python:3.9-slim
            WORKDIR /app
            COPY requirements.txt .
            RUN pip install --no-cache-dir -r requirements.txt
            COPY . .
            CMD ["python", "train.py"]
        """,
        "requirements.txt": "pandas==2.0.3\nscikit-learn==1.3.0\n",
        ".dockerignore": ".git\n.venv\n.env\n",
    },
    # The data-science Dockerfile: compilers installed and kept, a user, pip without flags.
    "data-science": {
        "Dockerfile": """
            FROM python:3.11-slim
            ARG DEBIAN_FRONTEND=noninteractive
            ENV PYTHONUNBUFFERED 1
            RUN apt-get update && \\
                apt-get install --no-install-recommends -y gcc libc-dev build-essential python3-dev
            RUN groupadd -r myuser && useradd -m -r -g myuser myuser
            USER myuser
            WORKDIR /home/myuser/app
            COPY ./requirements.txt /requirements.txt
            RUN pip3 install -r /requirements.txt
            USER root
            RUN apt-get clean autoclean && apt-get autoremove --yes && rm -rf /var/lib/apt/lists/*
            USER myuser
            COPY ./ ./
            CMD ["python3"]
        """,
        "requirements.txt": "numpy==2.1.0\n",
        ".dockerignore": ".dockerignore\nDockerfile\n.gitignore\n.git\n.python-version\n.env\n",
        "docker-compose.yml": """
            version: "3"
            services:
              app:
                build:
                  context: .
                volumes:
                  - .:/home/myuser/app
        """,
    },
    # poetry in one stage: poetry stays in the image, the code comes before the install.
    "poetry-single-stage": {
        "Dockerfile": """
            FROM python:3.10-slim
            RUN pip install poetry
            RUN mkdir -p /app
            COPY . /app
            WORKDIR /app
            RUN poetry install --without dev
            CMD ["poetry", "run", "python", "-m", "app.main"]
        """,
        "pyproject.toml": """
            [tool.poetry]
            name = "app"
            version = "0.1.0"
            [tool.poetry.dependencies]
            python = "^3.10"
            requests = "^2.31"
        """,
        ".dockerignore": "/.venv\n/tests\n/build\n",
    },
    # poetry in a builder stage: the final image has no poetry, but still runs as root.
    "poetry-multi-stage": {
        "Dockerfile": """
            FROM python:3.10-slim AS builder
            RUN pip install --no-cache-dir poetry==1.8.3
            WORKDIR /app
            COPY pyproject.toml poetry.lock ./
            RUN poetry config virtualenvs.in-project true && poetry install --without dev
            COPY . /app
            FROM python:3.10-slim AS base
            COPY --from=builder /app /app
            WORKDIR /app
            ENV PATH="/app/.venv/bin:$PATH"
            CMD ["python", "-m", "app.main"]
        """,
        "pyproject.toml": """
            [tool.poetry]
            name = "app"
            version = "0.1.0"
            [tool.poetry.dependencies]
            python = "^3.10"
            requests = "^2.31"
            flask = "^3.0"
        """,
        "poetry.lock": """
            [[package]]
            name = "requests"
            version = "2.31.0"
        """,
        ".dockerignore": ".git\n.venv\n.env\n",
    },
    # The course's web stack: wheels built in a builder stage, a user; compose starts the
    # app when the database container starts, not when it accepts connections.
    "wheels-and-compose": {
        "Dockerfile": """
            FROM python:latest AS builder
            WORKDIR /build
            COPY requirements.txt .
            RUN pip wheel --no-cache-dir --no-deps --wheel-dir /build/wheels -r requirements.txt
            FROM python
            WORKDIR /app
            COPY --from=builder /build/wheels /wheels
            COPY --from=builder /build/requirements.txt .
            RUN pip install --no-cache-dir --no-index --find-links=/wheels -r requirements.txt
            COPY . .
            RUN addgroup --system app && adduser --system --group app
            USER app
            CMD ["gunicorn", "wsgi:app", "--bind", "0.0.0.0:8000"]
        """,
        "requirements.txt": "flask==3.1.2\ngunicorn==23.0.0\npsycopg2-binary\n",
        ".dockerignore": ".git\n.venv\n.env\n",
        "docker-compose.yml": """
            services:
              web:
                build: .
                depends_on:
                  - db
              db:
                image: postgres:13
                environment:
                  POSTGRES_PASSWORD: example
        """,
    },
}
EXPECTED = {
    "copy-then-install": (
        {"DW101", "DW102", "DW103", "DW105", "DW107", "DL3042", "DL3025"},
        {"DW104", "DW106"},
    ),
    "requirements-first": ({"DW103"}, {"DW101", "DW102", "DW105", "DW107"}),
    "data-science": ({"DW102", "DW104", "DW105", "DL3008"}, {"DW101", "DW103", "DW108"}),
    "poetry-single-stage": (
        {"DW101", "DW102", "DW103", "DW104", "DW105", "DW107", "DL3013"},
        {"DW106", "DW108"},
    ),
    "poetry-multi-stage": ({"DW103", "DW109"}, {"DW101", "DW104", "DW105", "DW107"}),
    # DW108 not: gunicorn connects when a request needs the database, not at start.
    "wheels-and-compose": ({"DW106", "DW107"}, {"DW101", "DW103", "DW104", "DW108"}),
}


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_setups_get_the_findings_they_deserve(tmp_path: Path, seed: str) -> None:
    write(tmp_path, SEEDS[seed])
    findings = check(tmp_path)
    rules = {f.rule for f in findings}
    expected, absent = EXPECTED[seed]
    assert expected <= rules, f"missing {expected - rules}; got {sorted(rules)}"
    assert not rules & absent, f"unexpected {rules & absent}"
    for finding in findings:
        assert finding.why
        assert finding.fix
        if finding.rule.startswith("DW"):
            assert finding.severity == RULES[finding.rule].severity


def test_findings_name_the_line_and_the_detail(tmp_path: Path) -> None:
    write(tmp_path, SEEDS["copy-then-install"])
    findings = {f.rule: f for f in check(tmp_path)}
    assert findings["DW101"].where == "Dockerfile:4"
    assert "line 3 copies the whole context" in findings["DW101"].why
    assert findings["DW107"].where == "requirements.txt:3"
    assert findings["DW103"].why.startswith("no USER in the final stage")


def test_a_stale_lock_is_found(render: Render) -> None:
    project = render(package_manager="uv")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"flask>=', '"httpx>=0.27",\n  "flask>=', 1))
    [finding] = check(project)
    assert (finding.rule, finding.file) == ("DW109", "uv.lock")
    assert "httpx in pyproject.toml but not in uv.lock" in finding.why


def test_a_pipfile_lock_of_another_pipfile_is_stale_as_pipenv_says(render: Render) -> None:
    """Only a version constraint changed: every name is still locked, but the lock's
    _meta.hash is another Pipfile's, so the build's `pipenv install --deploy` refuses it.
    check says so too (the generated, matching pair checks clean: test above)."""
    project = render(package_manager="pipenv")
    pipfile = project / "Pipfile"
    pipfile.write_text(pipfile.read_text().replace('flask = "', 'flask = ">=3.0,', 1))
    [finding] = check(project)
    assert (finding.rule, finding.file) == ("DW109", "Pipfile.lock")
    assert "_meta.hash differs" in finding.why


# Edits of the generated pyproject.toml: what `uv lock --check` and `poetry check --lock`
# (the versions the Dockerfiles pin, offline) say of the lock after each, check must say too.
PYPROJECT_EDITS = {
    "a looser constraint": ('"flask>=3.1"', '"flask>=3.0"'),
    "the same constraint, spelled otherwise": ('"flask>=3.1"', '"Flask >= 3.1"'),
    "a dev tool's constraint": ('"pytest>=8.3"', '"pytest>=8"'),
    "requires-python, the same versions": ('">=3.11"', '">=3.11.0"'),
    "requires-python, fewer versions": ('">=3.11"', '"~=3.11"'),
    "a comment": ("[project]", "# ours\n[project]"),
}
TOOL_SAYS = {
    "uv": ["uv", "lock", "--check", "--offline", "--quiet"],
    "poetry": ["poetry", "check", "--lock", "--no-interaction"],
}


@pytest.mark.parametrize("manager", TOOL_SAYS)
@pytest.mark.parametrize("edit", PYPROJECT_EDITS)
def test_a_lock_is_stale_exactly_when_its_manager_says_so(
    render: Render, manager: str, edit: str
) -> None:
    """A changed constraint keeps every name locked, so only the lock's record of the
    constraints (uv) or its content-hash (poetry) tells; the build refuses such a lock."""
    project = render(package_manager=manager)
    pyproject = project / "pyproject.toml"
    old, new = PYPROJECT_EDITS[edit]
    assert old in pyproject.read_text()
    pyproject.write_text(pyproject.read_text().replace(old, new, 1))
    command = [str(Path(sys.executable).with_name(TOOL_SAYS[manager][0])), *TOOL_SAYS[manager][1:]]
    tool = subprocess.run(command, cwd=project, capture_output=True, text=True, check=False)
    findings = [f for f in check(project) if f.rule == "DW109"]
    assert bool(findings) == (tool.returncode != 0), tool.stdout + tool.stderr
    assert all(f.file == f"{manager}.lock" and "the build runs" in f.why for f in findings)


def test_cli_table_json_and_fail_on(
    tmp_path: Path, render: Render, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "seed", SEEDS["requirements-first"])  # DW103 (error) and warnings
    seed = str(tmp_path / "seed")

    assert main(["check", seed]) == 1
    captured = capsys.readouterr()
    assert "DW103" in captured.out
    assert "How to fix" in captured.out
    [line] = captured.err.splitlines()
    assert line.startswith("new-project: error: ")
    assert "finding(s) at or above warning" in line

    assert main(["check", seed, "--format", "json", "--fail-on", "never"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["counts"]["error"] == 1
    assert {f["rule"] for f in report["findings"]} >= {"DW103"}
    assert all(
        {"rule", "severity", "file", "line", "why", "fix"} <= set(f) for f in report["findings"]
    )

    warned = {k: v for k, v in SEEDS["requirements-first"].items() if k != ".dockerignore"}
    warned["Dockerfile"] = warned["Dockerfile"].replace("COPY . .", "COPY . .\n    USER 10001")
    write(tmp_path / "warned", warned)  # no .dockerignore: a warning, and no error
    assert main(["check", str(tmp_path / "warned"), "--fail-on", "error"]) == 0
    assert main(["check", str(tmp_path / "warned")]) == 1
    capsys.readouterr()

    project = render(package_manager="uv", database="postgres")
    assert main(["check", str(project)]) == 0
    assert "no findings" in capsys.readouterr().out


# One rule, one unit: each registered rule has a project that triggers it and one that does
# not (tests/check_fixtures/<code>/triggers and .../passes).

FIXTURES = Path(__file__).parent / "check_fixtures"


def test_every_registered_rule_has_both_fixtures_and_no_fixture_is_left_over() -> None:
    missing = [
        f"{code}/{case}"
        for code in RULES
        for case in ("triggers", "passes")
        if not (FIXTURES / code / case / "Dockerfile").is_file()
    ]
    assert not missing, f"rules without a fixture: {missing}"
    assert sorted(p.name for p in FIXTURES.iterdir()) == sorted(RULES)


@pytest.mark.parametrize("case", ["triggers", "passes"])
@pytest.mark.parametrize("code", sorted(RULES))
def test_each_rule_fires_on_its_fixture_alone(tmp_path: Path, code: str, case: str) -> None:
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / code / case, project)
    found = [f for f in check(project) if f.rule == code]
    if case == "triggers":
        assert found, f"{code} did not fire on {case}"
        assert all(f.title == RULES[code].title for f in found)
    else:
        assert not found, f"{code} fired on {case}: {found}"


def test_the_registry_is_what_help_json_and_the_readme_show(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    first, last = min(RULES), max(RULES)
    assert f"dockwright's rules are {first}-{last}" in text
    assert "--list-rules" in text

    assert main(["check", "--list-rules"]) == 0
    listed = capsys.readouterr().out
    for code, rule in RULES.items():
        assert code in listed
        assert rule.title[:30] in " ".join(listed.split())

    shutil.copytree(FIXTURES / "DW106" / "triggers", tmp_path / "p")
    assert main(["check", str(tmp_path / "p"), "--format", "json", "--fail-on", "never"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["rules"]) == set(RULES)
    assert report["rules"]["DW106"]["title"] == RULES["DW106"].title


def test_rules_are_registered_once() -> None:
    from dockwright.check.registry import rule

    with pytest.raises(ValueError, match="DW101 is registered twice"):
        rule("DW101", "warning", "t", "w", "f")(lambda project: [])


# Leaving findings out: --ignore, `# dockwright ignore=` and [tool.dockwright.check].

APT = "RUN apt-get update && apt-get install -y gcc && rm -rf /var/lib/apt/lists/*\n"
IGNORABLE = {
    # DW104 twice, DL3008 (unpinned apt packages) twice, DW105 (no .dockerignore).
    "Dockerfile": "FROM python:3.13-slim\n"
    + "# dockwright ignore=DW104, DL3008\n"
    + APT
    + "# another comment\n"
    + APT
    + "COPY . /app\n"
    + "USER 10001\n",
}


def where(findings: list[Finding], code: str) -> list[str]:
    return [f.where for f in findings if f.rule == code]


def test_ignore_by_comment_on_the_line_before_an_instruction(tmp_path: Path) -> None:
    write(tmp_path, IGNORABLE)
    findings = check(tmp_path)
    assert where(findings, "DW104") == ["Dockerfile:5"]
    assert where(findings, "DL3008") == ["Dockerfile:5"]


def test_a_blank_line_ends_an_ignore_comment(tmp_path: Path) -> None:
    write(tmp_path, {"Dockerfile": "FROM python:3.13-slim\n# dockwright ignore=DW104\n\n" + APT})
    assert where(check(tmp_path), "DW104") == ["Dockerfile:4"]


def test_ignore_option_takes_dockwright_and_hadolint_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, IGNORABLE)
    findings = check(tmp_path, ignore=["dw104,DL3008", "DW105"])
    assert not {"DW104", "DL3008", "DW105"} & {f.rule for f in findings}
    assert main(["check", str(tmp_path), "--ignore", "DW104,DL3008,DW105"]) == 0
    out = capsys.readouterr().out
    assert "DL3015" in out  # hadolint's other findings stay
    assert not {"DW104", "DL3008", "DW105"} & set(out.split())


def test_the_project_s_settings_and_the_options_that_win_over_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = '[tool.dockwright.check]\nignore = ["DW104"]\nfail-on = "error"\n'
    write(tmp_path, {**IGNORABLE, "pyproject.toml": settings})
    assert not where(check(tmp_path), "DW104")
    assert main(["check", str(tmp_path), "--format", "json"]) == 0  # warnings, fail-on error
    report = json.loads(capsys.readouterr().out)
    assert report["fail_on"] == "error"
    assert report["ignored"] == ["DW104"]
    assert {f["rule"] for f in report["findings"]} >= {"DW105", "DL3008"}

    assert main(["check", str(tmp_path), "--fail-on", "warning"]) == 1
    capsys.readouterr()
    # --ignore replaces the project's list: DW104 is back, DW105 goes.
    assert where(check(tmp_path, ignore=["DW105"]), "DW104") == ["Dockerfile:5"]
    assert main(["check", str(tmp_path), "--ignore", "DW105", "--format", "json"]) == 0
    rules = {f["rule"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert "DW104" in rules
    assert "DW105" not in rules


@pytest.mark.parametrize(
    ("args", "pyproject", "message"),
    [
        (["--ignore", "DW999"], "", f"--ignore: there is no rule DW999 (DW100-{max(RULES)})"),
        (["--ignore", "DW101,what"], "", "'WHAT' is not a rule code"),
        ([], "[tool.dockwright.check]\nignore = 'DW101'\n", "ignore should be a list"),
        ([], "[tool.dockwright.check]\nignore = ['DW1']\n", "there is no rule DW1"),
        ([], "[tool.dockwright.check]\nfail-on = 'fatal'\n", "fail-on should be one of"),
        ([], "[tool.dockwright.check]\nfail_on = 'error'\n", "has fail_on; it takes ignore"),
        ([], "[tool.dockwright]\ncheck = 1\n", "tool.dockwright.check should be a table"),
    ],
)
def test_bad_settings_are_one_line_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    pyproject: str,
    message: str,
) -> None:
    write(tmp_path, {"Dockerfile": "FROM python:3.13-slim\nUSER 10001\n"})
    if pyproject:
        (tmp_path / "pyproject.toml").write_text(pyproject)
    assert main(["check", str(tmp_path), *args]) == 2
    assert message in one_line(capsys.readouterr().err)


# Every Dockerfile in the tree, each read with its build context.

GOOD = "FROM python:3.13-slim\nUSER 10001\n"
# DW103 names which Dockerfiles were read; COPY . sends the whole context (DW105).
ROOTED = "FROM python:3.13-slim\nCOPY . /app\n"


def test_dockerfiles_are_found_through_the_tree_but_not_in_skipped_places(tmp_path: Path) -> None:
    deep = "/".join(f"d{i}" for i in range(10))
    write(
        tmp_path,
        {
            "services/api/Dockerfile": ROOTED,
            "docker/worker.Dockerfile": ROOTED,
            "docker/Dockerfile.prod": ROOTED,
            "docker/Dockerfile.prod.dockerignore": ".git\n.venv\n.env\n",
            "docker/Dockerfile.jinja": ROOTED,
            ".git/Dockerfile": ROOTED,
            "node_modules/pkg/Dockerfile": ROOTED,
            ".venv/lib/Dockerfile": ROOTED,
            "env/pyvenv.cfg": "home = /usr/bin\n",
            "env/Dockerfile": ROOTED,
            f"{deep}/Dockerfile": ROOTED,
        },
    )
    (tmp_path / "services" / "loop").symlink_to("..")
    findings = check(tmp_path)
    assert sorted(where(findings, "DW103")) == [
        "docker/Dockerfile.prod:1",
        "docker/worker.Dockerfile:1",
        "services/api/Dockerfile:1",
    ]
    # Each is built in its own directory: the context's .dockerignore, or the Dockerfile's own.
    assert sorted(where(findings, "DW105")) == [
        "docker/.dockerignore",
        "services/api/.dockerignore",
    ]


def test_a_root_without_any_dockerfile_says_so_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, {"app.py": "", "node_modules/x/Dockerfile": GOOD})
    assert main(["check", str(tmp_path)]) == 2
    assert "has no Dockerfile to check" in one_line(capsys.readouterr().err)


def test_compose_gives_the_context_and_the_target(tmp_path: Path) -> None:
    dockerfile = """
        FROM python:3.13-slim AS runtime
        RUN useradd --uid 10001 app
        COPY requirements.txt /tmp/
        RUN pip install --no-cache-dir -r /tmp/requirements.txt && uv sync --no-cache
        USER 10001
        FROM runtime AS test
        USER root
        RUN apt-get update && apt-get install -y gcc
    """
    write(
        tmp_path,
        {
            "compose.yaml": """
                services:
                  api:
                    build:
                      context: backend
                      dockerfile: docker/Dockerfile
                      target: runtime
            """,
            "backend/docker/Dockerfile": dockerfile,
            "backend/.dockerignore": ".git\n.venv\n.env\n",
            "backend/requirements.txt": "flask\n",
            "backend/uv.lock": "version = 1\n",
            "backend/pyproject.toml": "[project]\nname = 'api'\n",
        },
    )
    findings = check(tmp_path)
    rules = {f.rule for f in findings}
    assert "DW105" not in rules  # backend/.dockerignore is the context's
    assert where(findings, "DW107") == ["backend/requirements.txt:1"]  # no "there is no uv.lock"
    assert not rules & {"DW103", "DW104"}  # the runtime stage is built, not test

    # Without compose the same Dockerfile is built to its last stage, in the directory its
    # COPY sources are in (`docker build -f docker/Dockerfile .` from backend/).
    (tmp_path / "compose.yaml").unlink()
    findings = check(tmp_path)
    assert {"DW103", "DW104"} <= {f.rule for f in findings}
    assert "DW105" not in {f.rule for f in findings}
    assert where(findings, "DW107") == ["backend/requirements.txt:1"]

    # Where nothing it copies is found, its own directory.
    (tmp_path / "backend" / "requirements.txt").rename(tmp_path / "backend" / "reqs.txt")
    findings = check(tmp_path)
    assert "backend/docker/uv.lock" in where(findings, "DW107")


def test_file_option_names_the_dockerfiles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, {"Dockerfile": ROOTED, "deploy/Dockerfile.prod": ROOTED, "other": ""})
    findings = check(tmp_path, dockerfiles=[Path("deploy/Dockerfile.prod")])
    assert where(findings, "DW103") == ["deploy/Dockerfile.prod:1"]
    absolute = str(tmp_path / "Dockerfile")
    assert main(["check", str(tmp_path), "-f", absolute, "--file", "deploy/Dockerfile.prod"]) == 1
    out = capsys.readouterr().out
    assert "deploy/Dockerfile.prod:1" in out
    assert "Dockerfile:1" in out

    for bad, message in [
        ("missing", "is not a file"),
        ("../outside", "is not inside"),
        ("deploy", "is not a file"),
    ]:
        assert main(["check", str(tmp_path), "-f", bad]) == 2
        assert message in one_line(capsys.readouterr().err)


# Precision: what real projects showed the rules getting wrong.


def rules_of(tmp_path: Path, dockerfile: str, **files: str) -> set[str]:
    write(tmp_path, {"Dockerfile": dockerfile, ".dockerignore": ".git\n.venv\n.env\n", **files})
    return {f.rule for f in check(tmp_path)}


BUILDER = """
    FROM python:3.13-slim AS builder
    RUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev
    RUN python -m venv /opt/venv && /opt/venv/bin/pip install psycopg2==2.9.10
"""


@pytest.mark.parametrize(
    ("final", "rules"),
    [
        pytest.param(
            "FROM python:3.13-slim\nCOPY --from=builder /opt/venv /opt/venv\n",
            set(),
            id="only-the-environment-copied",
        ),
        pytest.param("FROM builder AS final\n", {"DW102", "DW104"}, id="built-on-the-builder"),
        pytest.param(
            "FROM python:3.13-slim\nCOPY --from=builder /root /root\n",
            {"DW102"},
            id="the-cache-copied",
        ),
    ],
)
def test_a_builder_s_cache_and_compilers_count_only_where_they_reach_the_final_image(
    tmp_path: Path, final: str, rules: set[str]
) -> None:
    dockerfile = dedent(BUILDER) + final + "USER 10001\n"
    assert rules_of(tmp_path, dockerfile) & {"DW102", "DW104"} == rules


@pytest.mark.parametrize(
    ("run", "cached"),
    [
        ("uv pip install --no-cache --system flask==3.1.2", False),
        ("uv --no-cache pip install --system flask==3.1.2", False),
        ("UV_NO_CACHE=1 uv pip install --system flask==3.1.2", False),
        ("uv pip install --system flask==3.1.2", True),
        ("pip install --no-cache flask==3.1.2", True),  # pip's flag is --no-cache-dir
    ],
)
def test_uv_s_no_cache_is_uv_s(tmp_path: Path, run: str, cached: bool) -> None:
    rules = rules_of(tmp_path, f"FROM python:3.13-slim\nRUN {run}\nUSER 10001\n")
    assert ("DW102" in rules) == cached


def test_an_option_ending_in_dev_is_no_dev_package(tmp_path: Path) -> None:
    from dockwright.check.rules.dw104 import BUILD_PACKAGE

    assert BUILD_PACKAGE.fullmatch("--no-dev") is None
    assert BUILD_PACKAGE.fullmatch("libpq-dev=15.1")
    run = "RUN apt-get update && apt-get install -y libpq5 --no-dev && uv sync --no-dev --no-cache"
    assert "DW104" not in rules_of(tmp_path, f"FROM python:3.13-slim\n{run}\nUSER 10001\n")


@pytest.mark.parametrize(
    ("runs", "left"),
    [
        (["apt-get install -y gcc", "apt-get --yes purge gcc"], False),
        (["apt-get install -y gcc make", "apt-get -y remove --purge gcc"], True),  # make stays
        (["apk add --virtual .build gcc musl-dev", "apk del .build"], False),
        (["apt-get install -y gcc", "apt-get --yes purge clang"], True),
        (["apt-get install -y gcc && apt-get --yes purge gcc"], False),
    ],
)
def test_a_later_removal_counts(tmp_path: Path, runs: list[str], left: bool) -> None:
    dockerfile = "FROM python:3.13-slim\n" + "".join(f"RUN {r}\n" for r in runs) + "USER 10001\n"
    assert ("DW104" in rules_of(tmp_path, dockerfile)) == left


@pytest.mark.parametrize(
    "start",
    [
        'ENTRYPOINT ["gosu", "app", "gunicorn", "app:app"]',
        'CMD ["su-exec", "app", "python", "-m", "app"]',
        "ENTRYPOINT s6-setuidgid app python -m app",
        'ENTRYPOINT ["runuser", "-u", "app", "--", "python", "-m", "app"]',
        'COPY entrypoint.sh /\nENTRYPOINT ["/entrypoint.sh"]',
        "ENV HOME_DIR=/app\nWORKDIR ${HOME_DIR}\nCOPY entrypoint.sh $HOME_DIR/run.sh\n"
        'CMD ["./run.sh"]',
    ],
)
def test_a_root_image_that_drops_privileges_at_start_does_not_run_as_root(
    tmp_path: Path, start: str
) -> None:
    script = '#!/bin/sh\nset -e\nexec gosu app "$@"\n'
    dockerfile = f"FROM python:3.13-slim\nRUN useradd app\n{start}\n"
    assert "DW103" not in rules_of(tmp_path, dockerfile, **{"entrypoint.sh": script})
    (tmp_path / "entrypoint.sh").write_text('#!/bin/sh\nexec "$@"\n')
    if "entrypoint.sh" in start:
        assert "DW103" in {f.rule for f in check(tmp_path)}


DEVELOPMENT = {
    "Dockerfile.test": "named for tests",
    "tests/Dockerfile": "named for tests",
    "notebook.Dockerfile": "named for notebooks",
    "Dockerfile.jupyter": "named for notebooks",
    ".devcontainer/Dockerfile": "a dev container's (.devcontainer/)",
    "Dockerfile.builder": "named for a build step",
    "Dockerfile.dev": "its name says dev",
    "docker/Dockerfile.wheels": "it only builds files",
}


def test_development_dockerfiles_are_not_production_images_and_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build_tools = "RUN apt-get update && apt-get install -y gcc\n"
    files = {name: "FROM python:3.13-slim\n" + build_tools for name in DEVELOPMENT}
    files["docker/Dockerfile.wheels"] = (
        "FROM python:3.13-slim AS wheels\n" + build_tools + "FROM scratch\nCOPY --from=wheels / /\n"
    )
    files["Dockerfile"] = "FROM python:3.13-slim\n" + build_tools
    write(tmp_path, files)
    findings = check(tmp_path)
    assert where(findings, "DW103") == ["Dockerfile:1"]
    assert where(findings, "DW104") == ["Dockerfile:2"]

    assert main(["check", str(tmp_path), "--format", "json", "--fail-on", "never"]) == 0
    development = {
        d["file"]: d["reason"] for d in json.loads(capsys.readouterr().out)["development"]
    }
    assert development.keys() == DEVELOPMENT.keys()
    for name, reason in DEVELOPMENT.items():
        assert development[name].startswith(reason)
    assert main(["check", str(tmp_path), "--fail-on", "never"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Dockerfile.test: read as a development image (named for tests)" in out


@pytest.mark.parametrize(
    ("start", "script", "reason"),
    [
        ('CMD ["bash"]', "", "it starts an interactive shell"),
        ("CMD LANG=C.utf8 exec bash -l", "", "it starts an interactive shell"),
        (
            "COPY runtime.sh /a/\nCMD /a/runtime.sh",
            "#!/bin/bash\ncd /a/src\npip install -e .[dev]\n\nLANG=C.utf8 bash\n",
            "its start script (runtime.sh) ends in an interactive shell",
        ),
        ('CMD ["bash", "-c", "python -m app"]', "", ""),
        ("COPY runtime.sh /a/\nCMD /a/runtime.sh", "#!/bin/sh\nexec python -m app\n", ""),
    ],
)
def test_an_image_that_starts_a_shell_is_an_interactive_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], start: str, script: str, reason: str
) -> None:
    """coqui-ai's recipe image: installs the mounted source at start, then opens bash for
    whoever ran `docker run -it`; the rules of service images (root, compilers, dev
    dependencies, installs at start) do not apply to it."""
    dockerfile = f"FROM python:3.13-slim\nRUN apt-get update && apt-get install -y gcc\n{start}\n"
    write(tmp_path, {"Dockerfile": dockerfile, "runtime.sh": script or "#!/bin/sh\n"})
    assert main(["check", str(tmp_path), "--format", "json", "--fail-on", "never"]) == 0
    report = json.loads(capsys.readouterr().out)
    development = {d["file"]: d["reason"] for d in report["development"]}
    assert development.get("Dockerfile", "") == reason
    rules = {f["rule"] for f in report["findings"]}
    assert bool({"DW103", "DW104"} & rules) == (not reason)


def test_unpinned_requirements_are_one_finding_per_file_listing_the_lines(tmp_path: Path) -> None:
    dockerfile = """
        FROM python:3.13-slim
        WORKDIR /srv
        COPY requirements/prod.txt deps.txt
        RUN --mount=type=bind,source=constraints,target=/c \\
            pip install --no-cache-dir -r deps.txt -r /c/base.txt
        USER 10001
    """
    requirements = (
        "flask==3.1.2\n-e .\n.\n./libs/util\nrequests>=2\n# pinned below\nnumpy\n"
        "deepspeed>=0.10.0,<=0.18.4\n"  # the newest up to 0.18.4 is always 0.18.4
    )
    write(
        tmp_path,
        {
            "Dockerfile": dockerfile,
            "requirements/prod.txt": requirements,
            "constraints/base.txt": "click\n",
        },
    )
    found = [f for f in check(tmp_path) if f.rule == "DW107"]
    assert [(f.where, f.detail) for f in found] == [
        ("constraints/base.txt:1", "unpinned: click (line 1)"),
        ("requirements/prod.txt:5", "unpinned: requests>=2 (line 5), numpy (line 7)"),
    ]


def test_a_stage_on_the_project_s_own_image_installs_with_its_lock(tmp_path: Path) -> None:
    """lnbits' plug-in images: `uv sync` in a stage FROM lnbits/lnbits, whose /app holds the
    project's uv.lock; the plug-in's folder has none, and needs none."""
    dockerfile = "ARG TAG=latest\nFROM example/app:${TAG}\nRUN uv sync --locked\nUSER 10001\n"
    workflow = "steps:\n  - run: docker build -t example/app:main .\n"
    write(tmp_path, {"plugin/Dockerfile": dockerfile, ".github/workflows/d.yml": workflow})
    assert not where(check(tmp_path), "DW107")
    (tmp_path / ".github/workflows/d.yml").unlink()
    assert where(check(tmp_path), "DW107") == ["plugin/uv.lock"]


@pytest.mark.parametrize(
    ("script", "fires"),
    [
        ("docker build --build-arg TAG=1.2 -t x/plugin .", False),
        (
            "jobs:\n  b:\n    steps:\n      - with:\n          build-args: TAG=${{ inputs.tag }}",
            False,
        ),
        (
            "jobs:\n  b:\n    steps:\n      - with:\n          build-args: |\n            A=1\n"
            "            TAG=2\n",
            False,
        ),
        ("docker build --build-arg OTHER=1 -t x/plugin .", True),
    ],
)
def test_a_latest_arg_every_build_passes_is_not_latest(
    tmp_path: Path, script: str, fires: bool
) -> None:
    dockerfile = "ARG TAG=latest\nFROM example/app:${TAG}\nUSER 10001\n"
    name = ".github/workflows/d.yml" if "jobs:" in script else "scripts/build.sh"
    write(tmp_path, {"Dockerfile": dockerfile, name: script})
    assert bool(where(check(tmp_path), "DW106")) == fires


def test_an_install_into_an_environment_copied_from_the_builder_adds_the_project_only(
    tmp_path: Path,
) -> None:
    """lnbits' shape: the builder syncs from pyproject.toml and uv.lock alone; the final
    stage copies the code, then the builder's .venv, and syncs again (the project only)."""
    dockerfile = """
        FROM python:3.13-slim AS builder
        WORKDIR /app
        COPY pyproject.toml uv.lock ./
        RUN uv sync --locked --no-install-project
        FROM python:3.13-slim
        WORKDIR /app
        COPY . .
        COPY --from=builder /app/.venv .venv
        RUN uv sync --locked
        USER 10001
    """
    write(tmp_path, {"Dockerfile": dockerfile, "pyproject.toml": "", "uv.lock": ""})
    assert not where(check(tmp_path), "DW101")
    write(tmp_path, {"Dockerfile": dockerfile.replace("COPY --from=builder /app/.venv .venv", "")})
    assert where(check(tmp_path), "DW101") == ["Dockerfile:9"]


@pytest.mark.parametrize(
    ("base", "detail"),
    [
        ("python:slim", "FROM python:slim: the tag names no Python minor version"),
        ("python:3-alpine", "FROM python:3-alpine: the tag names no Python minor version"),
        (
            "docker.io/library/python:bookworm",
            "FROM docker.io/library/python:bookworm: the tag names no Python minor version",
        ),
        ("python:3.13-slim", ""),
        ("mcr.microsoft.com/devcontainers/python:1-3.12", ""),  # not the official image
    ],
)
def test_dw106_a_python_tag_without_its_minor_version_moves(
    tmp_path: Path, base: str, detail: str
) -> None:
    write(tmp_path, {"Dockerfile": f"FROM {base}\nUSER 10001\n"})
    assert [f.detail for f in check(tmp_path) if f.rule == "DW106"] == ([detail] if detail else [])


@pytest.mark.parametrize(
    ("install", "fires"),
    [
        ("pip install --no-cache-dir .", True),
        ("uv pip install --system .[web]", True),
        ("pip install --no-cache-dir -e .", True),
        ("pip install --no-cache-dir -c constraints.txt .", False),
        ("pip install --no-cache-dir --no-deps .", False),
        ("uv sync --locked && uv pip install .", False),  # the lock's manager runs
        ("pip install --no-cache-dir /wheels/*", False),
    ],
)
def test_dw107_a_lock_the_build_bypasses(tmp_path: Path, install: str, fires: bool) -> None:
    dockerfile = f"FROM python:3.13-slim\nWORKDIR /app\nCOPY . .\nRUN {install}\nUSER 10001\n"
    write(tmp_path, {"Dockerfile": dockerfile, "pyproject.toml": "", "uv.lock": ""})
    found = [f.detail for f in check(tmp_path) if f.rule == "DW107"]
    assert found == (
        [f"`{install}` resolves the manifest's ranges; uv.lock is not used"] if fires else []
    )


def test_dw108_points_at_the_dependency_and_the_database(tmp_path: Path) -> None:
    compose = """
        x-defaults:
          web:
            restart: always
        services:
          web:
            build: .
            command: sh -c "flask db upgrade && exec gunicorn app:app"
            depends_on:
              - cache
              - db
          worker:
            build: .
            depends_on:
              db:
                condition: service_healthy
          cache:
            image: redis:7
            healthcheck: {test: [CMD, redis-cli, ping]}
          db:
            image: postgres:17
          api:
            build: .
            depends_on:
              db: {condition: service_healthy}
    """
    override = """
        services:
          worker:
            depends_on:
              cache:
                condition: service_started
    """
    files = {"Dockerfile": GOOD, "compose.yaml": compose, "compose.override.yaml": override}
    write(tmp_path, files)
    found = sorted((f.where, f.detail) for f in check(tmp_path) if f.rule == "DW108")
    assert found == [  # not the cache: its clients retry it, or use it later
        ("compose.yaml:10", "web depends on db without condition: service_healthy"),
        ("compose.yaml:19", "db has no healthcheck"),
    ]
    # The same app, not migrating at start: it connects when a request needs the database.
    write(tmp_path, {"compose.yaml": compose.replace("flask db upgrade &&", "")})
    assert where(check(tmp_path), "DW108") == ["compose.yaml:19"]  # the healthcheck only


WAITS = {
    "its compose command": (
        GOOD,
        "command: sh -c 'until pg_isready -h db; do sleep 1; done; alembic upgrade head; "
        "exec gunicorn app:app'",
    ),
    "its entrypoint script": (
        GOOD.replace("USER", "COPY scripts/entrypoint.sh /entrypoint.sh\nUSER")
        + 'ENTRYPOINT ["/entrypoint.sh"]\nCMD ["gunicorn", "app:app"]\n',
        "",
    ),
}
MIGRATES = "command: sh -c 'alembic upgrade head && exec gunicorn app:app'"


@pytest.mark.parametrize("how", WAITS)
def test_dw108_leaves_an_app_that_waits_for_its_database_itself(tmp_path: Path, how: str) -> None:
    dockerfile, command = WAITS[how]
    compose = """
        services:
          web:
            build: .
            COMMAND
            depends_on: [db]
          db:
            image: postgres:17
    """
    script = '#!/bin/sh\nset -e\npython scripts/wait_for_db.py\nalembic upgrade head\nexec "$@"\n'
    write(tmp_path, {"Dockerfile": dockerfile, "compose.yaml": compose.replace("COMMAND", command)})
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "entrypoint.sh").write_text(script)
    assert [f for f in check(tmp_path) if f.rule == "DW108"] == []
    write(tmp_path, {"compose.yaml": compose.replace("COMMAND", MIGRATES)})
    (tmp_path / "scripts" / "entrypoint.sh").write_text('#!/bin/sh\nexec "$@"\n')
    assert [f.detail for f in check(tmp_path) if f.rule == "DW108"] == [
        "web depends on db without condition: service_healthy"
    ]


def test_the_readme_shows_the_registry_s_rules() -> None:
    from dockwright.check import rules_table

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    section = readme.split("## Checking any Docker setup", 1)[1].split("\n## ", 1)[0]
    assert rules_table() in section
    assert section.count("| DW") == len(RULES)


def test_a_final_stage_built_on_another_is_judged_with_what_it_inherits(tmp_path: Path) -> None:
    dockerfile = """
        FROM python:3.13-slim AS base
        RUN useradd --uid 10001 app
        FROM base AS runtime
        CMD ["python", "-m", "app"]
        FROM base AS unprivileged
        USER 10001
        FROM unprivileged AS final
        CMD ["python", "-m", "app"]
    """
    write(tmp_path, {"Dockerfile": dockerfile})
    assert not where(check(tmp_path), "DW103")  # USER 10001 is inherited
    (tmp_path / "Dockerfile").write_text(
        dedent(dockerfile).lstrip().replace("AS final", "AS f\nUSER 0")
    )
    assert where(check(tmp_path), "DW103") == ["Dockerfile:8"]
    write(tmp_path, {"Dockerfile": dockerfile.replace("unprivileged AS final", "runtime AS final")})
    assert where(check(tmp_path), "DW103") == ["Dockerfile:7"]  # the final stage's FROM


def test_a_start_script_copied_in_the_stage_built_on_is_read(tmp_path: Path) -> None:
    """linkding's shape: the final stage builds on a stage whose CMD runs a script that
    stage copied in; the script is found there (this once raised IndexError)."""
    dockerfile = """
        FROM python:3.13-slim AS app
        RUN useradd app
        WORKDIR /srv
        COPY start.sh ./
        CMD ["./start.sh"]
        FROM app AS plus
        RUN pip install --no-cache-dir extra==1.0
    """
    write(tmp_path, {"Dockerfile": dockerfile, "start.sh": '#!/bin/sh\nexec gosu app "$@"\n'})
    assert not where(check(tmp_path), "DW103")
    (tmp_path / "start.sh").write_text('#!/bin/sh\nexec "$@"\n')
    assert where(check(tmp_path), "DW103") == ["Dockerfile:6"]


DOTENV_SIGNS = {
    "nothing says the project keeps a .env": ({}, "missing .venv"),
    "a template of one": ({".env.example": "SECRET_KEY=\n"}, "missing .venv, .env"),
    "git leaves it out": ({".gitignore": "__pycache__/\n/.env\n"}, "missing .venv, .env"),
    "compose reads it": (
        {"compose.yaml": "services:\n  app:\n    build: .\n    env_file: .env\n"},
        "missing .venv, .env",
    ),
}


@pytest.mark.parametrize("case", DOTENV_SIGNS)
def test_dw105_asks_for_env_where_the_project_keeps_one(tmp_path: Path, case: str) -> None:
    """CTFd and wger keep no .env: their .dockerignore missing the entry was judged false."""
    files, message = DOTENV_SIGNS[case]
    dockerfile = 'FROM python:3.13-slim\nCOPY . /app\nUSER 10001\nCMD ["python", "/app/a.py"]\n'
    write(tmp_path, {"Dockerfile": dockerfile, ".dockerignore": ".git\n", **files})
    [finding] = [f for f in check(tmp_path) if f.rule == "DW105"]
    assert finding.detail == message


def test_dw105_leaves_git_to_a_build_that_reads_and_removes_it(tmp_path: Path) -> None:
    """Tandoor's shape: the version is read from .git after COPY . ., then .git is removed."""
    dockerfile = (
        "FROM python:3.13-slim\nCOPY . /app\nRUN python /app/version.py "
        '&& find /app -type d -name ".git" | xargs rm -rf\nUSER 10001\n'
    )
    write(tmp_path, {"Dockerfile": dockerfile, ".dockerignore": ".venv\n"})
    assert not where(check(tmp_path), "DW105")
    write(tmp_path, {"Dockerfile": dockerfile.replace('&& find /app -type d -name ".git"', "")})
    assert [f.detail for f in check(tmp_path) if f.rule == "DW105"] == ["missing .git"]


CACHE_MOUNTS = {
    "root's cache, USER app runs the install": (
        "USER app\nRUN --mount=type=cache,target=/root/.cache/uv uv pip install --system six",
        "USER app (line 3) runs this install; its cache is not /root/.cache/uv",
    ),
    "app's cache, root runs the install": (
        "RUN --mount=type=cache,target=/home/app/.cache/pip pip install six",
        "root runs this install; its cache is not /home/app/.cache/pip",
    ),
    "USER app, told where the cache is": (
        "USER app\nENV UV_CACHE_DIR=/root/.cache/uv\n"
        "RUN --mount=type=cache,target=/root/.cache/uv,uid=10001 uv pip install six",
        "",
    ),
    "USER app, --cache-dir": (
        "USER app\nRUN --mount=type=cache,target=/root/.cache/pip,uid=10001 "
        "pip install --cache-dir=/root/.cache/pip six",
        "",
    ),
    "root's cache, root installs": (
        "RUN --mount=type=cache,target=/root/.cache/pip pip install six\nUSER app",
        "",
    ),
    "a cache any user reaches": (
        "USER app\nRUN --mount=type=cache,target=/tmp/cache,uid=10001 "
        "pip install --cache-dir /tmp/cache six",
        "",
    ),
}


@pytest.mark.parametrize("case", CACHE_MOUNTS)
def test_dw127_a_cache_mount_where_the_installing_user_looks(tmp_path: Path, case: str) -> None:
    run, detail = CACHE_MOUNTS[case]
    dockerfile = f"FROM python:3.13-slim\nRUN useradd --create-home --uid 10001 app\n{run}\n"
    write(tmp_path, {"Dockerfile": dockerfile})
    found = [f.detail for f in check(tmp_path) if f.rule == "DW127"]
    assert found == ([detail] if detail else [])


def test_dw127_the_user_comes_from_the_stage_built_on(tmp_path: Path) -> None:
    dockerfile = """
        FROM python:3.13-slim AS base
        RUN useradd --uid 10001 app
        USER app
        FROM base
        RUN --mount=type=cache,target=/root/.cache/pip pip install six
    """
    write(tmp_path, {"Dockerfile": dockerfile})
    assert where(check(tmp_path), "DW127") == ["Dockerfile:5"]


STACK_FILES = {
    # the file's name, its one service: what DW128 says
    "by its name": ("compose.swarm.yaml", "{image: app:1, tmpfs: [/tmp]}", ["tmpfs (not mounted)"]),
    "by a swarm-only key": (
        "compose.yaml",
        "{image: app:1, restart: always, deploy: {placement: {constraints: [node.role==manager]}}}",
        ["restart without deploy.restart_policy (not read)"],
    ),
    "a job mode": (
        "compose.yaml",
        "{image: app:1, depends_on: [db], deploy: {mode: replicated-job}}",
        ["depends_on (no start order)"],
    ),
    "restart with its policy": (
        "stack.yml",
        "{image: app:1, restart: always, deploy: {restart_policy: {condition: any}}}",
        [],
    ),
    "a compose file for one host": (
        "compose.prod.yaml",
        "{image: app:1, tmpfs: [/tmp], security_opt: [no-new-privileges:true], restart: always}",
        [],
    ),
}


@pytest.mark.parametrize("case", STACK_FILES)
def test_dw128_options_a_stack_deploy_drops(tmp_path: Path, case: str) -> None:
    name, service, expected = STACK_FILES[case]
    compose = f"services:\n  web: {service}\n  db: {{image: postgres:17}}\n"
    write(tmp_path, {"Dockerfile": "FROM python:3.13-slim\n", name: compose})
    found = [f.detail for f in check(tmp_path) if f.rule == "DW128"]
    assert found == [f"web: {detail}" for detail in expected]


# DW111 and --fix: scripts with CRLF line endings.


def test_fix_rewrites_the_crlf_scripts_the_image_runs_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "p"
    shutil.copytree(FIXTURES / "DW111" / "triggers", project)
    script = project / "scripts" / "entrypoint.sh"
    mode = script.stat().st_mode
    assert main(["check", str(project), "--fail-on", "never"]) == 0
    assert "DW111" in capsys.readouterr().out
    assert b"\r\n" in script.read_bytes()  # no --fix: nothing written

    assert main(["check", str(project), "--fix", "--fail-on", "never"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Fixed scripts/entrypoint.sh: 3 CRLF line ending(s) rewritten to LF" in out
    assert "DW111" not in out  # checked again after the fix
    assert script.read_bytes() == b'#!/bin/sh\nset -e\nexec "$@"\n'
    assert script.stat().st_mode == mode
    assert sorted(p.name for p in script.parent.iterdir()) == ["entrypoint.sh"]


def test_fix_keeps_json_on_stdout_and_leaves_ignored_findings_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "p"
    shutil.copytree(FIXTURES / "DW111" / "triggers", project)
    script = project / "scripts" / "entrypoint.sh"
    argv = ["check", str(project), "--fix", "--fail-on", "never"]
    assert main([*argv, "--ignore", "DW111"]) == 0
    assert b"\r\n" in script.read_bytes()
    capsys.readouterr()
    assert main([*argv, "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert "DW111" not in {f["rule"] for f in json.loads(captured.out)["findings"]}
    assert "Fixed scripts/entrypoint.sh" in captured.err
    assert b"\r\n" not in script.read_bytes()


def test_fix_adds_what_a_dockerignore_lacks_and_makes_one_where_there_is_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dockerfile = 'FROM python:3.13-slim\nCOPY . /app\nUSER 10001\nCMD ["python", "/app/a.py"]\n'
    write(
        tmp_path,
        {
            "Dockerfile": dockerfile,
            "api/Dockerfile": dockerfile,
            "api/.env.example": "SECRET_KEY=\n",
            ".dockerignore": "# ours\n.git",  # no newline at its end
        },
    )
    argv = ["check", str(tmp_path), "--fix", "--fail-on", "never"]
    assert main([*argv, "--ignore", "DW105"]) == 0
    assert not (tmp_path / "api" / ".dockerignore").exists()  # ignored: nothing written
    capsys.readouterr()
    assert main(argv) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Fixed .dockerignore: added .venv" in out
    assert "Fixed api/.dockerignore: made, with .git, .venv, .env" in out
    assert "DW105" not in out  # checked again after the fix
    assert (tmp_path / ".dockerignore").read_text() == "# ours\n.git\n.venv\n"
    assert (tmp_path / "api" / ".dockerignore").read_text() == ".git\n.venv\n.env\n"
    assert not list(tmp_path.rglob("*.dockwright-fix"))


@pytest.mark.parametrize(
    ("dockerfile", "fires"),
    [
        ("COPY install.sh /tmp/\nRUN sh /tmp/install.sh\n", True),
        ("COPY install.sh ./\nRUN ./install.sh\n", True),
        ("COPY . /app\nWORKDIR /app\nCMD ./install.sh\n", True),
        ("COPY install.sh /tmp/\nRUN sh -c 'echo /tmp/install.sh'\n", False),
        ("COPY app.py ./\nCMD python app.py\n", False),  # Python reads CRLF
        ("RUN ./install.sh\n", False),  # not from the build context
    ],
)
def test_dw111_follows_the_script_into_the_image(
    tmp_path: Path, dockerfile: str, fires: bool
) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.13-slim\n" + dockerfile,
            "install.sh": "#!/bin/sh\r\necho hi\r\n",
            "app.py": "#!/usr/bin/env python3\r\nprint(1)\r\n",
        },
    )
    assert bool(where(check(tmp_path), "DW111")) == fires


@pytest.mark.parametrize(
    ("base", "lines", "missing"),
    [
        ("python:3.13-slim", "HEALTHCHECK CMD wget -qO- http://localhost:8000/ || exit 1", "wget"),
        (
            "python:3.13-slim-bookworm",
            'HEALTHCHECK CMD ["curl", "-f", "http://localhost/"]',
            "curl",
        ),
        ("python:3.13-alpine", "HEALTHCHECK CMD curl -f http://localhost/", "curl"),
        ("python:3.13-alpine", "HEALTHCHECK CMD wget -q http://localhost/", ""),  # busybox
        ("python:3.13", "HEALTHCHECK CMD curl -f http://localhost/", ""),  # the full image
        ("gcr.io/distroless/python3-debian12", 'HEALTHCHECK CMD ["curl", "x"]', "curl"),
        (
            "python:3.13-slim",
            "RUN apt-get update && apt-get install -y --no-install-recommends curl\n"
            "HEALTHCHECK CMD curl -f http://localhost/",
            "",
        ),
        ("python:3.13-slim", 'HEALTHCHECK CMD ["sh", "-c", "curl -f http://x/"]', "curl"),
        ("python:3.13-slim", "HEALTHCHECK NONE", ""),
    ],
)
def test_dw112_knows_which_bases_lack_curl_and_wget(
    tmp_path: Path, base: str, lines: str, missing: str
) -> None:
    write(tmp_path, {"Dockerfile": f"FROM {base}\nUSER 10001\n{lines}\n"})
    found = [f for f in check(tmp_path) if f.rule == "DW112"]
    assert [f.detail.split()[0] for f in found] == ([missing] if missing else [])


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("ARG NPM_TOKEN", True),
        ("ARG DB_PASSWORD=postgres", True),
        ("ENV DJANGO_SECRET_KEY=insecure", True),
        ("ENV AWS_SECRET_ACCESS_KEY wJalrXUtnFEMI", True),
        ("ENV A=1 API_KEY=abc", True),
        ("ENV DATABASE_URL=postgresql://app:hunter2@db:5432/app", True),
        ("RUN pip install --index-url https://u:p@pypi.example.com/simple flask", True),
        ("ENV API_KEY=", False),  # set to nothing
        ("ENV SSH_PUBLIC_KEY=ssh-ed25519", False),
        ("ENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D", False),
        ("ARG PYTHON_VERSION=3.13", False),
        ("ENV DATABASE_URL=postgresql://app:${DB_PASSWORD}@db/app", False),
        ("ENV DATABASE_URL=postgresql://app@db/app", False),
        ("RUN pip install flask # see https://pypi.org/project/flask:3.1", False),
        ("ARG VITE_SENTRY_APP_KEY", False),  # compiled into the public JavaScript
        ("ENV NEXT_PUBLIC_MAPS_API_KEY=abc", False),
        ("ENV VITE_AUTH_USE_ID_TOKEN=true", False),  # a switch, not a token
        ("ENV APP_SECRET_KEY=abc", True),
    ],
)
def test_dw113_names_secrets_without_repeating_them(
    tmp_path: Path, line: str, secret: bool
) -> None:
    write(tmp_path, {"Dockerfile": f"FROM python:3.13-slim\n{line}\nUSER 10001\n"})
    found = [f for f in check(tmp_path) if f.rule == "DW113"]
    assert bool(found) == secret
    for finding in found:
        assert finding.line == 2
        assert not {"hunter2", "insecure", "postgres"} & set(finding.why.split())


@pytest.mark.parametrize(
    ("builder", "final", "copied", "fires"),
    [
        ("python:3.12", "python:3.13-slim", "/opt/venv", True),
        ("python:3.12-slim AS base\nFROM base", "python:3.11-slim", "/app/.venv", True),
        ("ghcr.io/astral-sh/uv:python3.12-bookworm-slim", "python:3.13-slim", "/app/.venv", True),
        ("python:3.13.1", "python:3.13-slim", "/usr/local/lib/python3.13/site-packages", False),
        ("python:3.12", "python:3.13-slim", "/app/wheels", False),  # wheels are reinstalled
        ("python:${PY}", "python:3.13-slim", "/opt/venv", False),  # not known here
        ("python:3.12", "debian:trixie-slim", "/opt/venv", False),
    ],
)
def test_dw114_compares_the_python_of_both_ends_of_the_copy(
    tmp_path: Path, builder: str, final: str, copied: str, fires: bool
) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": f"FROM {builder} AS builder\nRUN true\n"
            f"FROM {final}\nCOPY --from=builder {copied} {copied}\nUSER 10001\n"
        },
    )
    assert bool(where(check(tmp_path), "DW114")) == fires


@pytest.mark.parametrize(
    ("service", "rules"),
    [
        ("image: postgres:17\n    ports: ['5432:5432']", {"DW115"}),
        ("image: redis:7.4\n    ports: ['0.0.0.0:6379:6379']", {"DW115"}),
        ("image: mongo:8\n    ports: [27017]", {"DW115"}),
        ("image: mysql:8.4\n    ports: [{target: 3306, published: 3306}]", {"DW115"}),
        ("image: postgres:17\n    ports: ['127.0.0.1:5432:5432', '[::1]:5433:5432']", set()),
        ("image: postgres:17\n    ports: ['${DB_PORT:-5432}:5432']", set()),  # not known
        ("image: nginx:1.27\n    ports: ['80:80']", set()),  # not a database
        ("image: python:3.13-slim\n    privileged: true", {"DW116"}),
        ("image: mysql:8.4\n    environment: [MYSQL_ROOT_PASSWORD=root]", set()),  # not reached
        (
            "image: mysql:8.4\n    environment: [MYSQL_ROOT_PASSWORD=root]\n"
            "    ports: ['3306:3306']",
            {"DW115", "DW117"},
        ),
        ("image: app:1\n    environment: [PASSWORD=root]\n    network_mode: host", {"DW117"}),
        (
            "image: mysql:8.4\n    environment: [MYSQL_PASSWORD=x]\n"
            "    ports: ['127.0.0.1:3306:3306']",
            set(),
        ),
        ("image: mysql:8.4\n    environment: {MYSQL_ALLOW_EMPTY_PASSWORD: 'yes'}", set()),
        ("image: app:1\n    environment: {DATABASE_URL: 'postgresql://u:p@db/app'}", {"DW117"}),
        ("image: app:1\n    environment: {SECRET_KEY: '${SECRET_KEY}', API_KEY: ''}", set()),
        ("image: app:1\n    environment: {SECRET_KEY: suitable-for-development-only}", set()),
        ("image: postgres:17\n    environment: [POSTGRES_PASSWORD=changeme]", set()),
        ("image: postgres", {"DW118"}),
        ("image: ghcr.io/org/app", {"DW118"}),
        ("image: localhost:5000/app", {"DW118"}),  # a registry's port is no tag
        ("image: postgres@sha256:" + "a" * 64, set()),
        ("image: '${IMAGE}'", set()),
    ],
)
def test_compose_rules_read_each_service(tmp_path: Path, service: str, rules: set[str]) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.13-slim\nUSER 10001\n",
            "compose.yaml": f"services:\n  s:\n    {service}\n",
        },
    )
    compose_rules = {"DW115", "DW116", "DW117", "DW118"}
    found = [f for f in check(tmp_path) if f.rule in compose_rules]
    assert {f.rule for f in found} == rules
    assert all(f.file == "compose.yaml" and f.line == 2 for f in found)


def test_the_project_s_own_image_is_read_from_its_workflow(tmp_path: Path) -> None:
    """changedetection.io's compose file runs the image its workflow pushes, untagged: its
    latest is the release users are meant to pull. Only the tags of the `tags: |` block
    count, not the keys after it."""
    workflow = """
        jobs:
          push:
            steps:
              - uses: docker/build-push-action@v6
                with:
                  tags: |
                    ghcr.io/example/app:${{ github.sha }}
                    ghcr.io/example/app:latest
                  labels: |
                    org.opencontainers.image.title=redis
    """
    compose = "services:\n  app:\n    image: ghcr.io/example/app\n  cache:\n    image: redis\n"
    write(
        tmp_path,
        {"Dockerfile": GOOD, "compose.yaml": compose, ".github/workflows/push.yml": workflow},
    )
    assert [f.detail for f in check(tmp_path) if f.rule == "DW118"] == ["cache: image redis"]


def test_sarif_output_has_the_shape_code_scanning_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SARIF 2.1.0's required keys and the registry's rules (no copy of the OASIS schema
    is installed to validate against)."""
    project = tmp_path / "p"
    shutil.copytree(FIXTURES / "DW111" / "triggers", project)
    assert main(["check", str(project), "--format", "sarif"]) == 1
    sarif = json.loads(capsys.readouterr().out)
    assert sarif["version"] == "2.1.0"
    assert sarif["$schema"].endswith("sarif-schema-2.1.0.json")
    [run] = sarif["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "dockwright"
    assert [r["id"] for r in driver["rules"]] == list(RULES)
    levels = {"error": "error", "warning": "warning", "info": "note", "style": "note"}
    for descriptor in driver["rules"]:
        rule = RULES[descriptor["id"]]
        assert descriptor["shortDescription"]["text"] == rule.title
        assert descriptor["defaultConfiguration"]["level"] == levels[rule.severity]
    assert run["originalUriBaseIds"]["ROOT"]["uri"] == project.as_uri() + "/"
    results = run["results"]
    assert {r["ruleId"] for r in results} >= {"DW111"}
    for result in results:
        assert set(result) >= {"ruleId", "level", "message", "locations"}
        assert result["level"] in {"error", "warning", "note"}
        assert result["message"]["text"]
        if result["ruleId"] in RULES:
            assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
            assert result["level"] == levels[RULES[result["ruleId"]].severity]
        [location] = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "ROOT"
        assert not artifact["uri"].startswith("/")
        assert (project / artifact["uri"]).exists() or artifact["uri"] == ".dockerignore"
    [crlf] = [r for r in results if r["ruleId"] == "DW111"]
    physical = crlf["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "Dockerfile"
    assert physical["region"] == {"startLine": 5}


ROOT_CASES = {
    # (files, fires)
    "no USER": ({"Dockerfile": 'FROM python:3.13-slim\nCMD ["python", "app.py"]\n'}, True),
    "compose gives every service a user": (
        {
            "Dockerfile": 'FROM python:3.13-slim\nCMD ["python", "app.py"]\n',
            "compose.yaml": "services:\n  app:\n    build: .\n    user: '6972:6972'\n",
        },
        False,
    ),
    "compose gives one service of two a user": (
        {
            "Dockerfile": 'FROM python:3.13-slim\nCMD ["python", "app.py"]\n',
            "compose.yaml": "services:\n  app:\n    build: .\n    user: '1000'\n"
            "  worker:\n    build: .\n",
        },
        True,
    ),
    "a compose file beside the Dockerfile gives the user": (
        {
            "docker/cpu/Dockerfile": 'FROM python:3.13-slim\nCMD ["python", "app.py"]\n',
            "docker/cpu/docker-compose.yml": "services:\n  app:\n    build: .\n    user: '6972'\n",
        },
        False,
    ),
    "a compose file beside the Dockerfile builds it from the top": (
        {
            "docker/Dockerfile": 'FROM python:3.13-slim\nCMD ["python", "app.py"]\n',
            "docker/compose.yaml": "services:\n  app:\n    build:\n      context: ..\n"
            "      dockerfile: docker/Dockerfile\n    user: app\n",
        },
        False,
    ),
    "a compose file beside the Dockerfile, no user": (
        {
            "docker/Dockerfile": 'FROM python:3.13-slim\nCMD ["python", "app.py"]\n',
            "docker/compose.yaml": "services:\n  app:\n    build:\n      context: ..\n"
            "      dockerfile: docker/Dockerfile\n",
        },
        True,
    ),
    "uWSGI told a uid in its ini": (
        {
            "Dockerfile": "FROM python:3.13-slim\nWORKDIR /etc/app\nCOPY uwsgi.ini start.sh ./\n"
            'CMD ["./start.sh"]\n',
            "start.sh": "#!/bin/sh\nexec uwsgi --http :8000 uwsgi.ini\n",
            "uwsgi.ini": "[uwsgi]\nmodule = app.wsgi\nuid = www-data\n",
        },
        False,
    ),
    "uWSGI with an ini without a uid": (
        {
            "Dockerfile": 'FROM python:3.13-slim\nCOPY uwsgi.ini /\nCMD ["uwsgi", "/uwsgi.ini"]\n',
            "uwsgi.ini": "[uwsgi]\nmodule = app.wsgi\n",
        },
        True,
    ),
    "gunicorn told a user": (
        {"Dockerfile": 'FROM python:3.13-slim\nCMD ["gunicorn", "--user", "app", "app:app"]\n'},
        False,
    ),
    "Apache, whose workers are www-data's": (
        {"Dockerfile": 'FROM python:3.13-slim\nCMD ["apache2ctl", "-D", "FOREGROUND"]\n'},
        False,
    ),
    "built on the project's own non-root image": (
        {
            "Dockerfile": 'FROM python:3.13-slim\nUSER 10001\nCMD ["python", "app.py"]\n',
            "docker/Dockerfile.plot": "ARG image=example/app\nFROM ${image}:main\n"
            'CMD ["python", "plot.py"]\n',
            "scripts/publish.sh": "IMAGE_NAME=example/app\ndocker build -t ${IMAGE_NAME}:main .\n",
        },
        False,
    ),
    "built on the project's own image, a root one": (
        {
            "Dockerfile": 'FROM python:3.13-slim\nCMD ["python", "app.py"]\n',
            "docker/Dockerfile.plot": 'FROM example/app:main\nCMD ["python", "plot.py"]\n',
            ".github/workflows/docker.yml": "jobs:\n  b:\n    steps:\n"
            "      - uses: docker/build-push-action@v6\n        with:\n"
            "          tags: ${{ vars.OWNER }}/app:${{ github.sha }}\n",
        },
        True,
    ),
    "a Lambda base": (
        {"Dockerfile": 'FROM public.ecr.aws/lambda/python:3.13\nCMD ["app.handler"]\n'},
        False,
    ),
    "a base that ends as a non-root user": (
        {"Dockerfile": 'FROM rayproject/ray:2.40.0-py312\nCMD ["python", "serve.py"]\n'},
        False,
    ),
    "a non-root base, USER root again": (
        {"Dockerfile": 'FROM rayproject/ray:2.40.0-py312\nUSER root\nCMD ["python", "s.py"]\n'},
        True,
    ),
    "a base for other images": (
        {"docker/Dockerfile.base": "FROM python:3.13-slim\nRUN apt-get update\n"},
        False,
    ),
    "named base, but it runs something": (
        {"docker/Dockerfile.base": 'FROM python:3.13-slim\nCMD ["python", "app.py"]\n'},
        True,
    ),
}


@pytest.mark.parametrize("case", ROOT_CASES)
def test_dw103_knows_who_runs_the_container(tmp_path: Path, case: str) -> None:
    """Judged on real projects (bench/check-corpus): compose's user:, a platform or a base
    image that runs as another user, and an image only built FROM are not root at run time."""
    files, fires = ROOT_CASES[case]
    write(tmp_path, files)
    found = where(check(tmp_path), "DW103")
    assert bool(found) == fires
    if case == "built on the project's own image, a root one":
        assert found == ["Dockerfile:1", "docker/Dockerfile.plot:1"]
