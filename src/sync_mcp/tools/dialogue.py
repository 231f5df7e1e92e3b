"""`transcribe`: what is said in a video or audio, word by word with ids and times (the words dialogue edits
name), optionally written out as SRT or WebVTT subtitles. The workflow steps are services/dialogue.py; the
subtitle cues services/subtitles.py."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import anyio
from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import BaseModel, ConfigDict, Field

from sync_mcp.api.types.transcriptions import JobError, Transcript, Transcription, TranscriptionRequest, TranscriptWord
from sync_mcp.guidance import refusals, steps
from sync_mcp.services.dialogue import hosted_url
from sync_mcp.services.dialogue import transcribe as follow_transcription
from sync_mcp.services.download_links import mint_subtitles
from sync_mcp.services.media_sources import classify
from sync_mcp.services.paths import output_file
from sync_mcp.services.subtitles import SubtitleFormat, render
from sync_mcp.toolkit.results import Progress, ok, sync_tool
from sync_mcp.toolkit.state import (
    JobWait,
    ToolState,
    caller_api_key,
    caller_folders,
    caller_id,
    is_remote,
    tool_state,
    wait_seconds,
)

from .downloads import link_url

MediaArgument = Annotated[str | None, Field(description="An https URL, an asset id, or a local file path.")]


class Segment(BaseModel):
    """A stretch of speech as a model reads it; its words only when asked for (a long video has thousands)."""

    model_config = ConfigDict(populate_by_name=True)

    id: str | None = None
    speaker_id: str | None = Field(default=None, alias="speakerId")
    start_ms: float = Field(alias="startMs")
    end_ms: float = Field(alias="endMs")
    text: str
    words: list[TranscriptWord] | None = Field(default=None, description="{id, text, startMs, endMs} (words=true).")


def _segments(transcript: Transcript, words: bool) -> list[Segment]:
    return [
        Segment(
            id=s.id,
            speakerId=s.words[0].speaker_id,
            startMs=s.words[0].start_ms,
            endMs=s.words[-1].end_ms,
            text=" ".join(w.text for w in s.words),
            words=s.words if words else None,
        )
        for s in transcript.segments
        if s.words
    ]


class TranscribeResult(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str = Field(description="Transcription id: pass it as transcription_id to continue or to edit_dialogue.")
    status: str = Field(description="PENDING, PROCESSING, COMPLETED or FAILED.")
    text: str | None = Field(default=None, description="Everything said, in order (once COMPLETED).")
    speaker_count: int | None = Field(default=None, alias="speakerCount")
    speakers: list[str] | None = Field(default=None, description="The speaker ids the words name.")
    segments: list[Segment] | None = Field(default=None, description="Times in ms from the start of the media.")
    subtitle_path: str | None = Field(default=None, alias="subtitlePath", description="The SRT/VTT file written.")
    subtitle_url: str | None = Field(
        default=None, alias="subtitleUrl", description="A remote user's subtitles: give them this download link."
    )
    error: JobError | None = None
    next_step: str = Field(alias="nextStep")


def _request(video: str | None, audio: str | None, transcription_id: str | None) -> None:
    if sum(v is not None for v in (video, audio, transcription_id)) != 1:
        raise refusals.transcribe_needs_one_source()


async def _subtitles(
    state: ToolState, ctx: Context[Any, Any], job: Transcription, form: SubtitleFormat | None
) -> dict[str, str]:
    """The subtitles asked for: written to the caller's output folder, or, for a remote user (whose computer is
    not the server's), a download link of this server, as download_output hands over videos."""
    if form is None or job.transcript is None:
        return {}
    if is_remote(ctx, state.settings):
        owner, key = caller_id(ctx) or "", caller_api_key(ctx)
        link, _ = await mint_subtitles(state, state.upload_links, owner, key, job.id, form)
        return {"subtitleUrl": link_url(ctx, state, link.token)}
    path = output_file(caller_folders(ctx), f"transcript-{job.id}.{form}")
    await anyio.Path(path).write_text(render(job.transcript.words(), form), encoding="utf-8")
    return {"subtitlePath": str(path)}


@sync_tool(title="Transcribe speech (words, times, subtitles)", read_only=False, destructive=False)
async def transcribe(
    ctx: Context[Any, Any],
    video: MediaArgument = None,
    audio: MediaArgument = None,
    transcription_id: Annotated[
        str | None, Field(description="Continue an earlier transcription (its id) instead of starting one.")
    ] = None,
    format: Annotated[
        Literal["srt", "vtt"] | None,
        Field(description="Also write subtitles (.srt or .vtt) to the output folder (a remote user gets a link)."),
    ] = None,
    words: Annotated[
        bool, Field(description="Also list every word with its id and times (for edit_dialogue's edits).")
    ] = False,
    timeout: JobWait = None,
) -> Annotated[CallToolResult, TranscribeResult]:
    """What a video or audio says: text, speakers, timed segments (words with ids and times on request).

    Waits with progress; if the wait runs out, call again with transcription_id. format=srt|vtt also writes
    subtitles. Word ids feed edit_dialogue.
    """
    state = tool_state(ctx)
    _request(video, audio, transcription_id)
    limit = wait_seconds(timeout, state.settings.max_wait_seconds)
    progress = Progress(ctx)
    request = None
    if transcription_id is None:
        kind, given = ("video", video) if video is not None else ("audio", audio)
        assert given is not None
        source = classify(given, kind, field=kind, folders=caller_folders(ctx))
        url = await hosted_url(state.client, source, progress)
        request = TranscriptionRequest.model_validate({"sourceVideoUrl" if kind == "video" else "sourceAudioUrl": url})
    job, _ = await follow_transcription(state.client, request, transcription_id, limit, progress)
    spoken = job.transcript.words() if job.transcript is not None else []
    result = TranscribeResult(
        id=job.id,
        status=job.status,
        text=job.transcript.text() if job.transcript is not None else None,
        speakerCount=job.speaker_count,
        speakers=sorted({w.speaker_id for w in spoken if w.speaker_id}) or None,
        segments=_segments(job.transcript, words) if job.transcript is not None else None,
        **await _subtitles(state, ctx, job, format),
        error=job.error,
        nextStep=steps.transcribed(job.id, job.status),
    )
    return ok(result)
