"""Dockerfiles as BuildKit reads them, and the stages they build.

parse_dockerfile reads the instructions: parser directives at the top (`# escape=`),
comments and blank lines skipped (inside a continued instruction too), heredocs (`RUN <<EOF`)
whose bodies belong to their instruction, and the `# dockwright ignore=CODE,...` comment on
the line before an instruction. Dockerfile models the stages: which stage a FROM builds on,
which a COPY --from copies out of, the one the build ends with (the last, or compose's
`target:`), and where a path inside the image came from in the build context.
"""

from __future__ import annotations

import fnmatch
import functools
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dockwright.check.shell import (
    RAW_WORD,
    SHELLS,
    commands,
    exec_form,
    program,
    unquote,
    with_inner_scripts,
)
from dockwright.files import kind

KEYWORDS = frozenset(
    {
        "ADD",
        "ARG",
        "CMD",
        "COPY",
        "ENTRYPOINT",
        "ENV",
        "EXPOSE",
        "FROM",
        "HEALTHCHECK",
        "LABEL",
        "MAINTAINER",
        "ONBUILD",
        "RUN",
        "SHELL",
        "STOPSIGNAL",
        "USER",
        "VOLUME",
        "WORKDIR",
    }
)
# A word that opens a heredoc, as BuildKit reads it: [fd]<<[-]NAME, NAME maybe quoted.
_HEREDOC = re.compile(r"[0-9]*<<(-?)([^<]*)")
_HEREDOC_KEYWORDS = ("RUN", "COPY", "ADD")
# How many COPY instructions, and stages, a lookup of where a file came from goes back.
RECENT = 64
# `# dockwright ignore=DW104,DL3008` (hadolint's `# hadolint ignore=` form).
_IGNORE = re.compile(r"#\s*dockwright\s+ignore\s*=\s*([\w, ]*)", re.IGNORECASE)


@dataclass(frozen=True)
class Instruction:
    line: int
    keyword: str
    text: str
    stage: int
    heredocs: tuple[str, ...] = ()  # the bodies of its `<<EOF` ... `EOF`, in order
    ignores: frozenset[str] = frozenset()  # the codes its `# dockwright ignore=` names

    @functools.cached_property
    def commands(self) -> list[list[str]]:
        """A RUN's simple commands, each as its words; [] for others."""
        return _run_commands(self) if self.keyword == "RUN" else []

    @functools.cached_property
    def script(self) -> str:
        """Its text with its heredoc bodies, to look for flags such as --no-cache-dir in."""
        return "\n".join((self.text, *self.heredocs))

    @functools.cached_property
    def flags(self) -> dict[str, list[str]]:
        """Its leading --name=value options (RUN --mount=..., COPY --from=...)."""
        found: dict[str, list[str]] = {}
        for word in self.text.split():
            if not word.startswith("--"):
                break
            name, _, value = word[2:].partition("=")
            found.setdefault(name.lower(), []).append(value)
        return found

    @functools.cached_property
    def arguments(self) -> list[str]:
        """Its words after the options, unquoted (the exec form's too)."""
        rest = _without_flags(self.text)
        words = exec_form(rest)
        if words is not None:
            return words
        return [unquote(word) for word in RAW_WORD.findall(rest)]

    def mounts(self) -> Iterator[dict[str, str]]:
        """Its --mount options, each as its key=value pairs."""
        for value in self.flags.get("mount", []):
            yield dict(
                (part.partition("=")[0].strip(), part.partition("=")[2].strip())
                for part in value.split(",")
            )


def parse_dockerfile(text: str) -> list[Instruction]:
    """The instructions, as BuildKit reads them: parser directives at the top (`# escape=`
    sets the line-continuation character, `\\` by default), comments and blank lines skipped
    (inside a continued instruction too), and heredocs: after an instruction with
    `<<EOF` (`<<-EOF` strips leading tabs, `<<"EOF"` / `<<'EOF'` quote the name; several per
    line), the lines up to each terminator are its bodies, never instructions. The comments
    right above an instruction may say `# dockwright ignore=CODE,...`."""
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    escape = _escape_character(lines)
    instructions = []
    stage = -1
    pending: list[str] = []
    above: set[str] = set()  # codes the comments right above the instruction ignore
    ignores: frozenset[str] = frozenset()
    start = 0
    number = 0
    while number < len(lines):
        stripped = lines[number].strip()
        number += 1
        last = number == len(lines)
        if stripped and not stripped.startswith("#"):
            if not pending:
                start = number
                ignores = frozenset(above)
                above = set()
            continuing = stripped.endswith(escape)
            pending.append(stripped[:-1] if continuing else stripped)
            if continuing and not last:
                continue
        elif not pending or not last:
            if not pending:
                match = _IGNORE.match(stripped)
                if match:
                    above.update(c.strip().upper() for c in match[1].split(",") if c.strip())
                elif not stripped:
                    above = set()
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
        instructions.append(Instruction(start, keyword, rest, stage, tuple(bodies), ignores))
    return instructions


