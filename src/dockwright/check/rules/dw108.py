"""DW108: compose starts an app before its database is healthy."""

from __future__ import annotations

from collections.abc import Iterator

from dockwright.check.project import COMPOSE_BASES, DATABASES, Project, Service, depends_on
from dockwright.check.registry import Hit, rule


@rule(
    "DW108",
    "warning",
    "the app does not wait for its database to be healthy",
    "depends_on without condition: service_healthy starts the app as soon as the "
    "database container starts, before it accepts connections",
    "give the database a healthcheck (pg_isready, ...) and depend on it with "
    "condition: service_healthy",
)
def database_not_awaited(project: Project) -> Iterator[Hit]:
    """What `docker compose up` runs: each base compose file with its override."""
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
            if isinstance(image := service.options.get("image"), str) and DATABASES.search(image)
        }
        for key, service in services.items():
            depends = depends_on(
                project.root / service.file, key, service.options.get("depends_on")
            )
            for db in sorted(set(depends) & databases):
                condition = depends[db].get("condition")
                if condition != "service_healthy":
                    line = service.dependency_lines.get(db, service.line)
                    yield Hit(
                        service.file,
                        line,
                        f"{key} depends on {db} without condition: service_healthy",
                    )
                elif not services[db].options.get("healthcheck"):
                    database = services[db]
                    yield Hit(database.file, database.line, f"{db} has no healthcheck")


def _merged(base: Service | None, override: Service) -> Service:
    """A service as compose merges an override's over it (its options shallowly); the
    depends_on lines are the override's when it names depends_on."""
    if base is None:
        return override
    own = "depends_on" in override.options
    return Service(
        base.name,
        {**base.options, **override.options},
        override.file if own else base.file,
        override.line if own else base.line,
        override.dependency_lines if own else base.dependency_lines,
    )
