"""Answers for the template: read an answers file and --data, validate them against copier.yml.

copier.yml is the one definition of the questions. copier itself checks types, choices and
validators; what it lets through silently, and we refuse, is a key that names no question
(a typo would otherwise be ignored) and a list or mapping where a single value belongs.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dockwright import files, versions
from dockwright.errors import UsageError

# An answers file holds a dozen short lines; a megabyte is not one.
_ANSWERS_LIMIT = 1024 * 1024


@dataclass(frozen=True)
class Question:
    name: str
    type: str
    template: Path
    # As copier.yml writes them: a list, a mapping of labels to values, or Jinja giving one.
    written_choices: Any
    # Where an adopted project keeps its pieces: `new-project adopt` detects and asks these.
    adopt_only: bool = False

    @functools.cached_property
    def choices(self) -> tuple[str, ...]:
        """The values offered. Choices written as Jinja are rendered, as copier does, only
        when asked for: they load the template's tables, which most runs do not need."""
        choices = self.written_choices or {}
        if isinstance(choices, str):
            choices = yaml.safe_load(_render(self.template, choices))
        values = choices.values() if isinstance(choices, dict) else choices
        return tuple(str(v["value"] if isinstance(v, dict) else v) for v in values)


def load_questions(template: Path) -> dict[str, Question]:
    """The questions a user may answer: all of copier.yml's but the derived (when: false)."""
    spec = versions.template_spec(template)
    return {
        name: Question(
            name=name,
            type=details.get("type", "str"),
            template=template,
            written_choices=details.get("choices"),
            adopt_only=str(details.get("when", "")).startswith("{{ adopted"),
        )
        for name, details in spec.items()
        if not name.startswith("_") and details.get("when") is not False
    }


def _render(template: Path, text: str) -> str:
    """Text of copier.yml written as Jinja, rendered with the template's includes."""
    from dockwright import generate

    return str(generate.template_environment(template).from_string(text).render())


def read_answers_file(path: Path) -> dict[str, Any]:
    """A YAML mapping of answers. Keys starting with "_" (copier's own, as in a project's
    .copier-answers.yml) are ignored, so an existing project's answers can be reused."""
    text = files.read_text(path, what="answers file", limit=_ANSWERS_LIMIT, streams=True)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise UsageError(f"answers file {path} is not valid YAML{where}: {problem}") from None
    if data is None:
        raise UsageError(f"answers file {path} is empty")
    if not isinstance(data, dict):
        raise UsageError(
            f"answers file {path} must be a mapping of question: answer, not a {_kind(data)}"
        )
    return {str(key): value for key, value in data.items() if not str(key).startswith("_")}


def parse_data(pairs: Iterable[str]) -> dict[str, str]:
    """--data KEY=VALUE, repeatable; the value is taken as text and typed by the question."""
    data = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--data takes KEY=VALUE, got {pair!r}")
        data[key.strip()] = value
    return data


def validate(
    answers: Mapping[str, Any], questions: Mapping[str, Question], *, adopting: bool = False
) -> dict[str, Any]:
    """Refuse unknown keys and non-scalar values; hand the rest to copier, which checks the
    choices and validators. Numbers become text (YAML reads 3.13 as a number)."""
    checked = {}
    for key, value in answers.items():
        question = questions.get(key)
        if question is None or (key == "adopted"):
            known = ", ".join(q.name for q in questions.values() if adopting or not q.adopt_only)
            raise UsageError(f"unknown question {key!r}; known: {known}")
        if question.adopt_only and not adopting:
            raise UsageError(f"{key}: describes an adopted project (`new-project adopt`) only")
        if question.type == "bool":
            if not isinstance(value, bool):
                value = _boolean(key, value)
        elif question.type == "str":
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                hint = " (quote it)" if isinstance(value, bool) else ""
                raise UsageError(f"{key}: expected text, got a {_kind(value)}{hint}")
            choices = question.choices
            if not isinstance(value, str) and choices and str(value) not in choices:
                raise UsageError(
                    f"{key}: read as the number {value!r}, which is not one of "
                    f'{", ".join(choices)}; quote it (e.g. {key}: "{choices[0]}")'
                )
            value = str(value)
        checked[key] = value
    return checked


def _boolean(key: str, value: object) -> bool:
    text = str(value).strip().lower()
    if text in ("true", "yes", "1"):
        return True
    if text in ("false", "no", "0"):
        return False
    raise UsageError(f"{key}: expected true or false, got {value!r}")


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", dict: "mapping", list: "list"}.get(type(value), type(value).__name__)
