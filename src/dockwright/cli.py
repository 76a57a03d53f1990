"""`new-project`: parse the words, call one command, map errors to exit codes.

The commands are declared once, in COMMANDS: the parser, `new-project --help` and each
command's --help (with its exit codes) are made from it. This is the only place that
catches: every error becomes one line on stderr and an exit code (0 success, 1 failure,
2 invalid input, 130 interrupted), never a traceback.
"""

from __future__ import annotations

import argparse
import errno
import os
import shlex
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

# Only light imports here: copier, rich and pydantic load inside main(), where a Ctrl-C
# still ends in one line. The rest of dockwright is imported where it is used.
from dockwright import interrupts
from dockwright.errors import AbortedError, DockwrightError, UsageError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


@dataclass(frozen=True)
class Command:
    """One of new-project's commands: `new-project --help` lists it, `new-project NAME
    --help` shows its options, description and exit codes, and run() does it."""

    summary: str  # its line in `new-project --help`
    description: str
    exit_codes: str  # the end of its --help
    arguments: Callable[[argparse.ArgumentParser], None]  # declares its options
    run: Callable[[argparse.Namespace], int]  # does it; returns the exit code


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """new-project with its commands, and the options of `command` (the one being run):
    check's options import dockwright.check (50 ms), which no other command should pay for."""
    parser = _Parser(
        prog="new-project",
        description="Scaffold a Dockerized Python project (Flask web app or ML batch job), "
        "keep it current with its template, or audit any Docker setup.",
        epilog="`new-project DEST ...` is `new-project create DEST ...`. "
        "`new-project COMMAND --help` shows a command's options and exit codes.",
    )
    parser.add_argument("--version", action="version", version=_version())
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for name, spec in COMMANDS.items():
        subparser = commands.add_parser(
            name, help=spec.summary, description=spec.description, epilog=spec.exit_codes
        )
        subparser.set_defaults(run=spec.run)
        if name == command:
            spec.arguments(subparser)
    return parser


def _version() -> str:
    from dockwright import __version__

    return f"dockwright {__version__}"


def parse(words: Sequence[str]) -> argparse.Namespace:
    """The command line as the command to run (args.run) and its options. Words that do
    not start with a command are create's: `new-project DEST` as ever."""
    words = list(words)
    if not words or words[0] not in (*COMMANDS, "-h", "--help", "--version"):
        words.insert(0, "create")
    return build_parser(words[0]).parse_args(words)


def main(argv: Sequence[str] | None = None, *, handover: bool = False) -> int:
    """Run one command; return its exit code. Whatever happens, the run ends done or
    untouched, with one line saying which when it is not plain success. handover: called
    by the console script, which noted any Ctrl-C while Python loaded this module."""
    interrupts.done = None
    words = list(sys.argv[1:] if argv is None else argv)
    before = signal.getsignal(signal.SIGINT)
    try:
        try:
            try:
                if handover:
                    signal.signal(signal.SIGINT, signal.default_int_handler)
                    if getattr(sys.modules.get("dockwright._entry"), "noted", False):
                        raise KeyboardInterrupt
                args = parse(words)
                code: int = args.run(args)
            finally:
                # The work has ended, one way or the other: what is left (the report, the
                # cleanup, and for the console script the exit) is not stopped by Ctrl-C.
                interrupts.ignore_from_now()
            return code
        except (Exception, KeyboardInterrupt) as failure:
            return _report(failure)
    finally:
        with interrupts.ignored():
            if "dockwright.versions" in sys.modules:
                sys.modules["dockwright.versions"].cleanup()
        if not handover and interrupts.in_main_thread() and before is not None:
            signal.signal(signal.SIGINT, before)


# Errors of the user's paths: their input, not our bug.
_INPUT_ERRNOS = {
    errno.ENAMETOOLONG,
    errno.EACCES,
    errno.EPERM,
    errno.ENOTDIR,
    errno.EISDIR,
    errno.ELOOP,
    errno.ENOENT,
    errno.EEXIST,
    errno.ENOTEMPTY,
    errno.EROFS,
}


def _report(failure: BaseException) -> int:
    from dockwright.console import error, note

    if isinstance(failure, KeyboardInterrupt | AbortedError):
        if interrupts.done:
            note(f"interrupted after the work was done: {interrupts.done}")
            return 0
        error(str(failure) if isinstance(failure, AbortedError) else str(AbortedError()))
        return AbortedError.exit_code
    if isinstance(failure, DockwrightError):
        error(str(failure))
        return failure.exit_code
    if isinstance(failure, OSError) and failure.strerror:
        where = failure.filename if failure.filename is not None else ""
        error(f"{where}: {failure.strerror}" if where else failure.strerror)
        return 2 if failure.errno in _INPUT_ERRNOS else 1
    # A bug of ours: still one line, and nothing was written.
    error(f"unexpected {type(failure).__name__}: {failure} (please report this)")
    return 1


