"""The floor plan of the shared layer and the local cloud: every import runs downhill.

The layer has floors (docs/floor-plan.md): core at the bottom, then the ports and the edge, then
the domains, each floor importing only from the floors below it. These tests read every import
statement (at module level, inside functions, under TYPE_CHECKING alike) and fail on a cycle
between modules or packages, on an import that runs uphill or sideways, and on a function-local
import that is not a heavy library deferred on purpose."""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import pytest

from infra.local.template import ROOT

LAYER = ROOT / "layers" / "shared" / "python"
#: bottom to top; a package imports only from its own package and from lower floors
FLOORS: list[tuple[str, ...]] = [
    ("core",),
    ("ports", "edge"),
    ("pricing", "catalogue"),
    ("customers", "channels", "feedback"),
    ("billing", "contacts", "notifications", "appointments", "outages"),
    ("signups", "ideas", "complaints"),
    ("disputes", "quotes"),
    ("overview",),
    ("privacy",),
]
#: libraries that may be imported inside a function, because importing them costs a cold start
#: what most requests never need
DEFERRED_ON_PURPOSE = ("stripe", "boto3", "jsonschema", "referencing", "aws_lambda_powertools.utilities.idempotency",
                       "aws_lambda_powertools.utilities.parameters",  # imports boto3
                       "moto.server")


def _modules(top: Path, package: str) -> dict[str, Path]:
    found = {}
    for path in (top / package.replace(".", "/")).rglob("*.py"):
        parts = list(path.relative_to(top).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = {**_modules(LAYER, "opencounter"), **_modules(ROOT, "infra.local")}


def _imports(path: Path) -> Iterable[tuple[str, bool, int]]:
    """(imported module, inside a function, line) for every import statement in a file."""
    tree = ast.parse(path.read_text())
    in_function: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            in_function |= {id(inner) for inner in ast.walk(node) if inner is not node}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            # `from a.b import c` imports a.b, and a.b.c when c is a module
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in names:
            yield name, id(node) in in_function, node.lineno


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in MODULES.items():
        for name, _, _ in _imports(path):
            if name in MODULES and name != module:
                graph[module].add(name)
    return graph


def _cycles(nodes: Iterable[str], edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in edges.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
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

    for node in sorted(nodes):
        if node not in index:
            visit(node)
    return found


def _package(module: str) -> str:
    """The room a module is in: opencounter.<package>, or the module itself in infra.local."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "opencounter" else ".".join(parts[:3])


def test_no_module_imports_itself_back_through_others():
    assert _cycles(MODULES, _graph()) == []


def test_no_package_of_the_layer_or_room_of_the_local_cloud_imports_itself_back():
    packages: dict[str, set[str]] = defaultdict(set)
    for module, imported in _graph().items():
        packages[_package(module)] |= {_package(m) for m in imported if _package(m) != _package(module)}
    assert _cycles({_package(m) for m in MODULES}, packages) == []


def test_every_import_in_the_layer_runs_downhill():
    floor_of = {package: level for level, floor in enumerate(FLOORS) for package in floor}
    uphill = []
    for module, imported in _graph().items():
        if not module.startswith("opencounter."):
            continue
        own = module.split(".")[1]
        for other in imported:
            theirs = other.split(".")[1]
            if theirs != own and not floor_of[theirs] < floor_of[own]:
                uphill.append(f"{module} imports {other}")
    assert uphill == []


def test_every_package_of_the_layer_is_on_a_floor_and_the_root_holds_only_floors():
    on_disk = {path.name for path in (LAYER / "opencounter").iterdir()
               if path.is_dir() and (path / "__init__.py").exists()}
    assert on_disk == {package for floor in FLOORS for package in floor}
    assert sorted(p.name for p in (LAYER / "opencounter").glob("*.py")) == ["__init__.py"]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_function_local_import_only_defers_a_heavy_library(module):
    deferred = [(name, line) for name, local, line in _imports(MODULES[module]) if local]
    ours = [f"line {line}: {name}" for name, line in deferred if name.split(".")[0] in ("opencounter", "infra")]
    assert ours == [], "import it at the top of the module: a cycle is no reason, there are none"
    others = [f"line {line}: {name}" for name, line in deferred
              if not name.startswith(DEFERRED_ON_PURPOSE)]
    assert others == []
