"""`sync-mcp demo`: a whole session against the embedded sandbox, through a real MCP client.

Starts the sandbox on a free loopback port, launches `python -m sync_mcp` as a stdio subprocess,
and walks what a user sees: the tools, a lip-sync job followed to its video, an input refused before
any request, a failed job with the catalog's fix, and a change to what a video says (previewed, not
made). No API key and no network needed.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import anyio
from mcp import Client, StdioServerParameters
from mcp.types import CallToolResult, TextContent

VIDEO = "https://assets.example.com/demo/presenter.mp4"
AUDIO = "https://assets.example.com/demo/voiceover.wav"


def _say(text: str = "") -> None:
    print(text, flush=True)


def _data(result: CallToolResult) -> dict[str, Any]:
    """A result's object as a client reads it: structured content, or an error's JSON text block."""
    if result.structured_content is not None:
        return dict(result.structured_content)
    text = next((block.text for block in result.content if isinstance(block, TextContent)), "{}")
    return dict(json.loads(text))


async def _session(base_url: str, api_key: str) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "sync_mcp"],
        env={"SYNC_API_KEY": api_key, "SYNC_BASE_URL": base_url, "SYNC_MCP_LOG_LEVEL": "WARNING"},
        cwd=os.getcwd(),
    )
    async with Client(params) as client:
        info = client.server_info
        _say(f"Connected to {info.name if info else 'server'} over stdio (protocol {client.protocol_version}).")
        await _tools(client)
        done = await _lipsync_video(client)
        refused = await _refusal(client)
        failed = await _failure(client)
        edited = await _edit_dialogue(client)
        if done["status"] != "COMPLETED" or failed["status"] != "FAILED" or not refused.is_error:
            raise RuntimeError("the demo session did not go as expected:\n" + json.dumps([done, failed], indent=2))
        if edited.get("status") != "COMPLETED":
            raise RuntimeError("the dialogue edit did not go as expected:\n" + json.dumps(edited, indent=2))


async def _tools(client: Client) -> None:
    tools = (await client.list_tools()).tools
    _say(f"\n1. Tools ({len(tools)}, the default toolset):")
    for tool in tools:
        summary = (tool.description or "").strip().splitlines()[0]
        _say(f"   - {tool.name}: {summary}")


async def _lipsync_video(client: Client) -> dict[str, Any]:
    _say("\n2. create_generation: lip-sync a video to an audio track (lipsync-2)")
    body = {
        "model": "lipsync-2",
        "input": [{"type": "video", "url": VIDEO}, {"type": "audio", "url": AUDIO}],
        "options": {"sync_mode": "cut_off"},
        "outputFileName": "demo_presenter",
    }
    created = _data(await client.call_tool("create_generation", body))
    _say(f"   id={created['id']} status={created['status']}")
    _say(f"   next: {created['nextStep']}")

    _say("\n3. get_generation with wait=true (progress as it polls):")

    async def progress(value: float, total: float | None, message: str | None) -> None:
        _say(f"   ... {message}")

    arguments = {"id": created["id"], "wait": True, "timeout": 30}
    done = _data(await client.call_tool("get_generation", arguments, progress_callback=progress))
    _say(f"   status={done['status']} duration={done.get('outputDuration')}s")
    _say(f"   outputUrl={done.get('outputUrl')}")
    return done


async def _refusal(client: Client) -> CallToolResult:
    _say("\n4. A mistake caught before anything is sent (an image with a video-only model):")
    refused = await client.call_tool(
        "create_generation",
        {"model": "lipsync-2", "input": [{"type": "image", "url": VIDEO}, {"type": "audio", "url": AUDIO}]},
    )
    err = _data(refused)
    _say(f"   isError={refused.is_error} errorCode={err.get('errorCode')}")
    _say(f"   fix: {err.get('fix')}")
    return refused


async def _failure(client: Client) -> dict[str, Any]:
    _say("\n5. A generation that fails (the sandbox is told to fail it), and the catalog's fix:")
    failing_audio = {"type": "audio", "url": AUDIO + "?sandbox_fail=generation_input_audio_invalid"}
    body = {"model": "lipsync-2", "input": [{"type": "video", "url": VIDEO}, failing_audio]}
    failing = _data(await client.call_tool("create_generation", body))
    failed = _data(await client.call_tool("get_generation", {"id": failing["id"], "wait": True, "timeout": 30}))
    _say(f"   status={failed['status']} errorCode={failed.get('errorCode')}")
    _say(f"   error: {failed.get('error')}")
    _say(f"   fix: {failed.get('fix')}")
    return failed


async def _edit_dialogue(client: Client) -> dict[str, Any]:
    _say("\n6. Change what was said: enable_toolset dialogue, transcribe, then edit_dialogue (a preview only):")
    await client.call_tool("enable_toolset", {"name": "dialogue"})
    heard = _data(await client.call_tool("transcribe", {"video": VIDEO}))
    _say(f"   transcript: {heard.get('text')}")
    new_text = str(heard.get("text", "")).replace("Tuesday", "Wednesday")
    arguments = {"video": VIDEO, "transcription_id": heard.get("id"), "new_text": new_text}
    edited = _data(await client.call_tool("edit_dialogue", arguments))
    for change in edited.get("changes", []):
        _say(f"   {change['before']!r} -> {change['after']!r}")
    _say(f"   preview: {edited.get('previewAudioUrl')} (status {edited.get('status')})")
    _say(f"   next: {edited.get('nextStep')}")
    return edited


def run_demo(processing_seconds: float = 3.0) -> int:
    from sync_mcp.sandbox import SandboxConfig, SandboxServer

    config = SandboxConfig(
        pending_seconds=min(1.0, processing_seconds / 3),
        processing_seconds=processing_seconds,
        dialogue_edit_enabled=True,  # an organisation with the dialogue-edit rollout, so step 6 can show an edit
    )
    with SandboxServer(config) as sandbox:
        _say(f"sync-mcp demo: sandbox Sync API v2 running at {sandbox.base_url} (placeholder outputs, no key).")
        try:
            anyio.run(_session, sandbox.base_url, sandbox.api_key)
        except Exception as exc:
            _say(f"\nDemo failed: {exc}")
            return 1
    _say("\nDemo complete. Point SYNC_BASE_URL at https://api.sync.so and set SYNC_API_KEY to use the real API.")
    return 0
