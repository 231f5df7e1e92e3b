"""A call's steps, in words: the phase it is in while it runs (progress messages), and the step to take next once
a tool returns (`nextStep`).

Progress (the first section). A workflow runs in phases (a file's upload, the create, the wait for the job, the
download); each phase reports its own 0-100 % and a message that names the phase and says that percent, e.g.
`upload line.wav: 40 % (1.2 MiB of 3.0 MiB)` or `PROCESSING 40 % (1 min 10 s)`. The workflows of services/ report
to a `ProgressSink`; the tools give it MCP progress (toolkit/results.py).

The next step (the second section). Each function is one situation, named for it: it takes the plain facts the
sentence needs (ids, statuses, counts, whether a tool is offered) and returns the sentence. The tools decide which
situation they are in; the words are here, so the agent hears one voice whichever tool answers.
"""

from __future__ import annotations

from typing import Protocol

from sync_mcp.api.capabilities import MODELS

# ------------------------------------------------------------------------------------------------ progress


class ProgressSink(Protocol):
    def next_phase(self) -> None:
        """A new phase starts (a second file, the create, the wait, the download): it counts from 0 % again."""

    async def report(self, percent: float | None, message: str) -> None:
        """This phase's percent done (0-100; None when unknown) and a message naming the phase and its percent."""


def percent_of(done: float, total: float | None) -> float | None:
    """`done` of `total` as a percent (None when the total is unknown; 100 for an empty total)."""
    if total is None:
        return None
    if total <= 0:
        return 100.0
    return max(0.0, min(100.0, 100.0 * done / total))


def phase_message(phase: str, percent: float | None, detail: str) -> str:
    """`phase: 40 % (detail)`, or `phase: detail` when the percent is unknown."""
    if percent is None:
        return f"{phase}: {detail}"
    return f"{phase}: {percent:.0f} % ({detail})"


def byte_count(n: int | float) -> str:
    """A size in a unit that reads well: 216 B, 12.3 KiB, 1.2 MiB, 1.05 GiB."""
    if n < 1024:
        return f"{n:.0f} B"
    if n < 1024**2:
        return f"{n / 1024:.1f} KiB"
    if n < 1024**3:
        return f"{n / 1024**2:.1f} MiB"
    return f"{n / 1024**3:.2f} GiB"


def bytes_done(done: int, total: int | None) -> str:
    """`1.2 MiB of 3.0 MiB`, or `1.2 MiB` when the total is unknown."""
    return f"{byte_count(done)} of {byte_count(total)}" if total is not None else byte_count(done)


