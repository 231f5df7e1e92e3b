"""What the sandbox remembers about standalone TTS takes (`POST /v2/tts`): their ids and durations."""

from __future__ import annotations

import threading
import uuid

from .state import SandboxState

STORE_NAME = "speech"


class SpeechStore:
    def __init__(self) -> None:
        self.takes: dict[str, float] = {}
        """Take id -> duration in seconds."""
        self._lock = threading.Lock()

    def add(self, duration: float) -> str:
        take_id = str(uuid.uuid4())
        with self._lock:
            self.takes[take_id] = duration
        return take_id

    def duration(self, take_id: str) -> float | None:
        return self.takes.get(take_id)


def speech_store(state: SandboxState) -> SpeechStore:
    return state.store(STORE_NAME, SpeechStore)
