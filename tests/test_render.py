"""Render matrix: every supported combination renders, parses and lints; the rest fail clearly."""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import action_pins
import check_jsonschema
import pytest
import yaml
from click.testing import CliRunner

from conftest import (
    APPS,
    BASES,
    DEFAULT_PYTHON,
    MANAGERS,
    PYTHON_VERSIONS,
    STACKS,
    Render,
    docker_compose_cli,
    python_offered,
    stack_id,
    tool,
)
from dockwright import generate, stacks
from dockwright.errors import UsageError

# The Python version varies on its own: every stack is rendered and linted at the default
# version, and test_the_python_version_changes_only_its_own_lines shows that another version
# changes nothing but the lines that name it. Each manager meets each other version once,
# with the app variants in turn, so every (manager, app variant) meets one too.
PYTHON_VARIANTS = [
    pytest.param(stack, version, id=f"{stack_id(stack)}-py{version}")
    for manager in MANAGERS
    for index, version in enumerate(v for v in PYTHON_VERSIONS if v != DEFAULT_PYTHON)
    for stack in [{"package_manager": manager, **APPS[index % len(APPS)]}]
    if python_offered(stack, version)
]
# One parameter per app variant (Flask, Flask + PostgreSQL, ML job).
VARIANTS = pytest.mark.parametrize("app", APPS, ids=lambda app: "-".join(app.values()))
# Managers that only their own stages and the dev image have; the runtime stage never names
# them. uv installs there, but only mounted from its image for the step, never copied in.
MANAGER_TOOLS = ("poetry", "pipenv", "micromamba", "uv sync")
UV_MOUNT = f"--mount=from={stacks.tables().uv_image},source=/uv,target=/bin/uv"


@pytest.mark.parametrize("stack", STACKS, ids=stack_id)
def test_combination_renders_parses_and_lints(rendered: Render, stack: dict[str, str]) -> None:
    project = rendered(**stack)

    for path in project.rglob("*"):
        if path.suffix in {".yml", ".yaml"}:
            assert yaml.safe_load(path.read_text()) is not None, path
        elif path.suffix == ".py":
            ast.parse(path.read_text(), filename=str(path))
        elif path.suffix == ".json":
            assert isinstance(json.loads(path.read_text()), dict), path
        elif path.suffix == ".sh":
            subprocess.run(["sh", "-n", str(path)], check=True)
            run_tool(["shellcheck", "--severity=style", str(path)], project)
            assert os.access(path, os.X_OK), f"{path} is not executable"
    for dockerfile in ("Dockerfile", "Dockerfile.dev"):
        text = (project / dockerfile).read_text()
        if stack["package_manager"] == "conda":  # the lock decides; no python image
            assert "PYTHON_VERSION" not in text
        else:
            assert f"ARG PYTHON_VERSION={DEFAULT_PYTHON}\n" in text
            assert f"FROM python:${{PYTHON_VERSION}}-{stack['base_image']}" in text
        assert "{{" not in text
        assert "{%" not in text
        hadolint(project / dockerfile)
    runtime = (project / "Dockerfile").read_text().split(" AS runtime\n")[1]
    for installer in MANAGER_TOOLS:
        assert installer not in runtime, f"{installer} in the runtime stage"
    for instruction in runtime.replace("\\\n", " ").splitlines():
        if instruction.startswith(("COPY", "ADD")):
            assert "uv" not in instruction.split("--from=")[-1].split()[0], instruction
        if re.search(r"\buv pip\b", instruction):
            assert instruction.startswith(f"RUN {UV_MOUNT} "), instruction


@pytest.mark.parametrize(("stack", "version"), PYTHON_VARIANTS)
def test_the_python_version_changes_only_its_own_lines(
    rendered: Render, stack: dict[str, str], version: str
) -> None:
    default = rendered(**stack)
    other = rendered(**stack, python_version=version)
    names = generate.rendered_files(default)
    assert generate.rendered_files(other) == names
    changed = []
    for name in names:
        if name == "secrets/db_password.txt":  # a fresh database password each time
            continue
        before = (default / name).read_text().splitlines()
        after = (other / name).read_text().splitlines()
        assert len(after) == len(before), name
        for old, new in zip(before, after, strict=True):
            if old != new:
                assert new.replace(version, DEFAULT_PYTHON) == old, (name, old, new)
                changed.append(name)
    assert ".copier-answers.yml" in changed
    if stack["package_manager"] == "conda":
        assert "environment.yml" in changed
    else:
        assert {"Dockerfile", "Dockerfile.dev"} <= set(changed)


