"""`new-project check`: hold any Docker setup for a Python project to dockwright's bar.

Findings come from hadolint (the Dockerfiles' syntax and shell) and from dockwright's rules
(the registry RULES: one module per rule in dockwright.check.rules), which know what
hadolint cannot: where dependencies are installed relative to the code, whether the
production image keeps compilers, installers or caches, whether .dockerignore keeps the
repository and secrets out, whether requirements are pinned and locks are current,
whether compose waits for a database to be healthy, scripts with CRLF line endings, health
checks calling a program the image lacks, secrets in ARG, ENV or URLs, a venv copied across
Python versions, compose's exposed databases, privileged services, literal passwords and
untagged images, and development dependencies installed in production. Each finding says
why it matters and how to fix it.

Every Dockerfile under the directory is checked (or the ones named), each with its build
context: the one a compose file at the top gives it (build.context and dockerfile), else its
own directory. Dockerfiles for development, tests, notebooks or build steps are not held to
the production rules (DW103, DW104, DW119); the report says which were read so.

Findings are left out by code (`--ignore`, or `ignore = [...]` in the checked project's
`[tool.dockwright.check]`), or at one instruction by a `# dockwright ignore=CODE` comment
on the line before it.

Any project can be checked, so its files are input, never trusted (dockwright.check.project):
bounded reads; a pipe, device or unreadable path is invalid input (exit 2); a file that
cannot be parsed is a DW100 finding. Nothing costs more than linear time in the input: RUN
commands are split into shell words in one pass and matched word by word, never with a
backtracking regex; hadolint gets hadolint.TIMEOUT seconds.
"""

from __future__ import annotations

import json
import os
import re
import urllib.parse
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from dockwright.check import hadolint, rules
from dockwright.check.dockerfile import parse_dockerfile
from dockwright.check.project import (
    HAND_WRITTEN,
    Project,
    Unparsable,
    find_dockerfiles,
    inside,
    is_file,
    kind_of,
    load_dockerfiles,
    must_be_directory,
)
from dockwright.check.registry import RULES, SEVERITIES, Finding, Hit, Rule
from dockwright.check.rules import dw105, dw111
from dockwright.errors import UsageError

__all__ = [
    "HAND_WRITTEN",
    "RULES",
    "SEVERITIES",
    "Finding",
    "Report",
    "Rule",
    "as_json",
    "as_sarif",
    "audit",
    "check",
    "failing",
    "fix",
    "fix_dockerignores",
    "fix_line_endings",
    "parse_dockerfile",
    "rules",
]

FAIL_ON = (*reversed(SEVERITIES), "never")
DEFAULT_FAIL_ON = "warning"
# A code another linter gives (hadolint's DL3008, ShellCheck's SC2086), passed through.
_OTHER_CODE = re.compile(r"[A-Z]{2}[0-9]{4}")


@dataclass
class Report:
    directory: Path
    findings: list[Finding]
    fail_on: str = DEFAULT_FAIL_ON
    development: dict[str, str] = field(default_factory=dict)  # Dockerfile -> why
    ignored: frozenset[str] = frozenset()
    notes: list[str] = field(default_factory=list)
    project: Project | None = field(default=None, repr=False, compare=False)


def check(
    directory: Path,
    *,
    ignore: Collection[str] | None = None,
    dockerfiles: Sequence[Path] = (),
) -> list[Finding]:
    return audit(directory, ignore=ignore, dockerfiles=dockerfiles).findings


def audit(
    directory: Path,
    *,
    ignore: Collection[str] | None = None,
    fail_on: str | None = None,
    dockerfiles: Sequence[Path] = (),
) -> Report:
    """Check the project in directory. ignore and fail_on, when given, win over the
    project's [tool.dockwright.check]; dockerfiles (relative to directory) are the ones to
    check instead of every Dockerfile found under it."""
    must_be_directory(directory)
    project = Project(directory)
    notes = []
    if dockerfiles:
        paths = [_named(directory, path) for path in dockerfiles]
    else:
        paths, note = find_dockerfiles(directory)
        notes += [note] if note else []
    if not paths:
        raise UsageError(f"{directory} has no Dockerfile to check")
    settings_ignore, settings_fail_on = _settings(project)
    ignored = codes((settings_ignore or []) if ignore is None else ignore, "--ignore")
    load_dockerfiles(project, paths)  # read (and so vetted) before hadolint opens them
    findings = hadolint.run(directory, [d.name for d in project.dockerfiles])
    findings += _run_rules(project)
    inline = {
        (d.name, ins.line): ins.ignores for d in project.dockerfiles for ins in d.instructions
    }
    kept: dict[tuple[str, str, int | None, str], Finding] = {}
    for f in findings:
        if f.rule.upper() in ignored or f.rule.upper() in inline.get((f.file, f.line or 0), ()):
            continue
        kept.setdefault((f.rule, f.file, f.line, f.why), f)
    order = {s: i for i, s in enumerate(reversed(SEVERITIES))}
    return Report(
        directory,
        sorted(kept.values(), key=lambda f: (order[f.severity], f.file, f.line or 0, f.rule)),
        fail_on or settings_fail_on or DEFAULT_FAIL_ON,
        {d.name: d.development for d in project.dockerfiles if d.development},
        ignored,
        notes,
        project,
    )


