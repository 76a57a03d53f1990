"""DW116: a compose service runs privileged.

`privileged: true` gives the container every capability and the host's devices: root in it
is root on the host (the container-escape write-ups that start from a privileged container,
often added to fix a permission error on a bind mount).
"""

from __future__ import annotations

from collections.abc import Iterator

from dockwright.check.project import Project
from dockwright.check.registry import Hit, rule


@rule(
    "DW116",
    "error",
    "a compose service runs privileged",
    "a privileged container has every capability and the host's devices, so whoever "
    "controls it controls the host",
    "remove privileged: true; grant the one capability needed (cap_add) or the one device "
    "(devices:), and fix bind-mount permissions with the user's UID instead",
)
def privileged_service(project: Project) -> Iterator[Hit]:
    for service in project.services():
        if service.options.get("privileged") is True:
            yield Hit(service.file, service.line, f"{service.name} is privileged")
