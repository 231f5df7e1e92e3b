"""Costs (reference §3.9, §3.10): estimates before a create and the recorded cost of a generation."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .shared import RequestModel, ResponseModel


class CostEstimateRequest(RequestModel):
    """Body of `POST /v2/generations/estimate` (reference §3.9). Nothing is created, no media is fetched."""

    # A string in the reference (§3.9): the known ids are hints, the API answers an unknown one.
    model: str = Field(min_length=1, description="Model id to price.")
    duration: float = Field(
        gt=0, allow_inf_nan=False, description="Billable OUTPUT seconds (depends on sync_mode), > 0."
    )
    fps: float | None = Field(default=None, gt=0, allow_inf_nan=False, description="Output frame rate; default 30.")
    reasoning_enabled: bool | None = Field(
        default=None, alias="reasoningEnabled", description="Include reasoning-mode pricing where supported."
    )


class CostEstimate(ResponseModel):
    """Reply of the current estimate endpoint: one object."""

    estimated_frame_count: float = Field(alias="estimatedFrameCount", description="Output frames that will be billed.")
    estimated_generation_cost: float = Field(alias="estimatedGenerationCost", description="Estimated cost in USD.")
    estimated_credits: float | None = Field(
        default=None, alias="estimatedCredits", description="Credits, for credit-billed organisations; else null."
    )


class LegacyCostEstimate(ResponseModel):
    """One item of the legacy `POST /v2/analyze/cost` array reply."""

    estimated_frame_count: float = Field(alias="estimatedFrameCount")
    estimated_generation_cost: float = Field(alias="estimatedGenerationCost")


def legacy_total(items: list[LegacyCostEstimate]) -> tuple[float, float]:
    """(USD, frames) of a legacy estimate reply. [INF] The reference does not say what several items of
    the array stand for (parts of one job, e.g. per segment, is our reading), so they are added up."""
    usd = round(sum(i.estimated_generation_cost for i in items), 6)
    return usd, sum(i.estimated_frame_count for i in items)


CostAvailability = Literal["complete", "pending", "partial", "unavailable"]


# [INF] The reference did not recover the item schema of `components`; these are the fields the sandbox
# sends, and unknown keys from the live API are kept.
class CostComponent(ResponseModel):
    type: str | None = Field(default=None, description="lipsync, dubbing or speech_synthesis.")
    availability: CostAvailability | None = None
    cost_usd: str | None = Field(default=None, alias="costUsd", description="Decimal string in USD; null if unknown.")
    frame_count: float | None = Field(default=None, alias="frameCount")


class GenerationCosts(ResponseModel):
    """Reply of `GET /v2/generate/{id}/costs` (reference §3.10). Money amounts are decimal strings."""

    generation_id: str = Field(alias="generationId")
    generation_status: str | None = Field(default=None, alias="generationStatus")
    currency: str = "USD"
    availability: CostAvailability
    total_cost_usd: str | None = Field(
        default=None, alias="totalCostUsd", description="Total in USD (decimal string); null until every part is known."
    )
    known_subtotal_usd: str | None = Field(
        default=None, alias="knownSubtotalUsd", description="Sum of the parts known so far (decimal string)."
    )
    retry_after_seconds: int | None = Field(
        default=None, alias="retryAfterSeconds", description="Read again after this many seconds."
    )
    components: list[CostComponent] = Field(default_factory=list)
