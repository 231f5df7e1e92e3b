"""Argument completion for the prompts and the generation resource template.

Model ids come from the capability table, language codes from the API's dubbing list (prefix match),
voice ids from `GET /v2/voices` and generation ids from `GET /v2/generations` (a failed lookup gives no
suggestions rather than an error). Media arguments (`video`, `audio`, `image`) complete local files of that
kind from the caller's own folders only (`services/path_completion.py`).
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.types import (
    Completion,
    CompletionArgument,
    CompletionContext,
    PromptReference,
    ResourceTemplateReference,
)

from sync_mcp.api.types.shared import MediaKind
from sync_mcp.toolkit.state import caller_folders, tool_state

from .request_scope import current_context

MAX_VALUES = 100
"""The most values one completion result may carry (MCP spec)."""
MEDIA_ARGUMENTS: dict[str, MediaKind] = {"video": "video", "audio": "audio", "image": "image"}
"""Prompt arguments naming media: a URL, an asset id or a local file of this kind."""


def register_completions(server: MCPServer[Any]) -> None:
    @server.completion()
    async def complete(
        ref: PromptReference | ResourceTemplateReference,
        argument: CompletionArgument,
        context: CompletionContext | None,
    ) -> Completion | None:
        # Imported at the first completion: the lookups bring the HTTP stack, which start-up does not need.
        from sync_mcp.services.path_completion import media_paths

        from . import suggestions

        name, typed = argument.name, argument.value
        values: list[str] | None = None
        if name == "model":
            values = suggestions.model_ids(typed)
        elif name == "target_language":
            values = suggestions.language_codes(typed)
        elif name == "source_language":
            values = suggestions.language_codes(typed, allow_auto=True)
        elif name == "voice_id":
            values = await suggestions.voice_ids(tool_state(current_context(server)), typed)
        elif name == "generation_id":
            failed_only = isinstance(ref, PromptReference) and ref.name == "troubleshoot_generation"
            statuses = ["FAILED", "REJECTED"] if failed_only else None
            values = await suggestions.generation_ids(tool_state(current_context(server)), typed, statuses=statuses)
        elif name in MEDIA_ARGUMENTS and isinstance(ref, PromptReference):
            ctx = current_context(server)
            folders = caller_folders(ctx)
            values = await media_paths(folders, typed, MEDIA_ARGUMENTS[name])
        if values is None:
            return None
        return Completion(values=values[:MAX_VALUES], total=len(values), has_more=len(values) > MAX_VALUES)
