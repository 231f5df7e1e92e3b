"""House size rules: no module of the package over 400 lines unless its docstring says why (in a sentence naming
"400 lines"), and no function over 60 lines. The sizes are deterministic, so one run decides; each figure's
baseline is its limit. `tests/test_house.py` fails the build on the same findings.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from .harness import Figure, Result

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "sync_mcp"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
REASON_MARK = "400 lines"
"""What a longer module's docstring names when it says why it is longer."""


@dataclass(frozen=True)
class Sizes:
    longest_module: tuple[str, int]
    """The longest module without a stated reason, and its lines."""
    longest_function: tuple[str, int]
    breaches: list[str]


def measure(package: Path = PACKAGE) -> Sizes:
    module, function = ("", 0), ("", 0)
    breaches: list[str] = []
    for path in sorted(package.rglob("*.py")):
        name = str(path.relative_to(package.parent))
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        lines = len(text.splitlines())
        if REASON_MARK not in (ast.get_docstring(tree) or ""):
            module = max(module, (name, lines), key=lambda item: item[1])
            if lines > MAX_MODULE_LINES:
                breaches.append(f"{name}: {lines} lines, and its docstring does not say why")
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                function = max(function, (f"{name}:{node.lineno} {node.name}", length), key=lambda item: item[1])
                if length > MAX_FUNCTION_LINES:
                    breaches.append(f"{name}:{node.lineno} {node.name}: {length} lines")
    return Sizes(module, function, breaches)


async def run(runs: int) -> Result:
    result = Result("house rules: module and function sizes", 1)
    sizes = measure()
    (module, module_lines), (function, function_lines) = sizes.longest_module, sizes.longest_function
    result.figures += [
        Figure(
            f"longest module without a stated reason ({module})",
            MAX_MODULE_LINES,
            module_lines,
            "lines",
            f"<= {MAX_MODULE_LINES} lines",
            module_lines <= MAX_MODULE_LINES,
            baseline_label="limit",
        ),
        Figure(
            f"longest function ({function})",
            MAX_FUNCTION_LINES,
            function_lines,
            "lines",
            f"<= {MAX_FUNCTION_LINES} lines",
            function_lines <= MAX_FUNCTION_LINES,
            baseline_label="limit",
        ),
    ]
    result.notes += sizes.breaches
    return result
