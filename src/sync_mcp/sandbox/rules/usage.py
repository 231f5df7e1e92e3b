"""Queries of `GET /v2/usage/generations` (reference §3.10) and `GET /v2/generations/count` (§3.5).

Query values arrive as strings; list parameters as lists (comma-separated or repeated, `http.query_list`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .core import VALIDATION_CODE, Refusal, only, rule, shape

USAGE_PAGE_MAX = 500
"""§3.10 `limit` 1-500 (default 100)."""
STATUSES = ("PENDING", "PROCESSING", "COMPLETED", "FAILED", "REJECTED")
"""§3.4, §3.5 `status` filter values."""
TYPES = ("playground", "api")
"""§3.5 `type`."""
LISTS = ("status", "source", "generationSource")
"""§3.5: the list parameters."""


@dataclass(frozen=True)
class UsageWindow:
    start_time: datetime
    end_time: datetime
    limit: int | None
    cursor: str | None


def utc_time(params: dict[str, Any], name: str) -> datetime:
    """A required UTC ISO-8601 time (§3.10). [INF] A time without a zone is read as UTC, the zone the reference
    asks for."""
    raw = params.get(name)
    if raw is None:
        raise shape(name, "is required")
    try:
        value = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        raise shape(name, "must be an ISO-8601 date and time") from None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def check_usage_query(params: dict[str, Any]) -> UsageWindow:
    """§3.10: `startTime` (required, inclusive), `endTime` (required, exclusive, after startTime), `limit`
    (1-500), `cursor`."""
    only(params, ("startTime", "endTime", "limit", "cursor"), "")
    start, end = utc_time(params, "startTime"), utc_time(params, "endTime")
    if end <= start:
        raise rule(VALIDATION_CODE, "endTime", "must be after startTime")
    limit = params.get("limit")
    if limit is not None and (not str(limit).isdigit() or not 1 <= int(limit) <= USAGE_PAGE_MAX):
        raise shape("limit", f"must be an integer from 1 to {USAGE_PAGE_MAX}")
    cursor = params.get("cursor")
    if cursor is not None and not cursor:
        raise shape("cursor", "must not be empty")
    return UsageWindow(start, end, int(limit) if limit is not None else None, cursor)


@dataclass(frozen=True)
class CountFilter:
    status: tuple[str, ...]
    type: str | None
    source: tuple[str, ...]
    generation_source: tuple[str, ...]
    current_user_only: bool


def check_count_query(params: dict[str, Any]) -> CountFilter:
    """§3.5: `status` (list of statuses), `type` (playground | api), `source` and `generationSource` (lists; the
    reference lists generationSource's values but [INF] leaves an unknown one to match nothing), `currentUserOnly`
    (boolean)."""
    only(params, (*LISTS, "type", "currentUserOnly"), "")
    for name in LISTS:
        if name in params and not params[name]:
            raise shape(name, "must hold at least one value")
    for status in params.get("status") or ():
        if status not in STATUSES:
            raise Refusal(400, VALIDATION_CODE, [f"status: must be among {', '.join(STATUSES)}"], "status")
    kind = params.get("type")
    if kind is not None and kind not in TYPES:
        raise shape("type", f"must be one of: {', '.join(TYPES)}")
    mine = params.get("currentUserOnly")
    if mine is not None and mine not in ("true", "false"):
        raise shape("currentUserOnly", "must be a boolean")
    return CountFilter(
        tuple(params.get("status") or ()),
        kind,
        tuple(params.get("source") or ()),
        tuple(params.get("generationSource") or ()),
        mine == "true",
    )
