"""DW120: Python runs as PID 1 with no init and no SIGTERM handler.

The kernel gives PID 1 no default action for a signal: a signal it has no handler for is
dropped. The Python interpreter installs a handler for SIGINT but not for SIGTERM, so a
script that the container runs directly ignores `docker stop` (and Kubernetes' stop),
which waits out its timeout, 10 s by default, and kills it with SIGKILL: the job loses
its work, nothing is flushed or closed, and every deploy and `docker compose down` waits.
A shell form command is no better: `/bin/sh -c` as PID 1 forwards no signal either.

Reports: `docker-compose down` taking ten full seconds for a Python service, fixed by
`init: true` (https://github.com/deiger/AirCon/issues/193); `docker stop` of a Python
server measured at 10.3 s, and 0.3 s once a SIGTERM handler was installed
(https://github.com/OHF-Voice/wyoming-piper/pull/47); the tini maintainer's account of
why PID 1 needs an init (https://github.com/krallin/tini/issues/8).

The rule fires only when it can tell: the command starts a Python interpreter itself (an
init such as tini, dumb-init or docker-init, or an entrypoint script, runs first
otherwise, and what a script does is not guessed), the base image is one known to set no
entrypoint of its own, no compose service built from the Dockerfile has `init: true`, and
the program is not a server that stops itself on SIGTERM (gunicorn, uvicorn, celery, ...)
nor code of the project that mentions SIGTERM or such a server.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from dockwright.check.dockerfile import Dockerfile, Instruction
from dockwright.check.project import (
    SKIPPED,
    Project,
    built_dockerfile,
    inside,
    merged_services,
)
from dockwright.check.registry import Hit, rule
from dockwright.check.shell import SHELLS, commands, exec_form, program
from dockwright.errors import UsageError
from dockwright.files import kind

# python, python3, python3.12 (one word, matched whole).
PYTHON = re.compile(r"python(?:[0-9]+(?:\.[0-9]+)?)?")
# Programs and modules that install their own SIGTERM handler (or a reloader that does).
SERVERS = frozenset(
    {
        "celery",
        "daphne",
        "dramatiq",
        "faust",
        "flask",
        "granian",
        "gunicorn",
        "hypercorn",
        "jupyter",
        "jupyterlab",
        "kopf",
        "rq",
        "scrapy",
        "streamlit",
        "twisted",
        "uvicorn",
        "uwsgi",
    }
)
# Words in the code that mean SIGTERM is handled: the signal itself, or a server, bot or
# crawler framework whose run call installs a handler for it.
HANDLING_WORDS = SERVERS | {
    "SIGTERM",
    "aiogram",
    "run_app",
    "run_polling",
    "sanic",
    "CrawlerProcess",
    "reactor",
}
# Flask's and Django's reloaders install a SIGTERM handler.
RELOADERS = ("debug=True", "use_reloader=True")
# Stop signals Python as PID 1 obeys: SIGINT (its KeyboardInterrupt handler) and SIGKILL.
OBEYED_SIGNALS = frozenset({"SIGINT", "INT", "2", "SIGKILL", "KILL", "9"})
# Official images that set no ENTRYPOINT, and images whose ENTRYPOINT is Python itself.
PLAIN_IMAGES = frozenset({"python", "debian", "ubuntu", "alpine"})
OFFICIAL_PATH = frozenset(
    {"docker.io", "index.docker.io", "registry-1.docker.io", "library", "mirror.gcr.io"}
)
PYTHON_IMAGES = re.compile(r"(?:^|/)(?:distroless/python3[^/:@]*|chainguard/python)(?:[:@]|$)")
# Interpreter options that take a value (-W ignore, -X dev).
VALUE_OPTIONS = frozenset({"W", "X"})
# How much of the project's code is read to find a SIGTERM handler.
MOST_SOURCES = 64
MOST_ENTRIES = 2000
PACKAGE_DEPTH = 4
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Program(NamedTuple):
    """What the interpreter runs: a script, a module (-m) or code (-c), and its arguments."""

    kind: str
    name: str
    arguments: list[str]


@rule(
    "DW120",
    "warning",
    "Python runs as PID 1 with no init and no SIGTERM handler",
    "as PID 1, Python ignores the SIGTERM of `docker stop`, which waits its timeout (10 s) "
    "and then kills the program with SIGKILL, mid-work",
    'run it under an init: ENTRYPOINT ["tini", "--"] (apt-get install tini), `init: true` '
    "in compose or `docker run --init`; or handle SIGTERM in the program "
    "(signal.signal(signal.SIGTERM, ...))",
)
def python_as_pid1(project: Project) -> Iterator[Hit]:
    stopped = _stopped_by_compose(project)
    for dockerfile in project.production_dockerfiles():
        if Path(os.path.normpath(dockerfile.path)) in stopped:
            continue
        final = dockerfile.in_final()
        if any(i.keyword == "STOPSIGNAL" and _obeyed(i.text) for i in final):
            continue
        found = _command(dockerfile, final)
        if found is None:
            continue
        words, line = found
        python = _python_run(words)
        started = _program(python[1:]) if python else None
        if python is None or started is None or _handles_sigterm(project, dockerfile, started):
            continue
        yield Hit(dockerfile.name, line, f"{' '.join(python)} runs as PID 1")


def _obeyed(signal: str) -> bool:
    return signal.strip().upper() in OBEYED_SIGNALS


def _command(dockerfile: Dockerfile, final: list[Instruction]) -> tuple[list[str], int] | None:
    """The command the container runs (ENTRYPOINT then CMD, a shell form as `/bin/sh -c`)
    and the line that starts it; None when an ENTRYPOINT of the base image may come first.
    An ENTRYPOINT resets a CMD set in an earlier stage, as Docker does."""
    entrypoints = [i for i in final if i.keyword == "ENTRYPOINT"]
    cmds = [i for i in final if i.keyword == "CMD"]
    entry = entrypoints[-1] if entrypoints else None
    cmd = cmds[-1] if cmds else None
    if entry is not None and cmd is not None and cmd.stage < entry.stage:
        cmd = None
    if entry is not None:
        first = _words(entry.text)
        if exec_form(entry.text) is None and first:
            return first, entry.line  # a shell form ENTRYPOINT ignores CMD
    else:
        implicit = _image_entrypoint(dockerfile.final_lineage[0].image)
        if implicit is None:
            return None
        first = implicit
    rest = _words(cmd.text) if cmd is not None else []
    line = entry.line if entry is not None and first else cmd.line if cmd is not None else None
    if line is None or not first + rest:
        return None
    return first + rest, line


def _words(text: str) -> list[str]:
    """An ENTRYPOINT's or CMD's words: the exec form's, or `/bin/sh -c` with the text."""
    if text.strip().replace(" ", "") == "[]":
        return []
    words = exec_form(text)
    return words if words is not None else ["/bin/sh", "-c", text]


