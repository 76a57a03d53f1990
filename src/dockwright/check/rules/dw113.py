"""DW113: a secret in an ARG or ENV, or a password in a URL, in any stage.

ENV values are in the image's config and build arguments in its history (`docker history`,
`docker inspect`) for anyone who pulls it, builder stages included when the build cache or
an intermediate image is pushed: Docker's own build check SecretsUsedInArgOrEnv, and the
leaked-token reports of images pushed with `--build-arg NPM_TOKEN` or an
`--extra-index-url https://user:token@...` in a RUN.
"""

from __future__ import annotations

from collections.abc import Iterator

from dockwright.check.dockerfile import Instruction
from dockwright.check.project import Project
from dockwright.check.registry import Hit, rule
from dockwright.check.sensitive import credentials, secret_name


@rule(
    "DW113",
    "warning",
    "a secret in a build argument, an environment variable or a URL",
    "ARG and ENV values stay in the image's history and config, readable by anyone who "
    "pulls it (builder stages too, through a pushed build cache)",
    "pass secrets at build time with RUN --mount=type=secret (pip reads the index URL from "
    "it), and at run time from the environment or a secrets file, never in the Dockerfile",
)
def secrets_in_image(project: Project) -> Iterator[Hit]:
    for dockerfile in project.sound_dockerfiles():
        for ins in dockerfile.instructions:
            names = _declared(ins)
            for name in names:
                if secret_name(name):
                    yield Hit(dockerfile.name, ins.line, f"{ins.keyword} {name}")
            if ins.keyword in ("ARG", "ENV", "RUN") and credentials(ins.script):
                yield Hit(dockerfile.name, ins.line, f"a password in a URL ({ins.keyword})")


def _declared(ins: Instruction) -> list[str]:
    """The names an ARG declares, and the names an ENV sets to a value (not to nothing)."""
    words = ins.arguments
    if ins.keyword == "ARG":
        return [w.partition("=")[0] for w in words]
    if ins.keyword != "ENV" or not words:
        return []
    if "=" not in words[0]:  # ENV NAME value
        return [words[0]] if len(words) > 1 and words[1] else []
    return [name for name, _, value in (w.partition("=") for w in words) if name and value]
