"""The template's tables are the one source of the stack facts: Python reads them through
dockwright.stacks, and nothing outside template/ lists them again."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from dockwright import stacks

ROOT = Path(__file__).resolve().parents[1]
PYTHON_CODE = sorted(
    path for folder in ("src", "tests", "tools", "bench") for path in (ROOT / folder).rglob("*.py")
)
# Lists that name managers for another reason than "what dockwright generates", with why.
NOT_STACK_FACTS: set[tuple[str, str]] = set()  # (file, name): none at present


def restated_lists(path: Path, root: Path = ROOT) -> list[str]:
    """The list, tuple and set literals of a Python file that enumerate the supported stacks:
    three or more managers or Python versions, or every base image. Two are a test's sample
    of them; three or more are a copy of the table that goes stale when it changes."""
    managers, bases = set(stacks.managers()), set(stacks.all_bases())
    version = re.compile(r"3\.\d+")
    tree = ast.parse(path.read_text(), filename=str(path))
    assigned_to = {  # literal -> the name its assignment binds
        id(literal): target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
        for literal in ast.walk(node.value)
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.List | ast.Tuple | ast.Set):
            continue
        words = {
            e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
        }
        where = (path.relative_to(root).as_posix(), assigned_to.get(id(node), ""))
        if where in NOT_STACK_FACTS:
            continue
        if (
            len(words & managers) >= 3
            or len({w for w in words if version.fullmatch(w)}) >= 3
            or bases <= words
        ):
            found.append(f"{where[0]}:{node.lineno}: {sorted(words)}")
    return found


def test_no_python_code_lists_the_stacks_again() -> None:
    found = [line for path in PYTHON_CODE for line in restated_lists(path)]
    assert not found, "read these from dockwright.stacks instead:\n" + "\n".join(found)


def test_the_scan_finds_a_restated_list(tmp_path: Path) -> None:
    """The scan above would see a copy: of the managers, the Python versions, the bases."""
    code = tmp_path / "copy.py"
    managers = list(stacks.managers())
    code.write_text(
        f"MANAGERS = {managers!r}\n"
        f"VERSIONS = {tuple(stacks.python_versions())!r}\n"
        f"BASES = {set(stacks.all_bases())!r}\n"
        f"SAMPLE = {managers[:2]!r}\n"
    )
    found = restated_lists(code, root=tmp_path)
    assert [line.split(":")[1] for line in found] == ["1", "2", "3"]


def test_copier_yml_offers_the_tables_python_versions() -> None:
    """copier.yml's python_version choices are rendered from stacks.jinja's list."""
    from dockwright import answers, versions

    questions = answers.load_questions(versions.template_dir())
    assert questions["python_version"].choices == stacks.python_versions()
    spec = yaml.safe_load((ROOT / "template" / "copier.yml").read_text())
    assert "python_versions" in spec["python_version"]["choices"]  # rendered, not listed
    assert spec["python_version"]["default"] in stacks.python_versions()


def test_copier_yml_asks_for_the_tables_managers_and_bases() -> None:
    spec = yaml.safe_load((ROOT / "template" / "copier.yml").read_text())
    assert tuple(spec["package_manager"]["choices"].values()) == stacks.managers()
    bases = [
        b["value"] if isinstance(b, dict) else b for b in spec["base_image"]["choices"].values()
    ]
    assert tuple(bases) == stacks.all_bases()


@pytest.mark.parametrize(
    ("answers", "refused"),
    [
        ({"package_manager": "conda", "base_image": "alpine"}, "does not build on alpine"),
        ({"base_image": "alpine", "app_kind": "ml-job"}, "scikit-learn"),
        ({"package_manager": "pip", "app_kind": "ml-job", "python_version": "3.15"}, "numpy"),
        ({"package_manager": "uv", "app_kind": "ml-job", "python_version": "3.15"}, None),
    ],
)
def test_refusal_gives_the_templates_reason(answers: dict[str, str], refused: str | None) -> None:
    reason = stacks.refusal(answers)
    assert (reason is None) if refused is None else (refused in str(reason))
