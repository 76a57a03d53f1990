"""A private package index: the index in the manager's own file, the credentials only as
BuildKit secrets (builds) and compose secrets (the dev container).

The render tests run everywhere. The Docker test serves a package PyPI does not have from
pypiserver with basic auth on this machine, and builds each buildable manager's project
with it.
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import poetry_index
import pytest
import yaml

import conftest
import pypi_server
from conftest import Render, docker_compose_cli, docker_engine, run
from dockwright import stacks
from dockwright.cli import main
from pypi_server import PROBE, PROBE_GREETING, PROBE_MODULE, Index
from test_docker import Compose
from test_render import hadolint, run_tool

PRIVATE = "https://pypi.example.com/simple/"
# Every manager but conda, which copier.yml refuses a private index.
MANAGERS = [m for m in conftest.MANAGERS if m != "conda"]
# The steps of the two Dockerfiles that download the project's packages (not the manager's
# own install, `uv pip install ... --python /opt/<manager>/bin/python <manager>==`, from PyPI).
DOWNLOADS = re.compile(
    r"\b(uv pip install|uv sync|uv export|poetry install|pipenv install|pip install)\b"
)
MANAGER_INSTALL = re.compile(r"--python /opt/(poetry|pipenv)/bin/python")


def instructions(dockerfile: Path) -> list[str]:
    """The Dockerfile's instructions, each on one line."""
    return [
        line
        for line in dockerfile.read_text().replace("\\\n", " ").splitlines()
        if line and not line.startswith("#")
    ]


# Rendering: every manager but conda, beside PyPI and in its place, http and https.


