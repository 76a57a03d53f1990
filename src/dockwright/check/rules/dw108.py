"""DW108: compose starts an app that migrates its database before the database is healthy.

Only an app that uses its database as it starts (it migrates it: alembic upgrade, flask db
upgrade, manage.py migrate) fails when the database is not ready yet; one that connects
when a request needs it starts fine (Redash, judged on the corpus). Only the databases that
refuse connections while they start (PostgreSQL, MySQL, MariaDB, MongoDB): a cache or a
broker (Redis, RabbitMQ) is retried by its clients (Celery retries the broker) or used
later. An app that waits by itself at start (its command, entrypoint or the scripts they
run call pg_isready, wait-for-it, dockerize, psql or nc in a loop, or a wait/ping script,
inside an `if` too) needs no condition.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dockwright.check.project import COMPOSE_BASES, Project, Service, depends_on, merge_options
from dockwright.check.registry import Hit, rule
from dockwright.check.startup import deployments, migrates, starts

AWAITED = re.compile(r"(?:^|/)(?:postgres|postgis|timescaledb|mysql|mariadb|mongo)\b")
# Programs and scripts that wait for a database at start.
WAITERS = re.compile(
    r"(?:^|/)(?:pg_isready|wait-for-it(?:\.sh)?|wait-for(?:\.sh)?|dockerize|psql|mysqladmin"
    r"|mongosh|nc|netcat)$|(?:^|[/_.-])(?:wait|ping|ready)(?:[_.-]|$)",
)


@rule(
    "DW108",
    "warning",
    "the app migrates its database at start without waiting for it to be healthy",
    "depends_on without condition: service_healthy starts the app as soon as the "
    "database container starts, before it accepts connections, and the migration fails",
    "give the database a healthcheck (pg_isready, ...) and depend on it with "
    "condition: service_healthy",
)
def database_not_awaited(project: Project) -> Iterator[Hit]:
    """What `docker compose up` runs: each base compose file with its override."""
    waiting, migrating = _at_start(project)
    for base in COMPOSE_BASES:
        path = project.root / base
        if not project.is_file(path):
            continue
        services = dict(project.compose(path).services)
        stem = base.rsplit(".", 1)[0]
        for override in (f"{stem}.override.yaml", f"{stem}.override.yml"):
            if project.is_file(project.root / override):
                for key, more in project.compose(project.root / override).services.items():
                    services[key] = _merged(services.get(key), more)
        databases = {
            key
            for key, service in services.items()
            if isinstance(image := service.options.get("image"), str) and AWAITED.search(image)
        }
        for key, service in services.items():
            if key in waiting or _waits(service.options):
                continue
            depends = depends_on(
                project.root / service.file, key, service.options.get("depends_on")
            )
            for db in sorted(set(depends) & databases):
                condition = depends[db].get("condition")
                if condition != "service_healthy":
                    if key not in migrating:
                        continue  # it needs its database when a request does
                    line = service.dependency_lines.get(db, service.line)
                    yield Hit(
                        service.file,
                        line,
                        f"{key} depends on {db} without condition: service_healthy",
                    )
                elif not services[db].options.get("healthcheck"):
                    database = services[db]
                    yield Hit(database.file, database.line, f"{db} has no healthcheck")


def _waits(options: dict[str, object]) -> bool:
    """Whether a service's own command or entrypoint waits for the database."""
    words: list[str] = []
    for key in ("command", "entrypoint"):
        value = options.get(key)
        if isinstance(value, str):
            words += value.replace(";", " ").split()
        elif isinstance(value, list):
            words += [w for item in value if isinstance(item, str) for w in item.split()]
    return any(WAITERS.search(word) for word in words)


def _at_start(project: Project) -> tuple[set[str], set[str]]:
    """The services built from a production Dockerfile whose start (in the scripts the
    entrypoint runs too, inside an `if` too) waits for a database, and those whose start
    migrates it: an app that only connects when a request needs it starts fine before its
    database. Each service's start is read once."""
    waiting, migrating = set(), set()
    for deployment in deployments(project):
        for start in starts(project, deployment.dockerfile, *deployment.parts(), guarded=True):
            if any(WAITERS.search(word) for word in start.words[:3]):
                waiting.add(deployment.name)
            if migrates(start.words):
                migrating.add(deployment.name)
    return waiting, migrating


def _merged(base: Service | None, override: Service) -> Service:
    """A service as compose merges an override's over it (merge_options); the line of each
    dependency is the file's that names it last."""
    if base is None:
        return override
    own = "depends_on" in override.options
    return Service(
        base.name,
        merge_options(base.options, override.options),
        override.file if own else base.file,
        override.line if own else base.line,
        {**base.dependency_lines, **override.dependency_lines},
    )
