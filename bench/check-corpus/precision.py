"""Per-rule precision of `new-project check` on the judged corpus (bench/check-corpus/*.toml).

Each TOML file lists public projects (repository, commit) and every DW finding `check` gave on
them, each judged by reading the project: true (the problem is real there), false (the rule
was wrong) or unsure. This prints, per rule, how many of each and the precision
true / (true + false), and exits 1 when a rule is under the target.

    python bench/check-corpus/precision.py                 # the table, from the judgements
    python bench/check-corpus/precision.py --recheck DIR   # and check again, on checkouts

--recheck runs `check` on DIR/<owner>+<name> (each project's tree at its commit, e.g. from
`git archive`) and lists what changed since the judgement: findings no longer given (a rule
narrowed) and findings given that nobody judged yet (a rule widened, or a new rule).
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
TARGET = 0.90
VERDICTS = ("true", "false", "unsure")

Key = tuple[str, str, str, int | None]  # repository, rule, file, line


def judged() -> list[dict[str, Any]]:
    """Every project of every corpus file, with its kind's file name."""
    projects = []
    for path in sorted(HERE.glob("*.toml")):
        for project in tomllib.loads(path.read_text()).get("project", []):
            projects.append({**project, "corpus": path.name})
    return projects


def tally(projects: list[dict[str, Any]]) -> dict[str, Counter[str]]:
    counts: dict[str, Counter[str]] = {}
    for project in projects:
        for finding in project.get("finding", []):
            verdict = finding["verdict"]
            if verdict not in VERDICTS:
                raise SystemExit(f"{project['repo']}: verdict {verdict!r} is not one of {VERDICTS}")
            counts.setdefault(finding["rule"], Counter())[verdict] += 1
    return counts


def precision(counts: Counter[str]) -> float | None:
    decided = counts["true"] + counts["false"]
    return counts["true"] / decided if decided else None


def table(counts: dict[str, Counter[str]]) -> tuple[str, list[str]]:
    """The Markdown table (as the README shows it) and the rules under the target."""
    lines = ["| rule | true | false | unsure | precision |", "|---|---|---|---|---|"]
    under = []
    for rule in sorted(counts):
        c = counts[rule]
        value = precision(c)
        shown = "n/a" if value is None else f"{value:.0%}"
        lines.append(f"| `{rule}` | {c['true']} | {c['false']} | {c['unsure']} | {shown} |")
        if value is not None and value < TARGET:
            under.append(rule)
    total = sum(counts.values(), Counter())
    overall = precision(total)
    shown = "n/a" if overall is None else f"{overall:.0%}"
    lines.append(f"| all | {total['true']} | {total['false']} | {total['unsure']} | {shown} |")
    return "\n".join(lines), under


def recheck(projects: list[dict[str, Any]], checkouts: Path) -> list[str]:
    """Check again: each project's judged findings that check no longer gives are dropped
    from it (and listed; a dropped true finding is a miss), and the findings nobody judged
    yet are listed. The table then is the precision of check as it is now, on what was
    judged."""
    sys.path.insert(0, str(HERE.parent.parent / "src"))
    from dockwright.check import check

    changes = []
    for project in projects:
        root = checkouts / project["repo"].replace("/", "+")
        if not root.is_dir():
            changes.append(f"{project['repo']}: no checkout at {root}")
            continue
        try:
            found = check(root)
        except Exception as error:  # a refusal (no Dockerfile): no findings
            found = []
            changes.append(f"{project['repo']}: check refused it: {error}")
        now = {(f.rule, f.file, f.line) for f in found if f.rule.startswith("DW")}
        kept, judged_keys = [], set()
        for finding in project.get("finding", []):
            key = (finding["rule"], finding["file"], finding.get("line"))
            judged_keys.add(key)
            if key in now:
                kept.append(finding)
            else:
                changes.append(
                    f"{project['repo']}: no longer {key[0]} {key[1]}:{key[2]} "
                    f"(judged {finding['verdict']})"
                )
        project["finding"] = kept
        for rule, file, line in sorted(now - judged_keys, key=str):
            changes.append(f"{project['repo']}: not judged {rule} {file}:{line}")
    return changes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recheck", type=Path, metavar="DIR", help="checkouts to check again")
    args = parser.parse_args()
    projects = judged()
    changes = recheck(projects, args.recheck) if args.recheck else []
    text, under = table(tally(projects))
    print(f"{len(projects)} projects, {len({p['repo'] for p in projects})} repositories\n")
    print(text)
    if args.recheck:
        print("\n" + "\n".join(changes or ["every judged finding is given again, and no other"]))
    if under:
        print(f"\nunder {TARGET:.0%}: {', '.join(under)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
