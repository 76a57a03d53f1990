"""Where the template comes from: its released versions, offline.

Every release of the template is a tagged commit (vX.Y.Z) in one git history, the history of
the template's public repository, TEMPLATE_URL. The wheel ships that history as a git bundle,
releases.bundle. At run time it is cloned into a scratch repository, the installed template is
committed on top when its version is not released yet, and copier is given TEMPLATE_URL with
git's `url.<scratch>.insteadOf` pointing it at the scratch repository. So a project's
.copier-answers.yml records the public address and a tag, which is what a plain
`copier update` needs, while dockwright itself never touches the network.

DOCKWRIGHT_TEMPLATE names another git repository of the template (a fork, or the versions a
test builds) to use in place of the shipped releases; its newest version tag is "installed".
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from packaging.version import InvalidVersion, Version
from plumbum import local

from dockwright import __version__, interrupts
from dockwright.errors import DockwrightError

TEMPLATE_URL = "https://github.com/dockwright/dockwright-template.git"
BUNDLE = Path(__file__).parent / "releases.bundle"
# "<tag> <git tree id>" for every release in the bundle, so that `new-project` checks the
# installed template against its release without git (tools/release.py writes both).
TREES = Path(__file__).parent / "releases.trees"
OVERRIDE_ENV = "DOCKWRIGHT_TEMPLATE"

# Commits made here get fixed names and dates, so the same template gives the same commit.
_IDENTITY = {
    "GIT_AUTHOR_NAME": "dockwright",
    "GIT_AUTHOR_EMAIL": "releases@dockwright.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00+00:00",
    "GIT_COMMITTER_NAME": "dockwright",
    "GIT_COMMITTER_EMAIL": "releases@dockwright.invalid",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00+00:00",
}


@dataclass(frozen=True)
class Source:
    """The template copier is given: its address, and the tag of the installed version."""

    url: str
    tag: str
    repo: Path  # the git repository behind url, on this machine

    @property
    def version(self) -> Version:
        return tag_version(self.tag)


def tag_version(tag: str) -> Version:
    """v0.2.0 -> 0.2.0; copier's `git describe` form v0.2.0-3-gabc1234 -> 0.2.0."""
    try:
        return Version(tag.removeprefix("v").split("-")[0])
    except InvalidVersion:
        raise DockwrightError(f"{tag!r} is not a template version") from None


def overridden() -> bool:
    """Whether DOCKWRIGHT_TEMPLATE names another template repository to use."""
    return bool(os.environ.get(OVERRIDE_ENV))


@contextmanager
def local_copy() -> Iterator[None]:
    """For copier copying the installed template's directory: its temporary files go in this
    process's scratch directory (which cleanup() removes whatever an interrupted run left
    there), and no GIT_DIR or the like of the user's makes it take the directory for
    another repository (copier asks git whether a template directory is a repository)."""
    with _temporary_files_in(_scratch()), _environment({}):
        yield


@contextmanager
def template_source() -> Iterator[Source]:
    """The installed template for copier, offline, for the duration of the block."""
    scratch = _scratch()
    override = os.environ.get(OVERRIDE_ENV)
    if override:
        repo = Path(override).resolve()
        tag = newest_tag(repo)
        cache = Path(tempfile.mkdtemp(dir=scratch))  # the repository may change between runs
    else:
        repo, tag = _shipped(scratch)
        cache = scratch / "copier-cache"
    with _redirect(TEMPLATE_URL, repo, cache), _temporary_files_in(scratch):
        yield Source(TEMPLATE_URL, tag, repo)


@functools.cache
def _scratch() -> Path:
    """A directory for the template repository and copier's cache, made once a process (a
    test run renders hundreds of projects) and removed by cleanup(), or when it exits."""
    scratch = Path(tempfile.mkdtemp(prefix="dockwright-template-"))
    atexit.register(cleanup)
    return scratch


def cleanup() -> None:
    """Remove the scratch directory, if one was made; Ctrl-C cannot cut this short."""
    if _scratch.cache_info().currsize == 0:
        return
    scratch = _scratch()
    _scratch.cache_clear()
    _shipped.cache_clear()
    atexit.unregister(cleanup)
    interrupts.run_ignoring(lambda: shutil.rmtree(scratch, ignore_errors=True))


@contextmanager
def _temporary_files_in(scratch: Path) -> Iterator[None]:
    """copier's and git's temporary directories go under scratch, so cleanup() removes
    whatever an interrupted run left there."""
    tmp = scratch / "tmp"
    tmp.mkdir(exist_ok=True)
    before = tempfile.tempdir
    tempfile.tempdir = str(tmp)
    try:
        with local.env(TMPDIR=str(tmp)):
            yield
    finally:
        tempfile.tempdir = before


