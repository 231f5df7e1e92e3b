"""Assets (reference §5): upload URLs, registration, lookup by SHA-256, list, count, batch get, get, update,
delete, download URL; and the asset check of `POST /v2/generate`. The storage side (the presigned upload
URL, the stored files) is `storage.py`.

Requests are checked by the sandbox's own reading of §5 (`sandbox/rules/assets.py`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from ..asset_store import AssetRecord, owner_of
from ..http import (
    VALIDATION_CODE,
    checked,
    fail,
    json_body,
    json_object,
    path_uuid,
    query_list,
    require_auth,
    sandbox_state,
)
from ..project_store import unknown_project
from ..rules.assets import (
    AssetQuery,
    check_asset_batch,
    check_asset_query,
    check_create_asset,
    check_update_asset,
    check_upload_url,
    check_uploaded_query,
)
from ..rules.facts import file_format
from .storage import storage_key, storage_url, store_of, upload_url

DEFAULT_PAGE = 10
"""[3P] Default page size of `GET /v2/assets` per the full spec (reference §5.3)."""


def _owner(request: Request) -> str:
    require_auth(request)
    return owner_of(request.headers["x-api-key"])


def _asset_json(record: AssetRecord) -> dict[str, Any]:
    return record.asset.model_dump(mode="json", by_alias=True)


def _find(request: Request, owner: str) -> AssetRecord:
    # [INF] The catalog's code for a malformed id; the reference gives no status (400 is the likely one).
    asset_id = path_uuid(request, "invalid_asset_id_format", "asset")
    record = store_of(request).get(asset_id)
    # [INF] Another user's private asset is invisible to this key: answered like an unknown id.
    if record is None or (record.asset.visibility == "USER" and record.owner != owner):
        raise fail(404, "asset_not_found", f"Asset {asset_id} not found.", field="id")
    return record


# ----------------------------------------------------------------------------------------------- upload URL


async def create_upload_url(request: Request) -> JSONResponse:
    owner = _owner(request)
    body = checked(check_upload_url, json_object(await json_body(request)))
    store = store_of(request)
    slot = store.new_slot(body["fileName"], body["contentType"], body["size"], owner)
    return JSONResponse(
        {
            "uploadUrl": upload_url(request, slot.token),
            "url": storage_url(request, slot.key),
            "expiresIn": store.upload_ttl_seconds,
        },
        201,
    )


# ----------------------------------------------------------------------------------------------- assets


async def create_asset(request: Request) -> JSONResponse:
    owner = _owner(request)
    body = checked(check_create_asset, json_object(await json_body(request)))
    url: str = body["url"]
    store = store_of(request)
    if unknown_project(sandbox_state(request), body.get("projectId")):
        raise fail(422, "project_not_found", "Project not found.", field="projectId")
    fields: dict[str, Any] = {
        "type": body["type"],
        "visibility": body.get("visibility") or "USER",
        "url": url,
        "projectId": body.get("projectId"),
    }
    key = storage_key(request, url)
    sha256: str | None = None
    if key is None:
        # A public URL: [INF] registered as given (the API's fetch of it is not emulated).
        path_name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
        fields |= {"inputType": "URL", "name": body.get("name") or path_name or url, "format": _fmt(path_name, None)}
    else:
        # [INF] The three registration refusals are answered 422 (documented for the size limit only).
        stored = store.file(key)
        if stored is None:
            raise fail(
                422, "uploaded_file_not_found", "No uploaded file was found at this url: PUT it first.", field="url"
            )
        if stored.owner != owner:
            raise fail(422, "file_not_in_org_storage", "The file is not in this organization's storage.", field="url")
        if stored.size > store.plan_file_size_limit:
            raise fail(
                422,
                "file_size_exceeds_plan_limit",
                f"The file is {stored.size} bytes; the plan allows {store.plan_file_size_limit} bytes per file.",
                field="url",
            )
        file_name = key.split("/", 1)[-1]
        sha256 = stored.sha256
        fields |= {
            "inputType": "UPLOAD",
            "name": body.get("name") or file_name,
            "size": stored.size,
            "format": _fmt(file_name, stored.content_type),
        }
    record = store.add_asset(fields, owner, sha256)
    return JSONResponse(_asset_json(record), 201)


def _fmt(file_name: str, content_type: str | None) -> str | None:
    """The asset's `format` (reference §5): its file's extension, else the subtype of its content type."""
    found = file_format(file_name)
    if found is not None:
        return found
    return content_type.split("/", 1)[-1] if content_type else None


async def find_uploaded(request: Request) -> JSONResponse:
    owner = _owner(request)
    raw = {k: request.query_params[k] for k in ("contentSha256", "type") if k in request.query_params}
    digest, kind = checked(check_uploaded_query, raw)
    matches = [r for r in store_of(request).live() if r.sha256 == digest and r.asset.type == kind and r.owner == owner]
    return JSONResponse({"asset": _asset_json(matches[-1]) if matches else None})


def _query(request: Request, *, paged: bool = True) -> AssetQuery:
    """[INF] Query parameters this emulator does not know (e.g. `userId`) are ignored."""
    raw: dict[str, Any] = dict(request.query_params)
    if "types" in raw:
        raw["types"] = query_list(request, "types")
    return checked(lambda params: check_asset_query(params, paged=paged), raw)


def _filtered(request: Request, query: AssetQuery, owner: str) -> list[AssetRecord]:
    needle = (query.search_query or "").lower()
    return [
        r
        for r in store_of(request).live()
        if (r.asset.visibility != "USER" or r.owner == owner)
        and (query.project_id is None or r.asset.project_id == query.project_id)
        and (not query.types or r.asset.type in query.types)
        and (not needle or needle in (r.asset.name or "").lower())
    ]


_SORT_KEYS: dict[str, Any] = {
    "date": lambda r: r.seq,
    "name": lambda r: ((r.asset.name or "").lower(), r.seq),
    "duration": lambda r: (r.asset.duration_seconds is None, r.asset.duration_seconds or 0.0, r.seq),
    "size": lambda r: (r.asset.size is None, r.asset.size or 0, r.seq),
    "kind": lambda r: (r.asset.type, r.seq),
}


async def list_assets(request: Request) -> JSONResponse:
    owner = _owner(request)
    query = _query(request)
    sort_by = query.sort_by or "dateDesc"  # [INF] newest first unless asked otherwise
    descending = sort_by.endswith("Desc")
    records = sorted(_filtered(request, query, owner), key=_SORT_KEYS[sort_by.removesuffix("Desc").removesuffix("Asc")])
    if descending:
        records.reverse()
    start = 0
    if query.cursor is not None:
        # [INF] The cursor is opaque to clients; here it is the id of the previous page's last item.
        ids = [r.asset.id for r in records]
        if query.cursor not in ids:
            raise fail(400, VALIDATION_CODE, ["cursor must be the nextCursor of the previous page"], field="cursor")
        start = ids.index(query.cursor) + 1
    limit = query.limit or DEFAULT_PAGE
    page = records[start : start + limit]
    more = start + limit < len(records)
    return JSONResponse(
        {
            "items": [_asset_json(r) for r in page],
            "nextCursor": page[-1].asset.id if more and page else None,
            "totalCount": len(records),
        }
    )


async def count_assets(request: Request) -> JSONResponse:
    """A bare integer (reference §5.4)."""
    owner = _owner(request)
    query = _query(request, paged=False)
    return JSONResponse(len(_filtered(request, query, owner)))


async def get_assets(request: Request) -> JSONResponse:
    """`POST /v2/assets/batch`: the listed assets this key may read, in the order asked; others are silently
    left out (reference §5.6). [INF] An id repeated in the list is answered once."""
    owner = _owner(request)
    wanted = checked(check_asset_batch, json_object(await json_body(request)))
    store = store_of(request)
    found: dict[str, AssetRecord] = {}
    for asset_id in wanted:
        record = store.get(asset_id) if asset_id not in found else None
        if record is not None and (record.asset.visibility != "USER" or record.owner == owner):
            found[asset_id] = record
    return JSONResponse([_asset_json(r) for r in found.values()])


async def get_asset(request: Request) -> JSONResponse:
    return JSONResponse(_asset_json(_find(request, _owner(request))))


def _owned(request: Request, owner: str, verb: str) -> AssetRecord:
    """The asset of the path, if this key may change it: API keys may only change assets of the key's owner;
    organisation-shared assets need an admin/owner session (reference §5.8-5.9)."""
    record = _find(request, owner)
    if record.owner != owner or record.asset.visibility == "ORGANIZATION":
        raise fail(
            403,
            "asset_forbidden",
            f"This API key may not {verb} this asset: it is shared with the organization or owned by another user.",
            field="id",
        )
    return record


async def update_asset(request: Request) -> JSONResponse:
    """`PATCH /v2/assets/{id}`: the fields given replace the asset's; the reply is the asset (reference §5.8)."""
    owner = _owner(request)
    record = _owned(request, owner, "change")
    fields = checked(check_update_asset, json_object(await json_body(request)))
    return JSONResponse(_asset_json(store_of(request).update(record.asset.id, fields)))