def duration_text(seconds: float) -> str:
    """A duration as people say it: `12 s`, `1 min 10 s`, `1 h 02 min`."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


# ------------------------------------------------------------------------------------------- the next step

# -- generations (toolkit/generations.py, tools/lipsync.py, services/dubbing.py)

EITHER_CREATE_TOOL = "lipsync or create_generation (whichever started it)"
"""The tool to start a new generation with, when the one that started this generation is not known."""


def generation_done(generation_id: str, *, offers_download: bool) -> str:
    step = "Done. outputUrl is the finished video: a signed, expiring URL, so copy it exactly."
    if offers_download:
        step += f" To save it locally call download_output with id={generation_id}."
    return step


def generation_ended_badly(retry_with: str) -> str:
    return (
        f"The generation did not complete: apply `fix`, then start a new generation with {retry_with} "
        "(a new call: do not reuse this id or its idempotency key)."
    )


def generation_running(generation_id: str, status: str, model: str | None, *, wait_timed_out: bool) -> str:
    cap = MODELS.get(model or "")
    typical = f" Typical processing for {cap.id}: {cap.typical_processing}." if cap else ""
    step = f"Call get_generation with id={generation_id} and wait=true to follow it to its result.{typical}"
    if wait_timed_out:
        step = f"Still {status}. " + step + " The job keeps running; nothing is lost."
    return step


def download_link_given(file_name: str, expires_at: str | None, url: str) -> str:
    return f"Done. Give the user this download link (it saves the video as {file_name}, until {expires_at}): {url}"


def video_saved(path: str | None, size_bytes: int | None) -> str:
    return (
        f"Done. The video is saved at {path} ({size_bytes} bytes); outputUrl is a signed, expiring URL of the same "
        "video."
    )


def languages_dubbed(failed: list[tuple[str, str]], running: list[tuple[str, str | None]], key: str) -> str:
    """A several-language dub: `failed` (language, errorCode) not created, `running` (language, id) not ended."""
    parts = []
    if failed:
        why = "; ".join(f"{language}: {code}" for language, code in failed)
        parts.append(
            f"Not created: {why}. The other languages were created and are kept; to retry only the failed ones call "
            "lipsync again with those languages (the same idempotencyKey keeps created ones from being made twice)."
        )
    if running:
        ids = ", ".join(f"{language}={generation_id}" for language, generation_id in running)
        parts.append(f"Still running: {ids}; follow each with get_generation (wait=true).")
    if not parts:
        parts.append("Every language is done: each outputUrl is a signed, expiring URL, so copy it exactly.")
    parts.append(f"A retry with idempotencyKey={key} creates no language twice.")
    return " ".join(parts)


def generation_cost(availability: str, retry_after_seconds: float | None) -> str:
    if availability == "complete":
        return "Final: totalCostUsd is what this generation cost."
    if availability in ("pending", "partial") and retry_after_seconds:
        return f"Not final yet: call get_generation_cost again in {retry_after_seconds} s."
    if availability == "pending":
        return "Not final yet: call get_generation_cost again after the generation finishes."
    return (
        "Some parts have no recorded price (components with availability unavailable); knownSubtotalUsd is "
        "the sum of the known parts."
    )


# -- media: assets and upload links (tools/assets.py, toolkit/links.py)

ASSET_KINDS = {"VIDEO": "video", "AUDIO": "audio", "IMAGE": "image"}


def use_asset(asset_id: str, asset_type: str) -> str:
    kind = ASSET_KINDS.get(asset_type, asset_type.lower())
    return (
        f"Use it as a generation input: {{type: {kind}, assetId: {asset_id}}} in create_generation, "
        f"or pass {asset_id} as {kind} to lipsync."
    )


def uploaded(
    asset_id: str, asset_type: str, *, reused: bool, bytes_sent: int, asked_project: str | None, filed_under: str | None
) -> str:
    """An upload that ended with an asset; `reused`: the same bytes were already uploaded (filed under the project
    `filed_under`, the upload asked for `asked_project`)."""
    step = use_asset(asset_id, asset_type)
    if reused:
        sent = "nothing was sent and " if bytes_sent == 0 else ""
        step = f"Already uploaded earlier: {sent}the existing asset is returned. " + step
        if asked_project and filed_under != asked_project:
            step += f" Note: that asset is filed under project {filed_under or 'none'}, not {asked_project}."
    return step


def assets_read(missing: list[str]) -> str:
    step = "Use an item's id as assetId in create_generation or lipsync."
    if missing:
        step = f"Not found or not visible to this key: {', '.join(missing)}. " + step
    return step


def asset_page(next_cursor: str | None, *, any_items: bool) -> str:
    if next_cursor:
        return f"More assets: call list_assets with cursor={next_cursor} (same filters)."
    if any_items:
        return "That is all. Use an item's id as assetId in create_generation or lipsync."
    return "No assets match. Upload a file with upload_media or register a URL with register_asset."


def upload_link_made(upload_id: str, *, file_on_callers_computer: bool = False) -> str:
    why = (
        "That file is on your computer, not on this server, so it needs an upload link. "
        if file_on_callers_computer
        else ""
    )
    return (
        why + "Give the user uploadUrl to open in their browser (or `curl -T <file> <uploadUrl>`); then call "
        f"upload_media with uploadId={upload_id} and wait=true to get the assetId."
    )


def upload_link_state(state: str, upload_id: str, asset_id: str | None) -> str:
    if state == "done":
        return f"Use it: pass {asset_id} as the media to lipsync, or as assetId in create_generation."
    if state == "failed":
        return "Call upload_media without path for a new link, and ask the user to try again."
    return f"Not uploaded yet: call upload_media with uploadId={upload_id} and wait=true again."


# -- speech and voices (tools/speech.py, tools/voices.py)


def speech_made(url: str) -> str:
    return (
        f"To lip-sync this take, call create_generation with input [{{type: video, ...}}, {{type: audio, url: "
        f'"{url}"}}] (the url is hosted audio, usable as any audio input).'
    )


def speech_job(job_id: str, status: str, url: str | None, *, ended: bool) -> str:
    if status == "COMPLETED" and url:
        return f'Done: url is hosted audio; lip-sync it with create_generation input {{type: audio, url: "{url}"}}.'
    if ended:
        return "The job did not complete (see error). Start a new one with create_speech_job and a new key."
    return f"Call get_speech_job with id={job_id} in a few seconds."


USE_VOICE = (
    "Pass a voice's id as voice_id to lipsync (as voiceId to create_speech or in a text input of "
    "create_generation). Voices with a restriction cannot synthesize right now."
)


def voice_cloned() -> str:
    return USE_VOICE


def voices_listed(left_out: int, missing_language: str | None) -> str:
    """`left_out`: voices with no published traits that the filters left out; `missing_language`: the language
    asked for when no voice lists it."""
    step = USE_VOICE
    if left_out:
        step += f" {left_out} voice(s) with no published traits (clones) are left out by the filters."
    if missing_language:
        step += (
            f" No voice lists '{missing_language}' as its own language: ElevenLabs' multilingual speech can say an "
            f"{missing_language} script in any voice (try one without the language filter), or clone a native "
            "speaker (clone_voice)."
        )
    return step


# -- dialogue: transcripts and dialogue edits (tools/dialogue.py, tools/dialogue_edit.py)


def transcription_failed() -> str:
    return "The transcription failed (see error); NO_AUDIO or SOURCE_TOO_LONG will fail again on retry."


def transcribed(transcription_id: str, status: str) -> str:
    if status == "COMPLETED":
        return (
            "Done. To change what is said, call edit_dialogue with the same video, transcription_id="
            f"{transcription_id} and new_text (the corrected sentences)."
        )
    if status == "FAILED":
        return transcription_failed()
    return f"Still {status.lower()}: call transcribe with transcription_id={transcription_id} to keep waiting."


def still_transcribing_for_edit(transcription_id: str | None) -> str:
    return (
        f"Still transcribing: call edit_dialogue again with the same arguments and transcription_id={transcription_id}."
    )


def preview_failed() -> str:
    return (
        "The preview failed (see error). EDIT_TOO_LONG: shorten that replacement and call edit_dialogue again; "
        "VOICE_BLOCKED and SOURCE_TOO_LONG will fail again."
    )


def preview_in_progress(video: str, edit_id: str) -> str:
    return f'The preview is still being made: call edit_dialogue with video="{video}" and edit_id={edit_id}.'


def preview_ready(video: str, edit_id: str, cost_usd: float | None) -> str:
    cost = f" (estimated ${cost_usd:.2f})" if cost_usd is not None else ""
    return (
        "Play previewAudioUrl to the user and show the changes and the price. Only if they approve, call "
        f'edit_dialogue with video="{video}", edit_id={edit_id} and confirm=true to create '
        f"the lip-synced video{cost}; to revise, call edit_dialogue again with new_text."
    )


def edit_declined() -> str:
    return (
        "The user declined: no video was created and nothing was charged for it. To revise, call edit_dialogue "
        "again with changed new_text."
    )


def edited_video(generation_id: str, status: str) -> str:
    if status == "COMPLETED":
        return f"Done: outputUrl is the edited video (generation {generation_id}); download_output saves it."
    if status in ("FAILED", "REJECTED"):
        return f"Generation {generation_id} is {status}: get_generation id={generation_id} explains why."
    return (
        f"The edited video is being made (generation {generation_id}, {status}): follow it with "
        "get_generation (wait=true), then download_output."
    )


# -- the account: projects, batches, usage, models, toolsets


def use_project(project_id: str) -> str:
    return (
        f"File generations under it with projectId={project_id} in create_generation, and list them with "
        f"list_generations projectId={project_id}."
    )


def batch_state(batch_id: str, *, running: bool, has_results: bool) -> str:
    if running:
        return f"Batches run for up to ~24 h: call get_batch with id={batch_id} later to follow metrics and status."
    if has_results:
        return "Finished: outputUrl is a JSONL results file, one line per request_id (status, and error if any)."
    return "Finished; no results file was returned."


def batch_validated(rows: int) -> str:
    return f"All {rows} rows are valid. Call create_batch again without dry_run to start it."


def usage_page(pending: int, unavailable: int, next_cursor: str | None, start: str, end: str) -> str:
    """A page of spending: `pending` and `unavailable` count the parts without a price."""
    notes = []
    if pending:
        notes.append(f"{pending} part(s) are pending: their price usually appears within ~10 minutes.")
    if unavailable:
        notes.append(f"{unavailable} part(s) have no recorded price (unavailable); knownTotalUsd leaves them out.")
    steps = [" ".join(notes)] if notes else []
    if next_cursor:
        steps.append(f"More: call get_usage with cursor={next_cursor}, startTime={start}, endTime={end}.")
    else:
        steps.append("Last page.")
    return " ".join(steps)


def pick_model(*, offers_estimate: bool) -> str:
    price = "estimate_cost" if offers_estimate else "the estimate endpoint"
    return (
        "Pick an available model and pass its id as model to create_generation. pricePerSecondUsd: min "
        "is with the largest plan discount, max is list price; the account's plan decides where in the range it "
        "pays. Usage is charged per output frame (seconds x fps), so the output length and fps decide the total; "
        f"use {price} for a real figure."
    )


def toolset_enabled(first_tool: str) -> str:
    return f"Call {first_tool} or another of these tools now; they are in your tool list."
