"""The README tells the truth about configuration: one table with every setting, and client configs that
are valid JSON and keep the API key in `env` (or, for a remote server, a header), never in arguments or URLs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from sync_mcp.config import env_names
from sync_mcp.tools.toolsets import TOOLSETS

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
TEST_COMMAND = 'pip install -e ".[test]" && python -m pytest'
"""The README's second command: what a contributor runs, and what CI runs."""


def _section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def test_the_two_commands_open_the_readme() -> None:
    assert README.splitlines()[:6] == [
        "# sync-mcp",
        "",
        "```bash",
        "pip install -e . && sync-mcp demo                  # install, then a whole session against the embedded "
        "sandbox (no key)",
        f"{TEST_COMMAND}       # the test tools, then the tests",
        "```",
    ]


def test_ci_runs_exactly_the_readmes_test_command() -> None:
    ci = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text(encoding="utf-8")
    assert TEST_COMMAND in ci.splitlines(), ".ci/run must run the README's test command as written"


def test_configuration_table_lists_every_setting_once() -> None:
    rows = re.findall(r"^\| `([A-Z0-9_]+)` \|", _section("Configuration"), re.M)
    settings = set(env_names())
    assert len(rows) == len(set(rows)), "a variable is listed twice"
    missing, unknown = settings - set(rows), set(rows) - settings
    assert not missing, f"add a row to the README's configuration table for {sorted(missing)}"
    assert not unknown, f"the README documents variables Settings does not read: {sorted(unknown)}"


def _json_blocks() -> list[dict[str, Any]]:
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", README, re.S)]


def test_client_configs_keep_the_key_in_env() -> None:
    servers = []
    for block in _json_blocks():
        servers += list((block.get("mcpServers") or block.get("servers") or {}).values())
    local = [server for server in servers if "command" in server]
    assert len(local) >= 4  # Claude Desktop, Cursor, VS Code, Windsurf
    for server in local:
        assert server["env"]["SYNC_API_KEY"], server
        assert not any("SYNC_API_KEY" in arg or "sk-" in arg for arg in server.get("args", [])), server
    for server in servers:
        if "url" in server:  # a remote deployment: a per-user key travels in a header, never in the URL
            assert "?" not in server["url"] and "key" not in server["url"].lower(), server
    vscode = next(block for block in _json_blocks() if "servers" in block)
    (prompt,) = vscode["inputs"]
    assert prompt["password"] is True
    assert vscode["servers"]["sync"]["env"]["SYNC_API_KEY"] == "${input:" + prompt["id"] + "}"


def test_cli_commands_name_the_server_first_and_pass_the_key_as_env() -> None:
    """`claude mcp add` and `copilot mcp add` for the local server: the key is an `--env` option, never part of
    the command; with Claude Code the name comes before the options (`--env` takes several values and would
    swallow a name after it). .ci/hosts.sh runs these lines with the real CLIs."""
    local = [line for line in re.findall(r"^(?:claude|copilot) mcp add .*$", README, re.M) if " -- " in line]
    assert {line.split()[0] for line in local} == {"claude", "copilot"}
    for line in local:
        options, _, command = line.partition(" -- ")
        assert "--env SYNC_API_KEY=" in options or "--env 'SYNC_API_KEY=${SYNC_API_KEY}'" in options, line
        assert command.strip() == "sync-mcp", line
        if "--scope project" in options:  # a shared file: the reference, single-quoted so the shell leaves it
            assert "'SYNC_API_KEY=${SYNC_API_KEY}'" in options, line
        assert options.split()[3] == "sync", line


def test_the_tool_tables_list_every_tool_under_its_toolset() -> None:
    section = _section("Tools")
    listed: dict[str, set[str]] = {}
    current = None
    for line in section.splitlines():
        heading = re.match(r"^\*\*`([a-z]+)`\*\*", line)
        if heading:
            current = listed.setdefault(heading.group(1), set())
        elif line.startswith("| `") and current is not None:
            current.update(re.findall(r"`([a-z_]+)`", line.split("|")[1]))
    assert listed == {toolset.name: set(toolset.tool_names) for toolset in TOOLSETS}
