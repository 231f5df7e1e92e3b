"""What a lipsync asks for and the create body it makes, with no network: `LipsyncRequest` (the media and what
drives the lips; the tool adds how the call runs: wait, timeout, download, idempotencyKey), every rule on how
they combine, what drives the lips (`Speaker`s), and the body built and checked once by the wire model
`create_generation` uses. Local files stand in as a placeholder asset id until they are uploaded; `with_sources`
then puts each upload's asset id where its placeholder was, without building the body again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from sync_mcp.api import CreateGenerationRequest
from sync_mcp.api.capabilities import ModelId
from sync_mcp.api.types.shared import Unit
from sync_mcp.guidance import refusals
from sync_mcp.guidance.errors import ErrorInfo

from .attachments import MediaArgument
from .media_sources import MediaSource, classify, label
from .paths import Folders

PLACEHOLDER_ASSET_ID = "00000000-0000-0000-0000-000000000000"
"""Stands in for a local file's future asset id while the body's rules are checked, before any upload."""

VISUAL_MODEL: dict[str, ModelId] = {"image": "sync-3", "video": "lipsync-2"}
"""Default model per visual kind: sync-3 is the only model that animates an image."""

WIRE_NAMES = {"dubParams.targetLang": "target_language", "dubParams.sourceLang": "source_language"}
"""Wire fields of the create body that are lipsync arguments under another name (for error messages)."""


# One speaker's part of the video: recorded audio, or a script in a voice, over start-end seconds. (No docstring:
# the `segments` parameter describes it, and a docstring would be repeated in the schema every model reads.)
class SpeakerSegment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: float = Field(ge=0)
    end: float = Field(ge=0)
    audio: str | None = None
    script: str | None = Field(default=None, min_length=1, max_length=5000)
    voice_id: str | None = Field(default=None, min_length=1)
    audio_start: float | None = Field(default=None, ge=0)
    audio_end: float | None = Field(default=None, ge=0)


class LipsyncRequest(BaseModel):
    """What one lipsync asks for; the tool's parameters are these fields and its own (tools/lipsync.py)."""

    # Media: a URL, an asset id or a local file path, as the tool's description says once for all three.
    video: MediaArgument | None = Field(default=None, description="The face video.")
    image: MediaArgument | None = Field(default=None, description="Or a still face image (sync-3).")
    audio: MediaArgument | None = Field(default=None, description="Speech to sync to.")
    audio_start: float | None = Field(
        default=None, ge=0, description="Use only part of the audio (or script's speech): from this second..."
    )
    audio_end: float | None = Field(default=None, ge=0, description="...to this second (both or neither).")
    script: str | None = Field(default=None, min_length=1, max_length=5000, description="Or text to speak.")
    voice_id: str | None = Field(default=None, min_length=1, description="Voice for script: an id from list_voices.")
    stability: Unit | None = Field(default=None, description="Scripts: 0-1, lower is more expressive.")
    similarity_boost: Unit | None = Field(default=None, description="Scripts: 0-1, closeness to the voice.")
    segments: Annotated[
        list[SpeakerSegment] | None,
        # Listed in words (the model above checks each segment and names the field that is wrong).
        WithJsonSchema(
            {
                "type": "array",
                "minItems": 1,
                "items": {"type": "object"},
                "description": "Several speakers: [{start, end (video seconds, apart), audio | script + voice_id, "
                "audio_start?, audio_end? (part of its audio)}].",
            }
        ),
    ] = Field(default=None, min_length=1)
    target_language: str | list[str] | None = Field(
        default=None, description="Dub the video's speech into this language (es, de, ja...), or several: [es, fr]."
    )
    source_language: str | None = Field(default=None, description="Language spoken in the video; default auto.")
    model: ModelId | None = Field(default=None, description="Default: sync-3 for an image, lipsync-2 for a video.")
    options: dict[str, Any] | None = Field(
        default=None, description="create_generation's options, e.g. {sync_mode: cut_off, temperature: 0.5}."
    )
    output_name: str | None = Field(
        default=None, description="Result's name (letters, digits, _, -; .mp4 added), also of the saved file."
    )


