"""DW111: a script the image runs has Windows (CRLF) line endings.

A checkout with `core.autocrlf=true` (Git for Windows' default) writes `#!/bin/sh\\r\\n`; the
kernel then looks for the interpreter `/bin/sh\\r` and the container stops at once with
`exec /entrypoint.sh: no such file or directory` (the report behind docker-library/python
and docker/compose issues of that title), and `sh script.sh` fails on `$'\\r': command not
found`. `new-project check --fix` rewrites these scripts' line endings to LF.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from pathlib import Path

from dockwright.check.dockerfile import Dockerfile, Instruction, Stage
from dockwright.check.project import Project, inside
from dockwright.check.registry import Hit, rule
from dockwright.check.shell import SHELLS, commands, exec_form, program

# Where a script run by its bare name (`ENTRYPOINT ["entrypoint.sh"]`) is found on PATH.
PATH = ("/usr/local/bin", "/usr/bin", "/bin")


@rule(
    "DW111",
    "error",
    "a script the image runs has CRLF line endings",
    "its shebang names an interpreter ending in \\r, so the container stops with "
    "'no such file or directory' (a shell reading it fails on $'\\r')",
    "convert it to LF (new-project check --fix, or dos2unix) and keep it so with "
    "`*.sh text eol=lf` in .gitattributes",
)
def crlf_scripts_run(project: Project) -> Iterator[Hit]:
    for hit, _ in crlf_scripts(project):
        yield hit


def crlf_scripts(project: Project) -> Iterator[tuple[Hit, Path]]:
    """Each instruction that runs a script from the build context with CRLF line endings,
    with the script: RUN in any stage, the final stage's ENTRYPOINT and CMD."""
    for dockerfile in project.sound_dockerfiles():
        seen: set[tuple[int, Path]] = set()
        # A bare name (`ENTRYPOINT ["entrypoint.sh"]`) is looked for on PATH only when a COPY
        # puts files there: most bare names are the image's programs (pip, python).
        on_path = any(
            ins.keyword in ("COPY", "ADD") and ins.arguments and ins.arguments[-1].startswith(PATH)
            for ins in dockerfile.instructions
        )
        for stage, ins in _runs(dockerfile):
            for word, by_shell in _scripts(ins):
                if "/" not in word and not by_shell and not on_path:
                    continue
                path = _from_context(dockerfile, stage, ins, word, by_shell)
                if path is None or (ins.line, path) in seen or not project.is_file(path):
                    continue
                data = project.bytes(path)
                first = data.split(b"\n", 1)[0]
                if (by_shell and b"\r\n" in data) or (
                    first.startswith(b"#!") and first.endswith(b"\r")
                ):
                    seen.add((ins.line, path))
                    detail = f"{project.name(path)} has CRLF line endings ({ins.keyword})"
                    yield Hit(dockerfile.name, ins.line, detail), path


def _runs(dockerfile: Dockerfile) -> Iterator[tuple[Stage, Instruction]]:
    for stage in dockerfile.stages:
        for ins in stage.instructions:
            if ins.keyword == "RUN":
                yield stage, ins
    final = dockerfile.final
    if final is None:
        return
    lineage = dockerfile.final_lineage
    for keyword in ("ENTRYPOINT", "CMD"):
        found = [(s, i) for s in lineage for i in s.instructions if i.keyword == keyword]
        if found:
            yield found[-1]


def _scripts(ins: Instruction) -> Iterator[tuple[str, bool]]:
    """The files an instruction runs: a command's program, and the script a shell is given
    (`sh ./start.sh`); whether a shell reads it."""
    if ins.keyword == "RUN":
        found = ins.commands
    else:
        words = exec_form(ins.text)
        found = [words] if words is not None else commands(ins.text)
    for words in found:
        if not words:
            continue
        if program(words[0]) in SHELLS:
            rest = words[1:]
            while rest and rest[0].startswith("-"):
                if "c" in rest[0] and not rest[0].startswith("--"):
                    rest = []
                    break
                rest = rest[1:]
            if rest:
                yield rest[0], True
        else:
            yield words[0], False


def _from_context(
    dockerfile: Dockerfile, stage: Stage, ins: Instruction, word: str, by_shell: bool
) -> Path | None:
    if not word or "$" in word:
        return None
    candidates = [word] if "/" in word or by_shell else [posixpath.join(p, word) for p in PATH]
    for candidate in candidates:
        relative = dockerfile.context_file(stage, ins, candidate)
        path = inside(dockerfile.context, relative) if relative else None
        if path is not None:
            return path
    return None
