"""Webhook deliveries (reference §12): the generation payload and the `Sync-Signature` check.

A delivery is a POST whose header `Sync-Signature: t=<unix-seconds>,v1=<hex>` carries
`hex(HMAC-SHA256(key=secret, msg=t + "." + raw body))`. It is checked against the raw bytes, before
any JSON parsing, in constant time, and refused outside a timestamp tolerance (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from pydantic import ValidationError

from .types.webhooks import GenerationWebhookPayload

SIGNATURE_HEADER = "Sync-Signature"
TOLERANCE_SECONDS = 300.0
"""[INF] The reference documents no tolerance; five minutes is the usual choice (§12)."""


class WebhookError(Exception):
    """A delivery that must be refused; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def signature(secret: str, timestamp: int, raw_body: bytes) -> str:
    """`v1`: hex HMAC-SHA256 of `t + "." + body`, keyed with the whole `whsec_...` string ([INF], §12)."""
    message = str(timestamp).encode("ascii") + b"." + raw_body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, raw_body: bytes, timestamp: int | None = None) -> str:
    """The `Sync-Signature` value for a body (what the API, or the sandbox, sends)."""
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={signature(secret, t, raw_body)}"


def _parse_header(header: str | None) -> tuple[int, list[str]]:
    if not header:
        raise WebhookError(400, f"missing {SIGNATURE_HEADER} header")
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value.lower())
    if timestamp is None or not candidates:
        raise WebhookError(400, f"malformed {SIGNATURE_HEADER} header (expected t=<unix>,v1=<hex>)")
    return timestamp, candidates


def verify(
    secret: str,
    header: str | None,
    raw_body: bytes,
    *,
    now: float | None = None,
    tolerance: float = TOLERANCE_SECONDS,
) -> None:
    """Raise `WebhookError` unless `header` signs `raw_body` with `secret` within `tolerance` seconds."""
    timestamp, candidates = _parse_header(header)
    expected = signature(secret, timestamp, raw_body)
    matched = False
    for candidate in candidates:  # every candidate is compared, so timing says nothing about which
        matched |= hmac.compare_digest(candidate.encode("ascii", "replace"), expected.encode("ascii"))
    if not matched:
        raise WebhookError(401, "signature does not match")
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise WebhookError(401, "timestamp outside the tolerance window")


def parse_payload(raw_body: bytes) -> GenerationWebhookPayload:
    """The delivered generation (call only after `verify`)."""
    try:
        data = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookError(400, "body is not JSON") from None
    try:
        return GenerationWebhookPayload.model_validate(data)
    except ValidationError:
        raise WebhookError(400, "body is not a generation status update") from None
