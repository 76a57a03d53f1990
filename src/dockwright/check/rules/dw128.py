"""DW128: a Swarm stack file with options `docker stack deploy` drops.

A stack is deployed from compose files, but a swarm service has no place for some of their
options, and the CLI drops them: `tmpfs:` without a word (the service then writes to its
read-only root filesystem and fails: a test of dockwright's own stack did), `security_opt:`
and `restart:` with one line among the deploy's output. `depends_on:` is dropped too, so the
services start in no order; in its long form (`condition: service_healthy`) the deploy fails
outright ("depends_on must be a list"). Seen on Docker 26's CLI. A file is a stack file when
its name says so (swarm, stack) or a service uses what only a swarm reads: update_config,
rollback_config, placement, endpoint_mode, a global or job mode.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dockwright.check.project import Project, Service, Unparsable
from dockwright.check.registry import Hit, rule

SWARM_ONLY = ("update_config", "rollback_config", "placement", "endpoint_mode")
SWARM_MODES = ("global", "replicated-job", "global-job")
_STACK_NAME = re.compile(r"swarm|stack", re.IGNORECASE)
DROPPED = {
    "tmpfs": "not mounted",
    "security_opt": "not applied",
    "depends_on": "no start order",
}


@rule(
    "DW128",
    "warning",
    "a Swarm stack option that docker stack deploy drops",
    "a swarm service has no tmpfs, security options, restart or start order: `docker "
    "stack deploy` drops those options (tmpfs without a word), so the service runs without "
    "them",
    "a volume of `type: tmpfs`, `deploy.restart_policy`, `no-new-privileges` in the nodes' "
    "daemon.json, and services that wait for what they need",
)
def dropped_by_stack_deploy(project: Project) -> Iterator[Hit]:
    for path in project.compose_files():
        try:
            services = list(project.compose(path).services.values())
        except Unparsable:  # DW100 reports it
            continue
        if not (_STACK_NAME.search(path.name) or any(_swarm_only(s) for s in services)):
            continue
        for service in services:
            yield from _dropped(service)


def _swarm_only(service: Service) -> bool:
    deploy = service.options.get("deploy")
    if not isinstance(deploy, dict):
        return False
    return any(key in deploy for key in SWARM_ONLY) or deploy.get("mode") in SWARM_MODES


def _dropped(service: Service) -> Iterator[Hit]:
    for key, what in DROPPED.items():
        if service.options.get(key):
            yield Hit(service.file, service.line, f"{service.name}: {key} ({what})")
    deploy = service.options.get("deploy")
    policy = isinstance(deploy, dict) and "restart_policy" in deploy
    if "restart" in service.options and not policy:
        detail = f"{service.name}: restart without deploy.restart_policy (not read)"
        yield Hit(service.file, service.line, detail)
