"""The sandbox's output file is a video a browser can play: an MP4 with its index first, H.264 video and AAC
audio, 5 seconds long as the API reports, then a `free` box naming the generation; and, like a storage
bucket, it answers byte ranges (how a browser's player reads a video)."""

from __future__ import annotations

import time

import httpx
import pytest

from sync_mcp.sandbox import SandboxConfig, SandboxServer

from ..conftest import AUDIO, TEST_KEY, VIDEO


def boxes(data: bytes) -> list[tuple[bytes, bytes]]:
    """The top-level boxes of an MP4 file, as (type, payload)."""
    found = []
    offset = 0
    while offset < len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        assert size >= 8, f"box at {offset} has size {size}"
        found.append((data[offset + 4 : offset + 8], data[offset + 8 : offset + size]))
        offset += size
    assert offset == len(data), "the last box ends exactly at the end of the file"
    return found


def mvhd_seconds(moov: bytes) -> float:
    """The movie's duration from its `mvhd` header (version 0)."""
    at = moov.index(b"mvhd") + 4
    assert moov[at] == 0, "version 0 mvhd"
    timescale = int.from_bytes(moov[at + 12 : at + 16], "big")
    duration = int.from_bytes(moov[at + 16 : at + 20], "big")
    return duration / timescale


@pytest.fixture(scope="module")
def output_url() -> str:
    config = SandboxConfig(api_key=TEST_KEY, pending_seconds=0.0, processing_seconds=0.0)
    with SandboxServer(config) as server:
        http = httpx.Client(base_url=server.base_url, headers={"x-api-key": TEST_KEY})
        body = {"model": "lipsync-2", "input": [{"type": "video", "url": VIDEO}, {"type": "audio", "url": AUDIO}]}
        generation = http.post("/v2/generate", json=body).json()
        deadline = time.monotonic() + 10
        while (done := http.get(f"/v2/generate/{generation['id']}").json())["status"] != "COMPLETED":
            assert time.monotonic() < deadline, done
            time.sleep(0.05)
        yield str(done["outputUrl"])


def test_the_output_is_an_mp4_a_browser_can_play(output_url: str) -> None:
    fetched = httpx.get(output_url)
    assert fetched.status_code == 200
    assert fetched.headers["accept-ranges"] == "bytes"
    found = boxes(fetched.content)
    kinds = [kind for kind, _ in found]
    assert kinds[0] == b"ftyp" and kinds.index(b"moov") < kinds.index(b"mdat")  # the index before the media
    moov = dict(found)[b"moov"]
    assert b"avc1" in moov and b"mp4a" in moov  # H.264 video, AAC audio
    assert mvhd_seconds(moov) == pytest.approx(5.0, abs=0.05)  # outputDuration says 5.0
    note_kind, note = found[-1]
    assert note_kind == b"free" and output_url.split("/")[-1].split(".")[0].encode() in note


def test_byte_ranges_are_served_as_partial_content(output_url: str) -> None:
    whole = httpx.get(output_url).content
    total = len(whole)

    first = httpx.get(output_url, headers={"Range": "bytes=0-99"})
    assert first.status_code == 206
    assert first.headers["content-range"] == f"bytes 0-99/{total}"
    assert first.content == whole[:100]

    middle = httpx.get(output_url, headers={"Range": f"bytes=100-{total + 500}"})  # clipped at the end
    assert middle.status_code == 206
    assert middle.headers["content-range"] == f"bytes 100-{total - 1}/{total}"
    assert middle.content == whole[100:]

    tail = httpx.get(output_url, headers={"Range": "bytes=-10"})
    assert (tail.status_code, tail.content) == (206, whole[-10:])

    beyond = httpx.get(output_url, headers={"Range": f"bytes={total}-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{total}"

    several = httpx.get(output_url, headers={"Range": "bytes=0-1,5-6"})  # not supported: the whole file
    assert (several.status_code, several.content) == (200, whole)
