"""Where dockwright meets copier: answers in, errors out, Ctrl-C.

Every call into copier (a copy, an update) and every read of what copier writes (a project's
.copier-answers.yml) is here, and nothing else imports copier. The commands see dockwright's
errors only, so a copier release that changes an exception or a message is met in this one
file. It is a module of its own, not part of generate: generate puts rendered files in
place, which has nothing to do with copier's errors.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import CodeType
from typing import Any

import copier
import jinja2
import yaml
from copier.errors import CopierError, InvalidTypeError

from dockwright import files, versions
from dockwright.errors import AbortedError, DockwrightError, UsageError

# Where copier records a project's answers (template/copier.yml's _answers_file).
ANSWERS_FILE = ".copier-answers.yml"


@dataclass(frozen=True)
class Recorded:
    """A project's .copier-answers.yml."""

    answers: dict[str, Any]  # the questions' answers; copier's own keys ("_...") left out
    src_path: object  # _src_path: the template's address (None when missing)
    commit: object  # _commit: the template's version, a tag (None when missing)


def read_answers(project: Path) -> Recorded:
    """The answers copier recorded in project, read bounded (files.read_text)."""
    path = project / ANSWERS_FILE
    try:
        data = yaml.safe_load(files.read_text(path))
    except yaml.YAMLError:
        raise UsageError(f"{path} is not valid YAML") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path} is not a mapping of answers")
    return Recorded(
        answers={key: value for key, value in data.items() if not str(key).startswith("_")},
        src_path=data.get("_src_path"),
        commit=data.get("_commit"),
    )


def copy(
    project: Path,
    answers: Mapping[str, Any],
    *,
    interactive: bool,
    user_defaults: Mapping[str, Any],
) -> Recorded:
    """Render the installed template into project (a new directory) with these answers,
    asking the others when interactive; return what copier recorded.

    copier copies the installed template's directory, which versions.installed_tag checks
    is its release (the same git tree), and the answers file then records that release's
    address and tag, as a copy from the template's repository records them. That is what
    `copier update` needs later, without a git clone now (the clone cost a third of a
    create). With DOCKWRIGHT_TEMPLATE, copier copies from that repository."""
    options: dict[str, Any] = {
        "data": dict(answers),
        "user_defaults": dict(user_defaults),
        "defaults": not interactive,
        "quiet": True,
        "cleanup_on_error": False,
    }
    if versions.overridden():
        with guard(), compiled_once(), versions.template_source() as source:
            copier.run_copy(source.url, project, vcs_ref=source.tag, **options)
        return read_answers(project)
    with guard(), compiled_once(), versions.local_copy():
        tag = versions.installed_tag()
        copier.run_copy(str(versions.template_dir()), project, **options)
        return _record_release(project, read_answers(project), tag)


def _record_release(project: Path, copied: Recorded, tag: str) -> Recorded:
    """Write the answers file as a copy of the release `tag` from the template's repository
    writes it: _commit is the tag and _src_path the repository, in place of the directory
    copied. The template's own answers-file template renders it, as copier does."""
    from dockwright import generate

    released = Recorded(copied.answers, src_path=versions.TEMPLATE_URL, commit=tag)
    source = generate.template_environment().get_template(
        "project/{{_copier_conf.answers_file}}.jinja"
    )
    answers = {**released.answers, "_commit": tag, "_src_path": versions.TEMPLATE_URL}
    (project / ANSWERS_FILE).write_text(source.render(_copier_answers=answers), encoding="utf-8")
    return released


def update(project: Path, data: Mapping[str, Any], *, tag: str) -> None:
    """copier's three-way update of project to the template at tag, with these answers
    changed; a conflict is marked inline. The caller undoes a failed or interrupted update
    (it works in a clean git work tree), which is what the errors say."""
    with (
        guard(interrupted="interrupted; the update was undone", failed="update failed: "),
        compiled_once(),
    ):
        copier.run_update(
            str(project),
            data=dict(data),
            vcs_ref=tag,
            defaults=True,
            overwrite=True,
            skip_answered=True,
            quiet=True,
            conflict="inline",
        )


# Compiled Jinja code by environment settings, source, name and file name (see compiled_once).
_COMPILED: dict[tuple[object, ...], CodeType] = {}
_COMPILED_MAX = 4096
_SETTINGS: weakref.WeakKeyDictionary[jinja2.Environment, tuple[object, ...]] = (
    weakref.WeakKeyDictionary()
)


