"""The models tool: what each model accepts (the capability table, the one the validators use) merged with
what this account may use (`GET /v2/models`)."""

from __future__ import annotations

from typing import Annotated, Any, get_args

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import BaseModel, ConfigDict, Field

from sync_mcp.api.capabilities import MODELS, ModelCapability, OptionName
from sync_mcp.api.prices import ESTIMATE_FPS, PRICES
from sync_mcp.api.types.ai_models import ModelInfo
from sync_mcp.guidance import steps
from sync_mcp.toolkit.results import ok, sync_tool
from sync_mcp.toolkit.state import ToolState, tool_state

ALL_OPTIONS: tuple[str, ...] = get_args(OptionName)
UNCERTAIN_OPTIONS = frozenset({"reasoning_enabled"})
"""Options whose support per model is not documented (reference §3.1.3): neither promised nor flagged."""


class PriceRange(BaseModel):
    min: float
    max: float
    fps: float = Field(description="Frame rate these per-second prices are for: usage is charged per frame.")


class ModelEntry(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str = Field(description="Pass as model to create_generation.")
    available: bool = Field(description="Listed by GET /v2/models for this account.")
    name: str | None = None
    type: str | None = None
    version: str | None = None
    description: str | None = None
    visual_inputs: list[str] = Field(default_factory=list, alias="visualInputs")
    voice_inputs: list[str] = Field(default_factory=list, alias="voiceInputs", description="text = TTS from a script.")
    options: list[str] = Field(default_factory=list, description="Honoured.")
    ignored_options: list[str] = Field(default_factory=list, alias="ignoredOptions", description="Ignored by the API.")
    max_input_seconds: float | None = Field(default=None, alias="maxInputSeconds")
    typical_processing: str | None = Field(default=None, alias="typicalProcessing")
    price_per_second_usd: PriceRange | None = Field(
        default=None,
        alias="pricePerSecondUsd",
        description="USD per output second at fps: min with the largest plan discount, max at list price; the "
        "plan decides which.",
    )
    notes: list[str] = Field(default_factory=list)
    known: bool = Field(default=True, description="False: capabilities unknown to this server.")


class ModelsResult(BaseModel):
    models: list[ModelEntry]
    next_step: str = Field(alias="nextStep")

    model_config = ConfigDict(populate_by_name=True)


def model_entry(cap: ModelCapability | None, info: ModelInfo | None) -> ModelEntry:
    """One model: the table's facts (when known) with the account's listing (when listed)."""
    listed: dict[str, Any] = info.model_dump(include={"name", "type", "version", "description"}) if info else {}
    if cap is None:
        assert info is not None
        return ModelEntry(id=info.id, available=True, known=False, **listed)
    honoured = sorted(cap.options)
    return ModelEntry(
        id=cap.id,
        available=info is not None,
        name=listed.get("name") or cap.id,
        type=listed.get("type") or cap.type,
        version=listed.get("version"),
        description=listed.get("description") or cap.summary,
        visual_inputs=list(cap.visual_inputs),
        voice_inputs=list(cap.voice_inputs),
        options=honoured,
        ignored_options=sorted(set(ALL_OPTIONS) - cap.options - UNCERTAIN_OPTIONS),
        max_input_seconds=cap.max_input_seconds,
        typical_processing=cap.typical_processing or None,
        price_per_second_usd=_price_range(cap.id),
        notes=[*cap.notes, *([] if info else ["not listed for this account: it may not be enabled for it"])],
    )


def _price_range(model: str) -> PriceRange | None:
    price = PRICES.get(model)
    if price is None:
        return None
    low, high = price.per_second(ESTIMATE_FPS)
    return PriceRange(min=low, max=high, fps=ESTIMATE_FPS)


def merge_models(listed: list[ModelInfo]) -> list[ModelEntry]:
    """The capability table's models in its order, then any model the API lists that the table lacks."""
    by_id = {m.id: m for m in listed}
    entries = [model_entry(cap, by_id.get(cap.id)) for cap in MODELS.values()]
    entries.extend(model_entry(None, info) for info in listed if info.id not in MODELS)
    return entries


async def model_catalog(state: ToolState) -> ModelsResult:
    """The models result (also usable outside the tool, e.g. by a resource)."""
    entries = merge_models(await state.client.models.list())
    return ModelsResult(
        models=entries, next_step=steps.pick_model(offers_estimate=state.offers("estimate_cost"))
    )


@sync_tool(title="List models and what they accept", read_only=True)
async def list_models(ctx: Context[Any, Any]) -> Annotated[CallToolResult, ModelsResult]:
    """Every Sync model: inputs (only sync-3 takes images; text = TTS), options honoured/ignored/refused,
    limits, typical processing time, indicative price, and whether this account can use it.
    """
    return ok(await model_catalog(tool_state(ctx)))
