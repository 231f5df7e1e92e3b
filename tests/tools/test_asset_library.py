"""Asset updates, counts and reads by id (PATCH /v2/assets/{id}, GET /v2/assets/count, POST /v2/assets/batch)
through a real MCP client against the sandbox; the sandbox's replies as the official SDK reads them."""

from __future__ import annotations

import uuid

import httpx
import pytest
from mcp import Client
from sync.common.types import Asset as SdkAsset
from sync.core.pydantic_utilities import parse_obj_as

from sync_mcp.sandbox import SandboxServer
from sync_mcp.server import build_server

from ..conftest import TEST_KEY, data, error, make_settings, new_project, sent

pytestmark = pytest.mark.anyio

VIDEO = "https://media.example.com/library/clip.mp4"
AUDIO = "https://media.example.com/library/line.wav"


async def register(client: Client, url: str = VIDEO, kind: str = "VIDEO", **extra: str) -> str:
    return str(data(await client.call_tool("register_asset", {"url": url, "type": kind, **extra}))["id"])


# ----------------------------------------------------------------------------------------------- update_asset


async def test_update_changes_only_the_fields_given(client: Client, api: SandboxServer) -> None:
    asset_id = await register(client, name="before")
    updated = data(
        await client.call_tool("update_asset", {"id": asset_id, "name": "after", "visibility": "ORGANIZATION"})
    )
    assert updated["name"] == "after" and updated["visibility"] == "ORGANIZATION" and updated["type"] == "VIDEO"
    assert "assetId" in updated["nextStep"]
    [patch] = [r for r in sent(api) if r.method == "PATCH"]
    assert patch.path == f"/v2/assets/{asset_id}" and patch.body == {"name": "after", "visibility": "ORGANIZATION"}
    assert data(await client.call_tool("get_asset", {"id": asset_id}))["name"] == "after"
    # The SDK reads the reply as its Asset.
    raw = httpx.get(f"{api.base_url}/v2/assets/{asset_id}", headers={"x-api-key": TEST_KEY}).json()
    assert parse_obj_as(SdkAsset, raw).name == "after"


async def test_update_of_a_shared_asset_is_forbidden(client: Client) -> None:
    asset_id = await register(client, visibility="ORGANIZATION")
    failure = error(await client.call_tool("update_asset", {"id": asset_id, "name": "x"}))
    assert failure["errorCode"] == "asset_forbidden" and failure["httpStatus"] == 403


@pytest.mark.parametrize(
    ("arguments", "field"),
    [({"name": "x"}, "id"), ({"id": "not-a-uuid", "name": "x"}, "id"), ({"id": str(uuid.uuid4())}, None)],
)
async def test_update_refuses_bad_input_before_sending(
    client: Client, api: SandboxServer, arguments: dict[str, str], field: str | None
) -> None:
    result = await client.call_tool("update_asset", arguments)
    assert result.is_error
    if field is None:
        assert "Nothing to change" in error(result)["message"]
    assert [r for r in sent(api) if r.method == "PATCH"] == []


# ----------------------------------------------------------------------------------------------- count_assets


async def test_count_assets_with_filters(client: Client, api: SandboxServer) -> None:
    project = await new_project(client)
    await register(client, name="intro clip", projectId=project)
    await register(client, url=AUDIO, kind="AUDIO", name="intro line")
    await register(client, url=VIDEO + "?2", name="outro")
    assert data(await client.call_tool("count_assets", {})) == {"count": 3}
    assert data(await client.call_tool("count_assets", {"types": ["VIDEO"]})) == {"count": 2}
    assert data(await client.call_tool("count_assets", {"searchQuery": "intro"})) == {"count": 2}
    assert data(await client.call_tool("count_assets", {"projectId": project})) == {"count": 1}
    counts = [r for r in sent(api, "/v2/assets/count")]
    assert counts[1].query == "types=VIDEO" and counts[3].query == f"projectId={project}"


# ----------------------------------------------------------------------------------------------- list_assets ids


async def test_list_assets_by_ids_reads_just_those(client: Client, api: SandboxServer) -> None:
    first, second = await register(client), await register(client, url=AUDIO, kind="AUDIO")
    await register(client, url=VIDEO + "?other")
    unknown = str(uuid.uuid4())
    listed = data(await client.call_tool("list_assets", {"ids": [second, unknown, first]}))
    assert [a["id"] for a in listed["items"]] == [second, first]
    assert unknown in listed["nextStep"]
    [batch] = sent(api, "/v2/assets/batch")
    assert batch.method == "POST" and batch.body == {"ids": [second, unknown, first]}
    for item in httpx.post(
        f"{api.base_url}/v2/assets/batch", json={"ids": [first]}, headers={"x-api-key": TEST_KEY}
    ).json():
        assert parse_obj_as(SdkAsset, item).id == first


async def test_ids_do_not_combine_with_other_filters(client: Client, api: SandboxServer) -> None:
    failure = error(await client.call_tool("list_assets", {"ids": [str(uuid.uuid4())], "types": ["VIDEO"]}))
    assert failure["field"] == "ids" and "types" in failure["message"]
    too_many = await client.call_tool("list_assets", {"ids": [str(uuid.uuid4()) for _ in range(101)]})
    assert too_many.is_error
    assert sent(api, "/v2/assets") == []


async def test_another_users_private_asset_is_left_out(api: SandboxServer) -> None:
    api.config.extra_api_keys = ("sk-test-colleague",)
    try:
        async with Client(build_server(make_settings(api))) as mine:
            private = await register(mine)
        async with Client(build_server(make_settings(api, SYNC_API_KEY="sk-test-colleague"))) as theirs:
            listed = data(await theirs.call_tool("list_assets", {"ids": [private]}))
    finally:
        api.config.extra_api_keys = ()
    assert listed["items"] == [] and private in listed["nextStep"]
