"""DW119: development dependencies installed in the production image.

Each manager's spelling of "and the development ones too" (and of "not those"), what reaches
the final image from a builder, the images that are development ones anyway, and, for poetry
and uv, agreement with the tools themselves: the rule fires exactly when `poetry install
--dry-run` or `uv export` (uv's group selection, offline) would install a development group.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dockwright.check import RULES, audit, check
from repos import write

UV_PROJECT = """
    [project]
    name = "shop"
    version = "1.0.0"
    requires-python = ">=3.13"
    dependencies = ["flask>=3.1"]
    optional-dependencies = {test = ["pytest>=8.3"], postgres = ["psycopg>=3.2"]}

    [dependency-groups]
    dev = ["ruff>=0.8", {include-group = "checks"}]
    checks = ["pytest>=8.3", "mypy>=1.13"]
    prod = ["gunicorn>=23"]
"""
POETRY_PROJECT = """
    [tool.poetry]
    name = "shop"
    version = "1.0.0"

    [tool.poetry.dependencies]
    python = "^3.13"
    flask = "^3.1"

    [tool.poetry.group.dev.dependencies]
    pytest = "^8.3"
    ruff = "^0.8"

    [tool.poetry.group.docs]
    optional = true

    [tool.poetry.group.docs.dependencies]
    mkdocs = "^1.6"

    [tool.poetry.group.server.dependencies]
    gunicorn = "^23"
"""
PIPFILE = """
    [packages]
    flask = "==3.1.2"

    [dev-packages]
    pytest = "==8.3.4"
