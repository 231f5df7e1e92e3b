"""Target 6: the JSON of `tools/list` (the bytes of the result as the server writes it on stdio)
<= 48 KB, with every tool present and each carrying a description and an outputSchema.

The size is deterministic, so one run decides; the figure's baseline is the 48 KB budget itself.
`tests/test_tool_surface.py` holds the same bound in the test suite.
"""

from __future__ import annotations

import json

from .harness import Figure, Result
from .processes import stdio_server

BUDGET_BYTES = 48 * 1024


async def run(runs: int) -> Result:
    result = Result("tool surface: size of the tools/list JSON", 1)
    async with stdio_server("http://127.0.0.1:9") as server:
        listed = await server.request("tools/list")
    size = len(json.dumps(listed, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    tools = listed["tools"]
    incomplete = [t["name"] for t in tools if not t.get("description") or not t.get("outputSchema")]
    result.figures.append(
        Figure(
            "tools/list JSON",
            BUDGET_BYTES,
            size,
            "B",
            f"<= {BUDGET_BYTES:,} B, every tool described with an outputSchema",
            size <= BUDGET_BYTES and not incomplete,
            baseline_label="budget",
            note=f"{len(tools)} tools, {size / max(len(tools), 1):,.0f} B per tool",
        )
    )
    if incomplete:
        result.notes.append("missing a description or outputSchema: " + ", ".join(incomplete))
    largest = sorted(tools, key=lambda t: -len(json.dumps(t, separators=(",", ":"))))[:3]
    result.notes.append(
        "largest: " + ", ".join(f"{t['name']} {len(json.dumps(t, separators=(',', ':'))):,} B" for t in largest)
    )
    return result
