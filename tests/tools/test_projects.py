"""create_project, list_projects, get_project, update_project and delete_project through a real MCP client, against
the sandbox."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.types import CallToolResult

from sync_mcp.sandbox import SandboxServer
from sync_mcp.server import build_server

from ..conftest import AUDIO, CATALOG, TEST_KEY, VIDEO, configured, data, error, make_settings, sent

pytestmark = pytest.mark.anyio


def posts(api: SandboxServer) -> list[Any]:
    return [r for r in sent(api, "/v2/projects") if r.method == "POST"]


@pytest.fixture
def slow_jobs(api: SandboxServer) -> Iterator[SandboxServer]:
    """Generations created meanwhile stay PROCESSING until the test finishes them."""
    with configured(api, processing_seconds=3600) as server:
        yield server


async def create(client: Client, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool("create_project", arguments)
    assert not result.is_error, result.content
    return data(result)


async def test_create_mints_an_id_and_a_repeat_with_it_returns_the_same_project(
    client: Client, api: SandboxServer
) -> None:
    project = await create(client, name="Launch video", description="Q3", visibility="ORGANIZATION")
    assert uuid.UUID(project["id"])
    assert posts(api)[0].body["id"] == project["id"], "the minted id is sent, so a repeat can reuse it"
    assert project["visibility"] == "ORGANIZATION" and project["mode"] == "CREATOR"
    assert project["name"] == "Launch video" and project["createdAt"]
    assert f"projectId={project['id']}" in project["nextStep"]

    again = await create(client, name="Another name", id=project["id"])
    assert again["id"] == project["id"] and again["name"] == "Launch video", "a repeat ignores other fields"
    listed = data(await client.call_tool("list_projects", {}))
    assert [p["id"] for p in listed["projects"]] == [project["id"]]


async def test_a_lost_answer_is_repaired_by_calling_again_with_the_returned_id(api: SandboxServer, mode: str) -> None:
    api.state.script_fault(status=None, drop=True, after_handling=True, method="POST", path="/v2/projects")
    async with Client(build_server(make_settings(api)), mode=mode) as c:  # type: ignore[arg-type]
        err = error(await c.call_tool("create_project", {"name": "Launch video"}))
        assert len(posts(api)) == 1, "a create without a key is not retried automatically"
        minted = re.search(r"id=([0-9a-f-]{36})", err["fix"])
        assert minted, err["fix"]
        again = await create(c, name="Launch video", id=minted[1])
    assert again["id"] == minted[1]
    assert [r.body["id"] for r in posts(api)] == [minted[1], minted[1]]
    everything = data(await _list_all(api, mode))
    assert len(everything["projects"]) == 1, "one project, not two"


async def _list_all(api: SandboxServer, mode: str) -> CallToolResult:
    async with Client(build_server(make_settings(api)), mode=mode) as c:  # type: ignore[arg-type]
        return await c.call_tool("list_projects", {"limit": 100})


async def test_a_deleted_projects_id_cannot_be_reused(client: Client, api: SandboxServer) -> None:
    project = await create(client, name="Old")
    await client.call_tool("delete_project", {"id": project["id"]})
    err = error(await client.call_tool("create_project", {"name": "New", "id": project["id"]}))
    assert err["httpStatus"] == 409 and "without id" in err["fix"]


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "P", "id": "project-1"}, "id"),
        ({"name": "P", "visibility": "PUBLIC"}, "visibility"),
        ({"name": "P", "mode": "ADMIN"}, "mode"),
        ({"name": "P", "defaultWorkflow": "dubbing"}, "defaultWorkflow"),
    ],
)
async def test_create_refuses_bad_input_before_sending(
    client: Client, api: SandboxServer, arguments: dict[str, Any], field: str
) -> None:
    err = error(await client.call_tool("create_project", arguments))
    assert err["field"] == field and err["fix"]
    assert sent(api) == []


async def test_list_pages_with_next_cursor_search_and_sort(client: Client, api: SandboxServer) -> None:
    names = ["delta", "alpha", "echo", "charlie", "bravo"]
    ids = [(await create(client, name=n))["id"] for n in names]

    seen: list[str] = []
    arguments: dict[str, Any] = {"limit": 2}
    while True:
        page = data(await client.call_tool("list_projects", arguments))
        assert page["count"] == len(page["projects"]) <= 2
        seen += [p["id"] for p in page["projects"]]
        if "nextCursor" not in page:
            break
        arguments = {"limit": 2, "cursor": page["nextCursor"]}
    assert seen == list(reversed(ids)), "newest first by default, every project once"

    by_name = data(await client.call_tool("list_projects", {"sortBy": "name"}))
    assert [p["name"] for p in by_name["projects"]] == sorted(names)
    found = data(await client.call_tool("list_projects", {"searchQuery": "HAR"}))
    assert [p["name"] for p in found["projects"]] == ["charlie"]
    assert "searchQuery=HAR" in sent(api, "/v2/projects")[-1].query


@pytest.mark.parametrize(
    "arguments", [{"limit": 0}, {"limit": 101}, {"sortBy": "createdAt"}, {"cursor": ""}, {"searchQuery": ""}]
)
async def test_list_refuses_bad_input_before_sending(
    client: Client, api: SandboxServer, arguments: dict[str, Any]
) -> None:
    err = error(await client.call_tool("list_projects", arguments))
    assert err["field"] == next(iter(arguments))
    assert sent(api) == []


async def test_get_project(client: Client, api: SandboxServer) -> None:
    project = await create(client, name="Launch video", defaultWorkflow="lipsync")
    got = data(await client.call_tool("get_project", {"id": project["id"]}))
    assert {k: got[k] for k in ("id", "name", "defaultWorkflow")} == {
        "id": project["id"],
        "name": "Launch video",
        "defaultWorkflow": "lipsync",
    }
    missing = error(await client.call_tool("get_project", {"id": str(uuid.uuid4())}))
    assert missing["errorCode"] == "project_not_found" and missing["httpStatus"] == 404
    assert missing["fix"] == CATALOG["project_not_found"].fix


async def test_update_project_changes_only_the_fields_given(client: Client, api: SandboxServer) -> None:
    project = await create(client, name="Launch video", description="first cut")
    updated = data(
        await client.call_tool("update_project", {"id": project["id"], "name": "Launch", "visibility": "ORGANIZATION"})
    )
    assert (updated["name"], updated["visibility"], updated["description"]) == ("Launch", "ORGANIZATION", "first cut")
    assert updated["updatedAt"] >= project["updatedAt"] and updated["createdAt"] == project["createdAt"]
    [patch] = [r for r in sent(api, "/v2/projects") if r.method == "PATCH"]
    assert patch.path == f"/v2/projects/{project['id']}"
    assert patch.body == {"name": "Launch", "visibility": "ORGANIZATION"}
    assert data(await client.call_tool("get_project", {"id": project["id"]}))["name"] == "Launch"


async def test_update_project_refusals(client: Client, api: SandboxServer) -> None:
    project = await create(client, name="Launch video")
    nothing = error(await client.call_tool("update_project", {"id": project["id"]}))
    assert "Nothing to change" in nothing["message"]
    bad = error(await client.call_tool("update_project", {"id": project["id"], "mode": "EDITOR"}))
    assert bad["field"] == "mode"
    assert [r for r in sent(api, "/v2/projects") if r.method == "PATCH"] == []
    missing = error(await client.call_tool("update_project", {"id": str(uuid.uuid4()), "name": "x"}))
    assert missing["errorCode"] == "project_not_found" and missing["httpStatus"] == 404


@pytest.mark.parametrize("tool", ["get_project", "delete_project", "update_project"])
async def test_malformed_ids_are_refused_before_sending(client: Client, api: SandboxServer, tool: str) -> None:
    extra = {"name": "x"} if tool == "update_project" else {}
    err = error(await client.call_tool(tool, {"id": "../voices", **extra}))
    assert err["field"] == "id"
    assert sent(api) == []


async def test_delete_waits_for_running_generations(client: Client, slow_jobs: SandboxServer) -> None:
    api = slow_jobs
    project = await create(client, name="Launch video")
    body = {
        "model": "lipsync-2",
        "input": [{"type": "video", "url": VIDEO}, {"type": "audio", "url": AUDIO}],
        "projectId": project["id"],
    }
    generation = data(await client.call_tool("create_generation", body))
    assert generation["projectId"] == project["id"]
    asset = httpx.post(
        f"{api.base_url}/v2/assets",
        headers={"x-api-key": TEST_KEY},
        json={"url": AUDIO, "type": "AUDIO", "projectId": project["id"]},
    ).json()

    refused = error(await client.call_tool("delete_project", {"id": project["id"]}))
    assert refused["httpStatus"] == 409
    assert generation["id"] in refused["fix"] and "get_generation" in refused["fix"]
    assert api.state.get(generation["id"]) is not None, "nothing was deleted"

    record = api.state.get(generation["id"])
    record.pending_seconds = record.processing_seconds = 0  # the job finishes
    deleted = data(await client.call_tool("delete_project", {"id": project["id"]}))
    assert deleted["id"] == project["id"] and deleted["deleted"] is True
    gone = error(await client.call_tool("get_generation", {"id": generation["id"]}))
    assert gone["httpStatus"] == 404, "the project's generations are deleted with it"
    assert error(await client.call_tool("get_project", {"id": project["id"]}))["httpStatus"] == 404
    assert error(await client.call_tool("get_asset", {"id": asset["id"]}))["httpStatus"] == 404, "its assets too"
    assert error(await client.call_tool("delete_project", {"id": project["id"]}))["errorCode"] == "project_not_found"
