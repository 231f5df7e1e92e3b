"""Error codes are spelled once: a code the error catalog lists (or a local `..._CODE` constant names) is written
out only in its constant, and every other place uses the constant. `tests/project/test_house.py` fails the build on what
`literal_codes` finds; `python -m bench --only house` prints how many there are.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "sync_mcp"


def catalog_codes(package: Path = PACKAGE) -> set[str]:
    """The codes of the bundled error catalog (`error_catalog.json`, wherever in the package it lives)."""
    catalog = next(package.rglob("error_catalog.json"), None)
    return {entry["code"] for entry in json.loads(catalog.read_text())} if catalog is not None else set()


SECOND_CONSTANTS = {
    ("sandbox/rules/core.py", "VALIDATION_CODE"): (
        "the sandbox keeps its own reading of the wire instead of the client's"
    ),
}
"""A code named by a constant in more than one module, each with the reason it is not shared."""


def _code_constants(tree: ast.Module, codes: set[str]) -> dict[int, tuple[str, str]]:
    """The module-level `NAME = "<error code>"` definitions: id of the string node -> (name, code). A code is a
    catalog code, or the value of a local code's constant (`..._CODE = "..."`)."""
    found: dict[int, tuple[str, str]] = {}
    for node in tree.body:
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            for target in targets:
                if isinstance(target, ast.Name) and (value.value in codes or target.id.endswith("_CODE")):
                    found[id(value)] = (target.id, value.value)
    return found


def literal_codes(package: Path = PACKAGE, codes: set[str] | None = None) -> list[str]:
    """Where `package` spells out a code that a constant names, or names one code twice (`codes`: the catalog's
    codes, by default the project's)."""
    codes = catalog_codes() if codes is None else codes
    trees = {
        path.relative_to(package).as_posix(): ast.parse(path.read_text()) for path in sorted(package.rglob("*.py"))
    }
    constants = {module: _code_constants(tree, codes) for module, tree in trees.items()}
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
