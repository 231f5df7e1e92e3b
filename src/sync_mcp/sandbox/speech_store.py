"""What the sandbox remembers about text-to-speech: the takes of `POST /v2/tts` (ids and durations), and the
asynchronous jobs of `POST /v2/tts/jobs` with the Idempotency-Keys that created them."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass

from .state import SandboxState, iso_now

STORE_NAME = "speech"


@dataclass(frozen=True)
class SpeechJobRecord:
    id: str
    created: float
    """Monotonic time of creation."""
    created_at: str
    duration: float
    """Length of the take it produces, in seconds."""
    ready_after: float
    """Seconds after creation at which the job completes."""
    body_hash: str


class SpeechStore:
    def __init__(self) -> None:
        self.takes: dict[str, float] = {}
        """Take id -> duration in seconds."""
        self.jobs: dict[str, SpeechJobRecord] = {}
        self.job_keys: dict[str, str] = {}
        """Idempotency-Key -> job id."""
        self._lock = threading.Lock()

    def add(self, duration: float) -> str:
        take_id = str(uuid.uuid4())
        with self._lock:
            self.takes[take_id] = duration
        return take_id

    def duration(self, take_id: str) -> float | None:
        return self.takes.get(take_id)

    def add_job(
        self, now: float, duration: float, ready_after: float, body_hash: str, key: str | None
    ) -> SpeechJobRecord:
        """A new job; its take (same id) is served once it completes."""
        job = SpeechJobRecord(str(uuid.uuid4()), now, iso_now(), duration, ready_after, body_hash)
        with self._lock:
            self.jobs[job.id] = job
            self.takes[job.id] = duration
            if key is not None:
                self.job_keys[key] = job.id
        return job

    def job_for_key(self, key: str) -> SpeechJobRecord | None:
        job_id = self.job_keys.get(key)
        return self.jobs.get(job_id) if job_id else None


def speech_store(state: SandboxState) -> SpeechStore:
    return state.store(STORE_NAME, SpeechStore)
