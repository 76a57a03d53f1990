"""The rules, registered once each: a rule is one unit holding its code, severity, title,
why and fix, and the function that finds where it applies. The CLI's help, the README's
table, the JSON report and the tests read this registry; nothing lists the rules again."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from dockwright.check.project import Project

SEVERITIES = ("style", "info", "warning", "error")


class Hit(NamedTuple):
    """Where a rule applies: the file (relative to the checked directory), the line, and
    what there makes it apply."""

    file: str
    line: int | None
    detail: str = ""


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    file: str
    line: int | None
    why: str
    fix: str
    detail: str = ""
    title: str = ""

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


Run = Callable[["Project"], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    title: str
    why: str
    fix: str
    run: Run

    def finding(self, hit: Hit) -> Finding:
        why = f"{hit.detail}: {self.why}" if hit.detail else self.why
        return Finding(
            self.code, self.severity, hit.file, hit.line, why, self.fix, hit.detail, self.title
        )


RULES: dict[str, Rule] = {}


def rule(code: str, severity: str, title: str, why: str, fix: str) -> Callable[[Run], Run]:
    """Register the decorated function as rule `code`."""
    if severity not in SEVERITIES:
        raise ValueError(f"{code}: severity {severity!r} is not one of {SEVERITIES}")

    def register(run: Run) -> Run:
        if code in RULES:
            raise ValueError(f"{code} is registered twice")
        RULES[code] = Rule(code, severity, title, why, fix, run)
        return run

    return register