@pytest.mark.parametrize("manager", MANAGERS)
@pytest.mark.parametrize(
    ("app", "only", "url"),
    [
        ({"app_kind": "flask"}, False, PRIVATE),
        ({"app_kind": "flask", "database": "postgres"}, False, "http://10.0.0.5:8080/simple/"),
        ({"app_kind": "ml-job"}, True, PRIVATE),
        ({"app_kind": "flask", "base_image": "alpine"}, False, PRIVATE),
    ],
    ids=["flask-extra-https", "flask-postgres-extra-http", "ml-job-only-https", "alpine-flask"],
)
def test_a_private_index_renders_lints_and_reaches_every_download_step(
    render: Render,
    capsys: pytest.CaptureFixture[str],
    manager: str,
    app: dict[str, str],
    only: bool,
    url: str,
) -> None:
    project = render(
        "dwapp",
        package_manager=manager,
        private_index=url,
        private_index_only=str(only).lower(),
        **app,
    )
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert (recorded["private_index"], recorded["private_index_only"]) == (url, only)

    # The one place the index is set.
    own_file = {
        "pip": "requirements/base.in",
        "poetry": "pyproject.toml",
        "pipenv": "Pipfile",
        "uv": "pyproject.toml",
    }[manager]
    # (pip's base.txt copies base.in's options; pipenv's lock lists the Pipfile's sources.)
    for path in project.rglob("*"):
        if path.is_file() and path.name not in {".copier-answers.yml", "README.Docker.md"}:
            text = path.read_text()
            rel = path.relative_to(project).as_posix()
            if rel in (own_file, "requirements/base.txt") or (rel == "Pipfile.lock" and not only):
                assert text.count(url) == 1, rel
            else:
                assert url not in text, f"the index is set in {rel} too"
    beside_pypi = {
        "pip": "--extra-index-url",
        "poetry": 'name = "PyPI"',
        "pipenv": 'url = "https://pypi.org/simple"',
        "uv": "",
    }[manager]
    text = (project / own_file).read_text()
    assert (beside_pypi in text) != only or manager == "uv"
    assert ("default = true" in text) == (only and manager == "uv")

    # Every step that downloads reads the credentials, and no ARG or ENV names them.
    for dockerfile in ("Dockerfile", "Dockerfile.dev"):
        downloads = [
            i
            for i in instructions(project / dockerfile)
            if DOWNLOADS.search(i) and not MANAGER_INSTALL.search(i)
        ]
        assert downloads, dockerfile
        for instruction in downloads:
            assert "--mount=type=secret,id=index_username" in instruction, instruction
            assert "--mount=type=secret,id=index_password" in instruction, instruction
            assert "--mount=type=tmpfs,target=/run/index" in instruction, instruction
            assert "sh /tmp/index-netrc.sh /run/index/netrc" in instruction, instruction
        for instruction in instructions(project / dockerfile):
            if instruction.startswith(("ARG", "ENV")):
                assert "INDEX" not in instruction, instruction
                assert "NETRC" not in instruction, instruction
        hadolint(project / dockerfile)
    for script in (project / "scripts").glob("*.sh"):
        run_tool(["shellcheck", "--severity=style", str(script)], project)
        assert os.access(script, os.X_OK), script

    # compose: build secrets for each service that builds, runtime secrets for the dev one.
    if docker_compose_cli() is None:
        env = {"INDEX_USERNAME": "reader", "INDEX_PASSWORD": "s3cret"}
        for files in ([], ["-f", "compose.yaml", "-f", "compose.prod.yaml"]):
            config = yaml.safe_load(
                subprocess.run(
                    ["docker", "compose", *files, "config"],
                    cwd=project,
                    env={**os.environ, **env},
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
            )
            assert set(config["secrets"]) >= {"index_username", "index_password"}
            for name, service in config["services"].items():
                if "build" in service:
                    built = {s["source"] for s in service["build"]["secrets"]}
                    assert built == {"index_username", "index_password"}, name
            dev = config["services"]["web" if app["app_kind"] == "flask" else "job"]
            given = {s["source"] for s in dev.get("secrets", [])}
            assert ("index_password" in given) == (files == []), "the dev container only"
    workflow = yaml.safe_load((project / ".github/workflows/ci.yml").read_text())
    assert workflow["jobs"]["test"]["env"] == {
        "INDEX_USERNAME": "${{ secrets.INDEX_USERNAME }}",
        "INDEX_PASSWORD": "${{ secrets.INDEX_PASSWORD }}",
    }
    assert "INDEX_USERNAME=\nINDEX_PASSWORD=\n" in (project / ".env.example").read_text()
    # The shipped lock was made against PyPI: beside it, the lock holds as it is (poetry's and
    # pipenv's hash of the manifest is made again, test_render.py); in PyPI's place, it must
    # be made again with the index, the next step the panel and README give, and check says so.
    stale = only and manager in ("poetry", "pipenv")
    assert main(["check", str(project), "--format", "json", "--fail-on", "never"]) == 0
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [f["rule"] for f in findings] == (["DW109"] if stale else []), findings
    lock_script = project / "scripts" / f"lock-{manager}.sh"
    assert lock_script.exists() == (manager == "pipenv" or (only and manager != "pip"))


def test_without_a_private_index_nothing_of_it_is_rendered(render: Render) -> None:
    project = render("dwapp", package_manager="uv")
    assert not (project / "scripts" / "index-netrc.sh").exists()
    for path in project.rglob("*"):
        if path.is_file() and path.name != ".copier-answers.yml":
            text = path.read_text()
            assert "INDEX_" not in text, path
            assert "index_password" not in text, path


@pytest.mark.parametrize(
    ("answers", "says"),
    [
        ({"private_index": "https://reader:s3cret@pypi.example.com/simple/"}, "must not hold"),
        ({"private_index": "ftp://pypi.example.com/simple/"}, "must be an http(s) URL"),
        ({"private_index": "https://pypi.example.com/simple/?x=1"}, "must be an http(s) URL"),
        (
            {"private_index": PRIVATE, "package_manager": "conda", "app_kind": "ml-job"},
            "not with conda",
        ),
    ],
    ids=["credentials-in-url", "not-http", "query", "conda"],
)
def test_a_bad_private_index_is_one_line_exit_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], answers: dict[str, str], says: str
) -> None:
    data = [arg for key, value in answers.items() for arg in ("--data", f"{key}={value}")]
    answers_file = tmp_path / "answers.yml"
    answers_file.write_text("project_name: app\n")
    dest = tmp_path / "app"
    assert main([str(dest), "--answers-file", str(answers_file), *data]) == 2
    err = capsys.readouterr().err
    assert says in err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    assert not dest.exists()