def problem(instructions: list[Instruction]) -> tuple[int | None, str] | None:
    """Why BuildKit would refuse these instructions (the line, and what is wrong), or None."""
    for ins in instructions:
        if ins.keyword not in KEYWORDS:
            return ins.line, f"unknown instruction {ins.keyword}"
        if ins.stage < 0 and ins.keyword != "ARG":
            return ins.line, f"{ins.keyword} before the first FROM"
        if ins.keyword == "FROM" and not ins.arguments:
            return ins.line, "FROM without an image"
    if not any(ins.keyword == "FROM" for ins in instructions):
        return None, "no FROM instruction"
    return None


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
    for word in RAW_WORD.findall(line):
        match = _HEREDOC.fullmatch(word)
        if match and match[2]:
            found.append((unquote(match[2]), match[1] == "-"))
    return found


_WORD_SPAN = re.compile(r"\S+")


def _without_flags(text: str) -> str:
    for match in _WORD_SPAN.finditer(text):
        if not match[0].startswith("--"):
            return text[match.start() :]
    return ""


def _run_commands(ins: Instruction) -> list[list[str]]:
    """The simple commands a RUN runs. Its flags (--mount=...) are not part of them; its
    heredocs are when the shell reads them as its script (`RUN <<EOF`, `RUN bash <<EOF`),
    not when they are another program's input (`RUN python3 <<EOF`, `#!/usr/bin/env python3`)."""
    line = _without_flags(ins.text)
    words = exec_form(line)
    found = with_inner_scripts([words], 0) if words is not None else commands(line)
    runner = found[0][0] if found else ""
    if ins.heredocs and (not runner or program(runner) in SHELLS):
        for body in ins.heredocs:
            shebang = body.partition("\n")[0]
            if shebang.startswith("#!") and not any(
                program(w) in SHELLS for w in shebang[2:].split()
            ):
                continue
            found += commands(body)
    return found


# --- stages ------------------------------------------------------------------------------


@dataclass
class Stage:
    index: int
    name: str  # its `AS` name, lowercased; "" without one
    image: str  # what its FROM names
    parent: int | None  # the stage its FROM builds on, when it names one
    instructions: list[Instruction] = field(default_factory=list)

    @property
    def line(self) -> int:
        return self.instructions[0].line

    def copies_from(self) -> Iterator[tuple[Instruction, str]]:
        """Its COPY --from=X instructions, with X as written."""
        for ins in self.instructions:
            if ins.keyword in ("COPY", "ADD"):
                for value in ins.flags.get("from", []):
                    yield ins, value


def stages_of(instructions: list[Instruction]) -> list[Stage]:
    stages: list[Stage] = []
    names: dict[str, int] = {}
    for ins in instructions:
        if ins.keyword == "FROM":
            words = ins.arguments
            image = words[0] if words else ""
            name = words[2].lower() if len(words) >= 3 and words[1].upper() == "AS" else ""
            stages.append(Stage(len(stages), name, image, names.get(image.lower())))
            if name:
                names[name] = len(stages) - 1
        if stages:
            stages[-1].instructions.append(ins)
    return stages


