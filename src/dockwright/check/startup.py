"""What a production container runs when it starts, read for the rules about start-up
(DW123: installs, DW124: migrations with several replicas).

The production image's ENTRYPOINT and CMD (the final stage's, exec form or shell form, with
the script of a `sh -c`), the shell scripts from the build context they run (followed
through the COPY instructions that put them in the image, and the scripts those run, a few
levels deep), and compose's `command:` and `entrypoint:` for the services built from that
Dockerfile. Development Dockerfiles, and compose files for development
(compose.override.yaml, compose.dev.yaml), are not production. A command inside an `if` or
`case` block, a `{ }` group or a function, or right after a test
(`[ "$ENV" = dev ] && pip install ...`), may only run in development or only on demand: it
is left out rather than guessed at.
"""

from __future__ import annotations

import os
import posixpath
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dockwright.check.dockerfile import Dockerfile, Instruction
from dockwright.check.project import (
    COMPOSE_BASES,
    Project,
    Service,
    Unparsable,
    built_dockerfile,
    inside,
    merge_options,
)
from dockwright.check.shell import (
    SHELLS,
    commands,
    exec_form,
    invocations,
    program,
    with_inner_scripts,
)

# Where a script run by its bare name (`ENTRYPOINT ["entrypoint.sh"]`) is found.
PATH = ("/usr/local/bin", "/usr/bin", "/bin")
# How many scripts deep a start is followed (an entrypoint running another script).
SCRIPT_DEPTH = 3
# Words that open and close a block whose commands may not run, and tests that guard the
# command after them.
OPENERS = frozenset({"if", "case", "{"})
CLOSERS = frozenset({"fi", "esac", "}"})
TESTS = frozenset({"[", "[[", "test"})
# Words before a command that are not its program.
PREFIXES = frozenset({"then", "else", "do", "while", "until", "!", "time", "exec", "nohup"})
# Commands that only print their words.
PRINTERS = frozenset({"echo", "printf", ":"})
# Words in a compose file's name that say it is for development.
DEVELOPMENT_COMPOSE = frozenset({"override", "local", "test", "tests", "testing", "ci", "debug"})

# An ENTRYPOINT or CMD: the exec form's words, or the shell form's text.
Form = list[str] | str


@dataclass(frozen=True)
class Part:
    """An ENTRYPOINT or CMD as the container gets it, with the Dockerfile instruction whose
    image state it runs in (for where its scripts came from) and what set it."""

    form: Form
    instruction: Instruction
    source: str


@dataclass(frozen=True)
class Start:
    """A command run when the container starts, the ENTRYPOINT or CMD that runs it, and
    how (that instruction, or a script it runs)."""

    words: list[str]
    part: Part
    source: str

    def quoted(self, limit: int = 8) -> str:
        shown = " ".join(self.words[:limit])
        return f"`{shown}{' ...' if len(self.words) > limit else ''}`"


# --- what the image runs -----------------------------------------------------------------


def image_parts(dockerfile: Dockerfile) -> tuple[Part | None, Part | None]:
    """The final image's ENTRYPOINT and CMD (the last of each in the final stage and the
    stages it builds on)."""
    found: dict[str, Part] = {}
    for ins in dockerfile.in_final():
        if ins.keyword in ("ENTRYPOINT", "CMD"):
            words = exec_form(ins.text)
            found[ins.keyword] = Part(ins.text if words is None else words, ins, ins.keyword)
    return found.get("ENTRYPOINT"), found.get("CMD")


def starts(
    project: Project,
    dockerfile: Dockerfile,
    entrypoint: Part | None,
    command: Part | None,
    *,
    guarded: bool = False,
) -> Iterator[Start]:
    """The commands run at start, outside any block that may not run (inside them too with
    guarded: what may run, as a wait for the database behind `if [ "$SKIP_DB_PING" ... ]`):
    the ENTRYPOINT with the CMD as its arguments (exec forms), the CMD on its own (an
    entrypoint that ends with `exec "$@"` runs it), and the scripts from the build context
    they run."""
    runs: list[tuple[list[list[str]], Part]] = []
    if entrypoint is not None:
        form = entrypoint.form
        if isinstance(form, list) and command is not None and isinstance(command.form, list):
            form = form + command.form
        runs.append((_commands(form), entrypoint))
    if command is not None and not (entrypoint is not None and isinstance(entrypoint.form, str)):
        runs.append((_commands(command.form), command))
    for found, part in runs:
        yield from _followed(project, dockerfile, part, found, part.source, 0, set(), guarded)


