"""Usage tools: what generations cost over a time range, how many there are, and whether the API is up."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import BaseModel, ConfigDict, Field

from sync_mcp.api import usage as api
from sync_mcp.api.usage import USAGE_PAGE_MAX, GenerationCountQuery, GenerationUsage, UsageQuery, decimal_usd, iso_utc
from sync_mcp.services.api_checks import Check, api_checks

from .arguments import wire_body, with_model_parameters
from .generations import CTX_PARAMETER
from .registry import sync_tool
from .results import ok
from .state import tool_state


class UsageResult(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    start_time: str = Field(alias="startTime")
    end_time: str = Field(alias="endTime")
    items: list[GenerationUsage] = Field(description="Finished generations of this page, oldest first.")
    count: int
    total_usd: str = Field(alias="totalUsd", description="Sum of this page's known costs in USD.")
    pending: int = Field(description="Items whose cost is not known yet (not in totalUsd).")
    next_cursor: str | None = Field(default=None, alias="nextCursor")
    next_step: str = Field(alias="nextStep")


class CountResult(BaseModel):
    count: int


class ApiStatus(BaseModel):
    ok: bool = Field(description="True when every check passed.")
    checks: list[dict[str, Any]]


def _month_start(now: datetime) -> datetime:
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


@sync_tool(title="Spending over a time range", read_only=True)
async def get_usage(
    ctx: Context[Any, Any],
    startTime: Annotated[
        datetime | None, Field(description="Start, inclusive (UTC); default: the 1st of this month.")
    ] = None,
    endTime: Annotated[datetime | None, Field(description="End, exclusive (UTC); default: now.")] = None,
    limit: Annotated[int, Field(ge=1, le=USAGE_PAGE_MAX, description="Items per page, 1-500.")] = 100,
    cursor: Annotated[str | None, Field(min_length=1, description="nextCursor of the previous page.")] = None,
) -> Annotated[CallToolResult, UsageResult]:
    """What finished generations cost in a time range (GET /v2/usage/generations); default: this month so far.

    Each page has its totalUsd; with nextCursor, call again with cursor (same times) and add up.
    """
    now = datetime.now(timezone.utc)
    query = UsageQuery(start_time=startTime or _month_start(now), end_time=endTime or now, limit=limit, cursor=cursor)
    page = await api.list_generation_usage(tool_state(ctx).client, query)
    total, pending = Decimal(0), 0
    for item in page.items:
        amount = decimal_usd(item.total_cost_usd)
        if amount is None:
            pending += 1
        else:
            total += amount
    start, end = iso_utc(query.start_time), iso_utc(query.end_time)
    if page.next_cursor:
        next_step = f"More: call get_usage with cursor={page.next_cursor}, startTime={start}, endTime={end}."
    else:
        next_step = "Last page. Costs usually appear within ~10 minutes of a generation finishing."
    return ok(
        UsageResult(
            startTime=start,
            endTime=end,
            items=page.items,
            count=len(page.items),
            totalUsd=str(total),
            pending=pending,
            nextCursor=page.next_cursor,
            nextStep=next_step,
        )
    )


@sync_tool(title="Count generations", read_only=True)
@with_model_parameters(GenerationCountQuery, [CTX_PARAMETER])
async def count_generations(ctx: Context[Any, Any], **arguments: Any) -> Annotated[CallToolResult, CountResult]:
    """How many generations match (GET /v2/generations/count): by status, type, source or generationSource."""
    query = GenerationCountQuery.model_validate(wire_body(GenerationCountQuery, arguments))
    counted = await api.count_generations(tool_state(ctx).client, query)
    return ok(CountResult(count=counted.count))


def _shown(check: Check) -> dict[str, Any]:
    return {"name": check.name, "ok": check.ok, "detail": check.detail, **({"fix": check.fix} if check.fix else {})}


@sync_tool(title="Check the Sync API", read_only=True)
async def check_api(ctx: Context[Any, Any]) -> Annotated[CallToolResult, ApiStatus]:
    """Is the Sync API up, is this key accepted, does the clock agree? A failed check says what to do."""
    checks = await api_checks(tool_state(ctx).client)
    return ok(ApiStatus(ok=all(c.ok for c in checks), checks=[_shown(c) for c in checks]))
