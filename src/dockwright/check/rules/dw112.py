"""DW112: the HEALTHCHECK calls curl or wget, which the final image does not have.

python:*-slim, debian:*-slim, ubuntu and distroless images have neither; Alpine's busybox
has wget but no curl. The health check then fails forever and the container is reported
unhealthy (the "curl: not found" in `docker inspect` reports of docker-library/python
users), so compose never starts what waits for service_healthy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dockwright.check.project import Project
from dockwright.check.registry import Hit, rule
from dockwright.check.shell import commands, exec_form, program, with_inner_scripts

# Images without curl and wget, and with wget only (busybox).
WITHOUT_BOTH = re.compile(
    r"(?:^|/)(?:python:[^@\s]*slim[^@\s]*|debian:[^@\s]*slim[^@\s]*|ubuntu(?::\S*)?)$"
    r"|(?:^|/)distroless/"
)
WITH_WGET_ONLY = re.compile(r"(?:^|/)(?:python:[^@\s]*alpine[^@\s]*|alpine(?::\S*)?)$")
TOOLS = ("curl", "wget")
# HEALTHCHECK [--interval=30s ...] CMD command (the options and CMD apart with no backtracking).
_CMD = re.compile(r"(?:--\S+\s+)*CMD\s+(.*)", re.IGNORECASE | re.DOTALL)


@rule(
    "DW112",
    "error",
    "the health check calls a program the image does not have",
    "slim, Ubuntu and distroless images have no curl or wget (Alpine has no curl), so the "
    "health check fails every time and the container stays unhealthy",
    "check health with the image's Python (python -c 'import urllib.request; "
    'urllib.request.urlopen("http://localhost:8000/health")\'), or install the tool in the '
    "final stage",
)
def healthcheck_tool_missing(project: Project) -> Iterator[Hit]:
    for dockerfile in project.sound_dockerfiles():
        lineage = dockerfile.final_lineage
        if not lineage:
            continue
        final = dockerfile.in_final()
        checks = [i for i in final if i.keyword == "HEALTHCHECK"]
        if not checks:
            continue
        image = lineage[0].image.lower().split("@", 1)[0]
        if WITHOUT_BOTH.search(image):
            missing: tuple[str, ...] = TOOLS
        elif WITH_WGET_ONLY.search(image):
            missing = ("curl",)
        else:
            continue
        health = checks[-1]
        used = {program(w[0]) for w in _commands(health.text) if w} & set(missing)
        mentioned = {
            word
            for ins in final
            if ins.keyword in ("RUN", "COPY", "ADD")
            for word in re.findall(r"[\w.-]+", ins.script)
        }
        for tool in sorted(used - mentioned):
            yield Hit(dockerfile.name, health.line, f"{tool} is not in {lineage[0].image}")


def _commands(text: str) -> list[list[str]]:
    """The commands of a HEALTHCHECK's CMD (its options before it; NONE has none)."""
    match = _CMD.match(text)
    if match is None:
        return []
    given = exec_form(match[1])
    return with_inner_scripts([given], 0) if given is not None else commands(match[1])
