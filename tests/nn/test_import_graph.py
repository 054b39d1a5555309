"""The import graphs of ``nn`` and ``engine`` have no cycle, and ``nn`` uses only ``engine``'s public names.

Imports are read with ``ast`` from the source, so a cycle hidden in a function body (a lazy import) counts too;
imports under ``if TYPE_CHECKING:`` are annotations only and do not.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _modules(package: str) -> dict[str, Path]:
    """{dotted module name: file} for every module of ``package``."""
    modules = {}
    for path in sorted((ROOT / package).glob("*.py")):
        name = package if path.stem == "__init__" else f"{package}.{path.stem}"
        modules[name] = path
    return modules


def _is_type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, [imported names]) for each import statement of the file, outside ``if TYPE_CHECKING:`` blocks."""
    found = []
    stack: list[ast.AST] = [ast.parse(path.read_text(encoding="utf-8"))]
    while stack:
        node = stack.pop()
        if _is_type_checking_block(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module, [alias.name for alias in node.names]))
        stack.extend(ast.iter_child_nodes(node))
    return found


def _graph(package: str) -> dict[str, set[str]]:
    """{module: modules of ``package`` it imports}; ``from pkg import sub`` is an edge to ``pkg.sub``."""
    modules = _modules(package)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for module, names in _imports(path):
            targets = [f"{module}.{item}" for item in names if f"{module}.{item}" in modules]
            if len(targets) < len(names) or not names:
                targets.append(module)  # a name defined in the module itself (or a plain import)
            graph[name].update(target for target in targets if target in modules and target != name)
    return graph


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a list of modules (first repeated at the end), or None; an iterative depth-first search."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    for start in sorted(graph):
        if start in state:
            continue
        path = [start]
        iterators = [iter(sorted(graph[start]))]
        state[start] = 1
        while iterators:
            following = next(iterators[-1], None)
            if following is None:
                state[path.pop()] = 2
                iterators.pop()
            elif state.get(following) == 1:
                return path[path.index(following) :] + [following]
            elif following not in state:
                state[following] = 1
                path.append(following)
                iterators.append(iter(sorted(graph[following])))
    return None


def test_the_cycle_finder_finds_a_cycle_and_accepts_a_tree():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


@pytest.mark.parametrize("package", ["nn", "engine"])
def test_no_module_of_the_package_imports_itself_back_through_others(package):
    graph = _graph(package)
    assert len(graph) > 3  # the package was found
    cycle = _find_cycle(graph)
    assert cycle is None, f"import cycle in {package}: {' -> '.join(cycle)}"


_PENDING: dict[str, str] = {}  # module -> why it may still import a private engine name (none)


@pytest.mark.parametrize(
    "module_name",
    [
        pytest.param(name, marks=pytest.mark.xfail(reason=_PENDING[name])) if name in _PENDING else name
        for name in _modules("nn")
    ],
)
def test_nn_imports_from_engine_only_names_that_engine_exports(module_name):
    import engine

    private = []
    for module, names in _imports(_modules("nn")[module_name]):
        if module == "engine":
            private += [f"from engine import {item}" for item in names if item not in engine.__all__]
        elif module.startswith("engine."):
            private += [f"from {module} import {item}" for item in names if item.startswith("_")]
    assert private == []


def test_serialization_and_interop_import_nothing_from_nn_module():
    for name in ("nn.serialization", "nn.interop"):
        imported = {module for module, _ in _imports(_modules("nn")[name])}
        assert "nn.module" not in imported, name
