"""`/_sandbox/...`: control endpoints for driving a sandbox from another process (same `x-api-key`).

- `POST /_sandbox/script-failure` `{errorCode, status?: "FAILED"|"REJECTED", error?}`: the next created
  generation ends that way.
- `POST /_sandbox/fault` `{status?, errorCode?, message?, method?, path?, retryAfter?, delay?,
  afterHandling?, times?, drop?, reportGenerationId?}`: an HTTP fault for the next matching /v2
  request(s) (see `ScriptedFault`).
- `POST /_sandbox/reset`: forget everything.
- `GET /_sandbox/requests`: the request log (`RecordedRequest` fields, snake_case).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..http import fail, json_body, require_auth, sandbox_state
from ..state import ScriptedFault

_FAULT_FIELDS = {
    "status": "status",
    "errorCode": "error_code",
    "message": "message",
    "method": "method",
    "path": "path",
    "retryAfter": "retry_after",
    "delay": "delay",
    "afterHandling": "after_handling",
    "times": "times",
    "drop": "drop",
    "reportGenerationId": "report_generation_id",
}


async def _object_body(request: Request) -> dict[str, Any]:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise fail(400, None, "The body must be a JSON object.")
    return body


async def script_failure(request: Request) -> JSONResponse:
    require_auth(request)
    body = await _object_body(request)
    try:
        sandbox_state(request).script_generation_failure(
            body.get("errorCode") or "", body.get("status") or "FAILED", body.get("error")
        )
    except ValueError as exc:
        raise fail(400, None, str(exc)) from None
    return JSONResponse({"queued": len(sandbox_state(request).scripted_failures)})


async def script_fault(request: Request) -> JSONResponse:
    require_auth(request)
    body = await _object_body(request)
    unknown = sorted(set(body) - set(_FAULT_FIELDS))
    if unknown:
        raise fail(400, None, f"Unknown fault fields: {', '.join(unknown)}.")
    try:
        fault = ScriptedFault(**{_FAULT_FIELDS[k]: v for k, v in body.items()})
        sandbox_state(request).script_fault(fault)
    except (TypeError, ValueError) as exc:
        raise fail(400, None, str(exc)) from None
    return JSONResponse({"queued": len(sandbox_state(request).faults)})


async def reset(request: Request) -> JSONResponse:
    require_auth(request)
    sandbox_state(request).reset()
    return JSONResponse({"reset": True})


async def list_requests(request: Request) -> JSONResponse:
    require_auth(request)
    return JSONResponse([asdict(r) for r in list(sandbox_state(request).requests)])


routes = [
    Route("/_sandbox/script-failure", script_failure, methods=["POST"]),
    Route("/_sandbox/fault", script_fault, methods=["POST"]),
    Route("/_sandbox/reset", reset, methods=["POST"]),
    Route("/_sandbox/requests", list_requests, methods=["GET"]),
]