def _given_answers(answers_file: Path | None, data: list[str]) -> dict[str, Any]:
    """--answers-file, then --data over it: the answers as the user gave them."""
    from dockwright import answers

    given: dict[str, Any] = {}
    if answers_file is not None:
        given.update(answers.read_answers_file(answers_file))
    given.update(answers.parse_data(data))
    return given


def _validated(given: Mapping[str, Any], *, adopting: bool = False) -> dict[str, Any]:
    """The user's answers checked against copier.yml's questions, for every command before
    its work starts (adopting: an adopted project's questions too)."""
    from dockwright import answers, versions

    questions = answers.load_questions(versions.template_dir())
    return answers.validate(given, questions, adopting=adopting)


def _refuse_without_terminal(what: str, alternative: str) -> None:
    if not stdin_is_interactive():
        raise UsageError(f"no terminal to {what} on; pass {alternative}")
    if os.environ.get("TERM") == "dumb":
        raise UsageError(
            f"TERM=dumb: this terminal cannot show the wizard's prompts; pass {alternative}"
        )


# The options; --data and --answers-file mean the same in every command that takes them.


def _directory_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "dir", type=Path, nargs="?", default=Path("."), metavar="DIR", help="default: ."
    )


def _data_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set one answer (repeatable; over the answers file), e.g. package_manager=uv",
    )


def _answers_file_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--answers-file",
        type=Path,
        metavar="FILE",
        help="YAML answers (no prompt; unanswered questions take their defaults)",
    )


def _create_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dest", type=Path, metavar="DEST", help="directory to create")
    _answers_file_option(parser)
    _data_option(parser)
    parser.add_argument("--force", action="store_true", help="write into a non-empty DEST")
    # `new-project DEST --version` is `new-project create DEST --version`: it still answers.
    parser.add_argument("--version", action="version", version=_version())


def _create(args: argparse.Namespace) -> int:
    from dockwright import generate

    checked = _validated(_given_answers(args.answers_file, args.data))
    interactive = args.answers_file is None
    if interactive:
        _refuse_without_terminal("ask the questions", "--answers-file FILE")
    created = generate.create(args.dest, checked, interactive=interactive, force=args.force)
    _next_steps(args.dest, created)
    return 0


def _update_arguments(parser: argparse.ArgumentParser) -> None:
    _directory_argument(parser)
    _data_option(parser)
    parser.add_argument(
        "--pretend", action="store_true", help="show what would change; write nothing"
    )


def _update(args: argparse.Namespace) -> int:
    from rich.table import Table

    from dockwright import update
    from dockwright.console import error, say

    given = _given_answers(None, args.data)
    project = update.examine(args.dir)  # an adopted project answers more questions
    checked = _validated(given, adopting=project.adopted)
    outcome = update.update(project, checked, pretend=args.pretend)
    would = "would be " if args.pretend else ""
    versions_moved = (
        f"{outcome.old} → {outcome.new}" if outcome.old != outcome.new else f"at {outcome.new}"
    )
    if outcome.conflicts:
        table = Table(title=f"Conflicts: {versions_moved}", title_justify="left")
        table.add_column("File")
        table.add_column("Marked with")
        for path, how in outcome.conflicts:
            table.add_row(path, how)
        say(table)
        rest = f"; {len(outcome.changed)} other file(s) {would}changed" if outcome.changed else ""
        say(f"Resolve the conflicts{rest}, then commit.")
        error(
            f"{len(outcome.conflicts)} conflict(s) {'would need' if args.pretend else 'need'} "
            "resolving: " + ", ".join(path for path, _ in outcome.conflicts)
        )
        return 1
    if not outcome.changed:
        say(f"{args.dir} is up to date with template {outcome.new}; nothing changed.")
        return 0
    title = f"{'Would update' if args.pretend else 'Updated'} {args.dir}: {versions_moved}"
    table = Table(title=title, title_justify="left")
    table.add_column("Change")
    table.add_column("File")
    for what, path in outcome.changed:
        table.add_row(what, path)
    say(table)
    say(
        "Nothing was written (--pretend)."
        if args.pretend
        else "Review with `git diff`, then commit."
    )
    return 0


def _adopt_arguments(parser: argparse.ArgumentParser) -> None:
    _directory_argument(parser)
    _answers_file_option(parser)
    _data_option(parser)
    parser.add_argument("--yes", action="store_true", help="take the detected answers (no prompt)")
    parser.add_argument("--force", action="store_true", help="overwrite files that exist")


