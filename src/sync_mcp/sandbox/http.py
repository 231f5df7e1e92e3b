"""HTTP helpers shared by the route modules: error bodies (reference §11), auth, JSON bodies, and the reply to a
refusal of the sandbox's own rules (`rules/`)."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse

from .config import SandboxConfig
from .errors import suggestion_for
from .rules import VALIDATION_CODE, Refusal
from .rules.core import is_uuid
from .state import SandboxState

J = TypeVar("J")
R = TypeVar("R")


class ErrorReply(Exception):
    """Raised by handlers and helpers to answer with a ready-made error response."""

    def __init__(self, response: JSONResponse) -> None:
        super().__init__(response.status_code)
        self.response = response


def reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_body(
    status: int, error_code: str | None, message: str | list[str], *, field: str | None = None, **extra: Any
) -> dict[str, Any]:
    """The §11 error body; null keys are left out, `suggestion` comes from the catalog."""
    body: dict[str, Any] = {
        "statusCode": status,
        "errorCode": error_code,
        "message": message,
        "suggestion": suggestion_for(error_code),
        "field": field,
        "error": reason(status),
        "requestId": f"req_{uuid.uuid4().hex}" if status >= 500 else None,
        **extra,
    }
    return {k: v for k, v in body.items() if v is not None}


def api_error(
    status: int,
    error_code: str | None,
    message: str | list[str],
    *,
    field: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    return JSONResponse(error_body(status, error_code, message, field=field, **extra), status, headers=headers)


def fail(status: int, error_code: str | None, message: str | list[str], **kwargs: Any) -> ErrorReply:
    """`raise fail(...)`: an `ErrorReply` carrying `api_error(...)`."""
    return ErrorReply(api_error(status, error_code, message, **kwargs))


def path_uuid(request: Request, error_code: str, what: str) -> str:
    """The path's `id`, or the API's 400 with `error_code` when it is not a UUID."""
    value: str = request.path_params["id"]
    if not is_uuid(value):
        raise fail(400, error_code, f"The {what} id must be a UUID.", field="id")
    return value


def known_job(record: J | None, what: str, request: Request) -> J:
    """The job the path's `id` names, or the API's 404 for it ([INF] the reference names no errorCode for an
    unknown job id: 404 without one, as for unknown routes)."""
    if record is None:
        raise fail(404, None, f"{what} {request.path_params['id']} not found.", field="id")
    return record


# ----------------------------------------------------------------------------------------------- context


def sandbox_state(request: Request) -> SandboxState:
    return request.app.state.sandbox


def sandbox_config(request: Request) -> SandboxConfig:
    return request.app.state.sandbox.config


def public_base_url(request: Request) -> str:
    configured = sandbox_config(request).public_base_url
    return (configured or str(request.base_url)).rstrip("/")


# ----------------------------------------------------------------------------------------------- auth

# The exact bodies observed on the live API (reference §11): no errorCode on either.
MISSING_KEY_BODY = {
    "message": "Either Cookie or x-api-key header must be provided",
    "error": "Unauthorized",
    "statusCode": 401,
}
BAD_KEY_BODY = {"message": "Unauthorized", "statusCode": 401}


def auth_error(request: Request) -> JSONResponse | None:
    """The 401 reply for a missing or wrong `x-api-key`, or None when the key is right."""
    supplied = request.headers.get("x-api-key")
    if not supplied:
        return JSONResponse(MISSING_KEY_BODY, 401)
    config = sandbox_config(request)
    matched = False
    for expected in (config.api_key, *config.extra_api_keys):  # every key compared: timing tells nothing
        matched |= hmac.compare_digest(supplied.encode("utf-8"), expected.encode("utf-8"))
    if not matched:
        return JSONResponse(BAD_KEY_BODY, 401)
    return None


def key_fingerprint(key: str | None) -> str | None:
    """A short, one-way tag of a key, so logs can tell keys apart without holding them."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:12] if key else None


def require_auth(request: Request) -> None:
    response = auth_error(request)
    if response is not None:
        raise ErrorReply(response)


# ----------------------------------------------------------------------------------------------- bodies


async def json_body(request: Request) -> Any:
    """The parsed JSON body. Malformed JSON is a 400 without errorCode, as the API's body parser answers
    ([INF] wording). [INF] Like the API's body parser, a non-JSON content type yields an empty object."""
    content_type = request.headers.get("content-type", "")
    if "json" not in content_type.lower():
        return {}
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise fail(400, None, f"Malformed JSON in request body: {exc}") from None


def json_object(raw: Any) -> dict[str, Any]:
    """A parsed body that must be a JSON object, else the API's 400 for it."""
    if not isinstance(raw, dict):
        raise fail(400, VALIDATION_CODE, ["body: must be a JSON object"], field="body")
    return raw


def query_list(request: Request, name: str) -> list[str]:
    """A comma-separated list parameter ([INF] repeated parameters are accepted too, as the SDK sends them)."""
    values: list[str] = []
    for raw in request.query_params.getlist(name):
        values.extend(v.strip() for v in raw.split(",") if v.strip())
    return values


# ----------------------------------------------------------------------------------------------- validation


def refusal_reply(refusal: Refusal, **extra: Any) -> JSONResponse:
    """A `Refusal` of the sandbox's rules as the API's error reply (reference §11)."""
    return api_error(refusal.status, refusal.code, refusal.message, field=refusal.field, **extra)


def checked(check: Callable[[Any], R], data: Any) -> R:
    """Run one of the sandbox's rules (`sandbox/rules/`) on `data` and return what it read; `raise`s the API's
    reply when it refuses."""
    try:
        return check(data)
    except Refusal as refusal:
        raise ErrorReply(refusal_reply(refusal)) from None
