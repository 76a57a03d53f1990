"""What the template supports, read from the template itself.

`template/includes/stacks.jinja` is the one source of the stack facts: the dependency
managers, the base images each builds on, the Python versions offered, the combinations
refused and why, and the versions of the tools the Dockerfiles install. copier.yml's
questions and validators read it, and so does every Python caller — adopt's detection,
tools/, the tests and the benchmarks — through this module; none of them restates it.
"""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def tables() -> Any:
    """stacks.jinja as a module: its tables (`stacks`, `bases`, `unsupported_python`,
    `postgres`, ...) and tool versions as attributes."""
    from dockwright import generate

    return generate.template_module("includes/stacks.jinja")


def python_versions() -> tuple[str, ...]:
    """The Python versions offered, oldest first."""
    return tuple(tables().python_versions)


def default_python() -> str:
    """The Python version the wizard proposes (copier.yml's python_version default)."""
    from dockwright import versions

    return str(versions.template_spec()["python_version"]["default"])


def managers() -> tuple[str, ...]:
    """The dependency managers, in the wizard's order."""
    return tuple(tables().stacks)


def bases(manager: str) -> tuple[str, ...]:
    """The base images a manager builds on."""
    return tuple(tables().stacks[manager]["bases"])


def all_bases() -> tuple[str, ...]:
    return tuple(tables().bases)


def tool_version(name: str) -> str:
    """The version of uv, poetry or pipenv that the Dockerfiles install."""
    return str(getattr(tables(), f"{name}_version"))


def relock(manager: str) -> dict[str, Any] | None:
    """How an adopted project's scripts/lock-<manager>.sh makes the manager's lock (its
    `lock` file from its `manifest`), or None: no such script for this manager."""
    found = tables().stacks[manager]["relock"]
    return dict(found) if found else None


def refusal(answers: dict[str, str]) -> str | None:
    """Why the template refuses this combination of package_manager, base_image, app_kind
    and python_version (the reasons copier.yml's validators give), or None. Missing answers
    refuse nothing."""
    t = tables()
    manager, base = answers.get("package_manager"), answers.get("base_image")
    app_kind, python = answers.get("app_kind", ""), answers.get("python_version")
    if manager and base and base not in t.stacks[manager]["bases"]:
        return f"{manager} does not build on {base}"
    if base and app_kind in t.bases[base]["refuses"]:
        return str(t.bases[base]["refuses"][app_kind])
    refused = t.unsupported_python.get(f"{manager}/{app_kind}", {})
    if python in refused:
        return str(refused[python])
    return None


def pythons_for(manager: str, app_kind: str) -> tuple[str, ...]:
    """The Python versions offered for a manager and app kind, oldest first."""
    answers = {"package_manager": manager, "app_kind": app_kind}
    return tuple(v for v in python_versions() if not refusal({**answers, "python_version": v}))