def _adopt(args: argparse.Namespace) -> int:
    from rich.panel import Panel
    from rich.table import Table

    from dockwright import adopt
    from dockwright.console import say

    checked = _validated(_given_answers(args.answers_file, args.data), adopting=True)
    guess = adopt.guess_answers(args.dir, checked)

    table = Table(title=f"Detected in {args.dir}", title_justify="left")
    table.add_column("Answer")
    table.add_column("Guess")
    table.add_column("From")
    for key, value in guess.answers.items():
        table.add_row(key, str(value), guess.reasons.get(key, "the folder's name"))
    say(table)

    interactive = args.answers_file is None and not args.yes
    if interactive:
        _refuse_without_terminal("confirm the answers", "--yes or --answers-file FILE")
    done = adopt.adopt(args.dir, guess, checked, interactive=interactive, force=args.force)
    steps = [
        f"cd {_shell_word(args.dir)}",
        *([] if done.repository else ["git init"]),
        # Before anything is added: .env holds the settings and secrets.
        *(
            [f"printf '%s\\n' {' '.join(map(shlex.quote, done.to_ignore))} >> .gitignore"]
            if done.to_ignore
            else []
        ),
        *[f"# {warning}" for warning in done.warnings],
        # The build needs the lock: made before the commit, so it is committed too.
        *([done.relock] if done.relock else []),
        "git add -A && git commit -m 'Docker layer from dockwright'",
        *_adopted_run_steps(
            done.answers.get("app_kind"), tests=done.answers.get("has_tests", True)
        ),
        "new-project update                    # later: newer template versions, your edits kept",
    ]
    say(
        f"Adopted {args.dir}: wrote {len(done.written)} file(s)"
        + (f", overwrote {', '.join(done.overwritten)}" if done.overwritten else "")
    )
    say(Panel("\n".join(steps), title="Next steps", expand=False))
    return 0


def _adopted_run_steps(app_kind: object, *, tests: bool) -> list[str]:
    """Development, the project's tests in it, then production: the commands that take an
    adopted project to a running production container."""
    prod = "docker compose -f compose.yaml -f compose.prod.yaml"
    if app_kind == "flask":
        return [
            "docker compose up --build --wait     # development: your code mounted, reloading",
            *(
                ["docker compose exec web python -m pytest   # your tests, in the container"]
                * tests
            ),
            "docker compose down",
            f"{prod} up --build --wait   # production",
        ]
    return [
        "docker compose run --build --rm job   # development: your code mounted",
        *(
            ["docker compose run --rm job python -m pytest   # your tests, in the container"]
            * tests
        ),
        f"{prod} run --build --rm job   # production",
    ]


def _check_arguments(parser: argparse.ArgumentParser) -> None:
    from dockwright import check

    parser.description = (
        f"{parser.description} dockwright's rules are {check.rule_range()}; "
        "--list-rules lists them with their severity."
    )
    _directory_argument(parser)
    parser.add_argument(
        "--format",
        choices=("table", "json", "sarif"),
        default="table",
        help="table (default), json, or sarif (SARIF 2.1.0, for code scanning)",
    )
    parser.add_argument(
        "--fail-on",
        choices=check.FAIL_ON,
        default=None,
        help="the lowest severity that fails the check (default: the fail-on of the "
        "project's [tool.dockwright.check], else warning)",
    )
    parser.add_argument(
        "--ignore",
        action="append",
        default=None,
        metavar="CODES",
        help="leave out these rules' findings: comma-separated codes, dockwright's "
        f"({check.rule_range()}) or hadolint's (DL3008, SC2086); repeatable; over the "
        "project's [tool.dockwright.check] ignore",
    )
    parser.add_argument(
        "-f",
        "--file",
        action="append",
        type=Path,
        default=[],
        dest="files",
        metavar="PATH",
        help="a Dockerfile to check (relative to DIR; repeatable), instead of every "
        "Dockerfile found under DIR",
    )
    parser.add_argument(
        "--list-rules", action="store_true", help="list dockwright's rules and exit"
    )
    parser.add_argument(
        "--fix",
        action="store_true",
        help="rewrite CRLF line endings to LF in the scripts the images run (DW111), add "
        "the entries a .dockerignore lacks (DW105), say which files changed, then check again",
    )


