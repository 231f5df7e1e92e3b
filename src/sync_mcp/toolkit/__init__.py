"""How a tool is built: argument types, the spend guard's MCP side, and the other glue every tool module shares.
Imports run downward: tools/ use toolkit/, toolkit/ uses services/ and api/."""
