"""What the sandbox makes of the media the tests name: how long an input lasts (sandbox/durations.py), and what an
output of that length costs on lipsync-2 at list price. Tests derive their expected figures from these."""

from __future__ import annotations

import math

from sync_mcp.api.prices import ESTIMATE_FPS, list_price_per_frame
from sync_mcp.sandbox.durations import url_seconds

from .conftest import AUDIO


def lipsync2_price(seconds: float) -> tuple[int, float]:
    """(frames, USD) of `seconds` of lipsync-2 output at 30 fps and list price, as the sandbox charges."""
    frames = math.ceil(seconds * ESTIMATE_FPS)
    per_frame = list_price_per_frame("lipsync-2")
    assert per_frame is not None
    return frames, round(float(frames * per_frame), 6)


BASIC_SECONDS = url_seconds(AUDIO)
"""How long the output of conftest's BASIC body lasts: as long as its audio (no sync_mode given)."""
BASIC_FRAMES, BASIC_USD = lipsync2_price(BASIC_SECONDS)
"""What BASIC costs: estimated by the legacy endpoint, and charged once it completes."""
