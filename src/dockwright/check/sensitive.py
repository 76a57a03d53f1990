"""What looks like a secret: a variable's name (DW113 in Dockerfiles, DW117 in compose
files) and a URL with a literal password."""

from __future__ import annotations

import re

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
    return bool(credential_hosts(text))


def credential_hosts(text: str) -> list[str]:
    """The hosts (lowercased, without a port) of the URLs in text that hold a literal
    password, in order."""
    hosts = []
    start = text.find("://")
    while start != -1:
        chunk = text[start + 3 : start + 3 + AUTHORITY]
        authority = re.split(r"[\s/'\"?#]", chunk, maxsplit=1)[0]
        user, at, host = authority.rpartition("@")
        if at and ":" in user:
            password = user.partition(":")[2]
            if password and not password.startswith("$"):
                hosts.append(host.partition(":")[0].lower())
        start = text.find("://", start + 3)
    return hosts