@pytest.mark.parametrize("stack", STACKS, ids=stack_id)
def test_compose_files_validate(rendered: Render, stack: dict[str, str]) -> None:
    if reason := docker_compose_cli():
        pytest.skip(reason)
    project = rendered(**stack)
    for files in ([], ["-f", "compose.yaml", "-f", "compose.prod.yaml"]):
        subprocess.run(["docker", "compose", *files, "config", "-q"], cwd=project, check=True)


def test_files_follow_the_answers(rendered: Render) -> None:
    flask = rendered("web-app", app_kind="flask", database="postgres")
    job = rendered("batch", app_kind="ml-job")

    assert (flask / "web_app" / "views.py").is_file()
    assert (flask / "scripts" / "wait_for_db.py").is_file()
    assert "postgres:18" in (flask / "compose.yaml").read_text()
    assert not (flask / "data").exists()
    assert (job / "batch" / "model.py").is_file()
    assert (job / "data" / ".gitkeep").is_file()
    assert (job / "models" / ".gitkeep").is_file()
    assert not (job / "scripts" / "healthcheck.py").exists()
    assert "HEALTHCHECK" not in (job / "Dockerfile").read_text()


def test_requirements_are_split_pinned_and_hashed(rendered: Render) -> None:
    project = rendered(app_kind="flask", database="postgres", package_manager="pip")
    req = project / "requirements"

    for layer in ("development", "production"):
        assert "\n-r base.txt\n" in (req / f"{layer}.txt").read_text()
    text = "".join(
        (req / f"{layer}.txt").read_text() for layer in ("base", "development", "production")
    )
    entries = [
        entry.strip()
        for entry in text.replace("\\\n", " ").splitlines()
        if entry and not entry.startswith(("#", "-r"))
    ]
    assert entries
    for entry in entries:
        requirement, *hashes = entry.split(" --hash=")
        assert "==" in requirement, entry
        assert hashes, entry
    names = {entry.split("==")[0] for entry in entries}
    assert {"flask", "werkzeug", "psycopg", "gunicorn", "pytest"} <= names
    assert "--require-hashes" in (project / "Dockerfile").read_text()


def test_uv_lock_matches_its_manifest_and_names_the_project(rendered: Render) -> None:
    project = rendered("uv-app", app_kind="flask", database="postgres", package_manager="uv")

    assert '\nname = "uv-app"\n' in (project / "uv.lock").read_text()
    assert not (project / "requirements").exists()
    assert "uv export --locked" in (project / "Dockerfile").read_text()
    uv = tool("uv")
    if uv is None:
        pytest.skip("uv is not installed here (pip install -e '.[dev]')")
    subprocess.run([uv, "lock", "--check", "--offline", "--quiet"], cwd=project, check=True)


def test_env_is_created_from_the_example_and_ignored(render: Render) -> None:
    project = render(app_kind="flask", database="postgres")
    env = dict(
        line.split("=", 1)
        for line in (project / ".env").read_text().splitlines()
        if line and not line.startswith("#")
    )

    assert env["DEV_UID"] == str(os.getuid())
    assert env["POSTGRES_USER"] == "app"
    assert "POSTGRES_PASSWORD" not in env  # a file now, below
    assert (project / ".env").stat().st_mode & 0o077 == 0
    assert ".env" in (project / ".gitignore").read_text().splitlines()
    assert ".env" in (project / ".dockerignore").read_text().splitlines()


def test_the_database_password_is_a_random_file_only_you_and_the_containers_read(
    render: Render,
) -> None:
    project = render(app_kind="flask", database="postgres")
    password = (project / "secrets" / "db_password.txt").read_text()
    assert len(password) >= 40
    assert password.strip() == password
    assert (project / "secrets").stat().st_mode & 0o777 == 0o700
    # Bind-mounted into containers whose users are not you: readable by them, the folder is not.
    assert (project / "secrets" / "db_password.txt").stat().st_mode & 0o777 == 0o644
    assert "/secrets/" in (project / ".gitignore").read_text().splitlines()
    assert "secrets" in (project / ".dockerignore").read_text().splitlines()
    second = render("other", app_kind="flask", database="postgres")
    assert password != (second / "secrets" / "db_password.txt").read_text()
    assert not (render("plain", app_kind="flask", database="none") / "secrets").exists()