def test_the_private_index_is_not_asked_of_an_adopted_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "legacy"
    source.mkdir()
    (source / "requirements.txt").write_text("flask==3.1.3\n")
    (source / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    before = sorted(p.name for p in source.iterdir())
    code = main(["adopt", str(source), "--yes", "--data", f"private_index={PRIVATE}"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "private_index" in err, err
    assert len(err.strip().splitlines()) == 1, err
    assert sorted(p.name for p in source.iterdir()) == before


# scripts/index-netrc.sh, on its own.


@pytest.fixture
def netrc_script(render: Render) -> Path:
    return render("dwapp", package_manager="uv", private_index=PRIVATE) / "scripts/index-netrc.sh"


def test_index_netrc_writes_one_entry_only_its_owner_reads(
    netrc_script: Path, tmp_path: Path
) -> None:
    target = tmp_path / "netrc"
    env = {"INDEX_USERNAME": "reader", "INDEX_PASSWORD": "p%s$(x)'\"w"}
    subprocess.run(["sh", str(netrc_script), str(target)], env={**os.environ, **env}, check=True)
    assert target.read_text() == "machine pypi.example.com login reader password p%s$(x)'\"w\n"
    assert target.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({}, "set INDEX_USERNAME and INDEX_PASSWORD"),
        ({"INDEX_USERNAME": "reader", "INDEX_PASSWORD": ""}, "set INDEX_USERNAME"),
        ({"INDEX_USERNAME": "reader", "INDEX_PASSWORD": "two words"}, "must not contain spaces"),
    ],
    ids=["none", "empty", "space"],
)
def test_index_netrc_refuses_missing_or_unusable_credentials_in_one_line(
    netrc_script: Path, tmp_path: Path, env: dict[str, str], says: str
) -> None:
    target = tmp_path / "netrc"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("INDEX_")}
    result = subprocess.run(
        ["sh", str(netrc_script), str(target)],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert says in result.stderr, result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert not target.exists()


# The package, served with basic auth and built into each manager's project.


@pytest.fixture(scope="module")
def private_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    if reason := docker_engine():
        pytest.skip(reason)
    with pypi_server.serve(tmp_path_factory.mktemp("private-index")) as index:
        yield index


def add_the_probe(compose: Compose, project: Path, manager: str) -> None:
    """PROBE added as the README says for each manager (the dev container, or pipenv's
    lock script), through the credentials in .env."""
    if manager == "uv":
        compose("run", "--rm", "--no-deps", "web", "uv", "add", "--no-sync", PROBE)
        assert f'name = "{PROBE}"' in (project / "uv.lock").read_text()
    elif manager == "poetry":
        compose("run", "--rm", "--no-deps", "web", "poetry", "add", "--lock", PROBE)
        assert f'name = "{PROBE}"' in (project / "poetry.lock").read_text()
    elif manager == "pip":
        base_in = project / "requirements" / "base.in"
        base_in.write_text(base_in.read_text() + f"{PROBE}\n")
        compose("run", "--rm", "--no-deps", "web", "scripts/pin-requirements.sh")
        assert f"{PROBE}==" in (project / "requirements" / "base.txt").read_text()
    else:
        pipfile = project / "Pipfile"
        pipfile.write_text(
            pipfile.read_text().replace(
                "[packages]\n", f'[packages]\n{PROBE} = {{version = "*", index = "private"}}\n'
            )
        )
        run(["scripts/lock-pipenv.sh"], project, {"INDEX_PASSWORD": "", "INDEX_USERNAME": ""})
        assert f'"{PROBE}"' in (project / "Pipfile.lock").read_text()


def python_in(image: str, code: str) -> str:
    """What `python -c CODE` prints in a container of the image."""
    return run(["docker", "run", "--rm", "--entrypoint", "python", image, "-c", code], Path.cwd())


def leaks(image: str, password: str) -> list[str]:
    """Where in an image the password is: its history, its settings, its files."""
    found = []
    for what, cmd in (
        ("history", ["docker", "history", "--no-trunc", image]),
        ("inspect", ["docker", "image", "inspect", image]),
    ):
        if password in subprocess.run(cmd, capture_output=True, text=True, check=True).stdout:
            found.append(what)
    saved = subprocess.run(["docker", "save", image], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(saved)) as archive:
        for member in archive.getmembers():
            data = archive.extractfile(member) if member.isfile() else None
            if data is None:
                continue
            content = data.read()
            if member.name.endswith((".tar", "layer")) or content[257:262] == b"ustar":
                with tarfile.open(fileobj=io.BytesIO(content)) as layer:
                    for entry in layer.getmembers():
                        inner = layer.extractfile(entry) if entry.isfile() else None
                        if inner is not None and password.encode() in inner.read():
                            found.append(f"{member.name}:{entry.name}")
            elif password.encode() in content:
                found.append(member.name)
    return found


@pytest.mark.docker
@pytest.mark.parametrize("manager", MANAGERS)
def test_a_package_from_the_private_index_builds_and_leaves_no_trace(
    render: Render, tmp_path: Path, private_index: Index, manager: str
) -> None:
    project = render("dwapp", package_manager=manager, private_index=private_index.url)
    env_file = project / ".env"
    env_file.write_text(
        env_file.read_text()
        .replace("INDEX_USERNAME=\n", f"INDEX_USERNAME={private_index.username}\n")
        .replace("INDEX_PASSWORD=\n", f"INDEX_PASSWORD={private_index.password}\n")
    )
    if manager == "poetry" and not poetry_index.pypi_json_api_answers():
        # PyPI through the simple index here (tools/poetry_index.py): the generated source
        # named PyPI reads its JSON API, so it gives way to one on the simple index.
        pyproject = project / "pyproject.toml"
        pyproject.write_text(
            pyproject.read_text().replace(
                '\n[[tool.poetry.source]]\nname = "PyPI"\npriority = "primary"\n', ""
            )
        )
        poetry_index.use_simple_index(project)
    compose = Compose(project)
    prod = ["-f", "compose.yaml", "-f", "compose.prod.yaml"]
    try:
        # The dev image (uv, pip and poetry add packages in its container; pipenv's lock
        # script runs in a python image of its own), then the probe added the README's way.
        if manager != "pipenv":
            compose("build")
        add_the_probe(compose, project, manager)

        # Both images, with the probe downloaded from the index by each.
        served = private_index.downloads()
        compose("build", files=prod)
        compose("build")
        assert private_index.downloads() >= served + 2, "each build downloads the probe"
        images = [f"{compose.env['IMAGE']}:latest", f"{compose.env['COMPOSE_PROJECT_NAME']}-web"]
        for image in images:
            out = python_in(image, f"import {PROBE_MODULE}; print({PROBE_MODULE}.GREETING)")
            assert out.strip() == PROBE_GREETING, image
            assert leaks(image, private_index.password) == [], image

        # The README's `docker build` of another Python version, as printed: .env loaded, the
        # two secrets named on the command line.
        readme = (project / "README.Docker.md").read_text()
        block = next(
            b for b in re.findall(r"```bash\n(.*?)```", readme, re.S) if "--build-arg PYTHON" in b
        )
        assert "--secret id=index_password,env=INDEX_PASSWORD" in block
        run(["bash", "-ec", block], project)
        version_image = re.search(r"-t (\S+) \.", block)
        assert version_image
        images.append(version_image.group(1))
        out = python_in(images[-1], f"import sys, {PROBE_MODULE}; print(sys.version_info[:2])")
        assert out.strip() == "(3, 11)", out
        assert leaks(images[-1], private_index.password) == []

        # Without the credentials, the first step that downloads stops, saying what to set.
        result = subprocess.run(
            ["docker", "compose", *prod, "build", "--no-cache"],
            cwd=project,
            env={**os.environ, **compose.env, "INDEX_PASSWORD": ""},
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode != 0
        assert "set INDEX_USERNAME and INDEX_PASSWORD" in result.stdout + result.stderr
    finally:
        compose.down()
        subprocess.run(
            ["docker", "image", "rm", "-f", "dwapp:py3.11"], capture_output=True, check=False
        )


@pytest.mark.docker
def test_uvs_download_cache_keeps_no_credential(tmp_path: Path, private_index: Index) -> None:
    """The production builds download with uv, keeping its cache in a BuildKit cache mount.
    This engine keeps no cache mount from one build to the next, so the cache is looked at
    here instead: uv's own cache, filled the way those steps fill it (the netrc file, the
    private index beside PyPI), holds the probe but not the password."""
    (tmp_path / "Dockerfile").write_text(
        f"FROM python:3.13-slim\nCOPY --from={stacks.tables().uv_image} /uv /bin/uv\n"
    )
    image = f"dwtest-uv-{secrets.token_hex(4)}"
    run(["docker", "build", "-q", "-t", image, "."], tmp_path)
    host = private_index.url.split("/")[2].split(":")[0]
    netrc = tmp_path / "netrc"
    netrc.write_text(
        f"machine {host} login {private_index.username} password {private_index.password}\n"
    )
    cache = tmp_path / "cache"
    cache.mkdir()
    try:
        mounts = ["-v", f"{netrc}:/run/index/netrc:ro", "-v", f"{cache}:/cache"]
        install = ["uv", "pip", "install", "--cache-dir", "/cache", "--target", "/tmp/t"]
        wanted = ["--extra-index-url", private_index.url, f"{PROBE}=={private_index.version}"]
        run(
            [
                "docker",
                "run",
                "--rm",
                *mounts,
                "-e",
                "NETRC=/run/index/netrc",
                image,
                *install,
                *wanted,
            ],
            tmp_path,
        )
    finally:
        subprocess.run(["docker", "image", "rm", "-f", image], capture_output=True, check=False)
    cached = [p for p in cache.rglob("*") if p.is_file()]
    assert any(
        PROBE_MODULE in p.name or PROBE in p.read_bytes().decode(errors="replace") for p in cached
    )
    holding = [p for p in cached if private_index.password.encode() in p.read_bytes()]
    assert holding == []


@pytest.mark.docker
@pytest.mark.parametrize(
    "manager", [m for m in MANAGERS if stacks.tables().stacks[m]["relock"] is not None]
)
def test_in_pypis_place_the_next_steps_relock_build_and_pass_the_tests(
    tmp_path: Path, private_index: Index, manager: str
) -> None:
    """private_index_only: every package from the index. pypiserver sends what it lacks on to
    PyPI (its fallback redirect), as a mirror serves it. The next-steps panel, run as
    printed, makes the lock again through the index, then the project starts and its tests
    pass; check no longer finds the shipped lock stale."""
    from test_printed_commands import User, panel_commands

    answers = tmp_path / "answers.yml"
    answers.write_text(
        yaml.safe_dump(
            {
                "project_name": "dwapp",
                "package_manager": manager,
                "private_index": private_index.url,
                "private_index_only": True,
            }
        )
    )
    created = run(
        [sys.executable, "-m", "dockwright", "dwapp", "--answers-file", str(answers)], tmp_path
    )
    project = tmp_path / "dwapp"
    env_file = project / ".env"
    env_file.write_text(
        env_file.read_text()
        .replace("INDEX_USERNAME=\n", f"INDEX_USERNAME={private_index.username}\n")
        .replace("INDEX_PASSWORD=\n", f"INDEX_PASSWORD={private_index.password}\n")
    )
    steps = panel_commands(created)
    assert steps[0] == "cd dwapp"
    assert f"scripts/lock-{manager}.sh" in steps
    user = User(project)
    try:
        for command in steps[1:]:
            out = user.run(command)
            if command.endswith("pytest"):
                assert " passed" in out
                assert "failed" not in out
        lock = (project / stacks.tables().stacks[manager]["relock"]["lock"]).read_text()
        assert private_index.url.rstrip("/") in lock
        assert "pypi.org/simple" not in lock
        assert main(["check", str(project)]) == 0
    finally:
        user.clean()