"""


def image(*lines: str, copy: str = "COPY pyproject.toml uv.lock poetry.lock ./") -> str:
    """A one-stage production Dockerfile: the lines after its manifests are copied."""
    body = "\n".join(lines)
    return f"FROM python:3.13-slim\nWORKDIR /app\n{copy}\n{body}\nUSER 10001\n"


def dw119(root: Path) -> list[tuple[str, str]]:
    return [(f.where, f.detail) for f in check(root) if f.rule == "DW119"]


# (files, what DW119 says at the Dockerfile's last RUN; "" for nothing)
CASES: dict[str, tuple[dict[str, str], str]] = {
    # uv: the default groups (dev, which includes checks) unless told otherwise.
    "uv sync": (
        {"Dockerfile": image("RUN uv sync --locked"), "pyproject.toml": UV_PROJECT},
        "uv sync installs the dev group (ruff, pytest, mypy)",
    ),
    "uv sync --no-dev": (
        {"Dockerfile": image("RUN uv sync --locked --no-dev"), "pyproject.toml": UV_PROJECT},
        "",
    ),
    "uv sync --no-dev --group prod": (
        {"Dockerfile": image("RUN uv sync --no-dev --group prod"), "pyproject.toml": UV_PROJECT},
        "",
    ),
    "uv sync --only-group prod": (
        {"Dockerfile": image("RUN uv sync --only-group=prod"), "pyproject.toml": UV_PROJECT},
        "",
    ),
    "uv sync --only-group checks": (
        {"Dockerfile": image("RUN uv sync --only-group checks"), "pyproject.toml": UV_PROJECT},
        "uv sync --only-group checks installs the checks group (pytest, mypy)",
    ),
    "uv sync --no-default-groups": (
        {"Dockerfile": image("RUN uv sync --no-default-groups"), "pyproject.toml": UV_PROJECT},
        "",
    ),
    "uv sync --all-groups --no-dev": (
        {"Dockerfile": image("RUN uv sync --all-groups --no-dev"), "pyproject.toml": UV_PROJECT},
        "uv sync --all-groups --no-dev installs the checks group (pytest, mypy)",
    ),
    "uv sync --no-dev --extra test": (
        {"Dockerfile": image("RUN uv sync --no-dev --extra test"), "pyproject.toml": UV_PROJECT},
        "uv sync --no-dev --extra test installs the test extra (pytest)",
    ),
    "uv sync --no-dev --extra postgres": (
        {
            "Dockerfile": image("RUN uv sync --no-dev --extra postgres"),
            "pyproject.toml": UV_PROJECT,
        },
        "",
    ),
    "ENV UV_NO_DEV=1": (
        {"Dockerfile": image("ENV UV_NO_DEV=1", "RUN uv sync"), "pyproject.toml": UV_PROJECT},
        "",
    ),
    "UV_NO_DEV=1 uv sync": (
        {"Dockerfile": image("RUN UV_NO_DEV=1 uv sync --locked"), "pyproject.toml": UV_PROJECT},
        "",
    ),
    "export UV_NO_DEV=true && uv sync": (
        {
            "Dockerfile": image("RUN export UV_NO_DEV=true && uv sync"),
            "pyproject.toml": UV_PROJECT,
        },
        "",
    ),
    "ARG UV_NO_DEV=0": (
        {"Dockerfile": image("ARG UV_NO_DEV=0", "RUN uv sync"), "pyproject.toml": UV_PROJECT},
        "uv sync installs the dev group (ruff, pytest, mypy)",
    ),
    "uv: no development group": (
        {
            "Dockerfile": image("RUN uv sync --locked"),
            "pyproject.toml": UV_PROJECT.split("[dependency-groups]")[0],
        },
        "",
    ),
    "uv: default-groups without dev": (
        {
            "Dockerfile": image("RUN uv sync --locked"),
            "pyproject.toml": UV_PROJECT + '\n[tool.uv]\ndefault-groups = ["prod"]\n',
        },
        "",
    ),
    "uv: default-groups all, --no-dev": (
        {
            "Dockerfile": image("RUN uv sync --no-dev"),
            "pyproject.toml": UV_PROJECT + '\n[tool.uv]\ndefault-groups = "all"\n',
        },
        "uv sync --no-dev installs the checks group (pytest, mypy)",
    ),
    "uv: the legacy tool.uv.dev-dependencies": (
        {
            "Dockerfile": image("RUN uv sync"),
            "pyproject.toml": '[project]\nname = "shop"\nversion = "1"\n'
            '[tool.uv]\ndev-dependencies = ["pytest>=8"]\n',
        },
        "uv sync installs the dev group (pytest)",
    ),
    # poetry: every group that is not optional (dev, and server) unless told otherwise.
    "poetry install": (
        {"Dockerfile": image("RUN poetry install --no-root"), "pyproject.toml": POETRY_PROJECT},
        "poetry install installs the dev group (pytest, ruff)",
    ),
    "poetry install --only main": (
        {"Dockerfile": image("RUN poetry install --only main"), "pyproject.toml": POETRY_PROJECT},
        "",
    ),
    "poetry install --only=main": (
        {"Dockerfile": image("RUN poetry install --only=main"), "pyproject.toml": POETRY_PROJECT},
        "",
    ),
    "poetry install --without dev": (
        {"Dockerfile": image("RUN poetry install --without dev"), "pyproject.toml": POETRY_PROJECT},
        "",
    ),
    "poetry install --without=dev,docs": (
        {
            "Dockerfile": image("RUN poetry install --without=dev,docs"),
            "pyproject.toml": POETRY_PROJECT,
        },
        "",
    ),
    "poetry install --no-dev (poetry < 1.2)": (
        {"Dockerfile": image("RUN poetry install --no-dev"), "pyproject.toml": POETRY_PROJECT},
        "",
    ),
    "poetry install --only main,dev": (
        {
            "Dockerfile": image("RUN poetry install --only main,dev"),
            "pyproject.toml": POETRY_PROJECT,
        },
        "poetry install --only main,dev installs the dev group (pytest, ruff)",
    ),
    "poetry install --without dev --with docs": (
        {
            "Dockerfile": image("RUN poetry install --without dev --with docs"),
            "pyproject.toml": POETRY_PROJECT,
        },
        "poetry install --without dev --with docs installs the docs group (mkdocs)",
    ),
    "poetry install --all-groups": (
        {"Dockerfile": image("RUN poetry install --all-groups"), "pyproject.toml": POETRY_PROJECT},
        "poetry install --all-groups installs the dev and docs groups (pytest, ruff, mkdocs)",
    ),
    "poetry: the legacy dev-dependencies": (
        {
            "Dockerfile": image("RUN poetry install"),
            "pyproject.toml": '[tool.poetry]\nname = "shop"\nversion = "1"\n'
            '[tool.poetry.dev-dependencies]\npytest = "^8"\n',
        },
        "poetry install installs the dev group (pytest)",
    ),
    "poetry: PEP 735 groups": (
        {
            "Dockerfile": image("RUN poetry install"),
            "pyproject.toml": '[project]\nname = "shop"\nversion = "1"\n'
            '[dependency-groups]\ntest = ["pytest>=8"]\n',
        },
        "poetry install installs the test group (pytest)",
    ),
    "poetry: no development group": (
        {
            "Dockerfile": image("RUN poetry install"),
            "pyproject.toml": POETRY_PROJECT.split("[tool.poetry.group.dev")[0],
        },
        "",
    ),
    # pipenv: only when asked, and only when there are dev-packages.
    "pipenv install --dev": (
        {
            "Dockerfile": image(
                "RUN pipenv install --system --deploy --dev", copy="COPY Pipfile* ./"
            ),
            "Pipfile": PIPFILE,
        },
        "pipenv install --dev installs the dev-packages (pytest)",
    ),
    "pipenv sync -d": (
        {"Dockerfile": image("RUN pipenv sync -d", copy="COPY Pipfile* ./"), "Pipfile": PIPFILE},
        "pipenv sync -d installs the dev-packages (pytest)",
    ),
    "pipenv install --deploy": (
        {
            "Dockerfile": image("RUN pipenv install --system --deploy", copy="COPY Pipfile* ./"),
            "Pipfile": PIPFILE,
        },
        "",
    ),
    "pipenv: no dev-packages": (
        {
            "Dockerfile": image("RUN pipenv install --dev", copy="COPY Pipfile* ./"),
            "Pipfile": PIPFILE.split("[dev-packages]")[0],
        },
        "",
    ),
    # pip: the development requirements file, or the project's development extra.
    "pip install -r requirements-dev.txt": (
        {
            "Dockerfile": image(
                "RUN pip install --no-cache-dir -r requirements-dev.txt",
                copy="COPY requirements*.txt ./",
            ),
            "requirements.txt": "flask==3.1.2\n",
            "requirements-dev.txt": "-r requirements.txt\npytest==8.3.4\nruff==0.8.6\n",
        },
        "pip install -r requirements-dev.txt installs the development requirements (pytest, ruff)",
    ),
    "pip install -r requirements/dev.txt": (
        {
            "Dockerfile": image(
                "RUN pip install -r requirements/dev.txt", copy="COPY requirements requirements"
            ),
            "requirements/dev.txt": "pytest==8.3.4\n",
        },
        "pip install -r requirements/dev.txt installs the development requirements (pytest)",
    ),
    "uv pip install -r test-requirements.txt": (
        {
            "Dockerfile": image(
                "RUN uv pip install --system -r test-requirements.txt", copy="COPY . ."
            ),
            "test-requirements.txt": "pytest==8.3.4\n",
        },
        "uv pip install -r test-requirements.txt installs the development requirements (pytest)",
    ),
    "pip install -r requirements.txt": (
        {
            "Dockerfile": image(
                "RUN pip install -r requirements.txt", copy="COPY requirements.txt ."
            ),
            "requirements.txt": "flask==3.1.2\n",
        },
        "",
    ),
    "pip install -e .[dev]": (
        {
            "Dockerfile": image("RUN pip install -e '.[dev]'", copy="COPY . ."),
            "pyproject.toml": '[project]\nname = "shop"\nversion = "1"\n'
            '[project.optional-dependencies]\ndev = ["pytest>=8"]\n',
        },
        "pip install -e .[dev] installs the dev extra (pytest)",
    ),
    "pip install .[test] (setup.py)": (
        {"Dockerfile": image("RUN pip install .[test]", copy="COPY . ."), "setup.py": ""},
        "pip install .[test] installs the test extra",
    ),
    "pip install .[postgres]": (
        {
            "Dockerfile": image("RUN pip install '.[postgres]'", copy="COPY . ."),
            "pyproject.toml": UV_PROJECT,
        },
        "",
    ),
    "pip install .[dev] with no dev extra": (
        {
            "Dockerfile": image("RUN pip install '.[dev]'", copy="COPY . ."),
            "pyproject.toml": UV_PROJECT,
        },
        "",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_each_spelling_of_the_development_dependencies(tmp_path: Path, case: str) -> None:
    files, said = CASES[case]
    write(tmp_path, files)
    lines = files["Dockerfile"].splitlines()
    line = max(number for number, text in enumerate(lines, 1) if text.startswith("RUN"))
    assert dw119(tmp_path) == ([(f"Dockerfile:{line}", said)] if said else [])


def test_the_finding_says_why_and_how_to_fix(tmp_path: Path) -> None:
    write(tmp_path, CASES["poetry install"][0])
    [finding] = [f for f in check(tmp_path) if f.rule == "DW119"]
    assert finding.severity == "warning"
    assert finding.title == RULES["DW119"].title
    assert finding.why.startswith("poetry install installs the dev group (pytest, ruff): ")
    assert "poetry install --only main" in finding.fix
    assert "uv sync --no-dev" in finding.fix


BUILDER = """
    FROM python:3.13-slim AS builder
    ENV UV_PROJECT_ENVIRONMENT=/opt/venv
    WORKDIR /build
    COPY pyproject.toml uv.lock ./
    RUN uv sync --locked && uv build --wheel --out-dir /wheels
    FROM python:3.13-slim
    {copy}
    USER 10001
