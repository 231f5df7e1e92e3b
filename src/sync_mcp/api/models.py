"""Wire models of the Sync API v2: one Pydantic model per API shape, shared by client, tools and sandbox.

Python attribute names are snake_case; the wire names (camelCase at the top level and in input items,
snake_case inside `options`, as the API does) are the aliases. Requests serialise with
`to_wire()` (aliases, no null fields). Request models refuse unknown keys, so a typo such as
`syncMode` fails locally instead of being silently dropped; response models keep unknown keys, so a
growing API never breaks parsing.

Cross-field rules of reference §3.1.1 are `model_validator`s raising `rule_error(...)`: a
`PydanticCustomError` whose type is the API's own error code and whose context names the field
and the fix. `sync_mcp.guidance.errors.explain` turns them into agent-facing errors.

Longer than 400 lines on purpose: the create body (the API's one `CreateGenerationDto`) is a dozen models whose
cross-field rules reach across each other (inputs, segments, options, dubParams); split, each rule would import
half of the others. Endpoint-specific shapes live beside their endpoints (assets.py, voices.py, ...).
"""

from __future__ import annotations

import itertools
import logging
import re
import uuid
from collections import Counter
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema, WithJsonSchema
from pydantic_core import PydanticCustomError

from .capabilities import MODELS, ModelId
from .errors import LOCAL_VALIDATION_CODE
from .languages import DubLanguage, SourceLanguage

# ----------------------------------------------------------------------------------------------- basics


class RequestModel(BaseModel):
    """A body we send: wire aliases, unknown keys refused, serialised without nulls."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid", defer_build=True)

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


log = logging.getLogger(__name__)
_noted: set[tuple[str, str]] = set()


def note_unknown(where: str, what: str) -> None:
    """Say once, at DEBUG, that a response carried something the reference does not know (kept as sent)."""
    if (where, what) not in _noted:
        _noted.add((where, what))
        log.debug("%s: %s is not in the reference; kept and passed through as the API sent it", where, what)


class ResponseModel(BaseModel):
    """A body we receive: wire aliases, unknown keys kept (the API grows) and noted once at DEBUG."""

    model_config = ConfigDict(populate_by_name=True, extra="allow", defer_build=True)

    @model_validator(mode="after")
    def _note_extra(self) -> ResponseModel:
        for name in self.model_extra or ():
            note_unknown(type(self).__name__, f"field {name!r}")
        return self

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


def open_enum(known: Any, where: str) -> Any:
    """A response enum read tolerantly: the `known` Literal's values, or any other string the API adds later
    (kept as sent, noted once at DEBUG). Requests keep the closed Literal."""
    values = frozenset(get_args(known))

    def check(value: str) -> str:
        if value not in values:
            note_unknown(where, f"value {value!r}")
        return value

    return Annotated[str, AfterValidator(check)]


def rule_error(code: str, field: str, message: str, fix: str) -> PydanticCustomError:
    """A validation failure that carries the API's error code, the offending field and the fix."""
    # Braces would be read as format fields by pydantic-core; the texts here never need them.
    return PydanticCustomError(code, f"{field}: {message}", {"field": field, "fix": fix})