@functools.cache
def _shipped(scratch: Path) -> tuple[Path, str]:
    repo = Path(tempfile.mkdtemp(dir=scratch)) / "template.git"
    return repo, installed_release(repo, template_dir())


def installed_tag(version: str = __version__) -> str:
    """The installed template's tag, v<version>. When that version is released, the installed
    template must be its release, file for file (the same git tree): a released template
    never changes. Checked without git, against TREES."""
    tag = f"v{version}"
    released = (
        dict(
            line.split() for line in TREES.read_text(encoding="utf-8").splitlines() if line.strip()
        )
        if TREES.is_file()
        else {}
    )
    if tag in released and tree_id(template_dir()) != released[tag]:
        raise DockwrightError(
            f"the installed template differs from its release {tag}: "
            "a released template never changes, so bump dockwright's version"
        )
    return tag


def _template_files(directory: Path) -> list[Path]:
    """The files of a template directory that make its release: bytecode caches left out."""
    return sorted(
        p
        for p in directory.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    )


def tree_id(directory: Path) -> str:
    """The id git gives the tree of directory's files (what write_tree stores), computed
    here: blobs, then trees with their entries in git's order (a folder sorts as name/)."""
    entries: dict[Path, list[tuple[bytes, bytes, bytes]]] = {directory: []}
    for path in _template_files(directory):
        data = path.read_bytes()
        blob = hashlib.sha1(b"blob %d\0" % len(data) + data).digest()
        mode = b"100755" if os.access(path, os.X_OK) else b"100644"
        for parent in reversed(path.relative_to(directory).parents[:-1]):
            entries.setdefault(directory / parent, [])
        entries[path.parent].append((os.fsencode(path.name), mode, blob))
    for folder in sorted(entries, key=lambda p: len(p.parts), reverse=True):
        body = b"".join(
            mode + b" " + name + b"\0" + digest
            for name, mode, digest in sorted(
                entries[folder], key=lambda e: e[0] + (b"/" if e[1] == b"40000" else b"")
            )
        )
        digest = hashlib.sha1(b"tree %d\0" % len(body) + body)
        if folder == directory:
            return digest.hexdigest()
        entries[folder.parent].append((os.fsencode(folder.name), b"40000", digest.digest()))
    raise AssertionError("unreachable")


@functools.cache
def template_spec(template: Path | None = None) -> dict[str, Any]:
    """copier.yml of a template (the installed one by default), parsed once a process (with
    libyaml where PyYAML has it: the file is read on every run)."""
    path = (template or template_dir()) / "copier.yml"
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    if not isinstance(spec, dict):
        raise DockwrightError(f"{path} is not a mapping of questions")
    return spec


def template_dir() -> Path:
    """The template shipped inside the wheel, or the source tree's when run from a checkout."""
    packaged = Path(__file__).parent / "template"
    if (packaged / "copier.yml").is_file():
        return packaged
    source = Path(__file__).resolve().parents[2] / "template"
    if (source / "copier.yml").is_file():
        return source
    raise DockwrightError("the dockwright template is missing from this installation")


def installed_release(repo: Path, template: Path, version: str = __version__) -> str:
    """Fill the bare repository `repo` with the shipped releases and the installed template;
    return the installed version's tag."""
    if BUNDLE.is_file():
        git("clone", "--quiet", "--bare", str(BUNDLE), str(repo))
    else:
        git("init", "--quiet", "--bare", str(repo))
    tag = f"v{version}"
    tree = write_tree(repo, template)
    released = git("tag", "--list", tag, repo=repo)
    if released:
        if git("rev-parse", f"{tag}^{{tree}}", repo=repo) != tree:
            raise DockwrightError(
                f"the installed template differs from its release {tag}: "
                "a released template never changes, so bump dockwright's version"
            )
        return tag
    parents = []
    if newest := _newest_or_none(repo):
        parents = ["-p", git("rev-parse", f"{newest}^{{commit}}", repo=repo)]
    commit = git("commit-tree", tree, *parents, "-m", f"dockwright template {tag}", repo=repo)
    git("tag", tag, commit, repo=repo)
    return tag


def newest_tag(repo: Path) -> str:
    newest = _newest_or_none(repo)
    if newest is None:
        raise DockwrightError(f"{OVERRIDE_ENV}={repo}: no vX.Y.Z tag in that git repository")
    return newest


def _newest_or_none(repo: Path) -> str | None:
    tags = release_tags(repo)
    return tags[-1] if tags else None


def release_tags(repo: Path) -> list[str]:
    """The vX.Y.Z tags of the template repository, oldest first."""
    try:
        listed = git("tag", "--list", "v*", repo=repo)
    except DockwrightError:
        raise DockwrightError(f"{repo} is not a git repository of the template") from None
    versions = {}
    for tag in listed.split():
        try:
            versions[Version(tag[1:])] = tag
        except InvalidVersion:
            continue
    return [versions[v] for v in sorted(versions)]


