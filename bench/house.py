"""The house rules, measured: sizes, rooms, layers and how far a call walks.

- Sizes: no module of the package over 400 lines unless its docstring says why (in a sentence naming
  "400 lines"), and no function over 60 lines. `tests/project/test_house.py` fails the build on the same findings.
- Modules and functions one `lipsync` call runs (a local video file and an audio URL, wait=true; <= 20 modules),
  and the modules from the start of a tool whose API request fails to its isError result (<= 5): traced in this
  process against an in-process sandbox (bench/call_path.py).
- Modules under tools/ that define no tool (`@sync_tool`): the composition alone.
- Error codes spelled out beside their constant (bench/error_codes.py): none.
- Imports against the layer order, and import cycles (bench/layers.py): none.

Every figure is deterministic, so one run decides; each figure's baseline is its limit.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from pathlib import Path

from . import call_path, error_codes, layers
from .harness import Figure, Result

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "sync_mcp"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
REASON_MARK = "400 lines"
"""What a longer module's docstring names when it says why it is longer."""
MAX_LIPSYNC_MODULES = 20
MAX_API_ERROR_MODULES = 5
TOOL_DECORATOR = "sync_tool"
TOOLLESS_ALLOWED = 1
"""tools/toolsets.py, the composition."""


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


def _defines_tool(tree: ast.Module) -> bool:
    """A function decorated `@sync_tool` or `@sync_tool(...)` (however it is imported) anywhere in the module."""
    functions = [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
    for decorator in (decorator for function in functions for decorator in function.decorator_list):
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if (target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")) == TOOL_DECORATOR:
            return True
    return False


def _plain_init(tree: ast.Module) -> bool:
    """A package `__init__` that only documents and re-exports (docstring, imports, `__all__`)."""
    return all(
        isinstance(node, ast.Import | ast.ImportFrom)
        or (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
        or (isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == ["__all__"])
        for node in tree.body
    )


def toolless_modules(package: Path = PACKAGE) -> list[str]:
    """Modules under tools/ that define no tool (a package `__init__` that only re-exports is not counted)."""
    found = []
    for path in sorted((package / "tools").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if not _defines_tool(tree) and not (path.name == "__init__.py" and _plain_init(tree)):
            found.append(path.relative_to(package).as_posix())
    return found


def _count(name: str, found: int, limit: int, unit: str, note: str = "") -> Figure:
    return Figure(name, limit, found, unit, f"<= {limit}", found <= limit, baseline_label="limit", note=note)


LIPSYNC_PATH = "modules a lipsync call runs (local video file + audio URL, wait=true)"
API_ERROR_PATH = "modules from an API error's raise to the isError result (get_generation, API answers 404)"


async def _call_paths(result: Result) -> None:
    """The two traced call paths; a call that does not end as it should is reported, not a figure."""
    try:
        paths = await call_path.measure()
    except Exception as exc:  # the other figures still print; the missed targets say the path was not measured
        for name, limit in ((LIPSYNC_PATH, MAX_LIPSYNC_MODULES), (API_ERROR_PATH, MAX_API_ERROR_MODULES)):
            figure = _count(name, limit, limit, "modules", f"not measured: {type(exc).__name__}: {exc}")
            result.figures.append(replace(figure, ours=float("nan"), met=False))
        return
    for name, limit, path in (
        (LIPSYNC_PATH, MAX_LIPSYNC_MODULES, paths.lipsync),
        (API_ERROR_PATH, MAX_API_ERROR_MODULES, paths.api_error),
    ):
        result.figures.append(_count(name, len(path.modules), limit, "modules", f"{len(path.functions)} functions"))
    result.notes.append("lipsync call path: " + ", ".join(paths.lipsync.modules))
    result.notes.append("API-error path: " + ", ".join(paths.api_error.modules))


async def run(runs: int) -> Result:
    result = Result("house rules: sizes, rooms, layers and call paths", 1)
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
    await _call_paths(result)
    toolless = toolless_modules()
    codes = error_codes.literal_codes()
    wrong_way = layers.wrong_way_imports()
    cycles = layers.import_cycles()
    result.figures += [
        _count(
            "modules under tools/ that define no tool (the composition is one)", len(toolless), TOOLLESS_ALLOWED, ""
        ),
        _count("error codes spelled out beside their constant", len(codes), 0, ""),
        _count("imports against the layer order", len(wrong_way), 0, ""),
        _count("import cycles (groups of modules importing each other)", len(cycles), 0, ""),
    ]
    result.notes.append("tools/ modules without a tool: " + ", ".join(toolless))
    result.notes += codes + [f"wrong way: {imp}" for imp in wrong_way]
    result.notes += ["import cycle among: " + ", ".join(group) for group in cycles]
    return result
