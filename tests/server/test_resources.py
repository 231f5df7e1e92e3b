"""MCP resources and subscriptions through a real client, on both protocol eras, against the sandbox."""

from __future__ import annotations

import json
import uuid
import warnings
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client, MCPError
from mcp.client.subscriptions import ResourceUpdated
from mcp.types import INTERNAL_ERROR, INVALID_PARAMS, CallToolResult, ResourceLink, TextResourceContents

from sync_mcp.api.capabilities import MODELS
from sync_mcp.sandbox import SandboxServer
from sync_mcp.server import build_server

from ..conftest import BASIC, TEST_KEY, make_settings

pytestmark = pytest.mark.anyio


def data(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, result.content
    assert isinstance(result.structured_content, dict)
    return result.structured_content


async def read_json(client: Client, uri: str) -> Any:
    [content] = (await client.read_resource(uri)).contents
    assert isinstance(content, TextResourceContents)
    assert content.mime_type == "application/json"
    return json.loads(content.text)


def uri_of(generation_id: str) -> str:
    return f"sync://generations/{generation_id}"


# ------------------------------------------------------------------------------------------ listing


async def test_resources_and_the_generation_template_are_listed(client: Client) -> None:
    resources = {str(r.uri): r for r in (await client.list_resources()).resources}
    assert set(resources) == {"sync://errors", "sync://models", "sync://voices", "sync://toolsets"}
    assert all(r.mime_type == "application/json" and r.description for r in resources.values())
    [template] = (await client.list_resource_templates()).resource_templates
    assert template.uri_template == "sync://generations/{generation_id}"
    caps = client.server_capabilities.resources
    assert caps is not None and caps.subscribe, "both eras can subscribe to a generation"


# ------------------------------------------------------------------------------------- generations


async def test_resource_link_of_a_tool_result_resolves_to_the_generation(client: Client, api: SandboxServer) -> None:
    created = await client.call_tool("create_generation", BASIC)
    [link] = [c for c in created.content if isinstance(c, ResourceLink)]
    generation = await read_json(client, str(link.uri))
    assert generation["id"] == data(created)["id"]
    assert generation["model"] == "lipsync-2"
    assert generation["status"] in ("PENDING", "PROCESSING", "COMPLETED")
    assert "nextStep" in generation

    with anyio.fail_after(20):
        await client.call_tool("get_generation", {"id": generation["id"], "wait": True, "timeout": 15})
    done = await read_json(client, str(link.uri))
    raw = httpx.get(f"{api.base_url}/v2/generate/{generation['id']}", headers={"x-api-key": TEST_KEY}).json()
    assert done["status"] == "COMPLETED"
    assert done["outputUrl"] == raw["outputUrl"], "the signed URL is passed through byte for byte"


async def test_failed_generation_resource_carries_the_fix(client: Client) -> None:
    failing = json.loads(json.dumps(BASIC))
    failing["input"][1]["url"] += "?sandbox_fail=generation_input_audio_invalid"
    gid = data(await client.call_tool("create_generation", failing))["id"]
    with anyio.fail_after(20):
        await client.call_tool("get_generation", {"id": gid, "wait": True, "timeout": 15})
    generation = await read_json(client, uri_of(gid))
    assert generation["status"] == "FAILED"
    assert generation["errorCode"] == "generation_input_audio_invalid"
    assert generation["fix"]


async def test_unknown_generation_is_resource_not_found(client: Client) -> None:
    missing = str(uuid.uuid4())
    with pytest.raises(MCPError) as caught:
        await client.read_resource(uri_of(missing))
    assert caught.value.error.code == INVALID_PARAMS
    assert caught.value.error.data == {"uri": uri_of(missing)}
    assert missing in caught.value.error.message


async def test_api_failure_reading_a_resource_is_a_structured_protocol_error(api: SandboxServer, mode: str) -> None:
    settings = make_settings(api, SYNC_API_KEY="sk-test-not-the-right-key")
    async with Client(build_server(settings), mode=mode) as client:  # type: ignore[arg-type]
        with pytest.raises(MCPError) as caught:
            await client.read_resource(uri_of(str(uuid.uuid4())))
    error = caught.value.error
    assert error.code == INTERNAL_ERROR
    assert isinstance(error.data, dict)
    assert error.data["httpStatus"] == 401
    assert error.data["retryable"] is False
    assert "SYNC_API_KEY" in error.data["fix"]
    assert "sk-test-not-the-right-key" not in json.dumps(error.data) + error.message


# ---------------------------------------------------------------------------------------- catalogs


async def test_error_catalog_resource_matches_the_tool(client: Client) -> None:
    catalog = await read_json(client, "sync://errors")
    tool = data(await client.call_tool("list_error_codes", {}))
    assert catalog["count"] == tool["count"] == len(catalog["entries"]) > 50
    assert catalog["source"] == "live"
    entry = next(e for e in catalog["entries"] if e["code"] == "generation_input_video_inaccessible")
    assert entry["fix"] and entry["message"]


async def test_models_resource_describes_every_model(client: Client) -> None:
    models = {m["id"]: m for m in (await read_json(client, "sync://models"))["models"]}
    assert set(MODELS) <= set(models)
    assert "image" in models["sync-3"]["visualInputs"]
    assert models["lipsync-2"]["visualInputs"] == ["video"]
    assert models["react-1"]["maxInputSeconds"] == 15
    assert all(m["available"] for m in models.values())
    assert await read_json(client, "sync://models") == data(await client.call_tool("list_models", {}))


async def test_models_resource_says_which_models_the_account_lacks(client: Client, api: SandboxServer) -> None:
    config = api.state.config
    previous = config.available_models
    config.available_models = ("lipsync-2", "sync-3")
    try:
        models = {m["id"]: m for m in (await read_json(client, "sync://models"))["models"]}
    finally:
        config.available_models = previous
    assert models["lipsync-2"]["available"] is True
    assert models["react-1"]["available"] is False


async def test_voices_resource_lists_the_api_voices(client: Client, api: SandboxServer) -> None:
    voices = await read_json(client, "sync://voices")
    raw = httpx.get(f"{api.base_url}/v2/voices", headers={"x-api-key": TEST_KEY}).json()
    assert [v["id"] for v in voices["voices"]] == [v["id"] for v in raw]
    assert voices["count"] == len(raw) > 0
    assert voices == data(await client.call_tool("list_voices", {}))


# ----------------------------------------------------------------------------------- subscriptions


async def wait_generation(client: Client, gid: str) -> None:
    with anyio.fail_after(20):
        result = await client.call_tool("get_generation", {"id": gid, "wait": True, "timeout": 15})
    assert data(result)["status"] == "COMPLETED"


async def test_listen_subscriber_hears_when_a_wait_sees_completion(api: SandboxServer) -> None:
    async with Client(build_server(make_settings(api))) as client:
        first = data(await client.call_tool("create_generation", BASIC))["id"]
        second = data(await client.call_tool("create_generation", BASIC))["id"]
        heard: list[str] = []
        async with client.listen(resource_subscriptions=[uri_of(first), uri_of(second)]) as subscription:

            async def next_event() -> str:
                with anyio.fail_after(10):
                    async for event in subscription:
                        if isinstance(event, ResourceUpdated):
                            heard.append(event.uri)
                            return event.uri
                raise AssertionError("listen stream ended")

            await wait_generation(client, first)
            assert await next_event() == uri_of(first)
            # Seen again without a change: nothing is published. The next event is the second generation's.
            await client.call_tool("get_generation", {"id": first})
            await read_json(client, uri_of(first))
            await wait_generation(client, second)
            assert await next_event() == uri_of(second)
    assert heard == [uri_of(first), uri_of(second)]


async def test_legacy_subscriber_hears_completion_and_unsubscribe_stops_it(api: SandboxServer) -> None:
    heard: list[str] = []
    arrived = anyio.Event()

    async def on_message(message: Any) -> None:
        if getattr(message, "method", None) == "notifications/resources/updated":
            heard.append(str(message.params.uri))
            arrived.set()

    async with Client(build_server(make_settings(api)), mode="legacy", message_handler=on_message) as client:
        first = data(await client.call_tool("create_generation", BASIC))["id"]
        second = data(await client.call_tool("create_generation", BASIC))["id"]
        with warnings.catch_warnings():  # resources/subscribe is the handshake era's way; deprecated in 2026
            warnings.simplefilter("ignore")
            await client.subscribe_resource(uri_of(first))
            await client.subscribe_resource(uri_of(second))
            await client.unsubscribe_resource(uri_of(second))
        await wait_generation(client, first)
        with anyio.fail_after(10):
            await arrived.wait()
        assert heard == [uri_of(first)]
        arrived = anyio.Event()
        await wait_generation(client, second)  # unsubscribed: completes silently
        third = data(await client.call_tool("create_generation", BASIC))["id"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            await client.subscribe_resource(uri_of(third))
        await wait_generation(client, third)
        with anyio.fail_after(10):
            await arrived.wait()
    assert heard == [uri_of(first), uri_of(third)]
