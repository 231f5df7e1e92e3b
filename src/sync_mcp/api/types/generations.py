"""Generations (reference §3): the create body (`CreateGenerationRequest`, with the cross-field rules of
reference §3.1.1), a file sent with a multipart create, and the `Generation` object.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass
from typing import Annotated, Any, BinaryIO, Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic.json_schema import WithJsonSchema

from ..capabilities import MODELS, ModelId
from ..errors import LOCAL_VALIDATION_CODE
from .generation_inputs import DubParams, GenerationInput, GenerationOptions, GenerationSegment
from .shared import RequestModel, ResponseModel, check_media_url, check_uuid, open_enum, rule_error

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


@dataclass(frozen=True)
class FormFile:
    """A local file sent in the multipart create as the form field of its input type (`video`, `image`, `audio`)."""

    kind: Literal["video", "image", "audio"]
    name: str
    file: BinaryIO
    """Open for reading (the caller opened and checked it); read from its start on each attempt."""
    content_type: str
    input_index: int
    """The item of the body's `input` that this file supplies."""
