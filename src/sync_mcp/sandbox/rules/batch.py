"""`POST /v2/batch` (reference §9): the JSON form `{rows, webhook_url?, dry_run?}`, to which the multipart JSONL
form is read first. A refusal inside a row names it: field `rows[N-1]...` and `line_number` N ("Errors name the
failing row by line number (line N = rows[N-1])", §9 Create Batch from Rows).

The codes are the legacy batch codes of §9 and §19 (#79-#85), the only ones the reference names for these
rules; [INF] their status is 400 (the reference's "likely" column; `batch_file_too_large` may be 413).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from typing import Any

from .core import Refusal, array, at, flag, obj, one_of, only, rule, shape, text, web_url
from .generate import check_create

MIN_ROWS = 20
MAX_ROWS = 500
"""§9, §16.2: 20-500 records (default bounds)."""
MAX_JSONL_BYTES = 5 * 1024 * 1024
"""§9: file <= 5 MB ([INF] read as MiB); the JSON form's size is measured as JSONL (§9)."""
PLANS = ("scale", "enterprise")
"""§9: batch is available only on Scale and Enterprise."""
ENDPOINT = "/v2/generate"
"""§9: each line's `endpoint`."""


def check_batch(body: Any) -> None:
    """Refuse a batch body as the API does (§9), or return for one it accepts."""
    body = obj(body, "body")
    only(body, ("rows", "webhook_url", "dry_run"), "")
    rows = array(body, "rows", "", required=True) or []
    if len(rows) < MIN_ROWS:
        raise rule("batch_insufficient_records", "rows", f"has {len(rows)} rows; a batch needs at least {MIN_ROWS}")
    if len(rows) > MAX_ROWS:
        raise rule("batch_too_many_requests", "rows", f"has {len(rows)} rows; a batch takes at most {MAX_ROWS}")
    if text(body, "webhook_url", "") is not None:
        web_url(body["webhook_url"], "webhook_url")  # §12: the batch's webhook, as the create's
    flag(body, "dry_run", "")
    for n, row in enumerate(rows):
        _row(row, n)
    ids = [row["request_id"] for row in rows]
    repeated = [r for r, count in Counter(ids).items() if count > 1]
    if repeated:
        first = ids.index(repeated[0])
        later = ids.index(repeated[0], first + 1)
        refusal = rule("batch_duplicate_request_id", f"rows[{later}].request_id", f"is also that of rows[{first}]")
        raise _in_row(refusal, later)
    size = sum(len(json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode("utf-8")) + 1 for row in rows)
    if size > MAX_JSONL_BYTES:
        raise rule("batch_file_too_large", "rows", f"measure {size} bytes as JSONL; the limit is 5 MB")


def _row(row: Any, n: int) -> None:
    """One record `{request_id, endpoint, payload}` (§9); its payload is a `CreateGenerationDto` (§3.1).
    [INF] A row without `endpoint` is read as `/v2/generate`, the only endpoint a batch runs."""
    path = at("rows", n)
    try:
        row = obj(row, path)
        only(row, ("request_id", "endpoint", "payload"), path)
        text(row, "request_id", path, required=True, min_len=1)
        if row.get("endpoint", ENDPOINT) != ENDPOINT:
            raise rule("batch_invalid_endpoint", at(path, "endpoint"), f"must be exactly {ENDPOINT!r}")
    except Refusal as refusal:
        raise _in_row(refusal, n) from None
    try:
        check_create(row.get("payload"))
    except Refusal as refusal:
        raise _in_row(_under(refusal, at(path, "payload")), n) from None


def _under(refusal: Refusal, prefix: str) -> Refusal:
    """A payload's refusal with its field named from the batch body: `input` -> `rows[7].payload.input`."""
    field = prefix if refusal.field == "body" else at(prefix, refusal.field)
    old = refusal.field
    message = refusal.message
    message = (
        [m.replace(old, field, 1) for m in message] if isinstance(message, list) else message.replace(old, field, 1)
    )
    return Refusal(refusal.status, refusal.code, message, field)


def _in_row(refusal: Refusal, n: int) -> Refusal:
    refusal.line_number = n + 1
    return refusal


STATUSES = ("PENDING", "JOBS_CREATED", "PROCESSING", "COMPLETED", "FAILED")
"""§9 `BatchResponse.status`."""


def check_batch_list(query: dict[str, str]) -> tuple[str | None, datetime | None, datetime | None]:
    """`GET /v2/batch` (§9): `status` (a single value), `created_after`, `created_before` (ISO-8601); returns them.
    [INF] A time without a zone is refused: the reference gives none to assume."""
    only(query, ("status", "created_after", "created_before"), "")
    status = one_of(query, "status", "", STATUSES)
    return status, _moment(query, "created_after"), _moment(query, "created_before")


def _moment(query: dict[str, str], name: str) -> datetime | None:
    if name not in query:
        return None
    try:
        value = datetime.fromisoformat(query[name].replace("Z", "+00:00"))
    except ValueError:
        raise shape(name, "must be an ISO-8601 date and time") from None
    if value.tzinfo is None:
        raise shape(name, "must name its time zone (e.g. 2026-01-31T12:00:00Z)")
    return value