def check_media_url(value: str, field: str = "url") -> str:
    """Media URLs must be absolute http(s) URLs without embedded credentials (reference §3.1.2)."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise rule_error(
            LOCAL_VALIDATION_CODE,
            field,
            "must be an absolute http(s) URL",
            "Pass a public https URL the API can fetch, or upload the file first and pass its assetId.",
        )
    if parts.username or parts.password:
        raise rule_error(
            LOCAL_VALIDATION_CODE,
            field,
            "must not embed credentials (user:password@)",
            "Use a public or pre-signed URL without credentials, or upload the file and pass assetId.",
        )
    return value


def is_uuid(value: str) -> bool:
    """A UUID in its usual 36- or 32-character spelling (the form every API id takes)."""
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return len(value) in (32, 36)


def check_uuid(value: str, field: str, code: str = LOCAL_VALIDATION_CODE) -> str:
    if not is_uuid(value):
        raise rule_error(code, field, "must be a UUID", f"Pass the {field} exactly as the API returned it.")
    return value


Unit = Annotated[float, Field(ge=0, le=1)]

# ----------------------------------------------------------------------------------------------- inputs


class _MediaInput(RequestModel):
    url: str | None = Field(default=None, description="Public http(s) URL of the file (must stay valid for the job).")
    asset_id: str | None = Field(default=None, alias="assetId", description="Id of an uploaded asset.")
    ref_id: str | None = Field(
        default=None, alias="refId", min_length=1, description="Your label for this input; required with segments."
    )

    @model_validator(mode="after")
    def _one_source(self) -> _MediaInput:
        # Source: reference §3.1.1 (`url` or `assetId`) and §3.1.2 (URLs the API must fetch).
        kind = getattr(self, "type", "media")
        if (self.url is None) == (self.asset_id is None):
            raise rule_error(
                LOCAL_VALIDATION_CODE,
                f"input[{kind}]",
                "give exactly one of url or assetId",
                "Pass either a public URL in url or an uploaded asset id in assetId, not both and not neither.",
            )
        if self.url is not None:
            check_media_url(self.url, f"input[{kind}].url")
        return self


class VideoInput(_MediaInput):
    type: Literal["video"]
    # Deprecated in favour of top-level `segments` (reference §3.1.1, §17), still in the SDK's VideoInput:
    # accepted and sent as given, with a deprecation warning (`CreateGenerationRequest.warnings`). Left out of
    # the advertised schema so that no new call is steered to them.
    segments_secs: SkipJsonSchema[list[list[float]] | None] = None
    segments_frames: SkipJsonSchema[list[list[int]] | None] = None


class ImageInput(_MediaInput):
    """A still image (JPEG, PNG, WebP) to animate; sync-3 only."""

    type: Literal["image"]


class AudioInput(_MediaInput):
    type: Literal["audio"]


class SpeechSettings(RequestModel):
    """What to say and in which voice: shared by text inputs (`provider`) and standalone TTS (`POST /v2/tts`)."""

    voice_id: str = Field(alias="voiceId", min_length=1, description="Voice id from list_voices (or an ElevenLabs id).")
    script: str = Field(min_length=1, max_length=5000, description="Text to speak, 1-5000 characters.")
    stability: Unit | None = Field(default=None, description="0-1; lower is more expressive (default 0.5).")
    similarity_boost: Unit | None = Field(
        default=None, alias="similarityBoost", description="0-1; closeness to the source voice (default 0.75)."
    )


class TtsProvider(SpeechSettings):
    name: Literal["elevenlabs"] = Field(default="elevenlabs", description="TTS provider; only elevenlabs exists.")


class TextInput(RequestModel):
    """Speech synthesised from a script, then lip-synced."""

    type: Literal["text"]
    provider: TtsProvider
    ref_id: str | None = Field(default=None, alias="refId", min_length=1)


GenerationInput = Annotated[VideoInput | ImageInput | AudioInput | TextInput, Field(discriminator="type")]

# ----------------------------------------------------------------------------------------------- options

SyncMode = Literal["bounce", "loop", "cut_off", "silence", "remap"]
ModelMode = Literal["lips", "face", "head"]
Emotion = Literal["happy", "sad", "angry", "disgusted", "surprised", "neutral"]


class ActiveSpeaker(RequestModel):
    """Which face to drive: auto_detect (video only), or frame_number + coordinates, or bounding boxes."""

    auto_detect: bool | None = Field(default=None, description="Let the API find the speaking face (video only).")
    frame_number: int | None = Field(default=None, ge=0, description="Frame the coordinates refer to (0 for images).")
    coordinates: tuple[float, float] | None = Field(default=None, description="[x, y] on the face, source pixels.")
    bounding_boxes: list[tuple[float, float, float, float] | None] | None = Field(
        default=None, description="One [x1, y1, x2, y2] box (or null) per frame."
    )
    bounding_boxes_url: str | None = Field(default=None, description="URL of a JSON file holding bounding_boxes.")
    v3: bool | None = Field(default=None, description="Opt into face detector v3.")

    @field_validator("bounding_boxes_url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        return None if v is None else check_media_url(v, "options.active_speaker_detection.bounding_boxes_url")


SpeakerChoice = Annotated[
    ActiveSpeaker | None,
    # Listed in words, once: the full shape (tuples per frame) tripled this option's share of the create schema,
    # and the model above still checks every field, naming the one that is wrong.
    WithJsonSchema(
        {
            "type": "object",
            "description": "Which face: {auto_detect: true} (video only), or {frame_number, coordinates: [x, y]} "
            "in source pixels, or bounding_boxes ([x1, y1, x2, y2] or null per frame) or bounding_boxes_url; "
            "v3: detector v3.",
        }
    ),
]


class GenerationOptions(RequestModel):
    sync_mode: SyncMode | None = Field(default=None, description="Length-mismatch strategy (video inputs).")
    temperature: Unit | None = Field(default=None, description="0 calm .. 1 expressive (lipsync-2, lipsync-2-pro).")
    model_mode: ModelMode | None = Field(default=None, description="react-1 only: edit lips, face or head.")
    prompt: Emotion | None = Field(default=None, description="react-1 only: emotion to perform.")
    active_speaker_detection: SpeakerChoice = None
    occlusion_detection_enabled: bool | None = Field(default=None, description="Detect hands/mics over the mouth.")
    reasoning_enabled: bool | None = Field(default=None, description="Priced reasoning mode where supported.")

    def set_names(self) -> set[str]:
        return {name for name, value in self if value is not None}


class SegmentOptionsOverride(RequestModel):
    sync_mode: SyncMode | None = None
    temperature: Unit | None = None
    occlusion_detection_enabled: bool | None = None
    active_speaker_detection: SpeakerChoice = None


# ----------------------------------------------------------------------------------------------- segments


class SegmentAudioInput(RequestModel):
    ref_id: str = Field(alias="refId", min_length=1, description="refId of an audio or text input of this request.")
    start_time: float | None = Field(default=None, alias="startTime", ge=0, description="Crop start in the audio (s).")
    end_time: float | None = Field(default=None, alias="endTime", ge=0, description="Crop end in the audio (s).")

    @model_validator(mode="after")
    def _crop(self) -> SegmentAudioInput:
        if (self.start_time is None) != (self.end_time is None):
            raise rule_error(
                "generation_input_trim_invalid",
                "segments[].audioInput",
                "startTime and endTime crop the audio together: give both or neither",
                "Set both audioInput.startTime and audioInput.endTime, or drop both to use the whole take.",
            )
        # Source: reference §3.1.4 (invalid crops -> generation_input_trim_invalid). A crop ending before it
        # starts is refused; equal times are allowed, as for segments (docs.sync.so segments guide).
        if self.start_time is not None and self.end_time is not None and self.end_time < self.start_time:
            raise rule_error(
                "generation_input_trim_invalid",
                "segments[].audioInput.endTime",
                "must not be before startTime",
                "Give an audio crop whose endTime is at or after its startTime.",
            )
        return self


class GenerationSegment(RequestModel):
    start_time: float = Field(alias="startTime", ge=0, description="Start of the video range (s).")
    end_time: float = Field(alias="endTime", ge=0, description="End of the video range (s), after startTime.")
    audio_input: SegmentAudioInput = Field(alias="audioInput")
    options_override: Annotated[
        SegmentOptionsOverride | None,
        # In words: the same four options as `options` (checked by the model above), not their schemas again.
        WithJsonSchema(
            {
                "type": "object",
                "description": "This segment's own sync_mode, temperature, occlusion_detection_enabled or "
                "active_speaker_detection, as in options.",
            }
        ),
    ] = Field(default=None, alias="optionsOverride")

    @model_validator(mode="after")
    def _ordered(self) -> GenerationSegment:
        # Source: reference §3.1.4 (generation_input_segments_invalid). Zero-length segments
        # (startTime == endTime) are allowed by the docs.sync.so segments guide, so only a reversed range is refused.
        if self.end_time < self.start_time:
            raise rule_error(
                "generation_input_segments_invalid",
                "segments[].endTime",
                "must not be before startTime",
                "Give each segment a video range whose endTime is at or after its startTime.",
            )
        return self


# ----------------------------------------------------------------------------------------------- dubbing


class DubParams(RequestModel):
    """Translate the video's own speech into targetLang and lip-sync to it."""

    target_lang: DubLanguage = Field(
        alias="targetLang", description="Language code to dub into, e.g. es, de, ja (93 codes; completion lists them)."
    )
    source_lang: SourceLanguage | None = Field(
        default=None, alias="sourceLang", description="Spoken language of the video; default auto."
    )
    provider_name: Literal["elevenlabs"] | None = Field(default=None, alias="providerName")
    # Documented by the dubbing tutorial and the video-dubbing guide: optional, 0 = auto-detect, else 1-50.
    num_speakers: int | None = Field(
        default=None, alias="numSpeakers", ge=0, le=50, description="0 = auto-detect, or 1-50 speakers."
    )


