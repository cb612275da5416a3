"""`make test`'s two halves (scripts/test_suite.py): every test runs in
exactly one, and the session stack is started by one process only."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from studybots.core.settings import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
import test_suite

TESTS = PROJECT_ROOT / "tests"


def uses_stack(path: Path) -> bool:
    """Whether a test module asks for the session stack (a parameter `stack`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(
        isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and any(a.arg == "stack" for a in node.args.args)
        for node in ast.walk(tree)
    )


def test_every_test_folder_is_in_exactly_one_half():
    groups = test_suite.groups()
    paths = groups["stack"] + groups["rest"]
    assert len(paths) == len(set(paths))
    covered = {PROJECT_ROOT / p for p in paths}
    for folder in ("unit", "integration", "browser"):
        assert TESTS / folder in covered
    for module in (TESTS / "e2e").glob("test_*.py"):
        assert module in covered, module
    assert {p.name for p in (TESTS).iterdir() if p.is_dir()} <= {
        "unit",
        "integration",
        "e2e",
        "browser",
        "support",
        "eval",
        "conversations",
        "__pycache__",
    }


def test_only_the_stack_half_starts_the_session_stack():
    for module in test_suite.OWN_SERVERS:
        assert (TESTS / "e2e" / module).exists(), module
    for path in test_suite.groups()["rest"]:
        files = [PROJECT_ROOT / path]
        if files[0].is_dir():
            files = sorted(files[0].rglob("test_*.py"))
        for file in files:
            assert not uses_stack(file), f"{file} needs the session stack: not in OWN_SERVERS"
    assert uses_stack(TESTS / "browser" / "test_widget.py")


def test_the_stack_detector_sees_a_fixture_parameter(tmp_path):
    module = tmp_path / "test_x.py"
    module.write_text("def test_a(stack, tmp_path):\n    pass\n", encoding="utf-8")
    assert uses_stack(module)
    module.write_text("def test_a(stacked):\n    stack = 1\n", encoding="utf-8")
    assert not uses_stack(module)
