"""Creating a project, and the guarantee that a failed run leaves nothing behind.

The project is rendered (copier_boundary.copy) into a staging directory beside the
destination and moved into place only when everything succeeded; any error or Ctrl-C
removes the staging directory. install() and sync_env() put files in place for adopt and
update too.
"""

from __future__ import annotations

import errno
import functools
import os
import re
import secrets
import shutil
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from dockwright import copier_boundary, files, interrupts, versions
from dockwright.errors import UsageError


def check_destination(dest: Path, *, force: bool) -> None:
    too_long = next((part for part in dest.parts if len(os.fsencode(part)) > 255), None)
    if too_long is not None:
        raise UsageError(f"destination {dest}: the name {too_long[:40]}… is over 255 bytes")
    if os.path.islink(dest) and not dest.exists():
        raise UsageError(f"destination {dest} is a symlink to nothing ({os.readlink(dest)})")
    if dest.exists() and not dest.is_dir():
        raise UsageError(f"destination {dest} exists and is not a directory")
    if dest.is_dir() and any(dest.iterdir()) and not force:
        raise UsageError(f"destination {dest} is not empty (pass --force to write into it)")
    anchor = _existing_ancestor(dest)
    if not anchor.is_dir():
        raise UsageError(f"destination {dest}: {anchor} is a file, not a directory")
    if not os.access(anchor, os.W_OK | os.X_OK):
        raise UsageError(f"destination {dest}: {anchor} is not writable")


def default_project_name(dest: Path) -> str:
    """The destination folder's name, offered as the project's (human) name; the template
    makes the technical names from it (see names())."""
    name = re.sub(r"[^\w .,&+()'-]+", " ", dest.resolve().name)
    name = " ".join(name.split())[:60].strip()
    return name or "app"


@functools.cache
def template_environment(template: Path | None = None) -> Any:
    """Jinja as copier sets it up for a template (the installed one by default): its files
    loadable by name (`{% from 'includes/stacks.jinja' import ... %}`), copier's filters,
    and the template's _envops."""
    import jinja2
    from jinja2_ansible_filters import AnsibleCoreFiltersExtension  # type: ignore[import-untyped]

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(template or versions.template_dir()),
        extensions=[AnsibleCoreFiltersExtension],
        autoescape=False,
        **versions.template_spec(template).get("_envops", {}),
    )


def template_module(name: str) -> Any:
    """A Jinja file of the installed template (e.g. includes/stacks.jinja) as a module: its
    top-level `set`s and macros as attributes."""
    return template_environment().get_template(name).make_module({})


def names(project_name: str) -> dict[str, str]:
    """The image and package names the template makes from a project name: the same macro
    copier.yml's project_slug uses (template/includes/slug.jinja), rendered here to show them."""
    made = str(template_module("includes/slug.jinja").slug(project_name))
    return {"image": made, "package": made.replace("-", "_")}


@dataclass
class Created:
    answers: dict[str, Any]  # as copier recorded them, without its own (_src_path, _commit)
    overwritten: list[str]  # files of DEST that --force replaced


def create(
    dest: Path,
    answers: Mapping[str, Any],
    *,
    interactive: bool,
    force: bool = False,
) -> Created:
    """Render the template into dest: all of it, or (on any error or Ctrl-C) nothing."""
    check_destination(dest, force=force)
    anchor = _existing_ancestor(dest)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name or 'project'}.dockwright-", dir=anchor))
    try:
        project = staging / "project"
        defaults = {"project_name": default_project_name(dest)}
        recorded = copier_boundary.copy(
            project, answers, interactive=interactive, user_defaults=defaults
        )
        sync_env(project)
        sync_secrets(project)
        with interrupts.committing(f"created {dest}"):
            overwritten = _move_into_place(project, dest, force=force)
        return Created(recorded.answers, overwritten)
    finally:
        interrupts.run_ignoring(lambda: shutil.rmtree(staging, ignore_errors=True))


def sync_env(project: Path) -> list[str]:
    """.env from .env.example, with your UID/GID for the dev image.
    An existing .env keeps its values and mode and gains only the keys it lacks (after an
    update); return the keys added."""
    example = project / ".env.example"
    if not example.is_file():
        return []
    env = project / ".env"
    existing = files.read_text(env, what=".env").splitlines() if os.path.lexists(env) else []
    missing = missing_env_lines(existing, files.read_text(example).splitlines())
    if existing and not missing:
        return []
    out = [*existing, *([""] if existing else []), *missing]
    mode = env.stat().st_mode & 0o7777 if existing else 0o600
    _write_atomically(env, "\n".join(out) + "\n", mode)
    return env_keys(missing)