def test_a_password_an_older_template_kept_in_env_moves_into_the_secret_file(
    render: Render,
) -> None:
    """Projects made before the password was a file keep it in .env, and their database was
    made with it: the file an update adds holds that password, not a new one."""
    project = render(app_kind="flask", database="postgres")
    (project / "secrets" / "db_password.txt").unlink()
    with (project / ".env").open("a") as env:
        env.write("POSTGRES_PASSWORD=the-old-one\n")

    assert generate.sync_secrets(project) == ["secrets/db_password.txt"]
    assert (project / "secrets" / "db_password.txt").read_text() == "the-old-one"
    assert generate.sync_secrets(project) == []  # made once, then kept


def test_answers_file_records_the_choices(rendered: Render) -> None:
    project = rendered(app_kind="ml-job", python_version="3.11")
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())

    assert recorded["app_kind"] == "ml-job"
    assert recorded["python_version"] == "3.11"
    assert "database" not in recorded  # not asked for a job
    assert "package_name" not in recorded  # derived, never an input


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (
            {"package_manager": "conda", "base_image": "alpine"},
            "base_image: conda works with slim only",
        ),
        ({"package_manager": "hatch"}, "package_manager: 'hatch' is not in"),
        ({"base_image": "distroless"}, "base_image: 'distroless' is not in"),
        ({"app_kind": "ml-job", "database": "postgres"}, "database: a database service comes"),
        (
            {"app_kind": "ml-job", "base_image": "alpine"},
            "base_image: not for the ML job: scikit-learn publishes no musllinux wheel",
        ),
        *[
            (
                {"package_manager": manager, "app_kind": app_kind, "python_version": "3.15"},
                f"python_version: Python 3.15 with {manager} for the ",
            )
            for manager, app_kind in sorted(
                {
                    (s["package_manager"], s["app_kind"])
                    for s in STACKS
                    if not python_offered(s, "3.15")
                }
            )
        ],
        ({"project_name": 'Acme "Shop"'}, "project_name: must be at most 60 letters"),
        ({"project_name": "123"}, 'project_name: "123" has no ASCII letter'),
        ({"project_name": "JSON"}, 'project_name: "JSON" would make the Python package json'),
    ],
    ids=lambda v: "-".join(v.values()) if isinstance(v, dict) else "",
)
def test_unsupported_combinations_fail_clearly(
    tmp_path: Path, answers: dict[str, str], message: str
) -> None:
    dest = tmp_path / "app"
    with pytest.raises(UsageError, match=message):
        generate.create(dest, {"project_name": "app", **answers}, interactive=False)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("manager", ["uv", "poetry"])
@VARIANTS
def test_python_315_is_offered_exactly_where_the_lock_has_its_wheels(
    manager: str, app: dict[str, str]
) -> None:
    """Every compiled package of the shipped lock has a CPython 3.15 wheel (for the versions
    3.15 resolves to) exactly where the wizard offers 3.15."""
    import tomllib

    root = Path(__file__).resolve().parents[1]
    variant = app["app_kind"] + ("-postgres" if app.get("database") == "postgres" else "")
    lock = tomllib.loads(
        (root / "template/includes/locks" / manager / f"{variant}.lock").read_text()
    )
    missing = []
    for package in lock["package"]:
        markers = " ".join(package.get("resolution-markers", []))
        if "< '3.12'" in markers:  # uv's fork for the oldest Pythons
            continue
        files = package.get("wheels") or package.get("files") or []
        wheels = [str(f.get("url") or f.get("file")).rsplit("/", 1)[-1] for f in files]
        wheels = [w for w in wheels if w.endswith(".whl")]
        if not wheels or any(w.endswith("-none-any.whl") for w in wheels):
            continue
        if not any(("cp315" in w or "abi3" in w) and "manylinux" in w for w in wheels):
            missing.append(f"{package['name']} {package['version']}")
    offered = python_offered({"package_manager": manager, **app}, "3.15")
    assert offered == (not missing), missing


