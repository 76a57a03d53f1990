"""DW121: the image is built on a release that no longer gets security fixes.

A FROM line pinned to python:3.8, a Debian codename such as buster, ubuntu:18.04 or an old
alpine:3.x keeps building long after its vendor stopped fixing it. The official images of
such a release are no longer rebuilt, so fixes released later never reach them (the
`3.11.5-buster` tag that never came, docker-library/python#863,
https://github.com/docker-library/python/issues/863), and once the distribution's archive
moves away every `apt-get update` in the build fails (the Buster builds that broke in July
2025, https://github.com/geoadmin/mf-chsdi3/pull/4642 and
https://github.com/cve-search/CveXplore/issues/331).

The dates below are the vendors' own: the Python devguide's release status page, Debian's
LTS, Ubuntu's standard support and Alpine's release branches. A date given as a month
(2026-10) means the end of that month. A release the tables do not know is not judged.
"""

from __future__ import annotations

import calendar
import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass

from dockwright.check.dockerfile import Dockerfile, Stage
from dockwright.check.project import Project, Unparsable
from dockwright.check.registry import Hit, rule

# Python minor versions and the end of their security support (devguide.python.org/versions).
PYTHON = {
    "2.6": "2013-10-29",
    "2.7": "2020-01-01",
    "3.0": "2009-06-27",
    "3.1": "2012-04-09",
    "3.2": "2016-02-20",
    "3.3": "2017-09-29",
    "3.4": "2019-03-18",
    "3.5": "2020-09-30",
    "3.6": "2021-12-23",
    "3.7": "2023-06-27",
    "3.8": "2024-10-07",
    "3.9": "2025-10-31",
    "3.10": "2026-10",
    "3.11": "2027-10",
    "3.12": "2028-10",
    "3.13": "2029-10",
    "3.14": "2030-10",
    "3.15": "2031-10",
}
# Debian releases and the end of their LTS (wiki.debian.org/LTS).
DEBIAN = {
    "squeeze": "2016-02-29",
    "wheezy": "2018-05-31",
    "jessie": "2020-06-30",
    "stretch": "2022-06-30",
    "buster": "2024-06-30",
    "bullseye": "2026-08-31",
    "bookworm": "2028-06-30",
    "trixie": "2030-06-30",
}
DEBIAN_NUMBERS = {
    "6": "squeeze",
    "7": "wheezy",
    "8": "jessie",
    "9": "stretch",
    "10": "buster",
    "11": "bullseye",
    "12": "bookworm",
    "13": "trixie",
}
# Ubuntu releases and the end of their standard support (ubuntu.com/about/release-cycle).
UBUNTU = {
    "14.04": "2019-04",
    "16.04": "2021-04",
    "18.04": "2023-05-31",
    "18.10": "2019-07-18",
    "19.04": "2020-01-23",
    "19.10": "2020-07-17",
    "20.04": "2025-05-31",
    "20.10": "2021-07-22",
    "21.04": "2022-01-20",
    "21.10": "2022-07-14",
    "22.04": "2027-04",
    "22.10": "2023-07-20",
    "23.04": "2024-01-25",
    "23.10": "2024-07-11",
    "24.04": "2029-04",
    "24.10": "2025-07-10",
    "25.04": "2026-01",
    "25.10": "2026-07",
    "26.04": "2031-04",
}
UBUNTU_CODENAMES = {
    "trusty": "14.04",
    "xenial": "16.04",
    "bionic": "18.04",
    "cosmic": "18.10",
    "disco": "19.04",
    "eoan": "19.10",
    "focal": "20.04",
    "groovy": "20.10",
    "hirsute": "21.04",
    "impish": "21.10",
    "jammy": "22.04",
    "kinetic": "22.10",
    "lunar": "23.04",
    "mantic": "23.10",
    "noble": "24.04",
    "oracular": "24.10",
    "plucky": "25.04",
    "questing": "25.10",
    "resolute": "26.04",
}
UBUNTU_LTS = ("14.04", "16.04", "18.04", "20.04", "22.04", "24.04", "26.04")
# Alpine release branches and the end of their support (alpinelinux.org/releases).
ALPINE = {
    "3.0": "2016-05-01",
    "3.1": "2016-11-01",
    "3.2": "2017-05-01",
    "3.3": "2017-11-01",
    "3.4": "2018-05-01",
    "3.5": "2018-11-01",
    "3.6": "2019-05-01",
    "3.7": "2019-11-01",
    "3.8": "2020-05-01",
    "3.9": "2020-11-01",
    "3.10": "2021-05-01",
    "3.11": "2021-11-01",
    "3.12": "2022-05-01",
    "3.13": "2022-11-01",
    "3.14": "2023-05-01",
    "3.15": "2023-11-01",
    "3.16": "2024-05-23",
    "3.17": "2024-11-22",
    "3.18": "2025-05-09",
    "3.19": "2025-11-01",
    "3.20": "2026-04-01",
    "3.21": "2026-11-01",
    "3.22": "2027-05-01",
    "3.23": "2027-11-01",
}

