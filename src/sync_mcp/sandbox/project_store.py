"""What the sandbox remembers about projects. Deleted projects are kept (soft-deleted, as the API does)
so that re-using a deleted project's id is refused."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from sync_mcp.api import Project

from .state import SandboxState, iso_now, updated

STORE_NAME = "projects"


@dataclass
class ProjectRecord:
    project: Project
    seq: int
    deleted: bool = False


class DeletedProjectId(Exception):
    """The client-supplied id belongs to a deleted project."""


class ProjectStore:
    def __init__(self) -> None:
        self.projects: dict[str, ProjectRecord] = {}
        self._seq = 0
        self._lock = threading.RLock()

    def create(self, body: dict[str, Any], new_id: str) -> tuple[ProjectRecord, bool]:
        """The project with the body's `id` if it exists (other fields ignored), else a new one: (record, created).
        `body` is a create body the rules accepted (`rules/projects.py`)."""
        given = body.get("id")
        with self._lock:
            if given is not None and given in self.projects:
                record = self.projects[given]
                if record.deleted:
                    raise DeletedProjectId(given)
                return record, False
            now = iso_now()
            fields: dict[str, Any] = {
                "id": given or new_id,
                "createdAt": now,
                "updatedAt": now,
                "visibility": body.get("visibility") or "USER",
                "mode": body.get("mode") or "CREATOR",
                "name": body["name"],
                "description": body.get("description"),
                "defaultWorkflow": body.get("defaultWorkflow"),
            }
            self._seq += 1
            record = ProjectRecord(project=Project.model_validate(fields), seq=self._seq)
            self.projects[record.project.id] = record
            return record, True

    def get(self, project_id: str) -> ProjectRecord | None:
        record = self.projects.get(project_id)
        return None if record is None or record.deleted else record

    def update(self, project_id: str, fields: dict[str, Any]) -> ProjectRecord:
        """Replace the given wire fields of a project (and its `updatedAt`)."""
        with self._lock:
            record = self.projects[project_id]
            record.project = updated(record.project, fields)
            return record

    def live(self) -> list[ProjectRecord]:
        with self._lock:
            return [r for r in self.projects.values() if not r.deleted]

    def delete(self, project_id: str) -> None:
        with self._lock:
            self.projects[project_id].deleted = True


def project_store(state: SandboxState) -> ProjectStore:
    return state.store(STORE_NAME, ProjectStore)


def unknown_project(state: SandboxState, project_id: str | None) -> bool:
    """True when a `projectId` names no live project of the organisation.

    Creates and asset registrations answer that with 422 `project_not_found` (reference §5.2; the same
    rule is assumed for `POST /v2/generate`, as the reference notes [INF]).
    """
    return project_id is not None and project_store(state).get(project_id) is None
