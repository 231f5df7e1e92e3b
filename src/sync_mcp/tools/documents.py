"""The JSON documents behind the server's MCP resources, built from the same sources as the tools.

`sync://generations/{id}` is the generation exactly as `get_generation` returns it; `sync://errors` is the
catalog as `list_error_codes` returns it; `sync://models` is the capability table (the one the validators
use) joined with `GET /v2/models`; `sync://voices` is `GET /v2/voices`. API failures surface as
`SyncAPIError` for the caller to shape.
"""

from __future__ import annotations

from typing import get_args

from pydantic import BaseModel, ConfigDict, Field

from sync_mcp.api import SyncAPIError
from sync_mcp.api import generations as api
from sync_mcp.api.capabilities import MODELS, OptionName
from sync_mcp.api.catalog import list_models
from sync_mcp.api.voices import Voice, list_voices

from .error_codes import ErrorCodesResult
from .generations import GenerationResult, describe
from .state import ToolState

ALL_OPTIONS: tuple[str, ...] = get_args(OptionName)


async def read_generation(state: ToolState, generation_id: str) -> GenerationResult:
    """`GET /v2/generate/{id}`, recorded as a sighting (subscribers hear of a changed status)."""
    generation = await api.get_generation(state.client, generation_id)
    await state.updates.observe(generation)
    return describe(state, generation)


async def error_catalog(state: ToolState) -> ErrorCodesResult:
    entries, source = await state.catalog.entries()
    return ErrorCodesResult(source=source, count=len(entries), entries=entries)


class ModelEntry(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str
    type: str
    summary: str
    visual_inputs: list[str] = Field(alias="visualInputs", description="video, and image for sync-3 only.")
    options_honoured: list[str] = Field(alias="optionsHonoured")
    options_ignored: list[str] = Field(alias="optionsIgnored", description="Accepted by the API, then ignored.")
    max_input_seconds: float | None = Field(default=None, alias="maxInputSeconds")
    typical_processing: str = Field(alias="typicalProcessing")
    price_per_second_usd: list[float] | None = Field(
        default=None, alias="pricePerSecondUsd", description="Indicative range; estimate_cost is the authority."
    )
    notes: list[str] = Field(default_factory=list)
    available: bool | None = Field(
        description="Listed by GET /v2/models for this account; null when that list could not be read."
    )


class ModelsDocument(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    models: list[ModelEntry]
    availability_error: str | None = Field(
        default=None, alias="availabilityError", description="Why `available` is unknown, when it is."
    )


async def model_capabilities(state: ToolState) -> ModelsDocument:
    listed: set[str] | None
    problem: str | None = None
    try:
        listed = {m.id for m in await list_models(state.client)}
    except SyncAPIError as exc:
        listed, problem = None, (await state.catalog.explain(exc)).message
    models = [
        ModelEntry(
            id=cap.id,
            type=cap.type,
            summary=cap.summary,
            visualInputs=list(cap.visual_inputs),
            optionsHonoured=sorted(cap.options),
            optionsIgnored=[o for o in ALL_OPTIONS if o not in cap.options],
            maxInputSeconds=cap.max_input_seconds,
            typicalProcessing=cap.typical_processing,
            pricePerSecondUsd=list(cap.price_per_second_usd) if cap.price_per_second_usd else None,
            notes=list(cap.notes),
            available=None if listed is None else cap.id in listed,
        )
        for cap in MODELS.values()
    ]
    return ModelsDocument(models=models, availabilityError=problem)


class VoicesDocument(BaseModel):
    count: int
    voices: list[Voice]
    usage: str = "Pass a voice's id as provider.voiceId of a text input (or voice_id of lipsync/create_speech)."


async def voice_list(state: ToolState) -> VoicesDocument:
    voices = await list_voices(state.client)
    return VoicesDocument(count=len(voices), voices=voices)
