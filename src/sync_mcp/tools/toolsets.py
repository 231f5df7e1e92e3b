"""The tools this server can offer, composed explicitly into toolsets.

`core` (the default) is what everyday conversations use: lip-sync in one call, create and follow generations,
prices, the error catalog, models, voices, and moving files in and out. The others are for the rarer jobs.
An operator picks them with `SYNC_MCP_TOOLSETS` (a comma list, or `all`); in a stdio session the model can also
turn one on with `enable_toolset` when the user asks for something outside what is enabled, and over HTTP each
connection chooses with its URL (`/mcp/x/core,usage`) or a header, within `SYNC_MCP_ALLOWED_TOOLSETS`.

What a toolset is (`Toolset`), which are chosen (`choose`, `chosen`), and which are offered now (`Offered`) sit
beside the composition; the server builds on them (server/app.py, server/connection_toolsets.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from sync_mcp.toolkit.results import ToolFn, spec_of

ALL = "all"


@dataclass(frozen=True)
class Toolset:
    name: str
    description: str
    """One line for the model deciding whether to enable it, and for the README."""
    load: Callable[[], tuple[ToolFn, ...]]
    """Imports the toolset's modules and returns its tools (called once, when the toolset is first used)."""

    @cached_property
    def tools(self) -> tuple[ToolFn, ...]:
        return self.load()

    @property
    def tool_names(self) -> tuple[str, ...]:
        return tuple(spec_of(tool).name for tool in self.tools)


class UnknownToolsetError(ValueError):
    """A choice names a toolset that does not exist (the message lists the valid names)."""


def choose(
    value: str | None, available: Sequence[Toolset], default: Sequence[str], source: str = "SYNC_MCP_TOOLSETS"
) -> tuple[Toolset, ...]:
    """The toolsets named by `value` (comma-separated, `all` for every one; unset: `default`), in the order of
    `available`; `source` names where the choice came from, in the error."""
    names = {part.strip().lower() for part in (value or "").split(",") if part.strip()} or set(default)
    if ALL in names:
        return tuple(available)
    known = [toolset.name for toolset in available]
    unknown = sorted(names - set(known))
    if unknown:
        raise UnknownToolsetError(
            f"{source}: unknown toolset(s) {', '.join(unknown)}; valid names: {', '.join([*known, ALL])} "
            "(comma-separated)."
        )
    return tuple(toolset for toolset in available if toolset.name in names)


Narrowing = Callable[[], "tuple[Toolset, ...] | None"]
"""The toolsets the connection being served chose (HTTP), or None where the server's own choice holds."""
HowToEnable = Callable[[Toolset], str]
"""How the agent gets a toolset that is off, in words (stdio: enable_toolset; HTTP: the URL to connect with)."""


def enable_with_the_switch(toolset: Toolset) -> str:
    return (
        f"call enable_toolset with name={toolset.name} if you have it, or ask the operator to add {toolset.name} "
        "to SYNC_MCP_TOOLSETS."
    )


class Offered:
    """The toolsets one server offers right now, out of those it has; `enable` adds one while it runs."""

    def __init__(
        self,
        available: Sequence[Toolset],
        enabled: Iterable[Toolset],
        *,
        narrowing: Narrowing | None = None,
        how_to_enable: HowToEnable = enable_with_the_switch,
    ) -> None:
        self.available = tuple(available)
        self._enabled = {toolset.name for toolset in enabled}
        self._narrowing = narrowing
        self.how_to_enable = how_to_enable

    def enabled(self) -> tuple[Toolset, ...]:
        """What the current caller has: its connection's choice (HTTP), else the server's toolsets."""
        chosen = self._narrowing() if self._narrowing is not None else None
        names = self._enabled if chosen is None else self._enabled & {t.name for t in chosen}
        return tuple(t for t in self.available if t.name in names)

    def hidden_tools(self) -> frozenset[str]:
        """Tools this server serves that the current caller's connection did not choose (none without a choice).
        Only served toolsets are read, so the modules of the others are never imported."""
        chosen = self._narrowing() if self._narrowing is not None else None
        if chosen is None:
            return frozenset()
        names = {t.name for t in chosen}
        served = (t for t in self.available if t.name in self._enabled and t.name not in names)
        return frozenset(name for toolset in served for name in toolset.tool_names)

    def disabled(self) -> tuple[Toolset, ...]:
        on = self.enabled()
        return tuple(t for t in self.available if t not in on)

    def offers(self, tool_name: str) -> bool:
        return any(tool_name in toolset.tool_names for toolset in self.enabled())

    def toolset_of(self, tool_name: str) -> Toolset | None:
        """The toolset a tool belongs to, enabled or not."""
        return next((t for t in self.available if tool_name in t.tool_names), None)

    def enable(self, name: str) -> Toolset:
        toolset = next(t for t in self.available if t.name == name)
        self._enabled.add(toolset.name)
        return toolset

    def how_to_get(self, tool_name: str) -> str:
        """A sentence telling the agent how to get a tool this server does not offer now."""
        toolset = self.toolset_of(tool_name)
        if toolset is None:
            return f"{tool_name} does not exist."
        return f"{tool_name} is in the {toolset.name} toolset, which is not enabled: {self.how_to_enable(toolset)}"


# ------------------------------------------------------------------------------------------- composition
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
