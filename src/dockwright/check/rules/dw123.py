"""DW123: the container installs packages when it starts.

An entrypoint that runs `pip install -r requirements.txt` (or `uv sync`, `poetry install`,
`conda install`) before the app makes every start depend on the network and the package
index: the container cannot start behind a firewall or when the index is down (the
report at https://github.com/fenglc/dockercloud-pgadmin4/issues/12: pip in the entrypoint,
so the container could not start where the network was limited), each start waits for the
download, and a start may install other versions than the ones tested, so the running
container is no longer the image that was built (https://github.com/opendatateam/docker-udata/issues/341:
an entrypoint installing requirements files stopped the container at start).

What the container runs at start is read by dockwright.check.startup (commands under an
`if`, a `case` or a test are left out). An install that cannot reach an index
(`--no-index`, `--offline`) is no finding.
"""

from __future__ import annotations

from collections.abc import Iterator

from dockwright.check.managers import installs
from dockwright.check.project import Project
from dockwright.check.registry import Hit, rule
from dockwright.check.startup import Start, deployments, image_parts, starts

OFFLINE = frozenset({"--no-index", "--offline", "--dry-run"})


@rule(
    "DW123",
    "warning",
    "packages are installed when the container starts",
    "every start then needs the network and the package index, waits for the download, "
    "may install other versions than were tested, and fails offline",
    "install the packages at build time, in a RUN of the Dockerfile, and start the app "
    "with what the image holds",
)
def installs_at_start(project: Project) -> Iterator[Hit]:
    seen: set[Hit] = set()
    for dockerfile in project.production_dockerfiles():
        for start in starts(project, dockerfile, *image_parts(dockerfile)):
            if _installs_online(start.words):
                hit = Hit(dockerfile.name, start.part.instruction.line, _detail(start))
                if hit not in seen:
                    seen.add(hit)
                    yield hit
    for deployment in deployments(project):
        entrypoint, command = deployment.own_parts()
        for start in starts(project, deployment.dockerfile, entrypoint, command):
            if _installs_online(start.words):
                hit = Hit(deployment.file, deployment.line, _detail(start))
                if hit not in seen:
                    seen.add(hit)
                    yield hit


def _installs_online(words: list[str]) -> bool:
    return installs(words) and not OFFLINE & set(words)


def _detail(start: Start) -> str:
    return f"{start.quoted()} runs at start ({start.source})"
