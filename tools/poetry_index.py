"""Point a poetry project at PyPI's simple index, and back.

poetry reads PyPI through its per-version JSON API (/pypi/NAME/VERSION/json). A PyPI proxy
that serves only the standard simple index (/simple/NAME/, PEP 503/691) answers those reads
with 404, so poetry can neither lock nor install through it. The same index declared as an
explicit poetry source is read through the simple API, and yields the same files and hashes.

- tools/lock.py locks through that source, then attributes the packages back to PyPI
  (use_pypi), so the shipped poetry.lock is what poetry writes against pypi.org;
- the Docker tests and the benchmark do the reverse before building, where PyPI is reached
  through such a proxy (use_simple_index_where_needed).

Either way the lock's content-hash is recomputed by poetry itself.
"""

from __future__ import annotations

import functools
import re
import urllib.error
import urllib.request
import warnings
from pathlib import Path

SOURCE = """
[[tool.poetry.source]]
name = "pypi-simple"
url = "https://pypi.org/simple/"
priority = "primary"
"""
LOCK_SOURCE = """
[package.source]
type = "legacy"
url = "https://pypi.org/simple"
reference = "pypi-simple"
"""


@functools.cache
def pypi_json_api_answers() -> bool:
    """Whether PyPI's per-version JSON API answers here."""
    try:
        with urllib.request.urlopen("https://pypi.org/pypi/six/1.16.0/json", timeout=10):
            return True
    except (urllib.error.URLError, TimeoutError):
        return False


def use_simple_index_where_needed(project: Path) -> None:
    """use_simple_index, only where PyPI's JSON API does not answer. The Dockerfiles, the
    commands and the locked versions stay the generated ones."""
    if not pypi_json_api_answers():
        use_simple_index(project)


def use_simple_index(project: Path) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + SOURCE)
    lock = project / "poetry.lock"
    blocks = re.split(r"(?m)^(?=\[\[package\]\]$|\[metadata\]$)", lock.read_text())
    lock.write_text(
        "".join(
            block.rstrip("\n") + "\n" + LOCK_SOURCE + "\n"
            if block.startswith("[[package]]")
            else block
            for block in blocks
        )
    )
    rehash(project)


def use_pypi(project: Path) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(SOURCE, ""))
    lock = project / "poetry.lock"
    lock.write_text(lock.read_text().replace(LOCK_SOURCE, ""))
    rehash(project)


def rehash(project: Path) -> None:
    """Set poetry.lock's content-hash to what poetry computes for pyproject.toml."""
    with warnings.catch_warnings():  # poetry's dependencies use deprecated importlib APIs
        warnings.simplefilter("ignore", DeprecationWarning)
        from poetry.factory import Factory

    content_hash = Factory().create_poetry(project).locker._get_content_hash()
    lock = project / "poetry.lock"
    text, count = re.subn(
        r'(?m)^content-hash = "[0-9a-f]+"$', f'content-hash = "{content_hash}"', lock.read_text()
    )
    assert count == 1, "poetry.lock has one content-hash"
    lock.write_text(text)