def _image_entrypoint(image: str) -> list[str] | None:
    """The ENTRYPOINT a base image sets, when it is one whose ENTRYPOINT is known."""
    reference = image.lower().split("@", 1)[0]
    if PYTHON_IMAGES.search(reference):
        return ["python3"]
    path = reference.split("/")
    path[-1] = path[-1].split(":", 1)[0]
    if path[-1] in PLAIN_IMAGES and set(path[:-1]) <= OFFICIAL_PATH:
        return []
    return None


def _python_run(words: list[str], depth: int = 0) -> list[str] | None:
    """The interpreter's words when the command runs Python as the program that stays:
    itself, or the last command of a `sh -c` script (`exec`, `env` and VAR=value first are
    passed over). None when anything else runs first, or the script traps signals."""
    words = _without_prefix(words)
    if not words:
        return None
    if program(words[0]) in SHELLS and depth == 0:
        script = _shell_script(words)
        inner = commands(script, 3) if script is not None else []
        if not inner or any(c[0] == "trap" for c in inner if c):
            return None
        return _python_run(inner[-1], depth + 1)
    return words if PYTHON.fullmatch(program(words[0])) else None


def _without_prefix(words: list[str]) -> list[str]:
    index = 0
    while index < len(words) and (
        words[index] in ("exec", "env") or ("=" in words[index] and words[index][0] != "-")
    ):
        index += 1
    return words[index:]


def _shell_script(words: list[str]) -> str | None:
    """The script of `sh -c SCRIPT` (-ec, -xc and the like); None for a script file."""
    for index, word in enumerate(words[1:-1], start=1):
        if word.startswith("-") and not word.startswith("--") and "c" in word:
            return words[index + 1]
        if not word.startswith("-"):
            return None
    return None


def _program(arguments: list[str]) -> Program | None:
    """What `python ARGUMENTS` runs; None for the interactive interpreter or stdin."""
    index = 0
    while index < len(arguments):
        word = arguments[index]
        index += 1
        if word in ("-", "--"):
            return None
        if not word.startswith("-"):
            return Program("script", word, arguments[index:])
        if word == "--check-hash-based-pycs":
            index += 1
        if word.startswith("--"):
            continue
        for place, letter in enumerate(word[1:], start=1):
            if letter not in "mc" and letter not in VALUE_OPTIONS:
                continue
            value = word[place + 1 :]
            if not value and index < len(arguments):
                value = arguments[index]
                index += 1
            if letter == "m":
                return Program("module", value, arguments[index:]) if value else None
            if letter == "c":
                return Program("code", value, arguments[index:]) if value else None
            break
    return None


# --- does the program handle SIGTERM ------------------------------------------------------


def _handles_sigterm(project: Project, dockerfile: Dockerfile, started: Program) -> bool:
    """Whether the program stops on SIGTERM, or may: a server that does, or code that
    mentions SIGTERM or such a server. Code the rule cannot find or read fully may handle
    it, so it counts as handling it."""
    if started.kind == "code":
        return _mentions_handling(started.name)
    if started.kind == "module":
        if started.name.split(".")[0] in SERVERS:
            return True
        sources = _module_sources(project, dockerfile, started.name)
    else:
        name = program(started.name).removesuffix(".py")
        if name in SERVERS:
            return True
        if name == "manage" and "runserver" in started.arguments:
            return "--noreload" not in started.arguments
        sources = _script_sources(project, dockerfile, started.name)
    if sources is None:
        return True
    for path in sources:
        try:
            text = project.text(path, strict=False)
        except UsageError:
            return True
        if _mentions_handling(text):
            return True
    return False


