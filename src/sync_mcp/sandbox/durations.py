"""How long a generation's output is, worked out from its inputs, so that durations, costs and usage follow what
was asked. [INF] The real API measures the media it fetches; the sandbox fetches nothing, so it reads:

- a file uploaded to this sandbox's storage (a URL of it, or an asset holding it): its real length when it is a
  WAV or an MP4 whose header says it;
- a text-to-speech take of this sandbox: the take's duration;
- a script (a `text` input): its speaking time (audio.speech_seconds);
- any other URL: the length it states with the query parameter `sandbox_seconds=<seconds>`, else a length
  derived from the URL itself, 3.0 to 30.0 s, the same every time (`url_seconds`).

The output then lasts: when dubbing, as long as the video; with segments, until the timeline's last segment ends;
otherwise as long as the voice (audio or script), but with `sync_mode` `cut_off` as the shorter of voice and
video, and `silence` as the longer (reference §3.1.3). An image follows the voice.
"""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request

from .asset_store import asset_store
from .audio import speech_seconds
from .http import public_base_url, sandbox_state
from .routes.storage import storage_key
from .speech_store import speech_store

STATED = "sandbox_seconds"
"""The query parameter a media URL states its length with (like `sandbox_fail`)."""
SHORTEST, LONGEST = 3.0, 30.0
HEADER_BYTES = 4 * 1024 * 1024
"""How much of an uploaded file is read for its header (an MP4's `moov` may sit after the media: then unknown)."""
TAKE_PATH = "/files/speech/"


def url_seconds(url: str) -> float:
    """The length of a media URL the sandbox cannot read: stated (`sandbox_seconds`), else from the URL's hash."""
    stated = parse_qs(urlsplit(url).query).get(STATED)
    if stated:
        try:
            seconds = float(stated[-1])
        except ValueError:
            seconds = 0.0
        if seconds > 0:
            return round(seconds, 3)
    digest = int.from_bytes(hashlib.sha256(url.encode("utf-8")).digest()[:4], "big")
    steps = round((LONGEST - SHORTEST) * 10)
    return round(SHORTEST + (digest % (steps + 1)) / 10, 1)


def wav_seconds(data: bytes) -> float | None:
    """The length a WAV header gives (data chunk size / byte rate), or None when it is not a readable WAV."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    offset, byte_rate = 12, 0
    while offset + 8 <= len(data):
        kind, size = data[offset : offset + 4], struct.unpack("<I", data[offset + 4 : offset + 8])[0]
        if kind == b"fmt " and size >= 12 and offset + 20 <= len(data):
            byte_rate = struct.unpack("<I", data[offset + 16 : offset + 20])[0]
        elif kind == b"data":
            return round(size / byte_rate, 3) if byte_rate else None
        offset += 8 + size + (size & 1)
    return None


def mp4_seconds(data: bytes) -> float | None:
    """The length an MP4's movie header (`moov/mvhd`) gives, or None when there is none to read."""
    moov = _box(data, b"moov")
    mvhd = _box(moov, b"mvhd") if moov is not None else None
    if mvhd is None or len(mvhd) < 20:
        return None
    if mvhd[0] == 1 and len(mvhd) >= 32:
        timescale, duration = struct.unpack(">IQ", mvhd[20:32])
    else:
        timescale, duration = struct.unpack(">II", mvhd[12:20])
    return round(duration / timescale, 3) if timescale else None


def _box(data: bytes, kind: bytes) -> bytes | None:
    offset = 0
    while offset + 8 <= len(data):
        size, found = struct.unpack(">I", data[offset : offset + 4])[0], data[offset + 4 : offset + 8]
        head = 8
        if size == 1 and offset + 16 <= len(data):
            size, head = struct.unpack(">Q", data[offset + 8 : offset + 16])[0], 16
        elif size == 0:
            size = len(data) - offset
        if size < head:
            return None
        if found == kind:
            return data[offset + head : offset + size]
        offset += size
    return None


def file_seconds(path: Path) -> float | None:
    with path.open("rb") as file:
        head = file.read(HEADER_BYTES)
    return wav_seconds(head) or mp4_seconds(head)


def media_seconds(request: Request, item: dict[str, Any]) -> float:
    """How long one input item (url or assetId) lasts, as the module docstring says."""
    url = item.get("url")
    asset_id = item.get("assetId")
    if asset_id is not None:
        record = asset_store(sandbox_state(request)).get(str(asset_id))
        if record is not None and record.asset.duration_seconds:
            return float(record.asset.duration_seconds)
        url = record.asset.url if record is not None else None
        if url is None:
            return url_seconds(str(asset_id))
    return _url_length(request, str(url))


def _url_length(request: Request, url: str) -> float:
    key = storage_key(request, url)
    if key is not None:
        stored = asset_store(sandbox_state(request)).file(key)
        seconds = file_seconds(stored.path) if stored is not None else None
        if seconds:
            return seconds
    base = urlsplit(public_base_url(request))
    parts = urlsplit(url)
    if parts.netloc == base.netloc and parts.path.startswith(TAKE_PATH):
        take = speech_store(sandbox_state(request)).duration(parts.path[len(TAKE_PATH) :].removesuffix(".wav"))
        if take is not None:
            return take
    return url_seconds(url)


def output_seconds(request: Request, body: dict[str, Any]) -> float:
    """How long the output of a create body lasts (see the module docstring)."""
    items = body.get("input") or []
    visual = next((i for i in items if i.get("type") in ("video", "image")), None)
    video = media_seconds(request, visual) if visual is not None and visual.get("type") == "video" else None
    if body.get("dubParams") is not None and video is not None:
        return video
    segments = body.get("segments") or []
    if segments:
        return max(float(s.get("endTime") or 0) for s in segments)
    voice_item = next((i for i in items if i.get("type") in ("audio", "text")), None)
    if voice_item is None:
        return video or url_seconds(str(body))
    voice = _voice_seconds(request, voice_item)
    mode = (body.get("options") or {}).get("sync_mode")
    if video is not None and mode == "cut_off":
        return min(voice, video)
    if video is not None and mode == "silence":
        return max(voice, video)
    return voice


def _voice_seconds(request: Request, item: dict[str, Any]) -> float:
    if item.get("type") == "text":
        return speech_seconds(str((item.get("provider") or {}).get("script") or ""))
    return media_seconds(request, item)
