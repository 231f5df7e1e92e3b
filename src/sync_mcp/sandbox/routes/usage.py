"""Usage and counts: `GET /v2/usage/generations` (recorded costs over a time range, reference §3.10),
`GET /v2/generations/count` (§3.5), the organisation's active jobs as server-sent events
`GET /v2/usage/active-jobs/stream` (§2), and the health check `GET /health` (§15).

Queries are checked by the sandbox's own reading of §3.5 and §3.10 (`sandbox/rules/usage.py`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from ..asset_store import owner_of
from ..http import VALIDATION_CODE, checked, fail, require_auth, sandbox_config, sandbox_state
from ..rules.facts import TERMINAL_STATUSES
from ..rules.usage import LISTS, check_count_query, check_usage_query
from ..state import ACTIVE_STATUSES, GenerationRecord, iso_utc
from .costs import recorded_costs
from .generations import generation_source

DEFAULT_USAGE_PAGE = 100
"""Items per page of `GET /v2/usage/generations` when no limit is given (reference §3.10)."""


def _query_values(request: Request, names: tuple[str, ...]) -> dict[str, Any]:
    """The query as the rules read it: list parameters comma-separated or repeated, the rest as sent."""
    raw: dict[str, Any] = {}
    for name in request.query_params:
        values = request.query_params.getlist(name)
        if name in names:
            raw[name] = [v.strip() for value in values for v in value.split(",") if v.strip()]
        else:
            raw[name] = values[-1]
    return raw


# ----------------------------------------------------------------------------------------------- usage


def _usage_item(request: Request, record: GenerationRecord) -> dict[str, Any]:
    return {  # §3.10: the cost object plus createdAt, finishedAt, model, apiKey
        **recorded_costs(request, record),
        "createdAt": record.created_at,
        "finishedAt": iso_utc(record.finished_at, "milliseconds"),
        "model": str(record.body.get("model")),
        # [INF] The reference does not describe `apiKey`; the sandbox names the key by a one-way tag of it.
        "apiKey": {"id": record.owner} if record.owner else None,
    }


async def list_usage(request: Request) -> JSONResponse:
    """Finished generations whose `finishedAt` is in `[startTime, endTime)`, oldest first, paged."""
    require_auth(request)
    query = checked(check_usage_query, _query_values(request, ()))
    state = sandbox_state(request)
    now = state.now()
    wall_now = datetime.now(timezone.utc)
    finished = sorted(
        (
            r
            for r in state.all_generations()
            if r.status_at(now) in TERMINAL_STATUSES
            and query.start_time <= r.finished_at < query.end_time
            and r.finished_at <= wall_now
        ),
        key=lambda r: (r.finished_at, r.seq),
    )
    if query.cursor is not None:
        # [INF] The cursor is opaque to clients; here it is the generation id of the previous page's last item.
        ids = [r.id for r in finished]
        if query.cursor not in ids:
            raise fail(400, VALIDATION_CODE, ["cursor must be the nextCursor of the previous page"], field="cursor")
        finished = finished[ids.index(query.cursor) + 1 :]
    limit = query.limit or DEFAULT_USAGE_PAGE
    page = finished[:limit]
    next_cursor = page[-1].id if len(finished) > limit else None
    return JSONResponse({"items": [_usage_item(request, r) for r in page], "nextCursor": next_cursor})  # §3.10


# ----------------------------------------------------------------------------------------------- count


async def count_generations(request: Request) -> JSONResponse:
    require_auth(request)
    query = checked(check_count_query, _query_values(request, LISTS))
    state = sandbox_state(request)
    now = state.now()
    owner = owner_of(request.headers["x-api-key"])
    matching = [
        r
        for r in state.all_generations()
        if (not query.status or r.status_at(now) in query.status)
        # [INF] Every sandbox generation is made through the API, none in the Studio playground.
        and (query.type in (None, "api"))
        and (not query.source or r.source in query.source)
        and (not query.generation_source or generation_source(r) in query.generation_source)
        and (not query.current_user_only or r.owner == owner)
    ]
    return JSONResponse({"count": len(matching)})  # §3.5


# ----------------------------------------------------------------------------------------------- active jobs

KEEP_ALIVE_SECONDS = 15.0
NEW_JOB_RECHECK_SECONDS = 1.0
"""How soon a generation created meanwhile shows up in the stream (creates do not wake it)."""


def _job(record: GenerationRecord, status: str) -> dict[str, Any]:
    # [INF] The reference names the stream only (§2); a job is the generation's id, status, type, model,
    # createdAt and projectId (null fields left out).
    job = {
        "id": record.id,
        "status": status,
        "type": "generation",
        "model": str(record.body.get("model")),
        "createdAt": record.created_at,
        "projectId": record.body.get("projectId"),
    }
    return {k: v for k, v in job.items() if v is not None}


def _event(name: str, data: Any) -> str:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def _next_change(record: GenerationRecord, now: float) -> float:
    """Seconds until the generation's status next changes."""
    started = record.created + record.pending_seconds
    return (started if now < started else record.terminal_at) - now


async def active_jobs_stream(request: Request) -> StreamingResponse:
    """[INF] The reference names the path and nothing more. Emulated as: a `snapshot` event with every active
    (PENDING or PROCESSING) generation on connect, then a `job` event whenever one changes status, including when
    it leaves the set (its terminal status, or DELETED), and a keep-alive comment after 15 s without events."""
    require_auth(request)
    state = sandbox_state(request)

    async def events() -> AsyncIterator[str]:
        seen: dict[str, str] = {}
        quiet = 0.0
        first = True
        while True:
            now = state.now()
            active = {r.id: r for r in state.all_generations() if r.status_at(now) in ACTIVE_STATUSES}
            current = {gid: r.status_at(now) for gid, r in active.items()}
            if first:
                yield _event("snapshot", {"jobs": [_job(r, current[gid]) for gid, r in active.items()]})
                first, quiet, seen = False, 0.0, current
            changes = [_job(active[gid], status) for gid, status in current.items() if seen.get(gid) != status]
            changes += [_left(state.get(gid), gid, now) for gid in seen if gid not in current]
            for change in changes:
                yield _event("job", change)
                quiet = 0.0
            seen = current
            wait = min([NEW_JOB_RECHECK_SECONDS, *(_next_change(r, now) for r in active.values())])
            wait = max(wait, 0.005)
            if quiet + wait >= KEEP_ALIVE_SECONDS:
                yield ": keep-alive\n\n"
                quiet = 0.0
            await asyncio.sleep(wait)
            quiet += wait

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


def _left(record: GenerationRecord | None, generation_id: str, now: float) -> dict[str, Any]:
    """The `job` event of a generation that left the active set."""
    if record is None:
        return {"id": generation_id, "status": "DELETED", "type": "generation"}
    return _job(record, record.status_at(now))


# ----------------------------------------------------------------------------------------------- health


async def health(request: Request) -> JSONResponse:
    """[INF] Shaped like a NestJS health check (the API's framework): 200 `{status: ok}`, 503 when unhealthy."""
    healthy = sandbox_config(request).healthy
    details = {"api": {"status": "up" if healthy else "down"}}
    body = {
        "status": "ok" if healthy else "error",
        "info": details if healthy else {},
        "error": {} if healthy else details,
        "details": details,
    }
    return JSONResponse(body, 200 if healthy else 503)


routes = [
    Route("/v2/usage/generations", list_usage, methods=["GET"]),
    Route("/v2/generations/count", count_generations, methods=["GET"]),
    Route("/v2/usage/active-jobs/stream", active_jobs_stream, methods=["GET"]),
    Route("/health", health, methods=["GET"]),
]
