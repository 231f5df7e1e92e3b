"""Projects (reference §6): folders for generations and assets, with an idempotent create by client id."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import Field, field_validator

from .client import SyncClient
from .errors import LOCAL_VALIDATION_CODE
from .ids import path_segment
from .models import RequestModel, ResponseModel, check_uuid, rule_error

Visibility = Literal["USER", "ORGANIZATION"]
ProjectMode = Literal["CREATOR", "DEVELOPER"]
Workflow = Literal[
    "lipsync", "translate_and_dub", "change_appearance", "image_to_video", "edit_dialogue", "assistant", "timeline"
]
ProjectSort = Literal["updatedAt", "name"]
DESCRIPTION_TEXT = "What the project is for."
WORKFLOW_TEXT = "Workflow the Sync web app opens it in."


class Project(ResponseModel):
    """A project: a folder of generations and assets."""

    id: str
    created_at: str | None = Field(default=None, alias="createdAt")
    updated_at: str | None = Field(default=None, alias="updatedAt")
    visibility: str | None = None
    mode: str | None = None
    name: str | None = None
    description: str | None = None
    default_workflow: str | None = Field(default=None, alias="defaultWorkflow")


class CreateProjectRequest(RequestModel):
    """Body of `POST /v2/projects`. With `id`, a repeat returns the existing project unchanged."""

    name: str = Field(min_length=1, description="Project name.")
    id: str | None = Field(
        default=None, description="Your own UUID for an idempotent create; reusing it returns the same project."
    )
    visibility: Visibility | None = Field(default=None, description="USER (default) or ORGANIZATION.")
    mode: ProjectMode | None = Field(default=None, description="CREATOR (default) or DEVELOPER.")
    description: str | None = Field(default=None, description=DESCRIPTION_TEXT)
    default_workflow: Workflow | None = Field(default=None, alias="defaultWorkflow", description=WORKFLOW_TEXT)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str | None) -> str | None:
        try:
            return None if v is None else str(uuid.UUID(v))
        except ValueError:
            raise rule_error(
                LOCAL_VALIDATION_CODE,
                "id",
                "must be a UUID",
                "Omit id to have one minted, or pass a UUID of your own (the same one on every retry).",
            ) from None


class UpdateProjectRequest(RequestModel):
    """Body of `PATCH /v2/projects/{id}` (reference §6): any of these fields; those left out stay as they are."""

    name: str | None = Field(default=None, min_length=1, description="New name.")
    description: str | None = Field(default=None, description=DESCRIPTION_TEXT)
    visibility: Visibility | None = Field(default=None, description="USER or ORGANIZATION.")
    mode: ProjectMode | None = Field(default=None, description="CREATOR or DEVELOPER.")
    default_workflow: Workflow | None = Field(default=None, alias="defaultWorkflow", description=WORKFLOW_TEXT)


class ProjectListQuery(RequestModel):
    """Query of `GET /v2/projects`."""

    limit: int | None = Field(default=None, ge=1, le=100, description="Page size 1-100 (API default 10).")
    cursor: str | None = Field(default=None, min_length=1, description="nextCursor of the previous page.")
    search_query: str | None = Field(default=None, alias="searchQuery", description="Words to find in names.")
    sort_by: ProjectSort | None = Field(default=None, alias="sortBy", description="updatedAt (default) or name.")


class ProjectPage(ResponseModel):
    """`GET /v2/projects` answer: one page and the cursor of the next (absent on the last page)."""

    items: list[Project]
    next_cursor: str | None = Field(default=None, alias="nextCursor")


class DeletedProject(ResponseModel):
    id: str


def project_path(project_id: str) -> str:
    check_uuid(project_id, "id", "project_not_found")
    return f"/v2/projects/{path_segment(project_id)}"


async def create_project(client: SyncClient, body: CreateProjectRequest) -> Project:
    """`POST /v2/projects`. Only safe to repeat when `body.id` is set (the API dedupes on it)."""
    return (await client.request_reply("POST", "/v2/projects", json=body.to_wire())).read(Project)


async def list_projects(client: SyncClient, query: ProjectListQuery) -> ProjectPage:
    params: dict[str, Any] = query.to_wire()
    return (await client.request_reply("GET", "/v2/projects", params=params)).read(ProjectPage)


async def get_project(client: SyncClient, project_id: str) -> Project:
    return (await client.request_reply("GET", project_path(project_id))).read(Project)


async def update_project(client: SyncClient, project_id: str, body: UpdateProjectRequest) -> Project:
    """`PATCH /v2/projects/{id}`: the project as it is after the change."""
    return Project.model_validate(await client.request_json("PATCH", project_path(project_id), json=body.to_wire()))


async def delete_project(client: SyncClient, project_id: str) -> DeletedProject:
    """`DELETE /v2/projects/{id}`: 409 while any of its generations is queued or processing."""
    return (await client.request_reply("DELETE", project_path(project_id))).read(DeletedProject)
