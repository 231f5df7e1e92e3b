"""Enumerations of the reference, copied from it (not from the client): the values a request may carry."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import PurePath

MODEL_IDS = ("sync-3", "lipsync-2", "lipsync-2-pro", "lipsync-1.9.0-beta", "react-1")
"""§3.1 `model` (public ids); §4.2: only these five are public."""

IMAGE_MODELS = frozenset({"sync-3"})
"""§3.1.1 `image`: sync-3 only (other models -> generation_unsupported_model)."""

SYNC_MODES = ("bounce", "loop", "cut_off", "silence", "remap")
"""§3.1.3 `sync_mode`."""
MODEL_MODES = ("lips", "face", "head")
"""§3.1.3 `model_mode` (react-1)."""
EMOTIONS = ("happy", "sad", "angry", "disgusted", "surprised", "neutral")
"""§3.1.3 `prompt` (react-1): the enum, not the free text of the full backend spec."""

TTS_PROVIDERS = ("elevenlabs",)
"""§3.1.1 `TtsProviderConfig.name`, §3.1.5 `providerName`, §7, §8: the only provider."""
SCRIPT_MAX = 5000
"""§3.1.1, §8, §16.2: a script is 1-5000 characters."""

DUB_LANGUAGES = (
    "en gu no sl pa ta az gl is sw my fi el he lt ms sv fr ca hr lv ro sd th tn pl ceb da hu mr tl ug wo zu zh hi as "
    "ha kk ki rn ky st te war ak be cs ka mn bo ts ar ss nl tr af bs et rw ne ko it es sq eu kn sk su ve pt am hy doi "
    "de jv mk ja vi cy nso uk bg id lg yo ml fa tg ur uz ru fil"
).split()
"""§3.1.5 DubLanguage: the 93 codes in the order transcribed."""
SOURCE_LANGUAGES = ("auto", *DUB_LANGUAGES)
"""§3.1.5 `sourceLang`: the same list plus `auto`."""

ASSET_TYPES = ("AUDIO", "VIDEO", "IMAGE")
"""§5 `Asset.type`, §5.2 `type`."""
VISIBILITIES = ("USER", "ORGANIZATION")
"""§5 and §6 `visibility`."""
ASSET_SORTS = ("nameAsc nameDesc dateAsc dateDesc durationAsc durationDesc sizeAsc sizeDesc kindAsc kindDesc").split()
"""§5.3 `sortBy`."""
PROJECT_MODES = ("CREATOR", "DEVELOPER")
"""§6 `mode`."""
WORKFLOWS = (
    "lipsync",
    "translate_and_dub",
    "change_appearance",
    "image_to_video",
    "edit_dialogue",
    "assistant",
    "timeline",
)
"""§6 `defaultWorkflow` (or null)."""

MAX_UPLOAD_BYTES = 5_000_000_000
"""§5.1 and §16.2: a single presigned upload is at most 5 GB ([DOCS: Create Upload URL]; the upload guide says
5 GiB, the endpoint's own page is taken)."""

SPEECH_PER_MINUTE = 60
"""§8, §14.1: `POST /v2/tts` 60 requests a minute."""
SPEECH_JOBS_PER_MINUTE = 60
"""§8, §14.1: `POST /v2/tts/jobs` 60 a minute, a bucket of its own."""
CLONES_PER_HOUR = 10
"""§7, §14.1: `POST /v2/voices` 10 requests an hour."""

TERMINAL_STATUSES = frozenset({"COMPLETED", "FAILED", "REJECTED", "CANCELED", "TIMED_OUT"})
"""§3.12: the terminal statuses, the two of older docs included."""
LONG_POLL_MAX_SECONDS = 10
"""§3.3 `timeout` with `wait=true`: 1-10 s."""

MEDIA_EXTENSIONS = frozenset(
    ".mp4 .mov .qt .webm .avi .wav .mp3 .ogg .oga .flac .m4a .wma .m3a .aac .jpg .jpeg .png .webp".split()
)
"""§16.1 formats, by the usual extension of each listed MIME type."""


def file_format(name: str) -> str | None:
    """An asset's `format` (§5: e.g. `mp4`, `wav`) from its file name, for the formats of §16.1."""
    suffix = PurePath(name).suffix.lower()
    return suffix.lstrip(".") if suffix in MEDIA_EXTENSIONS else None


QUOTED_FPS = 25
"""§16.4: the published per-second prices are for 25 fps output; usage is charged per output frame."""
ESTIMATE_FPS = 30.0
"""§3.9: the estimate's default `fps`."""
LIST_PRICES = {"sync-3": "0.133", "lipsync-2": "0.05", "lipsync-2-pro": "0.083", "lipsync-1.9.0-beta": "0.025"}
"""§16.4: USD per output second at 25 fps, the top of each published range (list price, no plan discount);
lipsync-1.9.0-beta's is [3P]. react-1 has no published price."""


def list_price_per_frame(model: str) -> Decimal | None:
    """What one output frame costs at list price, or None for a model without a published price."""
    price = LIST_PRICES.get(model)
    return Decimal(price) / QUOTED_FPS if price is not None else None


IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9._~-]{1,128}")
"""§13: 1-128 characters matching `[A-Za-z0-9._~-]+`, case-sensitive (use with `fullmatch`)."""

assert len(DUB_LANGUAGES) == 93
