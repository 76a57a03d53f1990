"""Check the actions the generated workflows use: each pinned by a full commit SHA with its
version in a comment (`uses: owner/repo@<40 hex>  # v7.0.1`, the form Dependabot updates),
and each SHA the commit its tag points at on GitHub.

    python tools/action_pins.py            # needs github.com; exit 1 on a mismatch

tests/test_render.py checks the form with pins() on every rendered workflow; the SHAs
themselves are checked only by running this where github.com answers.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
USES = re.compile(r"^\s*-?\s*uses:\s*(?P<action>[^@\s]+)@(?P<ref>\S+)(?:\s+#\s*(?P<tag>\S+))?")


def pins(workflow: str) -> list[tuple[str, str, str | None]]:
    """(action, ref, the version its comment names) for every `uses:` line."""
    return [
        (m["action"], m["ref"], m["tag"])
        for line in workflow.splitlines()
        if (m := USES.match(line))
    ]


def tag_commit(action: str, tag: str) -> str | None:
    """The commit `tag` points at in the action's repository (None: no such tag)."""
    repo = "/".join(action.split("/")[:2])
    out = subprocess.run(
        ["git", "ls-remote", "--tags", f"https://github.com/{repo}", f"refs/tags/{tag}*"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    # Each line is "<commit>\t<ref>".
    refs = {ref: commit for commit, ref in (line.split("\t") for line in out.splitlines())}
    return refs.get(f"refs/tags/{tag}^{{}}") or refs.get(f"refs/tags/{tag}")


def check(workflows: list[Path]) -> list[str]:
    problems = []
    for path in workflows:
        for action, ref, tag in pins(path.read_text(encoding="utf-8")):
            if not re.fullmatch(r"[0-9a-f]{40}", ref) or not tag:
                problems.append(f"{path}: {action}@{ref} is not pinned by SHA with a # vX.Y.Z")
            elif (commit := tag_commit(action, tag)) != ref:
                problems.append(f"{path}: {action} {tag} is {commit}, not {ref}")
    return problems


def main() -> int:
    workflows = sorted((ROOT / "template").rglob("*.yml.jinja"))
    workflows = [p for p in workflows if "workflows" in p.parts]
    try:
        problems = check(workflows)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
        print("action_pins: github.com does not answer; nothing was checked", file=sys.stderr)
        return 2
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
