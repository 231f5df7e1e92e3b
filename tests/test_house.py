"""The house size rules hold for the package (bench/house.py measures them and says where they break)."""

from __future__ import annotations

import ast
from pathlib import Path

from bench.error_codes import catalog_codes, literal_codes
from bench.house import MAX_FUNCTION_LINES, MAX_MODULE_LINES, measure


def test_modules_and_functions_stay_within_the_house_limits() -> None:
    sizes = measure()
    assert sizes.longest_module[1] > 0 and sizes.longest_function[1] > 0, "the package was not read"
    assert not sizes.breaches, "\n".join(sizes.breaches)


def test_a_breach_is_reported_with_where_it_is(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    body = "\n".join(f"    x{n} = {n}" for n in range(MAX_FUNCTION_LINES))
    (package / "long.py").write_text('"""A module."""\n\n\ndef long() -> None:\n' + body + "\n")
    (package / "big.py").write_text('"""Big."""\n' + "y = 1\n" * MAX_MODULE_LINES)
    (package / "said.py").write_text('"""Over 400 lines on purpose: one table."""\n' + "y = 1\n" * MAX_MODULE_LINES)
    sizes = measure(package)
    assert sizes.breaches == [
        f"pkg/big.py: {MAX_MODULE_LINES + 1} lines, and its docstring does not say why",
        f"pkg/long.py:4 long: {MAX_FUNCTION_LINES + 1} lines",
    ]


def files_in(folder: Path, files: dict[str, str]) -> Path:
    """`folder` holding `files` (relative path -> text), folders made as needed."""
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


# ------------------------------------------------------------------------------------------- error codes

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "sync_mcp"


def test_error_codes_with_a_constant_are_spelled_only_in_it() -> None:
    assert catalog_codes(), "the error catalog was not read"
    assert not literal_codes(), "\n".join(literal_codes())


def test_a_spelled_out_code_is_reported_with_where_it_is(tmp_path: Path) -> None:
    package = files_in(
        tmp_path / "pkg",
        {
            "codes.py": 'CODE = "generation_not_found"\n',
            "use.py": 'def f() -> str:\n    return "generation_not_found"\n',
            "again.py": 'OTHER = "generation_not_found"\n',
            "local.py": 'MINE_CODE = "my_own_code"\n',
            "uses_local.py": 'X = {"errorCode": "my_own_code"}\n',
        },
    )
    assert literal_codes(package) == [
        "generation_not_found is named by again.py:OTHER, codes.py:CODE",
        "use.py:2 spells 'generation_not_found'; use again.py:OTHER",
        "uses_local.py:1 spells 'my_own_code'; use local.py:MINE_CODE",
    ]


# ------------------------------------------------------------------------------------------------ layers

LAYERS = {"server": 5, "tools": 4, "toolkit": 3, "services": 2, "guidance": 1, "api": 0}
"""Imports run downward only: server -> tools -> toolkit -> services -> guidance -> api."""
BACKEND_USERS = {"server", "toolkit", "services", "backend", "cli", "doctor"}
"""backend (the state replicas share) is used by server, toolkit and services (and by the entry points that check
it before starting)."""
BACKEND_MAY_IMPORT = {"api", "guidance"}
"""backend sits beside services: of the layers, it reads only the wire types and the words for its errors."""
SANDBOX_NEVER_IMPORTS = {"tools", "toolkit", "services", "server", "guidance"}
API_TOP_LEVEL = {"logs", "telemetry"}
"""The only top-level modules api/ uses: a plain Sync client knows nothing of the server's settings."""

WRONG_WAY_TODAY = {
    ("tools/spending.py", "backend"): "the spend guard's MCP side reads the spend memory; it belongs in toolkit/",
    ("tools/dialogue_edit.py", "backend"): "names the spend memory's type; goes once the spend guard is in toolkit/",
}
"""Imports that break the rule today, each with why; a new one fails the test."""


def _imported_modules(module: str, tree: ast.Module) -> set[str]:
    """The sync_mcp modules (dotted, below sync_mcp) a module under the package imports, anywhere in it."""
    here = module.removesuffix(".py").split("/")
    package = here if here[-1] == "__init__" else here[:-1]
    package = [part for part in package if part != "__init__"]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(["sync_mcp", *package[: len(package) - node.level + 1], *filter(None, [node.module])])
            else:
                base = node.module or ""
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return {name.removeprefix("sync_mcp.") for name in names if name.startswith("sync_mcp.")}


def _imported_packages(module: str, tree: ast.Module) -> set[str]:
    """The sync_mcp subpackages and top-level modules (first name below sync_mcp) that a module imports (the
    package's own attributes, such as `__version__`, are not modules)."""
    return {name.split(".")[0] for name in _imported_modules(module, tree) if not name.startswith("__")}


def _wrong_way(home: str, target: str) -> bool:
    if home in LAYERS and target in LAYERS and LAYERS[target] > LAYERS[home]:
        return True
    if home == "sandbox" and target in SANDBOX_NEVER_IMPORTS:
        return True
    if target == "backend" and home not in BACKEND_USERS:
        return True
    if home == "backend" and (target in LAYERS or target in {"sandbox", "doctor"}) and target not in BACKEND_MAY_IMPORT:
        return True
    return home == "api" and target not in {*LAYERS, "backend", "sandbox", "doctor", *API_TOP_LEVEL}


def wrong_way_imports(package: Path = PACKAGE) -> list[str]:
    """Every import that runs against the layer rule, as `module -> package` (known exceptions left out). A layer
    that does not exist yet is held by the rule as soon as it appears."""
    found = []
    for path in sorted(package.rglob("*.py")):
        module = path.relative_to(package).as_posix()
        home = module.split("/")[0].removesuffix(".py")
        for target in sorted(_imported_packages(module, ast.parse(path.read_text())) - {home}):
            if _wrong_way(home, target) and (module, target) not in WRONG_WAY_TODAY:
                found.append(f"{module} -> {target}")
    return found


def test_imports_run_downward_only() -> None:
    assert not wrong_way_imports(), "\n".join(wrong_way_imports())


def test_every_listed_exception_still_exists() -> None:
    for module, target in WRONG_WAY_TODAY:
        path = PACKAGE / module
        assert target in _imported_packages(module, ast.parse(path.read_text())), f"{module} no longer imports {target}"


def test_a_wrong_way_import_is_reported(tmp_path: Path) -> None:
    package = files_in(
        tmp_path / "pkg",
        {
            "api/calls.py": "from sync_mcp.services import thing\nfrom sync_mcp import config, logs\n",
            "services/work.py": "from ..api import calls\nfrom ..backend import store\n",
            "sandbox/app.py": "from sync_mcp.tools.x import y\nfrom sync_mcp.api import types\n",
            "tools/ok.py": "from sync_mcp.services.work import z\nfrom sync_mcp.toolkit import results\n",
            "toolkit/up.py": "from sync_mcp.server import updates\nfrom sync_mcp.backend import spend\n",
            "guidance/words.py": "from sync_mcp.toolkit.results import ok\nfrom sync_mcp.api import errors\n",
            "backend/store.py": "from sync_mcp.services import links\nfrom sync_mcp.api import types\n",
            "sandbox/state.py": "from sync_mcp.guidance import explain\n",
        },
    )
    assert wrong_way_imports(package) == [
        "api/calls.py -> config",
        "api/calls.py -> services",
        "backend/store.py -> services",
        "guidance/words.py -> toolkit",
        "sandbox/app.py -> tools",
        "sandbox/state.py -> guidance",
        "toolkit/up.py -> server",
    ]
    (package / "tools/stateful.py").write_text("from ..backend import store\n")
    assert wrong_way_imports(package)[-1] == "tools/stateful.py -> backend"


# ------------------------------------------------------------------------------------------------ cycles

DEFERRED_CYCLES = {
    ("config", "tools.toolsets"): "load_settings checks SYNC_MCP_TOOLSETS against the toolsets there are, so every "
    "entry point refuses a bad name alike; imported when settings are loaded",
    ("server.http", "server.oauth"): "OAuth is built only when SYNC_MCP_AUTH=oauth asks for it",
    ("server.telemetry", "server.http"): "the HTTP app's parts are read when telemetry is attached to it",
    ("server.telemetry", "server.metrics"): "metrics need the optional prometheus_client, imported when enabled",
    ("api.errors", "api.types.errors"): "the wire models are imported when an error first needs one (start-up time)",
}
"""Imports inside a function (made when first needed, for start-up time) that close a cycle, each with why."""
TYPE_ONLY_CYCLES_TODAY = {
    ("api.resources", "api.client"): "resources are typed with the client they are bound to, which mixes them in; "
    "a protocol of what they use of it would close the cycle",
    ("api.resources", "api.resources.generations"): "the client's resource attributes name each resource's class for "
    "type checkers, and generations reads the client's long-poll bound",
}
"""Imports under TYPE_CHECKING that close a cycle today, each with why. Any other import that closes one, at
module level, under TYPE_CHECKING or in a function, fails the test."""


def _module_name(path: Path, package: Path) -> str:
    parts = path.relative_to(package).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports_within(tree: ast.AST) -> set[int]:
    return {id(n) for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)}


