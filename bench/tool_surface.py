"""Tool-surface budgets: what models read by default (core: names, descriptions and input schemas) <= 20 KB; the
default `tools/list` JSON as a client receives it (core, output schemas and the result's `_meta` included) <= 16 KB;
create_generation's input schema <= 4 KB; and the whole `tools/list` JSON with every toolset on <= 44 KB (the bytes
of the result as the server writes it on stdio), with every tool present and each carrying a description and an
outputSchema.

The sizes are deterministic, so one run decides; each figure's baseline is its budget.
`tests/server/test_tool_surface.py` holds the same bounds in the test suite.
"""

from __future__ import annotations

import json
from typing import Any

from .harness import Figure, Result
from .processes import stdio_server

BUDGET_BYTES = 44 * 1024
"""40 KB until the dialogue toolset (transcribe, edit_dialogue) joined; the core budget is unchanged."""
CORE_BUDGET_BYTES = 20 * 1024
DEFAULT_LIST_BUDGET_BYTES = 16 * 1024
"""The default (core) tools/list JSON as a client receives it, output schemas included (22.6 KB before the raw
tool's media items, options and segments were listed in words and output schemas named only their required keys)."""
RAW_TOOL_BUDGET_BYTES = 4 * 1024
"""create_generation's input schema (8.2 KB, then 5.4 KB, before)."""


def _size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _within(name: str, budget: int, size: int, what: str, ok: bool = True, note: str = "") -> Figure:
    """A size judged against its budget (`ok`: any other condition the figure also needs)."""
    target = f"<= {budget:,} B{what}"
    return Figure(name, budget, size, "B", target, size <= budget and ok, baseline_label="budget", note=note)


async def run(runs: int) -> Result:
    result = Result("tool surface: what models read, and the whole tools/list JSON", 1)
    async with stdio_server("http://127.0.0.1:9") as server:
        core = await server.request("tools/list")
    async with stdio_server("http://127.0.0.1:9", SYNC_MCP_TOOLSETS="all") as server:
        listed = await server.request("tools/list")
    read = [{k: t[k] for k in ("name", "description", "inputSchema")} for t in core["tools"]]
    raw = _size(next(t for t in core["tools"] if t["name"] == "create_generation")["inputSchema"])
    size = _size(listed)
    tools = listed["tools"]
    incomplete = [t["name"] for t in tools if not t.get("description") or not t.get("outputSchema")]
    result.figures += [
        _within(
            "default surface (core) as models read it",
            CORE_BUDGET_BYTES,
            _size(read),
            " of names, descriptions and input schemas",
            note=f"{len(read)} tools",
        ),
        _within(
            "default tools/list JSON (core) as a client receives it",
            DEFAULT_LIST_BUDGET_BYTES,
            _size(core),
            ", output schemas and _meta included",
        ),
        _within("create_generation input schema", RAW_TOOL_BUDGET_BYTES, raw, ""),
        _within(
            "tools/list JSON, every toolset",
            BUDGET_BYTES,
            size,
            ", every tool described with an outputSchema",
            not incomplete,
            f"{len(tools)} tools, {size / max(len(tools), 1):,.0f} B per tool",
        ),
    ]
    if incomplete:
        result.notes.append("missing a description or outputSchema: " + ", ".join(incomplete))
    largest = sorted(tools, key=lambda t: -_size(t))[:3]
    result.notes.append("largest: " + ", ".join(f"{t['name']} {_size(t):,} B" for t in largest))
    return result
