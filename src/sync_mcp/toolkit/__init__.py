"""How a tool is built, below the tools themselves (tools/) and above the workflows they run (services/).

- results.py: what the caller gets from a tool: `@sync_tool` (a tool's declaration, registering nothing), the one
  wrapper that turns failures into `{errorCode, ..., fix}` results, `ok`/`fail`, result models that keep their
  telling nulls, and MCP progress while it runs;
- state.py: what tools need at run time (`ToolState`, `tool_state(ctx)` per request), the caller's identity, OAuth
  grant and folders, how long one call may wait (its `timeout` argument, bounded by a server setting), and the
  small protocols through which the server supplies what only it knows;
- notify.py: log notifications telling the caller what the server is doing (retries, waits, uploads);
- generations.py: what the tools about generations share: their argument types (generation ids, chat
  attachments) and their result (`describe`: a generation with what to do next);
- links.py: upload links as `upload_media` offers them;
- arguments.py: a tool's arguments as one model the SDK binds (`args`), and unknown arguments refused before
  anything is sent; dialogue_edit_arguments.py: edit_dialogue's parameters and result, declared once;
- spending.py: the spend guard's MCP side (the cost cap and the user's consent, asked before a create).

Nothing here imports server/ or tools/ (tests/project/test_house.py holds it).
"""
