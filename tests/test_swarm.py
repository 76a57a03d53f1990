"""deploy=swarm: compose.swarm.yaml, a stack file of its own, and the proxy in front of the
web replicas. Statically: `docker stack config` reads it as the stack it should be, with
compose.prod.yaml's hardening, and `new-project check` finds nothing in it. On a real engine
in Swarm mode (one node here, see docker-sandbox/README.md): the README's commands push the
image to a local registry and deploy it, three replicas answer through the proxy, the
migrations run once per deploy in their job and in no replica, a rolling update to a new
image with a migration of its own loses no request, and an update to an image whose health
check fails rolls back by itself, again losing none."""

from __future__ import annotations

import collections
import json
import re
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import Render, docker_compose_cli, docker_engine, free_port, run
from dockwright.check import check

FLASK = {"package_manager": "uv", "app_kind": "flask"}
SETTINGS = {
    "IMAGE": "registry.example.com/app",
    "TAG": "1",
    "POSTGRES_USER": "app",
    "POSTGRES_DB": "app",
}


def stack_config(project: Path, **env: str) -> dict[str, Any]:
    """The stack as `docker stack deploy` reads it (the CLI alone, no engine)."""
    if reason := docker_compose_cli():
        pytest.skip(reason)
    result = subprocess.run(
        ["docker", "stack", "config", "-c", "compose.swarm.yaml"],
        cwd=project,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(project), **SETTINGS, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return dict(yaml.safe_load(result.stdout))


@pytest.mark.parametrize("database", ["none", "postgres"])
def test_the_stack_is_what_docker_stack_deploy_reads(render: Render, database: str) -> None:
    project = render(deploy="swarm", database=database, **FLASK)
    stack = stack_config(project)
    proxy, web = stack["services"]["proxy"], stack["services"]["web"]

    assert proxy["deploy"]["mode"] == "global"
    [port] = proxy["ports"]
    assert (port["mode"], port["target"], port["published"]) == ("host", 8080, 8000)
    assert proxy["configs"] == [{"source": "proxy", "target": "/etc/nginx/conf.d/default.conf"}]
    assert stack["configs"]["proxy"]["file"].endswith("deploy/swarm/proxy.conf")
    assert (project / "deploy" / "swarm" / "proxy.conf").is_file()

    assert web["image"] == "registry.example.com/app:1"
    assert "build" not in web
    assert "ports" not in web
    deploy = web["deploy"]
    assert (deploy["replicas"], deploy["endpoint_mode"]) == (3, "dnsrr")
    assert deploy["update_config"] == {
        "parallelism": 1,
        "delay": "5s",
        "failure_action": "rollback",
        "monitor": "30s",
        "order": "start-first",
    }
    assert deploy["rollback_config"] == {"parallelism": 1, "order": "start-first"}
    assert deploy["restart_policy"]["condition"] == "any"
    assert deploy["resources"]["limits"] == {"cpus": "1", "memory": str(512 * 2**20)}
    assert web["healthcheck"]["test"] == ["CMD", "python", "scripts/healthcheck.py"]

    if database == "postgres":
        db = stack["services"]["db"]
        assert db["deploy"]["update_config"]["order"] == "stop-first"
        assert db["deploy"]["placement"]["constraints"] == ["node.role == manager"]
        assert web["secrets"] == db["secrets"] == [{"source": "db_password"}]
        assert stack["secrets"]["db_password"]["file"].endswith("secrets/db_password.txt")
        assert db["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/db_password"
        assert all("PASSWORD" not in value for value in web["environment"].values())
        # The migrations: a job of one task per deploy, with web's image and settings.
        migrate = stack["services"]["migrate"]
        assert migrate["deploy"]["mode"] == "replicated-job"
        assert migrate["command"] == ["alembic", "upgrade", "head"]
        assert (migrate["image"], migrate["environment"]) == (
            web["image"],
            {k: v for k, v in web["environment"].items() if k != "WEB_CONCURRENCY"},
        )
        assert migrate["secrets"] == web["secrets"]
        assert (migrate["read_only"], migrate["cap_drop"]) == (True, ["ALL"])
    else:
        assert set(stack["services"]) == {"proxy", "web"}
        assert "secrets" not in stack


def test_the_web_replicas_are_hardened_as_compose_prod_runs_them(render: Render) -> None:
    """What compose.prod.yaml sets and a swarm service can: read-only, a tmpfs at /tmp, no
    capabilities. (no-new-privileges a service cannot set; the README says where it goes.)"""
    project = render(deploy="swarm", **FLASK)
    prod = yaml.safe_load((project / "compose.prod.yaml").read_text())["services"]["web"]
    web = stack_config(project)["services"]["web"]
    assert web["read_only"] is prod["read_only"] is True
    assert web["cap_drop"] == prod["cap_drop"] == ["ALL"]
    assert prod["tmpfs"] == ["/tmp"]
    assert {"type": "tmpfs", "target": "/tmp"} in web["volumes"]
    assert "no-new-privileges" in (project / "README.Docker.md").read_text()


def test_check_finds_nothing_in_the_stack(render: Render) -> None:
    project = render(deploy="swarm", database="postgres", **FLASK)
    assert [f"{f.rule} {f.where}" for f in check(project)] == []


def test_the_ml_stack_trains_then_predicts_in_shards(render: Render) -> None:
    project = render(deploy="swarm", app_kind="ml-job", package_manager="pip")
    services = stack_config(project)["services"]
    shards = {name: spec for name, spec in services.items() if name.startswith("predict-")}
    assert set(services) == {"train", *shards}
    assert len(shards) == 3
    assert sorted(spec["environment"]["SHARD_INDEX"] for spec in shards.values()) == ["0", "1", "2"]
    assert {spec["environment"]["SHARD_COUNT"] for spec in shards.values()} == {str(len(shards))}
    prod = yaml.safe_load((project / "compose.prod.yaml").read_text())["services"]["job"]
    for name, spec in services.items():
        assert spec["deploy"]["mode"] == "replicated-job", name
        assert spec["deploy"]["placement"] == services["train"]["deploy"]["placement"], name
        assert spec["read_only"] is prod["read_only"] is True
        assert spec["cap_drop"] == prod["cap_drop"] == ["ALL"]
        targets = {volume["target"] for volume in spec["volumes"]}
        assert targets == {"/app/data", "/app/models", "/tmp"}, name
    assert services["train"]["command"] == ["train"]
    assert services["train"]["deploy"]["restart_policy"] == {"condition": "none"}
    for spec in shards.values():
        assert spec["command"] == ["predict"]
        # No depends_on in a swarm: a shard waits for the model by starting again.
        assert spec["deploy"]["restart_policy"]["condition"] == "on-failure"
    assert [f"{f.rule} {f.where}" for f in check(project)] == []


# --- on the engine, in Swarm mode ------------------------------------------------------


@pytest.fixture
def swarm(tmp_path: Path) -> Iterator[str]:
    """A one-node swarm and a local registry (its address); both gone afterwards."""
    if reason := docker_engine():
        pytest.skip(reason)
    state = run(["docker", "info", "--format", "{{.Swarm.LocalNodeState}}"], tmp_path).strip()
    if state != "inactive":
        pytest.fail(f"this engine is already in a swarm ({state}); a test leaves it as it was")
    run(["docker", "swarm", "init", "--advertise-addr", "127.0.0.1"], tmp_path)
    port = free_port()
    registry = f"dwtest-registry-{port}"
    try:
        run(
            [
                "docker",
                "run",
                "-d",
                "--name",
                registry,
                "-p",
                f"127.0.0.1:{port}:5000",
                "registry:2",
            ],
            tmp_path,
        )
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run(["docker", "rm", "--force", "--volumes", registry], capture_output=True)
        subprocess.run(["docker", "swarm", "leave", "--force"], capture_output=True)


def deploy_as_the_readme_says(project: Path, registry: str, tag: str) -> None:
    """README.Docker.md's Swarm lines, run as written but for the registry (a local one) and
    the tag; on failure, the tasks of every service and why they ended."""
    text = (project / "README.Docker.md").read_text()
    section = text[text.index("## Docker Swarm") :]
    start = section.index("```bash\n") + len("```bash\n")
    block = section[start : section.index("```\n", start)]
    assert "export IMAGE=registry.example.com/" in block
    assert "TAG=0.1.0" in block
    script = block.replace("registry.example.com", registry).replace("TAG=0.1.0", f"TAG={tag}")
    try:
        result = subprocess.run(
            ["bash", "-ec", script], cwd=project, capture_output=True, text=True, timeout=400
        )
    except subprocess.TimeoutExpired as timeout:
        result = subprocess.CompletedProcess(timeout.cmd, -1, str(timeout.stdout), "timed out")
    if result.returncode:
        tasks = subprocess.run(
            ["bash", "-c", "docker service ps --no-trunc $(docker service ls -q)"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        pytest.fail(f"{script}exited {result.returncode}: {result.stderr[-2000:]}\n{tasks}")


def remove_stack(name: str, volumes: list[str], images: list[str]) -> None:
    subprocess.run(["docker", "stack", "rm", name], capture_output=True, check=False)
    # The stack's containers go after the command returns; its volumes only after them.
    for _ in range(60):
        left = subprocess.run(
            ["docker", "ps", "-aq", "--filter", f"label=com.docker.stack.namespace={name}"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        if not left.strip():
            break
        time.sleep(1)
    subprocess.run(["docker", "volume", "rm", *volumes], capture_output=True, check=False)
    subprocess.run(["docker", "image", "rm", "--force", *images], capture_output=True, check=False)


class Requests:
    """GETs in a loop on the proxy's port while something else happens: what each answered."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.answers: collections.Counter[str] = collections.Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                with urllib.request.urlopen(self.url, timeout=5) as response:
                    self.answers[f"{response.status} {response.read().decode()}"] += 1
            except (OSError, urllib.error.URLError) as error:
                self.answers[f"failed: {error}"] += 1
            time.sleep(0.02)

    def __enter__(self) -> Requests:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def service(project: Path, name: str) -> dict[str, Any]:
    return dict(json.loads(run(["docker", "service", "inspect", name], project))[0])


def settled(project: Path, name: str) -> dict[str, Any]:
    """The service once its update is over: the deploy command returns when the new tasks
    run, and the update goes on through its monitor window (30 s) or its rollback."""
    for _ in range(180):
        current = service(project, name)
        if current.get("UpdateStatus", {}).get("State") not in {"updating", "rollback_started"}:
            return current
        time.sleep(1)
    pytest.fail(f"{name} still updating after 3 minutes: {current['UpdateStatus']}")


def migrated(project: Path) -> tuple[str, list[str]]:
    """The database's revision, and every upgrade the migrate job's tasks have logged."""
    [db] = run(["docker", "ps", "-q", "--filter", "name=swapp_db"], project).split()
    revision = run(["docker", "exec", db, "psql", "-Atc", "TABLE alembic_version"], project)
    log = service_logs(project, "swapp_migrate")
    return revision.strip(), sorted(re.findall(r"Running upgrade +(.*?)(?:,|$)", log, re.M))


def service_logs(project: Path, name: str) -> str:
    """What the containers of the service's tasks wrote, on stdout and stderr (a swarm keeps
    the containers of a service's last five tasks)."""
    label = f"label=com.docker.swarm.service.name={name}"
    containers = run(["docker", "ps", "-aq", "--filter", label], project).split()
    return "".join(run(["bash", "-c", f"docker logs {c} 2>&1"], project) for c in containers)


def add_a_column(package: Path) -> None:
    """A nullable column on the example table: in the model, and as a migration."""
    models = package / "models.py"
    models.write_text(
        models.read_text() + "    note: Mapped[str | None] = mapped_column(String(200))\n"
    )
    (package / "migrations" / "versions" / "0002_add_note.py").write_text(
        '"""Add a note to each item."""\n\n'
        "import sqlalchemy as sa\n"
        "from alembic import op\n\n"
        'revision = "0002"\n'
        'down_revision = "0001"\n\n\n'
        "def upgrade():\n"
        '    op.add_column("items", sa.Column("note", sa.String(200), nullable=True))\n\n\n'
        "def downgrade():\n"
        '    op.drop_column("items", "note")\n'
    )


@pytest.mark.docker
def test_the_readme_deploys_updates_without_a_failed_request_and_rolls_back(
    render: Render, swarm: str
) -> None:
    project = render("swapp", deploy="swarm", database="postgres", **FLASK)
    port = free_port()
    env = project / ".env"
    env.write_text(re.sub(r"(?m)^WEB_PORT=.*$", f"WEB_PORT={port}", env.read_text()))

    def update(tag: str) -> tuple[dict[str, Any], set[str]]:
        """Deploy tag under a request loop: the web service once settled, and the answers
        seen, none of them a failure."""
        with Requests(f"{url}/") as during:
            deploy_as_the_readme_says(project, swarm, tag)
            web = settled(project, "swapp_web")
        failed = {answer: n for answer, n in during.answers.items() if not answer.startswith("200")}
        assert failed == {}, failed
        return web, set(during.answers)

    url = f"http://127.0.0.1:{port}"
    # A volume an aborted run left would hold a database made with another password.
    subprocess.run(["docker", "volume", "rm", "swapp_pgdata"], capture_output=True, check=False)
    try:
        deploy_as_the_readme_says(project, swarm, "0.1.0")
        replicas = run(
            ["docker", "service", "ls", "--filter", "name=swapp_web", "--format", "{{.Replicas}}"],
            project,
        )
        assert replicas.strip() == "3/3"
        with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
            assert json.load(response) == {"database": "ok", "status": "ok"}
        password = (project / "secrets" / "db_password.txt").read_text()
        for container in run(["docker", "ps", "-q", "--filter", "name=swapp_"], project).split():
            assert password not in run(["docker", "container", "inspect", container], project)
        # The migrations ran once, in the migrate job, not in any of the three replicas.
        assert migrated(project) == ("0001", ["-> 0001"])
        web_logs = service_logs(project, "swapp_web")
        assert "Booting worker" in web_logs  # gunicorn's, on stderr
        assert "Running upgrade" not in web_logs

        # A new version with a migration of its own: replicas replaced one at a time, behind
        # the proxy, while the old ones serve on the new schema.
        views = project / "swapp" / "views.py"
        views.write_text(views.read_text().replace('"Hello from ', '"Hi from '))
        add_a_column(project / "swapp")
        web, answers = update("0.1.1")
        assert web["UpdateStatus"]["State"] == "completed"
        both = {'200 {"message":"Hello from swapp"}\n', '200 {"message":"Hi from swapp"}\n'}
        assert both <= answers, answers
        assert migrated(project) == ("0002", ["-> 0001", "0001 -> 0002"])  # sorted

        # A version whose health check fails: the update rolls back by itself.
        views.write_text(
            views.read_text().replace(
                '    """Liveness and readiness',
                '    return {"status": "broken"}, 503\n    """Liveness and readiness',
            )
        )
        web, _ = update("0.1.2")
        assert web["UpdateStatus"]["State"] == "rollback_completed"
        assert web["Spec"]["TaskTemplate"]["ContainerSpec"]["Image"].startswith(
            f"{swarm}/swapp:0.1.1"
        )
    finally:
        images = [f"{swarm}/swapp:{tag}" for tag in ("0.1.0", "0.1.1", "0.1.2")]
        remove_stack("swapp", ["swapp_pgdata"], images)


@pytest.mark.docker
def test_the_readme_runs_train_then_three_shards_on_the_swarm(render: Render, swarm: str) -> None:
    """The shards start with train; those that find no model yet start again until it is
    there. Together they label every row of data/predict.csv once."""
    project = render("mlsw", deploy="swarm", app_kind="ml-job", package_manager="pip")
    image = f"{swarm}/mlsw:0.1.0"
    # Volumes an aborted run left would hold its files.
    volumes = ["mlsw_data", "mlsw_models"]
    subprocess.run(["docker", "volume", "rm", *volumes], capture_output=True, check=False)
    try:
        deploy_as_the_readme_says(project, swarm, "0.1.0")
        for name in ("train", "predict-0", "predict-1", "predict-2"):
            replicas = run(
                [
                    "docker",
                    "service",
                    "ls",
                    "--filter",
                    f"name=mlsw_{name}",
                    "--format",
                    "{{.Replicas}}",
                ],
                project,
            )
            assert replicas.strip() == "0/1 (1/1 completed)", name
        read = (
            "import json, pathlib; print(json.dumps({p.name: p.read_text().splitlines() "
            "for p in pathlib.Path('/app/data').glob('predictions*.csv')}))"
        )
        outputs = json.loads(
            run(
                ["docker", "run", "--rm", "-v", "mlsw_data:/app/data", image, "python", "-c", read],
                project,
            )
        )
        assert sorted(outputs) == [f"predictions-{i}-of-3.csv" for i in range(3)]
        headers = {lines[0] for lines in outputs.values()}
        assert len(headers) == 1
        assert headers.pop().startswith("row,")
        rows = [int(line.split(",")[0]) for lines in outputs.values() for line in lines[1:]]
        assert sorted(rows) == list(range(15))  # every row of predict.csv, each once
        assert all(len(lines) == 6 for lines in outputs.values())
    finally:
        remove_stack("mlsw", volumes, [image])
