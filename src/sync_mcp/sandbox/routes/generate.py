"""Creating generations: `POST /v2/generate`, a JSON body (reference §3.1) or a multipart form with files
(§3.2, parsed by `generation_form.py`), with Idempotency-Key replays (§13) and the plan's concurrency limit.

Bodies are checked with the sandbox's own reading of the reference (`sandbox/rules/generate.py`), not with the
client's models, so a client that misreads the API is refused here. The reply is the `Generation` of
`generations.py`.

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

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..asset_store import owner_of
from ..config import SandboxConfig
from ..dialogue_store import preview_ready
from ..durations import output_seconds
from ..generation_form import read_generation_form
from ..http import (
    VALIDATION_CODE,
    checked,
    fail,
    json_body,
    require_auth,
    sandbox_config,
    sandbox_state,
)
from ..project_store import unknown_project
from ..rules import check_create
from ..rules.facts import IDEMPOTENCY_KEY
from ..state import SandboxState, ScriptedFailure
from ..webhooks import schedule_webhook
from .assets import require_known_assets
from .generations import generation_json

OUTPUT_FILE_NAME_MAX = 255

# [INF] The reference could not recover the exact name of the IDEMPOTENCY_* code for "same key,
# different body" (§13, §18.1), nor its status (409 or 422); 409 with this name is our best reading.
IDEMPOTENCY_CONFLICT_CODE = "IDEMPOTENCY_KEY_CONFLICT"


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


def idempotency_key(request: Request) -> str | None:
    keys = request.headers.getlist("idempotency-key")
    if len(keys) > 1 or (keys and not IDEMPOTENCY_KEY.fullmatch(keys[0])):
        raise fail(
            400,
            "INVALID_IDEMPOTENCY_KEY",
            "Idempotency-Key must be a single header of 1-128 characters from [A-Za-z0-9._~-].",
            field="Idempotency-Key",
        )
    return keys[0] if keys else None


def _check_dialogue_edit(state: SandboxState, config: SandboxConfig, raw: dict[str, Any]) -> None:
    """A create carrying `dialogueEdit`: refused without the rollout, or when it names no finished preview."""
    if "dialogueEdit" in raw and not config.dialogue_edit_enabled:
        # The API refuses dialogue editing for organisations without the early-access rollout (§3.1).
        raise fail(
            422,
            "dialogue_edit_retime_required",
            "Dialogue editing is not enabled for this organization.",
            field="dialogueEdit",
        )
    if "dialogueEdit" in raw and not preview_ready(state, raw["dialogueEdit"]):
        # Create Generation: a preview that does not exist or cannot be rendered is 422 dialogue_edit_not_found.
        raise fail(
            422,
            "dialogue_edit_not_found",
            'dialogueEdit must name a finished dialogue-edit preview ({"id": ...}).',
            field="dialogueEdit",
        )


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
    _check_dialogue_edit(state, config, raw)

    accepted, output_file_name = _with_clean_file_name(raw)
    checked(check_create, accepted)
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
        output_seconds=output_seconds(request, accepted),
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


def sanitize_output_file_name(value: str) -> str | None:
    """The API sanitises rather than refuses (reference §3.1): spaces become `_`, other characters outside
    letters, digits, `_` and `-` are stripped. [INF] Names longer than 255 characters are cut to 255."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "", value.replace(" ", "_"))[:OUTPUT_FILE_NAME_MAX]
    return cleaned or None


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


def body_hash(body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


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


routes = [Route("/v2/generate", create_generation, methods=["POST"])]
