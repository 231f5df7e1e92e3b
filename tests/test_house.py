"""The house size rules hold for the package (bench/house.py measures them and says where they break)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

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
CATALOG_CODES = {entry["code"] for entry in json.loads((PACKAGE / "api/data/error_catalog.json").read_text())}

SECOND_CONSTANTS = {
    (
        "sandbox/rules/core.py",
        "VALIDATION_CODE",
    ): "the sandbox keeps its own reading of the wire instead of the client's",
}
"""A code named by a constant in more than one module, each with the reason it is not shared."""


def _is_code(name: str, value: object) -> bool:
    """A catalog code, or the value of a local code's constant (`..._CODE = "..."`)."""
    return isinstance(value, str) and (value in CATALOG_CODES or name.endswith("_CODE"))


def _code_constants(tree: ast.Module) -> dict[int, tuple[str, str]]:
    """The module-level `NAME = "<error code>"` definitions: id of the string node -> (name, code)."""
    found: dict[int, tuple[str, str]] = {}
    for node in tree.body:
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        if isinstance(value, ast.Constant):
            for target in targets:
                if isinstance(target, ast.Name) and _is_code(target.id, value.value):
                    found[id(value)] = (target.id, value.value)
    return found


def literal_codes(package: Path = PACKAGE) -> list[str]:
    """Where the package spells out a catalog code that a constant names, or names one code twice."""
    trees = {
        path.relative_to(package).as_posix(): ast.parse(path.read_text()) for path in sorted(package.rglob("*.py"))
    }
    constants = {module: _code_constants(tree) for module, tree in trees.items()}
    homes: dict[str, list[str]] = {}
    for module, found in constants.items():
        for name, code in found.values():
            if (module, name) not in SECOND_CONSTANTS:
                homes.setdefault(code, []).append(f"{module}:{name}")
    problems = [f"{code} is named by {', '.join(where)}" for code, where in homes.items() if len(where) > 1]
    for module, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in homes and id(node) not in constants[module]:
                problems.append(f"{module}:{node.lineno} spells {node.value!r}; use {homes[node.value][0]}")
    return problems


def test_error_codes_with_a_constant_are_spelled_only_in_it() -> None:
    assert any(CATALOG_CODES), "the error catalog was not read"
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

LAYERS = {"server": 3, "tools": 2, "services": 1, "api": 0, "backend": 0}
"""Imports run downward only: server -> tools -> services -> api (backend, the shared state, sits beside api)."""
SANDBOX_NEVER_IMPORTS = {"tools", "services", "server"}
BACKEND_USERS = {"server", "services", "backend", "cli", "doctor"}
"""backend is used by server and services (and by the entry points that check it before starting)."""

WRONG_WAY_TODAY = {
    ("tools/updates.py", "backend"): "MCP notification fan-out across replicas, plumbing that belongs in server/",
    ("tools/spend_memory.py", "backend"): "spend estimates shared between replicas, state that belongs beside server/",
}
"""Imports that break the rule today, each with why; a new one fails the test."""


def _imported_packages(module: str, tree: ast.Module) -> set[str]:
    """The sync_mcp subpackages (first name below sync_mcp) that a module under the package imports."""
    here = module.removesuffix(".py").split("/")
    package = here[:-1]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level:
            base = ["sync_mcp", *package[: len(package) - node.level + 1]]
            names.add(".".join([*base, node.module] if node.module else base))
            if not node.module:
                names.update(".".join([*base, alias.name]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return {name.split(".")[1] for name in names if name.startswith("sync_mcp.") and name.count(".") >= 1}


def wrong_way_imports(package: Path = PACKAGE) -> list[str]:
    """Every import that runs against the layer rule, as `module -> package` (known exceptions left out)."""
    found = []
    for path in sorted(package.rglob("*.py")):
        module = path.relative_to(package).as_posix()
        home = module.split("/")[0].removesuffix(".py")
        for target in sorted(_imported_packages(module, ast.parse(path.read_text())) - {home}):
            upward = home in LAYERS and target in LAYERS and LAYERS[target] > LAYERS[home]
            from_sandbox = home == "sandbox" and target in SANDBOX_NEVER_IMPORTS
            into_backend = target == "backend" and home not in BACKEND_USERS
            if (upward or from_sandbox or into_backend) and (module, target) not in WRONG_WAY_TODAY:
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
            "api/calls.py": "from sync_mcp.services import thing\n",
            "services/work.py": "from ..api import calls\nfrom ..backend import store\n",
            "sandbox/app.py": "from sync_mcp.tools.x import y\n",
            "tools/ok.py": "from sync_mcp.services.work import z\n",
        },
    )
    assert wrong_way_imports(package) == [
        "api/calls.py -> services",
        "sandbox/app.py -> tools",
    ]
    (package / "tools/stateful.py").write_text("from ..backend import store\n")
    assert wrong_way_imports(package)[-1] == "tools/stateful.py -> backend"


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
