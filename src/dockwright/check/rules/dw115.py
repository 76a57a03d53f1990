"""DW115: compose publishes a database's port on every interface.

`ports: ["5432:5432"]` binds 0.0.0.0, and Docker's own iptables rules let it past ufw and
firewalld: the database is reachable from the network the host is on (the ransomed
PostgreSQL, Redis and MongoDB reports from internet-wide scans of exposed Docker hosts).
"""

from __future__ import annotations

from collections.abc import Iterator

from dockwright.check.project import DATABASES, EVERYWHERE, Project, host_address
from dockwright.check.registry import Hit, rule


@rule(
    "DW115",
    "warning",
    "a database port published on every interface",
    "a port published without a host address listens on 0.0.0.0, and Docker's firewall "
    "rules bypass ufw and firewalld, so the database is reachable from the network",
    'publish it on the loopback only ("127.0.0.1:5432:5432"), or not at all: services in '
    "the same compose project reach it by its service name",
)
def database_published(project: Project) -> Iterator[Hit]:
    for service in project.services():
        image = service.options.get("image")
        if not isinstance(image, str) or not DATABASES.search(image.lower()):
            continue
        ports = service.options.get("ports")
        for port in ports if isinstance(ports, list) else []:
            host = host_address(port)
            if host is not None and host in EVERYWHERE:
                yield Hit(service.file, service.line, f"{service.name} publishes {port}")
