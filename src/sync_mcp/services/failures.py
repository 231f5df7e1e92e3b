"""How an API failure reaches the agent: the catalog's explanation, plus what one more look can add.

`explain_failure` is what every tool's error path uses (through `tools/results.py` `structured_errors`):
- everything: `ErrorCatalog.explain` (quoted API text, the catalog's fix, the idempotency key to reuse);
- `concurrency_limit_reached` on a create (reference §14.2): the plan's in-flight jobs are the reason, so
  instead of a bare "wait" the agent learns how many there are and which ones, and is told to wait on one
  of them with get_generation. The ids come from `GET /v2/generations?status=PENDING,PROCESSING&limit=100`;
  the counts come from the error body when it has them. Nothing is retried here.
"""

from __future__ import annotations

from typing import Any

from sync_mcp.api import ErrorCatalog, ErrorInfo, Generation, SyncAPIError, SyncClient
from sync_mcp.api.generations import list_generations

CREATE_PATH = "/v2/generate"
IN_FLIGHT = ["PENDING", "PROCESSING"]
MAX_IDS_SHOWN = 10


async def explain_failure(catalog: ErrorCatalog, client: SyncClient, exc: SyncAPIError) -> ErrorInfo:
    info = await catalog.explain(exc)
    if exc.error_code == "concurrency_limit_reached" and exc.path == CREATE_PATH:
        info = await _with_jobs_in_flight(client, exc, info)
    return info


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


async def _with_jobs_in_flight(client: SyncClient, exc: SyncAPIError, info: ErrorInfo) -> ErrorInfo:
    running: list[Generation] | None
    try:
        running = await list_generations(client, status=IN_FLIGHT, limit=100)
    except SyncAPIError:
        running = None  # the explanation below still holds without the ids
    active = _count(exc.body.get("activeGenerations"))
    if active is None and running is not None:
        active = len(running)
    limit = _count(exc.body.get("concurrencyLimit"))
    details = dict(info.details or {})
    if active is not None:
        details["activeGenerations"] = active
    if limit is not None:
        details["concurrencyLimit"] = limit
    ids = [g.id for g in running or []]
    if ids:
        details["inFlightGenerationIds"] = ids[:MAX_IDS_SHOWN]

    in_flight = f"{active} generation(s) are in flight" if active is not None else "Generations are in flight"
    plan = f" and the plan allows {limit} at a time" if limit is not None else ""
    # The oldest job of the page (newest first) is the likeliest to finish first.
    wait_on = f"call get_generation with id={ids[-1]} and wait=true" if ids else "follow one with get_generation"
    key = exc.idempotency_key
    again = f' with the same arguments and idempotencyKey "{key}"' if key else " with the same arguments"
    after = f" (at least {exc.retry_after:g} s)" if exc.retry_after is not None else ""
    fix = (
        f"{in_flight}{plan}, so nothing was started. Wait for one to finish{after}: {wait_on}, then repeat "
        f"this call{again}. Do not retry in a loop; a higher plan allows more at once."
    )
    return info.model_copy(update={"fix": fix, "details": details or None, "retryable": False})
