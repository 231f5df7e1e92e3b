"""Progress that means something, through a real MCP client against the sandbox (which emulates the API's
`progress_percent`): a wait reports percent done, reading `include=progress` between long-polls; each phase of
a lipsync call (upload, create, processing, download) reports its own 0-100 % in a message naming it, while the
numbers on the wire keep increasing across phases."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from mcp import Client

from sync_mcp.sandbox import SandboxServer
from sync_mcp.server import build_server
from sync_mcp.services.media_sources import DIRECT_MAX_BYTES

from ..conftest import BASIC, VIDEO, configured, data, make_settings

pytestmark = pytest.mark.anyio

WAIT_MESSAGE = re.compile(r"^(PENDING|PROCESSING|COMPLETED) (?:(\d+) % )?\((?:queued, )?(\d+ s|\d+ min \d+ s)\)$")
"""`PROCESSING 40 % (1 min 10 s)`; between progress reads, `PROCESSING (1 min 15 s)`."""

Report = tuple[float, float | None, str]


@pytest.fixture
def slow(api: SandboxServer) -> Iterator[SandboxServer]:
    """Jobs that stay PROCESSING for several long-polls."""
    with configured(api, processing_seconds=8.0) as server:
        yield server


def recorder() -> tuple[list[Report], object]:
    reports: list[Report] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        reports.append((value, total, message or ""))

    return reports, on_progress


async def test_a_wait_reports_the_percent_done(client: Client, slow: SandboxServer) -> None:
    created = data(await client.call_tool("create_generation", BASIC))
    reports, on_progress = recorder()
    args = {"id": created["id"], "wait": True, "timeout": 30}
    done = data(await client.call_tool("get_generation", args, progress_callback=on_progress))  # type: ignore[arg-type]
    assert done["status"] == "COMPLETED"

    values = [v for v, _, _ in reports]
    assert values == sorted(set(values)), "progress strictly increases"
    assert {t for _, t, _ in reports} == {100}, "progress/total is the percent done"
    matches = [WAIT_MESSAGE.match(m) for _, _, m in reports]
    assert all(matches), [m for _, _, m in reports]
    percents = [int(m.group(2)) for m in matches if m and m.group(2) is not None]
    processing = [int(m.group(2)) for m in matches if m and m.group(1) == "PROCESSING" and m.group(2) is not None]
    assert processing and all(0 < p < 100 for p in processing), "the API's progress_percent, while processing"
    assert percents == sorted(percents)
    assert reports[-1][2].startswith("COMPLETED 100 % (") and reports[-1][0] == 100

    reads = [parse_qs(r.query) for r in slow.state.requests if r.method == "GET" and r.path.endswith(created["id"])]
    kinds = ["progress" if q.get("include") == ["progress"] else "wait" for q in reads]
    assert all(("wait" in q) != ("include" in q) for q in reads), "include=progress never rides a long-poll"
    assert kinds.count("progress") == len(processing)
    assert "progress,progress" not in ",".join(kinds), "progress reads alternate with long-polls"


async def test_each_lipsync_phase_reports_its_own_percent(slow: SandboxServer, mode: str, tmp_path: Path) -> None:
    # Larger than what travels with the create, so the file is uploaded first: an upload phase of its own.
    (tmp_path / "line.wav").write_bytes(b"RIFF" + os.urandom(DIRECT_MAX_BYTES))
    settings = make_settings(slow, SYNC_MCP_ALLOWED_DIRS=str(tmp_path), SYNC_MCP_OUTPUT_DIR=str(tmp_path / "out"))
    reports, on_progress = recorder()
    arguments = {"video": VIDEO, "audio": "line.wav", "download": True, "timeout": 30}
    async with Client(build_server(settings), mode=mode) as c:  # type: ignore[arg-type]
        out = data(await c.call_tool("lipsync", arguments, progress_callback=on_progress))  # type: ignore[arg-type]
    assert out["status"] == "COMPLETED" and out["savedPath"]

    values = [v for v, _, _ in reports]
    assert values == sorted(set(values)), "progress strictly increases across phases"
    assert {t for _, t, _ in reports} == {400}, "four phases planned: upload, create, processing, download"
    phases: dict[str, list[Report]] = {"upload": [], "create": [], "processing": [], "download": []}
    for report in reports:
        message = report[2]
        name = next((p for p in ("upload", "create", "download") if message.startswith(p)), "processing")
        phases[name].append(report)
    for n, (name, seen) in enumerate(phases.items()):
        assert seen, f"the {name} phase reported"
        assert all(100 * n <= v <= 100 * (n + 1) + 1 for v, _, _ in seen), f"{name} counts within its own 100"
    assert phases["upload"][-1][2] == "upload line.wav: 100 % (19.1 MiB of 19.1 MiB)"
    assert phases["create"] == [(200, 400, f"create: 100 % (generation {out['id']} is PENDING)")]
    assert all(WAIT_MESSAGE.match(m) for _, _, m in phases["processing"])
    assert any(m.startswith("PROCESSING ") for _, _, m in phases["processing"])
    assert phases["download"][-1][2].startswith("download: 100 % (") and "KiB of" in phases["download"][-1][2]
