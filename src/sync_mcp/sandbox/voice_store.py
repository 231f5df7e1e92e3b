"""What the sandbox remembers about voices: a fixed set of built-in voices, and the organisation's clones."""

from __future__ import annotations

import secrets
import string
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from .state import SandboxState

STORE_NAME = "voices"

# Built-in voices as the API lists them (reference §7): a Sync `id`, the provider's `voiceId`. The
# provider ids are ElevenLabs' public premade voices (their traits are in api/data/voice_traits.json); the Sync
# ids are fixed so demos can name them.
BUILT_IN: tuple[tuple[str, str, str], ...] = (
    ("0f5ad1a4-7d1e-4c58-9a63-3c1f2b2f6a01", "Rachel", "21m00Tcm4TlvDq8ikWAM"),
    ("6b1f8f0e-2d7a-4a8e-8d55-5c2e7e0c9b02", "Adam", "pNInz6obpgDQGcFmaJgB"),
    ("a3c4e5f6-1b2c-4d3e-9f40-7a8b9c0d1e03", "Bella", "EXAVITQu4vr4xnSDxMaL"),
    ("d7e8f9a0-3b4c-4d5e-8f60-1a2b3c4d5e04", "Antoni", "ErXwobaYiN019PkySvjV"),
    ("4c2d9e7b-8a1f-4e3c-b5d6-0e1f2a3b4c05", "George", "JBFqnCBsd6RMkjVDRZzb"),
    ("5e3f0a8c-9b2a-4f4d-a6e7-1f2a3b4c5d06", "Lily", "pFZP5JQG7iQjIQuC4Bku"),
    ("7a4b1c9d-0c3b-4a5e-97f8-2a3b4c5d6e07", "Charlie", "IKne3meq5aSn9XLyUdCD"),
)


Voice = dict[str, Any]
"""A voice as the API lists it (reference §7): `id`, `name`, `provider`, `voiceId`, `previewUrl`."""


def preview_path(voice_id: str) -> str:
    return f"/files/voices/{voice_id}/preview.wav"


@dataclass
class ClonedVoice:
    voice: Voice
    seq: int


class VoiceStore:
    def __init__(self) -> None:
        self.clones: dict[str, ClonedVoice] = {}
        self._seq = 0
        self._lock = threading.RLock()

    def built_in(self, base_url: str) -> list[Voice]:
        return [
            {
                "id": sync_id,
                "name": name,
                "provider": "elevenlabs",
                "voiceId": provider_id,
                "previewUrl": base_url + preview_path(sync_id),
            }
            for sync_id, name, provider_id in BUILT_IN
        ]

    def all(self, base_url: str) -> list[Voice]:
        """Built-in voices first, then the clones, oldest first."""
        with self._lock:
            clones = [c.voice for c in sorted(self.clones.values(), key=lambda c: c.seq)]
        return [*self.built_in(base_url), *clones]

    def find(self, voice_id: str, base_url: str) -> Voice | None:
        """A voice by its Sync `id`."""
        return next((v for v in self.all(base_url) if v["id"] == voice_id), None)

    def clone_named(self, name: str) -> ClonedVoice | None:
        with self._lock:
            return next((c for c in self.clones.values() if c.voice["name"] == name), None)

    def add_clone(self, name: str) -> Voice:
        provider_id = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(20))
        voice = {"id": str(uuid.uuid4()), "name": name, "provider": "elevenlabs", "voiceId": provider_id}
        with self._lock:
            self._seq += 1
            self.clones[voice["id"]] = ClonedVoice(voice=voice, seq=self._seq)
        return voice

    def remove_clone(self, voice_id: str) -> bool:
        with self._lock:
            return self.clones.pop(voice_id, None) is not None


def voice_store(state: SandboxState) -> VoiceStore:
    return state.store(STORE_NAME, VoiceStore)
