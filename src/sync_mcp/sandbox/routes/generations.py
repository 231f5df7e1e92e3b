"""Reading generations: `GET /v2/generate/{id}` (long-poll `wait`, `include=progress`) and
`GET /v2/generations` (filters, cursor pages) (reference §3); `generation_json`, the `Generation` object
every generation reply is made of. Creating one is `generate.py`.

Statuses follow time (see `state.py`).
"""

from __future__ import annotations

import math
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sync_mcp.api import Generation

from ..http import VALIDATION_CODE, fail, path_uuid, public_base_url, query_list, require_auth, sandbox_state
from ..rules.core import is_uuid
from ..rules.facts import LONG_POLL_MAX_SECONDS
from ..state import GenerationRecord
from .files import output_url

LISTABLE_STATUSES = ("PENDING", "PROCESSING", "COMPLETED", "FAILED", "REJECTED")
DEFAULT_WAIT_SECONDS = 5.0
WAIT_RETRY_AFTER = "2"


# ----------------------------------------------------------------------------------------------- helpers


def generation_json(request: Request, record: GenerationRecord, *, include_progress: bool = False) -> dict[str, Any]:
    """The `Generation` object (reference §3.11) of a record at this moment, serialised by the wire model."""
    now = sandbox_state(request).now()
    status = record.status_at(now)
    completed = status == "COMPLETED"
    failure = record.failure if status in ("FAILED", "REJECTED") else None
    body = record.body
    generation = Generation(
        id=record.id,
        created_at=record.created_at,
        status=status,
        model=body["model"],
        input=body["input"],
        options=body.get("options"),
        segments=body.get("segments"),
        output_url=output_url(public_base_url(request), record) if completed else None,
        output_duration=record.output_seconds if completed else None,
        output_file_name=record.output_file_name,
        segment_output_url=None,
        error=failure.message if failure else None,
        error_code=failure.error_code if failure else None,  # serialised as `errorCode` (current docs)
        webhook_url=body.get("webhookUrl"),
        project_id=body.get("projectId"),
        progress_percent=record.progress_at(now) if include_progress else None,
    )
    exclude = {"synthesized_audio_url"} | (set() if include_progress else {"progress_percent"})
    return generation.model_dump(mode="json", by_alias=True, exclude=exclude)


GENERATION_SOURCES = frozenset(
    {
        "studio_lite", "studio_advanced", "studio_assistant", "ios", "premiere-plugin", "resolve-plugin", "mcp",
        "chatgpt", "claude", "gemini", "api",
    }
)  # fmt: skip
"""The `generationSource` values of reference §3.5."""


def generation_source(record: GenerationRecord) -> str:
    """[INF] Where a generation was made, from the creator's `x-sync-source` label: its part before any `:`
    (the official MCP server sends `mcp:<client>`) when that is a documented value, else `api`."""
    label = record.source.split(":", 1)[0]
    return label if label in GENERATION_SOURCES else "api"


def _query_error(field: str, message: str) -> Exception:
    # [INF] The reference documents these query refusals as 400 without naming a code; the catalog's
    # generic validation code is used so clients get a stable errorCode and a suggestion.
    return fail(400, VALIDATION_CODE, [message], field=field)


def _query_bool(request: Request, name: str) -> bool | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    lowered = raw.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise _query_error(name, f"{name} must be a boolean value")


# ----------------------------------------------------------------------------------------------- get


def _wait_params(request: Request) -> tuple[bool, float, bool]:
    wait = bool(_query_bool(request, "wait"))
    include = query_list(request, "include")
    unknown = [v for v in include if v != "progress"]
    if unknown:
        raise _query_error("include", f"include must be a comma-separated list of: progress (got {unknown[0]})")
    progress = "progress" in include
    if wait and progress:
        raise _query_error("include", "include=progress cannot be combined with wait=true")
    timeout = DEFAULT_WAIT_SECONDS
    raw_timeout = request.query_params.get("timeout")
    if raw_timeout is not None:
        if not wait:
            raise _query_error("timeout", "timeout is only allowed together with wait=true")
        try:
            timeout = float(raw_timeout)
        except ValueError:
            raise _query_error("timeout", "timeout must be a number of seconds") from None
        if not (math.isfinite(timeout) and 1 <= timeout <= LONG_POLL_MAX_SECONDS):
            raise _query_error("timeout", f"timeout must be between 1 and {LONG_POLL_MAX_SECONDS} seconds")
    return wait, timeout, progress