def env_keys(lines: list[str]) -> list[str]:
    """The keys that lines of a .env set (comments and blank lines set none)."""
    return [line.partition("=")[0] for line in lines if line and not line.startswith("#")]


def missing_env_lines(existing: list[str], example: list[str]) -> list[str]:
    """The lines of .env.example a .env holding `existing` lacks, with your UID and GID
    where it asks for them."""
    present = {line.partition("=")[0] for line in existing if not line.startswith("#")}
    uid, gid = (os.getuid(), os.getgid()) if hasattr(os, "getuid") else (1000, 1000)
    values = {"DEV_UID": str(uid), "DEV_GID": str(gid)}
    missing = []
    for line in example:
        key = line.partition("=")[0]
        if existing and (line.startswith("#") or not line.strip() or key in present):
            continue
        missing.append(
            f"{key}={values[key]}" if key in values and not line.startswith("#") else line
        )
    return missing


# Secrets an older template kept in .env, by the file under secrets/ that holds them now:
# the file is made with the old value, so an existing database keeps its password.
SECRET_FROM_ENV = {"db_password.txt": "POSTGRES_PASSWORD"}


def missing_secrets(project: Path, kept: Path | None = None) -> list[str]:
    """The files under secrets/ that project's compose.yaml names as secrets and kept
    (default: project) lacks, as paths relative to it."""
    kept = kept or project
    return [
        name for name in secret_files(project / "compose.yaml") if not os.path.lexists(kept / name)
    ]


def sync_secrets(project: Path, kept: Path | None = None) -> list[str]:
    """Make in project the secret files kept (default: project) lacks: a fresh random value,
    or the one .env held under an older template. The folder is yours alone (0700); the
    files are readable by the containers' users, which see them bind-mounted. Return the
    files made."""
    missing = missing_secrets(project, kept)
    if not missing:
        return []
    env = dict(line.partition("=")[::2] for line in _env_lines((kept or project) / ".env"))
    folder = project / "secrets"
    if os.path.lexists(folder) and (folder.is_symlink() or not folder.is_dir()):
        raise UsageError(f"{folder} is not a folder: the project's secret files go in it")
    folder.mkdir(mode=0o700, exist_ok=True)
    for name in missing:
        old = env.get(SECRET_FROM_ENV.get(PurePosixPath(name).name, ""), "")
        _write_atomically(project / name, old or secrets.token_urlsafe(32), 0o644)
    return missing


def secret_files(compose: Path) -> list[str]:
    """The `file:` of each secret the compose file declares under secrets/ (none when it
    is missing or not YAML: the project's own file, never an error here)."""
    try:
        declared = yaml.safe_load(files.read_text(compose, what="compose file"))["secrets"]
        sources = [secret.get("file") for secret in declared.values()]
    except (OSError, UsageError, yaml.YAMLError, TypeError, KeyError, AttributeError):
        return []
    paths = [PurePosixPath(file) for file in sources if isinstance(file, str)]
    return [f"secrets/{path.name}" for path in paths if path.parent.parts == ("secrets",)]


def _env_lines(env: Path) -> list[str]:
    if not os.path.lexists(env):
        return []
    lines = files.read_text(env, what=".env").splitlines()
    return [line for line in lines if "=" in line and not line.startswith("#")]


def _write_atomically(path: Path, text: str, mode: int) -> None:
    """path holds the old text or the new, never a part (written beside it, then renamed);
    a symlink at path keeps pointing where it did, and the file it names is replaced."""
    target = path.resolve() if path.is_symlink() else path
    partial = target.with_name(f".{target.name}.dockwright-{os.getpid()}")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(partial, mode)  # the umask may have narrowed it
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _move_into_place(project: Path, dest: Path, *, force: bool) -> list[str]:
    """Make the rendered project dest; return the files --force replaced."""
    if not dest.is_dir() or not any(dest.iterdir()):
        made = _make_parents(dest)
        try:
            # One rename: dest appears whole or not at all. It fails, rather than merging,
            # when another run made dest meanwhile (a rename never replaces a full directory).
            os.rename(project, dest)
        except OSError as error:
            interrupts.run_ignoring(lambda: _remove_folders(made))
            if error.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
                raise UsageError(
                    f"destination {dest} appeared while the project was being made "
                    "(another run?); nothing was written"
                ) from None
            raise
        return []
    return install(project, dest, rendered_files(project), overwrite=force)


