"""Asset requests (reference §5): upload URL, registration, batch get, update, and the list/count/uploaded queries.

Status: "Errors 401, 500" on most asset pages and "422 possible" on update; a body that breaks the schema is
[INF] 400 generation_input_validation_failed, as everywhere else (§11: "400 invalid body/query").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from . import facts
from .core import VALIDATION_CODE, Refusal, array, is_uuid, number, obj, one_of, only, shape, text, web_url
from .generate import check_project_id

SHA256_HEX = re.compile(r"[0-9a-f]{64}")
"""§5.5 `contentSha256`: 64 lowercase hex."""
BATCH_MAX = 100
"""§5.6 `ids: string | string[1..100]`."""
PAGE_MAX = 100
"""§5.3 `limit` (1-100)."""


def check_upload_url(body: Any) -> dict[str, Any]:
    """`POST /v2/assets/upload` (§5.1): `fileName` (string), `contentType` (string MIME), `size` (integer bytes,
    single upload <= 5 GB), all required. [INF] The reference names no bound below 5 GB and no list of content
    types for this call (§16.1 lists what generations read), so any `type/subtype` and any size from 0 pass."""
    body = obj(body, "body")
    only(body, ("fileName", "contentType", "size"), "")
    text(body, "fileName", "", required=True, min_len=1)
    content_type = text(body, "contentType", "", required=True) or ""
    if "/" not in content_type.split(";", 1)[0]:
        raise shape("contentType", "must be a MIME type such as video/mp4")
    number(body, "size", "", required=True, ge=0, integer=True)
    if body["size"] > facts.MAX_UPLOAD_BYTES:
        raise shape("size", f"{body['size']} bytes is over the 5 GB limit of a single upload")
    return body


def check_create_asset(body: Any) -> dict[str, Any]:
    """`POST /v2/assets` (§5.2): `url` and `type` required; `name`, `visibility`, `projectId` optional (a projectId
    that names no org project is 422 project_not_found)."""
    body = obj(body, "body")
    only(body, ("url", "type", "name", "visibility", "projectId"), "")
    web_url(text(body, "url", "", required=True) or "", "url")
    one_of(body, "type", "", facts.ASSET_TYPES, required=True)
    text(body, "name", "")
    one_of(body, "visibility", "", facts.VISIBILITIES)
    check_project_id(body)
    return body


def check_update_asset(body: Any) -> dict[str, Any]:
    """`PATCH /v2/assets/{id}` (§5.8): all optional; the reference gives types, no ranges."""
    body = obj(body, "body")
    only(body, ("name", "visibility", "durationSeconds", "size", "format", "width", "height"), "")
    text(body, "name", "")
    one_of(body, "visibility", "", facts.VISIBILITIES)
    number(body, "durationSeconds", "")
    for name in ("size", "width", "height"):
        number(body, name, "", integer=True)
    text(body, "format", "")
    return {k: v for k, v in body.items() if v is not None}


def check_asset_batch(body: Any) -> list[str]:
    """`POST /v2/assets/batch` (§5.6): `{ids: string | string[1..100]}`; returns the ids asked for."""
    body = obj(body, "body")
    only(body, ("ids",), "")
    if isinstance(body.get("ids"), str):
        return [body["ids"]]
    ids = array(body, "ids", "", required=True, min_items=1) or []
    if len(ids) > BATCH_MAX or not all(isinstance(i, str) for i in ids):
        raise shape("ids", f"must be an id or a list of 1-{BATCH_MAX} ids")
    return ids


@dataclass(frozen=True)
class AssetQuery:
    """The filters of `GET /v2/assets` (§5.3) and `GET /v2/assets/count` (§5.4), and the list's paging."""

    project_id: str | None = None
    types: tuple[str, ...] = ()
    search_query: str | None = None
    limit: int | None = None
    cursor: str | None = None
    sort_by: str | None = None


def check_asset_query(params: dict[str, Any], *, paged: bool) -> AssetQuery:
    """§5.3/§5.4 query: `projectId`, `types` (list of AUDIO/VIDEO/IMAGE), `searchQuery`; the list adds `limit`
    (1-100), `cursor` and `sortBy`. [INF] `userId` and other parameters are not emulated and so ignored;
    a projectId that is no UUID is a schema failure (the reference gives no code for it)."""
    project = params.get("projectId")
    if project is not None and not is_uuid(project):
        raise shape("projectId", "must be a UUID")
    for kind in params.get("types") or ():
        if kind not in facts.ASSET_TYPES:
            raise Refusal(400, VALIDATION_CODE, [f"types: must be among {', '.join(facts.ASSET_TYPES)}"], "types")
    found = AssetQuery(
        project_id=project, types=tuple(params.get("types") or ()), search_query=params.get("searchQuery")
    )
    if not paged:
        return found
    limit = _int(params, "limit", 1, PAGE_MAX)
    sort_by = one_of(params, "sortBy", "", facts.ASSET_SORTS)
    return AssetQuery(**{**found.__dict__, "limit": limit, "cursor": params.get("cursor") or None, "sort_by": sort_by})


def check_uploaded_query(params: dict[str, Any]) -> tuple[str, str]:
    """`GET /v2/assets/uploaded` (§5.5): `contentSha256` (64 lowercase hex) and `type`, both required."""
    digest = text(params, "contentSha256", "", required=True) or ""
    if not SHA256_HEX.fullmatch(digest):
        raise shape("contentSha256", "must be 64 lowercase hex digits")
    kind = one_of(params, "type", "", facts.ASSET_TYPES, required=True) or ""
    return digest, kind


def _int(params: dict[str, Any], name: str, low: int, high: int) -> int | None:
    raw = params.get(name)
    if raw is None:
        return None
    if not str(raw).lstrip("-").isdigit() or not low <= int(raw) <= high:
        raise shape(name, f"must be an integer from {low} to {high}")
    return int(raw)
