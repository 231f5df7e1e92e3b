"""Projects (reference §6): folders for generations and assets, with an idempotent create by client id."""

from __future__ import annotations

from typing import Any

from sync_mcp.api.types.shared import path_segment

from ..types.projects import (
    CreateProjectRequest,
    DeletedProject,
    Project,
    ProjectListQuery,
    ProjectPage,
    UpdateProjectRequest,
)
from ..types.shared import check_uuid
from .base import Resource


def project_path(project_id: str) -> str:
    check_uuid(project_id, "id", "project_not_found")
    return f"/v2/projects/{path_segment(project_id)}"


class Projects(Resource):
    """`client.projects`."""

    async def create(self, body: CreateProjectRequest) -> Project:
        """`POST /v2/projects`. Only safe to repeat when `body.id` is set (the API dedupes on it)."""
        return (await self._client.request_reply("POST", "/v2/projects", json=body.to_wire())).read(Project)

    async def list(self, query: ProjectListQuery) -> ProjectPage:
        params: dict[str, Any] = query.to_wire()
        return (await self._client.request_reply("GET", "/v2/projects", params=params)).read(ProjectPage)

    async def get(self, project_id: str) -> Project:
        return (await self._client.request_reply("GET", project_path(project_id))).read(Project)

    async def update(self, project_id: str, body: UpdateProjectRequest) -> Project:
        """`PATCH /v2/projects/{id}`: the project as it is after the change."""
        data = await self._client.request_json("PATCH", project_path(project_id), json=body.to_wire())
        return Project.model_validate(data)

    async def delete(self, project_id: str) -> DeletedProject:
        """`DELETE /v2/projects/{id}`: 409 while any of its generations is queued or processing."""
        return (await self._client.request_reply("DELETE", project_path(project_id))).read(DeletedProject)
