"""Serving the sandbox: `SandboxServer` (background thread, for tests and the demo) and `run_standalone`
(foreground, for the `sync-mcp sandbox` command).

`SandboxServer` runs uvicorn on its own thread with its own event loop, so it works the same from plain
code (`with SandboxServer() as sb:`) and from async code (`with` or `async with`): requests from the
caller's loop are answered by the server's loop.
"""

from __future__ import annotations

import logging
import socket
import sys
import threading
import time
from types import TracebackType

import anyio
import uvicorn

from .app import create_app
from .config import DEFAULT_API_KEY, SandboxConfig
from .state import SandboxState

logger = logging.getLogger(__name__)

START_TIMEOUT_SECONDS = 10.0


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on such sockets, and without it every
    # reply written in two parts (head, body) waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _uvicorn_config(app: object, *, log_level: str, access_log: bool) -> uvicorn.Config:
    return uvicorn.Config(
        app,  # type: ignore[arg-type]
        log_config=None,  # leave the host process's logging alone
        log_level=log_level,
        access_log=access_log,
        lifespan="off",
        loop="asyncio",
        timeout_graceful_shutdown=1,  # do not let a pending long-poll hold up stop()
    )


class SandboxServer:
    """A sandbox on 127.0.0.1 (or `host`), on a free port unless `port` is given.

    After `start()` (or entering the context): `base_url`, `api_key`, `state` (for assertions and
    scripting) and `config.public_base_url` are set. `stop()` is idempotent.
    """

    def __init__(
        self,
        config: SandboxConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        state: SandboxState | None = None,
    ) -> None:
        self.config = config or SandboxConfig()
        self.host = host
        self.port = port
        self.state = state or SandboxState(self.config)
        self.state.config = self.config
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"SandboxServer(base_url={self.config.public_base_url!r}, running={self.running})"

    @property
    def base_url(self) -> str:
        if self.config.public_base_url is None:
            raise RuntimeError("the sandbox is not started")
        return self.config.public_base_url

    @property
    def api_key(self) -> str:
        return self.config.api_key

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> SandboxServer:
        if self.running:
            return self
        sock = _bind(self.host, self.port)
        self.port = sock.getsockname()[1]
        self.config.public_base_url = f"http://{_url_host(self.host)}:{self.port}"
        server = uvicorn.Server(
            _uvicorn_config(create_app(self.config, self.state), log_level="warning", access_log=False)
        )
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name=f"sync-mcp-sandbox-{self.port}", daemon=True
        )
        self._server, self._thread = server, thread
        thread.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                sock.close()
                raise RuntimeError(f"the sandbox did not start on {self.config.public_base_url}")
            time.sleep(0.01)
        logger.debug("sandbox listening on %s", self.config.public_base_url)
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self.state.wake_long_polls()  # pending long-polls answer now instead of holding up the shutdown
        server.should_exit = True
        thread.join(timeout=5)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    async def __aenter__(self) -> SandboxServer:
        return await anyio.to_thread.run_sync(self.start)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await anyio.to_thread.run_sync(self.stop)


def run_standalone(
    host: str,
    port: int,
    api_key: str,
    pending_seconds: float,
    processing_seconds: float,
    *,
    concurrency_limit: int = 15,
    dialogue_edit: bool = False,
    processing_per_output_second: float = 0.0,
) -> None:
    """Serve a sandbox in the foreground until interrupted, logging to stderr."""
    if not logging.getLogger().handlers:
        logging.basicConfig(
            stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    config = SandboxConfig(
        api_key=api_key,
        pending_seconds=pending_seconds,
        processing_seconds=processing_seconds,
        processing_per_output_second=processing_per_output_second,
        concurrency_limit=concurrency_limit,
        dialogue_edit_enabled=dialogue_edit,
    )
    sock = _bind(host, port)
    config.public_base_url = f"http://{_url_host(host)}:{sock.getsockname()[1]}"
    key_note = f"x-api-key: {DEFAULT_API_KEY}" if api_key == DEFAULT_API_KEY else "x-api-key: the key you configured"
    logger.info(
        "Sync API sandbox on %s (%s; PENDING %.1fs, PROCESSING %.1fs). Outputs are a sample video, not lip-syncs.",
        config.public_base_url,
        key_note,
        pending_seconds,
        processing_seconds,
    )
    server = uvicorn.Server(_uvicorn_config(create_app(config), log_level="info", access_log=True))
    server.run(sockets=[sock])
