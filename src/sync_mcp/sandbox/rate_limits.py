"""Sliding-window request limits per endpoint (reference §14.1), e.g. `POST /v2/voices` 10 per hour."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from .http import fail
from .state import SandboxState

STORE_NAME = "rate_limits"


class RateLimits:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, bucket: str, limit: int, window_seconds: float) -> float | None:
        """Count a request; None when allowed, else the seconds until the oldest counted one ages out."""
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(bucket, deque())
            while hits and hits[0] <= now - window_seconds:
                hits.popleft()
            if len(hits) >= limit:
                return hits[0] + window_seconds - now
            hits.append(now)
            return None


def enforce(state: SandboxState, bucket: str, limit: int, window_seconds: float) -> None:
    """Answer 429 `rate_limit_exceeded` (with Retry-After) once `limit` requests fell in the window."""
    wait = state.store(STORE_NAME, RateLimits).hit(bucket, limit, window_seconds)
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        raise fail(
            429,
            "rate_limit_exceeded",
            "Rate limit exceeded. Please try again later.",
            headers={"Retry-After": str(seconds)},
        )