def _placed(tree: ast.Module) -> tuple[set[int], set[int]]:
    """ids of the import statements inside a function (deferred until it runs), and under `if TYPE_CHECKING:`."""
    in_functions: set[int] = set()
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            in_functions |= _imports_within(node)
        elif isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            type_only |= set().union(*(_imports_within(child) for child in node.body))
    return in_functions, type_only - in_functions


def import_graph(package: Path = PACKAGE, *, listed: bool = True) -> dict[str, set[str]]:
    """Module -> the modules it imports (dotted below the package), wherever the import is: at module level, under
    TYPE_CHECKING, in a function (but for the listed cycles, unless `listed` is False). `from p import m` of a
    submodule is an import of m."""
    paths = {_module_name(path, package): path for path in sorted(package.rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        tree = ast.parse(path.read_text())
        relative = path.relative_to(package).as_posix()
        in_functions, type_only = _placed(tree)
        graph[module] = set()
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            only = ast.Module(body=[node], type_ignores=[])
            for target in {_resolve(name, paths, module) for name in _imported_modules(relative, only)}:
                known = (id(node) in in_functions and (module, target) in DEFERRED_CYCLES) or (
                    id(node) in type_only and (module, target) in TYPE_ONLY_CYCLES_TODAY
                )
                if target and target != module and not (listed and known):
                    graph[module].add(target)
    return graph


def _resolve(name: str, modules: dict[str, Path], module: str) -> str:
    """The module a dotted import name lands in (`a.b.Name` -> `a.b`); the importer's own package is the parent
    it already runs inside, not an import."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return "" if module.startswith(f"{name}.") else name


def import_cycles(package: Path = PACKAGE) -> list[str]:
    """Each cycle among the package's modules, as `a -> b -> a` (one per group of modules caught in one)."""
    graph = import_graph(package)
    cycles, done = [], set()
    for start in sorted(graph):
        if start in done:
            continue
        path = _cycle_from(start, graph)
        if path:
            cycles.append(" -> ".join([*path, path[0]]))
            reversed_graph = {m: {n for n in graph if m in graph[n]} for m in graph}
            done.update(_reachable(start, graph) & _reachable(start, reversed_graph))
    return cycles


def _reachable(start: str, graph: dict[str, set[str]]) -> set[str]:
    seen, queue = {start}, [start]
    while queue:
        for nxt in graph.get(queue.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def _cycle_from(start: str, graph: dict[str, set[str]]) -> list[str]:
    """A shortest cycle through `start`, or [] (breadth first over imports)."""
    seen = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph.get(node, ())):
            if nxt == start:
                return seen[node]
            if nxt not in seen:
                seen[nxt] = [*seen[node], nxt]
                queue.append(nxt)
    return []


def test_no_module_imports_itself_round_a_cycle() -> None:
    assert any(import_graph().values()), "the package was not read"
    assert not import_cycles(), "\n".join(import_cycles())


def test_every_listed_cycle_still_exists() -> None:
    graph = import_graph(listed=False)
    for module, target in [*DEFERRED_CYCLES, *TYPE_ONLY_CYCLES_TODAY]:
        assert target in graph.get(module, set()), f"{module} no longer imports {target}"


def test_a_cycle_is_reported_even_through_type_checking(tmp_path: Path) -> None:
    package = files_in(
        tmp_path / "pkg",
        {
            "__init__.py": "",
            "a.py": "from .b import x\n",
            "b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .c import y\n",
            "c.py": "from . import a\n",
            "d.py": "def later() -> None:\n    from .e import z\n",
            "e.py": "from .d import w\n",
            "sub/__init__.py": "from .f import v\n",
            "sub/f.py": "from . import g\n",
            "sub/g.py": "",
        },
    )
    assert import_cycles(package) == ["a -> b -> c -> a", "d -> e -> d"]


# ------------------------------------------------------------------------------------------ tools hold tools

COMPOSITION = {"tools/__init__.py", "tools/toolsets.py"}
NOT_TOOLS_YET = {
    "tools/arguments.py": "argument helpers of the typed tools, moving out with them",
    "tools/dialogue_edit_arguments.py": "edit_dialogue's arguments, moving out with the typed tools",
    "tools/lipsync_languages.py": "lipsync's dubbing into several languages, moving out with the typed tools",
    "tools/lipsync_request.py": "lipsync's arguments and request, moving out with the typed tools",
    "tools/spending.py": "the spend guard's MCP side, moving to toolkit/",
}
"""Modules under tools/ that define no tool today, each with why; a new one fails the test."""


def _defines_a_tool(tree: ast.Module) -> bool:
    """Whether a module declares a tool: a call of `sync_tool(...)` (as a decorator or otherwise)."""
    return any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name | ast.Attribute)
        and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr) == "sync_tool"
        for node in ast.walk(tree)
    )


