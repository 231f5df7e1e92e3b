"""Placeholder audio: a valid WAV of silence (8 kHz, 8-bit mono), standing in for synthesized speech
and voice previews, and the reply that serves it. The sandbox emulates the API; it does not speak."""

from __future__ import annotations

import struct

from starlette.responses import Response

SAMPLE_RATE = 8000
WORDS_PER_SECOND = 2.5
"""[INF] Speaking rate used to give a script a plausible duration (about 150 words per minute)."""


def speech_seconds(script: str) -> float:
    return round(max(0.5, len(script.split()) / WORDS_PER_SECOND), 2)


def silent_wav(seconds: float) -> bytes:
    frames = int(seconds * SAMPLE_RATE)
    header = b"RIFF" + struct.pack("<I", 36 + frames) + b"WAVE"
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, SAMPLE_RATE, SAMPLE_RATE, 1, 8)
    return header + fmt + b"data" + struct.pack("<I", frames) + b"\x80" * frames


def wav_reply(seconds: float | None) -> Response:
    """The placeholder audio of `seconds` as its file URL serves it, or a bare 404 where there is none."""
    if seconds is None:
        return Response(status_code=404)
    return Response(silent_wav(seconds), media_type="audio/wav")