Crop = tuple[float, float]
"""The part of an audio (or of a script's speech) to use: from, to, in seconds of that audio."""


@dataclass(frozen=True)
class Span:
    """A range of the video a speaker drives, and the part of the speaker's audio used there (None: all of it)."""

    start: float
    end: float
    crop: Crop | None = None

    def described(self) -> str:
        cropped = f" (its seconds {self.crop[0]:g}-{self.crop[1]:g})" if self.crop is not None else ""
        return f"{self.start:g}-{self.end:g} s{cropped}"

    def crop_words(self) -> str:
        """A single speaker's crop: which part of the audio, over which part of the video."""
        crop = self.crop or (0.0, self.end - self.start)
        return f"its seconds {crop[0]:g}-{crop[1]:g}, over {self.start:g}-{self.end:g} s of the video"


@dataclass(frozen=True)
class Speaker:
    """What drives the lips over some ranges of the video (none: all of it): recorded audio, or a script."""

    audio: MediaSource | None = None
    script: str | None = None
    voice_id: str | None = None
    ranges: tuple[Span, ...] = ()

    def described(self) -> str:
        if self.audio is not None:
            return f"audio {label(self.audio)}"
        return f"script ({len(self.script or '')} characters) in voice {self.voice_id}"


@dataclass(frozen=True)
class LipsyncMedia:
    """The media of one call: the visual and what drives the lips (no speaker when dubbing)."""

    visual: MediaSource
    speakers: list[Speaker]

    @property
    def sources(self) -> list[MediaSource | None]:
        """The visual, then each speaker's audio (None for a script): the order `create_request` takes them in."""
        return [self.visual, *(s.audio for s in self.speakers)]


def read_media(args: LipsyncRequest, folders: Folders) -> LipsyncMedia:
    """Every rule on the arguments that needs no network, and the media they name (local files checked)."""
    scripted = args.script is not None or any(s.script is not None for s in args.segments or [])
    if not scripted and (args.stability is not None or args.similarity_boost is not None):
        name = "stability" if args.stability is not None else "similarity_boost"
        raise refusals.script_option_without_script(name)
    return LipsyncMedia(_visual(args, folders), _speakers(args, folders))


def create_request(args: LipsyncRequest, media: LipsyncMedia) -> CreateGenerationRequest:
    """The create body (a `ValidationError` when it breaks the wire model's rules), local files standing in as a
    placeholder asset id, so the body's own rules (image needs sync-3, language codes, ranges, option ranges, ...)
    run before any upload."""
    sources = [_placeholder(s) for s in media.sources]
    return _body(args, media.visual, sources[0] or {}, media.speakers, sources[1:])


def with_sources(request: CreateGenerationRequest, resolved: list[dict[str, str] | None]) -> CreateGenerationRequest:
    """`request` with each uploaded file's asset id where its placeholder was (`resolved`: each of the media's
    sources as sent, in the order of the body's `input`; None for a script, whose item has no source)."""
    items = [
        item
        if wire is None or getattr(item, "asset_id", None) != PLACEHOLDER_ASSET_ID
        else item.model_copy(update={"url": wire.get("url"), "asset_id": wire.get("assetId")})
        for item, wire in zip(request.input, resolved, strict=True)
    ]
    return request.model_copy(update={"input": items})


def _visual(args: LipsyncRequest, folders: Folders) -> MediaSource:
    if args.video is not None and args.image is not None:
        raise refusals.two_visuals()
    if args.video is None and args.image is None:
        raise refusals.no_visual()
    if args.video is not None:
        return classify(args.video, "video", field="video", folders=folders)
    return classify(args.image or "", "image", field="image", folders=folders)