def fix(report: Report) -> list[str]:
    """Apply the mechanical fixes to what the report kept (ignored findings stay as they
    are): CRLF line endings (DW111), the entries a .dockerignore lacks (DW105). What
    changed, one line per file."""
    return fix_line_endings(report) + fix_dockerignores(report)


def fix_dockerignores(report: Report) -> list[str]:
    """Add the entries DW105 found missing to each .dockerignore (made when there is
    none), after what is there. A .dockerignore that is a link, or not inside the checked
    directory, is left alone and named."""
    if report.project is None:
        return []
    kept = {f.file for f in report.findings if f.rule == "DW105"}
    changed = []
    for path, missing in dw105.gaps(report.project):
        name = report.project.name(path)
        if name not in kept:
            continue
        if _outside(report, path):
            changed.append(f"{name}: left as it is (a link, or outside {report.directory})")
            continue
        exists = report.project.is_file(path)
        before = report.project.bytes(path) if exists else b""
        if before and not before.endswith(b"\n"):
            before += b"\n"
        after = before + "".join(f"{entry}\n" for entry in missing).encode()
        _replace(path, after, os.stat(path).st_mode & 0o7777 if exists else 0o644)
        listed = ", ".join(missing)
        changed.append(f"{name}: {'added' if exists else 'made, with'} {listed}")
    return changed


def _outside(report: Report, path: Path) -> bool:
    """Whether a file --fix would write is a link, or not inside the checked directory."""
    root = os.path.realpath(report.directory)
    real = os.path.realpath(path)
    return os.path.islink(path) or os.path.commonpath([root, real]) != root


