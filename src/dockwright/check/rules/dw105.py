"""DW105: a build context whose .dockerignore lets the repository, environments or secrets in.

Only where the build reads the whole context (COPY . ., a bind mount of it): BuildKit sends
the daemon what the instructions name, so a Dockerfile that copies named files cannot take
.git or a developer's .env into an image. The context is the one compose gives, else the
directory the COPY sources are found in (check.project). .env is asked for where the project
keeps one (a .env or its template, .gitignore or compose naming it); .git is not where the
build removes it after reading it."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from pathlib import Path

from dockwright.check.dockerfile import Dockerfile
from dockwright.check.project import HAND_WRITTEN, WHOLE_CONTEXT, Project, copied_sources
from dockwright.check.registry import Hit, rule

WANTED = {".git": (".git",), ".venv": (".venv", "venv"), ".env": (".env",)}
DOTENV_FILES = (".env", ".env.example", ".env.sample", ".env.template", ".env.dist", "env.example")
_ENV_FILE = re.compile(r"env_file:[^\n]*\.env|^\s*-\s*[\w./-]*\.env\s*$", re.M)
_RM = re.compile(r"\brm\b")
_GIT = re.compile(r"\.git\b")


@rule(
    "DW105",
    "warning",
    ".dockerignore does not keep out the repository, environments and secrets",
    "without it, .git, a local .venv or .env (secrets) are sent to the daemon and can be "
    "copied into an image",
    "add a .dockerignore with at least .git, .venv and .env",
)
def dockerignore(project: Project) -> Iterator[Hit]:
    for path, missing in gaps(project):
        name = project.name(path)
        if not project.is_file(path):
            yield Hit(name, None, "there is no .dockerignore")
        else:
            yield Hit(name, None, f"missing {', '.join(missing)}")


def gaps(project: Project) -> Iterator[tuple[Path, list[str]]]:
    """Each .dockerignore a build reads (there or not) and the entries it lacks: what
    DW105 reports, and what `check --fix` adds."""
    seen: set[Path] = set()
    for dockerfile in project.dockerfiles:
        if not _sends_everything(dockerfile):
            continue
        # BuildKit reads <Dockerfile>.dockerignore next to the Dockerfile first.
        own = dockerfile.path.with_name(dockerfile.path.name + ".dockerignore")
        path = own if project.is_file(own) else dockerfile.context / ".dockerignore"
        if path in seen:
            continue
        seen.add(path)
        patterns = []
        if project.is_file(path):
            patterns = [
                line.strip().lstrip("/").removeprefix("**/").rstrip("/")
                for line in project.text(path, limit=HAND_WRITTEN, strict=False).splitlines()
                if line.strip() and not line.lstrip().startswith(("#", "!"))
            ]
        missing = [
            entry
            for entry, entry_names in WANTED.items()
            if not any(_ignores(p, n) for n in entry_names for p in patterns)
        ]
        if ".git" in missing and _removes_git(dockerfile):
            missing.remove(".git")  # sent on purpose: read (a version), then removed
        if ".env" in missing and not _uses_dotenv(project, dockerfile.context):
            missing.remove(".env")
        if missing:
            yield path, missing


def _removes_git(dockerfile: Dockerfile) -> bool:
    """Whether a RUN removes .git after the copy (Tandoor reads its version from it)."""
    return any(
        ins.keyword == "RUN" and _RM.search(ins.script) and _GIT.search(ins.script)
        for ins in dockerfile.instructions
    )


def _uses_dotenv(project: Project, context: Path) -> bool:
    """Whether the project keeps settings in a .env that could be in the context: there is
    one, or a template of one, git is told to leave it out, or compose reads it (env_file).
    A project that has none of these (CTFd, wger) has no .env to leak."""
    for directory in dict.fromkeys((context, project.root)):
        if any(project.is_file(directory / name) for name in DOTENV_FILES):
            return True
        gitignore = directory / ".gitignore"
        if project.is_file(gitignore):
            lines = project.text(gitignore, limit=HAND_WRITTEN, strict=False).splitlines()
            if any(line.strip().lstrip("/").startswith(".env") for line in lines):
                return True
    for path in project.compose_files():
        if _ENV_FILE.search(project.text(path, limit=HAND_WRITTEN, strict=False)):
            return True
    return False


def _sends_everything(dockerfile: Dockerfile) -> bool:
    """Whether the build reads the whole context: a COPY or ADD of `.` (or `*`), or a RUN
    bind mount of it. BuildKit sends only what the instructions name, so a Dockerfile that
    copies named files and folders cannot take .git or .env in by accident."""
    if WHOLE_CONTEXT & set(copied_sources(dockerfile.instructions)):
        return True
    return any(
        mount.get("type") == "bind"
        and "from" not in mount
        and mount.get("source", mount.get("src", ".")) in WHOLE_CONTEXT | {""}
        for ins in dockerfile.instructions
        if ins.keyword == "RUN"
        for mount in ins.mounts()
    )


def _ignores(pattern: str, name: str) -> bool:
    """fnmatch for a short name. A pattern with more parts other than `*` than the name has
    characters cannot match it, and is not translated: fnmatch's translation of a long
    pattern takes quadratic time (a line of 50,000 `[` takes minutes)."""
    if not any(c in pattern for c in "*?["):
        return pattern == name
    return _glob_parts(pattern, len(name) + 1) <= len(name) and fnmatch.fnmatchcase(name, pattern)


def _glob_parts(pattern: str, enough: int) -> int:
    """How many parts other than `*` a glob has (a [...] class is one), counting up to
    enough: each part costs at most one scan of the pattern, so at most `enough` scans."""
    parts = 0
    index = 0
    while index < len(pattern) and parts < enough:
        if pattern[index] == "*":
            index += 1
            continue
        parts += 1
        if pattern[index] == "[":
            inner = index + 1
            inner += pattern.startswith("!", inner)
            inner += pattern.startswith("]", inner)
            close = pattern.find("]", inner)
            index = close + 1 if close >= 0 else index + 1
        else:
            index += 1
    return parts
