"""Generations: `POST /v2/generate` (JSON, or multipart with files: `generation_form.py`),
`GET /v2/generate/{id}`, `GET /v2/generations` (reference §3).

Bodies are validated with the package's own wire model (`CreateGenerationRequest`), so the sandbox and
the client can never disagree on a field name. Statuses follow time (see `state.py`).

Magic failures for demos and tests: when any input URL carries `sandbox_fail=<errorCode>` in its query,
the generation ends FAILED with that errorCode and the catalog message as `error` (`sandbox_error=<text>`
sets another `error`; any code works, those of no catalog included); adding `sandbox_status=REJECTED` makes
it end REJECTED instead. `sandbox/errors.py` lists the codes only the sandbox's live catalog has.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sync_mcp.api.client import API_LONG_POLL_MAX_SECONDS
from sync_mcp.api.ids import IDEMPOTENCY_KEY
from sync_mcp.api.models import CreateGenerationRequest, Generation, is_uuid

from ..asset_store import owner_of
from ..config import SandboxConfig
from ..generation_form import read_generation_form
from ..http import (
    VALIDATION_CODE,
    fail,
    json_body,
    public_base_url,
    require_auth,
    sandbox_config,
    sandbox_state,
    validation_reply,
)
from ..project_store import unknown_project
from ..state import GenerationRecord, SandboxState, ScriptedFailure
from ..webhooks import schedule_webhook
from .assets import require_known_assets
from .files import output_url

LISTABLE_STATUSES = ("PENDING", "PROCESSING", "COMPLETED", "FAILED", "REJECTED")
DEFAULT_WAIT_SECONDS = 5.0
WAIT_RETRY_AFTER = "2"
OUTPUT_FILE_NAME_MAX = 255

# [INF] The reference could not recover the exact name of the IDEMPOTENCY_* code for "same key,
# different body" (§13, §18.1), nor its status (409 or 422); 409 with this name is our best reading.
IDEMPOTENCY_CONFLICT_CODE = "IDEMPOTENCY_KEY_CONFLICT"


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
        output_duration=sandbox_config(request).output_duration_seconds if completed else None,
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


def sanitize_output_file_name(value: str) -> str | None:
    """The API sanitises rather than refuses (reference §3.1): spaces become `_`, other characters outside
    letters, digits, `_` and `-` are stripped. [INF] Names longer than 255 characters are cut to 255."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "", value.replace(" ", "_"))[:OUTPUT_FILE_NAME_MAX]
    return cleaned or None


