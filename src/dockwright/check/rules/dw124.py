"""DW124: a service with several replicas migrates its database when it starts.

An entrypoint that runs `alembic upgrade head` or `python manage.py migrate` before the
app is fine for one container; with `deploy.replicas: 3` every replica starts together
and runs the same migration against the same database at once. They wait on each other's
locks, fail on DDL another replica already ran (`relation already exists`), or leave a
migration half applied, and the losers crash-loop: the reports at
https://github.com/rhesis-ai/rhesis/issues/2545 (three pods ran `alembic upgrade head`
from their start script at the same time) and https://github.com/sematic-ai/sematic/issues/336
(an entrypoint running migrations, unsafe once the server has several replicas).

What a container runs at start is read as DW123 reads it (the final stage's ENTRYPOINT and
CMD, the scripts from the build context they run, compose's `command:` and `entrypoint:`),
for the compose services built from a production Dockerfile with `deploy.replicas` or
`scale` above 1, in each way of running compose (a base file alone, or with a production
file such as compose.prod.yaml over it). A migration inside an `if` or `case` block, or
after a test, is left out: that is how one replica is often chosen to migrate
(`[ "$RUN_MIGRATIONS" = 1 ] && alembic upgrade head`). A replica count compose reads from
a variable is not known here, and does not count. Kubernetes manifests are not read: which
of a manifest's images is built from which Dockerfile cannot be told reliably.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dockwright.check.project import Project
from dockwright.check.registry import Hit, rule
from dockwright.check.startup import deployments, migrates, starts


@rule(
    "DW124",
    "warning",
    "replicas migrate the database when they start",
    "every replica runs the migration at the same time against one database: lock waits, "
    "errors on tables another replica already made, half-applied migrations",
    "run the migration once, as its own step: a one-shot compose service the app depends "
    "on with condition: service_completed_successfully (or a Kubernetes Job or init step)",
)
def replicas_migrate(project: Project) -> Iterator[Hit]:
    seen: set[Hit] = set()
    for deployment in deployments(project):
        count = replicas(deployment.options)
        if count <= 1:
            continue
        for start in starts(project, deployment.dockerfile, *deployment.parts()):
            if migrates(start.words):
                detail = (
                    f"{deployment.name} runs {count} replicas, each running "
                    f"{start.quoted()} at start ({start.source})"
                )
                hit = Hit(deployment.file, deployment.line, detail)
                if hit not in seen:
                    seen.add(hit)
                    yield hit


def replicas(options: dict[str, Any]) -> int:
    """How many containers compose starts for a service: deploy.replicas or scale (1 when
    neither is a number)."""
    deploy = options.get("deploy")
    given = deploy.get("replicas") if isinstance(deploy, dict) else None
    return max(_count(given), _count(options.get("scale")), 1)


def _count(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 6:
        return int(value.strip())
    return 0