# ----------------------------------------------------------------------------------------------- create


OUTPUT_FILE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")


class CreateGenerationRequest(RequestModel):
    """Body of `POST /v2/generate` (reference §3.1)."""

    model: ModelId = Field(description="Only sync-3 takes an image.")
    input: Annotated[
        list[GenerationInput],
        # Listed in words, once: the item shapes as schemas were a third of this tool's listing. The models above
        # still check every item and name the field that is wrong (input.1.provider.script, ...).
        WithJsonSchema(
            {
                "type": "array",
                "minItems": 1,
                "items": {"type": "object"},
                "description": "Items {type: video|image|audio, url or assetId (upload_media), refId?} or {type: "
                "text, provider: {voiceId (list_voices), script (<= 5000 chars), stability?, similarityBoost? "
                "(0-1)}, refId?}: one video or image, one audio or text (several, with refIds, with segments).",
            }
        ),
    ] = Field(min_length=1)
    options: Annotated[
        GenerationOptions | None,
        # In words, once (lipsync's `options` points here): the model above checks each option, and a refused
        # value's error lists the accepted ones.
        WithJsonSchema(
            {
                "type": "object",
                "description": "sync_mode (bounce|loop|cut_off|silence|remap: length mismatch, video), temperature "
                "(0 calm .. 1 expressive; lipsync-2, lipsync-2-pro), on react-1 model_mode (lips|face|head) and "
                "prompt (happy|sad|angry|disgusted|surprised|neutral), active_speaker_detection (which face: "
                "{auto_detect: true} on video, {frame_number, coordinates: [x, y]} in source pixels, bounding_boxes "
                "([x1, y1, x2, y2] or null per frame) or bounding_boxes_url; v3: detector v3), "
                "occlusion_detection_enabled (hands/mics over the mouth), reasoning_enabled (priced).",
            }
        ),
    ] = None
    segments: Annotated[
        list[GenerationSegment] | None,
        # In words, as `input` (the models above check every segment and name the field that is wrong).
        WithJsonSchema(
            {
                "type": "array",
                "minItems": 1,
                "items": {"type": "object"},
                "description": "Multi-voice timeline: [{startTime, endTime (video s), audioInput: {refId, startTime?, "
                "endTime? (crop, s)}, optionsOverride? (sync_mode, temperature, occlusion_detection_enabled, "
                "active_speaker_detection)}].",
            }
        ),
    ] = Field(default=None, min_length=1)
    webhook_url: str | None = Field(default=None, alias="webhookUrl", description="URL POSTed when the job ends.")
    output_file_name: str | None = Field(
        default=None,
        alias="outputFileName",
        description="Result's base name: letters, digits, _, -; .mp4 is added.",
    )
    dub_params: Annotated[
        DubParams | None,
        # In words, as `input` (the model above checks each field; a language it does not know is refused with
        # the list of codes).
        WithJsonSchema(
            {
                "type": "object",
                "description": "Dub the video's own speech: {targetLang (es, de, ja...; 93 codes, completion lists "
                "them), sourceLang? (default auto), numSpeakers? (0 = auto, 1-50), providerName? (elevenlabs)}.",
            }
        ),
    ] = Field(default=None, alias="dubParams")
    project_id: str | None = Field(default=None, alias="projectId", description="Project UUID to file the job under.")
    # Early access (reference §3.1): the reference gives no schema, so the object is sent exactly as given; an
    # organisation without the rollout gets 422 dialogue_edit_retime_required from the API.
    dialogue_edit: dict[str, Any] | None = Field(
        default=None, alias="dialogueEdit", description="Early access: dialogue-edit settings, sent as given."
    )

    @field_validator("webhook_url")
    @classmethod
    def _webhook(cls, v: str | None) -> str | None:
        return None if v is None else check_media_url(v, "webhookUrl")

    @field_validator("project_id")
    @classmethod
    def _project(cls, v: str | None) -> str | None:
        return None if v is None else check_uuid(v, "projectId", "project_not_found")

    @field_validator("output_file_name")
    @classmethod
    def _file_name(cls, v: str | None) -> str | None:
        if v is not None and not OUTPUT_FILE_NAME.match(v):
            raise rule_error(
                LOCAL_VALIDATION_CODE,
                "outputFileName",
                "only letters, digits, _ and - are allowed, at most 255 characters, without an extension",
                "Use a plain base name such as hello_v1; .mp4 is appended by the API.",
            )
        return v

    # -- cross-field rules (reference §3.1.1, numbered as there)
    @model_validator(mode="after")
    def _rules(self) -> CreateGenerationRequest:
        visuals = [i for i in self.input if i.type in ("video", "image")]
        voices = [i for i in self.input if i.type in ("audio", "text")]
        # Sources of the refusals here: reference §3.1 (`input` row: one visual, one voice item, several voice
        # items only with segments), §3.1.1 (image is sync-3 only: generation_unsupported_model).
        if not visuals:
            raise rule_error(
                LOCAL_VALIDATION_CODE,
                "input",
                "needs one video or image item",
                "Add an input item of type video (url or assetId), or of type image with model sync-3.",
            )
        if len(visuals) > 1:
            raise rule_error(
                "generation_input_too_many_visual",
                "input",
                f"has {len(visuals)} video/image items; exactly one is allowed",
                "Keep a single video or image item; run one generation per visual.",
            )
        visual = visuals[0]
        cap = MODELS[self.model]
        if visual.type == "image" and not cap.accepts_image:
            raise rule_error(
                "generation_unsupported_model",
                "model",
                f"{self.model} does not accept image inputs",
                "Use model sync-3 to animate a still image, or pass a video instead.",
            )
        if self.dub_params is not None:
            # Audio/text items beside dubParams are sent: the create reference and the dubbing tutorial say the
            # API ignores them (see `warnings`). Source of the refusal below: reference §3.1 (`input`: "With
            # dubParams: one video") and §3.1.5 (the video's own audio track is translated).
            if visual.type != "video":
                raise rule_error(
                    LOCAL_VALIDATION_CODE,
                    "dubParams",
                    "dubbing needs a video input (with its own speech)",
                    "Pass the video to dub as the only input item.",
                )
        elif not voices and self.dialogue_edit is None:  # a dialogue edit's preview is the new speech
            raise rule_error(
                LOCAL_VALIDATION_CODE,
                "input",
                "needs an audio or text item to drive the lips",
                "Add an audio item (url or assetId) or a text item with provider.voiceId and provider.script, "
                "or pass dubParams to translate the video's own speech.",
            )
        # Source: reference §3.1 (`input`: several voice items only together with segments). With dubParams the
        # voice items are ignored by the API, so they are not counted.
        if len(voices) > 1 and not self.segments and self.dub_params is None:
            raise rule_error(
                "generation_input_segments_invalid",
                "input",
                f"has {len(voices)} audio/text items; several voice items need segments",
                "Keep one audio/text item, or add segments mapping video ranges to each item's refId.",
            )
        self._check_segments(voices)
        self._check_options(visual.type)
        return self

    def _check_segments(self, voices: list[Any]) -> None:
        # Source: reference §3.1 (`segments` row: unique refId on every audio/text input) and §3.1.4 (refIds
        # must name an input; ranges must not overlap: generation_input_segments_invalid).
        ref_ids = [i.ref_id for i in self.input if i.ref_id is not None]
        duplicated = sorted(r for r, n in Counter(ref_ids).items() if n > 1)
        if duplicated:
            raise rule_error(
                "generation_input_segments_invalid",
                "input[].refId",
                f"refIds must be unique; repeated: {', '.join(duplicated)}",
                "Give every input item its own refId.",
            )
        if not self.segments:
            return
        missing = [i.type for i in voices if i.ref_id is None]
        if missing:
            raise rule_error(
                "generation_input_segments_invalid",
                "input[].refId",
                "with segments every audio/text item needs a refId",
                "Set a unique refId on each audio/text item and use it in segments[].audioInput.refId.",
            )
        voice_refs = {i.ref_id for i in voices}
        for n, seg in enumerate(self.segments):
            if seg.audio_input.ref_id not in voice_refs:
                raise rule_error(
                    "generation_input_segments_invalid",
                    f"segments[{n}].audioInput.refId",
                    f"'{seg.audio_input.ref_id}' is not the refId of an audio/text input",
                    f"Use one of: {', '.join(sorted(r for r in voice_refs if r))}.",
                )
        ordered = sorted(self.segments, key=lambda s: s.start_time)
        for a, b in itertools.pairwise(ordered):
            if b.start_time < a.end_time:
                raise rule_error(
                    "generation_input_segments_invalid",
                    "segments",
                    f"video ranges overlap ({a.start_time}-{a.end_time} and {b.start_time}-{b.end_time})",
                    "Make segment ranges disjoint: each startTime at or after the previous endTime.",
                )

    def _check_options(self, visual_type: str) -> None:
        if self.options is None:
            return
        # Source: reference §3.1.3 (auto_detect: "Video only — rejected for image inputs"). Options a model does
        # not support (model_mode and prompt off react-1 among them) are ignored by the API: `warnings` says so
        # (reference §3.1, rule 10).
        asd = self.options.active_speaker_detection
        if visual_type == "image" and asd is not None and asd.auto_detect:
            raise rule_error(
                "generation_input_face_selection_invalid",
                "options.active_speaker_detection.auto_detect",
                "automatic speaker detection works on videos only",
                "For an image, select the face with frame_number 0 and coordinates [x, y] in image pixels.",
            )

    def warnings(self) -> list[str]:
        """Options this model or input ignores (the API drops them silently): say so instead."""
        out: list[str] = []
        cap = MODELS[self.model]
        visual = next(i for i in self.input if i.type in ("video", "image"))
        if self.options is not None:
            ignored = sorted(self.options.set_names() - cap.options - {"reasoning_enabled"})
            out.extend(f"options.{name} is ignored by {self.model}" for name in ignored)
            if visual.type == "image" and self.options.sync_mode is not None:
                out.append("options.sync_mode is ignored for image inputs")
        voices = [i.type for i in self.input if i.type in ("audio", "text")]
        if self.dub_params is not None and voices:
            out.append(
                f"input {'/'.join(sorted(set(voices)))} items are ignored by the API when dubParams is present "
                "(the video's own speech is translated); sent as given"
            )
        if visual.type == "video":
            out.extend(
                f"input[video].{name} is deprecated (use top-level segments); sent as given"
                for name in ("segments_secs", "segments_frames")
                if getattr(visual, name) is not None
            )
        return out


