"""The refusals of arguments: a combination a call cannot use (a video and an image, a script without a voice, a
crop without its end, ...), a wait longer than the server allows, an upload link where there are none. Each is
raised before anything is sent, so it costs nothing.

One function per situation, named for it, taking the facts (the argument at fault, the values in question) and
returning the `InputError` the workflow or tool raises: `raise refusals.no_visual()`. The rules themselves stay
with the code that applies them (`sync_mcp.services.lipsync_body`, the tools); the words are here. `refuse` and
`unfit` build them (`file_refusals` uses `refuse` too). One is returned as the error object itself rather than
raised: `unknown_arguments`, checked before a tool runs. Refusals of local files and attachments are in
`file_refusals`, the spend guard's in `spend_refusals`.
"""

from __future__ import annotations

from sync_mcp.api.errors import LOCAL_VALIDATION_CODE, UNKNOWN_ARGUMENT_CODE

from .errors import ErrorInfo, InputError


def refuse(
    field: str, message: str, fix: str, code: str = LOCAL_VALIDATION_CODE, *, retryable: bool = False
) -> InputError:
    """A refusal of the argument `field`, its message starting with the argument's name."""
    return InputError(code, f"{field}: {message}", fix, field=field, retryable=retryable)


def unfit(message: str, fix: str, field: str | None = None) -> InputError:
    """A refusal of arguments that do not fit together, its message a sentence of its own."""
    return InputError(LOCAL_VALIDATION_CODE, message, fix, field=field)


# --------------------------------------------------------------- lipsync's arguments (services/lipsync_body.py)


def script_option_without_script(name: str) -> InputError:
    """`stability` or `similarity_boost` (`name`) with nothing to speak from a script."""
    return refuse(name, "only applies to a script", f"Drop {name}, or pass a script and voice_id.")


def two_visuals() -> InputError:
    return refuse(
        "image",
        "give a video or an image, not both",
        "Run one lipsync per visual: pass either video or image.",
        "generation_input_too_many_visual",
    )


def no_visual() -> InputError:
    return refuse("video", "a visual is required", "Pass video (a face on video) or image (a still face, sync-3).")


def dub_with_driver(name: str) -> InputError:
    """A dub (target_language) given `name`, something else to speak."""
    return refuse(
        name,
        "dubbing translates the video's own speech, so it takes no audio, script or segments",
        f"Drop {name} to dub, or drop target_language to lip-sync to your own audio or script.",
        "generation_input_dub_audio_conflict",
    )


def dub_without_video() -> InputError:
    return refuse("target_language", "dubbing needs a video", "Pass the video to dub (its speech is used).")


def source_language_without_dub() -> InputError:
    return refuse("source_language", "only used when dubbing", "Pass target_language too, or drop source_language.")


def driver_beside_segments(name: str) -> InputError:
    """Segments given together with a single speaker's `name` (audio, script, voice_id or a crop)."""
    return refuse(
        name,
        "with segments, each segment says what is spoken",
        f"Move {name} into the segments (each {{audio | script + voice_id, start, end}}), or drop segments.",
    )


def segments_on_image() -> InputError:
    return refuse("segments", "segments are ranges of a video", "Pass a video, or one driver without segments.")


def no_driver() -> InputError:
    return refuse(
        "audio",
        "give what drives the lips: audio, script with voice_id, segments, or target_language",
        "Pass audio (URL, asset id or local file), script plus voice_id, segments for several speakers, or "
        "target_language to dub the video's own speech.",
    )


def crop_on_image() -> InputError:
    return refuse(
        "audio_start",
        "a crop is sent as a range of a video, so it needs a video",
        "Pass a video, or drop audio_start/audio_end and give audio that is only the part to use.",
    )


def half_a_crop(missing: str) -> InputError:
    """One of audio_start/audio_end without the other (`missing`: the one not given, with its segment)."""
    return refuse(
        missing,
        "audio_start and audio_end crop the audio together: give both or neither",
        "Pass both (the seconds of the audio to use, e.g. audio_start=5, audio_end=15), or neither.",
        "generation_input_trim_invalid",
    )


def crop_backwards(field: str, start: float, end: float) -> InputError:
    """A crop whose end (`field`) is before its start."""
    return refuse(
        field,
        f"must not be before audio_start ({end:g} < {start:g})",
        "Give the part of the audio to use as audio_start < audio_end, in seconds of the audio.",
        "generation_input_trim_invalid",
    )


def audio_and_script(field: str) -> InputError:
    return refuse(field, "give audio or a script, not both", "Keep one of them.")


def neither_audio_nor_script(field: str) -> InputError:
    return refuse(field, "needs audio or a script", "Pass audio, or script with voice_id.")


def script_without_voice(field: str) -> InputError:
    return refuse(field, "a script needs a voice", "Pass voice_id (a voice id from list_voices).")


def voice_without_script(field: str) -> InputError:
    return refuse(field, "voice_id is only used with a script", "Pass the text in script or drop voice_id.")


def unfetchable_scheme(field: str, scheme: str) -> InputError:
    """A media URL of a `scheme` the API cannot fetch (only http and https)."""
    return refuse(
        field,
        f"only http(s) URLs can be fetched by the API, not {scheme}://.",
        "Pass a public https URL, an asset id, or the path of a local file to upload.",
    )


def languages_not_distinct() -> InputError:
    """A list of target languages that is empty, holds a blank, or names one twice."""
    return refuse(
        "target_language", "give one or more distinct language codes.", "Pass e.g. [es, fr, de], each language once."
    )


# ----------------------------------------------------------------------------------------- lipsync's options


def download_without_wait() -> InputError:
    return refuse("download", "needs wait=true", "Set wait=true, or call download_output once it completes.")


