"""`python -m sync_mcp` starts the server (stdio by default), like the `sync-mcp` command."""

from sync_mcp.cli import main

if __name__ == "__main__":
    main()
