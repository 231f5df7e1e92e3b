"""list_models through a real MCP client, against the sandbox over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.types import CallToolResult
from sync.common.types import ModelInfo as SdkModelInfo
from sync.core.pydantic_utilities import parse_obj_as

from sync_mcp.api.capabilities import MODELS
from sync_mcp.api.prices import PRICES
from sync_mcp.api.types.ai_models import ModelInfo
from sync_mcp.sandbox import SandboxServer
from sync_mcp.server import build_server
from sync_mcp.tools.models import merge_models

from ..conftest import AUDIO, TEST_KEY, VIDEO, configured, data, error, make_settings, sent

pytestmark = pytest.mark.anyio


def by_id(result: CallToolResult) -> dict[str, dict[str, Any]]:
    return {m["id"]: m for m in data(result)["models"]}


@pytest.fixture
def only_some_models(api: SandboxServer) -> Iterator[SandboxServer]:
    with configured(api, available_models=("sync-3", "lipsync-2")) as server:
        yield server


async def test_every_model_with_what_it_accepts(client: Client, api: SandboxServer) -> None:
    result = await client.call_tool("list_models", {})
    assert not result.is_error
    models = by_id(result)
    assert list(models) == list(MODELS), "the capability table's models, in its order"
    assert all(m["available"] and m["known"] for m in models.values())
    assert [r.path for r in sent(api)] == ["/v2/models"]

    assert models["sync-3"]["visualInputs"] == ["video", "image"]
    assert all(models[m]["visualInputs"] == ["video"] for m in MODELS if m != "sync-3")
    assert all(m["voiceInputs"] == ["audio", "text"] for m in models.values()), "text = TTS from a script"
    assert models["react-1"]["maxInputSeconds"] == 15
    assert set(models["react-1"]["options"]) >= {"model_mode", "prompt"}
    assert {"model_mode", "prompt"} <= set(models["lipsync-2"]["ignoredOptions"]), "react-1's own options"
    assert "temperature" in models["lipsync-2"]["options"]
    assert "temperature" in models["lipsync-1.9.0-beta"]["ignoredOptions"]
    assert "temperature" in models["sync-3"]["ignoredOptions"]
    # Published at 25 fps ($0.04-0.05), shown at the estimate's default 30 fps: charged per frame.
    assert models["lipsync-2"]["pricePerSecondUsd"] == {"min": 0.048, "max": 0.06, "fps": 30}
    said = data(result)["nextStep"]  # what picks a price within the range, and what makes the total
    assert "min is with the largest plan discount, max is list price" in said and "per output frame" in said
    assert "min" in models["sync-3"]["typicalProcessing"]
    assert models["lipsync-2"]["version"] and models["lipsync-2"]["type"] == "lipsync"
    assert models["react-1"]["type"] == "react"


async def test_ignored_options_are_the_ones_create_generation_warns_about(client: Client) -> None:
    models = by_id(await client.call_tool("list_models", {}))
    for model_id, model in models.items():
        for option in model["ignoredOptions"]:
            value: Any = {
                "temperature": 0.5,
                "occlusion_detection_enabled": True,
                "sync_mode": "loop",
                "model_mode": "lips",
                "prompt": "happy",
            }.get(option)
            if value is None:  # options needing an object value are covered by the validators' own tests
                continue
            body = {
                "model": model_id,
                "input": [{"type": "video", "url": VIDEO}, {"type": "audio", "url": AUDIO}],
                "options": {option: value},
            }
            created = data(await client.call_tool("create_generation", body))
            assert f"options.{option} is ignored by {model_id}" in created["warnings"]


async def test_models_the_account_cannot_use_are_marked(client: Client, only_some_models: SandboxServer) -> None:
    models = by_id(await client.call_tool("list_models", {}))
    assert {m for m, v in models.items() if v["available"]} == {"sync-3", "lipsync-2"}
    assert models["react-1"]["available"] is False
    assert any("not listed for this account" in n for n in models["react-1"]["notes"])
    assert models["react-1"]["maxInputSeconds"] == 15, "capabilities are still described"


def test_a_model_new_to_this_server_is_listed_as_unknown() -> None:
    listed = [ModelInfo(id="lipsync-2"), ModelInfo(id="lipsync-3", name="lipsync-3", type="lipsync", version="3")]
    entries = {e.id: e for e in merge_models(listed)}
    assert entries["lipsync-3"].available and not entries["lipsync-3"].known
    assert entries["lipsync-3"].version == "3" and entries["lipsync-3"].options == []
    assert entries["lipsync-2"].available and not entries["sync-3"].available


async def test_refused_key_is_a_structured_error(api: SandboxServer, mode: str) -> None:
    async with Client(build_server(make_settings(api, SYNC_API_KEY="sk-wrong")), mode=mode) as c:  # type: ignore[arg-type]
        result = await c.call_tool("list_models", {})
    assert result.is_error
    err = data(result)
    assert err["httpStatus"] == 401 and "SYNC_API_KEY" in err["fix"]


async def test_no_key_sends_nothing(api: SandboxServer, mode: str) -> None:
    async with Client(build_server(make_settings(api, SYNC_API_KEY="")), mode=mode) as c:  # type: ignore[arg-type]
        result = await c.call_tool("list_models", {})
    assert result.is_error and data(result)["errorCode"] == "missing_api_key"
    assert sent(api) == []


def test_syncsdk_parses_the_models_list(api: SandboxServer) -> None:
    raw = httpx.get(f"{api.base_url}/v2/models", headers={"x-api-key": TEST_KEY}).json()
    parsed = parse_obj_as(list[SdkModelInfo], raw)
    assert [m.id for m in parsed] == list(MODELS)
    assert all(m.type in ("lipsync", "react") and m.version for m in parsed)


@pytest.mark.parametrize("model", sorted(PRICES))
@pytest.mark.parametrize(("seconds", "fps"), [(1, None), (2.5, None), (90, None), (600, None), (90, 25), (10, 24)])
async def test_the_estimate_falls_inside_the_price_list_models_shows(
    client: Client, model: str, seconds: float, fps: float | None
) -> None:
    shown = by_id(await client.call_tool("list_models", {}))[model]["pricePerSecondUsd"]
    arguments: dict[str, Any] = {"model": model, "duration": seconds, **({"fps": fps} if fps else {})}
    estimate = data(await client.call_tool("estimate_cost", arguments))
    per_second = estimate["estimatedCostUsd"] / seconds * shown["fps"] / (fps or shown["fps"])
    assert shown["min"] <= round(per_second, 4) <= shown["max"], (model, seconds, fps, estimate, shown)


async def test_an_unpriced_model_shows_no_price_and_cannot_be_estimated(client: Client) -> None:
    assert "pricePerSecondUsd" not in by_id(await client.call_tool("list_models", {}))["react-1"]
    err = error(await client.call_tool("estimate_cost", {"model": "react-1", "duration": 5}))
    assert err["errorCode"] == "cost_estimate_unavailable"