def _commands(form: Form) -> list[list[str]]:
    if isinstance(form, str):
        return commands(form)
    return with_inner_scripts([form], 0) if form else []


def _followed(
    project: Project,
    dockerfile: Dockerfile,
    part: Part,
    found: list[list[str]],
    source: str,
    depth: int,
    visited: set[Path],
    guarded: bool,
) -> Iterator[Start]:
    """The unguarded commands (all with guarded), and those of the scripts they run (each
    script once)."""
    for words in found if guarded else unguarded(found):
        yield Start(words, part, source)
        if depth >= SCRIPT_DEPTH:
            continue
        path = _script(dockerfile, part.instruction, words)
        if path is None or path in visited or not project.is_file(path):
            continue
        visited.add(path)
        text = project.text(path, strict=False)
        if not _shell_script(text):
            continue
        inner = f"{project.name(path)}, run by {part.source}"
        yield from _followed(
            project, dockerfile, part, commands(text), inner, depth + 1, visited, guarded
        )


def unguarded(found: list[list[str]]) -> Iterator[list[str]]:
    """The commands that run whatever the environment: not inside an `if` or `case` block,
    a `{ }` group or function body, and not right after a test (`[ ... ] && cmd`). The
    leading shell words (`then`, `exec`, `VAR=value`) are left off; commands that only
    print are left out."""
    depth = 0
    after_test = False
    for words in found:
        if not words:
            continue
        first = words[0]
        if first in CLOSERS:
            depth = max(0, depth - 1)
            continue
        if first in OPENERS or words[-1] == "{":
            depth += 1
        guarded = after_test
        stripped = _without_prefixes(words)
        after_test = bool(stripped) and stripped[0] in TESTS
        if depth or guarded or after_test or not stripped or stripped[0] in PRINTERS:
            continue
        yield stripped


def _without_prefixes(words: list[str]) -> list[str]:
    index = 0
    while index < len(words) and (words[index] in PREFIXES or _assignment(words[index])):
        index += 1
    return words[index:]


def _assignment(word: str) -> bool:
    name, equals, _ = word.partition("=")
    return bool(equals) and name.replace("_", "a").isalnum() and not name[0].isdigit()


def _script(dockerfile: Dockerfile, ins: Instruction, words: list[str]) -> Path | None:
    """The file from the build context a command runs as a shell script (`./start.sh`,
    `sh scripts/start.sh`, `. ./env.sh`), None for a program of the image."""
    first = program(words[0])
    word = ""
    by_shell = first in SHELLS or first in (".", "source")
    if first in (".", "source"):
        word = words[1] if len(words) > 1 else ""
    elif first in SHELLS:
        rest = words[1:]
        while rest and rest[0].startswith("-"):
            if "c" in rest[0] and not rest[0].startswith("--"):
                return None
            rest = rest[1:]
        word = rest[0] if rest else ""
    else:
        word = words[0]
    if not word or "$" in word:
        return None
    candidates = [word] if "/" in word or by_shell else [posixpath.join(p, word) for p in PATH]
    stage = dockerfile.stages[ins.stage]
    for candidate in candidates:
        relative = dockerfile.context_file(stage, ins, candidate)
        path = inside(dockerfile.context, relative) if relative else None
        if path is not None:
            return path
    return None


def _shell_script(text: str) -> bool:
    """Whether a shell reads the script: no shebang, or one naming a shell."""
    first = text.partition("\n")[0].strip()
    if not first.startswith("#!"):
        return True
    return any(program(word) in SHELLS for word in first[2:].split())


# --- what compose runs -------------------------------------------------------------------


