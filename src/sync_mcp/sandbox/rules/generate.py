"""The create body of `POST /v2/generate` (`CreateGenerationDto`), as reference §3.1 states it.

`check_create(body)` raises the `Refusal` the API answers a body with, or returns when the body is one the API
accepts. Each rule cites its section. Where the reference names no errorCode or status for a refusal, the
comment says so and the catalog's schema code `generation_input_validation_failed` with 400 is used (§11:
"400 invalid body").
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

from . import facts
from .core import (
    VALIDATION_CODE,
    Refusal,
    array,
    at,
    flag,
    is_uuid,
    number,
    obj,
    one_of,
    only,
    present,
    rule,
    shape,
    text,
    web_url,
)

TOP_LEVEL = (
    "model", "input", "options", "segments", "dubParams", "projectId", "webhookUrl", "outputFileName", "dialogueEdit",
)  # fmt: skip
"""§3.1 request body table."""
OPTIONS = (
    "sync_mode", "temperature", "model_mode", "prompt", "active_speaker_detection", "occlusion_detection_enabled",
    "reasoning_enabled",
)  # fmt: skip
"""§3.1.3. The deprecated keys of the full backend spec (`pads`, `speedup`, ...) are "do not send" (§3.1, §17)."""
OVERRIDES = ("sync_mode", "temperature", "occlusion_detection_enabled", "active_speaker_detection")
"""§3.1.4 `optionsOverride`."""
SPEAKER = ("auto_detect", "frame_number", "coordinates", "bounding_boxes", "bounding_boxes_url", "v3")
"""§3.1.3 `ActiveSpeaker`. `use_v2` and `face_image` appear in the official MCP schema only, undocumented: left out."""
VISUAL = ("video", "image")
VOICE = ("audio", "text")


def check_create(body: Any) -> None:
    """Refuse a create body as the API does (§3.1), or return for one it accepts."""
    body = obj(body, "body")
    only(body, TOP_LEVEL, "")
    # §3.1 `model`: a string enum; §11 lists "unsupported model" among the 400s, the catalog's code for it is
    # generation_unsupported_model (§19 #1).
    if not present(body, "model", "", True) or body["model"] not in facts.MODEL_IDS:
        raise rule("generation_unsupported_model", "model", f"must be one of: {', '.join(facts.MODEL_IDS)}")
    items = array(body, "input", "", required=True, min_items=1) or []
    kinds = [_input(item, at("input", n)) for n, item in enumerate(items)]
    segments = array(body, "segments", "", min_items=1)
    for n, seg in enumerate(segments or []):
        _segment(seg, at("segments", n))
    dub = _dub_params(body.get("dubParams"))
    _options(body.get("options"), "options", OPTIONS)
    check_project_id(body)
    if text(body, "webhookUrl", "") is not None:
        web_url(body["webhookUrl"], "webhookUrl")  # §3.1 (HTTPS URL), §12
    # §3.1 `outputFileName`: the API sanitises rather than refuses; only a non-string is a schema failure.
    text(body, "outputFileName", "")
    if present(body, "dialogueEdit", "", False):
        obj(body["dialogueEdit"], "dialogueEdit")  # §3.1: early access, no schema recovered beyond an object
    _inputs_together(body, items, kinds, dub)
    _segments_together(items, kinds, segments)
    _speaker_on_image(body, kinds)


def _input(item: Any, path: str) -> str:
    """One input item (§3.1.1), discriminated by `type`; returns the type."""
    item = obj(item, path)
    kind = one_of(item, "type", path, (*VISUAL, *VOICE), required=True)
    assert kind is not None
    if kind == "text":
        only(item, ("type", "provider", "refId"), path)
        _provider(obj(item.get("provider"), at(path, "provider")) if "provider" in item else None, path)
    else:
        deprecated = ("segments_secs", "segments_frames") if kind == "video" else ()
        only(item, ("type", "url", "assetId", "refId", *deprecated), path)
        # §3.1.1: `url` or `assetId`, at least one required (rule 7). The reference does not forbid both.
        url = text(item, "url", path)
        asset = text(item, "assetId", path)
        if url is None and asset is None:
            raise rule(VALIDATION_CODE, path, "give url or assetId")
        if url is not None:
            web_url(url, at(path, "url"))
        for name, integer in (("segments_secs", False), ("segments_frames", True)):  # deprecated, still typed
            for n, pair in enumerate(array(item, name, path) or []):
                if not isinstance(pair, list) or not all(
                    number({"v": v}, "v", "", integer=integer) is not None for v in pair
                ):
                    raise shape(at(at(path, name), n), "must be an array of numbers")
    text(item, "refId", path, min_len=1)
    return kind


def _provider(provider: dict[str, Any] | None, path: str) -> None:
    """`TtsProviderConfig` (§3.1.1): name, voiceId, script required; stability, similarityBoost 0-1."""
    where = at(path, "provider")
    if provider is None:
        raise shape(where, "is required")
    only(provider, ("name", "voiceId", "script", "stability", "similarityBoost"), where)
    one_of(provider, "name", where, facts.TTS_PROVIDERS, required=True)
    text(provider, "voiceId", where, required=True, min_len=1)
    # §3.1.1: 1-5000 characters. The legacy code generation_text_length_exceeded (§17) is not the current one;
    # [INF] a schema failure today.
    text(provider, "script", where, required=True, min_len=1, max_len=facts.SCRIPT_MAX)
    number(provider, "stability", where, ge=0, le=1)
    number(provider, "similarityBoost", where, ge=0, le=1)


def _segment(seg: Any, path: str) -> None:
    """One `GenerationSegment` (§3.1.4)."""
    seg = obj(seg, path)
    only(seg, ("startTime", "endTime", "audioInput", "optionsOverride"), path)
    # [INF] §3.1.4 gives times in seconds without a lower bound; negative times cannot name a video range.
    start = number(seg, "startTime", path, required=True, ge=0)
    end = number(seg, "endTime", path, required=True, ge=0)
    audio = obj(seg.get("audioInput"), at(path, "audioInput")) if present(seg, "audioInput", path, True) else {}
    where = at(path, "audioInput")
    only(audio, ("refId", "startTime", "endTime"), where)
    text(audio, "refId", where, required=True, min_len=1)
    crop = (number(audio, "startTime", where, ge=0), number(audio, "endTime", where, ge=0))
    # §3.1.4: the crop is a pair, both or neither; invalid crops -> generation_input_trim_invalid.
    if (crop[0] is None) != (crop[1] is None):
        raise rule("generation_input_trim_invalid", where, "startTime and endTime crop the audio together")
    if crop[0] is not None and crop[1] is not None and crop[1] < crop[0]:
        raise rule("generation_input_trim_invalid", at(where, "endTime"), "must not be before startTime")
    # §3.1.4: endTime > startTime, generation_input_segments_invalid. A zero-length segment is allowed by the
    # segments guide (docs.sync.so), so only a reversed range is refused.
    if start is not None and end is not None and end < start:
        raise rule("generation_input_segments_invalid", at(path, "endTime"), "must not be before startTime")
    _options(seg.get("optionsOverride"), at(path, "optionsOverride"), OVERRIDES)


def _options(options: Any, path: str, allowed: tuple[str, ...]) -> None:
    """`GenerationOptions` (§3.1.3) or a segment's `optionsOverride` (§3.1.4)."""
    if options is None:
        return
    options = obj(options, path)
    only(options, allowed, path)
    one_of(options, "sync_mode", path, facts.SYNC_MODES)
    number(options, "temperature", path, ge=0, le=1)
    one_of(options, "model_mode", path, facts.MODEL_MODES)
    one_of(options, "prompt", path, facts.EMOTIONS)
    flag(options, "occlusion_detection_enabled", path)
    flag(options, "reasoning_enabled", path)
    if present(options, "active_speaker_detection", path, False):
        _speaker(options["active_speaker_detection"], at(path, "active_speaker_detection"))