def _replace(path: Path, data: bytes, mode: int) -> None:
    """Write path whole or not at all: a file beside it, then renamed over it."""
    temporary = path.with_name(f".{path.name}.dockwright-fix")
    try:
        temporary.write_bytes(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise UsageError(f"{path} cannot be written: {error.strerror or error}") from None


def fix_line_endings(report: Report) -> list[str]:
    """Rewrite CRLF to LF in the scripts DW111 found (the findings the report kept, so
    ignored ones stay as they are); what changed, one line per script. A script that is a
    link, or not inside the checked directory, is left alone and named."""
    if report.project is None:
        return []
    kept = {(f.file, f.line) for f in report.findings if f.rule == "DW111"}
    changed = []
    done: set[Path] = set()
    for hit, path in dw111.crlf_scripts(report.project):
        if (hit.file, hit.line) not in kept or path in done:
            continue
        done.add(path)
        name = report.project.name(path)
        if _outside(report, path):
            changed.append(f"{name}: left as it is (a link, or outside {report.directory})")
            continue
        data = report.project.bytes(path)
        lines = data.count(b"\r\n")
        _replace(path, data.replace(b"\r\n", b"\n"), os.stat(path).st_mode & 0o7777)
        changed.append(f"{name}: {lines} CRLF line ending(s) rewritten to LF")
    return changed


def _run_rules(project: Project) -> list[Finding]:
    """Every registered rule's findings. A file a rule cannot parse is one DW100 finding
    (per file), and the rule goes on without it."""
    findings = []
    unparsable = RULES["DW100"]
    reported: set[str] = set()
    for code, rule in RULES.items():
        try:
            for hit in rule.run(project):
                if code == unparsable.code:
                    reported.add(hit.file)
                findings.append(rule.finding(hit))
        except Unparsable as error:
            name = project.name(error.path)
            if name not in reported:
                reported.add(name)
                findings.append(unparsable.finding(Hit(name, error.line, error.message)))
    return findings


def _named(directory: Path, path: Path) -> Path:
    """A Dockerfile named with -f: relative to directory, or absolute inside it."""
    relative = os.path.relpath(path, directory) if path.is_absolute() else str(path)
    found = inside(directory, relative)
    if found is None:
        raise UsageError(f"{path} is not inside {directory}")
    if not is_file(found):
        raise UsageError(f"{found} is not a file")
    return found


def _settings(project: Project) -> tuple[list[str] | None, str | None]:
    """ignore and fail-on from the checked project's [tool.dockwright.check] (None where it
    sets none). A pyproject.toml that cannot be parsed has none (DW100 says why); settings
    of the wrong kind are invalid input, like a wrong option."""
    path = project.root / "pyproject.toml"
    try:
        data = project.toml(path)
    except Unparsable:
        return None, None
    section: object = data
    for key in ("tool", "dockwright", "check"):
        section = section.get(key) if isinstance(section, dict) else None
    if section is None:
        return None, None
    where = f"{path}: tool.dockwright.check"
    if not isinstance(section, dict):
        raise UsageError(f"{where} should be a table, not {kind_of(section)}")
    unknown = sorted(set(section) - {"ignore", "fail-on"})
    if unknown:
        raise UsageError(f"{where} has {', '.join(unknown)}; it takes ignore and fail-on")
    ignore = section.get("ignore")
    if ignore is not None and not (
        isinstance(ignore, list) and all(isinstance(code, str) for code in ignore)
    ):
        raise UsageError(f"{where}.ignore should be a list of rule codes, not {kind_of(ignore)}")
    fail_on = section.get("fail-on")
    if fail_on is not None and fail_on not in FAIL_ON:
        raise UsageError(f"{where}.fail-on should be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
    codes(ignore or [], f"{where}.ignore")
    return ignore, fail_on


def codes(values: Collection[str], where: str) -> frozenset[str]:
    """Rule codes as given (each value may hold several, comma-separated): dockwright's,
    which must exist, and hadolint's and ShellCheck's, passed through."""
    found = set()
    for value in values:
        for code in (c.strip().upper() for c in value.split(",")):
            if not code:
                continue
            if code.startswith("DW") and code not in RULES:
                raise UsageError(f"{where}: there is no rule {code} ({rule_range()})")
            if not code.startswith("DW") and not _OTHER_CODE.fullmatch(code) and code != "HADOLINT":
                raise UsageError(
                    f"{where}: {code!r} is not a rule code (DW101, hadolint's DL3008, SC2086)"
                )
            found.add(code)
    return frozenset(found)


def rule_range() -> str:
    """dockwright's rules as a range of codes: DW100-DW111."""
    ordered = sorted(RULES)
    return f"{ordered[0]}-{ordered[-1]}"


def failing(findings: list[Finding], fail_on: str) -> list[Finding]:
    if fail_on == "never":
        return []
    return [f for f in findings if SEVERITIES.index(f.severity) >= SEVERITIES.index(fail_on)]


def as_json(report: Report) -> str:
    counts = {s: sum(f.severity == s for f in report.findings) for s in reversed(SEVERITIES)}
    return json.dumps(
        {
            "directory": str(report.directory),
            "fail_on": report.fail_on,
            "counts": counts,
            "findings": [asdict(f) for f in report.findings],
            "development": [
                {"file": name, "reason": why} for name, why in report.development.items()
            ],
            "ignored": sorted(report.ignored),
            "notes": report.notes,
            "rules": {
                code: {"severity": r.severity, "title": r.title, "why": r.why, "fix": r.fix}
                for code, r in RULES.items()
            },
        },
        indent=2,
    )


SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
# SARIF's levels for the severities: style and info are notes.
SARIF_LEVELS = {"error": "error", "warning": "warning", "info": "note", "style": "note"}


def as_sarif(report: Report) -> str:
    """The report as SARIF 2.1.0 (GitHub code scanning and other viewers): one run whose
    driver lists the registry's rules; each finding a result with its rule, level, message
    (why and how to fix) and location, relative to the checked directory (uriBaseId ROOT)."""
    from dockwright import __version__

    index = {code: i for i, code in enumerate(RULES)}
    results = []
    for f in report.findings:
        location: dict[str, object] = {
            "artifactLocation": {"uri": urllib.parse.quote(f.file), "uriBaseId": "ROOT"}
        }
        if f.line:
            location["region"] = {"startLine": f.line}
        result: dict[str, object] = {
            "ruleId": f.rule,
            "level": SARIF_LEVELS[f.severity],
            "message": {"text": f"{f.why}. Fix: {f.fix}" if f.fix else f.why},
            "locations": [{"physicalLocation": location}],
        }
        if f.rule in index:
            result["ruleIndex"] = index[f.rule]
        results.append(result)
    driver = {
        "name": "dockwright",
        "version": __version__,
        "rules": [
            {
                "id": code,
                "name": code,
                "shortDescription": {"text": r.title},
                "fullDescription": {"text": r.why},
                "help": {"text": r.fix},
                "defaultConfiguration": {"level": SARIF_LEVELS[r.severity]},
            }
            for code, r in RULES.items()
        ],
    }
    root = Path(os.path.abspath(report.directory)).as_uri().rstrip("/") + "/"
    return json.dumps(
        {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {"driver": driver},
                    "originalUriBaseIds": {"ROOT": {"uri": root}},
                    "results": results,
                }
            ],
        },
        indent=2,
    )


def rules_table() -> str:
    """The rules as a Markdown table: the one in README.md."""
    lines = ["| rule | severity | what |", "|---|---|---|"]
    lines += [f"| {code} | {r.severity} | {r.title} |" for code, r in RULES.items()]
    return "\n".join(lines)
