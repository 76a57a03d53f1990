"""DW117: a password written into a compose file's environment.

`POSTGRES_PASSWORD: example` (the official images' README examples) is committed with the
compose file and ends in every clone, fork and CI log; the same in a `DATABASE_URL`. The
reports are the secret-scanning alerts on public repositories' compose files.
"""

from __future__ import annotations

from collections.abc import Iterator

from dockwright.check.project import Project
from dockwright.check.registry import Hit, rule
from dockwright.check.sensitive import credentials, secret_name

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
    for service in project.services():
        environment = service.options.get("environment")
        if isinstance(environment, list):
            pairs = [
                tuple(e.partition("=")[::2]) for e in environment if isinstance(e, str) and "=" in e
            ]
        elif isinstance(environment, dict):
            pairs = [(str(k), v) for k, v in environment.items()]
        else:
            continue
        for name, value in pairs:
            if value is None or isinstance(value, bool) or str(value) == "":
                continue
            text = str(value)
            if text.lower() in SWITCHES:  # MYSQL_ALLOW_EMPTY_PASSWORD: "yes"
                continue
            if any(word in text.lower() for word in PLACEHOLDERS):
                continue
            if (secret_name(name) and "$" not in text) or credentials(text):
                yield Hit(service.file, service.line, f"{service.name}: {name}")