def _mentions_handling(text: str) -> bool:
    if any(reloader in text for reloader in RELOADERS):
        return True
    return any(word in HANDLING_WORDS for word in _IDENTIFIER.findall(text))


def _in_context(dockerfile: Dockerfile, path: str) -> Path | None:
    """Where a path of the final image came from in the build context, as the container
    sees it: relative to the final working directory."""
    stage = dockerfile.final_lineage[-1]
    last = stage.instructions[-1]
    found = dockerfile.context_file(stage, last, path)
    return inside(dockerfile.context, found) if found is not None else None


def _script_sources(project: Project, dockerfile: Dockerfile, script: str) -> list[Path] | None:
    """The script and the project's modules it imports, from the build context."""
    path = _in_context(dockerfile, script)
    if path is None or kind(path) != "file":
        return None
    return _with_imports(project, path, [path.parent])


def _module_sources(project: Project, dockerfile: Dockerfile, module: str) -> list[Path] | None:
    """The files of the module `python -m` runs: found on the image's working directory
    and PYTHONPATH, or at the top of the build context or under src/ (an installed
    project); a package is read whole."""
    parts = module.split(".")
    relative = "/".join(parts)
    folders: list[Path] = []
    for directory in [".", *_python_path(dockerfile)]:
        found = _in_context(dockerfile, posixpath.join(directory, parts[0]))
        if found is not None:
            folders.append(found.parent)
    folders += [dockerfile.context, dockerfile.context / "src"]
    for folder in folders:
        for entry in (f"{relative}/__main__.py", f"{relative}.py"):
            path = inside(folder, entry)
            if path is None or kind(path) != "file":
                continue
            package = folder / parts[0]
            if kind(package) == "directory":
                return _package_files(package)
            return _with_imports(project, path, [folder])
    return None


def _python_path(dockerfile: Dockerfile) -> list[str]:
    """The directories the final image's PYTHONPATH names (those without a variable)."""
    found: list[str] = []
    for ins in dockerfile.in_final():
        if ins.keyword != "ENV":
            continue
        words = ins.arguments
        pairs = (
            [(words[0], " ".join(words[1:]))]
            if words and "=" not in words[0]
            else [(w.partition("=")[0], w.partition("=")[2]) for w in words]
        )
        for key, value in pairs:
            if key == "PYTHONPATH":
                found = [p for p in value.split(":") if p and "$" not in p]
    return found


def _with_imports(project: Project, path: Path, folders: list[Path]) -> list[Path] | None:
    """path, and the modules and packages in folders that its imports name."""
    try:
        text = project.text(path, strict=False)
    except UsageError:
        return None
    found = [path]
    for name in sorted(_imported(text)):
        for folder in folders:
            module = folder / f"{name}.py"
            package = folder / name
            if kind(module) == "file" and module != path:
                found.append(module)
            elif kind(package) == "directory":
                files = _package_files(package)
                if files is None:
                    return None
                found += files
        if len(found) > MOST_SOURCES:
            return None
    return found


def _imported(text: str) -> set[str]:
    """The top-level names of the absolute imports (`import a.b`, `from a import b`)."""
    names = set()
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] in ("import", "from"):
            for item in words[1].split(","):
                top = item.split(".")[0]
                if top.isidentifier():
                    names.add(top)
    return names


def _package_files(package: Path) -> list[Path] | None:
    """The .py files of a package (linked directories not followed); None when there are
    more than MOST_SOURCES or the package cannot be listed."""
    found: list[Path] = []
    pending = [(package, 0)]
    looked = 0
    while pending:
        directory, depth = pending.pop()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError:
            return None
        for entry in entries:
            looked += 1
            if looked > MOST_ENTRIES:
                return None
            path = directory / entry.name
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in SKIPPED and depth + 1 < PACKAGE_DEPTH:
                    pending.append((path, depth + 1))
            elif entry.name.endswith(".py") and kind(path) == "file":
                found.append(path)
                if len(found) > MOST_SOURCES:
                    return None
    return found


# --- compose ------------------------------------------------------------------------------


def _stopped_by_compose(project: Project) -> set[Path]:
    """The Dockerfiles a compose service builds with `init: true`, or with a stop_signal
    Python obeys: each service's options merged over the compose files, as compose does."""
    merged = merged_services(project, project.compose_files())
    found = set()
    for options in merged.values():
        signal = options.get("stop_signal")
        if options.get("init") is not True and not (isinstance(signal, str) and _obeyed(signal)):
            continue
        built = built_dockerfile(project.root, options.get("build"))
        if built is not None:
            found.add(built[1])
    return found
