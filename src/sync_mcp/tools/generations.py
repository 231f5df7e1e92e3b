"""Generation tools: create one, follow it to its result."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context, ElicitationResult, Resolve
from mcp.types import CallToolResult
from pydantic import Field

from sync_mcp.api import CreateGenerationRequest, Generation, new_idempotency_key
from sync_mcp.services.waiting import follow_generation
from sync_mcp.toolkit.arguments import idempotency_field
from sync_mcp.toolkit.generations import GenerationId, GenerationResult, current_generation, describe, remember_start
from sync_mcp.toolkit.notify import client_log
from sync_mcp.toolkit.results import Progress, fail, generation_link, ok, sync_tool
from sync_mcp.toolkit.spending import SpendConsent, body_spend, guard_spend
from sync_mcp.toolkit.state import WaitTimeout, tool_state, wait_seconds


@sync_tool(title="Create a lip-sync generation", read_only=False, destructive=False, idempotent=False)
async def create_generation(
    ctx: Context[Any, Any],
    args: CreateGenerationRequest,
    spend: Annotated[ElicitationResult[SpendConsent], Resolve(body_spend)],
    idempotencyKey: Annotated[
        str | None, idempotency_field("Reuse to retry safely (never a second paid job); minted if omitted.")
    ] = None,
) -> Annotated[CallToolResult, GenerationResult]:
    """Start a generation with the API's exact JSON body; prefer lipsync for everyday jobs.

    E.g. input [{type: video, url}, {type: audio, url}]; a photo (sync-3) with a text item; a video and
    dubParams to dub; refIds and segments for several voices. Bad bodies are refused unsent; the user may be
    asked to confirm the cost. Returns the id at once: then get_generation with wait=true. Audio alone:
    create_speech.
    """
    state = tool_state(ctx)
    request = args
    check = await guard_spend(ctx, state, request, spend)
    if check.refusal is not None:
        return fail(check.refusal)
    key = idempotencyKey or new_idempotency_key()
    # Follows the generation named by a 503 IDEMPOTENCY_OUTCOME_UNKNOWN itself (reference §13).
    generation = await state.client.generations.create(request, idempotency_key=key)
    remember_start(state, generation.id, "create_generation")
    await state.updates.observe(generation)
    result = await describe(
        state, generation, via="create_generation", warnings=request.warnings(), idempotency_key=key
    )
    result.estimated_cost_usd = check.estimated_cost_usd
    return ok(result, [generation_link(generation.id)])


@sync_tool(title="Get a generation (optionally wait for it)", read_only=True)
async def get_generation(
    id: Annotated[GenerationId, Field(description="Generation id from an earlier result.")],
    ctx: Context[Any, Any],
    wait: Annotated[bool, Field(description="Follow the job, with progress, until it ends or timeout passes.")] = False,
    timeout: WaitTimeout = None,
) -> Annotated[CallToolResult, GenerationResult]:
    """Status and result of a generation. wait=true follows it to COMPLETED, FAILED or REJECTED with progress;
    on timeout the status returns (waitTimedOut=true): call again. COMPLETED: outputUrl is the video (copy it
    verbatim). FAILED/REJECTED: errorCode and fix say why.
    """
    state = tool_state(ctx)
    seconds = wait_seconds(timeout, state.settings.max_wait_seconds)
    if not wait:
        current = await current_generation(state, id)
        return ok(current, [generation_link(current.id)])

    async def seen(generation: Generation, poll: int, elapsed: float) -> None:
        await state.updates.observe(generation)  # subscribers hear of a changed status
        await client_log(
            ctx, "info", f"generation {generation.id}: {generation.status} after {elapsed:.0f}s (poll {poll})"
        )

    generation, timed_out = await follow_generation(
        state.client, id, timeout=seconds, on_poll=seen, deliveries=state.deliveries, progress=Progress(ctx)
    )
    return ok(await describe(state, generation, wait_timed_out=timed_out), [generation_link(generation.id)])