def _speakers(args: LipsyncRequest, folders: Folders) -> list[Speaker]:
    """What drives the lips (none when dubbing): every combination rule, no network."""
    single = args.audio is not None or args.script is not None or args.voice_id is not None
    if args.target_language is not None:
        names = ("audio", "script", "voice_id", "segments", "audio_start", "audio_end")
        extra = next((n for n in names if getattr(args, n) is not None), None)
        if extra is not None:
            raise refusals.dub_with_driver(extra)
        if args.video is None:
            raise refusals.dub_without_video()
        return []
    if args.source_language is not None:
        raise refusals.source_language_without_dub()
    if args.segments is not None:
        if single or args.audio_start is not None or args.audio_end is not None:
            names = ("audio", "script", "voice_id", "audio_start", "audio_end")
            name = next(n for n in names if getattr(args, n) is not None)
            raise refusals.driver_beside_segments(name)
        if args.image is not None:
            raise refusals.segments_on_image()
        return _segment_speakers(args.segments, folders)
    if args.audio is None and args.script is None:
        raise refusals.no_driver()
    speaker = _driver(args.audio, args.script, args.voice_id, "", folders)
    crop = _crop(args.audio_start, args.audio_end, "")
    if crop is None:
        return [speaker]
    if args.image is not None:
        raise refusals.crop_on_image()
    # The API crops only within segments (reference §3.1.4): one segment over the start of the video, as long as
    # the crop, driven by that part of the audio.
    return [Speaker(speaker.audio, speaker.script, speaker.voice_id, (Span(0.0, crop[1] - crop[0], crop),))]


def _crop(start: float | None, end: float | None, at: str) -> Crop | None:
    """audio_start/audio_end as a crop: both or neither, the end not before the start (reference §3.1.4)."""
    if start is None and end is None:
        return None
    if start is None or end is None:
        missing = f"{at}audio_start" if start is None else f"{at}audio_end"
        raise refusals.half_a_crop(missing)
    if end < start:
        raise refusals.crop_backwards(f"{at}audio_end", start, end)
    return (start, end)


def _driver(audio: str | None, script: str | None, voice_id: str | None, at: str, folders: Folders) -> Speaker:
    if audio is not None and script is not None:
        raise refusals.audio_and_script(f"{at}audio")
    if audio is None and script is None:
        raise refusals.neither_audio_nor_script(f"{at}audio")
    if script is not None and voice_id is None:
        raise refusals.script_without_voice(f"{at}voice_id")
    if script is None and voice_id is not None:
        raise refusals.voice_without_script(f"{at}script")
    if audio is not None:
        return Speaker(audio=classify(audio, "audio", field=f"{at}audio", folders=folders))
    return Speaker(script=script, voice_id=voice_id)


def _segment_speakers(segments: list[SpeakerSegment], folders: Folders) -> list[Speaker]:
    """One speaker per distinct driver (the same audio or script+voice twice is one speaker), with its ranges."""
    speakers: dict[tuple[str | None, ...], Speaker] = {}
    for n, part in enumerate(segments):
        key = (part.audio, part.script, part.voice_id)
        at = f"segments[{n}]."
        known = speakers.get(key) or _driver(part.audio, part.script, part.voice_id, at, folders)
        span = Span(part.start, part.end, _crop(part.audio_start, part.audio_end, at))
        speakers[key] = Speaker(known.audio, known.script, known.voice_id, (*known.ranges, span))
    return list(speakers.values())


def _voice_item(speaker: Speaker, source: dict[str, str] | None, args: LipsyncRequest) -> dict[str, Any]:
    if source is not None:
        return {"type": "audio", **source}
    provider = {
        "voiceId": speaker.voice_id,
        "script": speaker.script,
        "stability": args.stability,
        "similarityBoost": args.similarity_boost,
    }
    return {"type": "text", "provider": {k: v for k, v in provider.items() if v is not None}}


