"""The layers of docs/architecture.md, checked on the source: trainer/ is plain Python that
knows nothing of Rasa, its modules import each other without cycles, and actions stay thin."""

import ast
from pathlib import Path

from harness.processes import ROOT

FORBIDDEN_IN_TRAINER = ("rasa", "rasa_sdk", "compat", "rasa_plugins", "actions", "sanic_routing")


def imports(path: Path):
    """Modules a file imports, at any depth of the file (imports inside functions count)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def trainer_modules():
    return {
        "trainer." + path.stem: path
        for path in (ROOT / "trainer").glob("*.py")
        if path.stem not in ("__init__", "__main__")
    }


def test_trainer_imports_nothing_of_rasa_nor_of_the_layers_above_it():
    for name, path in trainer_modules().items():
        if name == "trainer.cli":  # the command line wires the tools, erasure of Rasa's conversations included
            continue
        bad = [module for module in imports(path) if module.split(".")[0] in FORBIDDEN_IN_TRAINER]
        assert not bad, f"{name} imports {bad}"


def test_trainer_modules_import_each_other_without_a_cycle():
    modules = trainer_modules()
    graph = {name: {m for m in imports(path) if m in modules and m != name} for name, path in modules.items()}
    state = {}

    def visit(name, trail):
        if state.get(name) == "done":
            return
        assert state.get(name) != "open", "import cycle: " + " -> ".join(trail + [name])
        state[name] = "open"
        for imported in sorted(graph[name]):
            visit(imported, trail + [name])
        state[name] = "done"

    for name in sorted(graph):
        visit(name, [])


def test_actions_stay_thin():
    assert len((ROOT / "actions" / "scenario.py").read_text(encoding="utf-8").splitlines()) < 200
    for path in (ROOT / "actions").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                assert length <= 40, f"{path.name}:{node.lineno} {node.name} has {length} lines"
