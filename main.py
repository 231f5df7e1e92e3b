"""Entry point of the MCP bundle (`server.entry_point` in manifest.json): serves MCP over stdio.

The host runs it through `uv run --directory <bundle> python <bundle>/main.py`, which installs the package
from the bundle's pyproject.toml first; everything else is the `sync-mcp` command.
"""

from sync_mcp.cli import main

if __name__ == "__main__":
    main()
