"""The parts of a create body (reference §3.1): input items, options, segments and dubbing parameters."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema, WithJsonSchema

from ..errors import LOCAL_VALIDATION_CODE
from ..languages import DubLanguage, SourceLanguage
from .shared import RequestModel, Unit, check_media_url, rule_error


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
