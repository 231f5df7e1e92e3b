"""download_output through an MCP client on both protocol eras: streamed, atomic, confined to the output
folder, never sending the API key to the storage URL."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from sync_mcp.guidance.steps import bytes_done
from sync_mcp.sandbox import SandboxServer
from sync_mcp.sandbox.routes.files import script_output_drop
from sync_mcp.server import build_server

from ..conftest import AUDIO, BASIC, CATALOG, data, make_settings, sent

pytestmark = pytest.mark.anyio

MIB = 1024 * 1024


@pytest.fixture
async def dl(api: SandboxServer, mode: str, out: Path) -> AsyncIterator[Client]:
    """A client whose server saves into `out`; the sandbox's output size is restored afterwards."""
    size = api.state.config.output_size_bytes
    settings = make_settings(api, SYNC_MCP_OUTPUT_DIR=str(out))
    try:
        async with Client(build_server(settings), mode=mode) as client:  # type: ignore[arg-type]
            yield client
    finally:
        api.state.config.output_size_bytes = size


async def completed(client: Client, **extra: Any) -> str:
    created = data(await client.call_tool("create_generation", {**BASIC, **extra}))
    with anyio.fail_after(20):
        done = data(await client.call_tool("get_generation", {"id": created["id"], "wait": True, "timeout": 15}))
    assert done["status"] == "COMPLETED"
    return str(done["id"])


def files_in(folder: Path) -> list[str]:
    return sorted(os.listdir(folder)) if folder.exists() else []


def read(path: str) -> bytes:
    return Path(path).read_bytes()


def size_of(path: str) -> int:
    return Path(path).stat().st_size


def real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def wait_until_empty(folder: Path, timeout: float) -> list[str]:
    """Poll (in a worker thread) until `folder` is empty or `timeout` passes; returns what is left."""
    deadline = time.monotonic() + timeout
    while files_in(folder) and time.monotonic() < deadline:
        time.sleep(0.02)
    return files_in(folder)


def output_fetches(api: SandboxServer) -> list[dict[str, Any]]:
    return list(api.state.store("output_fetches", list))


# ----------------------------------------------------------------------------------------------- success


async def test_saves_the_output_named_after_the_id(dl: Client, api: SandboxServer, out: Path) -> None:
    generation_id = await completed(dl)
    api.state.requests.clear()
    result = await dl.call_tool("download_output", {"id": generation_id})
    saved = data(result)
    assert not result.is_error
    path = Path(saved["path"])
    assert path == real(out / f"{generation_id}.mp4")
    assert saved["fileName"] == f"{generation_id}.mp4"
    assert saved["source"] == "download endpoint"
    assert saved["replaced"] is False
    content = read(saved["path"])
    assert saved["sizeBytes"] == len(content)
    assert content[4:8] == b"ftyp" and generation_id.encode() in content
    assert files_in(out) == [f"{generation_id}.mp4"]
    assert [(r.method, r.path) for r in sent(api)] == [
        ("GET", f"/v2/generate/{generation_id}"),
        ("GET", f"/v2/generations/{generation_id}/download"),
    ]
    assert output_fetches(api) == [{"id": generation_id, "has_api_key": False}], "storage never sees the key"
    assert result.content[-1].type == "resource_link"


async def test_the_name_comes_from_output_file_name(dl: Client, api: SandboxServer, out: Path) -> None:
    generation_id = await completed(dl, outputFileName="hello_v1")
    saved = data(await dl.call_tool("download_output", {"id": generation_id}))
    assert saved["fileName"] == "hello_v1.mp4"
    assert files_in(out) == ["hello_v1.mp4"]

    again = data(await dl.call_tool("download_output", {"id": generation_id}))
    assert again["replaced"] is True
    assert files_in(out) == ["hello_v1.mp4"], "the same name each time: no second copy"


async def test_a_hostile_file_name_stays_in_the_output_folder(dl: Client, api: SandboxServer, out: Path) -> None:
    generation_id = await completed(dl)
    # As if the API echoed a name it should have sanitised.
    api.state.generations[generation_id].output_file_name = "../../escape"
    saved = data(await dl.call_tool("download_output", {"id": generation_id}))
    path = Path(saved["path"])
    assert path.parent == real(out)
    assert files_in(out) == [path.name]
    assert ".." not in path.name and "/" not in path.name
    assert not (out.parent.parent / "escape.mp4").exists()


async def test_falls_back_to_output_url(dl: Client, api: SandboxServer, out: Path) -> None:
    generation_id = await completed(dl)
    api.state.script_fault(status=404, path=f"/v2/generations/{generation_id}/download")
    saved = data(await dl.call_tool("download_output", {"id": generation_id}))
    assert saved["source"] == "outputUrl"
    assert size_of(saved["path"]) == saved["sizeBytes"]
    assert output_fetches(api) == [{"id": generation_id, "has_api_key": False}]