def rendered_files(project: Path) -> list[str]:
    """The files of a rendered project, as relative POSIX paths, sorted."""
    return sorted(p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file())


def _make_parents(dest: Path) -> list[Path]:
    """Create dest's missing parents; return those made, outermost first."""
    missing = []
    for parent in dest.absolute().parents:
        if parent.exists():
            break
        missing.append(parent)
    made = []
    try:
        for parent in reversed(missing):
            parent.mkdir()
            made.append(parent)
    except BaseException:
        interrupts.run_ignoring(lambda: _remove_folders(made))
        raise
    return made


def _remove_folders(made: list[Path]) -> None:
    for folder in reversed(made):
        folder.rmdir()


def install(source: Path, dest: Path, names: list[str], *, overwrite: bool) -> list[str]:
    """Copy source/name to dest/name for every name: all of them, or none. Files that exist
    are replaced only with `overwrite`, and kept aside until every copy succeeded. Nothing is
    written through a symlinked directory (it could lead out of dest) or over a directory.
    Return the names replaced."""
    existing = installable(dest, names, overwrite=overwrite)
    tag = f"dockwright-{os.getpid()}"
    made: list[Path] = []  # folders made, files placed: removed on failure
    kept: list[tuple[Path, Path]] = []  # (aside, original): put back on failure
    try:
        for name in names:
            target = dest / name
            for parent in reversed(target.relative_to(dest).parents[:-1]):
                if not (dest / parent).exists():
                    (dest / parent).mkdir(mode=stat.S_IMODE((source / parent).stat().st_mode))
                    made.append(dest / parent)
            partial = target.with_name(f".{target.name}.{tag}-partial")
            made.append(partial)
            shutil.copy2(source / name, partial)
            if os.path.lexists(target):
                aside = target.with_name(f".{target.name}.{tag}-replaced")
                os.rename(target, aside)
                kept.append((aside, target))
            else:
                made.append(target)
            os.rename(partial, target)
            made.remove(partial)
    except BaseException:
        interrupts.run_ignoring(lambda: _undo(made, kept))
        raise
    for aside, _ in kept:
        interrupts.run_ignoring(aside.unlink)
    return existing


def installable(dest: Path, names: list[str], *, overwrite: bool) -> list[str]:
    """The names install would replace in dest; a UsageError when it would refuse."""
    existing = _plan(dest, names)
    if existing and not overwrite:
        raise UsageError(
            f"{dest}: would overwrite {len(existing)} existing file(s): {', '.join(existing)} "
            "(pass --force to overwrite them)"
        )
    return existing


def _plan(dest: Path, names: list[str]) -> list[str]:
    """The names that exist in dest; a UsageError for a path install must not write."""
    existing = []
    for name in names:
        here = dest
        for part in Path(name).parts[:-1]:
            here = here / part
            if here.is_symlink():
                raise UsageError(
                    f"{here} is a symlink (to {os.readlink(here)}): dockwright writes only "
                    f"inside {dest}, never through a link; replace it with a directory"
                )
            if os.path.lexists(here) and not here.is_dir():
                raise UsageError(f"{here} is a file where the project needs a directory")
        target = dest / name
        if target.is_dir() and not target.is_symlink():
            raise UsageError(f"{target} is a directory where the project has a file")
        if os.path.lexists(target):
            link = " (a symlink: the link is replaced)" if target.is_symlink() else ""
            existing.append(name + link)
    return existing


def _undo(made: list[Path], kept: list[tuple[Path, Path]]) -> None:
    for path in reversed(made):
        if path.is_dir() and not path.is_symlink():
            path.rmdir()
        else:
            path.unlink(missing_ok=True)
    for aside, original in reversed(kept):
        os.rename(aside, original)


def _existing_ancestor(path: Path) -> Path:
    path = path.absolute()
    while not path.exists():
        path = path.parent
    return path
