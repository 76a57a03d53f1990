"""The maintainer's tasks, by name: what to run to lint, type-check, test, re-lock, release
and measure dockwright. Each is a list of commands run in the repository's root with this
interpreter's environment (the project's .venv when run as .venv/bin/python).

    .venv/bin/python tools/tasks.py              # lists the tasks
    .venv/bin/python tools/tasks.py lint types test
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CODE = ["src", "tests", "tools", "bench"]

# name: (what it does, the commands it runs, environment it adds)
TASKS: dict[str, tuple[str, list[list[str]], dict[str, str]]] = {
    "lint": (
        "ruff's checks and formatting",
        [[f"{BIN}/ruff", "check", *CODE], [f"{BIN}/ruff", "format", "--check", *CODE]],
        {},
    ),
    "format": ("rewrite the code in ruff's format", [[f"{BIN}/ruff", "format", *CODE]], {}),
    "types": ("mypy, strict, on src, tests, tools and bench", [[f"{BIN}/mypy"]], {}),
    "test": (
        "the tests that need no Docker engine (a few minutes, on every core)",
        [[f"{BIN}/pytest", "-m", "not docker"]],
        {},
    ),
    "docker-test": (
        "the tests that build and run the generated stacks (needs an engine; about 30 min)",
        [[f"{BIN}/pytest", "-m", "docker"]],
        {},
    ),
    "ci": ("what CI runs: every test", [[f"{BIN}/pytest"]], {}),
    "snapshots": (
        "rewrite tests/snapshots after a deliberate template change",
        [[f"{BIN}/pytest", "-n", "0", "tests/test_snapshots.py"]],
        {"DOCKWRIGHT_UPDATE_SNAPSHOTS": "1"},
    ),
    "names": (
        "rewrite template/includes/names.jinja (the package names a project may not take)",
        [[sys.executable, "tools/reserved_names.py"]],
        {},
    ),
    "lock": (
        "re-make the shipped locks and pins, keeping versions that still fit (needs PyPI)",
        [[sys.executable, "tools/lock.py"]],
        {},
    ),
    "action-pins": (
        "check the workflow's action SHAs against their tags (needs github.com)",
        [[sys.executable, "tools/action_pins.py"]],
        {},
    ),
    "release": (
        "record the template as release v<version> in releases.bundle and releases.trees",
        [[sys.executable, "tools/release.py"]],
        {},
    ),
    "bench": (
        "time dockwright's own commands, and create against a plain copier copy",
        [[sys.executable, "bench/commands.py", "--repeat", "7"]],
        {},
    ),
}


def main(names: list[str]) -> int:
    if not names or names[0] in ("-h", "--help"):
        width = max(map(len, TASKS))
        print(__doc__.split("\n\n")[0].replace("\n", " "), end="\n\n")
        for name, (what, _, _) in TASKS.items():
            print(f"  {name:{width}}  {what}")
        return 0
    unknown = [name for name in names if name not in TASKS]
    if unknown:
        print(f"tasks: no task {', '.join(unknown)}; known: {', '.join(TASKS)}", file=sys.stderr)
        return 2
    for name in names:
        _, commands, env = TASKS[name]
        for command in commands:
            print(f"$ {' '.join(command)}", flush=True)
            code = subprocess.run(command, cwd=ROOT, env={**os.environ, **env}, check=False)
            if code.returncode:
                return code.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
