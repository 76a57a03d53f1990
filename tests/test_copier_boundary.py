"""The one boundary with copier: its errors become dockwright's by their type, with the
question's name where copier refused an answer; anything else passes through untouched."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypedDict, Unpack

import jinja2
import pytest
from copier._jinja_ext import SandboxedEnvironment
from copier._template import Template
from copier._user_data import AnswersMap, Question
from copier.errors import (
    CopierAnswersInterrupt,
    CopierError,
    InvalidTypeError,
    UserMessageError,
)

import repos
from dockwright import copier_boundary
from dockwright.copier_boundary import guard, our_error
from dockwright.errors import AbortedError, DockwrightError, UsageError


class QuestionFields(TypedDict, total=False):
    """The fields of a copier question these tests set."""

    choices: dict[str, object]
    validator: str


def copier_question(name: str, **fields: Unpack[QuestionFields]) -> Question:
    return Question(
        var_name=name,
        answers=AnswersMap(),
        context={},
        jinja_env=SandboxedEnvironment(),
        type="str",
        **fields,
    )


def refusal(name: str, answer: object, **question: Unpack[QuestionFields]) -> Exception:
    """The error copier's own Question raises for an answer it refuses."""
    asked = copier_question(name, **question)
    try:
        asked.validate_answer(asked.parse_answer(answer))
    except Exception as error:
        return error
    raise AssertionError(f"copier took {answer!r} for {name}")


@pytest.mark.parametrize(
    ("error", "ours", "message"),
    [
        (
            CopierAnswersInterrupt(
                answers=AnswersMap(),
                last_question=copier_question("project_name"),
                template=Template(url="template"),
            ),
            AbortedError,
            "interrupted; nothing was written",
        ),
        (KeyboardInterrupt(), AbortedError, "interrupted; nothing was written"),
        (InvalidTypeError(), UsageError, "an answer has the wrong type"),
        (
            InvalidTypeError('Unsupported type "int8" in question "size"'),
            UsageError,
            'Unsupported type "int8" in question "size"',
        ),
        (
            ValueError("Validation error for question 'project_name': must be short"),
            UsageError,
            "project_name: must be short",
        ),
        (
            ValueError("Invalid choice for 'app_kind': 'django' is not in ['flask']"),
            UsageError,
            "app_kind: 'django' is not in ['flask']",
        ),
        (ValueError('Question "x" is required'), UsageError, 'Question "x" is required'),
        (UserMessageError("'name' is undefined"), DockwrightError, "'name' is undefined"),
        (CopierError("the template is broken"), DockwrightError, "the template is broken"),
    ],
    ids=[
        "answers-interrupt",
        "keyboard-interrupt",
        "invalid-type-bare",
        "invalid-type",
        "validator",
        "choice",
        "other-value-error",
        "user-message",
        "copier-error",
    ],
)
def test_each_copier_error_type_becomes_ours(
    error: BaseException, ours: type[DockwrightError], message: str
) -> None:
    mapped = our_error(error)
    assert type(mapped) is ours
    assert str(mapped) == message


@pytest.mark.parametrize(
    ("name", "answer", "question", "message"),
    [
        (
            "app_kind",
            "django",
            {"choices": {"Flask": "flask", "Job": "ml-job"}},
            "app_kind: 'django' is not in ['flask', 'ml-job']",
        ),
        (
            "base_image",
            "alpine",
            {"choices": {"slim": "slim", "alpine": {"value": "alpine", "validator": "not here"}}},
            "base_image: not here",
        ),
        (
            "project_name",
            "far too long",
            {"validator": "{% if project_name|length > 3 %}at most 3{% endif %}"},
            "project_name: at most 3",
        ),
    ],
    ids=["choice", "disabled-choice", "validator"],
)
def test_the_answers_copier_really_refuses_name_their_question(
    name: str, answer: str, question: QuestionFields, message: str
) -> None:
    """The errors the installed copier raises, not copies of them: a copier release that
    words them otherwise fails here."""
    mapped = our_error(refusal(name, answer, **question))
    assert type(mapped) is UsageError
    assert str(mapped) == message


