"""DW113: a secret in an ARG or ENV, or a password in a URL, in any stage.

ENV values are in the image's config and build arguments in its history (`docker history`,
`docker inspect`) for anyone who pulls it, builder stages included when the build cache or
an intermediate image is pushed: Docker's own build check SecretsUsedInArgOrEnv, and the
leaked-token reports of images pushed with `--build-arg NPM_TOKEN` or an
`--extra-index-url https://user:token@...` in a RUN.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dockwright.check.dockerfile import Instruction
from dockwright.check.project import Project
from dockwright.check.registry import Hit, rule

# The last part of a name that holds a secret: GITHUB_TOKEN, DB_PASSWORD, AWS_SECRET_ACCESS_KEY.
SECRET_PARTS = frozenset({"TOKEN", "PASSWORD", "PASSWD", "SECRET", "KEY", "APIKEY", "CREDENTIALS"})
# Names ending so that are not secrets: a public key, the key's id or the key that signs a
# download (the official python images set GPG_KEY).
HARMLESS = re.compile(r"(?:^|_)(?:PUBLIC|PUB)(?:_|$)|^GPG_KEY$")
# Front-end build variables, compiled into the JavaScript every browser downloads: public by
# design (Vite, Next.js, Create React App, Nuxt, Expo).
PUBLISHED = ("VITE_", "NEXT_PUBLIC_", "REACT_APP_", "NUXT_PUBLIC_", "EXPO_PUBLIC_")
# Words that make a name a switch about a secret, not the secret (USE_ID_TOKEN=true).
SWITCHES = frozenset({"USE", "ENABLE", "ENABLED", "DISABLE", "REQUIRE", "VERIFY", "SKIP", "NO"})
_NAME_SPLIT = re.compile(r"[^A-Z0-9]+")
# How far after :// the user and password are looked for.
AUTHORITY = 512


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


def secret_name(name: str) -> bool:
    upper = name.upper()
    parts = [p for p in _NAME_SPLIT.split(upper) if p]
    return (
        bool(parts)
        and parts[-1] in SECRET_PARTS
        and not HARMLESS.search(upper)
        and not upper.startswith(PUBLISHED)
        and not SWITCHES & set(parts[:-1])
    )


def credentials(text: str) -> bool:
    """Whether a URL in text holds a literal password (scheme://user:password@host); one
    given by a variable (`https://user:${TOKEN}@...`) is the variable's rule's."""
    start = text.find("://")
    while start != -1:
        chunk = text[start + 3 : start + 3 + AUTHORITY]
        authority = re.split(r"[\s/'\"?#]", chunk, maxsplit=1)[0]
        user, at, _ = authority.rpartition("@")
        if at and ":" in user:
            password = user.partition(":")[2]
            if password and not password.startswith("$"):
                return True
        start = text.find("://", start + 3)
    return False
