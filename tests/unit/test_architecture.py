"""The shape of the code: packages for the stages of the data flow, no import
cycles, and nothing that runs in the bots imports build-time code."""

from __future__ import annotations

import ast
from pathlib import Path

from studybots.core.settings import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "studybots"
# What runs while students chat: it must not import generation, training or
# the editors' tools (those may import it).
RUNTIME = ("studybots.bot", "studybots.search", "studybots.questionlog", "studybots.privacy")
BUILD_TIME = ("studybots.build", "studybots.training", "studybots.review", "studybots.report")


def _module(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """module -> the project modules it imports (anywhere in the file)."""
    modules = {
        _module(p): p for root in (PACKAGE, PROJECT_ROOT / "actions") for p in root.rglob("*.py")
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                candidates = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                candidates = [a.name for a in node.names]
            else:
                continue
            found |= {c for c in candidates if c in modules and c != name}
        graph[name] = found
    return graph


def test_few_loose_modules_in_the_package():
    loose = [p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"]
    assert len(loose) <= 4, loose


def test_no_import_cycles():
    graph = _imports()
    # Package __init__ files re-export nothing here; ignore edges to them.
    packages = {m for m in graph if (PROJECT_ROOT / m.replace(".", "/") / "__init__.py").exists()}
    edges = {m: {d for d in deps if d not in packages} for m, deps in graph.items()}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(edges.get(node, ())):
            if state.get(dep) == 1:
                cycle = path[path.index(dep) :] + [dep] if dep in path else [node, dep]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep, [*path, dep])
        state[node] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])


def test_runtime_code_imports_nothing_build_time():
    offending = [
        f"{module} imports {dep}"
        for module, deps in _imports().items()
        if module.startswith(RUNTIME) or module.startswith("actions")
        for dep in deps
        if dep.startswith(BUILD_TIME)
    ]
    assert offending == []


def test_test_infrastructure_lives_in_tests():
    assert not (PACKAGE / "workspace.py").exists()
    names = {p.stem for p in PACKAGE.rglob("*.py")}
    assert not names & {"workspace", "tcp_proxy", "slack_double"}