# A version at the start of a tag: 3.12, 3.12.4, 2 (each part matched once, no backtracking).
_VERSION = re.compile(r"([0-9]+)(?:\.([0-9]+))?")
# $NAME, ${NAME} or ${NAME:-default} in a FROM line.
_VARIABLE = re.compile(r"\$\{?(\w+)(?::?-([^}]*))?\}?")


@rule(
    "DW121",
    "warning",
    "the image is built on a release that no longer gets security fixes",
    "a Python, Debian, Ubuntu or Alpine release past its end of support gets no security "
    "fixes: its images are no longer rebuilt, and its package archive is moved away until "
    "apt-get update fails",
    "move the FROM line to a supported release (the finding names the nearest one; "
    "python:3.13-slim and debian:trixie-slim are supported for years)",
)
def end_of_life_base(project: Project) -> Iterator[Hit]:
    yield from end_of_life_bases(project, datetime.date.today())


def end_of_life_bases(project: Project, today: datetime.date) -> Iterator[Hit]:
    """The findings as of today (a parameter, so the dates can be tested)."""
    overridden = compose_build_args(project)
    for dockerfile in project.production_dockerfiles():
        defaults = dockerfile.global_args
        for stage in shipped_stages(dockerfile):
            resolved = resolve(stage.image, defaults, overridden)
            if resolved is None:
                continue
            image, given = resolved
            detail = unsupported(image, today)
            if detail is None:
                continue
            where = f"{stage.image} ({given}: {image})" if given else image
            yield Hit(dockerfile.name, stage.line, f"{where} {detail}")


@dataclass(frozen=True)
class Ended:
    """A release past its end of support: its name and the date it ended, as published."""

    release: str
    ended: str

    def __str__(self) -> str:
        return f"{self.release} (support ended {self.ended})"


def unsupported(image: str, today: datetime.date) -> str | None:
    """What in image (a reference without variables) is past its end of support on today,
    and the nearest image that is not; None when nothing known to it has ended."""
    name, tag = split_reference(image)
    if not tag:
        return None
    base = name.rsplit("/", 1)[-1]
    parts = tag.split("-")
    ended: list[Ended] = []
    judge_first = {"python": _python, "debian": _debian, "ubuntu": _ubuntu, "alpine": _alpine}
    first = judge_first.get(base)
    if first is not None:
        found = first(parts[0], today)
        if found is not None:
            ended.append(found[0])
            rest = parts[1:]
            if base in ("debian", "ubuntu"):
                rest = [p for p in rest if not p.isdigit()]  # a date stamp (-20240612)
            parts = [found[1], *rest]
    start = 1 if base in judge_first else 0
    for index in range(start, len(parts)):
        found = _debian_codename(parts[index], today) or _alpine_variant(parts[index], today)
        if found is not None:
            ended.append(found[0])
            parts[index] = found[1]
    if not ended:
        return None
    said = " and ".join(str(e) for e in ended)
    return f"is built on {said}; the nearest supported image is {name}:{'-'.join(parts)}"


def split_reference(image: str) -> tuple[str, str]:
    """An image reference's name and tag (lowercased; "" without a tag), its digest left out."""
    reference = image.lower().partition("@")[0]
    slash = reference.rfind("/")
    name, colon, tag = reference[slash + 1 :].partition(":")
    return reference[: slash + 1] + name, tag if colon else ""


def end_date(ended: str) -> datetime.date:
    """A published end of support as a date: a month alone is its last day."""
    numbers = [int(n) for n in ended.split("-")]
    if len(numbers) == 2:
        numbers.append(calendar.monthrange(numbers[0], numbers[1])[1])
    return datetime.date(numbers[0], numbers[1], numbers[2])


def is_over(ended: str, today: datetime.date) -> bool:
    return end_date(ended) < today


def nearest_supported(table: dict[str, str], today: datetime.date) -> str | None:
    """The oldest release of table (in its order) still supported on today: the smallest
    step away from an ended one."""
    return next((r for r, ended in table.items() if not is_over(ended, today)), None)


def _replaced(release: str | None, fallback: str) -> str:
    return release if release is not None else fallback


def _python(part: str, today: datetime.date) -> tuple[Ended, str] | None:
    """python:3.8-slim: Python 3.8. A tag of the major version alone (python:3) moves with
    the releases, except python:2, which is 2.7."""
    match = _VERSION.match(part)
    if match is None:
        return None
    major, minor = match[1], match[2]
    if minor is None and major != "2":
        return None
    version = f"{major}.{minor}" if minor is not None else "2.7"
    ended = PYTHON.get(version)
    if ended is None or not is_over(ended, today):
        return None
    newer = {v: e for v, e in PYTHON.items() if v.startswith("3.")}
    return Ended(f"Python {version}", ended), _replaced(nearest_supported(newer, today), version)