def write_tree(repo: Path, directory: Path) -> str:
    """Store directory's files in repo as a tree object; return its id. Bytecode caches are
    left out; the executable bit is kept."""
    files = _template_files(directory)
    paths = "\n".join(str(p) for p in files)
    blobs = git("hash-object", "-w", "--stdin-paths", repo=repo, stdin=paths).split()
    entries = "".join(
        f"{'100755' if os.access(p, os.X_OK) else '100644'} {blob}\t"
        f"{p.relative_to(directory).as_posix()}\n"
        for p, blob in zip(files, blobs, strict=True)
    )
    with tempfile.TemporaryDirectory() as scratch:
        index = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        git("update-index", "--add", "--index-info", repo=repo, stdin=entries, env=index)
        return git("write-tree", repo=repo, env=index)


def git(
    *args: str,
    repo: Path | None = None,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> str:
    command = ["git", *(["-C", str(repo)] if repo else []), *args]
    try:
        result = subprocess.run(
            command,
            input=stdin,
            capture_output=True,
            encoding="utf-8",
            errors="surrogateescape",
            check=False,
            env={**clean_git_environment(os.environ), **_IDENTITY, "LC_ALL": "C", **(env or {})},
        )
    except FileNotFoundError:
        raise DockwrightError("git is not installed; dockwright needs it for templates") from None
    if result.returncode:
        lines = result.stderr.strip().splitlines()
        raise GitError(args[0], lines[-1] if lines else f"exit {result.returncode}", lines)
    return result.stdout.rstrip("\n")  # leading spaces matter: `git status --porcelain`


class GitError(DockwrightError):
    """A git command failed; `lines` is what it printed on stderr (in English: LC_ALL=C)."""

    def __init__(self, command: str, last: str, lines: list[str]) -> None:
        super().__init__(f"git {command} failed: {last}")
        self.lines = lines

    def says(self, words: str) -> bool:
        return any(words in line for line in self.lines)


# The variables that point git at another repository, index or object store
# (`git rev-parse --local-env-vars`), and the per-process config git would add on top.
_LOCAL_GIT_VARIABLES = frozenset(
    {
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_COMMON_DIR",
        "GIT_CONFIG",
        "GIT_CONFIG_COUNT",
        "GIT_CONFIG_PARAMETERS",
        "GIT_DIR",
        "GIT_DISCOVERY_ACROSS_FILESYSTEM",
        "GIT_GRAFT_FILE",
        "GIT_IMPLICIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_INTERNAL_SUPER_PREFIX",
        "GIT_NAMESPACE",
        "GIT_NO_REPLACE_OBJECTS",
        "GIT_OBJECT_DIRECTORY",
        "GIT_PREFIX",
        "GIT_REPLACE_REF_BASE",
        "GIT_SHALLOW_FILE",
        "GIT_WORK_TREE",
    }
)


def _leaks(key: str) -> bool:
    return key in _LOCAL_GIT_VARIABLES or key.startswith(("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_"))


def clean_git_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """environ without the variables that would make dockwright's git calls read or write
    another repository than the one they name (GIT_DIR=/other/.git and the like)."""
    return {key: value for key, value in environ.items() if not _leaks(key)}


@contextmanager
def _redirect(url: str, repo: Path, cache: Path) -> Iterator[None]:
    """git fetches `url` from `repo` (url.<repo>.insteadOf) and copier caches in `cache`, for
    the duration of the block (see _environment)."""
    settings = {
        f"url.{repo}.insteadOf": url,
        # copier commits in its scratch copies; git's automatic upkeep has nothing to do there.
        "maintenance.auto": "false",
        "gc.auto": "0",
    }
    changes = {"GIT_CONFIG_COUNT": str(len(settings)), "COPIER_CACHE_DIR": str(cache)}
    for index, (key, value) in enumerate(settings.items()):
        changes[f"GIT_CONFIG_KEY_{index}"] = key
        changes[f"GIT_CONFIG_VALUE_{index}"] = value
    with _environment(changes):
        yield


@contextmanager
def _environment(changes: dict[str, str]) -> Iterator[None]:
    """These variables set, git never prompting, and the variables that would point git at
    another repository unset, for the duration of the block, in os.environ and in
    plumbum's copy of it (copier runs git through plumbum); restored afterwards."""
    changes = {**changes, "GIT_TERMINAL_PROMPT": "0"}
    leaked = [key for key in os.environ if _leaks(key) and key not in changes]
    saved = {key: os.environ.get(key) for key in [*changes, *leaked]}
    for key in leaked:
        del os.environ[key]
    os.environ.update(changes)
    try:
        with local.env(**changes):
            for key in leaked:
                local.env.pop(key, "")
            yield
    finally:
        for key, before in saved.items():
            if before is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = before
