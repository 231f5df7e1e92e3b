"""The tools this server can offer, composed explicitly into toolsets.

`core` (the default) is what everyday conversations use: lip-sync in one call, create and follow generations,
prices, the error catalog, models, voices, and moving files in and out. The others are for the rarer jobs.
An operator picks them with `SYNC_MCP_TOOLSETS` (a comma list, or `all`); in a stdio session the model can also
turn one on with `enable_toolset` when the user asks for something outside what is enabled, and over HTTP each
connection chooses with its URL (`/mcp/x/core,usage`) or a header, within `SYNC_MCP_ALLOWED_TOOLSETS`.
"""

from __future__ import annotations

from .registry import ToolFn
from .toolset import Toolset, choose

# Each toolset's tools, imported when the toolset is first used: a server pays the import time only of the
# toolsets it offers (start-up with the default `core` reads no module of the others).


def _core() -> tuple[ToolFn, ...]:
    from . import assets, costs, downloads, error_codes, generation_admin, generations, lipsync, models, voices

    return (
        lipsync.lipsync,
        generations.create_generation,
        generations.get_generation,
        generation_admin.list_generations,
        generation_admin.delete_generation,
        costs.estimate_cost,
        costs.get_generation_cost,
        error_codes.list_error_codes,
        models.list_models,
        voices.list_voices,
        assets.upload_media,
        downloads.download_output,
    )


def _assets() -> tuple[ToolFn, ...]:
    from . import assets

    return (
        assets.register_asset,
        assets.list_assets,
        assets.count_assets,
        assets.get_asset,
        assets.update_asset,
        assets.delete_asset,
    )


def _voices() -> tuple[ToolFn, ...]:
    from . import speech, voices

    return (
        voices.clone_voice,
        voices.delete_voice,
        speech.create_speech,
        speech.create_speech_job,
        speech.get_speech_job,
    )


def _projects() -> tuple[ToolFn, ...]:
    from . import projects

    return (
        projects.create_project,
        projects.list_projects,
        projects.get_project,
        projects.update_project,
        projects.delete_project,
    )


def _batch() -> tuple[ToolFn, ...]:
    from . import batches

    return (batches.create_batch, batches.get_batch, batches.list_batches)


def _usage() -> tuple[ToolFn, ...]:
    from . import usage

    return (usage.get_usage, usage.count_generations, usage.check_api)


def _dialogue() -> tuple[ToolFn, ...]:
    from . import dialogue, dialogue_edit

    return (dialogue.transcribe, dialogue_edit.edit_dialogue)


TOOLSETS: tuple[Toolset, ...] = (
    Toolset(
        "core",
        "lip-sync, talking photos and dubbing in one call; create, follow, list and delete generations; prices; "
        "error codes; models; voices; upload a local file; save a finished video",
        _core,
    ),
    Toolset(
        "assets",
        "the media library: register URLs as assets; list, count, read, update, delete them",
        _assets,
    ),
    Toolset(
        "voices",
        "clone or delete a voice; text to speech (an audio file, or a job)",
        _voices,
    ),
    Toolset("projects", "projects that group generations and assets: create, list, read, update, delete", _projects),
    Toolset(
        "batch",
        "many generations from one JSONL file of requests: create, follow and list batches",
        _batch,
    ),
    Toolset(
        "dialogue",
        "what a video says (transcript, word times, SRT/VTT subtitles); edit its words in the speaker's own "
        "voice, preview, then lip-sync",
        _dialogue,
    ),
    Toolset(
        "usage",
        "what generations cost over a time range (e.g. this month), how many there are, API health",
        _usage,
    ),
)
DEFAULT_TOOLSETS = ("core",)


def chosen(value: str | None) -> tuple[Toolset, ...]:
    """The toolsets `SYNC_MCP_TOOLSETS` names (unset: core); an unknown name raises `UnknownToolsetError`."""
    return choose(value, TOOLSETS, DEFAULT_TOOLSETS)