def hadolint(dockerfile: Path) -> None:
    run_tool(["hadolint", "--no-color", str(dockerfile)], dockerfile.parent)


# Lock files: each manager's shipped lock matches the manifest it is rendered with.


# A private index beside PyPI adds a source to the manifest, and the lock's hash of it follows
# (includes/lock_hashes.jinja): the managers' own checks take the lock as it is rendered.
PRIVATE_INDEX = pytest.mark.parametrize(
    "index",
    [{}, {"private_index": "https://pypi.example.com/simple/"}],
    ids=["pypi", "private-index"],
)


@VARIANTS
@PRIVATE_INDEX
def test_poetry_lock_matches_its_manifest(
    rendered: Render, app: dict[str, str], index: dict[str, str]
) -> None:
    project = rendered(package_manager="poetry", **app, **index)

    assert "poetry export --only main" in (project / "Dockerfile").read_text()
    assert "[[package]]" in (project / "poetry.lock").read_text()
    assert "[package.source]" not in (project / "poetry.lock").read_text()  # plain PyPI
    run_tool(["poetry", "check", "--lock"], project)


@VARIANTS
@PRIVATE_INDEX
def test_pipfile_lock_matches_its_pipfile(
    rendered: Render, app: dict[str, str], index: dict[str, str]
) -> None:
    from pipenv.vendor import plette

    project = rendered(package_manager="pipenv", **app, **index)
    with (project / "Pipfile").open() as pipfile:
        expected = plette.Pipfile.load(pipfile).get_hash().value
    lock = json.loads((project / "Pipfile.lock").read_text())

    assert lock["_meta"]["hash"]["sha256"] == expected
    assert lock["_meta"]["requires"] == {}  # the Dockerfile's PYTHON_VERSION decides
    with (project / "Pipfile").open() as pipfile:
        assert lock["_meta"]["sources"] == plette.Pipfile.load(pipfile)._data["source"]
    for name, entry in {**lock["default"], **lock["develop"]}.items():
        assert entry["version"].startswith("=="), name
        assert entry["hashes"], name
    assert "pipenv verify" in (project / "Dockerfile").read_text()


@VARIANTS
def test_conda_environment_is_split_and_the_build_checks_the_lock(
    rendered: Render, app: dict[str, str]
) -> None:
    project = rendered("conda-app", package_manager="conda", python_version="3.12", **app)
    main = yaml.safe_load((project / "environment.yml").read_text())
    dev = yaml.safe_load((project / "environment.dev.yml").read_text())

    assert main["channels"] == dev["channels"] == ["conda-forge", "nodefaults"]
    assert "python=3.12" in main["dependencies"]
    assert dev["category"] == "dev"
    assert "pytest>=8.3" in dev["dependencies"]
    assert not any("[" in spec for spec in main["dependencies"])  # no pip extras in conda
    dockerfile = (project / "Dockerfile").read_text()
    assert "sha256sum --check --strict conda-lock.sha256" in dockerfile
    assert "--category main --file conda-lock.yml" in dockerfile
    assert "FROM debian:trixie-slim AS runtime" in dockerfile
    assert not (project / "conda-lock.yml").exists()  # made by the script, where conda-forge is
    script = (project / "scripts" / "lock-conda.sh").read_text()
    assert os.access(project / "scripts" / "lock-conda.sh", os.X_OK)
    # The micromamba image's entrypoint activates MAMBA_ROOT_PREFIX and fails on one that
    # does not exist; the lock covers arm64 builds too.
    assert "MAMBA_ROOT_PREFIX" not in script
    assert "--env MAMBA_SKIP_ACTIVATE=1" in script
    assert "--platform linux-64 --platform linux-aarch64" in script
    # Its README offers no PYTHON_VERSION build argument (the lock decides) and does not
    # claim the environment lacks pip (conda installs it with Python).
    docker_readme = (project / "README.Docker.md").read_text()
    assert "PYTHON_VERSION" not in docker_readme
    assert "no pip" not in docker_readme