def _speaker(value: Any, path: str) -> None:
    """`ActiveSpeaker` (§3.1.3). The API expects the object; `true`/`false` is the official MCP server's
    shorthand, converted before sending (§3.1.3), so a bare boolean is a schema failure here."""
    speaker = obj(value, path)
    only(speaker, SPEAKER, path)
    flag(speaker, "auto_detect", path)
    number(speaker, "frame_number", path, ge=0, integer=True)
    coordinates = array(speaker, "coordinates", path)
    if coordinates is not None and (len(coordinates) != 2 or not all(_is_num(c) for c in coordinates)):
        raise shape(at(path, "coordinates"), "must be [x, y]")
    for n, box in enumerate(array(speaker, "bounding_boxes", path) or []):
        if box is not None and (not isinstance(box, list) or len(box) != 4 or not all(_is_num(c) for c in box)):
            raise shape(at(at(path, "bounding_boxes"), n), "must be [x1, y1, x2, y2] or null")
    if text(speaker, "bounding_boxes_url", path) is not None:
        web_url(speaker["bounding_boxes_url"], at(path, "bounding_boxes_url"))
    flag(speaker, "v3", path)


def _is_num(value: Any) -> bool:
    return number({"v": value}, "v", "") is not None if value is not None else False


def _dub_params(value: Any) -> dict[str, Any] | None:
    """`DubParams` (§3.1.5)."""
    if value is None:
        return None
    dub = obj(value, "dubParams")
    only(dub, ("targetLang", "sourceLang", "providerName", "numSpeakers"), "dubParams")
    one_of(dub, "targetLang", "dubParams", facts.DUB_LANGUAGES, required=True)
    one_of(dub, "sourceLang", "dubParams", facts.SOURCE_LANGUAGES)
    one_of(dub, "providerName", "dubParams", facts.TTS_PROVIDERS)
    # §3.1.5: deprecated and ignored; historically 0 = auto, range 0-50.
    number(dub, "numSpeakers", "dubParams", ge=0, le=50, integer=True)
    return dub


