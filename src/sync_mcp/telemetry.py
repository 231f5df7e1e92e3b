"""Telemetry hooks any layer may call: metrics and spans, recorded only once the server turned telemetry on.

`recorder` is None unless `SYNC_MCP_METRICS=1` or an OpenTelemetry exporter is configured
(server/telemetry.py installs one): a hook then costs one global lookup, and nothing of OpenTelemetry or
prometheus_client is imported. Names and attributes follow the OpenTelemetry conventions (MCP, HTTP client);
no hook takes an id, a key, a URL or a message, only low-cardinality values (methods, route templates, statuses,
error codes, models, sizes), so no secret can reach a span or a metric.
"""

from __future__ import annotations

import contextvars
import re
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

ID_LIKE = re.compile(r"[^a-z_-]")
"""A path segment holding anything but lowercase letters, `-` and `_` is an id (UUIDs, asset and voice ids)."""


class Span(Protocol):
    def set_attribute(self, key: str, value: Any) -> None: ...


class Recorder(Protocol):
    def operation(self, method: str, tool: str | None, error_type: str | None, seconds: float) -> None:
        """One MCP request handled (`mcp.server.operation.duration`)."""

    def api_request(self, method: str, route: str, status: str, seconds: float, retries: int) -> None:
        """One logical API request, its retries included; `status` is the HTTP status or the error type."""

    def generation(self, model: str, status: str) -> None:
        """A generation seen ending (COMPLETED, FAILED, REJECTED) by a wait."""

    def transfer(self, direction: str, size: int) -> None:
        """Bytes sent to (`up`) or received from (`down`) storage."""

    def waits(self, delta: int) -> None:
        """A wait began (+1) or ended (-1)."""

    def redis_error(self) -> None:
        """A Redis command failed."""

    def span(self, name: str, attributes: dict[str, Any]) -> AbstractContextManager[Span]:
        """A child span of the current one (a no-op span when tracing is off)."""


recorder: Recorder | None = None

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("sync_mcp_request_id", default=None)
"""The JSON-RPC id of the MCP request being handled (JSON log lines carry it)."""


def trace_ids() -> tuple[str, str] | None:
    """The current trace and span ids (hex), when tracing is on and a span is current."""
    if recorder is None or "opentelemetry.trace" not in sys.modules:
        return None
    from opentelemetry.trace import get_current_span

    context = get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return f"{context.trace_id:032x}", f"{context.span_id:016x}"


def route_of(path: str) -> str:
    """The route template of an API path: every id-like segment as `{id}`, the query left out
    (`/v2/generate/9f1c...?wait=true` -> `/v2/generate/{id}`)."""
    segments = path.split("?", 1)[0].split("/")
    return "/".join(s if i < 3 or not ID_LIKE.search(s) else "{id}" for i, s in enumerate(segments))


class NoSpan:
    """The span of a hook when tracing is off."""

    def set_attribute(self, key: str, value: Any) -> None:
        return None


NO_SPAN = NoSpan()


@contextmanager
def span(name: str, **attributes: Any) -> Iterator[Span]:
    """A child span of the current one, or `NO_SPAN` with telemetry off."""
    if recorder is None:
        yield NO_SPAN
        return
    with recorder.span(name, attributes) as current:
        yield current


def transfer(direction: str, size: int) -> None:
    if recorder is not None:
        recorder.transfer(direction, size)