@dataclass(frozen=True)
class Deployment:
    """A compose service built from a production Dockerfile, as one way of running compose
    gives it: a base compose file alone, or with another file over it. file and line are
    where the last file names the service; own is what that file itself sets."""

    name: str
    options: dict[str, Any]
    own: dict[str, Any]
    file: str
    line: int | None
    dockerfile: Dockerfile

    def own_parts(self) -> tuple[Part | None, Part | None]:
        """The entrypoint and command the last file sets itself."""
        return self._part("entrypoint", self.own), self._part("command", self.own)

    def parts(self) -> tuple[Part | None, Part | None]:
        """The entrypoint and command the container gets: compose's over the image's (a
        compose entrypoint drops the image's CMD, as Docker does)."""
        image_entrypoint, image_command = image_parts(self.dockerfile)
        entrypoint = self._part("entrypoint", self.options)
        command = self._part("command", self.options)
        if entrypoint is None:
            entrypoint = image_entrypoint
            if command is None:
                command = image_command
        return entrypoint, command

    def _part(self, key: str, options: dict[str, Any]) -> Part | None:
        value = options.get(key)
        if isinstance(value, str) and value.strip():
            return Part(value, self._last_instruction(), f"compose {key}")
        if isinstance(value, list) and value and all(isinstance(w, str) for w in value):
            return Part(value, self._last_instruction(), f"compose {key}")
        return None

    def _last_instruction(self) -> Instruction:
        """The instruction whose image state compose's command runs in: the image's
        ENTRYPOINT or CMD, or else the final stage's last instruction."""
        entrypoint, command = image_parts(self.dockerfile)
        for part in (command, entrypoint):
            if part is not None:
                return part.instruction
        return self.dockerfile.in_final()[-1]


def deployments(project: Project) -> list[Deployment]:
    """Each production service of each way of running compose: every base file alone, and
    every base with each other file that is not for development over it. Found once per
    checked project: DW103, DW108, DW123 and DW124 all read them."""
    if project not in _DEPLOYMENTS:
        _DEPLOYMENTS[project] = list(_deployments(project))
    return _DEPLOYMENTS[project]


_DEPLOYMENTS: weakref.WeakKeyDictionary[Project, list[Deployment]] = weakref.WeakKeyDictionary()


def _deployments(project: Project) -> Iterator[Deployment]:
    production = {Path(os.path.normpath(d.path)): d for d in project.production_dockerfiles()}
    for directory in project.compose_directories():
        yield from _deployments_in(project, directory, production)


def _deployments_in(
    project: Project, directory: Path, production: dict[Path, Dockerfile]
) -> Iterator[Deployment]:
    bases, others = [], []
    for path in project.compose_files(directory):
        if path.name in COMPOSE_BASES:
            bases.append(path)
        elif not development_compose(path.name):
            others.append(path)
    runs = [[base] for base in bases] + [[base, other] for base in bases for other in others]
    if not bases:
        runs = [[other] for other in others]
    replaced = _replaced_commands(project, others)
    for files in runs:
        services = [_services(project, path) for path in files]
        for key, last in services[-1].items():
            options: dict[str, Any] = {}
            for layer in services:
                if key in layer:
                    options = merge_options(options, layer[key].options)
            own = last.options
            if len(files) == 1 and files[0] in bases:
                own = {k: v for k, v in own.items() if k not in replaced.get(key, ())}
            found = built_dockerfile(project.root, options.get("build"), directory)
            dockerfile = production.get(found[1]) if found else None
            if dockerfile is not None and dockerfile.final is not None:
                yield Deployment(key, options, own, last.file, last.line, dockerfile)


def _replaced_commands(project: Project, others: list[Path]) -> dict[str, set[str]]:
    """The command and entrypoint a production file (compose.prod.yaml) gives a service:
    the base file's own are then the ones development runs."""
    replaced: dict[str, set[str]] = {}
    for path in others:
        for key, service in _services(project, path).items():
            keys = {k for k in ("command", "entrypoint") if k in service.options}
            replaced.setdefault(key, set()).update(keys)
    return replaced


def development_compose(name: str) -> bool:
    """Whether a compose file's name says it is for development (compose.override.yaml,
    docker-compose.dev.yml)."""
    words = set(name.lower().replace("_", "-").replace(".", "-").split("-"))
    return any(word.startswith("dev") for word in words) or bool(words & DEVELOPMENT_COMPOSE)


def _services(project: Project, path: Path) -> dict[str, Service]:
    """A compose file's services; none when it cannot be read (DW100 says why)."""
    try:
        return project.compose(path).services
    except Unparsable:
        return {}


# Options that only show or check what a migration would do.
NOT_APPLYING = frozenset({"--sql", "--check", "--plan", "--help", "-h"})


def migrates(words: list[str]) -> bool:
    """Whether a command applies database migrations: `alembic upgrade`, `flask db
    upgrade`, `manage.py migrate`, `django-admin migrate` (through `python -m`, `uv run`,
    `poetry run` too)."""
    if NOT_APPLYING & set(words):
        return False
    if invocations(words, {"alembic"}, {"upgrade"}):
        return True
    if any("db" in words[start:] for start in invocations(words, {"flask"}, {"upgrade"}, {"db"})):
        return True
    return bool(invocations(words, {"manage.py", "django-admin"}, {"migrate"}))