def _body(
    args: LipsyncRequest,
    visual: MediaSource,
    visual_source: dict[str, str],
    speakers: list[Speaker],
    sources: list[dict[str, str] | None],
) -> CreateGenerationRequest:
    """The create body, validated by the wire model create_generation uses (`sources`: each speaker's audio)."""
    voices = [_voice_item(s, src, args) for s, src in zip(speakers, sources, strict=True)]
    body: dict[str, Any] = {"model": args.model or VISUAL_MODEL[visual.kind], "outputFileName": args.output_name}
    if any(speaker.ranges for speaker in speakers):
        refs = [f"speaker{n}" for n in range(1, len(speakers) + 1)]
        voices = [{**v, "refId": ref} for v, ref in zip(voices, refs, strict=True)]
        body["segments"] = sorted(
            (
                {"startTime": span.start, "endTime": span.end, "audioInput": _audio_input(ref, span.crop)}
                for speaker, ref in zip(speakers, refs, strict=True)
                for span in speaker.ranges
            ),
            key=lambda s: s["startTime"],
        )
    if args.target_language is not None:
        body["dubParams"] = {"targetLang": args.target_language, "sourceLang": args.source_language}
        body["dubParams"] = {k: v for k, v in body["dubParams"].items() if v is not None}
    body["input"] = [{"type": visual.kind, **visual_source}, *voices]
    if args.options:
        body["options"] = args.options  # validated as GenerationOptions with the rest of the body
    return CreateGenerationRequest.model_validate({k: v for k, v in body.items() if v is not None})


def _audio_input(ref: str, crop: Crop | None) -> dict[str, Any]:
    """A segment's `audioInput`: the speaker's refId, and the crop of its audio when one is asked for."""
    if crop is None:
        return {"refId": ref}
    return {"refId": ref, "startTime": crop[0], "endTime": crop[1]}


def asked(args: LipsyncRequest, request: CreateGenerationRequest, speakers: list[Speaker]) -> list[str]:
    """What the body asks for, in words a model can check against the user's request."""
    said: list[str] = []
    if request.dub_params is not None:
        source = request.dub_params.source_lang or "auto-detected"
        said.append(f"dubbed to: {request.dub_params.target_lang} (spoken language: {source})")
    elif args.segments is not None:
        for n, speaker in enumerate(speakers, start=1):
            ranges = ", ".join(span.described() for span in speaker.ranges)
            said.append(f"speaker {n} ({speaker.described()}): {ranges}")
    elif speakers[0].ranges:
        [span] = speakers[0].ranges
        said.append(f"lips synced to: {speakers[0].described()}, only {span.crop_words()}")
    else:
        said.append(f"lips synced to: {speakers[0].described()}")
    if request.output_file_name is not None:
        said.append(f"output name: {request.output_file_name}.mp4")
    return said


def _placeholder(source: MediaSource | None) -> dict[str, str] | None:
    if source is None:
        return None
    return source.wire(PLACEHOLDER_ASSET_ID if source.local is not None else None)


def renamed(info: ErrorInfo) -> ErrorInfo:
    """A refusal of the create body, naming lipsync's own arguments where they differ from the wire's."""
    message, field_name = info.message, info.field
    for wire, argument in WIRE_NAMES.items():
        message = message.replace(wire, argument)
        if field_name is not None and field_name.startswith(wire):
            field_name = argument
    if field_name == "outputFileName":
        message, field_name = message.replace("outputFileName", "output_name"), "output_name"
    if field_name is not None and field_name.startswith("segments"):  # the wire's startTime/endTime: start/end
        for wire, argument in (("audioInput.startTime", "audio_start"), ("audioInput.endTime", "audio_end")):
            field_name, message = field_name.replace(wire, argument), message.replace(wire, argument)
        field_name = field_name.replace("startTime", "start").replace("endTime", "end")
        message = message.replace("startTime", "start").replace("endTime", "end")
    return info.model_copy(update={"message": message, "field": field_name})
