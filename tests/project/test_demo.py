"""`sync-mcp demo`, run as a new user runs it: `lipsync` first, whole tool descriptions, a misspelled argument
refused, and the real next steps at the end (no link into the sandbox, which is gone by then)."""

from __future__ import annotations

import subprocess
import sys

import anyio
import pytest
from mcp import Client

from sync_mcp.server.instructions import INSTRUCTIONS

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("mode", ["auto"])
async def test_the_demo_shows_lipsync_first_whole_descriptions_and_the_next_steps(client: Client) -> None:
    command = [sys.executable, "-m", "sync_mcp", "demo", "--processing-seconds", "0.6"]
    done = await anyio.to_thread.run_sync(lambda: subprocess.run(command, capture_output=True, text=True, timeout=180))
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    steps = [line for line in out.splitlines() if line[:2] in {f"{n}." for n in range(1, 10)}]
    assert steps[1].startswith("2. lipsync"), steps
    assert "did you mean `download`?" in out
    listed = out.split("\n2. ")[0].splitlines()
    shown = [tool for tool in (await client.list_tools()).tools if f"   {tool.name}" in listed]
    assert shown[0].name == "lipsync" and len(shown) > 5, [t.name for t in shown]
    for tool in shown:
        for line in (tool.description or "").strip().splitlines():
            assert line.strip() in out, (tool.name, line)
    tail = out.rstrip().splitlines()[-4:]
    assert any("sync-mcp doctor " in line or line.strip().startswith("sync-mcp doctor") for line in tail), tail
    assert any("sync-mcp doctor --host NAME" in line for line in tail), tail
    assert "http://127.0.0.1" not in out, "a sandbox link is dead once the demo ends"


def test_the_instructions_name_lipsync_first() -> None:
    tools = [word.strip(".,:;()`") for word in INSTRUCTIONS.split()]
    named = [w for w in tools if w in {"lipsync", "create_generation", "get_generation"}]
    assert named[0] == "lipsync", named
