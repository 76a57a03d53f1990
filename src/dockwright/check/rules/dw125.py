"""DW125: a Kubernetes container may run as root, or write its own filesystem.

Without `runAsNonRoot: true` (the container's or the pod's securityContext) the container
runs as whatever user the image names, root when it names none; without
`readOnlyRootFilesystem: true` a compromised process can rewrite the application's own code;
without `allowPrivilegeEscalation: false` a setuid binary can take back root; and
`privileged: true` gives it the host's devices. These are the checks of the Pod Security
Standards' "restricted" profile, which Pod Security Admission enforces per namespace: a
cluster that turns it on refuses such pods outright ("violates PodSecurity
restricted:latest: allowPrivilegeEscalation != false ... runAsNonRoot != true", as in
https://github.com/metal-stack/gardener-extension-provider-metal/issues/327 and
https://github.com/vadimkim/cert-manager-webhook-hetzner/pull/29).

Each container and init container of a Deployment, StatefulSet, DaemonSet, Job, CronJob or
Pod is one finding listing what is missing. A container with `runAsUser` other than 0 (its
own or the pod's) counts as not running as root.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dockwright.check.kubernetes import Container, manifests
from dockwright.check.project import Project
from dockwright.check.registry import Hit, rule


@rule(
    "DW125",
    "warning",
    "a Kubernetes container may run as root or write its filesystem",
    "a container without runAsNonRoot, readOnlyRootFilesystem and allowPrivilegeEscalation: "
    "false (or a privileged one) gives an attacker root and a writable image, and the Pod "
    'Security Standards\' "restricted" profile refuses it',
    "give the container securityContext: {runAsNonRoot: true, runAsUser: 10001 (or the "
    "image's USER), readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, "
    "capabilities: {drop: [ALL]}}, and mount an emptyDir at /tmp for what it writes",
)
def kubernetes_container_not_restricted(project: Project) -> Iterator[Hit]:
    found = manifests(project)
    for container in found.containers:
        missing = missing_restrictions(container)
        if missing:
            yield Hit(container.file, container.line, f"{container.label}: {missing}")
    found.raise_problem()


def missing_restrictions(container: Container) -> str:
    """What the container's securityContext lacks, as one phrase ("" when nothing)."""
    own = _security(container.options)
    lacking = []
    if not _non_root(own, _security(container.pod)):
        lacking.append("runAsNonRoot: true")
    if own.get("readOnlyRootFilesystem") is not True:
        lacking.append("readOnlyRootFilesystem: true")
    if own.get("allowPrivilegeEscalation") is not False:
        lacking.append("allowPrivilegeEscalation: false")
    said = []
    if own.get("privileged") is True:
        said.append("privileged: true")
    if lacking:
        said.append(f"no {', no '.join(lacking)}")
    return "; ".join(said)


def _security(spec: dict[str, Any]) -> dict[str, Any]:
    context = spec.get("securityContext")
    return context if isinstance(context, dict) else {}


def _non_root(own: dict[str, Any], pod: dict[str, Any]) -> bool:
    """Whether the container cannot run as root: its own securityContext wins over the
    pod's, and runAsNonRoot or a runAsUser other than 0 says so."""
    for context in (own, pod):
        said = _says_non_root(context)
        if said is not None:
            return said
    return False


def _says_non_root(context: dict[str, Any]) -> bool | None:
    if context.get("runAsNonRoot") is True:
        return True
    if context.get("runAsNonRoot") is False:
        return False
    user = context.get("runAsUser")
    if isinstance(user, int) and not isinstance(user, bool):
        return user != 0
    return None