@contextmanager
def compiled_once() -> Iterator[None]:
    """Jinja compiles each template source once in this process, for the length of a call into
    copier. copier makes a new Jinja environment for every copy, and an update copies three
    times (the old version twice, the new one once), so every file of the template and some
    three hundred question strings were compiled again each time: two thirds of a copy's time
    in this process. Compiled code depends only on the source, its name and file name, and the
    environment's settings (syntax, extensions, filters and tests by name and by what they are
    passed, sandbox or not), which are all in the key; rendering still happens every time."""
    before = jinja2.Environment.compile
    if before is _compile_once:  # already inside one
        yield
        return
    jinja2.Environment.compile = _compile_once  # type: ignore[assignment,method-assign]
    try:
        yield
    finally:
        jinja2.Environment.compile = before  # type: ignore[method-assign]


_plain_compile: Callable[..., Any] = jinja2.Environment.compile


def _compile_once(
    env: jinja2.Environment,
    source: Any,
    name: str | None = None,
    filename: str | None = None,
    raw: bool = False,
    defer_init: bool = False,
) -> Any:
    """jinja2.Environment.compile, remembered in _COMPILED (see compiled_once)."""
    if raw or not isinstance(source, str):
        return _plain_compile(env, source, name, filename, raw, defer_init)
    key = (_settings(env), source, name, filename, defer_init)
    code = _COMPILED.get(key)
    if code is None:
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.clear()
        code = _COMPILED[key] = _plain_compile(env, source, name, filename, raw, defer_init)
    return code


def _settings(env: jinja2.Environment) -> tuple[object, ...]:
    """What of env the compiled code depends on, worked out once per environment."""
    settings = _SETTINGS.get(env)
    if settings is None:
        passed = [
            tuple(
                sorted(
                    (name, repr(getattr(f, "jinja_pass_arg", None))) for name, f in table.items()
                )
            )
            for table in (env.filters, env.tests)
        ]
        settings = _SETTINGS[env] = (
            type(env),
            tuple(sorted(env.extensions)),
            *(
                getattr(env, option)
                for option in (
                    "block_start_string",
                    "block_end_string",
                    "variable_start_string",
                    "variable_end_string",
                    "comment_start_string",
                    "comment_end_string",
                    "line_statement_prefix",
                    "line_comment_prefix",
                    "trim_blocks",
                    "lstrip_blocks",
                    "newline_sequence",
                    "keep_trailing_newline",
                    "optimized",
                    "autoescape",
                    "finalize",
                    "is_async",
                )
            ),
            *passed,
        )
    return settings


@contextmanager
def guard(*, interrupted: str | None = None, failed: str = "") -> Iterator[None]:
    """Run a call into copier: a Ctrl-C, and copier's errors, leave it as dockwright's
    errors (see our_error); anything else is a bug and goes on as it is."""
    try:
        yield
    except (KeyboardInterrupt, CopierError, ValueError) as error:
        raise our_error(error, interrupted=interrupted, failed=failed) from None


def our_error(
    error: BaseException, *, interrupted: str | None = None, failed: str = ""
) -> DockwrightError:
    """copier's error as ours, by its type. A Ctrl-C (copier's CopierAnswersInterrupt is a
    KeyboardInterrupt) is an AbortedError, saying `interrupted` if given; an answer copier
    refuses is a UsageError naming the question; any other failure of copier's is a
    DockwrightError, its message after `failed`."""
    if isinstance(error, KeyboardInterrupt):
        return AbortedError() if interrupted is None else AbortedError(interrupted)
    if isinstance(error, InvalidTypeError):
        return UsageError(str(error) or "an answer has the wrong type")
    if isinstance(error, ValueError):
        return UsageError(_question_first(str(error)))
    return DockwrightError(f"{failed}{error}")


# copier raises a plain ValueError for an answer a choice or validator refuses, and names
# the question only in its message (copier/_user_data.py: Question._parse_answer and
# validate_answer; the error has no attribute for it), so the name is read from there.
_REFUSED = re.compile(r"(?:Validation error for question|Invalid choice for) '(\w+)': (.*)")


def _question_first(message: str) -> str:
    """copier says "Validation error for question 'x': ..."; we say "x: ..."."""
    match = _REFUSED.match(message)
    return f"{match[1]}: {match[2]}" if match else message
