"""DW103: the production image runs as root.

Not a finding: a final stage that drops to a user at start (gosu, su-exec... in its
ENTRYPOINT, CMD or their script), every compose service built from it given a non-root
`user:`, and AWS Lambda's base images (Lambda runs the function as its own unprivileged
user).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dockwright.check.dockerfile import Dockerfile, Instruction
from dockwright.check.project import Project, Unparsable, inside
from dockwright.check.registry import Hit, rule
from dockwright.check.shell import commands, exec_form, program
from dockwright.check.startup import deployments

# Programs an entrypoint runs to drop from root to another user before the app starts.
DROPPERS = frozenset({"gosu", "su-exec", "s6-setuidgid", "setpriv", "runuser", "chroot"})
# Base images whose platform runs the code as an unprivileged user of its own (Lambda), or
# that end with a non-root USER themselves (ray, the Jupyter stacks, Bitnami, Chainguard,
# distroless :nonroot).
PLATFORM_USER = ("public.ecr.aws/lambda/", "amazon/aws-lambda-")
NON_ROOT_BASES = re.compile(
    r"^(?:docker\.io/)?(?:rayproject/ray|jupyter/|quay\.io/jupyter/|bitnami/|cgr\.dev/chainguard/)"
    r"|distroless/[^:@]+:(?:[^@]*-)?nonroot"
)


@rule(
    "DW103",
    "error",
    "the runtime image runs as root",
    "a process that escapes the app runs as root in the container",
    "create a user with a fixed UID (e.g. 10001) and end the final stage with USER, or drop "
    "to it in the entrypoint (gosu, su-exec, setpriv)",
)
def runs_as_root(project: Project) -> Iterator[Hit]:
    compose_users: dict[str, list[bool]] = {}  # Dockerfile -> each service's user is non-root
    for deployment in deployments(project):
        user = deployment.options.get("user")
        non_root = isinstance(user, (str, int)) and str(user).split(":")[0].strip() not in (
            "",
            "root",
            "0",
        )
        compose_users.setdefault(deployment.dockerfile.name, []).append(non_root)
    for dockerfile in project.production_dockerfiles():
        if dockerfile.final is None:
            continue
        given = compose_users.get(dockerfile.name)
        if given and all(given):
            continue
        final = dockerfile.in_final()
        users = [i for i in final if i.keyword == "USER"]
        if users and users[-1].text.split(":")[0].strip() not in ("root", "0"):
            continue
        lineage = dockerfile.final_lineage
        base = lineage[0].image.lower() if lineage else ""
        if base.startswith(PLATFORM_USER) or (not users and NON_ROOT_BASES.search(base)):
            continue
        if _drops_privileges(project, dockerfile, final):
            continue
        where = users[-1].line if users else dockerfile.final.line
        yield Hit(dockerfile.name, where, "USER root" if users else "no USER in the final stage")


def _drops_privileges(project: Project, dockerfile: Dockerfile, final: list[Instruction]) -> bool:
    """Whether the final stage's ENTRYPOINT or CMD, or the entrypoint script they run (read
    from the build context), starts the app through gosu, su-exec, setpriv, ..."""
    starts = [[i for i in final if i.keyword == keyword][-1:] for keyword in ("ENTRYPOINT", "CMD")]
    for ins in [i for found in starts for i in found]:
        words = exec_form(ins.text)
        command = [words] if words is not None else commands(ins.text)
        if any(program(w) in DROPPERS for c in command for w in c):
            return True
        first = command[0][0] if command and command[0] else ""
        if not first or dockerfile.final is None:
            continue
        relative = dockerfile.context_file(dockerfile.final, ins, first)
        script = inside(dockerfile.context, relative) if relative else None
        if script is None or not project.is_file(script):
            continue
        try:
            text = project.text(script, strict=False)
        except Unparsable:
            continue
        if any(program(w) in DROPPERS for c in commands(text) for w in c):
            return True
    return False
