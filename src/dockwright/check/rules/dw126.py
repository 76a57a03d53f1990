"""DW126: a Kubernetes container without a memory limit, health probes or a pinned image.

Without a memory request the scheduler places the pod as if it needed nothing, and without a
limit it grows until the node runs short: the kernel's OOM killer and the kubelet's
evictions then take the node's other pods with it (Knative set limits after node-level OOMs,
https://github.com/knative/eventing/pull/921; "Container kilo was using 30332Ki, which
exceeds its request of 0" before an eviction, https://github.com/squat/kilo/issues/329).
A serving container of a Deployment, StatefulSet or DaemonSet without a readiness or liveness
probe gets traffic before it can answer and is never restarted when it hangs. An image with
no tag or `:latest` is whatever was pushed last: a rollout or a rescheduled pod runs code
nobody deployed, and a rollback goes nowhere.

Each container is one finding listing what is missing. Left out on purpose: probes for init
containers, Jobs, CronJobs and Pods (they run to completion) and for containers that declare
no ports (workers, which serve nothing to be ready for); memory when a LimitRange in the
manifests gives containers a default; images with a placeholder (`$IMAGE`, `{{ }}`, `<...>`)
or tagged by Kustomize's `images:` or Skaffold's build.
"""

from __future__ import annotations

from collections.abc import Iterator

from dockwright.check.kubernetes import (
    LONG_RUNNING,
    Container,
    Manifests,
    image_name,
    image_tag,
    manifests,
)
from dockwright.check.project import Project
from dockwright.check.registry import Hit, rule

PLACEHOLDERS = ("$", "{", "<")


@rule(
    "DW126",
    "warning",
    "a Kubernetes container without memory limits, probes or a pinned image",
    "a container without a memory request and limit can starve its node's other pods, one "
    "without probes gets traffic before it is ready and is not restarted when it hangs, and "
    "an untagged or :latest image runs whatever was pushed last",
    "add resources: {requests: {memory: 256Mi, cpu: 100m}, limits: {memory: 256Mi}}, a "
    "readinessProbe and livenessProbe (httpGet: {path: /health, port: 8000}), and an image "
    "tagged with a version or pinned by digest (app:1.4.2, app@sha256:...)",
)
def kubernetes_container_unbounded(project: Project) -> Iterator[Hit]:
    found = manifests(project)
    for container in found.containers:
        missing = _missing(container, found)
        if missing:
            yield Hit(container.file, container.line, f"{container.label}: {'; '.join(missing)}")
    found.raise_problem()


def _missing(container: Container, found: Manifests) -> list[str]:
    """What the container lacks, one phrase each."""
    missing = []
    if not found.default_memory:
        memory = _memory(container)
        if memory:
            missing.append(memory)
    if _serves(container) and not any(
        probe in container.options for probe in ("readinessProbe", "livenessProbe")
    ):
        missing.append("no readinessProbe or livenessProbe")
    image = container.options.get("image")
    if isinstance(image, str):
        unpinned = _unpinned(image, found)
        if unpinned:
            missing.append(unpinned)
    return missing


def _memory(container: Container) -> str:
    """What its resources lack: a limit caps the memory (and is the request when none is
    given), a request alone lets it grow."""
    resources = container.options.get("resources")
    resources = resources if isinstance(resources, dict) else {}
    limits, requests = (resources.get(key) for key in ("limits", "requests"))
    if isinstance(limits, dict) and "memory" in limits:
        return ""
    if isinstance(requests, dict) and "memory" in requests:
        return "no memory limit"
    return "no memory request or limit"


def _serves(container: Container) -> bool:
    """Whether the container keeps running and takes connections: a long-running
    workload's (not an init container) that declares ports."""
    ports = container.options.get("ports")
    return (
        container.kind in LONG_RUNNING
        and not container.init
        and isinstance(ports, list)
        and bool(ports)
    )


def _unpinned(image: str, found: Manifests) -> str:
    """How the image is not pinned ("" when it is, or its tag is set elsewhere)."""
    if any(mark in image for mark in PLACEHOLDERS) or image_name(image) in found.tagged_elsewhere:
        return ""
    tag = image_tag(image)
    if tag is None:
        return f"image {image} has no tag"
    if tag == "latest":
        return f"image {image} is tagged latest"
    return ""
