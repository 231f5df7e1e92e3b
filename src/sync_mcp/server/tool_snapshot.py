"""`tools/list` of the default configuration, answered from a file instead of from the tools themselves.

Building the tools (importing their modules and wire models, and generating each one's argument model and
JSON schemas through the SDK) is most of what a server does at start-up beyond importing the SDK, and
`tools/list` is all a host asks for then. So the list the default configuration serves (the `core` toolset,
`enable_toolset`, the default wait bound) is kept in `data/tools-default.json`, written by
`scripts/update_tool_snapshot.py` from the live tools; `tests/server/test_tool_snapshot.py` holds it equal to them.
A server whose configuration is that one answers `tools/list` from the file, and builds the real tools the
first time anything else needs them (a call, an added toolset). Any other configuration builds them at once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from typing import Any

from mcp.types import Tool

SNAPSHOT_FILE = "data/tools-default.json"


def snapshot_key(toolsets: Sequence[str], toolset_switch: bool, max_wait_seconds: float) -> dict[str, Any]:
    """What the listed tools depend on besides the code: which toolsets, whether `enable_toolset` is offered,
    and the wait bound written into the schemas."""
    return {"toolsets": list(toolsets), "toolsetSwitch": toolset_switch, "maxWaitSeconds": max_wait_seconds}


def dump(key: dict[str, Any], tools: Sequence[Tool]) -> str:
    """The snapshot file's text for `tools` as listed under `key`."""
    listed = [tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in tools]
    return json.dumps({"key": key, "tools": listed}, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def load(key: dict[str, Any]) -> list[Tool] | None:
    """The snapshot's tools if it was written under `key`, else None (the tools are then built)."""
    try:
        text = resources.files("sync_mcp.server").joinpath(SNAPSHOT_FILE).read_text(encoding="utf-8")
    except OSError:
        return None
    data = json.loads(text)
    if data.get("key") != key:
        return None
    return [Tool.model_validate(tool) for tool in data["tools"]]
