"""DW109: a lock that misses what its manifest names."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dockwright.check.managers import is_local, normalize, requirement_name
from dockwright.check.project import (
    Project,
    Unparsable,
    inside,
    is_file,
    kind_of,
    listed,
    names,
    strings,
    table,
)
from dockwright.check.registry import Hit, rule
from dockwright.files import kind


@rule(
    "DW109",
    "warning",
    "lock file stale against its manifest",
    "a dependency in the manifest is missing from the lock (or the lock was made from "
    "other files), so the build installs something else than the manifest says, or fails",
    "re-lock (uv lock, poetry lock, pipenv lock, pip-compile, scripts/lock-conda.sh)",
)
def stale_lock(project: Project) -> Iterator[Hit]:
    for context in project.contexts():
        yield from _pyproject_locks(project, context)
        yield from _pipfile_lock(project, context)
        yield from _pip_tools(project, context)
        yield from _conda_lock(project, context)


def _missing(project: Project, names_: set[str], manifest: Path, lock: Path) -> Iterator[Hit]:
    if names_:
        yield Hit(
            project.name(lock),
            None,
            f"{', '.join(sorted(names_))} in {project.name(manifest)} but not in "
            f"{project.name(lock)}",
        )


def _pyproject_locks(project: Project, context: Path) -> Iterator[Hit]:
    pyproject = context / "pyproject.toml"
    wanted = {requirement_name(d) for d in _declared(pyproject, project.toml(pyproject))}
    locks = [context / n for n in ("uv.lock", "poetry.lock") if is_file(context / n)]
    for lock in locks:
        yield from _missing(project, wanted - _locked(lock, project.toml(lock)), pyproject, lock)


def _declared(path: Path, pyproject: dict[str, Any]) -> list[str]:
    """The dependencies pyproject.toml names: PEP 621 (with extras and groups) and poetry's."""
    project = table(path, pyproject.get("project"), "[project]")
    declared = strings(path, project.get("dependencies"), "project.dependencies")
    extras = table(path, project.get("optional-dependencies"), "project.optional-dependencies")
    for extra, specs in extras.items():
        declared += strings(path, specs, f"project.optional-dependencies.{extra}")
    groups = table(path, pyproject.get("dependency-groups"), "[dependency-groups]")
    for group, specs in groups.items():  # strings, and {include-group = "..."} tables
        declared += [
            d for d in listed(path, specs, f"dependency-groups.{group}") if isinstance(d, str)
        ]
    tool = table(path, pyproject.get("tool"), "[tool]")
    poetry = table(path, tool.get("poetry"), "[tool.poetry]")
    where = "tool.poetry.dependencies"
    declared += [k for k in table(path, poetry.get("dependencies"), where) if k != "python"]
    for group, spec in table(path, poetry.get("group"), "tool.poetry.group").items():
        where = f"tool.poetry.group.{group}"
        declared += list(
            table(path, table(path, spec, where).get("dependencies"), f"{where}.dependencies")
        )
    return [d for d in declared if not is_local(d)]


def _locked(lock: Path, data: dict[str, Any]) -> set[str]:
    """The package names a uv.lock or poetry.lock holds."""
    found = set()
    for package in listed(lock, data.get("package"), "package"):
        name = table(lock, package, "each [[package]]").get("name", "")
        if not isinstance(name, str):
            raise Unparsable(lock, f"a package's name should be text, not {kind_of(name)}")
        found.add(normalize(name))
    return found


def _pipfile_lock(project: Project, context: Path) -> Iterator[Hit]:
    pipfile, pipfile_lock = context / "Pipfile", context / "Pipfile.lock"
    if not (is_file(pipfile) and is_file(pipfile_lock)):
        return
    spec = project.toml(pipfile)
    locked = project.json_object(pipfile_lock)
    for section, locked_section in (("packages", "default"), ("dev-packages", "develop")):
        wanted = {normalize(k) for k in table(pipfile, spec.get(section), f"[{section}]")}
        have = {
            normalize(k)
            for k in table(
                pipfile_lock, locked.get(locked_section), locked_section, "a JSON object"
            )
        }
        yield from _missing(project, wanted - have, pipfile, pipfile_lock)
    meta = table(pipfile_lock, locked.get("_meta"), "_meta", "a JSON object")
    recorded = table(pipfile_lock, meta.get("hash"), "_meta.hash", "a JSON object").get("sha256")
    if isinstance(recorded, str) and recorded != _pipfile_hash(spec):
        yield Hit(
            project.name(pipfile_lock),
            None,
            f"{project.name(pipfile_lock)} was made from another {project.name(pipfile)} (its "
            "_meta.hash differs): `pipenv install --deploy`, which the build runs, refuses it",
        )


def _pipfile_hash(spec: dict[str, Any]) -> str:
    """The hash pipenv records in Pipfile.lock's _meta for this Pipfile (plette's
    Pipfile.get_hash): its sources (PyPI's when it names none), requires and package
    sections, as sorted, compact JSON."""
    sources = spec.get("source") or [
        {"name": "pypi", "url": "https://pypi.org/simple", "verify_ssl": True}
    ]
    data: dict[str, Any] = {
        "_meta": {"sources": sources, "requires": spec.get("requires", {})},
        "default": spec.get("packages", {}),
        "develop": spec.get("dev-packages", {}),
    }
    own = {"source", "packages", "dev-packages", "requires", "scripts", "pipfile", "pipenv"}
    for category, values in spec.items():
        if category not in own and category not in ("default", "develop"):
            data[category] = values
    content = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def _pip_tools(project: Project, context: Path) -> Iterator[Hit]:
    """pip-tools' .in files (requirements/*.in, then *.in) against their compiled .txt."""
    folder = context / "requirements"
    nested = names(folder) if kind(folder) == "directory" else []
    sources = [folder / n for n in nested if n.endswith(".in")] + [
        context / n for n in names(context) if n.endswith(".in")
    ]
    for source in sources:
        compiled = source.with_suffix(".txt")
        if is_file(compiled) and is_file(source):
            wanted = {requirement_name(s) for s in _specs(project, source)}
            have = {requirement_name(s) for s in _specs(project, compiled)}
            yield from _missing(project, wanted - have, source, compiled)


def _specs(project: Project, path: Path) -> Iterator[str]:
    """The package requirements of a requirements file: not options (-e ., -r x.txt), not
    paths or URLs (`.`, ./lib)."""
    for line in project.text(path, strict=False).splitlines():
        spec = line.split("#")[0].strip()
        if spec and not spec.startswith("-") and not is_local(spec):
            yield spec


def _conda_lock(project: Project, context: Path) -> Iterator[Hit]:
    sums = context / "conda-lock.sha256"
    lock = context / "conda-lock.yml"
    if not (is_file(context / "environment.yml") and is_file(lock) and is_file(sums)):
        return
    digests: dict[Path, str] = {}  # each file hashed once, however often it is listed
    for line in project.text(sums).splitlines():
        digest, _, name = line.partition("  ")
        target = inside(context, name.strip())
        if target is None or not is_file(target):
            continue
        if target not in digests:
            digests[target] = hashlib.sha256(project.bytes(target)).hexdigest()
        if digests[target] != digest:
            yield Hit(project.name(lock), None, f"{name.strip()} changed since the lock was made")
            return
