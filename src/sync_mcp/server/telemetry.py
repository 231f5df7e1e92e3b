"""Telemetry for operators: what turns it on, and the middleware that measures every MCP request.

- Metrics: `SYNC_MCP_METRICS=1` serves Prometheus' `/metrics` over HTTP (server/metrics.py); an OpenTelemetry
  exporter configured by the standard variables (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_TRACES_EXPORTER`, ...)
  exports traces and metrics with OTLP (server/tracing.py). Both need `pip install 'sync-mcp[otel]'`.
- Off (the default), nothing is imported and `sync_mcp.telemetry.recorder` stays None.
- `RequestMeasure` (always installed: it also counts the requests in flight for a clean shutdown) times each MCP
  request into `mcp.server.operation.duration` and, on a failed tool call, puts its `errorCode` and `retryable`
  on the SDK's own SERVER span (`tools/call <tool>`, continuing the client's `_meta.traceparent`).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp.types import CallToolResult
from opentelemetry.trace import get_current_span  # the API only, which the MCP SDK imports anyway

from sync_mcp import telemetry
from sync_mcp.config import Settings
from sync_mcp.services.concurrent_waits import DRAIN
from sync_mcp.toolkit.results import ERROR_META_KEY

logger = logging.getLogger(__name__)

OTEL_EXTRA = "pip install 'sync-mcp[otel]'"
OTEL_SWITCHES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_TRACES_EXPORTER")


def tracing_wanted(environ: Any = os.environ) -> bool:
    """An OpenTelemetry exporter is configured (and the SDK not disabled)."""
    if str(environ.get("OTEL_SDK_DISABLED", "")).strip().lower() == "true":
        return False
    exporter = str(environ.get("OTEL_TRACES_EXPORTER", "")).strip().lower()
    return exporter not in ("", "none") or any(str(environ.get(name, "")).strip() for name in OTEL_SWITCHES[:2])


class FanOut:
    """Several recorders as one (Prometheus and OpenTelemetry)."""

    def __init__(self, *recorders: Any) -> None:
        self.recorders = recorders

    def operation(self, method: str, tool: str | None, error_type: str | None, seconds: float) -> None:
        for r in self.recorders:
            r.operation(method, tool, error_type, seconds)

    def api_request(self, method: str, route: str, status: str, seconds: float, retries: int) -> None:
        for r in self.recorders:
            r.api_request(method, route, status, seconds, retries)

    def generation(self, model: str, status: str) -> None:
        for r in self.recorders:
            r.generation(model, status)

    def transfer(self, direction: str, size: int) -> None:
        for r in self.recorders:
            r.transfer(direction, size)

    def waits(self, delta: int) -> None:
        for r in self.recorders:
            r.waits(delta)

    def redis_error(self) -> None:
        for r in self.recorders:
            r.redis_error()

    @contextmanager
    def span(self, name: str, attributes: dict[str, Any]) -> Iterator[Any]:
        with ExitStack() as stack:
            spans = [stack.enter_context(r.span(name, attributes)) for r in self.recorders]
            yield spans[-1]  # the tracing recorder comes last


def install(settings: Settings, *, prometheus: bool) -> Any:
    """Turn on what the settings and environment ask for; returns the Prometheus recorder (for `/metrics`) or
    None. Idempotent per process for tracing (one global tracer provider)."""
    recorders: list[Any] = []
    scrape = None
    if prometheus and settings.metrics:
        try:
            from .metrics import PrometheusRecorder
        except ImportError:
            from .http import HttpConfigError  # the HTTP transport imports this module

            raise HttpConfigError(f"SYNC_MCP_METRICS=1 needs prometheus_client: {OTEL_EXTRA}") from None
        scrape = PrometheusRecorder()
        recorders.append(scrape)
    if tracing_wanted():
        try:
            from .tracing import otel_recorder
        except ImportError:  # a variable set for other programs must not stop this one
            logger.warning("OTEL_* variables are set but OpenTelemetry's SDK is missing: %s", OTEL_EXTRA)
        else:
            recorders.append(otel_recorder())
    telemetry.recorder = FanOut(*recorders) if recorders else None
    return scrape


def serve_metrics(server: Any, settings: Settings, token: str | None) -> None:
    """HTTP: telemetry as the settings ask, and `/metrics` when SYNC_MCP_METRICS is on."""
    scrape = install(settings, prometheus=True)
    if scrape is not None:
        from .metrics import add_metrics_route

        add_metrics_route(server, scrape, token)


async def measure_requests(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
    """Middleware: each request counted in flight (for the drain) and, with telemetry on, timed and annotated."""
    if ctx.request_id is None:  # a notification
        return await call_next(ctx)
    token = telemetry.REQUEST_ID.set(str(ctx.request_id))
    try:
        with DRAIN.track():
            recorder = telemetry.recorder
            if recorder is None:
                return await call_next(ctx)
            return await _measured(recorder, ctx, call_next)
    finally:
        telemetry.REQUEST_ID.reset(token)


async def _measured(recorder: Any, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
    name = ctx.params.get("name") if ctx.method == "tools/call" and ctx.params else None
    tool = name if isinstance(name, str) else None
    error_type: str | None = None
    start = time.perf_counter()
    try:
        result = await call_next(ctx)
        failure = _tool_error(result)
        if failure is not None:
            error_type = str(failure.get("errorCode") or "tool_error")
            # The SDK's SERVER span is the current one here (a no-op span when tracing is off).
            get_current_span().set_attributes(
                {"sync.error_code": error_type, "sync.retryable": bool(failure.get("retryable"))}
            )
        return result
    except MCPError as exc:
        error_type = str(exc.error.code)
        raise
    except Exception as exc:
        error_type = type(exc).__qualname__
        raise
    finally:
        recorder.operation(ctx.method, tool, error_type, time.perf_counter() - start)


def _tool_error(result: HandlerResult) -> dict[str, Any] | None:
    """The `{errorCode, ...}` object of a failed tool call's result, else None."""
    if isinstance(result, CallToolResult):
        is_error, meta = result.is_error, result.meta
    elif isinstance(result, dict):
        is_error, meta = result.get("isError") is True, result.get("_meta")
    else:
        return None
    if not is_error:
        return None
    found = (meta or {}).get(ERROR_META_KEY)
    return found if isinstance(found, dict) else {}