def test_the_caller_words_an_interrupt_and_a_failure() -> None:
    interrupted = our_error(KeyboardInterrupt(), interrupted="interrupted; the update was undone")
    assert str(interrupted) == "interrupted; the update was undone"
    assert type(interrupted) is AbortedError
    failed = our_error(CopierError("no such tag"), failed="update failed: ")
    assert str(failed) == "update failed: no such tag"


def test_the_guard_raises_ours_without_copier_s_traceback() -> None:
    with pytest.raises(UsageError, match=r"^app_kind: no$") as caught, guard():
        raise ValueError("Invalid choice for 'app_kind': no")
    assert caught.value.__suppress_context__


def test_the_guard_lets_a_bug_through_as_it_is() -> None:
    with pytest.raises(RuntimeError, match="ours"), guard():
        raise RuntimeError("ours")


def test_the_answers_file_is_read_in_one_place(tmp_path: Path) -> None:
    (tmp_path / ".copier-answers.yml").write_text(
        "_commit: v0.3.0\n_src_path: https://example.org/t.git\napp_kind: flask\n"
    )
    recorded = copier_boundary.read_answers(tmp_path)
    assert recorded.answers == {"app_kind": "flask"}
    assert recorded.commit == "v0.3.0"
    assert recorded.src_path == "https://example.org/t.git"


@pytest.mark.parametrize(
    ("text", "says"),
    [("app_kind: [flask\n", "is not valid YAML"), ("- a list\n", "is not a mapping of answers")],
)
def test_an_answers_file_of_the_wrong_shape_is_a_usage_error(
    tmp_path: Path, text: str, says: str
) -> None:
    (tmp_path / ".copier-answers.yml").write_text(text)
    with pytest.raises(UsageError, match=says):
        copier_boundary.read_answers(tmp_path)


# Jinja's compile step, remembered for the length of a call into copier.


def test_a_second_copy_compiles_nothing_and_renders_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled: list[str | None] = []
    plain = copier_boundary._plain_compile

    def counting(env: jinja2.Environment, source: object, *args: Any) -> Any:
        if isinstance(source, str):  # copier renders some non-text answers too: not kept
            compiled.append(source)
        return plain(env, source, *args)

    monkeypatch.setattr(copier_boundary, "_plain_compile", counting)
    monkeypatch.setattr(copier_boundary, "_COMPILED", {})
    answers = {"project_name": "app", "app_kind": "flask"}
    for name in ("first", "second"):
        copier_boundary.copy(tmp_path / name, answers, interactive=False, user_defaults={})
        compiled.append(None)
    first, second = compiled.index(None), len(compiled) - 1
    assert first > 50  # every file and question string of the template, once
    assert second == first + 1  # nothing new the second time
    assert repos.files(tmp_path / "first", skip=(".env",)) == repos.files(
        tmp_path / "second", skip=(".env",)
    )
    assert jinja2.Environment.compile is plain  # put back after each call


def test_code_is_not_shared_between_different_settings() -> None:
    source = "{% if x %}\n  {{ x }}\n{% endif %}\n"
    outputs = []
    with copier_boundary.compiled_once():
        for trim in (False, True, False):
            env = jinja2.Environment(trim_blocks=trim)
            outputs.append(env.from_string(source).render(x="a"))
        sandboxed = SandboxedEnvironment()
        outputs.append(sandboxed.from_string("{{ x.__class__ }}").render(x="a"))
    assert outputs[:3] == ["\n  a\n", "  a\n", "\n  a\n"]
    assert outputs[3] == ""  # the sandbox's own code: an unsafe attribute is undefined
    assert jinja2.Environment.compile is copier_boundary._plain_compile
