"""Usage tools: what generations cost over a time range, how many there are, and whether the API is up."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import BaseModel, ConfigDict, Field

from sync_mcp.api.types.usage import USAGE_PAGE_MAX, GenerationCountQuery, GenerationUsage, UsageQuery, iso_utc
from sync_mcp.guidance import steps
from sync_mcp.services.api_checks import Check, api_checks
from sync_mcp.services.spend_totals import spend_totals
from sync_mcp.toolkit.results import KeepsNulls, ok, sync_tool
from sync_mcp.toolkit.state import tool_state


class UnpricedPart(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    generation_id: str = Field(alias="generationId")
    part: str = Field(description="lipsync, dubbing, speech_synthesis, or generation (the whole of it).")
    availability: str = Field(
        description="pending: its price is still to come (read again later); unavailable: no price is recorded."
    )


class UsageItem(GenerationUsage, KeepsNulls):
    """One generation's cost record, its totalCostUsd null (not absent) while a part has no price."""

    kept_nulls = ("totalCostUsd",)


class UsageResult(KeepsNulls):
    model_config = ConfigDict(populate_by_name=True)
    kept_nulls = ("totalCostUsd",)

    start_time: str = Field(alias="startTime")
    end_time: str = Field(alias="endTime")
    items: list[UsageItem] = Field(description="Finished generations of this page, oldest first.")
    count: int
    known_total_usd: str = Field(
        alias="knownTotalUsd",
        description="Every known cost of this page in USD, partial generations included: the sum of "
        "get_generation_cost's knownSubtotalUsd over the same generations.",
    )
    total_cost_usd: str | None = Field(
        default=None, alias="totalCostUsd", description="The page's whole cost; null while any part has no price."
    )
    unpriced_count: int = Field(alias="unpricedCount", description="Parts without a price (not in knownTotalUsd).")
    unpriced: list[UnpricedPart] = Field(description="Each part without a price, and why.")
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

    knownTotalUsd counts every priced part (partial generations included); unpriced lists the parts without a
    price (pending or unavailable). With nextCursor, call again with cursor (same times) and add the pages up.
    """
    now = datetime.now(timezone.utc)
    query = UsageQuery(start_time=startTime or _month_start(now), end_time=endTime or now, limit=limit, cursor=cursor)
    page = await tool_state(ctx).client.usage.list(query)
    totals = spend_totals(page.items)
    start, end = iso_utc(query.start_time), iso_utc(query.end_time)
    pending = sum(1 for p in totals.unpriced if p.availability == "pending")
    next_step = steps.usage_page(pending, len(totals.unpriced) - pending, page.next_cursor, start, end)
    return ok(
        UsageResult(
            startTime=start,
            endTime=end,
            items=[UsageItem.model_validate(i.model_dump(by_alias=True)) for i in page.items],
            count=len(page.items),
            knownTotalUsd=str(totals.known_usd),
            totalCostUsd=None if totals.total_usd is None else str(totals.total_usd),
            unpricedCount=len(totals.unpriced),
            unpriced=[
                UnpricedPart(generationId=p.generation_id, part=p.part, availability=p.availability)
                for p in totals.unpriced
            ],
            nextCursor=page.next_cursor,
            nextStep=next_step,
        )
    )


@sync_tool(title="Count generations", read_only=True)
async def count_generations(
    ctx: Context[Any, Any], args: GenerationCountQuery
) -> Annotated[CallToolResult, CountResult]:
    """How many generations match (GET /v2/generations/count): by status, type, source or generationSource."""
    counted = await tool_state(ctx).client.generations.count(args)
    return ok(CountResult(count=counted.count))


def _shown(check: Check) -> dict[str, Any]:
    return {"name": check.name, "ok": check.ok, "detail": check.detail, **({"fix": check.fix} if check.fix else {})}


@sync_tool(title="Check the Sync API", read_only=True)
async def check_api(ctx: Context[Any, Any]) -> Annotated[CallToolResult, ApiStatus]:
    """Is the Sync API up, is this key accepted, does the clock agree? A failed check says what to do."""
    checks = await api_checks(tool_state(ctx).client)
    return ok(ApiStatus(ok=all(c.ok for c in checks), checks=[_shown(c) for c in checks]))