def _check(args: argparse.Namespace) -> int:
    from rich.table import Table

    from dockwright import check
    from dockwright.console import error, note, say, text

    if args.list_rules:
        rules = Table(title="dockwright's rules", title_justify="left")
        for column in ("Rule", "Severity", "What"):
            rules.add_column(column)
        for code, rule in check.RULES.items():
            rules.add_row(code, rule.severity, rule.title)
        say(rules)
        return 0
    report = check.audit(args.dir, ignore=args.ignore, fail_on=args.fail_on, dockerfiles=args.files)
    if args.fix:
        fixed = check.fix(report)
        for line in fixed:
            # On stderr with json or sarif, so stdout stays one JSON document.
            (say if args.format == "table" else note)(f"Fixed {line}")
        if fixed:
            report = check.audit(
                args.dir, ignore=args.ignore, fail_on=args.fail_on, dockerfiles=args.files
            )
    findings = report.findings
    failed = check.failing(findings, report.fail_on)
    if args.format == "json":
        text(check.as_json(report))
    elif args.format == "sarif":
        text(check.as_sarif(report))
    else:
        if findings:
            table = Table(title=f"Findings in {args.dir}", title_justify="left", show_lines=True)
            for column in ("Severity", "Rule", "Where", "Why", "How to fix"):
                table.add_column(column)
            for f in findings:
                table.add_row(f.severity, f.rule, f.where, f.why, f.fix)
            say(table)
        else:
            say(f"{args.dir}: no findings.")
        for name, why in report.development.items():
            say(f"{name}: read as a development image ({why}); DW103 and DW104 do not apply")
        for remark in report.notes:
            say(f"Note: {remark}")
    if failed:
        error(f"{len(failed)} finding(s) at or above {report.fail_on} in {args.dir}")
        return 1
    return 0


def stdin_is_interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def _shell_word(path: Path) -> str:
    """A path as one shell word: `cd 'Acme Shop'` works when pasted."""
    return shlex.quote(str(path))


def _next_steps(dest: Path, created: Any) -> None:
    from rich.panel import Panel

    from dockwright import generate, stacks
    from dockwright.console import say

    recorded = created.answers
    flask = recorded.get("app_kind") == "flask"
    steps = [
        f"cd {_shell_word(dest)}",
        "git init && git add -A && git commit -m 'Start from dockwright'",
    ]
    if recorded.get("package_manager") == "conda":
        # No conda channel is bundled: the lock is made where conda-forge is reachable.
        steps.append(
            "scripts/lock-conda.sh                 # creates conda-lock.yml (needs conda-forge)"
        )
    if recorded.get("private_index"):
        manager = recorded.get("package_manager")
        steps.append("# first, the private index's INDEX_USERNAME and INDEX_PASSWORD in .env")
        # The shipped lock was made against PyPI, which the private index now replaces;
        # scripts/lock-<manager>.sh makes it again where the manager has a lock to make.
        if recorded.get("private_index_only") and stacks.tables().stacks[str(manager)]["relock"]:
            lock = f"scripts/lock-{manager}.sh"
            steps.append(f"{lock:<38}# the lock, with the private index")
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
    made = generate.names(str(recorded.get("project_name", "")))
    overwrote = f"; overwrote {', '.join(created.overwritten)}" if created.overwritten else ""
    say(f"Created {dest} ({summary}){overwrote}")
    say(f"Image {made['image']}, Python package {made['package']}")
    say(Panel("\n".join(steps), title="Next steps", expand=False))


COMMANDS = {
    "create": Command(
        summary="make a new project in DEST (the default: `new-project DEST`)",
        description="Scaffold a Dockerized Python project (Flask web app or ML batch job) in "
        "DEST. Without --answers-file the questions are asked interactively.",
        exit_codes="Exit 0: created; 2: invalid input (an answer, the answers file, DEST, no "
        "terminal for the questions); 130: interrupted; 1: anything else. Unless it exits 0, "
        "nothing is written.",
        arguments=_create_arguments,
        run=_create,
    ),
    "update": Command(
        summary="bring a project to this version of the template, your edits kept",
        description="Bring a dockwright project to this dockwright's template version, "
        "merging three ways so your own edits stay. Needs a clean git work tree.",
        exit_codes="Exit 0: updated (review with `git diff`, then commit); 1: conflicts to "
        "resolve; 2: refused, nothing changed; 130: interrupted, the update undone.",
        arguments=_update_arguments,
        run=_update,
    ),
    "adopt": Command(
        summary="add the Docker layer to a project made without dockwright",
        description="Add dockwright's Docker layer (Dockerfiles, compose files, .dockerignore, "
        "scripts/, answers file) to an existing Python project. Your code and dependency "
        "files are never touched. The detected answers are shown and asked for "
        "confirmation; --yes or --answers-file takes them as they are.",
        exit_codes="Exit 0: adopted; 2: invalid input, or files that exist (without --force); "
        "130: interrupted; 1: anything else. Unless it exits 0, nothing is written.",
        arguments=_adopt_arguments,
        run=_adopt,
    ),
    "check": Command(
        summary="audit any Docker setup",
        description="Audit a Docker setup for a Python project, dockwright's or anyone's: "
        "hadolint's findings plus dockwright's rules, for every Dockerfile under DIR with its "
        "build context.",
        exit_codes="Exit 0: nothing at or above --fail-on; 1: findings at or above it; "
        "2: invalid input; 130: interrupted.",
        arguments=_check_arguments,
        run=_check,
    ),
}


if __name__ == "__main__":
    sys.exit(main())
