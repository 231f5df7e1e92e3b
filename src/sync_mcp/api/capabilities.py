"""What each Sync model accepts: the one table behind the model listing, the validators and the warnings.

Facts from the API reference §3.1.3 and §4.2-4.3 (volatile numbers such as processing times are for display
only). Prices are in api/prices.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

ModelId = Literal["sync-3", "lipsync-2", "lipsync-2-pro", "lipsync-1.9.0-beta", "react-1"]
"""Public model ids accepted by `POST /v2/generate` (reference §3.1)."""

OptionName = Literal[
    "sync_mode",
    "temperature",
    "model_mode",
    "prompt",
    "active_speaker_detection",
    "occlusion_detection_enabled",
    "reasoning_enabled",
]


@dataclass(frozen=True)
class ModelCapability:
    id: str
    type: Literal["lipsync", "react"]
    summary: str
    visual_inputs: tuple[Literal["video", "image"], ...]
    options: frozenset[str]
    """Options the model honours; any other documented option is ignored by the API (a warning here)."""
    voice_inputs: tuple[Literal["audio", "text"], ...] = ("audio", "text")
    """What drives the lips: recorded audio, or a text input synthesized by TTS (reference §3.1.1)."""
    max_input_seconds: float | None = None
    typical_processing: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def accepts_image(self) -> bool:
        return "image" in self.visual_inputs


_LIPSYNC2_OPTIONS = frozenset({"sync_mode", "temperature", "active_speaker_detection", "occlusion_detection_enabled"})

MODELS: dict[str, ModelCapability] = {
    m.id: m
    for m in (
        ModelCapability(
            id="sync-3",
            type="lipsync",
            summary="Newest flagship: whole-shot processing, native 4K, profiles and obstructions handled "
            "automatically. The only model that animates a still image.",
            visual_inputs=("video", "image"),
            options=frozenset({"sync_mode", "active_speaker_detection"}),
            typical_processing="~10-15 min for a 30 s clip; ~45-55 min for 2 min",
            notes=(
                "sync_mode applies to video inputs only",
                "active_speaker_detection: manual selection only (frame_number + coordinates) for images",
                "free tier: one sync-3 generation per month, at most 15 s",
            ),
        ),
        ModelCapability(
            id="lipsync-2",
            type="lipsync",
            summary="General-purpose default for video; fast and natural.",
            visual_inputs=("video",),
            options=_LIPSYNC2_OPTIONS,
            typical_processing="~1-3 min for a 30 s clip; ~4-8 min for 2 min",
        ),
        ModelCapability(
            id="lipsync-2-pro",
            type="lipsync",
            summary="lipsync-2 plus super-resolution of the mouth area (teeth, beards); slower.",
            visual_inputs=("video",),
            options=_LIPSYNC2_OPTIONS,
            typical_processing="~2-5 min for a 30 s clip; ~6-12 min for 2 min",
        ),
        ModelCapability(
            id="lipsync-1.9.0-beta",
            type="lipsync",
            summary="Legacy, fastest, generic mouth shapes.",
            visual_inputs=("video",),
            options=frozenset({"sync_mode", "occlusion_detection_enabled"}),
            typical_processing="~30-60 s for a 30 s clip; ~2-4 min for 2 min",
        ),
        ModelCapability(
            id="react-1",
            type="react",
            summary="Changes facial expression (and optionally head motion), not just the lips.",
            visual_inputs=("video",),
            options=frozenset({"sync_mode", "model_mode", "prompt"}),
            max_input_seconds=15,
            typical_processing="~1-2 min for a 30 s clip (inputs are limited to 15 s)",
            notes=("may require a paid plan",),
        ),
    )
}

assert set(MODELS) == set(get_args(ModelId)), "capability table and ModelId drifted apart"

TERMINAL_STATUSES: frozenset[str] = frozenset({"COMPLETED", "FAILED", "REJECTED", "CANCELED", "TIMED_OUT"})
"""Statuses after which a generation never changes (CANCELED/TIMED_OUT are legacy, treated as terminal)."""


def capability(model: str) -> ModelCapability | None:
    return MODELS.get(model)
