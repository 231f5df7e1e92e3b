"""Webhook deliveries read two ways: the sandbox shapes and signs them by its own reading of reference §12,
and the client's verifier and reader (`sync_mcp.api.webhooks`) must accept what it sends."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import anyio
import httpx
import pytest

from sync_mcp.api.webhooks import SIGNATURE_HEADER, parse_payload, verify
from sync_mcp.sandbox import SandboxServer

from ..conftest import BASIC, TEST_KEY, VIDEO

pytestmark = pytest.mark.anyio


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        type(self).received.append(({k.lower(): v for k, v in self.headers.items()}, raw))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        """Quiet: stderr is for the test run's own output."""


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    handler = type("Receiver", (_Receiver,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()


async def test_the_client_verifies_and_reads_what_the_sandbox_delivers(
    api: SandboxServer, receiver: tuple[str, list[tuple[dict[str, str], bytes]]]
) -> None:
    """§12: the sandbox signs and shapes deliveries by its own reading; the client's verifier and reader accept
    them, and the payload carries no field §12 says it omits."""
    url, received = receiver
    failing = f"{VIDEO}?sandbox_fail=generation_input_video_invalid"
    async with httpx.AsyncClient(base_url=api.base_url, headers={"x-api-key": TEST_KEY}) as http:
        for video in (VIDEO, failing):
            payload = {**BASIC, "input": [{"type": "video", "url": video}, BASIC["input"][1]], "webhookUrl": url}
            created = await http.post("/v2/generate", json={**payload, "outputFileName": "take"})
            assert created.status_code == 201, created.text
    for _ in range(200):
        if len(received) == 2:
            break
        await anyio.sleep(0.05)
    assert len(received) == 2, "both deliveries arrive"
    by_status = {}
    for headers, raw in received:
        verify(api.config.webhook_secret, headers.get(SIGNATURE_HEADER.lower()), raw)
        delivered = parse_payload(raw)
        assert not {"outputFileName", "projectId", "synthesizedAudioUrl", "errorCode"} & set(json.loads(raw))
        by_status[delivered.status] = delivered
    assert by_status["FAILED"].error_code == "generation_input_video_invalid"
    assert by_status["COMPLETED"].output_url
