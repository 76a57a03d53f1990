"""DW127: a cache mount the user running the install never uses.

`RUN --mount=type=cache,target=/root/.cache/pip pip install ...` after `USER app`: pip, uv
and poetry keep their cache in the home of the user who runs them (/home/app/.cache, or
wherever $HOME is), so the mounted /root/.cache is never read or written and every build
downloads everything again; the same the other way round, a root install with the cache
mounted under /home/<user>. The reports: https://github.com/sleeske/docker-multi-stage-example/issues/1
(after USER django, pip's cache is /home/django/.cache/pip, not /root/.cache/pip),
https://github.com/earthly/earthly/issues/1550 and https://github.com/astral-sh/uv/pull/11617
(cache mounts with a non-root user).
Not a finding when the install is told where its cache is (PIP_CACHE_DIR, UV_CACHE_DIR,
POETRY_CACHE_DIR, XDG_CACHE_HOME, PIPENV_CACHE_DIR, --cache-dir) and that is the mount.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from dockwright.check.dockerfile import Dockerfile, Instruction, Stage
from dockwright.check.project import Project
from dockwright.check.registry import Hit, rule

CACHE_VARIABLES = (
    "PIP_CACHE_DIR",
    "UV_CACHE_DIR",
    "POETRY_CACHE_DIR",
    "PIPENV_CACHE_DIR",
    "XDG_CACHE_HOME",
    "CONDA_PKGS_DIRS",
)
ROOT_USERS = ("", "root", "0")


@rule(
    "DW127",
    "warning",
    "a cache mount in another user's home",
    "the installer keeps its cache in the home of the user who runs it, so a cache mount "
    "under another user's home is never used and every build downloads everything again",
    "mount the cache where that user's installer looks (target=/home/app/.cache/pip, "
    "uid=<its UID>), or point the installer at the mount (UV_CACHE_DIR, PIP_CACHE_DIR)",
)
def cache_mount_of_another_user(project: Project) -> Iterator[Hit]:
    for dockerfile in project.sound_dockerfiles():
        for stage in dockerfile.stages:
            yield from _stage(dockerfile, stage)


def _stage(dockerfile: Dockerfile, stage: Stage) -> Iterator[Hit]:
    user, line = _inherited_user(dockerfile, stage)
    for ins in stage.instructions:
        if ins.keyword == "USER" and ins.arguments:
            user, line = ins.arguments[0].split(":")[0], ins.line
            continue
        if ins.keyword != "RUN":
            continue
        for mount in ins.mounts():
            if mount.get("type") != "cache":
                continue
            target = mount.get("target") or mount.get("dst") or mount.get("destination") or ""
            target = posixpath.normpath(posixpath.join(dockerfile.workdir(ins), target))
            home = _home_of(target)
            if home is None or _pointed_at(dockerfile, ins, target):
                continue
            as_root = user in ROOT_USERS
            if home == "/root" and not as_root:
                yield Hit(
                    dockerfile.name,
                    ins.line,
                    f"USER {user} (line {line}) runs this install; its cache is not {target}",
                )
            elif home != "/root" and as_root:
                yield Hit(
                    dockerfile.name, ins.line, f"root runs this install; its cache is not {target}"
                )


def _inherited_user(dockerfile: Dockerfile, stage: Stage) -> tuple[str, int]:
    """The user a stage starts as: the last USER of the stages it builds on (root else)."""
    for parent in reversed(dockerfile.lineage(stage)[:-1]):
        users = [i for i in parent.instructions if i.keyword == "USER" and i.arguments]
        if users:
            return users[-1].arguments[0].split(":")[0], users[-1].line
    return "root", stage.line


def _home_of(target: str) -> str | None:
    """The home directory a cache target is in (/root, /home/app), None for elsewhere
    (/var/cache/apt, /opt/cache: any user's)."""
    parts = target.split("/")
    if len(parts) >= 2 and parts[1] == "root":
        return "/root"
    if len(parts) >= 3 and parts[1] == "home" and parts[2]:
        return f"/home/{parts[2]}"
    return None


def _pointed_at(dockerfile: Dockerfile, ins: Instruction, target: str) -> bool:
    """Whether the install is told its cache is under the mount's target."""
    values = dockerfile.variables(ins)
    told = [values[name] for name in CACHE_VARIABLES if name in values]
    told += [
        words[i + 1]
        for words in ins.commands
        for i, word in enumerate(words[:-1])
        if word == "--cache-dir"
    ]
    told += [
        word.partition("=")[2]
        for words in ins.commands
        for word in words
        if word.startswith(("--cache-dir=", *(f"{n}=" for n in CACHE_VARIABLES)))
    ]
    for value in told:
        path = posixpath.normpath(value) if value else ""
        if path and (
            path == target or path.startswith(target + "/") or target.startswith(path + "/")
        ):
            return True
    return False