def body_hash(body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


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


def magic_failure(body: dict[str, Any]) -> ScriptedFailure | None:
    for item in body.get("input") or []:
        url = item.get("url") if isinstance(item, dict) else None
        if not isinstance(url, str):
            continue
        query = parse_qs(urlsplit(url).query)
        codes = query.get("sandbox_fail")
        if codes and codes[0]:
            status = "REJECTED" if query.get("sandbox_status", [""])[0].upper() == "REJECTED" else "FAILED"
            error = query.get("sandbox_error", [""])[0] or None
            return ScriptedFailure(error_code=codes[0], status=status, error=error)
    return None


def _query_error(field: str, message: str) -> Exception:
    # [INF] The reference documents these query refusals as 400 without naming a code; the catalog's
    # generic validation code is used so clients get a stable errorCode and a suggestion.
    return fail(400, VALIDATION_CODE, [message], field=field)


def _query_list(request: Request, name: str) -> list[str]:
    """A comma-separated list parameter ([INF] repeated parameters are accepted too, as the SDK sends them)."""
    values: list[str] = []
    for raw in request.query_params.getlist(name):
        values.extend(v.strip() for v in raw.split(",") if v.strip())
    return values


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


# ----------------------------------------------------------------------------------------------- create


def idempotency_key(request: Request) -> str | None:
    keys = request.headers.getlist("idempotency-key")
    if len(keys) > 1 or (keys and not IDEMPOTENCY_KEY.match(keys[0])):
        raise fail(
            400,
            "INVALID_IDEMPOTENCY_KEY",
            "Idempotency-Key must be a single header of 1-128 characters from [A-Za-z0-9._~-].",
            field="Idempotency-Key",
        )
    return keys[0] if keys else None


async def create_generation(request: Request) -> JSONResponse:
    """`POST /v2/generate`: a JSON body (§3.1) or a multipart form with files (§3.2), one create path."""
    require_auth(request)
    key = idempotency_key(request)
    if "multipart/form-data" not in request.headers.get("content-type", "").lower():
        return accept_create(request, await json_body(request), key=key)
    form = await read_generation_form(request)
    try:
        return accept_create(
            request,
            form.body,
            key=key,
            digest=form.digest,
            pending_assets=form.asset_ids,
            on_accept=lambda: form.register(request),
        )
    finally:
        form.discard()


def accept_create(
    request: Request,
    raw: Any,
    *,
    key: str | None,
    digest: str | None = None,
    pending_assets: frozenset[str] = frozenset(),
    on_accept: Callable[[], None] | None = None,
) -> JSONResponse:
    """Validate a create body and start the generation (or replay the Idempotency-Key's original).

    For a multipart create, `digest` binds the key to the form as sent, `pending_assets` are the asset
    ids its files will get, and `on_accept` registers those assets once nothing refuses the create.
    """
    state = sandbox_state(request)
    config = sandbox_config(request)
    if not isinstance(raw, dict):
        raise fail(400, VALIDATION_CODE, ["body: must be a JSON object"], field="body")
    if "dialogueEdit" in raw and not config.dialogue_edit_enabled:
        # The API refuses dialogue editing for organisations without the early-access rollout (§3.1).
        raise fail(
            422,
            "dialogue_edit_retime_required",
            "Dialogue editing is not enabled for this organization.",
            field="dialogueEdit",
        )

    accepted, output_file_name = _with_clean_file_name(raw)
    try:
        CreateGenerationRequest.model_validate(accepted)
    except ValidationError as exc:
        return validation_reply(exc)
    # unknown assetId: 404 asset_not_found ([INF], see there); the form's own files are not registered yet
    require_known_assets(request, _without_assets(accepted, pending_assets))
    if unknown_project(state, accepted.get("projectId")):
        raise fail(422, "project_not_found", "Project not found.", field="projectId")

    digest = digest or body_hash(raw)
    replay = _replay(request, key, digest)
    if replay is not None:
        return replay

    _check_concurrency(state, config)

    if on_accept is not None:
        on_accept()
    record = state.create_generation(
        accepted,
        output_file_name=output_file_name,
        source=request.headers.get("x-sync-source") or "api",
        failure=magic_failure(raw),
        owner=owner_of(request.headers.get("x-api-key", "")),
    )
    if key is not None:
        state.remember_idempotency(key, digest, record.id)
    schedule_webhook(request, record, generation_json)
    return JSONResponse(generation_json(request, record), 201)


def _with_clean_file_name(raw: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The body with its outputFileName as the API keeps it (sanitized, or dropped when nothing is left)."""
    accepted = dict(raw)
    if not isinstance(raw.get("outputFileName"), str):
        return accepted, None
    output_file_name = sanitize_output_file_name(raw["outputFileName"])
    if output_file_name is None:
        accepted.pop("outputFileName")
    else:
        accepted["outputFileName"] = output_file_name
    return accepted, output_file_name


def _replay(request: Request, key: str | None, digest: str) -> JSONResponse | None:
    """The original generation of an Idempotency-Key used before with this body; 409 for another body."""
    state = sandbox_state(request)
    entry = state.idempotency_entry(key) if key is not None else None
    if entry is None:
        return None
    if entry.body_hash != digest:
        raise fail(
            409,
            IDEMPOTENCY_CONFLICT_CODE,
            "This Idempotency-Key was already used with a different request body.",
            field="Idempotency-Key",
        )
    original = state.get(entry.generation_id)
    # [INF] A replay answers like the original create (201, same id), in the current state.
    return JSONResponse(generation_json(request, original), 201) if original is not None else None


def _check_concurrency(state: SandboxState, config: SandboxConfig) -> None:
    """429 concurrency_limit_reached when the plan's in-flight generations are all taken (reference §14.2)."""
    now = state.now()
    active = state.active(now)
    if len(active) >= config.concurrency_limit:
        soonest = min(r.terminal_at for r in active) - now
        raise fail(
            429,
            "concurrency_limit_reached",
            f"Concurrency limit reached: {len(active)} generations are in progress and the plan allows "
            f"{config.concurrency_limit}. Wait for one to finish.",
            activeGenerations=len(active),
            concurrencyLimit=config.concurrency_limit,
            retryAfterSeconds=max(1, math.ceil(soonest)),
        )


def _without_assets(body: dict[str, Any], asset_ids: frozenset[str]) -> dict[str, Any]:
    """The body with the given assetIds left out of its input items (indexes kept, for error fields)."""
    if not asset_ids:
        return body
    items = [
        {k: v for k, v in item.items() if k != "assetId"}
        if isinstance(item, dict) and item.get("assetId") in asset_ids
        else item
        for item in body.get("input") or []
    ]
    return {**body, "input": items}


# ----------------------------------------------------------------------------------------------- get


def _wait_params(request: Request) -> tuple[bool, float, bool]:
    wait = bool(_query_bool(request, "wait"))
    include = _query_list(request, "include")
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
        if not (math.isfinite(timeout) and 1 <= timeout <= API_LONG_POLL_MAX_SECONDS):
            raise _query_error("timeout", f"timeout must be between 1 and {API_LONG_POLL_MAX_SECONDS} seconds")
    return wait, timeout, progress


def _find(request: Request, generation_id: str) -> GenerationRecord:
    record = sandbox_state(request).get(generation_id)
    if record is None:
        raise fail(404, "generation_not_found", f"Generation {generation_id} not found.", field="id")
    return record


async def get_generation(request: Request) -> JSONResponse:
    require_auth(request)
    generation_id = request.path_params["id"]
    if not is_uuid(generation_id):
        raise fail(400, "invalid_generation_id", "The generation id must be a UUID.", field="id")
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
    statuses = _query_list(request, "status")
    bad = [s for s in statuses if s not in LISTABLE_STATUSES]
    if bad:
        raise _query_error("status", f"each value in status must be one of: {', '.join(LISTABLE_STATUSES)}")
    ids = set(_query_list(request, "ids"))
    sources = set(_query_list(request, "source"))
    origins = set(_query_list(request, "generationSource"))
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
    Route("/v2/generate", create_generation, methods=["POST"]),
    Route("/v2/generate/{id}", get_generation, methods=["GET"]),
    Route("/v2/generations", list_generations, methods=["GET"]),
]
