"""Projects (reference §6): folders for generations and assets."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import Field, field_validator

from ..errors import LOCAL_VALIDATION_CODE
from .shared import RequestModel, ResponseModel, rule_error

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