def _debian(part: str, today: datetime.date) -> tuple[Ended, str] | None:
    """debian:buster-slim, debian:10, debian:10.13: a codename or a version number."""
    number = part.partition(".")[0]
    codename = DEBIAN_NUMBERS.get(number) if number.isdigit() else part
    if codename is None or codename not in DEBIAN or not is_over(DEBIAN[codename], today):
        return None
    replacement = _replaced(nearest_supported(DEBIAN, today), codename)
    if number.isdigit():
        numbers = {c: n for n, c in DEBIAN_NUMBERS.items()}
        replacement = numbers.get(replacement, number)
    return Ended(f"Debian {codename}", DEBIAN[codename]), replacement


def _ubuntu(part: str, today: datetime.date) -> tuple[Ended, str] | None:
    """ubuntu:18.04 or ubuntu:bionic; the replacement is the oldest supported LTS."""
    version = UBUNTU_CODENAMES.get(part, part)
    ended = UBUNTU.get(version)
    if ended is None or not is_over(ended, today):
        return None
    lts = {v: UBUNTU[v] for v in UBUNTU_LTS}
    replacement = _replaced(nearest_supported(lts, today), version)
    if part in UBUNTU_CODENAMES:
        codenames = {v: c for c, v in UBUNTU_CODENAMES.items()}
        replacement = codenames[replacement]
    return Ended(f"Ubuntu {version}", ended), replacement


def _alpine(part: str, today: datetime.date) -> tuple[Ended, str] | None:
    """alpine:3.18 or alpine:3.18.4 (alpine:3 moves with the releases)."""
    numbers = part.split(".")
    if len(numbers) not in (2, 3) or not all(n.isdigit() for n in numbers):
        return None
    version = f"{numbers[0]}.{numbers[1]}"
    ended = ALPINE.get(version)
    if ended is None or not is_over(ended, today):
        return None
    replacement = _replaced(nearest_supported(ALPINE, today), version)
    return Ended(f"Alpine {version}", ended), replacement


def _debian_codename(part: str, today: datetime.date) -> tuple[Ended, str] | None:
    """A Debian codename in another image's tag (python:3.12-slim-bullseye)."""
    if part not in DEBIAN or not is_over(DEBIAN[part], today):
        return None
    return Ended(f"Debian {part}", DEBIAN[part]), _replaced(nearest_supported(DEBIAN, today), part)


def _alpine_variant(part: str, today: datetime.date) -> tuple[Ended, str] | None:
    """An Alpine branch in another image's tag (python:3.12-alpine3.18)."""
    if not part.startswith("alpine") or part == "alpine":
        return None
    found = _alpine(part.removeprefix("alpine"), today)
    return None if found is None else (found[0], "alpine" + found[1])


# --- which stages, and what their FROM lines name ----------------------------------------


def shipped_stages(dockerfile: Dockerfile) -> list[Stage]:
    """The first stages of every lineage whose files end in the final image: the final
    lineage's, and those of the stages it copies or mounts from (a builder's Python made
    the environment the image runs), in the order of the Dockerfile."""
    reached: dict[int, Stage] = {}
    pending = list(dockerfile.final_lineage)
    while pending:
        stage = pending.pop()
        if stage.index in reached:
            continue
        reached[stage.index] = stage
        if stage.parent is not None:
            pending.append(dockerfile.stages[stage.parent])
        references = [reference for _, reference in stage.copies_from()]
        references += [
            mount["from"]
            for ins in stage.instructions
            if ins.keyword == "RUN"
            for mount in ins.mounts()
            if mount.get("from")
        ]
        for reference in references:
            source = dockerfile.stage(reference)
            if source is not None:
                pending.append(source)
    roots = [stage for stage in reached.values() if stage.parent is None]
    return sorted(roots, key=lambda stage: stage.index)


def resolve(image: str, defaults: dict[str, str], overridden: set[str]) -> tuple[str, str] | None:
    """image with its variables replaced by their defaults, and which defaults were used
    ("" when none); None when a variable has no default here, or compose passes it."""
    used: list[str] = []
    unknown = False

    def value(match: re.Match[str]) -> str:
        nonlocal unknown
        name = match[1]
        given = defaults.get(name) or match[2]
        if not given or name in overridden:
            unknown = True
            return ""
        used.append(f"{name}={given}")
        return given

    resolved = _VARIABLE.sub(value, image)
    if unknown or "$" in resolved:
        return None
    said = ", ".join(used)
    return resolved, f"the default {said}" if used else ""


def compose_build_args(project: Project) -> set[str]:
    """The build arguments compose passes: their values, not the ARG defaults, are built.
    A compose file that cannot be read passes none here (DW100 reports it)."""
    names: set[str] = set()
    for path in project.compose_files():
        try:
            services = project.compose(path).services.values()
        except Unparsable:
            continue
        for service in services:
            build = service.options.get("build")
            args = build.get("args") if isinstance(build, dict) else None
            if isinstance(args, dict):
                names |= {str(key) for key in args}
            elif isinstance(args, list):
                names |= {str(item).partition("=")[0] for item in args}
    return names
