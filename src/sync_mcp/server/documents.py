"""The JSON documents behind the server's MCP resources: each is exactly what the matching tool returns.

`sync://generations/{id}` is `get_generation`'s result, `sync://errors` is `list_error_codes`'s (whole
catalog), `sync://models` is `list_models`'s (the capability table joined with `GET /v2/models`), and
`sync://voices` is `list_voices`'s. API failures surface as `SyncAPIError` for the caller to shape.
"""

from __future__ import annotations

from sync_mcp.toolkit.generations import GenerationResult, describe
from sync_mcp.toolkit.state import ToolState
from sync_mcp.tools.error_codes import ErrorCodesResult
from sync_mcp.tools.models import ModelsResult, model_catalog
from sync_mcp.tools.voices import VoicesResult, voices_result


async def read_generation(state: ToolState, generation_id: str) -> GenerationResult:
    """`GET /v2/generate/{id}`, recorded as a sighting (subscribers hear of a changed status)."""
    generation = await state.client.generations.get(generation_id)
    await state.updates.observe(generation)
    return await describe(state, generation)


async def error_catalog(state: ToolState) -> ErrorCodesResult:
    entries, source = await state.catalog.entries()
    return ErrorCodesResult(source=source, count=len(entries), entries=entries)


async def model_capabilities(state: ToolState) -> ModelsResult:
    """What `list_models` returns: the capability table joined with what this account may use."""
    return await model_catalog(state)


async def voice_list(state: ToolState) -> VoicesResult:
    """What `list_voices` returns (all providers)."""
    return voices_result(await state.client.voices.list())
