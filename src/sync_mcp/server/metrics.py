"""Metrics of a running server, as a Prometheus registry (scraped at `/metrics`, SYNC_MCP_METRICS=1).

The instruments (OpenTelemetry names; Prometheus spells dots as `_` and adds the unit):
- `mcp.server.operation.duration` (s): every MCP request, by `mcp.method.name`, `gen_ai.tool.name` and
  `error.type` (the tool error's `errorCode`, a JSON-RPC error code, or empty);
- `sync.api.request.duration` (s): every API request (retries included), by method, route template and status;
- `sync.api.retries`: retries, by method and route template;
- `sync.generations`: generations a wait saw end, by model and final status;
- `sync.transfer.bytes`: bytes to (`up`) and from (`down`) storage;
- `sync.waits.open`: waits in progress;
- `sync.redis.errors`: Redis commands that failed (shared state; 0 without Redis).

Needs `pip install 'sync-mcp[otel]'` (prometheus_client), imported only when metrics are on.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response

from sync_mcp.telemetry import NoSpan

from .app import SyncMCPServer

METRICS_PATH = "/metrics"
API_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 30.0, 60.0)
OPERATION_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


class PrometheusRecorder:
    """The `telemetry.Recorder` hooks as Prometheus instruments in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self._operation = Histogram(
            "mcp_server_operation_duration_seconds",
            "MCP requests handled, by method, tool and error type",
            ["mcp_method_name", "gen_ai_tool_name", "error_type"],
            buckets=OPERATION_BUCKETS,
            registry=r,
        )
        self._api = Histogram(
            "sync_api_request_duration_seconds",
            "Sync API requests (retries included), by method, route template and status",
            ["http_request_method", "http_route", "http_response_status_code"],
            buckets=API_BUCKETS,
            registry=r,
        )
        self._retries = Counter(
            "sync_api_retries", "Sync API requests sent again", ["http_request_method", "http_route"], registry=r
        )
        self._generations = Counter(
            "sync_generations", "Generations a wait saw end, by model and final status", ["model", "status"], registry=r
        )
        self._bytes = Counter("sync_transfer_bytes", "Bytes to and from storage", ["direction"], registry=r)
        self._waits = Gauge("sync_waits_open", "Waits in progress", registry=r)
        self._redis = Counter("sync_redis_errors", "Redis commands that failed", registry=r)

    def operation(self, method: str, tool: str | None, error_type: str | None, seconds: float) -> None:
        self._operation.labels(method, tool or "", error_type or "").observe(seconds)

    def api_request(self, method: str, route: str, status: str, seconds: float, retries: int) -> None:
        self._api.labels(method, route, status).observe(seconds)
        if retries:
            self._retries.labels(method, route).inc(retries)

    def generation(self, model: str, status: str) -> None:
        self._generations.labels(model, status).inc()

    def transfer(self, direction: str, size: int) -> None:
        self._bytes.labels(direction).inc(size)

    def waits(self, delta: int) -> None:
        self._waits.inc(delta)

    def redis_error(self) -> None:
        self._redis.inc()

    @contextmanager
    def span(self, name: str, attributes: dict[str, Any]) -> Iterator[NoSpan]:
        yield NoSpan()


def add_metrics_route(server: SyncMCPServer, recorder: PrometheusRecorder, token: str | None) -> None:
    """`GET /metrics` in Prometheus' text format, behind the bearer token of `/mcp` (with none set, the server
    serves loopback only, as for `/mcp`)."""

    @server.custom_route(METRICS_PATH, methods=["GET"], include_in_schema=False)
    async def metrics(request: Request) -> Response:
        if not await _authorized(server, request, token):
            return Response("bearer token required\n", 401, headers={"WWW-Authenticate": "Bearer"})
        return Response(generate_latest(recorder.registry), headers={"Content-Type": CONTENT_TYPE_LATEST})


async def _authorized(server: SyncMCPServer, request: Request, token: str | None) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    verifier = getattr(server, "_token_verifier", None)  # the MCP endpoint's: static token, or OAuth sign-ins
    if token is None and verifier is None:
        return True
    if scheme.lower() != "bearer" or not given:
        return False
    if token is not None and hmac.compare_digest(given.encode(), token.encode()):
        return True
    access = await verifier.verify_token(given) if verifier is not None else None
    return access is not None and (access.expires_at is None or access.expires_at > time.time())
