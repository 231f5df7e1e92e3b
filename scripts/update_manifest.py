"""Keep manifest.json true to the server: its `tools`, `prompts` and `version` come from the live server.

    python scripts/update_manifest.py           # rewrite manifest.json from tools/list and prompts/list
                                                # (and server.json's versions from the package's)
    python scripts/update_manifest.py --check   # exit 1 and show what differs, change nothing

Tools and prompts are sorted by name. A tool gets its name and the first line of its description (the whole
first sentence when that line wraps); a prompt also its argument names and its text, rendered with
`${arguments.NAME}` placeholders as the MCPB manifest spec asks. The server is built in memory, offline (tools
are listed, never called); tests/project/test_manifest.py fails when the manifest drifts.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import anyio
from mcp import Client
from mcp.types import Prompt, TextContent

from sync_mcp import __version__
from sync_mcp.config import Settings
from sync_mcp.server import build_server

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "manifest.json"
SERVER_JSON = ROOT / "server.json"
# Listing needs no API and no key; anything a prompt might fetch while rendering gets a refused port.
OFFLINE_BASE_URL = "http://127.0.0.1:9"


def first_line(text: str | None) -> str:
    """The summary line of a docstring; when it wraps mid-sentence, the sentence runs on to its full stop."""
    paragraph = " ".join(re.split(r"\n\s*\n", (text or "").strip())[0].split())
    first = (text or "").strip().splitlines()[0].strip() if paragraph else ""
    if not first or first.endswith((".", "!", "?")):
        return first
    end = re.search(r"[.!?](?=\s|$)", paragraph[len(first) :])
    return paragraph[: len(first) + end.end()] if end else paragraph


async def _prompt_text(client: Client, prompt: Prompt, fallback: str) -> str:
    """The prompt rendered with placeholders: all arguments, else the required ones only (an optional argument
    may insist on a real value, e.g. a model id); a prompt that refuses placeholders is its description."""
    arguments = prompt.arguments or []
    every = [a.name for a in arguments]
    required = [a.name for a in arguments if a.required]
    for names in (every, required) if every != required else (every,):
        try:
            rendered = await client.get_prompt(prompt.name, {n: f"${{arguments.{n}}}" for n in names})
        except Exception:
            continue
        texts = [m.content.text for m in rendered.messages if isinstance(m.content, TextContent)]
        return "\n\n".join(texts) or fallback
    return fallback


def _settings(toolsets: str | None) -> Settings:
    return Settings(  # type: ignore[call-arg]
        SYNC_API_KEY=None,
        SYNC_BASE_URL=OFFLINE_BASE_URL,
        SYNC_MCP_MAX_RETRIES=0,
        SYNC_MCP_LOG_LEVEL="ERROR",
        SYNC_MCP_TOOLSETS=toolsets,
    )


async def live_entries() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(tools, prompts) as manifest entries, sorted by name. The tools are every tool the bundle can offer: those
    of every toolset (`all`), and `enable_toolset`, which a server with toolsets left off (the default) has."""
    entries: dict[str, dict[str, Any]] = {}
    for toolsets in (None, "all"):
        async with Client(build_server(_settings(toolsets))) as listing:  # type: ignore[arg-type]
            for t in (await listing.list_tools()).tools:
                entries[t.name] = {"name": t.name, "description": first_line(t.description)}
    tools = list(entries.values())
    async with Client(build_server(_settings(None))) as client:  # type: ignore[arg-type]
        prompts: list[dict[str, Any]] = []
        for prompt in (await client.list_prompts()).prompts:
            description = first_line(prompt.description)
            arguments = [a.name for a in prompt.arguments or []]
            entry: dict[str, Any] = {"name": prompt.name, "description": description}
            if arguments:
                entry["arguments"] = arguments
            entry["text"] = await _prompt_text(client, prompt, description or prompt.name)
            prompts.append(entry)
    return sorted(tools, key=lambda e: e["name"]), sorted(prompts, key=lambda e: e["name"])


def load_manifest(path: Path = MANIFEST) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def render(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


def updated(manifest: dict[str, Any], tools: list[dict[str, Any]], prompts: list[dict[str, Any]]) -> dict[str, Any]:
    """The manifest with version, tools and prompts from the live server; every other key kept in place."""
    result = dict(manifest)
    result["version"] = __version__
    result["tools"] = tools
    result["tools_generated"] = False
    result["prompts"] = prompts
    result["prompts_generated"] = False
    return result


def differences(current: dict[str, Any], wanted: dict[str, Any]) -> list[str]:
    lines = []
    for key in ("version", "tools", "prompts"):
        if current.get(key) == wanted[key]:
            continue
        if key == "version":
            lines.append(f"version: manifest {current.get(key)!r}, package {wanted[key]!r}")
            continue
        have = {e["name"]: e for e in current.get(key) or []}
        want = {e["name"]: e for e in wanted[key]}
        lines += [f"{key}: missing {name}" for name in want if name not in have]
        lines += [f"{key}: not on the server {name}" for name in have if name not in want]
        lines += [f"{key}: changed {name}" for name in want if name in have and have[name] != want[name]]
        if list(have) != list(want) and set(have) == set(want):
            lines.append(f"{key}: not sorted by name")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report drift and exit 1 instead of writing")
    parser.add_argument("--manifest", type=Path, default=MANIFEST, help="manifest path (default: repo root)")
    args = parser.parse_args(argv)
    current = load_manifest(args.manifest)
    tools, prompts = anyio.run(live_entries)
    wanted = updated(current, tools, prompts)
    drift = differences(current, wanted)
    if args.check:
        for line in drift:
            print(line, file=sys.stderr)
        if drift:
            print("manifest.json is out of date: run python scripts/update_manifest.py", file=sys.stderr)
        return 1 if drift else 0
    args.manifest.write_text(render(wanted), encoding="utf-8")
    print(f"{args.manifest.name}: version {wanted['version']}, {len(tools)} tools, {len(prompts)} prompts")
    if args.manifest == MANIFEST:
        version_server_json()
    return 0


def version_server_json(path: Path = SERVER_JSON) -> None:
    """server.json (the MCP Registry's entry) names the package's version, for itself and its PyPI package."""
    entry = json.loads(path.read_text(encoding="utf-8"))
    entry["version"] = __version__
    for package in entry.get("packages", []):
        package["version"] = __version__
    path.write_text(json.dumps(entry, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
