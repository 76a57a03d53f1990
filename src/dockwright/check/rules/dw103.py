"""DW103: the production image runs as root.

Not a finding: a final stage that drops to a user at start (gosu, su-exec... in its
ENTRYPOINT, CMD or their script), every compose service built from it given a non-root
`user:`, AWS Lambda's base images (Lambda runs the function as its own unprivileged
user), and a stage built on one of the project's own images (freqtrade's add-on images on
freqtradeorg/freqtrade) that sets no USER, when none of the project's other images runs
as root: the user is its base's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dockwright.check.builds import build_scripts
from dockwright.check.dockerfile import Dockerfile, Instruction
from dockwright.check.project import Project, context_text
from dockwright.check.registry import Hit, rule
from dockwright.check.shell import commands, exec_form, program
from dockwright.check.startup import deployments

# Programs an entrypoint runs to drop from root to another user before the app starts.
DROPPERS = frozenset({"gosu", "su-exec", "s6-setuidgid", "setpriv", "runuser", "chroot"})
# Servers that start as root (to bind port 80) and run their workers as www-data or the
# user their configuration names, by default.
SERVERS_THAT_DROP = frozenset({"apache2ctl", "apachectl", "apache2", "httpd"})
_UWSGI_UID = re.compile(r"^[ \t]*uid[ \t]*=[ \t]*(?!root\b|0\b)\S", re.M)
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
    derived: list[tuple[str, int, str]] = []  # built on the project's own image
    root_images = False
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
        base = dockerfile.base_image(dockerfile.final).lower()
        if base.startswith(PLATFORM_USER) or (not users and NON_ROOT_BASES.search(base)):
            continue
        if _drops_privileges(project, dockerfile, final):
            continue
        if not users and build_scripts(project).builds(base):
            derived.append((dockerfile.name, dockerfile.final.line, base))
            continue
        root_images = True
        where = users[-1].line if users else dockerfile.final.line
        yield Hit(dockerfile.name, where, "USER root" if users else "no USER in the final stage")
    if root_images:  # which of its Dockerfiles makes the base is not known: one runs as root
        for name, line, base in derived:
            yield Hit(name, line, f"built on {base}, which runs as root")


def _drops_privileges(project: Project, dockerfile: Dockerfile, final: list[Instruction]) -> bool:
    """Whether the final stage's ENTRYPOINT or CMD, or the entrypoint script they run (read
    from the build context), starts the app through gosu, su-exec, setpriv, ..., or through a
    server that runs its workers as another user (Apache; uWSGI or gunicorn told a user)."""
    starts = [[i for i in final if i.keyword == keyword][-1:] for keyword in ("ENTRYPOINT", "CMD")]
    for ins in [i for found in starts for i in found]:
        words = exec_form(ins.text)
        command = [words] if words is not None else commands(ins.text)
        if any(_drops(project, dockerfile, ins, c) for c in command):
            return True
        first = command[0][0] if command and command[0] else ""
        if not first or dockerfile.final is None:
            continue
        script = context_text(project, dockerfile, ins, first)
        if script is not None and any(
            _drops(project, dockerfile, ins, c) for c in commands(script[1])
        ):
            return True
    return False


def _drops(project: Project, dockerfile: Dockerfile, start: Instruction, words: list[str]) -> bool:
    """Whether a command starts the app as another user than the one running it."""
    programs = [program(w) for w in words]
    if any(p in DROPPERS or p in SERVERS_THAT_DROP for p in programs):
        return True
    if "gunicorn" in programs:
        return any(w in ("-u", "--user") or w.startswith("--user=") for w in words)
    if "uwsgi" in programs:
        if any(w in ("--uid", "--setuid") or w.startswith("--uid=") for w in words):
            return True
        for word in words:  # its configuration file: uid = www-data
            if word.endswith(".ini"):
                ini = context_text(project, dockerfile, start, word)
                if ini is not None and _UWSGI_UID.search(ini[1]):
                    return True
    return False
