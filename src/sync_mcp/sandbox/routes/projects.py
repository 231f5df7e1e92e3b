"""Projects (reference §6): `POST /v2/projects` (idempotent by client `id`), `GET /v2/projects` (cursor
pages), `GET /v2/projects/{id}`, `PATCH /v2/projects/{id}`, `DELETE /v2/projects/{id}` (409 while a generation of it
is running).

Bodies and queries are checked by the sandbox's own reading of §6 (`sandbox/rules/projects.py`).
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..asset_store import asset_store
from ..http import (
    VALIDATION_CODE,
    checked,
    fail,
    json_body,
    json_object,
    require_auth,
    sandbox_state,
)
from ..project_store import DeletedProjectId, ProjectRecord, ProjectStore, project_store
from ..rules.projects import check_create_project, check_project_list, check_update_project

DEFAULT_PAGE = 10
"""Default page size of `GET /v2/projects` (reference §6)."""


def _store(request: Request) -> ProjectStore:
    return project_store(sandbox_state(request))


def _json(record: ProjectRecord) -> dict[str, Any]:
    return record.project.model_dump(mode="json", by_alias=True)


async def create_project(request: Request) -> JSONResponse:
    require_auth(request)
    raw = json_object(await json_body(request))
    body = checked(check_create_project, raw)
    try:
        record, created = _store(request).create(body, str(uuid.uuid4()))
    except DeletedProjectId:
        # [INF] The reference gives the status (409) but no errorCode for a deleted or foreign id.
        raise fail(
            409, None, "A project with this id existed and was deleted; its id cannot be reused.", field="id"
        ) from None
    # [INF] A repeat with a known id answers 200 with the existing project; a new project 201.
    return JSONResponse(_json(record), 201 if created else 200)


async def list_projects(request: Request) -> JSONResponse:
    require_auth(request)
    query = checked(check_project_list, dict(request.query_params))
    records = _store(request).live()
    if query.search_query:
        needle = query.search_query.casefold()
        records = [r for r in records if needle in (r.project.name or "").casefold()]
    if query.sort_by == "name":
        records.sort(key=lambda r: ((r.project.name or "").casefold(), r.seq))
    else:  # [INF] updatedAt (the default) lists the most recently updated first
        records.sort(key=lambda r: (r.project.updated_at or "", r.seq), reverse=True)
    if query.cursor is not None:
        # [INF] The cursor is opaque to clients; the sandbox uses the id of the previous page's last item.
        ids = [r.project.id for r in records]
        if query.cursor not in ids:
            raise fail(400, VALIDATION_CODE, ["cursor must be the nextCursor of a previous page"], field="cursor")
        records = records[ids.index(query.cursor) + 1 :]
    limit = query.limit or DEFAULT_PAGE
    page = records[:limit]
    body: dict[str, Any] = {"items": [_json(r) for r in page]}
    if len(records) > limit:
        body["nextCursor"] = page[-1].project.id
    return JSONResponse(body)


def _find(request: Request) -> ProjectRecord:
    project_id = request.path_params["id"]
    record = _store(request).get(project_id)
    if record is None:
        # [INF] 404 with the catalog's project code, for unknown, deleted and malformed ids alike.
        raise fail(404, "project_not_found", f"Project {project_id} not found.", field="id")
    return record


async def get_project(request: Request) -> JSONResponse:
    require_auth(request)
    return JSONResponse(_json(_find(request)))


async def update_project(request: Request) -> JSONResponse:
    """`PATCH /v2/projects/{id}`: the fields given replace the project's; the reply is the project."""
    require_auth(request)
    record = _find(request)
    raw = json_object(await json_body(request))
    fields = checked(check_update_project, raw)
    return JSONResponse(_json(_store(request).update(record.project.id, fields)))


async def delete_project(request: Request) -> JSONResponse:
    """Soft-deletes the project, its generations and the assets filed under it; 409 while any of its
    generations is queued or processing."""
    require_auth(request)
    state = sandbox_state(request)
    record = _find(request)
    project_id = record.project.id
    running = [r.id for r in state.active() if r.body.get("projectId") == project_id]
    if running:
        # [INF] The reference documents the 409 but no errorCode for it.
        raise fail(
            409,
            None,
            f"Project {project_id} has {len(running)} generation(s) queued or processing; "
            "it can be deleted once they finish.",
        )
    _store(request).delete(project_id)
    for generation in state.all_generations():
        if generation.body.get("projectId") == project_id:
            state.delete_generation(generation.id)
    assets = asset_store(state)
    for asset in assets.live():
        if asset.asset.project_id == project_id:  # a sandbox asset belongs to at most one project
            assets.delete(asset.asset.id)
    return JSONResponse({"id": project_id})  # §6: `{id}`


routes = [
    Route("/v2/projects", create_project, methods=["POST"]),
    Route("/v2/projects", list_projects, methods=["GET"]),
    Route("/v2/projects/{id}", get_project, methods=["GET"]),
    Route("/v2/projects/{id}", delete_project, methods=["DELETE"]),
    Route("/v2/projects/{id}", update_project, methods=["PATCH"]),
]
