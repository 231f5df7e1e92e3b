"""What the tools about generations share: their argument types, each checked before any request is sent, and
their result (a generation as the API returned it, with what to do next).

- Generation ids: a UUID (reference §3.11).
- Chat attachments: the media parameters ChatGPT may fill with a file it holds (`_meta["openai/fileParams"]`),
  uploaded before the tool goes on (services/attachments.py).
- The result (the last section): `describe` makes a `GenerationResult` of a generation for get_generation,
  create_generation, lipsync, tasks and resources; `remember_start` notes which tool started a generation, so
  later advice names it; `follow_observed` follows one the call created, subscribers hearing each status.

Only tool modules and the server's documents and tasks import this (it brings the wire models and the upload
stack); how long a call may wait is toolkit/state.py, read by the server at start-up.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, Field

from sync_mcp.api import Generation
from sync_mcp.api.capabilities import TERMINAL_STATUSES
from sync_mcp.api.types.shared import MediaKind, check_uuid
from sync_mcp.guidance import steps
from sync_mcp.guidance.failures import explain_generation_failure
from sync_mcp.services.attachments import ChatFile, upload_attachment
from sync_mcp.services.attachments import MediaArgument as MediaArgument  # where the tools take it from
from sync_mcp.services.waiting import follow_generation

from .results import Progress
from .state import ToolState

# ------------------------------------------------------------------------------------------ generation ids


def _generation_id(value: str) -> str:
    return check_uuid(value.strip(), "id", "invalid_generation_id")


GenerationId = Annotated[str, AfterValidator(_generation_id)]
"""A generation id (UUID); give each use its own one-line description."""

GenerationIdArgument = Annotated[GenerationId, Field(description="Generation id from an earlier result.")]

# --------------------------------------------------------------------------------------------- attachments

FILE_PARAMS_KEY = "openai/fileParams"
Model = TypeVar("Model", bound=BaseModel)

ATTACHABLE: dict[str, MediaKind] = {"video": "video", "image": "image", "audio": "audio"}
"""lipsync's media parameters that may be attached files, and the kind each needs."""


def file_params(*names: str) -> dict[str, Any]:
    """The tool `_meta` that tells ChatGPT which parameters take an attached file."""
    return {FILE_PARAMS_KEY: list(names)}


async def with_attachments(state: ToolState, args: Model, fields: dict[str, MediaKind]) -> Model:
    """`args` with every attached file among `fields` uploaded and replaced by its asset id."""
    updates: dict[str, str] = {}
    for name, kind in fields.items():
        value = getattr(args, name)
        if isinstance(value, ChatFile):
            outcome = await upload_attachment(state.client, state.settings, value, field=name, kind=kind)
            updates[name] = outcome.asset.id
    return args.model_copy(update=updates) if updates else args


# ---------------------------------------------------------------------------------------------- the result


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
