"""Write template/includes/names.jinja: the Python package names a project may not take.

A project's package sits on the import path ahead of site-packages, so a project named
`flask`, `json` or `pytest` would be imported in place of the real module, and its own
tests would fail. The names come from three places:
- the standard library of every Python version the template offers (this Python's
  sys.stdlib_module_names, plus the modules newer versions added);
- the distributions the shipped locks and pins install (prod and dev), by import name;
- Python's keywords (an `import class` is a SyntaxError), and the folders the template
  itself puts beside the package.

    python tools/reserved_names.py       # rewrites the file; a test checks it is current
"""

from __future__ import annotations

import keyword
import re
import sys
from pathlib import Path

from dockwright import stacks

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "template" / "includes" / "names.jinja"

# Modules the standard library gained after 3.11 (3.12: none public; 3.14: annotationlib,
# compression).
NEWER_STDLIB = {"annotationlib", "compression"}
# Distributions whose import name differs from their name, and tools in the images.
IMPORT_NAMES = {
    "scikit-learn": ["sklearn"],
    "pytest": ["pytest", "_pytest", "py"],
    "pip-tools": ["piptools"],
    "psycopg-binary": ["psycopg_binary"],
    "setuptools": ["setuptools", "pkg_resources", "_distutils_hack"],
}
TOOLS = [*stacks.managers(), "virtualenv", "setuptools", "wheel"]
FOLDERS = ["tests", "scripts", "data", "models", "requirements"]


def distributions() -> set[str]:
    names = set(TOOLS)
    locks = ROOT / "template" / "includes"
    for lock in (locks / "locks" / "uv").glob("*.lock"):
        names.update(re.findall(r'^name = "([a-z0-9._-]+)"$', lock.read_text(), re.M))
    for pins in (locks / "pins").rglob("*.txt"):
        names.update(re.findall(r"^([a-z0-9._-]+)==", pins.read_text(), re.M))
    return names


def render() -> str:
    reserved: dict[str, str] = {}
    for name in sorted(sys.stdlib_module_names | NEWER_STDLIB):
        if not name.startswith("_"):
            reserved[name] = f"shadows the standard library's {name} module"
    for dist in sorted(distributions()):
        for module in IMPORT_NAMES.get(dist, [dist.replace("-", "_").replace(".", "_")]):
            reserved.setdefault(module, f"shadows the {dist} package the images install")
    for word in sorted([*keyword.kwlist, *keyword.softkwlist]):
        if word.islower() and word.isidentifier():
            reserved.setdefault(word, f"is a Python keyword (`import {word}` is a syntax error)")
    for folder in FOLDERS:
        reserved.setdefault(folder, f"is the name of the project's own {folder}/ folder")
    entries = "\n".join(f"  {name!r}: {why!r}," for name, why in sorted(reserved.items()))
    return (
        "{#\n  Package names a project may not take: made by tools/reserved_names.py; "
        "do not edit.\n#}\n"
        "{% set reserved = {\n" + entries + "\n} %}\n"
    )


def main() -> None:
    TARGET.write_text(render())


if __name__ == "__main__":
    main()