@pytest.mark.parametrize("manager", [m for m in MANAGERS if "alpine" in BASES[m]])
def test_alpine_compiles_in_a_virtual_package_it_drops(rendered: Render, manager: str) -> None:
    project = rendered(package_manager=manager, base_image="alpine")
    runtime = (project / "Dockerfile").read_text().split(" AS runtime\n")[1]

    installs = [run for run in runtime.replace("\\\n", " ").splitlines() if "pip install" in run]
    assert len(installs) == 2  # the heavy packages' layer, then the rest
    for install in installs:
        added = install.index("apk add --no-cache --virtual .build-deps")
        assert added < install.index("pip install") < install.index("&& apk del .build-deps")
    assert "adduser -S -D -H -u 10001 -G app" in (project / "Dockerfile").read_text()
    assert "docker compose exec web sh`" in (project / "README.Docker.md").read_text()


def test_the_dev_tools_uv_poetry_and_pipenv_are_the_ones_the_dockerfiles_pin() -> None:
    """The tests check the shipped locks with the very versions the Dockerfiles install."""
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    pinned = [m for m in MANAGERS if hasattr(stacks.tables(), f"{m}_version")]
    assert len(pinned) == 3  # uv, poetry and pipenv
    for name in pinned:
        assert f'"{name}=={stacks.tool_version(name)}"' in pyproject, name


@pytest.mark.parametrize("manager", MANAGERS)
def test_each_manager_writes_its_own_files_only(rendered: Render, manager: str) -> None:
    project = rendered(package_manager=manager)
    own = {
        "pip": [
            "requirements/base.txt",
            "requirements/production.txt",
            "scripts/pin-requirements.sh",
        ],
        "poetry": ["poetry.lock"],
        "pipenv": ["Pipfile", "Pipfile.lock", "scripts/lock-pipenv.sh"],
        "conda": ["environment.yml", "environment.dev.yml", "scripts/lock-conda.sh"],
        "uv": ["uv.lock"],
    }
    for other, files in own.items():
        for name in files:
            assert (project / name).exists() == (other == manager), name
    pyproject = (project / "pyproject.toml").read_text()
    assert ("[project]" in pyproject) == (manager in ("poetry", "uv"))


