"""The configuration block to paste into each supported MCP host, one home for `sync-mcp doctor` and the README.

The README's "Use it from an MCP client" section shows the same blocks; tests/project/test_doctor.py holds the
two equal, so a change here is a change there. Every block passes the key in the host's environment settings
(`env`, `envs`, `--env`, a secret store), never in arguments; `your-key-here` and `$SYNC_API_KEY` are
placeholders, never a key.
"""

from __future__ import annotations

import platform
from collections.abc import Mapping
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class HostConfig:
    name: str
    """What `sync-mcp doctor --host NAME` takes."""
    title: str
    """The host's name as the README's heading writes it."""
    where: str
    """Where the block goes."""
    blocks: tuple[tuple[str, str], ...]
    """(language, text) of each block, in the README's order (the README shows macOS paths)."""
    where_on: Mapping[str, str] = field(default_factory=dict)
    """`where` on another system (`platform.system()`: Linux, Windows), when it differs from macOS's."""

    def for_system(self, system: str | None = None) -> HostConfig:
        """This host's config as a user of `system` (default: this machine's) pastes it: that system's paths."""
        system = system or platform.system()
        folder, separator = MOVIES.get(system, MOVIES["Darwin"])
        mac, _ = MOVIES["Darwin"]
        blocks = tuple(
            (language, text.replace(f"{mac}/", folder + separator).replace(mac, folder))
            for language, text in self.blocks
        )
        return replace(self, where=self.where_on.get(system, self.where), blocks=blocks)


MOVIES = {
    "Darwin": ("/Users/me/Movies", "/"),
    "Linux": ("/home/me/Videos", "/"),
    "Windows": ("C:\\\\Users\\\\me\\\\Videos", "\\\\"),
}
"""An example media folder and the path separator in each system's form (JSON-escaped for Windows)."""


MCP_SERVERS_BLOCK = (
    "{\n"
    '  "mcpServers": {\n'
    '    "sync": {\n'
    '      "command": "sync-mcp",\n'
    '      "env": { "SYNC_API_KEY": "your-key-here" }\n'
    "    }\n"
    "  }\n"
    "}\n"
)
"""The plain `mcpServers` block the hosts that read that format take as is (Cursor, Windsurf, ...)."""


def _with_empty_args(key: str) -> str:
    """The block under `key` with `args` spelled out empty, for the hosts whose format shows it (Zed, JetBrains)."""
    return (
        "{\n"
        f'  "{key}": {{\n'
        '    "sync": {\n'
        '      "command": "sync-mcp",\n'
        '      "args": [],\n'
        '      "env": { "SYNC_API_KEY": "your-key-here" }\n'
        "    }\n"
        "  }\n"
        "}\n"
    )


