"""Project tools: create (idempotent with an id), list, get, update and delete the folders that hold generations."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from sync_mcp.api import SyncAPIError
from sync_mcp.api.errors import TransportError
from sync_mcp.api.types.projects import (
    CreateProjectRequest,
    DeletedProject,
    Project,
    ProjectListQuery,
    ProjectSort,
    UpdateProjectRequest,
)
from sync_mcp.api.types.shared import check_uuid
from sync_mcp.guidance import steps
from sync_mcp.toolkit.arguments import require_a_change
from sync_mcp.toolkit.results import ok, sync_tool
from sync_mcp.toolkit.state import tool_state

DEFAULT_PAGE = 20
IN_FLIGHT = ["PENDING", "PROCESSING"]
MAX_IDS_SHOWN = 5


class ProjectResult(Project):
    next_step: str = Field(alias="nextStep")


class ProjectPageResult(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    projects: list[Project]
    count: int
    next_cursor: str | None = Field(default=None, alias="nextCursor", description="cursor for the next page.")


class DeletedProjectResult(DeletedProject):
    deleted: bool = True
    note: str


def _project_id(value: str) -> str:
    return check_uuid(value.strip(), "id", "project_not_found")


ProjectId = Annotated[
    str, AfterValidator(_project_id), Field(description="Project id (a UUID) from create_project or list_projects.")
]


@sync_tool(title="Create a project", read_only=False, destructive=False, idempotent=False)
async def create_project(
    ctx: Context[Any, Any], args: CreateProjectRequest
) -> Annotated[CallToolResult, ProjectResult]:
    """Create a project (POST /v2/projects) to group generations and assets.

    Safe to repeat: a UUID id is minted when you give none and returned; calling again with that same id returns
    the existing project instead of a second one (its other fields are then ignored).
    """
    body = args if args.id else args.model_copy(update={"id": str(uuid.uuid4())})
    try:
        project = await tool_state(ctx).client.projects.create(body)
    except TransportError as exc:
        exc.suggestion = (
            f"Call create_project again with the same arguments and id={body.id}: if the first call went through "
            "it returns that project, otherwise it creates it. Never drop or change the id."
        )
        raise
    except SyncAPIError as exc:
        if exc.http_status == 409:
            exc.suggestion = (
                f"The id {body.id} belongs to a deleted project or to another account and cannot be reused: "
                "call create_project without id to get a new one."
            )
        raise
    return ok(ProjectResult.model_validate({**project.to_wire(), "nextStep": steps.use_project(project.id)}))


@sync_tool(title="List projects", read_only=True)
async def list_projects(
    ctx: Context[Any, Any],
    limit: Annotated[int, Field(ge=1, le=100, description="Page size, 1-100.")] = DEFAULT_PAGE,
    cursor: Annotated[str | None, Field(min_length=1, description="nextCursor of the previous page.")] = None,
    searchQuery: Annotated[str | None, Field(min_length=1, description="Words to find in project names.")] = None,
    sortBy: Annotated[ProjectSort | None, Field(description="updatedAt (default, newest first) or name.")] = None,
) -> Annotated[CallToolResult, ProjectPageResult]:
    """The organisation's projects (GET /v2/projects), one page at a time.

    When nextCursor is present, call again with cursor=nextCursor for the next page.
    """
    query = ProjectListQuery(limit=limit, cursor=cursor, search_query=searchQuery, sort_by=sortBy)
    page = await tool_state(ctx).client.projects.list(query)
    return ok(ProjectPageResult(projects=page.items, count=len(page.items), next_cursor=page.next_cursor))


@sync_tool(title="Get a project", read_only=True)
async def get_project(id: ProjectId, ctx: Context[Any, Any]) -> Annotated[CallToolResult, ProjectResult]:
    """One project (GET /v2/projects/{id}): name, description, visibility, mode, default workflow, dates."""
    project = await tool_state(ctx).client.projects.get(id)
    return ok(ProjectResult.model_validate({**project.to_wire(), "nextStep": steps.use_project(project.id)}))


@sync_tool(title="Update a project", read_only=False, destructive=False, idempotent=True)
async def update_project(
    ctx: Context[Any, Any], args: UpdateProjectRequest, id: ProjectId
) -> Annotated[CallToolResult, ProjectResult]:
    """Change a project's name, description, visibility, mode or default workflow (PATCH /v2/projects/{id})."""
    require_a_change(args, "name or description")
    project = await tool_state(ctx).client.projects.update(id, args)
    return ok(ProjectResult.model_validate({**project.to_wire(), "nextStep": steps.use_project(project.id)}))


@sync_tool(title="Delete a project", read_only=False, destructive=True, idempotent=True)
async def delete_project(id: ProjectId, ctx: Context[Any, Any]) -> Annotated[CallToolResult, DeletedProjectResult]:
    """Delete a project (DELETE /v2/projects/{id}) together with its generations; assets that belong to no
    other project are deleted too.

    Refused (409) while any of its generations is queued or processing: wait for them to finish, then retry.
    """
    state = tool_state(ctx)
    try:
        deleted = await state.client.projects.delete(id)
    except SyncAPIError as exc:
        if exc.http_status != 409:
            raise
        try:
            running = [g.id for g in await state.client.generations.list(status=IN_FLIGHT, project_id=id, limit=100)]
        except SyncAPIError:
            running = []
        shown = ", ".join(running[:MAX_IDS_SHOWN]) + (" ..." if len(running) > MAX_IDS_SHOWN else "")
        exc.suggestion = (
            "A project cannot be deleted while any of its generations is queued or processing. "
            + (f"In flight: {shown}. Call get_generation with wait=true on each, " if running else "Wait for them, ")
            + "then call delete_project again."
        )
        raise
    note = "The project and its generations were deleted; assets linked to no other project were deleted too."
    return ok(DeletedProjectResult(id=deleted.id, note=note))
