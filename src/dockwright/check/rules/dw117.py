"""DW117: a password written into a compose file's environment, for something beyond the
compose network.

`POSTGRES_PASSWORD: example` (the official images' README examples) is committed with the
compose file and ends in every clone, fork and CI log; the same in a `DATABASE_URL`. The
reports are the secret-scanning alerts on public repositories' compose files. A finding
when the password opens something reachable from beyond the host: a service publishing its
port on every interface (`5432:5432`), or a host that is not one of the file's services. A
literal password of a database only other containers reach (python-discord's development
database) was judged harmless on the corpus more often than not; the rule leaves it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dockwright.check.project import Project, Unparsable, published_everywhere
from dockwright.check.registry import Hit, rule
from dockwright.check.sensitive import credential_hosts, secret_name

# Values that switch a setting on or off, not secrets.
SWITCHES = frozenset({"yes", "no", "true", "false", "on", "off", "0", "1"})
# Words of values that say they are placeholders to replace, not anyone's secret
# (`changeme`, `suitable-for-development-only`).
PLACEHOLDERS = (
    "changeme",
    "change_me",
    "change-me",
    "replace",
    "placeholder",
    "dummy",
    "development-only",
    "for-development",
    "dev-only",
    "not-a-secret",
)


@rule(
    "DW117",
    "warning",
    "a password written into a compose file",
    "a literal secret in a compose file is committed with it and read by everyone who can "
    "read the repository",
    "take it from the environment or .env (kept out of git): POSTGRES_PASSWORD: "
    "${POSTGRES_PASSWORD:?set it in .env}, or use compose secrets:",
)
def literal_passwords(project: Project) -> Iterator[Hit]:
    for path in project.compose_files():
        try:
            services = project.compose(path).services
        except Unparsable:
            continue  # DW100's
        exposed = {
            key for key, service in services.items() if published_everywhere(service.options)
        }
        for service in services.values():
            for name, text in _environment(service.options):
                if text.lower() in SWITCHES:  # MYSQL_ALLOW_EMPTY_PASSWORD: "yes"
                    continue
                if any(word in text.lower() for word in PLACEHOLDERS):
                    continue
                reached = None
                if hosts := credential_hosts(text):
                    outside = [h for h in hosts if h not in services or h in exposed]
                    reached = outside[0] if outside else None
                elif secret_name(name) and "$" not in text and service.name in exposed:
                    reached = service.name
                if reached is not None:
                    why = _to(reached, services)
                    yield Hit(service.file, service.line, f"{service.name}: {name}, {why}")


def _environment(options: dict[str, Any]) -> list[tuple[str, str]]:
    environment = options.get("environment")
    if isinstance(environment, list):
        pairs = [
            tuple(e.partition("=")[::2]) for e in environment if isinstance(e, str) and "=" in e
        ]
    elif isinstance(environment, dict):
        pairs = [(str(k), v) for k, v in environment.items()]
    else:
        return []
    return [
        (str(k), str(v)) for k, v in pairs if v is not None and not isinstance(v, bool) and str(v)
    ]


def _to(host: str, services: dict[str, Any]) -> str:
    if host in services:
        return f"and {host} publishes its port on every interface of the host"
    return f"a password for {host}"