def _generation_id(request: Request) -> str:
    return path_uuid(request, "invalid_generation_id", "generation")


def _find(request: Request, generation_id: str) -> GenerationRecord:
    record = sandbox_state(request).get(generation_id)
    if record is None:
        raise fail(404, "generation_not_found", f"Generation {generation_id} not found.", field="id")
    return record


def find_generation(request: Request) -> GenerationRecord:
    """The generation named by the `{id}` path parameter: 400 for a malformed id, 404 for an unknown one."""
    return _find(request, _generation_id(request))


async def get_generation(request: Request) -> JSONResponse:
    require_auth(request)
    generation_id = _generation_id(request)  # a malformed id is refused before the wait parameters are read
    wait, timeout, progress = _wait_params(request)
    state = sandbox_state(request)
    record = _find(request, generation_id)
    headers: dict[str, str] = {}
    if wait:
        remaining = record.terminal_at - state.now()
        if remaining > 0 and state.honor_wait:
            # Sleep until the generation's terminal moment or the timeout, whichever comes first.
            await state.sleep_until(min(remaining, timeout))
        record = _find(request, generation_id)
        headers = {
            "X-Sync-Wait-Mode": "long_poll",
            "X-Sync-Wait-Timeout-Seconds": f"{timeout:g}",
            "Retry-After": WAIT_RETRY_AFTER,
        }
    return JSONResponse(generation_json(request, record, include_progress=progress), headers=headers)


# ----------------------------------------------------------------------------------------------- list


async def list_generations(request: Request) -> JSONResponse:
    require_auth(request)
    state = sandbox_state(request)
    statuses = query_list(request, "status")
    bad = [s for s in statuses if s not in LISTABLE_STATUSES]
    if bad:
        raise _query_error("status", f"each value in status must be one of: {', '.join(LISTABLE_STATUSES)}")
    ids = set(query_list(request, "ids"))
    sources = set(query_list(request, "source"))
    origins = set(query_list(request, "generationSource"))
    project_id = request.query_params.get("projectId")
    if project_id is not None and not is_uuid(project_id):
        raise _query_error("projectId", "projectId must be a UUID")

    limit: int | None = None
    raw_limit = request.query_params.get("limit")
    if raw_limit is not None:
        try:
            limit = int(raw_limit)
        except ValueError:
            raise _query_error("limit", "limit must be an integer between 1 and 100") from None
        if not 1 <= limit <= 100:
            raise _query_error("limit", "limit must be an integer between 1 and 100")
    cursor = request.query_params.get("cursor")
    if cursor is not None and limit is None:
        raise _query_error("cursor", "cursor requires limit")

    now = state.now()
    records = state.all_generations()
    if cursor is not None:
        anchor = state.get(cursor)
        if anchor is None:
            # [INF] An unknown cursor is refused rather than answered with an empty page.
            raise _query_error("cursor", "cursor must be the id of a generation from the previous page")
        records = [r for r in records if r.seq < anchor.seq]
    records = [
        r
        for r in records
        if (not statuses or r.status_at(now) in statuses)
        and (not ids or r.id in ids)
        # [INF] The source label is taken from the creator's x-sync-source header ("api" without one).
        and (not sources or r.source in sources)
        and (not origins or generation_source(r) in origins)
        and (project_id is None or r.body.get("projectId") == project_id)
    ]
    if limit is not None:
        records = list(reversed(records))[:limit]  # newest first, one page
    # Without limit the API promises no order; the sandbox answers oldest first.
    return JSONResponse([generation_json(request, r) for r in records])


routes = [
    Route("/v2/generate/{id}", get_generation, methods=["GET"]),
    Route("/v2/generations", list_generations, methods=["GET"]),
]