async def test_streams_a_multi_mib_file_with_progress(dl: Client, api: SandboxServer, out: Path) -> None:
    api.state.config.output_size_bytes = 6 * MIB + 123
    generation_id = await completed(dl)
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, total, message))

    saved = data(await dl.call_tool("download_output", {"id": generation_id}, progress_callback=on_progress))
    assert saved["sizeBytes"] == 6 * MIB + 123
    assert size_of(saved["path"]) == 6 * MIB + 123
    values = [v for v, _, _ in progress]
    assert len(values) >= 6, "a report per MiB written"
    assert values == sorted(set(values)), "progress strictly increases"
    assert values[-1] == 100 and all(total == 100 for _, total, _ in progress), "percent of the download"
    assert progress[0][2] == "download: 17 % (1.0 MiB of 6.0 MiB)"
    assert progress[-1][2] == "download: 100 % (6.0 MiB of 6.0 MiB)"


async def test_a_small_download_counts_in_a_unit_that_reads(dl: Client, api: SandboxServer, out: Path) -> None:
    generation_id = await completed(dl)  # the bare placeholder: a few KiB
    reports: list[tuple[float, float | None, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        reports.append((value, total, message))

    saved = data(await dl.call_tool("download_output", {"id": generation_id}, progress_callback=on_progress))
    size = f"{saved['sizeBytes'] / 1024:.1f} KiB"
    assert reports == [(100, 100, f"download: 100 % ({size} of {size})")], "never '0.0 of 0.0 MiB'"
    assert bytes_done(216, 216) == "216 B of 216 B" and bytes_done(3 * 1024**3, None) == "3.00 GiB"


# ----------------------------------------------------------------------------------------------- failures


async def test_a_broken_transfer_leaves_nothing_behind(dl: Client, api: SandboxServer, out: Path) -> None:
    api.state.config.output_size_bytes = 3 * MIB
    generation_id = await completed(dl)
    script_output_drop(api.state, MIB + 10)
    result = await dl.call_tool("download_output", {"id": generation_id})
    err = data(result)
    assert result.is_error
    assert err["errorCode"] == "output_download_interrupted"
    assert err["retryable"] is True
    assert "No partial file" in err["message"]
    assert files_in(out) == [], "neither the file nor its temp file"

    saved = data(await dl.call_tool("download_output", {"id": generation_id}))
    assert saved["sizeBytes"] == 3 * MIB
    assert files_in(out) == [f"{generation_id}.mp4"]


async def test_a_cancelled_transfer_leaves_nothing_behind(dl: Client, api: SandboxServer, out: Path) -> None:
    api.state.config.output_size_bytes = 4 * MIB
    generation_id = await completed(dl)
    script_output_drop(api.state, 2 * MIB, hold=True)  # the transfer stalls half-way until abandoned
    seen_while_streaming: list[list[str]] = []

    with anyio.CancelScope() as scope:

        async def on_progress(value: float, total: float | None, message: str | None) -> None:
            seen_while_streaming.append(files_in(out))
            scope.cancel()

        with anyio.fail_after(20):
            await dl.call_tool("download_output", {"id": generation_id}, progress_callback=on_progress)
    assert scope.cancelled_caught
    [during] = seen_while_streaming[:1]
    assert len(during) == 1 and during[0].startswith(f".{generation_id}.mp4.") and during[0].endswith(".part")

    # The server side unwinds after the client gave up: the temp file goes, and no final file appears.
    assert await anyio.to_thread.run_sync(wait_until_empty, out, 10.0) == []


async def test_a_running_generation_is_explained(dl: Client, api: SandboxServer, out: Path) -> None:
    created = data(await dl.call_tool("create_generation", BASIC))
    api.state.requests.clear()
    result = await dl.call_tool("download_output", {"id": created["id"]})
    err = data(result)
    assert result.is_error
    assert err["errorCode"] == "generation_not_completed"
    assert err["generationId"] == created["id"]
    assert "get_generation" in err["fix"] and "wait=true" in err["fix"]
    assert err["retryable"] is True
    assert [r.path for r in sent(api)] == [f"/v2/generate/{created['id']}"], "no download was attempted"
    assert files_in(out) == []


async def test_a_failed_generation_has_nothing_to_download(dl: Client, api: SandboxServer, out: Path) -> None:
    failing = {
        **BASIC,
        "input": [BASIC["input"][0], {"type": "audio", "url": AUDIO + "?sandbox_fail=generation_input_audio_invalid"}],
    }
    created = data(await dl.call_tool("create_generation", failing))
    with anyio.fail_after(20):
        await dl.call_tool("get_generation", {"id": created["id"], "wait": True, "timeout": 15})
    err = data(await dl.call_tool("download_output", {"id": created["id"]}))
    assert err["errorCode"] == "generation_not_completed"
    assert "FAILED" in err["message"]
    assert err["fix"] == CATALOG["generation_input_audio_invalid"].fix
    assert err["retryable"] is False
    assert files_in(out) == []


async def test_a_malformed_id_is_refused_locally(dl: Client, api: SandboxServer, out: Path) -> None:
    result = await dl.call_tool("download_output", {"id": "../../etc/passwd"})
    assert result.is_error
    assert data(result)["errorCode"] == "invalid_generation_id"
    assert sent(api) == []
    assert files_in(out) == []