def modules_without_tools(package: Path = PACKAGE) -> list[str]:
    """Modules under tools/ that declare no tool, except the composition (and the listed ones)."""
    found = []
    for path in sorted((package / "tools").rglob("*.py")):
        module = path.relative_to(package).as_posix()
        if (
            module not in COMPOSITION
            and module not in NOT_TOOLS_YET
            and not _defines_a_tool(ast.parse(path.read_text()))
        ):
            found.append(module)
    return found


def test_every_module_under_tools_defines_a_tool() -> None:
    assert (PACKAGE / "tools/toolsets.py").exists(), "the composition moved: update COMPOSITION"
    assert not modules_without_tools(), "\n".join(modules_without_tools())


def test_every_listed_module_without_tools_still_has_none() -> None:
    for module in NOT_TOOLS_YET:
        path = PACKAGE / module
        assert path.exists() and not _defines_a_tool(ast.parse(path.read_text())), f"{module}: drop it from the list"


def test_a_module_under_tools_without_a_tool_is_reported(tmp_path: Path) -> None:
    package = files_in(
        tmp_path / "pkg",
        {
            "tools/__init__.py": "",
            "tools/toolsets.py": "TOOLSETS = ()\n",
            "tools/voices.py": "@sync_tool(title='x', read_only=True)\nasync def list_voices() -> None: ...\n",
            "tools/switch.py": "def make():\n    return results.sync_tool(title='x', read_only=False)(f)\n",
            "tools/helpers.py": "def sync_tool_like() -> None: ...\n",
        },
    )
    assert modules_without_tools(package) == ["tools/helpers.py"]


