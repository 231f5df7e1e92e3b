"""Batch (reference §9): `POST /v2/batch` (JSON `rows`, or a multipart JSONL file as the SDK sends it),
`GET /v2/batch/{id}`, `GET /v2/batch` (status / created_after / created_before, newest first, no paging);
the results file is served at `GET /files/batches/{id}.jsonl` once the batch has finished.

Both forms are checked by the sandbox's own reading of §9 (`sandbox/rules/batch.py`; each row's payload by the
create rules); refusals are 400 naming the row, with `lineNumber` (line N = rows[N-1]).
Batch needs a Scale or Enterprise plan (`SandboxConfig.plan`).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..batch_store import BatchRecord, RowOutcome, batch_store
from ..http import (
    VALIDATION_CODE,
    checked,
    fail,
    json_body,
    json_object,
    public_base_url,
    refusal_reply,
    require_auth,
    sandbox_config,
    sandbox_state,
)
from ..rules import Refusal
from ..rules.batch import MAX_JSONL_BYTES, PLANS, check_batch, check_batch_list
from .generate import magic_failure


def _output_url(request: Request, record: BatchRecord) -> str:
    # [INF] The API's outputUrl answers a 302 to a signed JSONL file; the sandbox links the file directly.
    return f"{public_base_url(request)}/files/batches/{record.id}.jsonl"


def _json(request: Request, record: BatchRecord) -> dict[str, Any]:
    return record.response(sandbox_state(request).now(), _output_url(request, record))


def _flag(value: Any) -> Any:
    return {"true": True, "false": False}.get(value.lower(), value) if isinstance(value, str) else value


async def _multipart_body(request: Request) -> dict[str, Any]:
    """The SDK's form (`input` or `file`: JSONL; `webhook_url`; `dry_run`) as the JSON form's body."""
    form = await request.form()
    upload = form.get("input") or form.get("file")
    if not isinstance(upload, UploadFile):
        raise fail(400, VALIDATION_CODE, ["input: a JSONL file is required"], field="input")
    raw = await upload.read()
    if len(raw) > MAX_JSONL_BYTES:
        raise fail(400, "batch_file_too_large", f"The batch file is {len(raw)} bytes; the limit is 5 MB.")
    rows: list[Any] = []
    for number, line in enumerate(raw.decode("utf-8", errors="replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except ValueError:
            raise fail(400, "batch_invalid_jsonl", f"Line {number} is not valid JSON.", lineNumber=number) from None
    body: dict[str, Any] = {"rows": rows}
    for name in ("webhook_url", "dry_run"):
        value = form.get(name)
        if isinstance(value, str) and value != "":
            body[name] = _flag(value)
    return body


def _refusal(refusal: Refusal) -> Response:
    """The API's 400, plus `lineNumber` when the problem is in a row."""
    if refusal.line_number is None:
        return refusal_reply(refusal)
    return refusal_reply(refusal, lineNumber=refusal.line_number)


async def create_batch(request: Request) -> Response:
    require_auth(request)
    config = sandbox_config(request)
    if config.plan not in PLANS:
        # `plan_feature_unavailable` is the live catalog's code for plan-gated features, batch included;
        # `batch_plan_required` (403 per [3P]) is the older docs' code. 403 per reference §11.
        raise fail(
            403,
            "plan_feature_unavailable",
            f"Batch processing is available on Scale and Enterprise plans (this organization is on {config.plan}).",
        )
    if "multipart/form-data" in request.headers.get("content-type", "").lower():
        raw = await _multipart_body(request)
    else:
        raw = json_object(await json_body(request))
    try:
        check_batch(raw)
    except Refusal as refusal:
        return _refusal(refusal)
    if raw.get("dry_run"):
        return JSONResponse({"status": "VALIDATED"})  # §9 dry run; [INF] 200: nothing was created
    outcomes = []
    for row in raw["rows"]:
        failure = magic_failure(row["payload"])
        outcomes.append(RowOutcome(request_id=row["request_id"], error_code=failure.error_code if failure else None))
    state = sandbox_state(request)
    record = batch_store(state).add(outcomes, raw.get("webhook_url"), now=state.now(), config=config)
    return JSONResponse(_json(request, record), 201)  # [INF] 201, as for other creates


async def get_batch(request: Request) -> JSONResponse:
    require_auth(request)
    record = batch_store(sandbox_state(request)).get(request.path_params["id"])
    if record is None:
        # [INF] The reference documents 404 without an errorCode for batches.
        raise fail(404, None, f"Batch {request.path_params['id']} not found.", field="id")
    return JSONResponse(_json(request, record))


async def list_batches(request: Request) -> Response:
    require_auth(request)
    status, after, before = checked(check_batch_list, dict(request.query_params))
    state = sandbox_state(request)
    now = state.now()
    records = [
        r
        for r in batch_store(state).newest_first()
        if (status is None or r.status_at(now) == status)
        and (after is None or r.created_dt >= after)  # [INF] bounds inclusive
        and (before is None or r.created_dt <= before)
    ]
    return JSONResponse([_json(request, r) for r in records])


async def batch_results(request: Request) -> Response:
    """[INF] One JSON line per row: request_id, status, and errorCode for failed rows (results rows hold
    the generation id and output URL on the API; the sandbox creates no per-row generations)."""
    state = sandbox_state(request)
    name = request.path_params["name"]
    record = batch_store(state).get(name.removesuffix(".jsonl")) if name.endswith(".jsonl") else None
    if record is None or record.status_at(state.now()) not in ("COMPLETED", "FAILED"):
        return Response(status_code=404)
    lines = [
        json.dumps(
            {"request_id": o.request_id, "status": "FAILED" if o.error_code else "COMPLETED"}
            | ({"errorCode": o.error_code} if o.error_code else {})
        )
        for o in record.outcomes
    ]
    return Response("\n".join(lines) + "\n", media_type="application/x-ndjson")


routes = [
    Route("/v2/batch", create_batch, methods=["POST"]),
    Route("/v2/batch", list_batches, methods=["GET"]),
    Route("/v2/batch/{id}", get_batch, methods=["GET"]),
    Route("/files/batches/{name}", batch_results, methods=["GET"]),
]
