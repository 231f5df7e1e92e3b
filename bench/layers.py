"""The package's import graph, and the two house rules read from it: imports run downward only, and no two
modules import each other (directly or round a longer loop).

Layers, top to bottom: server -> tools -> toolkit -> services -> guidance -> api, with backend (the state replicas
share) beside services, used by server, toolkit and services. The sandbox imports none of tools, toolkit,
services, server or guidance. Top-level modules (config.py, telemetry.py, ...) and the other packages (doctor/) may
import any layer; api uses only telemetry of them (its hooks and its log redactor). A layer that does not exist
yet has no modules, so its rule holds trivially until it appears.

Every import counts for the layer rule (a lazy import inside a function still runs upward); for cycles, the
imports that run when the module is loaded count (module level, class bodies, `if TYPE_CHECKING:` blocks), not
those inside functions. `tests/project/test_house.py` and `python -m bench --only house` read the same findings.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "sync_mcp"
ROOT = "sync_mcp"

MAY_IMPORT: dict[str, frozenset[str]] = {
    "server": frozenset({"tools", "toolkit", "services", "backend", "guidance", "api"}),
    "tools": frozenset({"toolkit", "services", "guidance", "api"}),
    "toolkit": frozenset({"services", "backend", "guidance", "api"}),
    "services": frozenset({"backend", "guidance", "api"}),
    "backend": frozenset({"guidance", "api"}),
    "guidance": frozenset({"api"}),
    "api": frozenset(),
    "sandbox": frozenset({"api", "backend"}),
}
"""The layers each layer may import (besides itself). A layer not named here is unconstrained; one named here but
missing from a layer's set (sandbox below everyone, for instance) is out of its reach."""
API_TOP_LEVEL = frozenset({"telemetry", ""})
"""The top-level modules api/ may use ("" is the package's own `__init__`, which holds the version): a plain
client needs no settings, no SDK and no server."""


@dataclass(frozen=True)
class Import:
    source: str
    """The importing module, dotted (`sync_mcp.tools.lipsync`)."""
    target: str
    """The imported module, dotted (a name imported from a module is the module)."""
    line: int
    at_load: bool
    """Runs when `source` is loaded (not inside a function)."""


def module_names(package: Path = PACKAGE) -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name, for its `__init__.py`)."""
    names = {}
    for path in sorted(package.rglob("*.py")):
        parts = [package.name, *path.relative_to(package).with_suffix("").parts]
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def _nodes(tree: ast.AST, at_load: bool = True) -> Iterator[tuple[ast.AST, bool]]:
    """Every node, and whether it runs when the module is loaded (function bodies do not)."""
    for child in ast.iter_child_nodes(tree):
        yield child, at_load
        inside = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        yield from _nodes(child, at_load and not inside)


def imports(package: Path = PACKAGE) -> list[Import]:
    """Every import of a package module by another, as written (relative imports resolved)."""
    modules = module_names(package)
    found = []
    for source, path in modules.items():
        is_package = path.name == "__init__.py"
        for node, at_load in _nodes(ast.parse(path.read_text())):
            for target in _targets(node, source, is_package, modules):
                if target != source:
                    found.append(Import(source, target, node.lineno, at_load))  # type: ignore[attr-defined]
    return found


def _targets(node: ast.AST, source: str, is_package: bool, modules: dict[str, Path]) -> list[str]:
    if isinstance(node, ast.Import):
        return [_known(alias.name, modules) for alias in node.names if _known(alias.name, modules)]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        base = source.split(".")[: len(source.split(".")) - node.level + is_package]
        module = ".".join([*base, node.module] if node.module else base)
    else:
        module = node.module or ""
    submodules = [f"{module}.{alias.name}" for alias in node.names if f"{module}.{alias.name}" in modules]
    names_only = len(submodules) < len(node.names)
    return [*submodules, *([_known(module, modules)] if names_only and _known(module, modules) else [])]


def _known(name: str, modules: dict[str, Path]) -> str:
    """The package module `name` is, or lies in (`sync_mcp.api.Thing` -> `sync_mcp.api`); "" outside the package."""
    parts = name.split(".")
    while parts and ".".join(parts) not in modules:
        parts.pop()
    return ".".join(parts)


def _layer(module: str) -> str:
    """The first name below the package: a layer (`tools`), a top-level module (`config`) or the package itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def wrong_way_imports(package: Path = PACKAGE) -> list[str]:
    """Every import against the layer rule, as `module:line -> imported module`."""
    modules = module_names(package)
    found = []
    for imp in imports(package):
        here, there = _layer(imp.source), _layer(imp.target)
        if here == there or here not in MAY_IMPORT:
            continue
        upward = there in MAY_IMPORT and there not in MAY_IMPORT[here]
        top_level = here == "api" and there not in MAY_IMPORT and there not in API_TOP_LEVEL
        if upward or top_level:
            found.append(f"{modules[imp.source].relative_to(package).as_posix()}:{imp.line} -> {imp.target}")
    return found


def import_cycles(package: Path = PACKAGE) -> list[list[str]]:
    """The groups of modules that import each other when loaded (strongly connected components of more than one
    module, each sorted), largest first."""
    graph: dict[str, set[str]] = {name: set() for name in module_names(package)}
    for imp in imports(package):
        if imp.at_load:
            graph[imp.source].add(imp.target)
    groups = [sorted(group) for group in _components(graph) if len(group) > 1]
    return sorted(groups, key=lambda group: (-len(group), group))


def _components(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, without recursion (the graph is deep enough to matter)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for target in edges:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(component)
    return components
