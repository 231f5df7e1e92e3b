"""How long one tool call may block while it follows a generation.

Hosts built on the TypeScript SDK end a request after 60 s unless they reset the clock on progress, so the
longest wait a call may ask for is a server setting (`SYNC_MCP_MAX_WAIT_SECONDS`, default 50). The `timeout`
argument's schema carries that maximum: its field is marked here, and the server writes the configured value
into `tools/list` (server/app.py). A larger `timeout` is refused before anything is sent; when the wait runs
out the call returns the id and status, and the agent calls again.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from sync_mcp.guidance.errors import InputError

DEFAULT_WAIT_SECONDS = 45.0
"""The wait when the caller gives no `timeout` (or the server maximum, if that is lower)."""
WAIT_BOUND_MARK = "x-sync-mcp-wait-bound"
"""Schema key marking a `timeout` property; `tools/list` replaces it with `maximum: <server setting>`."""


def _bounded(description: str) -> Any:
    """A `timeout` field: at least 1 s, marked so `tools/list` states the server's maximum."""
    return Field(ge=1, description=description, json_schema_extra={WAIT_BOUND_MARK: True})


WaitTimeout = Annotated[
    float | None,
    _bounded(
        f"Seconds to wait (default {DEFAULT_WAIT_SECONDS:.0f}, or the maximum if lower); then call get_generation "
        "again."
    ),
]
JobWait = Annotated[
    float | None,
    _bounded(
        f"Seconds to wait (default {DEFAULT_WAIT_SECONDS:.0f}). On expiry the job's id returns: call again with it."
    ),
]
"""`WaitTimeout` for tools that follow their own jobs (transcriptions, dialogue edits), not a generation."""


def wait_seconds(timeout: float | None, maximum: float) -> float:
    """The wait to use for a call's `timeout`, refused (nothing sent) when it exceeds the server's maximum."""
    if timeout is None:
        return min(DEFAULT_WAIT_SECONDS, maximum)
    if timeout > maximum:
        raise InputError(
            "wait_timeout_too_long",
            f"timeout: {timeout:g} s is more than this server allows one call to wait ({maximum:g} s).",
            f"Call again with timeout <= {maximum:g} (or omit it). A wait that runs out returns the generation's id "
            "and status; call get_generation with wait=true again to keep following it. The operator can raise "
            "the limit with SYNC_MCP_MAX_WAIT_SECONDS for hosts that keep a request alive on progress.",
            field="timeout",
        )
    return timeout


def bound_waits(schema: dict[str, object], maximum: float) -> dict[str, object]:
    """`schema` with every marked `timeout` property given `maximum` (and the mark removed)."""
    properties = schema.get("properties")
    if not isinstance(properties, dict) or not any(
        isinstance(p, dict) and p.get(WAIT_BOUND_MARK) for p in properties.values()
    ):
        return schema
    bounded = {
        name: (
            {**{k: v for k, v in prop.items() if k != WAIT_BOUND_MARK}, "maximum": maximum}
            if isinstance(prop, dict) and prop.get(WAIT_BOUND_MARK)
            else prop
        )
        for name, prop in properties.items()
    }
    return {**schema, "properties": bounded}
