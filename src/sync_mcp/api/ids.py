"""Identifiers the client puts on the wire: Idempotency-Keys it mints, and ids it puts into a request path."""

from __future__ import annotations

import json
import re
import secrets

from .errors import SyncAPIError

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._~-]{1,128}$")
"""What an Idempotency-Key may hold (reference §13)."""
ID_SEGMENT = re.compile(r"^[A-Za-z0-9._~-]{1,256}$")
"""What an id may hold to be put into a path as is: RFC 3986 unreserved characters (UUIDs, provider ids)."""


def new_idempotency_key() -> str:
    """One key per logical create, minted before the first attempt and reused on every retry."""
    return "sync-mcp-" + secrets.token_urlsafe(24)


def path_segment(value: str, *, field: str = "id", code: str = "invalid_generation_id") -> str:
    """A path segment from an id: refuse anything that would change the path or could not be sent
    (separators, `%`, spaces, control characters), before any request."""
    if not ID_SEGMENT.match(value) or value in (".", ".."):
        shown = json.dumps(value[:80], ensure_ascii=True)
        raise SyncAPIError(
            http_status=None,
            error_code=code,
            message=f"{field}: {shown} is not a valid id; nothing was sent.",
            suggestion="Pass the id exactly as an earlier result returned it (letters, digits, '-', '_', '.', '~').",
            field=field,
        )
    return value
