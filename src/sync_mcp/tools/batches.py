"""Batch tools: submit many generations at once (validated row by row before sending), follow a batch,
list batches.

Batch creation has no idempotency key. When its answer is lost (a transport failure or a 5xx), the batch
may exist: `create_batch` looks it up (`GET /v2/batch?created_after=<just before the send>`) and returns
it, instead of sending it again and risking a second, billed batch.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import BaseModel, ConfigDict, Field

from sync_mcp.api import SyncAPIError
from sync_mcp.api.client import SyncClient
from sync_mcp.api.types.batches import (
    MAX_ROWS,
    MIN_ROWS,
    Batch,
    BatchListQuery,
    BatchValidated,
    CreateBatchRequest,
    iso,
)
from sync_mcp.guidance import steps
from sync_mcp.services.outcomes import outcome_unknown, uncertain
from sync_mcp.toolkit.results import ok, sync_tool
from sync_mcp.toolkit.state import tool_state

LOOKUP_MARGIN = timedelta(seconds=5)
"""Looked-up batches may have been created this long before the send ([INF] tolerance for clock skew
between this machine and the API)."""
PLAN_CODES = frozenset({"plan_feature_unavailable", "batch_plan_required"})
RUNNING = frozenset({"PENDING", "JOBS_CREATED", "PROCESSING"})


class BatchResult(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    batch: Batch | None = None
    validated: bool | None = Field(default=None, description="dry_run: every row passed; nothing was created.")
    recovered: bool | None = Field(default=None, description="The answer was lost; the batch was found by lookup.")
    next_step: str = Field(alias="nextStep")


class BatchListResult(BaseModel):
    batches: list[Batch] = Field(description="Newest first.")
    count: int


def next_step(batch: Batch) -> str:
    return steps.batch_state(batch.id, running=batch.status in RUNNING, has_results=bool(batch.output_url))


async def find_created(client: SyncClient, body: CreateBatchRequest, sent_after: datetime) -> Batch | None:
    """The newest batch created since `sent_after` that matches the rows count and webhook."""
    for batch in await client.batches.list(BatchListQuery(created_after=sent_after)):
        total = batch.metrics.total_generations if batch.metrics else None
        if total == len(body.rows) and batch.webhook_url == body.webhook_url:
            return batch
    return None


_FIELDS = CreateBatchRequest.model_fields


@sync_tool(title="Create a batch of generations", read_only=False, destructive=False, idempotent=False)
async def create_batch(
    # Rows arrive as plain objects and are validated in the body, so a refusal can name the row.
    rows: Annotated[
        list[dict[str, Any]],
        Field(description=f"{MIN_ROWS}-{MAX_ROWS} objects {{request_id, endpoint, payload}}."),
    ],
    ctx: Context[Any, Any],
    webhook_url: Annotated[str | None, Field(description=_FIELDS["webhook_url"].description)] = None,
    dry_run: Annotated[bool, Field(description=_FIELDS["dry_run"].description)] = False,
) -> Annotated[CallToolResult, BatchResult]:
    """Submit 20-500 generations as one batch (POST /v2/batch; Scale and Enterprise plans).

    rows: [{request_id, endpoint: "/v2/generate", payload: <create_generation arguments>}], at most 5 MB as
    JSONL, each validated first. dry_run=true creates nothing. Follow with get_batch (results at outputUrl).
    """
    state = tool_state(ctx)
    body = CreateBatchRequest.parse({"rows": rows, "webhook_url": webhook_url, "dry_run": dry_run or None})
    sent_after = datetime.now(timezone.utc) - LOOKUP_MARGIN
    try:
        created = await state.client.batches.create(body)
    except SyncAPIError as exc:
        if exc.error_code in PLAN_CODES:
            exc.suggestion = (
                "Batch processing needs a Scale or Enterprise plan: upgrade at https://sync.so/billing, or create "
                "the rows one by one with create_generation."
            )
        if body.dry_run or not uncertain(exc, server_errors=True):
            raise
        try:
            found = await find_created(state.client, body, sent_after)
        except SyncAPIError:
            found = None
        if found is None:
            raise outcome_unknown(
                "The batch",
                exc,
                f"No matching batch was found yet, but it may still appear. Call list_batches with "
                f"created_after={iso(sent_after)} in a minute; only if no batch of {len(body.rows)} rows shows "
                "up, call create_batch again.",
            ) from None
        return ok(BatchResult(batch=found, recovered=True, next_step=next_step(found)))
    if isinstance(created, BatchValidated):
        return ok(
            BatchResult(
                validated=True,
                next_step=steps.batch_validated(len(body.rows)),
            )
        )
    return ok(BatchResult(batch=created, next_step=next_step(created)))


@sync_tool(title="Get a batch", read_only=True)
async def get_batch(
    id: Annotated[str, Field(min_length=1, pattern=r"^[^/?#\s]+$", description="Batch id from create_batch.")],
    ctx: Context[Any, Any],
) -> Annotated[CallToolResult, BatchResult]:
    """Status and metrics of a batch (GET /v2/batch/{id}); when finished, outputUrl holds the JSONL results."""
    batch = await tool_state(ctx).client.batches.get(id)
    return ok(BatchResult(batch=batch, next_step=next_step(batch)))


@sync_tool(title="List batches", read_only=True)
async def list_batches(ctx: Context[Any, Any], args: BatchListQuery) -> Annotated[CallToolResult, BatchListResult]:
    """The organisation's batches (GET /v2/batch), newest first, optionally by status and creation time.

    Times are ISO-8601 with a time zone, e.g. 2026-05-01T12:00:00Z. There is no paging.
    """
    batches = await tool_state(ctx).client.batches.list(args)
    return ok(BatchListResult(batches=batches, count=len(batches)))