def run_tool(cmd: list[str], cwd: Path) -> None:
    binary = tool(cmd[0])
    assert binary, f"{cmd[0]} is a test dependency (pip install -e '.[test]')"
    result = subprocess.run(
        [binary, *cmd[1:]], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


DEPENDABOT = {"pip": "pip", "poetry": "pip", "pipenv": "pip", "conda": "conda", "uv": "uv"}


@pytest.mark.parametrize("stack", STACKS, ids=stack_id)
def test_ci_workflow_and_dependabot_are_valid_and_complete(
    rendered: Render, stack: dict[str, str]
) -> None:
    """The generated GitHub files pass their published schemas, and do what they say: build,
    test inside the container, boot production, lint, audit; watch every ecosystem. (The
    schema check is check-jsonschema's own command, run in this process: its start-up was
    most of its time.)"""
    project = rendered(**stack)
    workflow = project / ".github" / "workflows" / "ci.yml"
    dependabot = project / ".github" / "dependabot.yml"
    for schema, path in (("github-workflows", workflow), ("dependabot", dependabot)):
        result = CliRunner().invoke(
            check_jsonschema.main, ["--builtin-schema", f"vendor.{schema}", str(path)]
        )
        assert result.exit_code == 0, result.output

    jobs = yaml.safe_load(workflow.read_text())["jobs"]
    steps = {
        name: "\n".join(s.get("run", s.get("uses", "")) for s in job["steps"])
        for name, job in jobs.items()
    }
    prod = "docker compose -f compose.yaml -f compose.prod.yaml"
    assert "docker compose build" in steps["test"]
    assert " pytest" in steps["test"]
    assert f"{prod} build" in steps["test"]
    assert (f"{prod} up --wait" if stack["app_kind"] == "flask" else "run --rm job train") in steps[
        "test"
    ]
    assert "hadolint Dockerfile Dockerfile.dev" in steps["lint"]
    assert "shellcheck scripts/*.sh" in steps["lint"]
    if stack["package_manager"] == "conda":
        assert "audit" not in jobs
    else:
        assert "pip-audit" in steps["audit"]
    # Every action pinned by a full commit SHA, its version in a comment (Dependabot's form).
    used = action_pins.pins(workflow.read_text())
    assert used
    for action, ref, tag in used:
        assert re.fullmatch(r"[0-9a-f]{40}", ref), f"{action}@{ref}"
        assert tag, f"{action}@{ref} has no version comment"
        assert re.fullmatch(r"v\d+\.\d+\.\d+", tag), f"{action}@{ref}: {tag}"

    updates = yaml.safe_load(dependabot.read_text())["updates"]
    ecosystems = {u["package-ecosystem"] for u in updates}
    expected = {DEPENDABOT[stack["package_manager"]], "docker", "github-actions"}
    if stack.get("database") == "postgres":
        expected.add("docker-compose")
    assert ecosystems == expected


def requirement_lines(path: Path) -> list[str]:
    """The requirements of a file, following its -r includes; continuation lines joined."""
    lines = []
    for line in path.read_text().replace("\\\n", " ").splitlines():
        if line.startswith("-r "):
            lines += requirement_lines(path.parent / line.split()[1])
        elif line.strip() and not line.lstrip().startswith(("#", "-")):
            lines.append(line)
    return lines


@pytest.mark.parametrize("manager", [m for m in MANAGERS if stacks.tables().stacks[m]["audit"]])
def test_the_audit_job_exports_a_hashed_requirements_file(render: Render, manager: str) -> None:
    """The audit job's commands run here, offline, as far as pip-audit (which needs PyPI's
    vulnerability API): the pinned tools stand in for `pipx run`/`pipx install`."""
    project = render(package_manager=manager)
    workflow = yaml.safe_load((project / ".github" / "workflows" / "ci.yml").read_text())
    [step] = workflow["jobs"]["audit"]["steps"][1:]
    audited = None
    for line in step["run"].splitlines():
        words = shlex.split(line)
        if words[:2] == ["pipx", "run"] and words[2].startswith("pip-audit=="):
            audited = project / words[words.index("-r") + 1]
            continue
        if words[:2] in (["pipx", "install"], ["pipx", "inject"]):
            continue  # poetry and its export plugin are test dependencies here
        if words[:2] == ["pipx", "run"]:
            words = words[2:]
            words[0] = words[0].split("==")[0]
        target = words.index(">") if ">" in words else None
        binary = tool(words[0])
        assert binary, f"{words[0]} is a test dependency"
        result = subprocess.run(
            [binary, *words[1:target]], cwd=project, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr
        if target is not None:
            (project / words[target + 1]).write_text(result.stdout)
    assert audited is not None
    assert audited.is_file()
    requirements = requirement_lines(audited)
    names = {re.split(r"[=;\s\[]", line.strip())[0].lower() for line in requirements}
    assert {"flask", "gunicorn"} <= names
    assert "pytest" not in names  # production dependencies only
    assert all("--hash=sha256:" in line for line in requirements)


@pytest.mark.parametrize("manager", ["pip", "uv"])
def test_the_database_password_reaches_the_containers_only_as_a_secret_file(
    rendered: Render, manager: str
) -> None:
    """No compose file or environment variable holds the password: PostgreSQL and the app
    read the one secret file, mounted at /run/secrets."""
    project = rendered(package_manager=manager, database="postgres")
    for name in ("compose.yaml", "compose.override.yaml", "compose.prod.yaml"):
        text = (project / name).read_text()
        assert "POSTGRES_PASSWORD}" not in text, name
        assert "POSTGRES_PASSWORD:" not in text, name
    compose = yaml.safe_load((project / "compose.yaml").read_text())
    assert compose["secrets"] == {"db_password": {"file": "./secrets/db_password.txt"}}
    web, db = compose["services"]["web"], compose["services"]["db"]
    assert web["secrets"] == db["secrets"] == ["db_password"]
    assert db["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/db_password"
    assert web["environment"]["DATABASE_PASSWORD_FILE"] == "/run/secrets/db_password"
    assert (
        web["environment"]["DATABASE_URL"] == "postgresql://${POSTGRES_USER}@db:5432/${POSTGRES_DB}"
    )
