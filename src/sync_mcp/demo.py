"""`sync-mcp demo`: a whole session against the embedded sandbox, through a real MCP client.

Starts the sandbox on a free loopback port, launches `python -m sync_mcp` as a stdio subprocess,
and walks what a user sees: the tools with their whole descriptions, `lipsync` (the tool the server tells
models to use first) followed to its video, a misspelled argument refused before any request, the two-step
create-then-wait workflow on a job that fails with the catalog's fix, a change to what a video says (previewed,
not made), and the next steps with a real key. No API key and no network needed.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import anyio
from mcp import Client, StdioServerParameters
from mcp.types import CallToolResult, TextContent

NEXT_STEPS = """
Demo complete. With your own key (https://sync.so/keys):
  export SYNC_API_KEY=...                 # the real API is the default
  sync-mcp doctor                         # checks the key, the API, your folders and settings
  sync-mcp doctor --host NAME             # the block to paste into your MCP host (claude-desktop, claude-code,
                                          # vscode, cursor, ...; without --host: all of them)"""

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
        done = await _lipsync(client)
        refused = await _refusal(client)
        failed = await _failure(client)
        edited = await _edit_dialogue(client)
        if done["status"] != "COMPLETED" or failed["status"] != "FAILED" or not refused.is_error:
            raise RuntimeError("the demo session did not go as expected:\n" + json.dumps([done, failed], indent=2))
        if edited.get("status") != "COMPLETED":
            raise RuntimeError("the dialogue edit did not go as expected:\n" + json.dumps(edited, indent=2))


async def _tools(client: Client) -> None:
    tools = (await client.list_tools()).tools
    _say(f"\n1. Tools ({len(tools)}, the default toolset), as a model reads them:")
    for tool in tools:
        _say(f"\n   {tool.name}")
        for line in (tool.description or "").strip().splitlines():
            _say(f"     {line}".rstrip())


async def _progress(value: float, total: float | None, message: str | None) -> None:
    _say(f"   ... {message}")


async def _lipsync(client: Client) -> dict[str, Any]:
    _say("\n2. lipsync: a video lip-synced to an audio track in one call, followed to the finished video")
    arguments = {"video": VIDEO, "audio": AUDIO, "output_name": "demo_presenter", "wait": True, "timeout": 30}
    done = _data(await client.call_tool("lipsync", arguments, progress_callback=_progress))
    _say(f"   id={done['id']} status={done['status']}")
    if done.get("outputUrl"):  # not printed: a sandbox link that dies with the demo
        _say("   outputUrl: a signed link to the finished video (here the sandbox's placeholder clip)")
    return done


async def _refusal(client: Client) -> CallToolResult:
    _say("\n3. A mistake caught before anything is sent (a misspelled argument costs nothing):")
    refused = await client.call_tool("lipsync", {"video": VIDEO, "audio": AUDIO, "dowload": True})
    err = _data(refused)
    _say(f"   isError={refused.is_error} errorCode={err.get('errorCode')}")
    _say(f"   message: {err.get('message')}")
    return refused


async def _failure(client: Client) -> dict[str, Any]:
    _say("\n4. The two-step workflow (create_generation, then get_generation with wait=true) on a generation that")
    _say("   fails (the sandbox is told to fail it), and the catalog's fix:")
    failing_audio = {"type": "audio", "url": AUDIO + "?sandbox_fail=generation_input_audio_invalid"}
    body = {"model": "lipsync-2", "input": [{"type": "video", "url": VIDEO}, failing_audio]}
    failing = _data(await client.call_tool("create_generation", body))
    _say(f"   created id={failing['id']} status={failing['status']}")
    arguments = {"id": failing["id"], "wait": True, "timeout": 30}
    failed = _data(await client.call_tool("get_generation", arguments, progress_callback=_progress))
    _say(f"   status={failed['status']} errorCode={failed.get('errorCode')}")
    _say(f"   error: {failed.get('error')}")
    _say(f"   fix: {failed.get('fix')}")
    return failed


async def _edit_dialogue(client: Client) -> dict[str, Any]:
    _say("\n5. Change what was said: enable_toolset dialogue, transcribe, then edit_dialogue (a preview only):")
    await client.call_tool("enable_toolset", {"name": "dialogue"})
    heard = _data(await client.call_tool("transcribe", {"video": VIDEO}))
    _say(f"   transcript: {heard.get('text')}")
    new_text = str(heard.get("text", "")).replace("Tuesday", "Wednesday")
    arguments = {"video": VIDEO, "transcription_id": heard.get("id"), "new_text": new_text}
    edited = _data(await client.call_tool("edit_dialogue", arguments))
    for change in edited.get("changes", []):
        _say(f"   {change['before']!r} -> {change['after']!r}")
    if edited.get("previewAudioUrl"):  # not printed: a sandbox link that dies with the demo
        _say(f"   previewAudioUrl: the edited speech to listen to before paying (status {edited.get('status')})")
    _say(f"   next: {edited.get('nextStep')}")
    return edited


def run_demo(processing_seconds: float = 3.0) -> int:
    from sync_mcp.sandbox import SandboxConfig, SandboxServer

    config = SandboxConfig(
        pending_seconds=min(1.0, processing_seconds / 3),
        processing_seconds=processing_seconds,
        dialogue_edit_enabled=True,  # an organisation with the dialogue-edit rollout, so step 5 can show an edit
    )
    with SandboxServer(config) as sandbox:
        _say(
            "sync-mcp demo: a sandbox of the Sync API v2 runs on loopback for this demo (placeholder outputs, no key)."
        )
        try:
            anyio.run(_session, sandbox.base_url, sandbox.api_key)
        except Exception as exc:
            _say(f"\nDemo failed: {exc}")
            return 1
    _say(NEXT_STEPS)
    return 0
