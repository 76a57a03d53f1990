"""`new-project`: parse the words, call one function, map errors to exit codes.

This is the only place that catches: every error becomes one line on stderr and an exit
code (0 success, 1 failure, 2 invalid input, 130 interrupted), never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from rich.panel import Panel

from dockwright import __version__, answers, generate
from dockwright.console import console, error
from dockwright.errors import AbortedError, DockwrightError, UsageError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="new-project",
        description="Scaffold a Dockerized Python project (Flask web app or ML batch job).",
        epilog="Without --answers-file the questions are asked interactively.",
    )
    parser.add_argument("dest", type=Path, metavar="DEST", help="directory to create")
    parser.add_argument(
        "--answers-file",
        type=Path,
        metavar="FILE",
        help="YAML answers (non-interactive: no prompt; unanswered questions take their defaults)",
    )
    parser.add_argument(
        "--data",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set one answer (repeatable; overrides the answers file)",
    )
    parser.add_argument("--force", action="store_true", help="write into a non-empty DEST")
    parser.add_argument("--version", action="version", version=f"dockwright {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _run(build_parser().parse_args(argv))
    except DockwrightError as failure:
        error(str(failure))
        return failure.exit_code
    except KeyboardInterrupt:
        error(str(AbortedError()))
        return AbortedError.exit_code
    except Exception as failure:  # a bug of ours: still one line, and nothing was written
        error(f"unexpected {type(failure).__name__}: {failure} (please report this)")
        return 1


def _run(args: argparse.Namespace) -> int:
    questions = answers.load_questions(generate.template_path())
    given: dict[str, Any] = {}
    if args.answers_file is not None:
        given.update(answers.read_answers_file(args.answers_file))
    given.update(answers.parse_data(args.data))
    checked = answers.check(given, questions)

    interactive = args.answers_file is None
    if interactive and not stdin_is_interactive():
        raise UsageError("no terminal to ask the questions on; pass --answers-file FILE")

    recorded = generate.create(args.dest, checked, interactive=interactive, force=args.force)
    _next_steps(args.dest, recorded)
    return 0


def stdin_is_interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def _next_steps(dest: Path, recorded: dict[str, Any]) -> None:
    flask = recorded.get("app_kind") == "flask"
    steps = [f"cd {dest}", "git init && git add -A && git commit -m 'Start from dockwright'"]
    if recorded.get("package_manager") == "conda":
        # No conda channel is bundled: the lock is made where conda-forge is reachable.
        steps.append(
            "scripts/lock-conda.sh                 # creates conda-lock.yml (needs conda-forge)"
        )
    if flask:
        steps += [
            "docker compose up --build --wait      # dev server on http://localhost:8000",
            "docker compose exec web pytest        # tests, in the container",
        ]
    else:
        steps += [
            "docker compose build",
            "docker compose run --rm job train     # writes models/model.joblib",
            "docker compose run --rm job predict   # writes data/predictions.csv",
            "docker compose run --rm job pytest    # tests, in the container",
        ]
    summary = ", ".join(f"{k}={v}" for k, v in recorded.items())
    console.print(f"Created {dest} ({summary})")
    console.print(Panel("\n".join(steps), title="Next steps", expand=False))


if __name__ == "__main__":
    sys.exit(main())
