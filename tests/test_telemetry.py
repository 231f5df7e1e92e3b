"""What an operator scrapes and exports: `/metrics` (SYNC_MCP_METRICS=1) read with prometheus_client's own parser,
and OpenTelemetry traces received by an in-process OTLP/HTTP collector (decoded with opentelemetry-proto).

No secret and no id may reach a metric or a span: names carry route templates, attributes only low-cardinality
values; the secret scan (tests/secret_scan.py) is run over everything exported.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from sync_mcp.sandbox import SandboxServer

from .conftest import AUDIO, BASIC, TEST_KEY, VIDEO, data, make_settings
from .http_support import TOKEN, http_client, http_server
from .secret_scan import find_leaks

pytestmark = pytest.mark.anyio

MISSING_ID = "0b7c1a5e-3d55-4c44-9a47-62d1f0c2e9aa"


def samples(text: str, family: str) -> list[Any]:
    found = [f for f in text_string_to_metric_families(text) if f.name == family]
    assert found, f"no {family} in /metrics"
    return found[0].samples


async def test_metrics_show_each_tool_its_errors_and_api_routes_behind_the_token(api: SandboxServer) -> None:
    settings = make_settings(api, SYNC_MCP_HTTP_TOKEN=TOKEN, SYNC_MCP_METRICS="1")
    async with http_server(settings) as srv:
        async with http_client(srv.mcp_url, mode="auto") as client:
            created = data(await client.call_tool("create_generation", BASIC))
            missing = data(await client.call_tool("get_generation", {"id": MISSING_ID}))
        async with httpx.AsyncClient(timeout=10) as http:
            refused = await http.get(f"{srv.base_url}/metrics")
            scraped = await http.get(f"{srv.base_url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert refused.status_code == 401
    assert scraped.status_code == 200
    text = scraped.text
    operations = samples(text, "mcp_server_operation_duration_seconds")
    counts = {
        (s.labels["mcp_method_name"], s.labels["gen_ai_tool_name"], s.labels["error_type"]): s.value
        for s in operations
        if s.name.endswith("_count")
    }
    assert counts[("tools/call", "create_generation", "")] == 1
    assert counts[("tools/call", "get_generation", missing["errorCode"])] == 1
    routes = {(s.labels["http_request_method"], s.labels["http_route"], s.labels["http_response_status_code"])
              for s in samples(text, "sync_api_request_duration_seconds") if s.name.endswith("_count")}  # fmt: skip
    assert ("POST", "/v2/generate", "201") in routes
    assert ("GET", "/v2/generate/{id}", "404") in routes
    assert created["id"] not in text and MISSING_ID not in text  # route templates, never ids
    assert not find_leaks(TEST_KEY, [text]) and not find_leaks(TOKEN, [text])


async def test_metrics_are_off_by_default(api: SandboxServer) -> None:
    async with http_server(make_settings(api)) as srv, httpx.AsyncClient(timeout=10) as http:
        answer = await http.get(f"{srv.base_url}/metrics")
    assert answer.status_code == 404


async def test_lipsync_counts_its_generation_by_model_and_final_status(api: SandboxServer) -> None:
    async with http_server(make_settings(api, SYNC_MCP_METRICS="1")) as srv:
        async with http_client(srv.mcp_url, mode="legacy", token=None) as client:
            done = data(await client.call_tool("lipsync", {"video": VIDEO, "audio": AUDIO, "timeout": 30}))
        async with httpx.AsyncClient(timeout=10) as http:
            text = (await http.get(f"{srv.base_url}/metrics")).text
    assert done["status"] == "COMPLETED"
    generations = {(s.labels["model"], s.labels["status"]): s.value
                   for s in samples(text, "sync_generations") if s.name.endswith("_total")}  # fmt: skip
    assert generations == {(done["model"], "COMPLETED"): 1}
    assert [s.value for s in samples(text, "sync_waits_open")] == [0]
