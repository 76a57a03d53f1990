"""Thin calls into copier, and the guarantee that a failed run leaves nothing behind.

The project is rendered into a staging directory beside the destination and moved into
place only when everything succeeded; any error or Ctrl-C removes the staging directory.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import copier
import yaml
from copier.errors import CopierAnswersInterrupt, CopierError, InvalidTypeError

from dockwright import versions
from dockwright.errors import AbortedError, DockwrightError, UsageError

ANSWERS_FILE = ".copier-answers.yml"


def check_destination(dest: Path, *, force: bool) -> None:
    if dest.exists() and not dest.is_dir():
        raise UsageError(f"destination {dest} exists and is not a directory")
    if dest.is_dir() and any(dest.iterdir()) and not force:
        raise UsageError(f"destination {dest} is not empty (pass --force to write into it)")
    anchor = _existing_ancestor(dest)
    if not os.access(anchor, os.W_OK):
        raise UsageError(f"destination {dest}: {anchor} is not writable")


def default_project_name(dest: Path) -> str:
    """A valid project name from the destination's folder name, offered as the default."""
    slug = re.sub(r"[^a-z0-9]+", "-", dest.resolve().name.lower()).strip("-")
    slug = re.sub(r"^[^a-z]+", "", slug)[:40].strip("-")
    return slug or "app"


def create(
    dest: Path,
    answers: Mapping[str, Any],
    *,
    interactive: bool,
    force: bool = False,
) -> dict[str, Any]:
    """Render the template into dest; return the answers copier recorded."""
    check_destination(dest, force=force)
    anchor = _existing_ancestor(dest)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name or 'project'}.dockwright-", dir=anchor))
    try:
        project = staging / "project"
        defaults = {"project_name": default_project_name(dest)}
        render(project, answers, interactive=interactive, user_defaults=defaults)
        sync_env(project)
        recorded = yaml.safe_load((project / ANSWERS_FILE).read_text(encoding="utf-8"))
        _move_into_place(project, dest)
        return {k: v for k, v in recorded.items() if not k.startswith("_")}
    except KeyboardInterrupt:
        raise AbortedError() from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def render(
    project: Path,
    answers: Mapping[str, Any],
    *,
    interactive: bool,
    user_defaults: Mapping[str, Any],
) -> None:
    """copier renders the installed template into project; its errors become ours."""
    try:
        with versions.template_source() as source:
            copier.run_copy(
                source.url,
                project,
                vcs_ref=source.tag,
                data=dict(answers),
                user_defaults=dict(user_defaults),
                defaults=not interactive,
                quiet=True,
                cleanup_on_error=False,
            )
    except CopierAnswersInterrupt:
        raise AbortedError() from None
    except InvalidTypeError as error:
        raise UsageError(str(error) or "an answer has the wrong type") from None
    except ValueError as error:  # copier's choice and validator errors
        raise UsageError(strip_prefix(str(error))) from None
    except CopierError as error:
        raise DockwrightError(str(error)) from None


def strip_prefix(message: str) -> str:
    """copier says "Validation error for question 'x': ..."; we say "x: ..."."""
    match = re.match(r"(?:Validation error for question|Invalid choice for) '(\w+)': (.*)", message)
    return f"{match[1]}: {match[2]}" if match else message


def sync_env(project: Path) -> None:
    """.env from .env.example: your UID/GID for the dev image and a fresh database password.
    An existing .env keeps its values and gains only the keys it lacks (after an update)."""
    example = project / ".env.example"
    if not example.is_file():
        return
    env = project / ".env"
    existing = env.read_text(encoding="utf-8").splitlines() if env.is_file() else []
    present = {line.partition("=")[0] for line in existing if not line.startswith("#")}
    uid, gid = (os.getuid(), os.getgid()) if hasattr(os, "getuid") else (1000, 1000)
    values = {
        "DEV_UID": str(uid),
        "DEV_GID": str(gid),
        "POSTGRES_PASSWORD": secrets.token_urlsafe(24),
    }
    missing = []
    for line in example.read_text(encoding="utf-8").splitlines():
        key = line.partition("=")[0]
        if existing and (line.startswith("#") or not line.strip() or key in present):
            continue
        missing.append(
            f"{key}={values[key]}" if key in values and not line.startswith("#") else line
        )
    if existing and not missing:
        return
    out = [*existing, *([""] if existing else []), *missing]
    env.write_text("\n".join(out) + "\n", encoding="utf-8")
    env.chmod(0o600)


def _move_into_place(project: Path, dest: Path) -> None:
    if not dest.exists() or (dest.is_dir() and not any(dest.iterdir())):
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(project, dest)  # one rename: dest appears whole or not at all
        return
    # --force into a non-empty directory: file by file, overwriting.
    for source in sorted(project.rglob("*")):
        target = dest / source.relative_to(project)
        if source.is_dir():
            target.mkdir(exist_ok=True)
        else:
            os.replace(source, target)


def _existing_ancestor(path: Path) -> Path:
    path = path.absolute()
    while not path.exists():
        path = path.parent
    return path
