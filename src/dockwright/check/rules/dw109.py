"""DW109: a lock that misses what its manifest names."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet

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
    spec = project.toml(pyproject)
    wanted = {requirement_name(d) for d in _declared(pyproject, spec)}
    locks = [context / n for n in ("uv.lock", "poetry.lock") if is_file(context / n)]
    for lock in locks:
        missing = wanted - _locked(lock, project.toml(lock))
        yield from _missing(project, missing, pyproject, lock)
        if missing:
            continue  # one finding says the lock is stale
        if lock.name == "uv.lock":
            yield from _uv_changes(project, pyproject, spec, lock)
        else:
            yield from _poetry_hash(project, pyproject, spec, lock)


def _declared(path: Path, pyproject: dict[str, Any]) -> list[str]:
    """The dependencies pyproject.toml names: PEP 621 (with extras and groups) and poetry's."""
    project = table(path, pyproject.get("project"), "[project]")
    declared = list(strings(path, project.get("dependencies"), "project.dependencies"))
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


def _uv_changes(
    project: Project, pyproject: Path, spec: dict[str, Any], lock: Path
) -> Iterator[Hit]:
    """What `uv sync --locked` refuses besides a missing name: a changed requires-python, or
    a changed version constraint of a dependency (uv.lock records the project's own
    requirements, as written, in [package.metadata])."""
    data = project.toml(lock)
    declared = table(pyproject, spec.get("project"), "[project]")
    python = declared.get("requires-python")
    recorded = data.get("requires-python")
    if (
        isinstance(python, str)
        and isinstance(recorded, str)
        and not _same_pythons(python, recorded)
    ):
        yield _refused(project, lock, f"requires-python is {python!r}, the lock's {recorded!r}")
        return
    root = _root_package(lock, data)
    if root is None:
        return
    metadata = table(lock, root.get("metadata"), "the project's [package.metadata]")
    pairs = [(_project_requirements(pyproject, declared), metadata.get("requires-dist"))]
    groups = table(pyproject, spec.get("dependency-groups"), "[dependency-groups]")
    locked_groups = table(lock, metadata.get("requires-dev"), "[package.metadata.requires-dev]")
    for group, specs in groups.items():
        items = listed(pyproject, specs, f"dependency-groups.{group}")
        if all(isinstance(item, str) for item in items):  # include-group: as uv expands it
            pairs.append((items, locked_groups.get(normalize(group), locked_groups.get(group))))
    for requirements, entries in pairs:
        for name, (want, have) in sorted(
            _constraint_changes(pyproject, requirements, lock, entries).items()
        ):
            yield _refused(
                project,
                lock,
                f"{name} is {want or 'unconstrained'} in "
                f"{project.name(pyproject)}, {have or 'unconstrained'} in the lock",
            )
            return


def _refused(project: Project, lock: Path, change: str) -> Hit:
    build = "uv sync --locked" if lock.name == "uv.lock" else "poetry install"
    return Hit(
        project.name(lock),
        None,
        f"{project.name(lock)} was made from another pyproject.toml ({change}): `{build}`, "
        "which the build runs, refuses it",
    )


def _same_pythons(one: str, other: str) -> bool:
    """Whether two requires-python allow the same versions (uv rewrites `~=3.11` as
    `>=3.11, <4`): compared on every 2.x to 4.x release, with patch levels."""
    try:
        first, second = SpecifierSet(one), SpecifierSet(other)
    except InvalidSpecifier:
        return True  # uv refuses it itself, with its own message
    return all(
        first.contains(v, prereleases=True) == second.contains(v, prereleases=True)
        for v in _PYTHONS
    )


_PYTHONS = [
    f"{major}.{minor}.{patch}" for major in (2, 3, 4) for minor in range(41) for patch in (0, 1, 30)
]


def _root_package(lock: Path, data: dict[str, Any]) -> dict[str, Any] | None:
    """The lock's entry for the project itself: its source is the lock's own folder."""
    for package in listed(lock, data.get("package"), "package"):
        entry = table(lock, package, "each [[package]]")
        source = entry.get("source")
        if isinstance(source, dict) and "." in (source.get("virtual"), source.get("editable")):
            return entry
    return None


