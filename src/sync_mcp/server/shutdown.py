"""A clean shutdown of the HTTP transport: SIGTERM or SIGINT drains the server, then it exits 0.

On the signal: `/readyz` answers 503 (draining), the listening socket closes (uvicorn: no new connections),
calls in flight go on, and waits that would outlast `SYNC_MCP_SHUTDOWN_GRACE_SECONDS` end early with the usual
"still running: id, status, call get_generation" result (services/concurrent_waits.py), so a caller never sees a cut
connection. What is still running once the grace period is over is cancelled, the lifespan closes (API client,
Redis: tasks and sign-ins stay there for the other replicas), and the process exits 0. A second SIGINT forces
the exit at once, as uvicorn does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Iterator
from types import FrameType

import uvicorn
from sse_starlette.sse import AppStatus
from starlette.applications import Starlette

from sync_mcp.services.concurrent_waits import DRAIN

logger = logging.getLogger(__name__)

HANDLED_SIGNALS = (signal.SIGINT, signal.SIGTERM)
STREAMS_CLOSE_BEFORE_END = 1.0
"""Streams still open this close to the end of the grace period (subscriptions' listens) are ended, so their
clients see a finished stream and reconnect elsewhere, rather than a cancelled one."""


class DrainingServer(uvicorn.Server):
    """uvicorn's server, which on a signal also begins the drain and, once stopped, exits normally (uvicorn
    raises the signal again after its own graceful shutdown, which would end the process with it)."""

    def __init__(self, config: uvicorn.Config, *, grace: float) -> None:
        super().__init__(config)
        self.grace = grace
        self._loop: asyncio.AbstractEventLoop | None = None

    async def serve(self, sockets: list[object] | None = None) -> None:  # type: ignore[override]
        self._loop = asyncio.get_running_loop()
        # sse-starlette ends every open SSE stream the moment uvicorn is signalled, a tool call's reply stream
        # included, which the client sees as a cut connection: here the streams end when the drain says so.
        AppStatus.disable_automatic_graceful_drain()
        await super().serve(sockets)  # type: ignore[arg-type]

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in HANDLED_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if not self.should_exit:
            logger.info(
                "%s: draining (new connections refused, waits end within %.0f s)", signal.Signals(sig).name, self.grace
            )
            if self._loop is not None:
                self._loop.call_soon_threadsafe(self._drain)
        super().handle_exit(sig, frame)

    def _drain(self) -> None:
        """On the loop: cut the waits, and close the streams still open (listens) just before the grace ends."""
        assert self._loop is not None
        DRAIN.begin(self.grace)
        self._loop.call_later(max(0.0, self.grace - STREAMS_CLOSE_BEFORE_END), _close_streams)


def _close_streams() -> None:
    AppStatus.should_exit = True


def serve_until_signalled(app: Starlette, *, host: str, port: int, grace: float, log_level: str) -> None:
    """Serve `app` until SIGTERM/SIGINT, then drain for at most `grace` seconds (blocking)."""
    config = uvicorn.Config(
        app, host=host, port=port, log_config=None, log_level=log_level.lower(), timeout_graceful_shutdown=grace
    )
    DrainingServer(config, grace=grace).run()
