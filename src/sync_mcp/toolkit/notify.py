"""Telling the caller what the server is doing (retries, waits, uploads) as MCP log notifications.

Protocol logging is deprecated in 2026-07-28 (SEP-2577), so it is sent only on handshake-era
(2025-11-25 and earlier) connections that asked for it with `logging/setLevel`, at or above the level they
asked for, and never on a 2026-07-28 request. stderr logging happens regardless (`client_log`).
"""

from __future__ import annotations

import logging
import warnings
from typing import Any, get_args

from mcp.server.mcpserver import Context
from mcp.shared.exceptions import MCPDeprecationWarning
from mcp.types import LoggingLevel
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from sync_mcp.sdk_internals import connection_state

logger = logging.getLogger("sync_mcp.client")

LEVELS: tuple[LoggingLevel, ...] = get_args(LoggingLevel)
"""Severity-ascending (RFC 5424 order, as the SDK declares them)."""
LOG_LEVEL_KEY = "sync_mcp.log_level"
"""Where a connection's `logging/setLevel` choice is kept (the SDK's per-connection `state`)."""
LOGGER_NAME = "sync-mcp"

_STDLIB_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "notice": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
    "alert": logging.CRITICAL,
    "emergency": logging.CRITICAL,
}


def remember_log_level(session: Any, level: LoggingLevel) -> None:
    """Record a handshake-era `logging/setLevel` for the connection this session belongs to."""
    connection_state(session)[LOG_LEVEL_KEY] = level


def wants_log(ctx: Context[Any, Any], level: LoggingLevel) -> bool:
    """Did this (handshake-era) connection ask for log notifications at `level`?"""
    version = ctx.protocol_version
    if version is None or version in MODERN_PROTOCOL_VERSIONS:
        return False
    requested = connection_state(ctx.request_context.session).get(LOG_LEVEL_KEY)
    if requested not in LEVELS:
        return False
    return LEVELS.index(level) >= LEVELS.index(requested)


async def notify_client(ctx: Context[Any, Any], level: LoggingLevel, message: str) -> None:
    """Send `message` as a log notification if, and only if, the connection asked for it (best effort)."""
    if not wants_log(ctx, level):
        return
    session = ctx.request_context.session
    # The deprecation is known and handled above (legacy connections only); the warning fires when the
    # coroutine is created, so only that synchronous call is inside the filter.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MCPDeprecationWarning)
        sending = session.send_log_message(
            level=level, data=message, logger=LOGGER_NAME, related_request_id=ctx.request_context.request_id
        )
    try:
        await sending
    except Exception:  # the client went away; the work goes on
        logger.debug("could not deliver a log notification", exc_info=True)


async def client_log(ctx: Context[Any, Any], level: LoggingLevel, message: str) -> None:
    """Log to stderr, and to the client when it asked for log notifications (see the module docstring)."""
    logger.log(_STDLIB_LEVELS[level], message)
    await notify_client(ctx, level, message)