@dataclass
class Dockerfile:
    """A Dockerfile of the checked project, with the build context it is built in."""

    path: Path
    name: str  # relative to the checked directory
    context: Path
    instructions: list[Instruction]
    target: str | None = None  # the stage compose builds (build.target), when it names one
    development: str = ""  # why it is a development image; "" for a production one
    problem: tuple[int | None, str] | None = None  # why it cannot be built, when it cannot
    _directories: dict[str, bool] = field(default_factory=dict, repr=False)
    _copies: dict[int, tuple[str, list[str]]] = field(default_factory=dict, repr=False)
    _origins: dict[tuple[int, int, str], str | None] = field(default_factory=dict, repr=False)

    @functools.cached_property
    def stages(self) -> list[Stage]:
        return stages_of(self.instructions)

    def stage(self, reference: str) -> Stage | None:
        """The stage a FROM or --from names (its name or its index), None for an image."""
        for stage in self.stages:
            if stage.name and stage.name == reference.lower():
                return stage
        if reference.isdigit() and int(reference) < len(self.stages):
            return self.stages[int(reference)]
        return None

    @functools.cached_property
    def final(self) -> Stage | None:
        """The stage the build ends with: compose's target, else the last."""
        if self.target and (stage := self.stage(self.target)) is not None:
            return stage
        return self.stages[-1] if self.stages else None

    def lineage(self, stage: Stage) -> list[Stage]:
        """stage and the stages it builds on (FROM builder), the first first."""
        chain = [stage]
        while chain[-1].parent is not None:
            chain.append(self.stages[chain[-1].parent])
        return chain[::-1]

    @functools.cached_property
    def global_args(self) -> dict[str, str]:
        """The ARG defaults before the first FROM: the values a FROM line can use (an ARG
        named again without a value has none)."""
        defaults: dict[str, str] = {}
        for ins in self.instructions:
            if ins.stage >= 0:
                break
            if ins.keyword != "ARG":
                continue
            for word in ins.arguments:
                key, equals, value = word.partition("=")
                if equals:
                    defaults[key] = value
                else:
                    defaults.pop(key, None)
        return defaults

    def base_image(self, stage: Stage) -> str:
        """The image stage's lineage starts FROM, with the ARG defaults given before the
        first FROM put in (FROM ${BASE}:${TAG})."""
        image = self.lineage(stage)[0].image
        if "$" not in image:
            return image
        return _VARIABLE.sub(functools.partial(_put, self.global_args), image)

    @functools.cached_property
    def final_lineage(self) -> list[Stage]:
        return self.lineage(self.final) if self.final else []

    def in_final(self) -> list[Instruction]:
        """The instructions whose layers are in the final image, in order."""
        return [ins for stage in self.final_lineage for ins in stage.instructions]

    def reaching(self, paths: tuple[str, ...]) -> set[int]:
        """The stages whose files under one of paths (absolute, in the image) end in the
        final image: its lineage, and the lineage of a stage the final copies from, when
        the copied path holds one of paths."""
        reached = {stage.index for stage in self.final_lineage}
        pending = list(self.final_lineage)
        while pending:
            stage = pending.pop()
            for ins, reference in stage.copies_from():
                source = self.stage(reference)
                if source is None or source.index in reached:
                    continue
                sources = [posixpath.normpath("/" + s.lstrip("/")) for s in ins.arguments[:-1]]
                if any(p == s or p.startswith(s.rstrip("/") + "/") for s in sources for p in paths):
                    ancestor: Stage | None = source
                    while ancestor is not None and ancestor.index not in reached:
                        reached.add(ancestor.index)
                        pending.append(ancestor)
                        parent = ancestor.parent
                        ancestor = self.stages[parent] if parent is not None else None
        return reached

    @functools.cached_property
    def _workdirs(self) -> dict[int, str]:
        """The working directory each instruction runs in (by id), in one pass: a stage
        starts in the one its parent stage ends in."""
        found: dict[int, str] = {}
        ends: list[str] = []
        for stage in self.stages:
            directory = ends[stage.parent] if stage.parent is not None else "/"
            for ins in stage.instructions:
                found[id(ins)] = directory
                if ins.keyword == "WORKDIR" and ins.arguments:
                    into = self.expand(ins, ins.arguments[0])
                    directory = posixpath.normpath(posixpath.join(directory, into))
            ends.append(directory)
        return found

    @functools.cached_property
    def _variables(self) -> dict[int, dict[str, str]]:
        """The ENV and ARG values each instruction sees (by id); a stage starts with those its
        parent stage ends with. Only the ones whose values are written out."""
        found: dict[int, dict[str, str]] = {}
        ends: list[dict[str, str]] = []
        for stage in self.stages:
            values = dict(ends[stage.parent]) if stage.parent is not None else {}
            for ins in stage.instructions:
                found[id(ins)] = values
                if ins.keyword in ("ENV", "ARG"):
                    put = functools.partial(_put, values)
                    values = {**values, **{k: _VARIABLE.sub(put, v) for k, v in _assignments(ins)}}
            ends.append(values)
        return found

    def variables(self, ins: Instruction) -> dict[str, str]:
        """The ENV and ARG values `ins` sees, where they are written out."""
        return self._variables.get(id(ins), {})

    def expand(self, ins: Instruction, text: str) -> str:
        """text with the $NAME and ${NAME} whose values `ins` sees put in."""
        if "$" not in text:
            return text
        return _VARIABLE.sub(functools.partial(_put, self.variables(ins)), text)

    @functools.cached_property
    def _index(self) -> dict[int, tuple[Stage, int]]:
        """Each instruction's stage and place in it (by id)."""
        return {
            id(ins): (stage, i) for stage in self.stages for i, ins in enumerate(stage.instructions)
        }

    def workdir(self, before: Instruction) -> str:
        return self._workdirs.get(id(before), "/")

    def _copies_before(self, stage: Stage, before: Instruction) -> Iterator[Instruction]:
        """The COPY and ADD instructions from the context before `before`, the latest first:
        at most RECENT of them, through at most RECENT stages (the lookup is a heuristic
        and stays linear in the Dockerfile). `before` may be in a stage `stage` builds on: the
        search starts in its own stage."""
        current: Stage | None
        current, end = self._index.get(id(before), (stage, len(stage.instructions)))
        given = 0
        for _ in range(RECENT):
            if current is None:
                return
            instructions = current.instructions
            # No slice: a copy per call is quadratic.
            for position in range(min(end, len(instructions)) - 1, -1, -1):
                ins = instructions[position]
                if ins.keyword in ("COPY", "ADD") and "from" not in ins.flags and not ins.heredocs:
                    yield ins
                    given += 1
                    if given >= RECENT:
                        return
            current = self.stages[current.parent] if current.parent is not None else None
            end = len(current.instructions) if current is not None else 0

    def context_file(self, stage: Stage, before: Instruction, path: str) -> str | None:
        """Where a path the image has when `before` runs came from in the build context (a
        path relative to it), through `before`'s bind mounts and the COPY and ADD
        instructions before it; None when it came from none of them. Each answer is found
        once: several rules ask about the same requirement files."""
        key = (id(stage), id(before), path)
        if key not in self._origins:
            self._origins[key] = self._context_file(stage, before, path)
        return self._origins[key]

    def _context_file(self, stage: Stage, before: Instruction, path: str) -> str | None:
        directory = self.workdir(before)
        target = posixpath.normpath(posixpath.join(directory, path))
        for mount in before.mounts():
            if mount.get("type", "bind") != "bind" or "from" in mount:
                continue
            into = mount.get("target") or mount.get("dst") or mount.get("destination")
            if not into:
                continue
            into = posixpath.normpath(posixpath.join(directory, into))
            found = _under(target, into, mount.get("source") or mount.get("src") or ".")
            if found is not None:
                return found
        for ins in self._copies_before(stage, before):
            into, sources = self._copy(ins)
            if target != into and not target.startswith(into.rstrip("/") + "/"):
                continue
            for source in sources:
                found = self._copied(target, into, source)
                if found is not None:
                    return found
        return None

    def _copy(self, ins: Instruction) -> tuple[str, list[str]]:
        """A COPY's destination (absolute) and its sources (normalized), each made once."""
        if id(ins) not in self._copies:
            *sources, destination = ins.arguments or [""]
            destination = self.expand(ins, destination)
            self._copies[id(ins)] = (
                posixpath.normpath(posixpath.join(self.workdir(ins), destination)),
                [posixpath.normpath(source.lstrip("/") or ".") for source in sources],
            )
        return self._copies[id(ins)]

    def _copied(self, target: str, into: str, source: str) -> str | None:
        if any(c in source for c in "*?["):
            folder, pattern = posixpath.split(source)
            if posixpath.dirname(target) == into and fnmatch.fnmatchcase(
                posixpath.basename(target), pattern
            ):
                return posixpath.join(folder, posixpath.basename(target))
            return None
        if source == "." or self._is_directory(source):
            return _under(target, into, source)
        if target in (into, posixpath.join(into, posixpath.basename(source))):
            return source
        return None

    def _is_directory(self, source: str) -> bool:
        """Whether the context holds a directory at source (each looked at once)."""
        if source not in self._directories:
            self._directories[source] = kind(self.context / source) == "directory"
        return self._directories[source]


_VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


def _put(values: dict[str, str], match: re.Match[str]) -> str:
    return values.get(match[1] or match[2], match[0])


def _assignments(ins: Instruction) -> list[tuple[str, str]]:
    """What an ENV or ARG sets: `NAME=value ...`, ENV's old `NAME value`, ARG's `NAME=x`."""
    words = ins.arguments
    if ins.keyword == "ENV" and len(words) >= 2 and "=" not in words[0]:
        return [(words[0], " ".join(words[1:]))]
    return [(word.partition("=")[0], word.partition("=")[2]) for word in words if "=" in word]


def _under(target: str, into: str, source: str) -> str | None:
    """target, a path inside the image, as a path under source when `into` holds source."""
    if target == into:
        return posixpath.normpath(source)
    if target.startswith(into.rstrip("/") + "/"):
        rest = target[len(into.rstrip("/")) + 1 :]
        return posixpath.normpath(posixpath.join(source, rest))
    return None