def download_of_several_languages() -> InputError:
    return refuse(
        "download",
        "saves one video; several languages make several.",
        "Drop download, then call download_output with each language's generation id.",
    )


def wait_too_long(timeout: float, maximum: float) -> InputError:
    """A `timeout` over the longest wait this server allows one call (`maximum` seconds)."""
    return refuse(
        "timeout",
        f"{timeout:g} s is more than this server allows one call to wait ({maximum:g} s).",
        f"Call again with timeout <= {maximum:g} (or omit it). A wait that runs out returns the generation's id "
        "and status; call get_generation with wait=true again to keep following it. The operator can raise "
        "the limit with SYNC_MCP_MAX_WAIT_SECONDS for hosts that keep a request alive on progress.",
        "wait_timeout_too_long",
    )


def unknown_arguments(tool: str, unknown: list[tuple[str, str | None]], valid: list[str]) -> ErrorInfo:
    """Arguments `tool` does not take (`unknown`: each name with the closest `valid` one, if any), refused before
    the tool runs: returned as the error itself, since no workflow raises it."""
    problems = []
    for name, close in unknown:
        hint = f"; did you mean `{close}`?" if close else "."
        named = f"`{name}`" if name.strip() else "An argument with an empty name"
        problems.append(f"{named} is not an argument of {tool}{hint}")
    first = unknown[0][0]
    return ErrorInfo(
        errorCode=UNKNOWN_ARGUMENT_CODE,
        message=" ".join(problems) + " Nothing was sent.",
        fix=f"Call {tool} again with only its own arguments: {', '.join(valid) or 'none'}.",
        retryable=False,
        field=first if first.strip() else "arguments",
    )


def nothing_to_change(example: str) -> InputError:
    """An update whose body changes nothing; `example` names fields to pass."""
    return unfit(
        "Nothing to change: give at least one field. Nothing was sent.", f"Pass the fields to change, e.g. {example}."
    )


# ------------------------------------------------------------------------------------ upload links and assets


def upload_links_need_http() -> InputError:
    """An upload link asked of a server reached over stdio, which reads the user's disk itself."""
    return refuse(
        "path",
        "this server runs on your computer (stdio) and reads your files directly; upload links are for servers "
        "reached over HTTP.",
        "Pass path: the file's path on this computer (inside the allowed folders).",
        "path_required",
    )


def upload_not_found(upload_id: str) -> InputError:
    """An upload id the caller does not have (another caller's, or long expired)."""
    return refuse(
        "uploadId",
        f"no upload {upload_id[:60]} of yours (another caller's, or it expired long ago).",
        "Call upload_media without path for a new upload link.",
        "upload_not_found",
    )


def asset_ids_with_filters(others: list[str]) -> InputError:
    """list_assets given ids together with the filters `others`, which the batch read does not take."""
    return refuse(
        "ids",
        f"reads those assets only; {', '.join(others)} cannot be combined with it. Nothing was sent.",
        f"Call list_assets with ids alone, or with {', '.join(others)} and no ids.",
    )


def asset_without_url(field: str, asset_id: str) -> InputError:
    """An asset (named by `field`) not stored yet, so a job cannot fetch it by URL."""
    return refuse(
        field,
        f"asset {asset_id} has no media URL yet.",
        "Wait until the asset is stored (get_asset shows its url), or pass the media's URL.",
        "asset_not_found",
    )


# -------------------------------------------------------------------------------------------- estimate_cost

ESTIMATE_FIX = (
    "Pass model and duration (expected output seconds; fps and reasoningEnabled optional), or only body with "
    "the full create_generation arguments when the duration is unknown."
)


def estimate_body_combined() -> InputError:
    """estimate_cost given a create body and model, duration, fps or reasoningEnabled as well."""
    return _estimate_usage("body cannot be combined with model, duration, fps or reasoningEnabled.", "body")


def estimate_missing(missing: list[str]) -> InputError:
    """estimate_cost without a body and without the `missing` arguments."""
    return _estimate_usage(f"{' and '.join(missing)} missing (or pass body).", missing[0])


def _estimate_usage(message: str, field: str) -> InputError:
    return unfit("Invalid arguments, nothing was sent: " + message, ESTIMATE_FIX, field)


# ------------------------------------------------------------------------------------ transcribe, edit_dialogue


def transcribe_needs_one_source() -> InputError:
    return unfit(
        "Give exactly one of video, audio and transcription_id.",
        "Pass the video (or its audio) to transcribe, or transcription_id to continue an earlier transcription.",
        "video",
    )


def edit_needs_one_source() -> InputError:
    return unfit(
        "Give exactly one of new_text and edits (or edit_id alone, to continue an earlier preview).",
        "Pass new_text with the corrected sentences, or edits by word id from transcribe.",
        "new_text",
    )


def empty_new_text() -> InputError:
    return unfit(
        "new_text is empty.",
        "Give the whole corrected sentence(s), or pass edits to remove words explicitly.",
        "new_text",
    )


def transcript_without_words() -> InputError:
    return unfit(
        "The transcript has no words to edit.",
        "Use a video with clear speech; its transcript must contain words.",
        "new_text",
    )


def nothing_to_edit() -> InputError:
    """new_text that says what the video already says."""
    return unfit(
        "new_text says what the video already says: there is nothing to change. Nothing was sent.",
        "Compare with the transcript (transcribe) and pass the sentences as they should be said.",
        "new_text",
    )


def preview_of_another_video(edit_id: str, video_url: str) -> InputError:
    """An edit_id whose preview was made from another video (`video_url`)."""
    return unfit(
        f"edit_id {edit_id} is a preview of another video ({video_url}).",
        "Pass the video the preview was made from, or make a new preview of this video with new_text.",
        "edit_id",
    )
