"""The building blocks of the sandbox's own reading of the reference: a `Refusal` (status, errorCode, field,
message, as reference §11 shapes an error body) and small readers that check one field of a parsed JSON body.

Field paths are spelled as the API's validation pipe names them: `input[0].provider.script`. Shape failures
(a missing field, a wrong type, a value out of range) are 400 `generation_input_validation_failed` with the
NestJS-style list of messages (reference §11: "validation errors may be a list"); a named rule of the reference
is its own errorCode with its sentence as the message.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Collection
from typing import Any
from urllib.parse import urlsplit

VALIDATION_CODE = "generation_input_validation_failed"
"""The catalog's code for a body that breaks the schema (reference §19 #4)."""


class Refusal(Exception):
    """A request the API refuses: what its error body says (reference §11)."""

    def __init__(self, status: int, code: str | None, message: str | list[str], field: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.line_number: int | None = None
        """The batch line (1-based) a refusal of a batch row is about (reference §9)."""


def shape(field: str, message: str) -> Refusal:
    """400 generation_input_validation_failed for a value that breaks the schema."""
    return Refusal(400, VALIDATION_CODE, [f"{field}: {message}"], field)


def rule(code: str, field: str, message: str, status: int = 400) -> Refusal:
    """A documented rule's own refusal. [INF] 400 unless the reference documents another status (§11: invalid
    body -> 400; 422 only for the codes it lists)."""
    return Refusal(status, code, f"{field}: {message}", field)


def at(path: str, key: str | int) -> str:
    """`at("input", 0)` -> `input[0]`; `at("input[0]", "url")` -> `input[0].url`."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def obj(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise shape(path or "body", "must be an object")
    return value


def only(body: dict[str, Any], allowed: Collection[str], path: str) -> None:
    """Unknown keys are refused with the wording of the API's whitelisting validation pipe (NestJS
    `forbidNonWhitelisted`). [INF] The reference lists each body's fields but does not say unknown ones are
    refused; a typo such as `syncMode` silently ignored would be worse, and this is what the pipe does."""
    for key in body:
        if key not in allowed:
            name = at(path, key)
            raise Refusal(400, VALIDATION_CODE, [f"property {name} should not exist"], name)


def present(body: dict[str, Any], key: str, path: str, required: bool) -> bool:
    if body.get(key) is not None:
        return True
    if required:
        raise shape(at(path, key), "is required")
    return False


def text(
    body: dict[str, Any], key: str, path: str, *, required: bool = False, min_len: int = 0, max_len: int | None = None
) -> str | None:
    if not present(body, key, path, required):
        return None
    value = body[key]
    name = at(path, key)
    if not isinstance(value, str):
        raise shape(name, "must be a string")
    if len(value) < min_len:
        raise shape(name, f"must be at least {min_len} character(s) long")
    if max_len is not None and len(value) > max_len:
        raise shape(name, f"must be at most {max_len} characters long")
    return value


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def number(
    body: dict[str, Any],
    key: str,
    path: str,
    *,
    required: bool = False,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    integer: bool = False,
) -> float | None:
    if not present(body, key, path, required):
        return None
    value = body[key]
    name = at(path, key)
    if not is_number(value) or (integer and not float(value).is_integer()):
        raise shape(name, "must be an integer" if integer else "must be a number")
    if ge is not None and value < ge:
        raise shape(name, f"must be greater than or equal to {ge}")
    if gt is not None and value <= gt:
        raise shape(name, f"must be greater than {gt}")
    if le is not None and value > le:
        raise shape(name, f"must be less than or equal to {le}")
    return float(value)


def flag(body: dict[str, Any], key: str, path: str) -> bool | None:
    if not present(body, key, path, False):
        return None
    if not isinstance(body[key], bool):
        raise shape(at(path, key), "must be a boolean")
    return bool(body[key])


def one_of(
    body: dict[str, Any],
    key: str,
    path: str,
    allowed: Collection[str],
    *,
    required: bool = False,
    code: str = VALIDATION_CODE,
) -> str | None:
    if not present(body, key, path, required):
        return None
    value = body[key]
    if value not in allowed or not isinstance(value, str):
        name = at(path, key)
        raise Refusal(400, code, [f"{name}: must be one of: {', '.join(allowed)}"], name)
    return value


def array(body: dict[str, Any], key: str, path: str, *, required: bool = False, min_items: int = 0) -> list[Any] | None:
    if not present(body, key, path, required):
        return None
    value = body[key]
    name = at(path, key)
    if not isinstance(value, list):
        raise shape(name, "must be an array")
    if len(value) < min_items:
        raise shape(name, f"must contain at least {min_items} element(s)")
    return value


def is_uuid(value: str) -> bool:
    """A UUID in its 36- or 32-character spelling: every id the API mints (§3.11, §5, §6)."""
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return len(value) in (32, 36)


def web_url(value: str, field: str) -> None:
    """A URL the API is to fetch or call. [INF] The reference asks for public, fetchable URLs (§3.1.1) and an
    HTTPS webhook (§12) but names no create-time refusal for other schemes or for `user:password@` in the URL;
    this sandbox refuses both with 400 generation_input_validation_failed (what a URL validator of the API's
    pipe answers), rather than accepting a job that could only fail."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise rule(VALIDATION_CODE, field, "must be an absolute http(s) URL")
    if parts.username or parts.password:
        raise rule(VALIDATION_CODE, field, "must not embed credentials (user:password@)")
