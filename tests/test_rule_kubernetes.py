"""DW125 and DW126: Kubernetes workloads that may run as root or write their filesystem, and
containers without memory limits, probes or a pinned image; and the YAML that is not a
workload (compose, CI, Helm, Kustomize, Services) left alone."""

from __future__ import annotations

import time
from pathlib import Path
from textwrap import dedent

from dockwright.check import Finding, check
from repos import write

DOCKERFILE = """
    FROM python:3.13-slim
    USER 10001
    CMD ["python", "-m", "http.server", "8000"]
"""
DOCKERIGNORE = ".git\n.venv\n.env\n"

BARE_DEPLOYMENT = """
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      selector:
        matchLabels: {app: web}
      template:
        metadata:
          labels: {app: web}
        spec:
          containers:
            - name: web
              image: registry.example.com/acme/web
              ports:
                - containerPort: 8000
"""

HARDENED_DEPLOYMENT = """
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      selector:
        matchLabels: {app: web}
      template:
        metadata:
          labels: {app: web}
        spec:
          securityContext:
            runAsNonRoot: true
            runAsUser: 10001
          containers:
            - name: web
              image: registry.example.com/acme/web:2.1.0
              ports:
                - containerPort: 8000
              securityContext:
                readOnlyRootFilesystem: true
                allowPrivilegeEscalation: false
                capabilities: {drop: [ALL]}
              resources:
                requests: {memory: 256Mi, cpu: 100m}
                limits: {memory: 256Mi}
              readinessProbe:
                httpGet: {path: /health, port: 8000}
              livenessProbe:
                httpGet: {path: /health, port: 8000}
"""


def _check(root: Path, files: dict[str, str]) -> list[Finding]:
    write(root, {"Dockerfile": DOCKERFILE, ".dockerignore": DOCKERIGNORE, **files})
    return check(root)


def _ours(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.rule in ("DW125", "DW126", "DW100")]


def test_a_bare_deployment_gets_both_at_its_container(tmp_path: Path) -> None:
    found = _ours(_check(tmp_path, {"k8s/deployment.yaml": BARE_DEPLOYMENT}))
    assert sorted((f.rule, f.where) for f in found) == [
        ("DW125", "k8s/deployment.yaml:13"),
        ("DW126", "k8s/deployment.yaml:13"),
    ]
    security, resources = sorted(found, key=lambda f: f.rule)
    assert "Deployment web, container web" in security.detail
    for missing in ("runAsNonRoot", "readOnlyRootFilesystem", "allowPrivilegeEscalation"):
        assert missing in security.detail
    assert "no memory request or limit" in resources.detail
    assert "readinessProbe or livenessProbe" in resources.detail
    assert "registry.example.com/acme/web has no tag" in resources.detail


def test_the_second_document_of_a_file_is_found_at_its_line(tmp_path: Path) -> None:
    service = """
        apiVersion: v1
        kind: Service
        metadata:
          name: web
        spec:
          ports: [{port: 80, targetPort: 8000}]
    """
    text = dedent(service).lstrip() + "---\n" + dedent(BARE_DEPLOYMENT).lstrip()
    found = _ours(_check(tmp_path, {"kubernetes/app.yaml": text}))
    assert {f.where for f in found} == {"kubernetes/app.yaml:20"}


def test_a_privileged_cronjob_and_an_init_container_running_as_root(tmp_path: Path) -> None:
    cronjob = """
        apiVersion: batch/v1
        kind: CronJob
        metadata:
          name: nightly
        spec:
          schedule: "0 3 * * *"
          jobTemplate:
            spec:
              template:
                spec:
                  restartPolicy: OnFailure
                  securityContext: {runAsNonRoot: true}
                  initContainers:
                    - name: migrate
                      image: registry.example.com/acme/web:2.1.0
                      securityContext:
                        runAsUser: 0
                        readOnlyRootFilesystem: true
                        allowPrivilegeEscalation: false
                      resources: {limits: {memory: 128Mi}}
                  containers:
                    - name: report
                      image: registry.example.com/acme/web:2.1.0
                      securityContext:
                        privileged: true
                        readOnlyRootFilesystem: true
                      resources: {limits: {memory: 128Mi}}
    """
    found = _ours(_check(tmp_path, {"deploy/cron.yml": cronjob}))
    assert sorted((f.rule, f.line, f.detail) for f in found) == [
        ("DW125", 14, "CronJob nightly, init container migrate: no runAsNonRoot: true"),
        (
            "DW125",
            22,
            "CronJob nightly, container report: privileged: true; "
            "no allowPrivilegeEscalation: false",
        ),
    ]


def test_memory_requested_but_not_limited_and_a_latest_image(tmp_path: Path) -> None:
    manifest = HARDENED_DEPLOYMENT.replace(":2.1.0", ":latest").replace(
        "limits: {memory: 256Mi}", "limits: {cpu: 500m}"
    )
    found = _ours(_check(tmp_path, {"deployment.yaml": manifest}))
    assert [(f.rule, f.detail) for f in found] == [
        (
            "DW126",
            "Deployment web, container web: no memory limit; "
            "image registry.example.com/acme/web:latest is tagged latest",
        )
    ]


def test_a_workload_manifest_that_does_not_parse_is_dw100(tmp_path: Path) -> None:
    broken = "apiVersion: apps/v1\nkind: Deployment\nspec: [unclosed\n"
    found = _ours(_check(tmp_path, {"manifests/web.yaml": broken}))
    assert [(f.rule, f.file) for f in found] == [("DW100", "manifests/web.yaml")]


