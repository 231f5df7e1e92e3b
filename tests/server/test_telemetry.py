"""What an operator scrapes and exports: `/metrics` (SYNC_MCP_METRICS=1) read with prometheus_client's own parser,
and OpenTelemetry traces received by an in-process OTLP/HTTP collector (decoded with opentelemetry-proto).

No secret and no id may reach a metric or a span: names carry route templates, attributes only low-cardinality
values; the secret scan (tests/secret_scan.py) is run over everything exported.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import httpx
import pytest
from mcp import Client
from opentelemetry import context as otel_context
from opentelemetry.propagate import extract
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from sync_mcp import telemetry
from sync_mcp.sandbox import SandboxServer
from sync_mcp.server import build_server, tracing
from sync_mcp.server.http import HttpConfigError, build_http_app
from sync_mcp.server.metrics import PrometheusRecorder

from ..conftest import AUDIO, BASIC, TEST_KEY, VIDEO, data, make_settings
from ..http_support import TOKEN, http_client, http_server, serving
from ..project.test_cli import _env, _session
from ..redis_support import free_port
from ..secret_scan import find_leaks

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


async def test_lipsync_counts_its_generation_and_the_bytes_it_downloaded(api: SandboxServer, tmp_path: Path) -> None:
    async with http_server(make_settings(api, SYNC_MCP_METRICS="1", SYNC_MCP_OUTPUT_DIR=str(tmp_path))) as srv:
        async with http_client(srv.mcp_url, mode="legacy", token=None) as client:
            arguments = {"video": VIDEO, "audio": AUDIO, "timeout": 30, "download": True}
            done = data(await client.call_tool("lipsync", arguments))
        async with httpx.AsyncClient(timeout=10) as http:
            text = (await http.get(f"{srv.base_url}/metrics")).text
    assert done["status"] == "COMPLETED"
    generations = {(s.labels["model"], s.labels["status"]): s.value
                   for s in samples(text, "sync_generations") if s.name.endswith("_total")}  # fmt: skip
    assert generations == {(done["model"], "COMPLETED"): 1}
    assert [s.value for s in samples(text, "sync_waits_open")] == [0]
    transfers = samples(text, "sync_transfer_bytes")
    downloaded = {s.labels["direction"]: s.value for s in transfers if s.name.endswith("_total")}
    assert downloaded == {"down": (await anyio.Path(done["savedPath"]).stat()).st_size}


class Collector:
    """An OTLP/HTTP receiver (`/v1/traces`, `/v1/metrics`), keeping what it got decoded."""

    def __init__(self) -> None:
        self.spans: list[Any] = []
        self.texts: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = await Request(scope, receive).body()
        if scope["path"] == "/v1/traces":
            traces = ExportTraceServiceRequest.FromString(body)
            self.texts.append(str(traces))
            self.spans += [s for r in traces.resource_spans for ss in r.scope_spans for s in ss.spans]
        elif scope["path"] == "/v1/metrics":
            self.texts.append(str(ExportMetricsServiceRequest.FromString(body)))
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/x-protobuf")]}
        )
        await send({"type": "http.response.body", "body": b""})

    def named(self, name: str) -> list[Any]:
        return [s for s in self.spans if s.name == name]


@pytest.fixture(scope="session")
async def receiver() -> AsyncIterator[tuple[str, Collector]]:
    """One receiver for the session: the tracer provider is installed once per process."""
    received = Collector()
    async with serving(received) as base:  # type: ignore[arg-type]
        try:
            yield base, received
        finally:  # the exporters block: they run in a thread, the receiver needs this loop
            await anyio.to_thread.run_sync(shut_down_exports)


def shut_down_exports() -> None:
    """Export what is left while the receiver still listens (not at the process's exit, when it is gone)."""
    recorder = tracing.otel_recorder()
    recorder.tracer_provider.shutdown()
    if recorder.meter_provider is not None:
        recorder.meter_provider.shutdown()


@pytest.fixture
def collector(receiver: tuple[str, Collector], monkeypatch: pytest.MonkeyPatch) -> Collector:
    """Tracing on, exported to the receiver, for one test."""
    base, received = receiver
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", base)
    monkeypatch.setenv("OTEL_METRIC_EXPORT_INTERVAL", "600000")
    return received


def attributes(span: Any) -> dict[str, Any]:
    def value(v: Any) -> Any:
        return getattr(v, v.WhichOneof("value"))

    return {a.key: value(a.value) for a in span.attributes}


async def test_one_lipsync_call_is_one_trace_continuing_the_callers(api: SandboxServer, collector: Collector) -> None:
    caller_trace, caller_span = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    caller = extract({"traceparent": f"00-{caller_trace}-{caller_span}-01"})
    api.state.script_fault(status=503, method="GET", path="/v2/generate/", times=1)  # one poll is sent again
    async with http_server(make_settings(api)) as srv:
        async with http_client(srv.mcp_url, mode="auto", token=None) as client:
            await client.list_tools()
            token = otel_context.attach(caller)
            try:
                done = data(await client.call_tool("lipsync", {"video": VIDEO, "audio": AUDIO, "timeout": 30}))
                missing = data(await client.call_tool("get_generation", {"id": MISSING_ID}))
            finally:
                otel_context.detach(token)
    await anyio.to_thread.run_sync(tracing.flush)
    by_id = {s.span_id: s for s in collector.spans}
    [server] = collector.named("tools/call lipsync")
    assert server.kind == Span.SPAN_KIND_SERVER and server.trace_id.hex() == caller_trace
    assert attributes(server)["mcp.method.name"] == "tools/call"
    assert attributes(server)["gen_ai.tool.name"] == "lipsync"
    sender = by_id[server.parent_span_id]  # the client's span, whose context went over HTTP in _meta.traceparent
    assert sender.parent_span_id.hex() == caller_span

    def under_server(span: Any) -> bool:
        while span.parent_span_id in by_id:
            span = by_id[span.parent_span_id]
            if span.span_id == server.span_id:
                return True
        return False

    api_spans = [s for s in collector.spans if s.kind == Span.SPAN_KIND_CLIENT and under_server(s)]
    assert {"POST /v2/generate", "GET /v2/generate/{id}"} <= {s.name for s in api_spans}
    assert all(s.trace_id.hex() == caller_trace for s in api_spans)
    polls = [attributes(s) for s in api_spans if s.name == "GET /v2/generate/{id}"]
    assert all(p["url.template"] == "/v2/generate/{id}" and p["http.request.method"] == "GET" for p in polls)
    retried = {"http.response.status_code": 200, "http.request.resend_count": 1}
    assert any(retried.items() <= p.items() for p in polls)  # the 503 was sent again, within the one span
    [wait] = [s for s in collector.named("wait") if under_server(s)]
    assert attributes(wait)["sync.generation.status"] == done["status"] == "COMPLETED"
    assert attributes(wait)["sync.wait.polls"] >= 1

    [failed] = collector.named("tools/call get_generation")
    assert attributes(failed)["sync.error_code"] == missing["errorCode"]
    assert attributes(failed)["sync.retryable"] is False
    assert all(done["id"] not in s.name and MISSING_ID not in s.name for s in collector.spans)
    assert any("mcp.server.operation.duration" in text for text in collector.texts)  # the metrics went out too
    assert not find_leaks(TEST_KEY, collector.texts)


def test_json_logs_one_object_per_line_with_request_and_trace_ids(api: SandboxServer) -> None:
    env = _env(
        api,
        SYNC_MCP_LOG_FORMAT="json",
        OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{free_port()}",  # nothing listens: spans are dropped
        OTEL_EXPORTER_OTLP_TIMEOUT="1",
        OTEL_METRICS_EXPORTER="none",
    )
    _, stderr, replies = _session(api, ["--log-level", "DEBUG"], env)
    assert replies["fetched"]["result"]["isError"] is False
    records = [json.loads(line) for line in stderr.splitlines() if line.strip()]  # each line one JSON object
    assert records and all({"time", "level", "logger", "message"} <= set(r) for r in records)
    [retry] = [r for r in records if r["level"] == "INFO" and r["message"].startswith("retrying")]
    assert retry["request_id"] == "4"  # the JSON-RPC id of the get_generation call that was retried
    assert len(retry["trace_id"]) == 32 and len(retry["span_id"]) == 16
    assert TEST_KEY not in stderr


def test_metrics_without_the_extra_refuse_to_start_and_say_what_to_install(
    api: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "prometheus_client", None)  # not installed
    monkeypatch.delitem(sys.modules, "sync_mcp.server.metrics", raising=False)
    with pytest.raises(HttpConfigError, match=r"sync-mcp\[otel\]"):
        build_http_app(make_settings(api, SYNC_MCP_METRICS="1"))


async def test_bytes_sent_with_a_create_are_counted(
    api: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\0\0\0\x18ftypisom" + bytes(5000))
    server = build_server(make_settings(api, SYNC_MCP_ALLOWED_DIRS=str(tmp_path)))
    recorder = PrometheusRecorder()  # what SYNC_MCP_METRICS=1 installs over HTTP
    monkeypatch.setattr(telemetry, "recorder", recorder)
    async with Client(server, mode="legacy") as client:  # type: ignore[arg-type]
        done = data(await client.call_tool("lipsync", {"video": str(clip), "audio": AUDIO, "wait": False}))
    text = generate_latest(recorder.registry).decode()
    uploaded = {
        s.labels["direction"]: s.value for s in samples(text, "sync_transfer_bytes") if s.name.endswith("_total")
    }
    assert done["status"] == "PENDING"
    assert uploaded == {"up": 5012}  # the file went with the create (multipart), counted once
