"""OpenTelemetry export (`pip install 'sync-mcp[otel]'`), configured by the standard `OTEL_*` variables.

Traces: the MCP SDK makes one SERVER span per MCP request (`tools/call <tool>`, with `mcp.method.name`,
`gen_ai.tool.name`, `error.type`, continuing the client's `_meta.traceparent`); with a tracer provider installed
here those spans are exported, and the hooks of `sync_mcp.telemetry` add their children: one CLIENT span per API
request (`GET /v2/generate/{id}`), uploads and downloads (bytes), waits (polls, final status). Metrics: the same
instruments as `/metrics` (server/metrics.py), exported with OTLP unless `OTEL_METRICS_EXPORTER=none`.

Exporters: `OTEL_TRACES_EXPORTER` / `OTEL_METRICS_EXPORTER` `otlp` (the default; OTLP over HTTP/protobuf, to
`OTEL_EXPORTER_OTLP_ENDPOINT`, headers from `OTEL_EXPORTER_OTLP_HEADERS`), `console`, or `none`. The service is
named by `OTEL_SERVICE_NAME` (default `sync-mcp`) and `OTEL_RESOURCE_ATTRIBUTES`. Installed once per process.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import ConsoleMetricExporter, MetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from sync_mcp import __version__

_installed: OtelRecorder | None = None


class OtelRecorder:
    """The `telemetry.Recorder` hooks as OpenTelemetry spans and instruments."""

    def __init__(self, tracer_provider: TracerProvider, meter_provider: MeterProvider | None) -> None:
        self.tracer_provider = tracer_provider
        self.meter_provider = meter_provider
        self._tracer = tracer_provider.get_tracer("sync-mcp", __version__)
        meter = (meter_provider or metrics.NoOpMeterProvider()).get_meter("sync-mcp", __version__)
        self._operation = meter.create_histogram("mcp.server.operation.duration", unit="s")
        self._api = meter.create_histogram("sync.api.request.duration", unit="s")
        self._retries = meter.create_counter("sync.api.retries")
        self._generations = meter.create_counter("sync.generations")
        self._bytes = meter.create_counter("sync.transfer.bytes", unit="By")
        self._waits = meter.create_up_down_counter("sync.waits.open")
        self._redis = meter.create_counter("sync.redis.errors")

    def operation(self, method: str, tool: str | None, error_type: str | None, seconds: float) -> None:
        labels = {"mcp.method.name": method, "gen_ai.tool.name": tool or "", "error.type": error_type or ""}
        self._operation.record(seconds, labels)

    def api_request(self, method: str, route: str, status: str, seconds: float, retries: int) -> None:
        self._api.record(seconds, {"http.request.method": method, "http.route": route, "status": status})
        if retries:
            self._retries.add(retries, {"http.request.method": method, "http.route": route})

    def generation(self, model: str, status: str) -> None:
        self._generations.add(1, {"model": model, "status": status})

    def transfer(self, direction: str, size: int) -> None:
        self._bytes.add(size, {"direction": direction})

    def waits(self, delta: int) -> None:
        self._waits.add(delta)

    def redis_error(self) -> None:
        self._redis.add(1)

    @contextmanager
    def span(self, name: str, attributes: dict[str, Any]) -> Iterator[trace.Span]:
        kind = SpanKind.CLIENT if attributes.get("http.request.method") else SpanKind.INTERNAL
        with self._tracer.start_as_current_span(name, kind=kind, attributes=attributes) as span:
            yield span
            if span.is_recording() and getattr(span, "attributes", {}).get("error.type"):
                span.set_status(StatusCode.ERROR)


def _exporter(kind: str) -> str:
    return os.environ.get(f"OTEL_{kind}_EXPORTER", "otlp").strip().lower() or "otlp"


def _span_exporter() -> SpanExporter | None:
    chosen = _exporter("TRACES")
    if chosen == "console":
        return ConsoleSpanExporter()
    if chosen == "none":
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()


def _metric_reader() -> MetricReader | None:
    chosen = _exporter("METRICS")
    if chosen == "none":
        return None
    if chosen == "console":
        return PeriodicExportingMetricReader(ConsoleMetricExporter())
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

    return PeriodicExportingMetricReader(OTLPMetricExporter())


def otel_recorder() -> OtelRecorder:
    """The process's recorder, its providers installed as the global ones on first use (the SDK's own server
    spans go to the same provider)."""
    global _installed
    if _installed is not None:
        return _installed
    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME") or "sync-mcp"}).merge(
        Resource.create({"service.version": __version__})
    )
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):  # set up already (e.g. by `opentelemetry-instrument`): join it
        tracer_provider = current
    else:
        tracer_provider = TracerProvider(resource=resource)
        exporter = _span_exporter()
        if exporter is not None:
            tracer_provider.add_span_processor(BatchSpanProcessor(exporter))
        trace.set_tracer_provider(tracer_provider)
    reader = _metric_reader()
    meter_provider = MeterProvider(resource=resource, metric_readers=[reader]) if reader is not None else None
    if meter_provider is not None:
        metrics.set_meter_provider(meter_provider)
    _installed = OtelRecorder(tracer_provider, meter_provider)
    return _installed


def flush() -> None:
    """Export what is buffered (at shutdown)."""
    if _installed is not None:
        _installed.tracer_provider.force_flush()
        if _installed.meter_provider is not None:
            _installed.meter_provider.force_flush()
