"""Project requests (reference §6): create, update, and the list query."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from . import facts
from .core import obj, one_of, only, shape, text

FIELDS = ("name", "description", "visibility", "mode", "defaultWorkflow")
"""§6: the fields of `PATCH /v2/projects/{id}`, and of `POST` beside `name` (required there) and `id`."""
PAGE_MAX = 100
"""§6 `GET /v2/projects` `limit` (1-100, default 10)."""
SORTS = ("updatedAt", "name")
"""§6 `sortBy` (`updatedAt` default)."""


def _fields(body: dict[str, Any]) -> None:
    text(body, "description", "")
    one_of(body, "visibility", "", facts.VISIBILITIES)
    one_of(body, "mode", "", facts.PROJECT_MODES)
    one_of(body, "defaultWorkflow", "", facts.WORKFLOWS)  # "or null" (§6): a null is left out


def check_create_project(body: Any) -> dict[str, Any]:
    """`POST /v2/projects` (§6): `name` required; `id` is the caller's own UUID for an idempotent create (returned
    in its canonical spelling). [INF] An empty name names nothing: refused as a schema failure."""
    body = obj(body, "body")
    only(body, ("id", *FIELDS), "")
    text(body, "name", "", required=True, min_len=1)
    _fields(body)
    if text(body, "id", "") is None:
        return body
    try:
        return {**body, "id": str(uuid.UUID(body["id"]))}
    except ValueError:
        raise shape("id", "must be a UUID") from None


def check_update_project(body: Any) -> dict[str, Any]:
    """`PATCH /v2/projects/{id}` (§6): any of the five fields; returns those given (nulls left out)."""
    body = obj(body, "body")
    only(body, FIELDS, "")
    text(body, "name", "", min_len=1)
    _fields(body)
    return {k: v for k, v in body.items() if v is not None}


@dataclass(frozen=True)
class ProjectQuery:
    limit: int | None
    cursor: str | None
    search_query: str | None
    sort_by: str | None


def check_project_list(params: dict[str, Any]) -> ProjectQuery:
    """`GET /v2/projects` (§6): `limit` (1-100), `cursor`, `searchQuery`, `sortBy` (updatedAt | name)."""
    only(params, ("limit", "cursor", "searchQuery", "sortBy"), "")
    raw = params.get("limit")
    if raw is not None and (not raw.isdigit() or not 1 <= int(raw) <= PAGE_MAX):
        raise shape("limit", f"must be an integer from 1 to {PAGE_MAX}")
    sort_by = one_of(params, "sortBy", "", SORTS)
    cursor = text(params, "cursor", "", min_len=1)
    return ProjectQuery(int(raw) if raw is not None else None, cursor, params.get("searchQuery"), sort_by)
