"""The package's import structure: no cycles between modules, heavy libraries on first use.

The graph is built from the source with :mod:`ast` (nothing is imported): an edge ``a -> b``
for every module-level import in ``a`` of a concordlab module ``b``. ``from p import y``
depends on ``p`` (Python runs ``p``'s ``__init__`` first) and on ``p.y`` when ``y`` is a
module; ``import p.q`` depends on ``p.q``. Imports inside functions and inside
``if TYPE_CHECKING:`` do not run at import time and are left out.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import concordlab

PACKAGE = Path(concordlab.__file__).parent
HEAVY = ("plotly", "dask", "ipywidgets", "anywidget", "numba", "h5py")  # (pandas 3 imports pyarrow)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


MODULES = package_modules()


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def module_level(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements that run when the module is imported."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not is_type_checking(node.test):
                yield from module_level(node.body)
            yield from module_level(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                yield from module_level(block)
            for handler in node.handlers:
                yield from module_level(handler.body)
        elif isinstance(node, ast.With | ast.ClassDef):
            yield from module_level(node.body)


def base_of(module: str, node: ast.ImportFrom) -> str:
    """The absolute module name of ``from <base> import ...`` (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    is_package = MODULES[module].name == "__init__.py"
    parts = module.split(".")
    if not is_package:
        parts = parts[:-1]
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join([*parts, node.module] if node.module else parts)


def imports_of(module: str) -> Iterator[tuple[str, ast.stmt, str | None]]:
    """(imported module, statement, imported name) for each module-level concordlab import."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    for node in module_level(tree.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES:
                    yield alias.name, node, None
            continue
        base = base_of(module, node)
        if base not in MODULES:
            continue
        for alias in node.names:
            yield base, node, alias.name
            if f"{base}.{alias.name}" in MODULES:
                yield f"{base}.{alias.name}", node, alias.name


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for module in MODULES:
        for target, _, _ in imports_of(module):
            if target != module:
                graph[module].add(target)
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def one_cycle(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """A shortest cycle through the first module of ``component``, as a path."""
    start = component[0]
    members = set(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for successor in sorted(graph[node] & members):
            if successor == start:
                return [*paths[node], start]
            if successor not in paths:
                paths[successor] = [*paths[node], successor]
                queue.append(successor)
    raise AssertionError(f"no cycle through {start}")  # pragma: no cover


def test_the_graph_sees_the_package():
    graph = import_graph()
    assert "concordlab.session" in graph["concordlab.segments"]
    assert "concordlab._segments_schema" in graph["concordlab.session"]
    # Imports inside functions and TYPE_CHECKING blocks are not edges.
    assert "concordlab.cohort" not in graph["concordlab"]
    assert "concordlab.widgets.explorer" not in graph["concordlab.widgets"]


def test_no_import_cycle():
    graph = import_graph()
    cycles = [" -> ".join(one_cycle(graph, c)) for c in strongly_connected(graph)]
    assert not cycles, "Import cycle(s) between modules of concordlab:\n" + "\n".join(cycles)


def test_submodules_import_submodules_not_the_package():
    """``from concordlab import preprocess`` runs the package's __init__ (all of the API)."""
    offenders = []
    for module in MODULES:
        if module == "concordlab":
            continue
        for target, node, name in imports_of(module):
            if target == "concordlab":
                offenders.append(f"{module} (line {node.lineno}): from concordlab import {name}")
    assert not offenders, (
        "Submodules should import the module they need directly (import "
        "concordlab.preprocess as preprocess, or from concordlab.preprocess import ...), "
        "not the package:\n" + "\n".join(offenders)
    )


def fresh(code: str) -> str:
    outcome = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert outcome.returncode == 0, outcome.stderr
    return outcome.stdout


def loaded(statement: str) -> list[str]:
    code = (
        f"import json, sys\n{statement}\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    return json.loads(fresh(code))


def test_import_leaves_heavy_libraries_out():
    top = loaded("import concordlab")
    assert [name for name in HEAVY if name in top] == []


def test_import_loads_only_the_session_model():
    # scipy.signal alone takes about a second: readers, compute and preprocess load on use.
    top = loaded("import concordlab")
    assert "scipy" not in top
    modules = json.loads(
        fresh("import json, sys, concordlab\nprint(json.dumps(sorted(sys.modules)))")
    )
    ours = {m for m in modules if m.startswith("concordlab")}
    assert ours <= {
        "concordlab",
        "concordlab._checks",
        "concordlab._deprecate",
        "concordlab._segments_schema",
        "concordlab._version",
        "concordlab.errors",
        "concordlab.segments",
        "concordlab.session",
        "concordlab.units",  # a channel's unit, checked when a channel is built
    }


def test_submodules_are_attributes_on_first_use():
    code = (
        "import sys, concordlab\n"
        "assert 'concordlab.plots' not in sys.modules\n"
        "print(concordlab.plots.__name__, concordlab.io.read.__name__)"
    )
    assert fresh(code).split() == ["concordlab.plots", "read"]


def test_import_widgets_package_leaves_heavy_libraries_out():
    top = loaded("import concordlab.widgets")
    assert [name for name in HEAVY if name in top] == []


def test_first_use_imports_what_it_needs():
    assert "dask" in loaded("import concordlab\nconcordlab.open_cohort")
    top = loaded("from concordlab import explore")
    assert {"plotly", "ipywidgets"} <= set(top)


@pytest.mark.parametrize("name", concordlab.__all__)
def test_every_public_name_resolves(name):
    assert getattr(concordlab, name) is not None
    assert name in dir(concordlab)


def test_public_names_are_the_defining_objects():
    from concordlab.cohort import LazyCohort, open_cohort
    from concordlab.widgets.explorer import explore

    assert concordlab.LazyCohort is LazyCohort
    assert concordlab.open_cohort is open_cohort
    assert concordlab.explore is explore
    assert concordlab.stats is sys.modules["concordlab.stats"]
    assert concordlab.compare_groups is concordlab.stats.compare_groups
    # segments is both a submodule and a function: the package attribute is the function.
    assert callable(concordlab.segments)


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        concordlab.nonsense  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        concordlab.widgets.nonsense  # noqa: B018


def test_widgets_names_resolve():
    import concordlab.widgets as widgets

    for name in widgets.__all__:
        assert getattr(widgets, name) is not None
        assert name in dir(widgets)