def test_merge_key_bombs_are_dw100_at_once(tmp_path: Path) -> None:
    # One mapping of 1,100 keys merged into 1,100 others: 1.2 million entries from 30 KB.
    keys = ", ".join(f"k{i}: 1" for i in range(1100))
    merges = "".join(f"x{i}: {{<<: *x0}}\n" for i in range(1, 1100))
    text = f"apiVersion: apps/v1\nkind: Deployment\nx0: &x0 {{{keys}}}\n{merges}"
    started = time.monotonic()
    found = _ours(_check(tmp_path, {"k8s/bomb.yaml": text}))
    assert time.monotonic() - started < 30
    assert [(f.rule, f.file) for f in found] == [("DW100", "k8s/bomb.yaml")]
    assert "merge keys" in found[0].why


def test_a_hardened_deployment_and_a_job_without_probes_pass(tmp_path: Path) -> None:
    job = """
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: migrate
        spec:
          template:
            spec:
              restartPolicy: Never
              securityContext: {runAsUser: 10001}
              containers:
                - name: migrate
                  image: registry.example.com/acme/web@sha256:0123456789abcdef
                  securityContext:
                    readOnlyRootFilesystem: true
                    allowPrivilegeEscalation: false
                  resources: {limits: {memory: 128Mi}}
    """
    files = {"k8s/deployment.yaml": HARDENED_DEPLOYMENT, "k8s/job.yaml": job}
    assert _ours(_check(tmp_path, files)) == []


def test_yaml_that_is_not_a_workload_is_left_alone(tmp_path: Path) -> None:
    files = {
        "compose.yaml": """
            services:
              web:
                build: .
                image: acme/web
        """,
        ".github/workflows/ci.yml": """
            on: push
            jobs:
              test:
                runs-on: ubuntu-latest
                container: {image: "python:latest"}
        """,
        "values.yaml": """
            image:
              repository: acme/web
              tag: latest
            securityContext: {}
        """,
        "k8s/kustomization.yaml": """
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            resources: [service.yaml, config.yaml, ingress.yaml]
        """,
        "k8s/service.yaml": """
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec:
              ports: [{port: 80}]
        """,
        "k8s/config.yaml": """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: web}
            data: {image: "acme/web:latest"}
        """,
        "k8s/ingress.yaml": """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: web}
            spec: {rules: []}
        """,
        "deploy/playbook.yml": "- hosts: all\n  tasks: [unclosed\n",
        "deploy/helm-ish.yaml": "apiVersion: apps/v1\nkind: Deployment\n{{- if .x }}\n",
    }
    assert _ours(_check(tmp_path, files)) == []


def test_helm_charts_are_not_read(tmp_path: Path) -> None:
    files = {
        "charts/web/templates/deployment.yaml": BARE_DEPLOYMENT,
        "deploy/chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "deploy/chart/templates/deployment.yaml": BARE_DEPLOYMENT,
    }
    assert _ours(_check(tmp_path, files)) == []


def test_kustomize_patches_images_and_limit_ranges_are_understood(tmp_path: Path) -> None:
    files = {
        "k8s/kustomization.yaml": """
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            resources: [deployment.yaml, worker.yaml, limits.yaml]
            images:
              - name: registry.example.com/acme/worker
                newTag: 2.1.0
            patches:
              - path: security.yaml
        """,
        # the patch adds what the base lacks: neither is checked alone
        "k8s/deployment.yaml": BARE_DEPLOYMENT,
        "k8s/security.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              template:
                spec:
                  containers:
                    - name: web
                      securityContext: {readOnlyRootFilesystem: true}
        """,
        # a worker serves nothing (no ports), its tag comes from the kustomization, and
        # the LimitRange gives it memory
        "k8s/worker.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: worker}
            spec:
              selector: {matchLabels: {app: worker}}
              template:
                metadata: {labels: {app: worker}}
                spec:
                  securityContext: {runAsNonRoot: true}
                  containers:
                    - name: worker
                      image: registry.example.com/acme/worker
                      securityContext:
                        readOnlyRootFilesystem: true
                        allowPrivilegeEscalation: false
        """,
        "k8s/limits.yaml": """
            apiVersion: v1
            kind: LimitRange
            metadata: {name: defaults}
            spec:
              limits:
                - type: Container
                  default: {memory: 512Mi}
        """,
    }
    assert _ours(_check(tmp_path, files)) == []


def test_placeholders_and_skaffold_images_are_not_unpinned(tmp_path: Path) -> None:
    manifest = HARDENED_DEPLOYMENT.replace("registry.example.com/acme/web:2.1.0", "${IMAGE}")
    worker = HARDENED_DEPLOYMENT.replace("registry.example.com/acme/web:2.1.0", "acme-web")
    files = {
        "k8s/web.yaml": manifest,
        "k8s/other.yaml": worker.replace("name: web", "name: other"),
        "skaffold.yaml": """
            apiVersion: skaffold/v4beta11
            kind: Config
            build:
              artifacts:
                - image: acme-web
        """,
    }
    assert _ours(_check(tmp_path, files)) == []


def test_a_manifest_too_large_to_be_hand_written_is_skipped(tmp_path: Path) -> None:
    large = BARE_DEPLOYMENT + "#" + "x" * (300 * 1024) + "\n"
    assert _ours(_check(tmp_path, {"manifests/crds.yaml": large})) == []
