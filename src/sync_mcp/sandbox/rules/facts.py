"""Enumerations of the reference, copied from it (not from the client): the values a request may carry."""

from __future__ import annotations

import re

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

IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9._~-]{1,128}")
"""§13: 1-128 characters matching `[A-Za-z0-9._~-]+`, case-sensitive (use with `fullmatch`)."""

assert len(DUB_LANGUAGES) == 93