def check_project_id(body: dict[str, Any]) -> None:
    """§3.1 `projectId` (UUID): unknown or foreign -> 422 project_not_found; a value that is no UUID names no
    project either, so [INF] the same reply (the reference gives no other code for it)."""
    project = body.get("projectId")
    if project is None:
        return
    if not isinstance(project, str) or not is_uuid(project):
        raise rule("project_not_found", "projectId", "must be the UUID of a project", status=422)


def _inputs_together(body: dict[str, Any], items: list[Any], kinds: list[str], dub: dict[str, Any] | None) -> None:
    """§3.1 `input` and §3.1.1 "Validation rules worth enforcing locally", rules 1-5."""
    visuals = [k for k in kinds if k in VISUAL]
    voices = [k for k in kinds if k in VOICE]
    # Rule 1: exactly one visual. None: [INF] no current code is documented (the legacy
    # generation_video_missing is "never send", §17), so a schema failure; two or more: the catalog's
    # generation_input_too_many_visual (§19 #28).
    if not visuals:
        raise rule(VALIDATION_CODE, "input", "needs one video or image item")
    if len(visuals) > 1:
        raise rule("generation_input_too_many_visual", "input", f"has {len(visuals)} video/image items")
    # Rule 2: image => sync-3 (§3.1.1: other models -> generation_unsupported_model).
    if visuals[0] == "image" and body["model"] not in facts.IMAGE_MODELS:
        raise rule("generation_unsupported_model", "model", f"{body['model']} does not accept image inputs")
    if dub is not None:
        # §3.1 `input`: "With dubParams: one video". Rule 4 (dubParams => no audio/text) names the catalog code
        # generation_input_dub_audio_conflict, but the create reference and the dubbing tutorial say such items
        # are ignored; the sandbox follows the API's documented behaviour and ignores them (as `durations.py`
        # and the costs route do). [INF] An image to dub has no speech of its own: schema failure.
        if visuals[0] != "video":
            raise rule(VALIDATION_CODE, "dubParams", "dubbing needs a video input (with its own speech)")
        return
    # Rule 3: at least one audio/text unless dubParams. [INF] A dialogue edit's finished preview carries the new
    # speech (§3.1.7 names the refusals of dialogueEdit, none for a missing voice item), so it stands in.
    if not voices and body.get("dialogueEdit") is None:
        raise rule(VALIDATION_CODE, "input", "needs an audio or text item to drive the lips")
    # Rule 5: several voice items only together with segments (§3.1 `input`); the segments code of §3.1.4.
    if len(voices) > 1 and not body.get("segments"):
        raise rule("generation_input_segments_invalid", "input", f"has {len(voices)} audio/text items without segments")


def _segments_together(items: list[Any], kinds: list[str], segments: list[Any] | None) -> None:
    """Rule 6 (§3.1.1) and §3.1.4: unique refIds; with segments every voice item has one and every
    `audioInput.refId` names one; video ranges do not overlap. All generation_input_segments_invalid."""
    refs = [item["refId"] for item in items if item.get("refId") is not None]
    repeated = sorted(r for r, n in Counter(refs).items() if n > 1)
    if repeated:
        raise rule("generation_input_segments_invalid", "input[].refId", f"repeated: {', '.join(repeated)}")
    if not segments:
        return
    voices = [item for item, kind in zip(items, kinds, strict=True) if kind in VOICE]
    if any(item.get("refId") is None for item in voices):
        raise rule(
            "generation_input_segments_invalid", "input[].refId", "with segments every audio/text item needs one"
        )
    voice_refs = {item["refId"] for item in voices}
    for n, seg in enumerate(segments):
        if seg["audioInput"]["refId"] not in voice_refs:
            field = f"segments[{n}].audioInput.refId"
            raise rule("generation_input_segments_invalid", field, "is not the refId of an audio/text input")
    ordered = sorted(segments, key=lambda s: s["startTime"])
    for a, b in itertools.pairwise(ordered):
        if b["startTime"] < a["endTime"]:
            raise rule("generation_input_segments_invalid", "segments", "video ranges overlap")


def _speaker_on_image(body: dict[str, Any], kinds: list[str]) -> None:
    """§3.1.3 `auto_detect`: "Video only — rejected for image inputs". [INF] The reference names no code; the
    catalog's generation_input_face_selection_invalid (§19 #15) is the one for a face choice that cannot work."""
    speaker = (body.get("options") or {}).get("active_speaker_detection") or {}
    if "image" in kinds and speaker.get("auto_detect"):
        field = "options.active_speaker_detection.auto_detect"
        raise rule("generation_input_face_selection_invalid", field, "works on videos only")


__all__ = ["Refusal", "check_create"]