# ------------------------------------------------------------------------------------ private SDK parts

PRIVATE_SDK_DOORS = {"src/sync_mcp/sdk_internals.py", "tests/http_support.py"}
"""The only modules that import the `mcp` SDK's private modules (`mcp.…._name`), each access wrapped there."""


def private_sdk_imports(root: Path = PACKAGE.parent.parent) -> list[str]:
    """Imports of a private `mcp` module outside the doors, as `file:line module`."""
    found = []
    for folder in ("src", "tests"):
        for path in sorted((root / folder).rglob("*.py")):
            where = path.relative_to(root).as_posix()
            for node in ast.walk(ast.parse(path.read_text())):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if isinstance(node, ast.ImportFrom) and not node.level and node.module:
                    names = [node.module]
                for name in names:
                    private = name.split(".")[0] == "mcp" and any(part.startswith("_") for part in name.split("."))
                    if private and where not in PRIVATE_SDK_DOORS:
                        found.append(f"{where}:{node.lineno} {name}")
    return found


def test_private_sdk_modules_are_imported_only_through_their_doors() -> None:
    assert not private_sdk_imports(), "\n".join(private_sdk_imports())


def test_a_private_sdk_import_is_reported(tmp_path: Path) -> None:
    files_in(
        tmp_path,
        {"src/ok.py": "import mcp\n", "tests/test_x.py": "import mcp.types\nfrom mcp.shared._httpx_utils import f\n"},
    )
    assert private_sdk_imports(tmp_path) == ["tests/test_x.py:2 mcp.shared._httpx_utils"]
