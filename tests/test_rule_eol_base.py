"""DW121: base images on a Python, Debian, Ubuntu or Alpine release past its end of support.

The cases checked against today's date use releases long ended (python:3.7, ubuntu:18.04)
or supported for years (python:3.13, until 2029); the boundaries are tested with a date
given to the rule's helpers.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from dockwright.check import Finding, audit, check
from dockwright.check.rules.dw121 import end_of_life_bases, unsupported
from repos import write

BUILDER = """
    FROM {builder} AS builder
    RUN python -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir flask==2.2.5
    FROM {final}
    COPY --from=builder /opt/venv /opt/venv
    USER 10001
    CMD ["/opt/venv/bin/flask", "run"]
"""


def found(root: Path, files: dict[str, str]) -> list[Finding]:
    write(root, files)
    return [f for f in check(root) if f.rule == "DW121"]


@pytest.mark.parametrize(
    ("dockerfile", "line", "said"),
    [
        ("FROM python:3.7-slim\nUSER 10001\n", 1, "Python 3.7 (support ended 2023-06-27)"),
        ("FROM ubuntu:18.04\nUSER 10001\n", 1, "Ubuntu 18.04 (support ended 2023-05-31)"),
        ("FROM ubuntu:bionic-20230530\nUSER 10001\n", 1, "Ubuntu 18.04"),
        ("FROM python:3.13-slim-buster\nUSER 10001\n", 1, "Debian buster"),
        ("FROM debian:10-slim\nUSER 10001\n", 1, "Debian buster (support ended 2024-06-30)"),
        ("FROM alpine:3.16.2\nUSER 10001\n", 1, "Alpine 3.16 (support ended 2024-05-23)"),
        ("FROM python:3.13-alpine3.17\nUSER 10001\n", 1, "Alpine 3.17"),
        ("FROM docker.io/library/python:2.7@sha256:0123abcd\nUSER 10001\n", 1, "Python 2.7"),
        ("FROM python:2-slim\nUSER 10001\n", 1, "Python 2.7"),
        (
            "FROM --platform=linux/amd64 python:3.7-slim AS base\nRUN true\n"
            "FROM base AS runtime\nUSER 10001\n",
            1,
            "Python 3.7",
        ),
        (BUILDER.format(builder="python:3.7", final="python:3.13-slim"), 1, "Python 3.7"),
        (
            "ARG PYTHON_VERSION=3.7\nFROM python:${PYTHON_VERSION}-slim\nUSER 10001\n",
            2,
            "(the default PYTHON_VERSION=3.7: python:3.7-slim) is built on Python 3.7",
        ),
        ("FROM python:${PY:-3.6}\nUSER 10001\n", 1, "the default PY=3.6"),
    ],
)
def test_an_ended_release_is_named_with_its_end_and_a_replacement(
    tmp_path: Path, dockerfile: str, line: int, said: str
) -> None:
    [finding] = found(tmp_path, {"Dockerfile": dockerfile})
    assert finding.line == line
    assert said in finding.detail
    assert "the nearest supported image is " in finding.detail
    assert finding.severity == "warning"


@pytest.mark.parametrize(
    "dockerfile",
    [
        "FROM python:3.13-slim\nUSER 10001\n",
        "FROM python:3.13-slim-trixie\nUSER 10001\n",
        "FROM debian:trixie-slim\nUSER 10001\n",
        "FROM ubuntu:24.04\nUSER 10001\n",
        "FROM python:latest\nUSER 10001\n",  # unpinned: DW106's
        "FROM python\nUSER 10001\n",
        "FROM python@sha256:0123abcd\nUSER 10001\n",  # a digest alone names no release
        "FROM python:3-slim\nUSER 10001\n",  # moves with the releases
        "FROM alpine:3\nUSER 10001\n",
        "FROM debian:stable-slim\nUSER 10001\n",
        "FROM nvidia/cuda:11.8.0-runtime-ubuntu20.04\nUSER 10001\n",  # out of scope
        "FROM python:${PYTHON_VERSION}-slim\nUSER 10001\n",  # no default: not known here
        "ARG PYTHON_VERSION\nFROM python:${PYTHON_VERSION}-slim\nUSER 10001\n",
        "FROM python:3.7 AS lint\nRUN true\nFROM python:3.13-slim\nUSER 10001\n",  # not shipped
        BUILDER.format(builder="python:3.13", final="python:3.13-slim"),
    ],
)
def test_supported_unknown_or_unshipped_bases_pass(tmp_path: Path, dockerfile: str) -> None:
    assert found(tmp_path, {"Dockerfile": dockerfile}) == []


def test_a_default_compose_overrides_is_not_judged(tmp_path: Path) -> None:
    files = {
        "Dockerfile": "ARG PYTHON_VERSION=3.7\nFROM python:${PYTHON_VERSION}-slim\nUSER 10001\n",
        "compose.yaml": """
            services:
              app:
                build:
                  context: .
                  args:
                    PYTHON_VERSION: "3.13"
        """,
    }
    assert found(tmp_path, files) == []


def test_development_dockerfiles_are_not_judged(tmp_path: Path) -> None:
    files = {
        "Dockerfile.dev": "FROM python:3.7\n",
        "Dockerfile": "FROM python:3.13-slim\nUSER 10001\n",
    }
    assert found(tmp_path, files) == []


def test_a_stage_built_on_an_old_stage_is_one_finding_at_the_first_from(tmp_path: Path) -> None:
    dockerfile = (
        "FROM python:3.7-slim AS base\nRUN true\nFROM base AS builder\nRUN true\n"
        "FROM base\nCOPY --from=builder /opt/venv /opt/venv\nUSER 10001\n"
    )
    assert [f.line for f in found(tmp_path, {"Dockerfile": dockerfile})] == [1]


# --- the dates, given ---------------------------------------------------------------------


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


@pytest.mark.parametrize(
    ("image", "last_supported", "first_ended"),
    [
        ("python:3.9-slim", "2025-10-31", "2025-11-01"),
        ("python:3.10-slim", "2026-10-31", "2026-11-01"),  # the devguide gives 2026-10
        ("python:3.11-slim", "2027-10-31", "2027-11-01"),
        ("python:3.13-slim-bullseye", "2026-08-31", "2026-09-01"),
        ("debian:bullseye-slim", "2026-08-31", "2026-09-01"),
        ("ubuntu:20.04", "2025-05-31", "2025-06-01"),
        ("ubuntu:jammy", "2027-04-30", "2027-05-01"),
        ("alpine:3.21", "2026-11-01", "2026-11-02"),
    ],
)
def test_a_release_ends_the_day_after_its_end_of_support(
    image: str, last_supported: str, first_ended: str
) -> None:
    assert unsupported(image, day(last_supported)) is None
    assert unsupported(image, day(first_ended)) is not None


@pytest.mark.parametrize(
    ("image", "on", "replacement"),
    [
        ("python:3.10-slim", "2026-11-22", "python:3.11-slim"),
        ("python:3.10-slim", "2027-11-01", "python:3.12-slim"),
        ("python:3.8.17-slim-buster", "2026-11-22", "python:3.11-slim-bookworm"),
        ("python:3.12-bullseye", "2026-11-22", "python:3.12-bookworm"),
        ("python:3.11-alpine3.18", "2026-11-22", "python:3.11-alpine3.22"),
        ("debian:10.13-slim", "2026-11-22", "debian:12-slim"),
        ("debian:buster-20240612-slim", "2026-11-22", "debian:bookworm-slim"),
        ("ubuntu:18.04", "2026-11-22", "ubuntu:22.04"),
        ("ubuntu:focal-20250404", "2026-11-22", "ubuntu:jammy"),
        ("alpine:3.19.1", "2026-11-22", "alpine:3.22"),
        ("node:16-buster-slim", "2026-11-22", "node:16-bookworm-slim"),
    ],
)
def test_the_replacement_is_the_oldest_supported_release_in_the_same_shape(
    image: str, on: str, replacement: str
) -> None:
    detail = unsupported(image, day(on))
    assert detail is not None
    assert detail.endswith(f"the nearest supported image is {replacement}")


def test_both_ended_releases_of_one_tag_are_named() -> None:
    detail = unsupported("python:3.8-slim-buster", day("2026-11-22"))
    assert detail is not None
    assert "Python 3.8 (support ended 2024-10-07) and Debian buster" in detail


def test_the_python_versions_dockwright_generates_are_supported_until_their_end(
    tmp_path: Path,
) -> None:
    """A generated Dockerfile's ARG PYTHON_VERSION is judged as time passes."""
    dockerfile = (
        "ARG PYTHON_VERSION=3.11\nFROM python:${PYTHON_VERSION}-slim AS builder\nRUN true\n"
        "FROM python:${PYTHON_VERSION}-slim AS runtime\n"
        "COPY --from=builder /opt/venv /opt/venv\nUSER 10001\n"
    )
    write(tmp_path, {"Dockerfile": dockerfile})
    project = audit(tmp_path).project
    assert project is not None
    assert list(end_of_life_bases(project, day("2027-10-31"))) == []
    hits = list(end_of_life_bases(project, day("2027-11-01")))
    assert [hit.line for hit in hits] == [2, 4]
    assert all("the default PYTHON_VERSION=3.11" in hit.detail for hit in hits)
