"""Rewrite src/sync_mcp/server/data/tools-default.json, the `tools/list` a server in the default configuration
answers before it has built its tools (server/tool_snapshot.py), from the live tools.

    python scripts/update_tool_snapshot.py           # rewrite the snapshot
    python scripts/update_tool_snapshot.py --check   # exit 1 if it differs from the live tools, change nothing

The server is built in memory, offline (tools are listed, never called); tests/server/test_tool_snapshot.py fails when
the snapshot drifts.
"""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path

import anyio

from sync_mcp.config import Settings
from sync_mcp.server import build_server
from sync_mcp.server.tool_snapshot import SNAPSHOT_FILE, dump

OFFLINE_BASE_URL = "http://127.0.0.1:9"


async def live_snapshot() -> str:
    """The snapshot's text as the live tools of a default-configured server give it."""
    settings = Settings(SYNC_API_KEY=None, SYNC_BASE_URL=OFFLINE_BASE_URL)  # type: ignore[call-arg]
    server = build_server(settings)
    assert server.tools_key is not None
    return dump(server.tools_key, await server.live_tools())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="report drift and exit 1, change nothing")
    args = parser.parse_args()
    text = anyio.run(live_snapshot)
    path = Path(str(resources.files("sync_mcp.server").joinpath(SNAPSHOT_FILE)))
    if args.check:
        same = path.exists() and path.read_text(encoding="utf-8") == text
        print("tool snapshot up to date" if same else f"{path} differs from the live tools", file=sys.stderr)
        return 0 if same else 1
    path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