"""


@pytest.mark.parametrize(
    ("copy", "said"),
    [
        (
            "COPY --from=builder /opt/venv /opt/venv",
            "uv sync installs the dev group (ruff, pytest, mypy), in stage builder, "
            "whose /opt/venv the final image copies",
        ),
        (
            "COPY --from=builder /opt/venv/lib/python3.13/site-packages /usr/local/lib/",
            "uv sync installs the dev group (ruff, pytest, mypy), in stage builder, "
            "whose /opt/venv/lib/python3.13/site-packages the final image copies",
        ),
        ("COPY --from=builder /wheels /wheels", ""),  # only the project's wheel
        ("COPY --from=builder /build/README.md /app/", ""),
    ],
)
def test_a_builder_counts_where_the_final_image_copies_its_environment(
    tmp_path: Path, copy: str, said: str
) -> None:
    write(tmp_path, {"Dockerfile": BUILDER.format(copy=copy), "pyproject.toml": UV_PROJECT})
    assert dw119(tmp_path) == ([("Dockerfile:5", said)] if said else [])


def test_a_copy_is_followed_through_the_stage_that_copies_it_on(tmp_path: Path) -> None:
    """deps installs into /app/.venv (uv's default); assemble takes /app from it; the final
    stage takes /app/.venv from assemble. A test stage built on deps never reaches."""
    dockerfile = """
        FROM python:3.13-slim AS deps
        WORKDIR /app
        COPY pyproject.toml uv.lock ./
        RUN uv sync --locked --all-extras
        FROM deps AS test
        RUN uv sync --locked --group checks
        FROM python:3.13-slim AS assemble
        COPY --from=deps /app /app
        FROM python:3.13-slim
        COPY --from=assemble /app/.venv /app/.venv
        USER 10001
    """
    write(tmp_path, {"Dockerfile": dockerfile, "pyproject.toml": UV_PROJECT})
    assert dw119(tmp_path) == [
        (
            "Dockerfile:4",
            "uv sync --all-extras installs the dev group and the test extra (ruff, pytest, "
            "mypy), in stage deps, whose /app the final image copies",
        )
    ]


@pytest.mark.parametrize(
    ("files", "why"),
    [
        ({"Dockerfile.dev": image("RUN uv sync")}, "its name says dev"),
        ({"docker/test/Dockerfile": image("RUN uv sync")}, "named for tests"),
        ({".devcontainer/Dockerfile": image("RUN uv sync")}, "a dev container's"),
        (
            {
                "Dockerfile": "FROM python:3.13-slim AS prod\nUSER 10001\n"
                "FROM prod AS dev\nWORKDIR /app\nCOPY pyproject.toml ./\nRUN uv sync\n",
                "compose.yaml": "services:\n  app:\n    build: {context: ., target: dev}\n",
            },
            "compose builds its dev stage",
        ),
    ],
)
def test_development_images_may_install_what_they_like(
    tmp_path: Path, files: dict[str, str], why: str
) -> None:
    write(tmp_path, {**files, "pyproject.toml": UV_PROJECT})
    assert dw119(tmp_path) == []
    assert any(why in reason for reason in audit(tmp_path).development.values())


ENTRYPOINT_SCRIPT = "#!/bin/sh\nset -e\n{before}exec uv run gunicorn shop:app\n"


@pytest.mark.parametrize(
    ("start", "script", "said"),
    [
        ('CMD ["uv", "run", "gunicorn", "shop:app"]', "", "(CMD)"),
        ('ENTRYPOINT ["uv", "run"]\nCMD ["gunicorn", "--dev"]', "", "(ENTRYPOINT)"),
        ('ENTRYPOINT ["/app/start.sh"]', "", "(start.sh, run by ENTRYPOINT)"),
        ('CMD ["uv", "run", "--no-dev", "gunicorn", "shop:app"]', "", ""),
        ('CMD ["uv", "run", "--no-sync", "gunicorn", "shop:app"]', "", ""),
        ("ENV UV_NO_SYNC=1\nCMD uv run gunicorn shop:app", "", ""),
        ("CMD uv run gunicorn shop:app\nENV UV_NO_SYNC=1", "", ""),  # the container has it too
        ('CMD ["uv", "run", "gunicorn"]\nCMD ["gunicorn"]', "", ""),  # the last CMD is the one
        ('ENTRYPOINT ["/app/start.sh"]', "export UV_NO_DEV=1\n", ""),
        (  # only the exec after the block: the one inside may not run
            'ENTRYPOINT ["/app/start.sh"]',
            'if [ "$DEV" ]; then\n  uv run flask run\nfi\n',
            "(start.sh, run by ENTRYPOINT)",
        ),
    ],
)
def test_uv_run_installs_the_default_groups_when_the_container_starts(
    tmp_path: Path, start: str, script: str, said: str
) -> None:
    """`uv run` syncs the environment first, with the default groups: dev, at every start
    of a container built with `uv sync --no-dev` (astral-sh/uv#17023). The entrypoint
    script is read as DW123 reads it (a command under an `if` is left out)."""
    dockerfile = image("RUN uv sync --locked --no-dev", copy="COPY pyproject.toml start.sh ./")
    files = {
        "Dockerfile": dockerfile + start + "\n",
        "pyproject.toml": UV_PROJECT,
        "start.sh": ENTRYPOINT_SCRIPT.format(before=script),
    }
    write(tmp_path, files)
    found = [detail for _, detail in dw119(tmp_path)]
    expected = (
        f"uv run installs the dev group (ruff, pytest, mypy) when the container starts {said}"
    )
    assert [detail.startswith(expected) for detail in found] == ([True] if said else [])


def test_an_ignore_comment_leaves_the_install_alone(tmp_path: Path) -> None:
    dockerfile = image("# dockwright ignore=DW119", "RUN uv sync --locked")
    write(tmp_path, {"Dockerfile": dockerfile, "pyproject.toml": UV_PROJECT})
    assert dw119(tmp_path) == []


def test_a_manifest_of_the_wrong_shape_is_dw100_and_the_others_are_still_read(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": image("RUN uv sync", copy="COPY api/pyproject.toml ./"),
            "api/pyproject.toml": UV_PROJECT + "\n[tool.uv]\ndefault-groups = 3\n",
            "web/Dockerfile": image("RUN uv sync", copy="COPY pyproject.toml ./"),
            "web/pyproject.toml": UV_PROJECT,
        },
    )
    findings = [(f.rule, f.file, f.detail) for f in check(tmp_path) if f.rule in ("DW100", "DW119")]
    assert (
        "DW119",
        "web/Dockerfile",
        "uv sync installs the dev group (ruff, pytest, mypy)",
    ) in findings
    assert (
        "DW100",
        "api/pyproject.toml",
        'tool.uv.default-groups should be a list of group names or "all"',
    ) in findings


# --- the tools say the same -----------------------------------------------------------------

# Packages of their own (a path each, read offline), one per group: a (main), b (dev),
# c (test or lint), d (docs or prod).
TOOL_PACKAGES = ("a", "b", "c", "d")


def tool(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def packages_of_our_own(root: Path, requires: str, backend: str) -> None:
    """pk/a .. pk/d, whose metadata the tools read from pyproject.toml without building."""
    for name in TOOL_PACKAGES:
        write(
            root / "pk" / name,
            {
                f"{name}/__init__.py": "",
                "pyproject.toml": f'[project]\nname = "{name}"\nversion = "1"\n'
                f'[build-system]\nrequires = [{requires}]\nbuild-backend = "{backend}"\n',
            },
        )


def environment(root: Path, **variables: str) -> dict[str, str]:
    """This environment, with the tools' caches and settings in root."""
    return {**os.environ, "HOME": str(root), "XDG_CACHE_HOME": str(root / "cache"), **variables}


POETRY_GROUPS = """
    [tool.poetry]
    name = "shop"
    version = "1"
    package-mode = false

    [tool.poetry.dependencies]
    python = ">=3.11"
    a = {path = "pk/a"}

    [tool.poetry.group.dev.dependencies]
    b = {path = "pk/b"}

    [tool.poetry.group.test.dependencies]
    c = {path = "pk/c"}

    [tool.poetry.group.docs]
    optional = true

    [tool.poetry.group.docs.dependencies]
    d = {path = "pk/d"}
"""
POETRY_OPTIONS = [
    "",
    "--only main",
    "--only=main",
    "--without dev",
    "--without dev,test",
    "--without=dev --without=test",
    "--only main,dev",
    "--with docs --without dev,test",
    "--all-groups",
    "--only docs",
]


@pytest.fixture(scope="module")
def poetry_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """POETRY_GROUPS, locked (once per worker: locking takes seconds)."""
    root = tmp_path_factory.mktemp("poetry")
    packages_of_our_own(root, '"poetry-core"', "poetry.core.masonry.api")
    write(root, {"pyproject.toml": POETRY_GROUPS})
    subprocess.run(
        [tool("poetry"), "--no-interaction", "lock"],
        cwd=root,
        env=environment(root),
        check=True,
        capture_output=True,
    )
    return root


@pytest.mark.parametrize("options", POETRY_OPTIONS)
def test_poetry_s_groups_are_the_ones_poetry_installs(
    tmp_path: Path, poetry_project: Path, options: str
) -> None:
    """What `poetry install --dry-run` (the poetry the template pins) installs beyond the
    main group is what DW119 says it installs."""
    dry = subprocess.run(
        [tool("poetry"), "--no-interaction", "install", "--dry-run", *options.split()],
        cwd=poetry_project,
        env=environment(poetry_project, POETRY_VIRTUALENVS_IN_PROJECT="true"),
        check=True,
        capture_output=True,
        text=True,
    )
    installed = set(re.findall(r"Installing ([a-d]) ", dry.stdout)) - {"a"}
    write(
        tmp_path,
        {"Dockerfile": image(f"RUN poetry install {options}"), "pyproject.toml": POETRY_GROUPS},
    )
    said = [detail for _, detail in dw119(tmp_path)]
    named = set(re.findall(r"\(([a-d, ]+)\)$", said[0])[0].split(", ")) if said else set()
    assert named == installed, (dry.stdout, said)


UV_GROUPS = """
    [project]
    name = "shop"
    version = "1"
    requires-python = ">=3.11"
    dependencies = ["a"]

    [dependency-groups]
    dev = ["b"]
    lint = ["c"]
    prod = ["d"]

    [tool.uv]
    package = false
    {defaults}

    [tool.uv.sources]
    a = {{path = "pk/a"}}
    b = {{path = "pk/b"}}
    c = {{path = "pk/c"}}
    d = {{path = "pk/d"}}
"""
UV_OPTIONS = [
    "",
    "--no-dev",
    "--dev",
    "--only-dev",
    "--only-group prod",
    "--only-group=lint",
    "--no-default-groups",
    "--no-default-groups --group dev",
    "--no-dev --group prod",
    "--no-dev --group lint",
    "--group lint --no-group lint",
    "--all-groups",
    "--all-groups --no-dev",
    "--all-groups --no-group dev --no-group lint",
    "UV_NO_DEV=1",
    "UV_NO_DEV=false",
    "UV_NO_DEFAULT_GROUPS=1 --group prod",
    "UV_NO_GROUP=dev",
]


@pytest.mark.parametrize(
    "defaults", ["", 'default-groups = ["dev", "lint"]', 'default-groups = "all"']
)
def test_uv_s_groups_are_the_ones_uv_installs(tmp_path: Path, defaults: str) -> None:
    """For each way of calling `uv sync`, the development groups (dev, lint: not prod) uv
    selects, as `uv export` (the uv the template pins; the same selection, offline) lists
    them, are what DW119 says it installs."""
    packages_of_our_own(tmp_path, "", "hatchling.build")
    write(tmp_path, {"pyproject.toml": UV_GROUPS.format(defaults=defaults)})
    env = environment(tmp_path)
    uv = [tool("uv"), "--offline", "--quiet"]
    subprocess.run([*uv, "lock"], cwd=tmp_path, env=env, check=True, capture_output=True)
    for call in UV_OPTIONS:
        assignments = [w for w in call.split() if re.match(r"UV_\w+=", w)]
        options = [w for w in call.split() if w not in assignments]
        variables = dict(w.split("=", 1) for w in assignments)
        exported = subprocess.run(
            [*uv, "export", "--frozen", "--no-hashes", *options],
            cwd=tmp_path,
            env=env | variables,
            check=True,
            capture_output=True,
            text=True,
        )
        installed = set(re.findall(r"^\./pk/([a-d])$", exported.stdout, re.MULTILINE))
        run = " ".join(["RUN", *assignments, "uv", "sync", *options])
        write(tmp_path, {"Dockerfile": image(run)})
        said = [detail for _, detail in dw119(tmp_path)]
        named = set(re.findall(r"\(([a-d, ]+)\)$", said[0])[0].split(", ")) if said else set()
        assert named == installed & {"b", "c"}, (call, exported.stdout, said)


# --- bounded time ---------------------------------------------------------------------------

# The rules alone (hadolint stubbed), in a process of their own that can be stopped.
RULES_ONLY = """
import json, sys
from pathlib import Path
from dockwright import check
check.hadolint.run = lambda directory, names: []
print(json.dumps([f.detail for f in check.check(Path(sys.argv[1])) if f.rule == "DW119"]))
"""
BIG = {
    "installs-in-one-command": "RUN " + "uv sync poetry install pip install .[dev] " * 5_000,
    "options": "RUN uv sync " + "--group dev --no-group dev " * 8_000,
    "variables": "RUN " + "UV_NO_DEV=${UV_NO_DEV:-$X} " * 8_000 + "uv sync",
    "copied-stages": "".join(
        f"FROM python:3.13-slim AS s{i + 1}\nCOPY --from=s{i} /opt/venv /opt/venv\n"
        for i in range(2500)
    ),
}


@pytest.mark.parametrize("body", BIG.values(), ids=BIG)
def test_large_inputs_take_linear_time(tmp_path: Path, body: str) -> None:
    dockerfile = (
        "FROM python:3.13-slim AS s0\nENV UV_PROJECT_ENVIRONMENT=/opt/venv\nWORKDIR /app\n"
        "COPY . .\nRUN uv sync\n" + body
    )
    write(tmp_path, {"Dockerfile": dockerfile + "\nUSER 10001\n", "pyproject.toml": UV_PROJECT})
    result = subprocess.run(
        [sys.executable, "-c", RULES_ONLY, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)  # the first stage's uv sync, at least