# ----------------------------------------------------------------------------------------------- responses

GenerationStatus = Literal["PENDING", "PROCESSING", "COMPLETED", "FAILED", "REJECTED", "CANCELED", "TIMED_OUT"]
OpenGenerationStatus = open_enum(GenerationStatus, "Generation.status")
"""A status as read: one of the known ones, or a newer one the API adds (kept as sent)."""


class Generation(ResponseModel):
    """The `Generation` object (reference §3.11). Strings are kept exactly as the API sent them."""

    id: str
    created_at: str | None = Field(default=None, alias="createdAt")
    status: OpenGenerationStatus
    model: str | None = None
    input: list[dict[str, Any]] | None = None
    options: dict[str, Any] | None = None
    segments: list[dict[str, Any]] | None = None
    output_url: str | None = Field(default=None, alias="outputUrl")
    output_duration: float | None = Field(default=None, alias="outputDuration")
    output_file_name: str | None = Field(default=None, alias="outputFileName")
    segment_output_url: str | None = Field(default=None, alias="segmentOutputUrl")
    synthesized_audio_url: str | None = Field(default=None, alias="synthesizedAudioUrl")
    error: str | None = None
    error_code: str | None = Field(
        default=None,
        alias="errorCode",
        validation_alias=AliasChoices("errorCode", "error_code"),  # polled: errorCode; SDK/webhook: error_code
    )
    webhook_url: str | None = Field(default=None, alias="webhookUrl")
    project_id: str | None = Field(default=None, alias="projectId")
    progress_percent: float | None = None

    @model_validator(mode="before")
    @classmethod
    def _media_url_alias(cls, data: Any) -> Any:
        # Newer surfaces name the result outputMediaUrl; read `outputMediaUrl ?? outputUrl` (reference §3.11).
        if isinstance(data, dict) and data.get("outputUrl") is None and data.get("outputMediaUrl"):
            data = {**data, "outputUrl": data["outputMediaUrl"]}
        return data


class ApiErrorBody(ResponseModel):
    """The body of any 4xx/5xx response (reference §11)."""

    status_code: int | None = Field(default=None, alias="statusCode")
    message: str | list[str] | None = None
    error_code: str | None = Field(default=None, alias="errorCode", validation_alias=AliasChoices("errorCode", "code"))
    suggestion: str | None = None
    field: str | None = None
    error: str | None = None
    request_id: str | None = Field(default=None, alias="requestId")
    generation_id: str | None = Field(default=None, alias="generationId")
    retry_after_seconds: float | None = Field(default=None, alias="retryAfterSeconds")
    active_generations: int | None = Field(default=None, alias="activeGenerations")
    concurrency_limit: int | None = Field(default=None, alias="concurrencyLimit")


class ErrorCatalogEntry(ResponseModel):
    """One entry of `GET /v2/errors`: `{code, message, suggestion}` on the wire."""

    code: str
    message: str = ""
    suggestion: str = ""


class ModelInfo(ResponseModel):
    """One entry of `GET /v2/models` (reference §4.1)."""

    id: str
    name: str | None = None
    type: str | None = None
    version: str | None = None
    description: str | None = None
    deprecated_at: str | None = Field(default=None, alias="deprecatedAt")
