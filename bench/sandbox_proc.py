"""The sandbox as a separate process for benchmarks: `python -m bench.sandbox_proc '<SandboxConfig JSON>'`.

Prints the base URL on stdout once listening, then serves until its stdin closes. With `"throttle_mb_s": R`
in the JSON, the bodies of `PUT` requests are read no faster than R MB/s (a link of that speed, on the
receiving side: the sender's socket fills and waits, as on a slow link).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from typing import Any

from sync_mcp.sandbox import SandboxConfig, SandboxServer, runner

Scope = dict[str, Any]
Receive = Any
Send = Any


def throttled(app: Any, rate_bytes_per_s: float) -> Any:
    """`app`, reading each PUT body at most `rate_bytes_per_s`: after each piece it waits until the bytes read
    so far are no ahead of the rate since the body began."""

    async def wrapper(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "PUT":
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        read = 0

        async def paced() -> Any:
            nonlocal read
            message = await receive()
            read += len(message.get("body", b""))
            ahead = read / rate_bytes_per_s - (time.perf_counter() - started)
            if ahead > 0:
                await asyncio.sleep(ahead)
            return message

        await app(scope, paced, send)

    return wrapper


def main() -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    options = json.loads(sys.argv[1])
    throttle = options.pop("throttle_mb_s", None)
    if throttle:
        make_app = runner.create_app
        runner.create_app = lambda *args: throttled(make_app(*args), throttle * 1_000_000)  # type: ignore[assignment]
    config = SandboxConfig(**options)
    with SandboxServer(config) as server:
        print(server.base_url, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
