"""Which Python versions a project's pinned packages have Linux wheels for, read from the
package index, for adopt to pick a Python when the project declares none.

A pin such as psycopg2-binary==2.9.5 ships compiled wheels for CPython 3.6 to 3.11 only: on
a newer Python, pip builds it from source, and the slim builder image has no compiler for
that. Pure-Python wheels (py3-none-any) and source-only packages say nothing here.

The index is read as pip reads it (PEP 691's JSON form of the simple API): PIP_INDEX_URL,
else PyPI; DOCKWRIGHT_INDEX_URL overrides both, and set empty turns the lookup off. Each
page is read within a few seconds and at most 4 MiB; any failure means "not known", never
an error: the guess then falls back to the template's default, and says why.
"""

from __future__ import annotations

import json
import os
import re
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

PYPI = "https://pypi.org/simple"
_ACCEPT = "application/vnd.pypi.simple.v1+json"
_TIMEOUT = 5.0
_LARGEST = 4 * 1024 * 1024
_MOST_PINS = 64
# name==version at the start of a requirements line (extras and markers allowed after).
_PIN = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*==\s*([A-Za-z0-9.+!_-]+)")
_WHEEL = re.compile(
    r"(?P<name>[^-]+)-(?P<version>[^-]+)(?:-\d[^-]*)?-(?P<py>[^-]+)-(?P<abi>[^-]+)-(?P<plat>[^-]+)\.whl"
)
_CPYTHON = re.compile(r"cp3(\d{1,2})")


@dataclass(frozen=True)
class Limit:
    """A pin that has compiled Linux wheels for some Python versions only."""

    pin: str  # name==version
    pythons: frozenset[str]  # the offered versions it has a wheel for


def pins(lines: Iterable[str]) -> list[tuple[str, str]]:
    """(name, version) of each `name==version` requirement, in order, at most _MOST_PINS."""
    found = []
    for line in lines:
        if m := _PIN.match(line.split("#", 1)[0]):
            found.append((m[1], m[2]))
    return found[:_MOST_PINS]


def index_url() -> str | None:
    """The simple index to read; None when the lookup is turned off."""
    url = os.environ.get("DOCKWRIGHT_INDEX_URL")
    if url is None:
        url = os.environ.get("PIP_INDEX_URL") or PYPI
    return url.rstrip("/") or None


def limits(
    pinned: list[tuple[str, str]], offered: tuple[str, ...], index: str
) -> tuple[list[Limit], list[str]]:
    """The pins that limit which of `offered` can install them from wheels, and the pins
    whose index page could not be read."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        pages = list(pool.map(lambda pin: _page(index, pin[0]), pinned))
    found, unread = [], []
    for (name, version), page in zip(pinned, pages, strict=True):
        if page is None:
            unread.append(name)
            continue
        pythons = _wheel_pythons(page, name, version, offered)
        if pythons is not None:
            found.append(Limit(f"{name}=={version}", pythons))
    return found, unread


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _page(index: str, name: str) -> list[str] | None:
    """The file names of name's index page; None when it cannot be read."""
    request = urllib.request.Request(f"{index}/{_normal(name)}/", headers={"Accept": _ACCEPT})
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT) as response:
            data = json.loads(response.read(_LARGEST + 1)[:_LARGEST])
        return [str(f["filename"]) for f in data["files"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _wheel_pythons(
    files: list[str], name: str, version: str, offered: tuple[str, ...]
) -> frozenset[str] | None:
    """The offered versions name==version has a Linux wheel for; None when it does not limit
    them (a pure-Python wheel, or no wheel at all: pip builds the sdist either way)."""
    pythons: set[str] = set()
    wheels = 0
    for filename in files:
        wheel = _WHEEL.fullmatch(filename)
        if not wheel or _normal(wheel["name"]) != _normal(name) or wheel["version"] != version:
            continue
        if "linux" not in wheel["plat"] and wheel["plat"] != "any":
            continue
        wheels += 1
        if wheel["abi"] == "none":
            return None  # pure Python: every version
        for tag in wheel["py"].split("."):
            if not (m := _CPYTHON.fullmatch(tag)):
                continue
            minor = int(m[1])
            for candidate in offered:
                other = int(candidate.split(".")[1])
                if other == minor or (wheel["abi"] == "abi3" and other >= minor):
                    pythons.add(candidate)
    return frozenset(pythons) if wheels else None