async def delete_asset(request: Request) -> JSONResponse:
    owner = _owner(request)
    record = _owned(request, owner, "delete")
    store_of(request).delete(record.asset.id)
    return JSONResponse({"id": record.asset.id})


async def asset_download_url(request: Request) -> PlainTextResponse:
    record = _find(request, _owner(request))
    return PlainTextResponse(record.asset.url or "")


# ----------------------------------------------------------------------------------------------- generations


def require_known_assets(request: Request, body: dict[str, Any]) -> None:
    """Refuse a create whose input names an asset this key cannot use.

    [INF] The reference does not say how `POST /v2/generate` answers an unknown `assetId`; the catalog's
    `asset_not_found` (documented 404) is the closest code, so it is used with that status.
    """
    owner = owner_of(request.headers.get("x-api-key", ""))
    store = store_of(request)
    for n, item in enumerate(body.get("input") or []):
        asset_id = item.get("assetId") if isinstance(item, dict) else None
        if not isinstance(asset_id, str):
            continue
        record = store.get(asset_id)
        if record is None or (record.asset.visibility == "USER" and record.owner != owner):
            raise fail(404, "asset_not_found", f"Asset {asset_id} not found.", field=f"input[{n}].assetId")


routes = [
    Route("/v2/assets/upload", create_upload_url, methods=["POST"]),
    Route("/v2/assets/uploaded", find_uploaded, methods=["GET"]),
    Route("/v2/assets/count", count_assets, methods=["GET"]),
    Route("/v2/assets/batch", get_assets, methods=["POST"]),
    Route("/v2/assets", create_asset, methods=["POST"]),
    Route("/v2/assets", list_assets, methods=["GET"]),
    Route("/v2/assets/{id}/download", asset_download_url, methods=["GET"]),
    Route("/v2/assets/{id}", get_asset, methods=["GET"]),
    Route("/v2/assets/{id}", delete_asset, methods=["DELETE"]),
    Route("/v2/assets/{id}", update_asset, methods=["PATCH"]),
]