HOSTS: tuple[HostConfig, ...] = (
    HostConfig(
        "claude-desktop",
        "Claude Desktop",
        "~/Library/Application Support/Claude/claude_desktop_config.json (Settings > Developer > Edit Config), or "
        "install the bundle",
        (
            (
                "json",
                "{\n"
                '  "mcpServers": {\n'
                '    "sync": {\n'
                '      "command": "sync-mcp",\n'
                '      "env": {\n'
                '        "SYNC_API_KEY": "your-key-here",\n'
                '        "SYNC_MCP_ALLOWED_DIRS": "/Users/me/Movies",\n'
                '        "SYNC_MCP_OUTPUT_DIR": "/Users/me/Movies/sync"\n'
                "      }\n"
                "    }\n"
                "  }\n"
                "}\n",
            ),
        ),
        where_on={
            "Windows": "%APPDATA%\\Claude\\claude_desktop_config.json (Settings > Developer > Edit Config), or "
            "install the bundle",
            "Linux": "claude_desktop_config.json (Settings > Developer > Edit Config; Claude Desktop is made for "
            "macOS and Windows), or install the bundle",
        },
    ),
    HostConfig(
        "claude-code",
        "Claude Code",
        "run in a terminal with SYNC_API_KEY set: the first for you (add --scope user for every project), the "
        "second to share the server in the project's .mcp.json, which keeps ${SYNC_API_KEY} (Claude Code reads it "
        "from each user's environment at launch), never the key",
        (
            ("bash", 'claude mcp add sync --transport stdio --env SYNC_API_KEY="$SYNC_API_KEY" -- sync-mcp\n'),
            (
                "bash",
                "claude mcp add sync --scope project --transport stdio --env 'SYNC_API_KEY=${SYNC_API_KEY}' "
                "-- sync-mcp\n",
            ),
        ),
    ),
    HostConfig(
        "vscode",
        "VS Code",
        ".mcp.json at the workspace root (first block), or .vscode/mcp.json to keep the key in VS Code's secret "
        "storage (second block)",
        (
            (
                "json",
                "{\n"
                '  "mcpServers": {\n'
                '    "sync": {\n'
                '      "type": "stdio",\n'
                '      "command": "sync-mcp",\n'
                '      "env": { "SYNC_API_KEY": "${SYNC_API_KEY}" }\n'
                "    }\n"
                "  }\n"
                "}\n",
            ),
            (
                "json",
                "{\n"
                '  "inputs": [\n'
                '    { "type": "promptString", "id": "sync-api-key", "description": "Sync API key", '
                '"password": true }\n'
                "  ],\n"
                '  "servers": {\n'
                '    "sync": {\n'
                '      "type": "stdio",\n'
                '      "command": "sync-mcp",\n'
                '      "env": { "SYNC_API_KEY": "${input:sync-api-key}" }\n'
                "    }\n"
                "  }\n"
                "}\n",
            ),
        ),
    ),
    HostConfig(
        "copilot-cli",
        "GitHub Copilot CLI",
        "run in a terminal (writes ~/.copilot/mcp-config.json)",
        (("bash", 'copilot mcp add sync --env SYNC_API_KEY="$SYNC_API_KEY" -- sync-mcp\n'),),
    ),
    HostConfig(
        "cursor",
        "Cursor",
        "~/.cursor/mcp.json (all projects) or .cursor/mcp.json (one project)",
        (
            (
                "json",
                MCP_SERVERS_BLOCK,
            ),
        ),
    ),
    HostConfig(
        "windsurf",
        "Windsurf",
        "~/.codeium/windsurf/mcp_config.json",
        (
            (
                "json",
                MCP_SERVERS_BLOCK,
            ),
        ),
    ),
    HostConfig(
        "zed",
        "Zed",
        "settings.json (~/.config/zed/settings.json)",
        (
            (
                "json",
                _with_empty_args("context_servers"),
            ),
        ),
    ),
    HostConfig(
        "jetbrains",
        "JetBrains AI Assistant",
        "Settings | Tools | AI Assistant | Model Context Protocol (MCP) -> Add, as JSON",
        (
            (
                "json",
                _with_empty_args("mcpServers"),
            ),
        ),
    ),
    HostConfig(
        "cline",
        "Cline",
        "cline_mcp_settings.json (MCP Servers -> Configure MCP Servers)",
        (
            (
                "json",
                "{\n"
                '  "mcpServers": {\n'
                '    "sync": {\n'
                '      "command": "sync-mcp",\n'
                '      "args": [],\n'
                '      "env": { "SYNC_API_KEY": "your-key-here" },\n'
                '      "disabled": false,\n'
                '      "autoApprove": []\n'
                "    }\n"
                "  }\n"
                "}\n",
            ),
        ),
    ),
    HostConfig(
        "goose",
        "Goose",
        "~/.config/goose/config.yaml (Windows: %APPDATA%\\Block\\goose\\config\\config.yaml); env_keys names the "
        "key, whose value goose takes from its environment or its keyring (goose configure), never from this file",
        (
            (
                "yaml",
                "extensions:\n"
                "  sync:\n"
                "    type: stdio\n"
                "    name: sync\n"
                "    enabled: true\n"
                "    cmd: sync-mcp\n"
                "    args: []\n"
                "    env_keys:\n"
                "      - SYNC_API_KEY\n"
                "    timeout: 600\n",
            ),
        ),
    ),
    HostConfig(
        "continue",
        "Continue",
        ".continue/mcpServers/sync.yaml in the workspace; the key goes in ~/.continue/.env",
        (
            (
                "yaml",
                "name: Sync\n"
                "version: 0.0.1\n"
                "schema: v1\n"
                "mcpServers:\n"
                "  - name: sync\n"
                "    type: stdio\n"
                "    command: sync-mcp\n"
                "    env:\n"
                "      SYNC_API_KEY: ${{ secrets.SYNC_API_KEY }}\n",
            ),
        ),
    ),
)


def host(name: str) -> HostConfig | None:
    return next((h for h in HOSTS if h.name == name.strip().lower()), None)