def _project_requirements(pyproject: Path, declared: dict[str, Any]) -> list[str]:
    requirements = list(strings(pyproject, declared.get("dependencies"), "project.dependencies"))
    extras = table(
        pyproject, declared.get("optional-dependencies"), "project.optional-dependencies"
    )
    for extra, specs in extras.items():
        requirements += strings(pyproject, specs, f"project.optional-dependencies.{extra}")
    return requirements


def _constraint_changes(
    pyproject: Path, requirements: list[str], lock: Path, entries: object
) -> dict[str, tuple[str, str]]:
    """The packages whose version constraints differ between the requirements and the
    lock's record of them (name -> (declared, locked)). A requirement on a path or URL, and
    markers (which uv rewrites), are not compared."""
    declared: dict[str, set[SpecifierSet]] = {}
    for text in requirements:
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue  # uv refuses it itself
        if requirement.url is None:
            declared.setdefault(normalize(requirement.name), set()).add(requirement.specifier)
    locked: dict[str, set[SpecifierSet]] = {}
    sourced = {"git", "url", "path", "editable", "directory"}
    for entry in listed(lock, entries, "requires-dist"):
        entry = table(lock, entry, "each requirement")
        name, specifier = entry.get("name"), entry.get("specifier", "")
        if isinstance(name, str) and isinstance(specifier, str) and not sourced & set(entry):
            try:
                locked.setdefault(normalize(name), set()).add(SpecifierSet(specifier))
            except InvalidSpecifier:
                continue
    return {
        name: (_spelled(want), _spelled(locked[name]))
        for name, want in declared.items()
        if name in locked and want != locked[name]
    }


def _spelled(specifiers: set[SpecifierSet]) -> str:
    return " or ".join(sorted(str(s) for s in specifiers if str(s)))


def _poetry_hash(
    project: Project, pyproject: Path, spec: dict[str, Any], lock: Path
) -> Iterator[Hit]:
    """poetry's freshness test (poetry.packages.locker.Locker.is_fresh): the lock's
    metadata.content-hash against the hash of pyproject.toml's dependency sections. A lock
    written by poetry before 2.3 hashed them without [dependency-groups]."""
    metadata = table(lock, project.toml(lock).get("metadata"), "[metadata]")
    recorded = metadata.get("content-hash")
    if not isinstance(recorded, str):
        return
    try:
        current = {_poetry_content_hash(spec, groups=True)}
    except (TypeError, ValueError):
        return  # a date or other non-JSON value: poetry stops on it itself
    written_by = re.search(r"Poetry ([0-9]+)\.([0-9]+)", project.text(lock)[:200])
    if written_by and (int(written_by[1]), int(written_by[2])) < (2, 3):
        current.add(_poetry_content_hash(spec, groups=False))
    if recorded not in current:
        yield _refused(project, lock, "its content-hash differs")


_POETRY_KEYS = ("dependencies", "source", "extras", "dev-dependencies")  # and "group"
_POETRY_PROJECT_KEYS = ("requires-python", "dependencies", "optional-dependencies")


def _poetry_content_hash(spec: dict[str, Any], *, groups: bool) -> str:
    """The content-hash poetry 2 writes into poetry.lock for this pyproject.toml."""
    project = spec.get("project") or {}
    group_content = (spec.get("dependency-groups") or {}) if groups else {}
    poetry = (spec.get("tool") or {}).get("poetry") or {}
    relevant_project = {k: project[k] for k in _POETRY_PROJECT_KEYS if project.get(k) is not None}
    relevant_poetry = {}
    for key in (*_POETRY_KEYS, "group"):
        value = poetry.get(key)
        if value is None and (key not in _POETRY_KEYS or relevant_project or group_content):
            continue
        relevant_poetry[key] = value
    content: dict[str, Any] = {}
    if relevant_project:
        content["project"] = relevant_project
    if group_content:
        content["dependency-groups"] = group_content
    if content:
        content["tool"] = {"poetry": relevant_poetry}
    else:
        content = relevant_poetry
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


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
