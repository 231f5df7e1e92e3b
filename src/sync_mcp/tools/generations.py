"""Generation tools: create one, follow it to its result."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context, ElicitationResult, Resolve
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from sync_mcp.api import CreateGenerationRequest, Generation, new_idempotency_key
from sync_mcp.api.capabilities import TERMINAL_STATUSES
from sync_mcp.guidance import steps
from sync_mcp.guidance.failures import explain_generation_failure
from sync_mcp.services.waiting import follow_generation
from sync_mcp.toolkit.argument_types import GenerationId
from sync_mcp.toolkit.arguments import idempotency_field
from sync_mcp.toolkit.notify import client_log
from sync_mcp.toolkit.results import Progress, fail, generation_link, ok, sync_tool
from sync_mcp.toolkit.spending import SpendConsent, body_spend, guard_spend
from sync_mcp.toolkit.state import ToolState, WaitTimeout, tool_state, wait_seconds


class RelatedError(BaseModel):
    """A catalog entry offered for an errorCode the catalog does not know."""

    code: str
    message: str
    fix: str


class GenerationResult(Generation):
    """A generation as the API returned it, plus what to do next."""

    fix: str | None = Field(default=None, description="For FAILED/REJECTED: how to fix the cause (error catalog).")
    explanation: str | None = Field(
        default=None, description="For FAILED/REJECTED: what errorCode means, or that the catalog has no entry for it."
    )
    closest_errors: list[RelatedError] | None = Field(
        default=None, alias="closestErrors", description="For a code the catalog lacks: its nearest entries."
    )
    retryable: bool | None = Field(default=None, description="For FAILED/REJECTED: may a new attempt succeed as is?")
    warnings: list[str] | None = Field(default=None, description="Options the model ignores, and similar notes.")
    idempotency_key: str | None = Field(
        default=None, alias="idempotencyKey", description="Key sent with the create; reuse it to retry safely."
    )
    wait_timed_out: bool | None = Field(
        default=None, alias="waitTimedOut", description="True when a wait ended before a terminal status."
    )
    next_step: str = Field(alias="nextStep", description="The call to make next.")
    estimated_cost_usd: float | None = Field(
        default=None, alias="estimatedCostUsd", description="Estimate checked before creating (spend guard)."
    )


CREATE_TOOLS = ("lipsync", "create_generation")
"""The tools that start generations; a result names the one the agent used, when it is known."""
REMEMBERED_STARTS = 1000


def remember_start(state: ToolState, generation_id: str, tool: str) -> None:
    """Note which tool started a generation (the most recent `REMEMBERED_STARTS` are kept)."""
    started = state.started_by
    started.pop(generation_id, None)
    started[generation_id] = tool
    while len(started) > REMEMBERED_STARTS:
        del started[next(iter(started))]


async def describe(
    state: ToolState,
    generation: Generation,
    *,
    via: str | None = None,
    warnings: list[str] | None = None,
    idempotency_key: str | None = None,
    wait_timed_out: bool | None = None,
) -> GenerationResult:
    """The generation as a result, with what to do next. `via` is the tool that started it (else the one this
    server remembers starting it): the advice for a failed job names it. A failure's errorCode is looked up in
    the live catalog."""
    extra: dict[str, Any] = {}
    gid = generation.id
    via = via or state.started_by.get(gid)
    if generation.status == "COMPLETED":
        next_step = steps.generation_done(gid, offers_download=state.offers("download_output"))
    elif generation.status in TERMINAL_STATUSES:
        retry_with = via if via in CREATE_TOOLS else steps.EITHER_CREATE_TOOL
        failure = await explain_generation_failure(state.catalog, generation, retry_with)
        extra = {
            "fix": failure.fix,
            "retryable": failure.retryable,
            "explanation": failure.explanation,
            "closestErrors": [{"code": e.code, "message": e.message, "fix": e.fix} for e in failure.closest] or None,
        }
        next_step = steps.generation_ended_badly(retry_with)
    else:
        next_step = steps.generation_running(
            gid, generation.status, generation.model, wait_timed_out=bool(wait_timed_out)
        )
    return GenerationResult.model_validate(
        {
            **generation.model_dump(mode="json", by_alias=True, exclude_none=True),
            **extra,
            "warnings": warnings or None,
            "idempotencyKey": idempotency_key,
            "waitTimedOut": wait_timed_out,
            "nextStep": next_step,
        }
    )


async def current_generation(state: ToolState, generation_id: str) -> GenerationResult:
    """The generation as get_generation returns it without waiting (subscribers hear of a changed status)."""
    generation = await state.client.generations.get(generation_id)
    await state.updates.observe(generation)
    return await describe(state, generation)


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


async def follow_observed(
    state: ToolState, generation_id: str, seconds: float, progress: Progress | None = None
) -> tuple[Generation, bool]:
    """Follow a job this call created for up to `seconds`, subscribers hearing each status it passes through
    (and `progress` the job's percent after every poll)."""

    async def seen(current: Generation, poll: int, elapsed: float) -> None:
        await state.updates.observe(current)

    return await follow_generation(
        state.client, generation_id, timeout=seconds, on_poll=seen, deliveries=state.deliveries, progress=progress
    )
