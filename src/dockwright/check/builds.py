"""What the project's own build scripts say: the images it builds and tags itself, and the
build arguments it passes.

A Dockerfile built FROM one of the project's own images (freqtrade's docker/Dockerfile.freqai
on freqtradeorg/freqtrade, lnbits' plug-in images on lnbits/lnbits) inherits what the
project's main Dockerfile does: its user, its lock. And an ARG whose default is `latest` is
not what is built when every build script passes it. The scripts read: the GitHub and GitLab
CI files, Makefiles and justfiles, and the shell scripts at the top, beside each Dockerfile
and in the usual script folders; each bounded, read once per checked project.
"""

from __future__ import annotations

import functools
import re
import weakref
from dataclasses import dataclass
from pathlib import Path

from dockwright.check.project import HAND_WRITTEN, Project, is_file, names

SCRIPT_FOLDERS = ("scripts", "script", "bin", "build_helpers", "ci", ".ci", "docker", "tools")
MAKEFILES = ("Makefile", "makefile", "GNUmakefile", "justfile", ".gitlab-ci.yml")
MOST_FILES = 200

# `-t name:tag`, `--tag=name`, `tags: name:tag` (build-push-action), `IMAGE_NAME=name`.
_TAGGED = re.compile(r"(?:(?<!\S)(?:-t|--tag)[ =]|\btags:[ \t]*)[\"']?([^\s\"',|>]+)")
_BLOCK_KEY = re.compile(r"^([ \t]*)(?:-[ \t]+)?(?:tags|images):[ \t]*[|>]?-?[ \t]*$")
_ASSIGNED = re.compile(r"^[ \t]*(?:export[ \t]+)?(\w*IMAGE\w*)=[\"']?([^\s\"']+)", re.M | re.I)
_IMAGE = re.compile(r"[a-z0-9][a-z0-9._-]*(?::[0-9]+)?(?:/[a-z0-9][a-z0-9._-]*)*")
_SHELL_VARIABLE = re.compile(r"\$\{?(\w+)\}?")


@dataclass(frozen=True)
class BuildScripts:
    images: frozenset[str]  # image names without tags; "*/name" where the owner is a variable
    text: str  # all the scripts read, for the build arguments they pass

    def builds(self, image: str) -> bool:
        """Whether image (a FROM's, tag and all) is one the project builds itself."""
        name = _name(image)
        if not name or "$" in name:
            return False
        return name in self.images or f"*/{name.rsplit('/', 1)[-1]}" in self.images

    def passes(self, argument: str) -> bool:
        """Whether the scripts pass a build argument of this name (--build-arg NAME=...,
        build-args: NAME=... in a workflow)."""
        name = re.escape(argument)
        return bool(
            re.search(rf"build-args?\b[^\n]*\b{name}=", self.text)
            or re.search(
                rf"build-args:[ \t]*[|>]?-?[ \t]*\n(?:[ \t]+\S.*\n)*?[ \t]+{name}=", self.text
            )
        )


def build_scripts(project: Project) -> BuildScripts:
    if project not in _FOUND:
        _FOUND[project] = _read(project)
    return _FOUND[project]


_FOUND: weakref.WeakKeyDictionary[Project, BuildScripts] = weakref.WeakKeyDictionary()


def _read(project: Project) -> BuildScripts:
    images: set[str] = set()
    texts = []
    for path in _script_files(project):
        text = project.text(path, limit=HAND_WRITTEN, strict=False)
        texts.append(text)
        values = {name: value for name, value in _ASSIGNED.findall(text)}
        found = _TAGGED.findall(text) + list(values.values()) + _tag_blocks(text)
        for reference in found:
            name = _name(_SHELL_VARIABLE.sub(functools.partial(_value, values), reference))
            if not name:
                continue
            owner, _, repository = name.rpartition("/")
            if "$" in repository or "{" in repository:
                continue
            image = f"*/{repository}" if "$" in owner or "{" in owner else name
            if _IMAGE.fullmatch(image.removeprefix("*/")):
                images.add(image)
    return BuildScripts(frozenset(images), "\n".join(texts))


def _tag_blocks(text: str) -> list[str]:
    """The entries of `tags: |` and `images: |` blocks (build-push-action, metadata-action):
    the lines below the key, indented deeper than it."""
    found: list[str] = []
    indent: int | None = None
    for line in text.splitlines():
        depth = len(line) - len(line.lstrip(" \t"))
        if indent is not None:
            if line.strip() and depth > indent:
                found.append(line.strip().strip("\"'- "))
                continue
            if line.strip():
                indent = None
        if (key := _BLOCK_KEY.match(line)) is not None:
            indent = len(key[1])
    return found


def _script_files(project: Project) -> list[Path]:
    root = project.root
    found: list[Path] = []
    workflows = root / ".github" / "workflows"
    folders = [root] + [root / name for name in SCRIPT_FOLDERS]
    folders += [path.parent for path in project.dockerfile_paths]
    seen: set[Path] = set()
    for folder in [workflows, *folders]:
        if folder in seen or not folder.is_dir() or folder.is_symlink():
            continue
        seen.add(folder)
        for name in names(folder):
            wanted = (
                (folder == workflows and name.endswith((".yml", ".yaml")))
                or name.endswith(".sh")
                or name in MAKEFILES
            )
            if wanted and is_file(folder / name):
                found.append(folder / name)
                if len(found) >= MOST_FILES:
                    return found
    return found


def _value(values: dict[str, str], match: re.Match[str]) -> str:
    return values.get(match[1], match[0])


def _name(reference: str) -> str:
    """An image reference's name, lowercased, without its tag or digest."""
    name = reference.strip().lower().partition("@")[0]
    if ":" in name.rsplit("/", 1)[-1]:
        name = name.rsplit(":", 1)[0]
    return name.removeprefix("docker.io/").removeprefix("library/")
