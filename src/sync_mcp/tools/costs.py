"""Cost tools: estimate before creating, read what a generation was charged."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import BaseModel, ConfigDict, Field

from sync_mcp.api import CreateGenerationRequest
from sync_mcp.api.types.costs import CostEstimateRequest, GenerationCosts, legacy_total
from sync_mcp.guidance import refusals, steps
from sync_mcp.toolkit.generations import GenerationIdArgument
from sync_mcp.toolkit.results import KeepsNulls, ok, sync_tool
from sync_mcp.toolkit.state import tool_state

CURRENT = "POST /v2/generations/estimate"
LEGACY = "POST /v2/analyze/cost"
_FIELDS = CostEstimateRequest.model_fields


class EstimateResult(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    endpoint: Literal["POST /v2/generations/estimate", "POST /v2/analyze/cost"] = Field(
        description="Which estimate was used."
    )
    estimated_cost_usd: float = Field(alias="estimatedCostUsd", description="Estimated cost in USD.")
    estimated_frame_count: float = Field(alias="estimatedFrameCount", description="Output frames that would be billed.")
    estimated_credits: float | None = Field(default=None, alias="estimatedCredits")
    note: str


class GenerationCostResult(GenerationCosts, KeepsNulls):
    kept_nulls = ("totalCostUsd",)

    next_step: str = Field(alias="nextStep", description="What to do next.")


@sync_tool(title="Estimate the cost of a generation", read_only=True)
async def estimate_cost(
    ctx: Context[Any, Any],
    model: Annotated[str | None, Field(min_length=1, description="Model id to price (list_models has them).")] = None,
    duration: Annotated[
        float | None, Field(gt=0, allow_inf_nan=False, description=_FIELDS["duration"].description)
    ] = None,
    fps: Annotated[float | None, Field(gt=0, allow_inf_nan=False, description=_FIELDS["fps"].description)] = None,
    reasoningEnabled: Annotated[bool | None, Field(description=_FIELDS["reasoning_enabled"].description)] = None,
    body: Annotated[
        dict[str, Any] | None,
        Field(description="Or the full create_generation arguments, priced as a whole."),
    ] = None,
) -> Annotated[CallToolResult, EstimateResult]:
    """Estimate what a generation would cost, creating nothing.

    Pass model + duration (seconds of output), or body = the exact create_generation arguments.
    """
    client = tool_state(ctx).client
    if body is not None:
        if any(v is not None for v in (model, duration, fps, reasoningEnabled)):
            raise refusals.estimate_body_combined()
        request = CreateGenerationRequest.model_validate(body)
        usd, frames = legacy_total(await client.costs.estimate_create(request))
        return ok(
            EstimateResult(
                endpoint=LEGACY,
                estimatedCostUsd=usd,
                estimatedFrameCount=frames,
                note="Legacy estimate from the whole create body: the API works the output length out from the "
                "media. Nothing was created.",
            )
        )
    missing = [name for name, value in (("model", model), ("duration", duration)) if value is None]
    if missing:
        raise refusals.estimate_missing(missing)
    wire = {"model": model, "duration": duration, "fps": fps, "reasoningEnabled": reasoningEnabled}
    estimate_body = CostEstimateRequest.model_validate({k: v for k, v in wire.items() if v is not None})
    estimate = await client.costs.estimate(estimate_body)
    return ok(
        EstimateResult(
            endpoint=CURRENT,
            estimatedCostUsd=estimate.estimated_generation_cost,
            estimatedFrameCount=estimate.estimated_frame_count,
            estimatedCredits=estimate.estimated_credits,
            note=f"Priced for {duration:g} s of output at {fps or 30:g} fps (the API's default is 30). "
            "Nothing was created.",
        )
    )


@sync_tool(title="Get the recorded cost of a generation", read_only=True)
async def get_generation_cost(
    id: GenerationIdArgument, ctx: Context[Any, Any]
) -> Annotated[CallToolResult, GenerationCostResult]:
    """What a generation was charged, per component, in USD decimal strings. totalCostUsd is null while any
    part is pending or unavailable; knownSubtotalUsd is the known part (get_usage sums the same over a time range).
    """
    costs = await tool_state(ctx).client.costs.of_generation(id)
    next_step = steps.generation_cost(costs.availability, costs.retry_after_seconds)
    data = {**costs.model_dump(mode="json", by_alias=True), "nextStep": next_step}
    return ok(GenerationCostResult.model_validate(data))
