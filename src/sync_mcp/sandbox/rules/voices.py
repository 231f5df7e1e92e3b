"""Voice cloning (reference §7) and standalone text-to-speech (reference §8) bodies."""

from __future__ import annotations

from typing import Any

from . import facts
from .core import VALIDATION_CODE, number, obj, one_of, only, rule, text, web_url


def check_clone(body: Any) -> dict[str, Any]:
    """`POST /v2/voices` (§7; "exact schema not recovered"): `name` (required), `provider` (`elevenlabs`), and a
    sample as `url` or `assetId`. [INF] Exactly one sample (the reference's "or"); a blank name names nothing."""
    body = obj(body, "body")
    only(body, ("name", "provider", "url", "assetId"), "")
    name = text(body, "name", "", required=True, min_len=1) or ""
    if not name.strip():
        raise rule(VALIDATION_CODE, "name", "must not be blank")
    one_of(body, "provider", "", facts.TTS_PROVIDERS)
    url = text(body, "url", "")
    asset = text(body, "assetId", "", min_len=1)
    if (url is None) == (asset is None):
        raise rule(VALIDATION_CODE, "url", "give exactly one sample: url or assetId")
    if url is not None:
        web_url(url, "url")
    return body


def check_speech(body: Any) -> dict[str, Any]:
    """`POST /v2/tts` and `POST /v2/tts/jobs` (§8, same body): `script` (1-5000 characters), `voiceId`, `provider`
    (`elevenlabs`) required; `stability`, `similarityBoost` 0-1."""
    body = obj(body, "body")
    only(body, ("script", "voiceId", "provider", "stability", "similarityBoost"), "")
    text(body, "script", "", required=True, min_len=1, max_len=facts.SCRIPT_MAX)
    text(body, "voiceId", "", required=True, min_len=1)
    one_of(body, "provider", "", facts.TTS_PROVIDERS, required=True)
    number(body, "stability", "", ge=0, le=1)
    number(body, "similarityBoost", "", ge=0, le=1)
    return body
