"""Costs: the current estimate `POST /v2/generations/estimate` (alias `POST /v2/generate/estimate-cost`), the
legacy body-based estimate `POST /v2/analyze/cost` (reference §3.9), and the recorded costs of one generation
`GET /v2/generate/{id}/costs` (reference §3.10).

Pricing is per output frame (reference §16.4), from the sandbox's own copy of those prices (rules/facts.py);
[INF] the sandbox charges list price (the top of each published range, no plan discount) per frame. A model
without a price (react-1) cannot be estimated: 422 `cost_estimate_unavailable`, as the reference documents for
unpriced requests.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sync_mcp.api.costs import CostComponent, GenerationCosts

from ..durations import output_seconds
from ..http import (
    checked,
    fail,
    json_body,
    json_object,
    require_auth,
    sandbox_state,
)
from ..rules import check_create
from ..rules.costs import check_estimate
from ..rules.facts import ESTIMATE_FPS, list_price_per_frame
from ..state import GenerationRecord
from .generation_admin import find_generation

CENTS = Decimal("0.0001")


def usd(amount: Decimal) -> str:
    """A money amount as the API's decimal string ([INF] four decimal places)."""
    return str(amount.quantize(CENTS))


def _unpriced(model: str) -> Exception:
    return fail(422, "cost_estimate_unavailable", f"No price is available for model {model}.", field="model")


# ----------------------------------------------------------------------------------------------- estimates


async def estimate(request: Request) -> JSONResponse:
    require_auth(request)
    body = json_object(await json_body(request))
    checked(check_estimate, body)  # reference §3.9
    per_frame = list_price_per_frame(body["model"])
    if per_frame is None:
        raise _unpriced(body["model"])
    # [INF] Frames are counted up to a whole frame. The reference gives no reasoning-mode prices, so
    # reasoningEnabled does not change the sandbox's estimate.
    frames = math.ceil(body["duration"] * (body.get("fps") or ESTIMATE_FPS))
    return JSONResponse(  # §3.9: one object
        {
            "estimatedFrameCount": float(frames),
            "estimatedGenerationCost": float(frames * per_frame),
            "estimatedCredits": None,  # null for dollar-billed organisations, which the sandbox emulates
        }
    )


async def legacy_estimate(request: Request) -> JSONResponse:
    """Same body as create; answers an array: the output length the create would have (durations.py) at 30 fps
    ([INF] the API measures the media; the sandbox reads what it can of it)."""
    require_auth(request)
    body = json_object(await json_body(request))
    checked(check_create, body)  # "Body identical to create" (reference §3.9)
    per_frame = list_price_per_frame(body["model"])
    if per_frame is None:
        # [INF] The legacy endpoint documents only 401 and 500; refusing like the current one is our reading.
        raise _unpriced(body["model"])
    frames = math.ceil(output_seconds(request, body) * ESTIMATE_FPS)
    # §3.9 legacy: an array of {estimatedFrameCount, estimatedGenerationCost}
    return JSONResponse([{"estimatedFrameCount": float(frames), "estimatedGenerationCost": float(frames * per_frame)}])


# ----------------------------------------------------------------------------------------------- recorded


def recorded_costs(request: Request, record: GenerationRecord) -> GenerationCosts:
    """The cost record of a generation at this moment.

    [INF] The reference does not describe costs of FAILED/REJECTED generations; the sandbox records them as
    complete at zero. It prices only the lipsync part: a speech_synthesis (text input) or dubbing part is
    listed as unavailable, which makes the whole record `partial`.
    """
    state = sandbox_state(request)
    now = state.now()
    status = record.status_at(now)
    body = record.body
    dubbing = body.get("dubParams") is not None
    extra_parts = [
        kind
        for kind, used in (
            # With dubParams the API ignores audio/text items (create reference, dubbing tutorial): no synthesis.
            ("speech_synthesis", not dubbing and any(i.get("type") == "text" for i in body.get("input") or [])),
            ("dubbing", dubbing),
        )
        if used
    ]
    common: dict[str, Any] = {"generation_id": record.id, "generation_status": status, "currency": "USD"}
    if status in ("PENDING", "PROCESSING"):
        return GenerationCosts(
            **common,
            availability="pending",
            total_cost_usd=None,
            known_subtotal_usd=usd(Decimal(0)),
            retry_after_seconds=max(1, math.ceil(record.terminal_at - now)),
            components=[CostComponent(type=kind, availability="pending") for kind in ["lipsync", *extra_parts]],
        )
    if status != "COMPLETED":
        return GenerationCosts(
            **common, availability="complete", total_cost_usd=usd(Decimal(0)), known_subtotal_usd=usd(Decimal(0))
        )
    per_frame = list_price_per_frame(str(body.get("model")))
    frames = math.ceil(record.output_seconds * ESTIMATE_FPS)
    if per_frame is None:
        return GenerationCosts(
            **common,
            availability="unavailable",
            known_subtotal_usd=usd(Decimal(0)),
            components=[CostComponent(type="lipsync", availability="unavailable", frame_count=frames)],
        )
    lipsync = frames * per_frame
    components = [CostComponent(type="lipsync", availability="complete", cost_usd=usd(lipsync), frame_count=frames)]
    components += [CostComponent(type=kind, availability="unavailable") for kind in extra_parts]
    return GenerationCosts(
        **common,
        availability="partial" if extra_parts else "complete",
        total_cost_usd=None if extra_parts else usd(lipsync),
        known_subtotal_usd=usd(lipsync),
        components=components,
    )


async def generation_costs(request: Request) -> JSONResponse:
    require_auth(request)
    costs = recorded_costs(request, find_generation(request))
    return JSONResponse(costs.model_dump(mode="json", by_alias=True))


routes = [
    Route("/v2/generations/estimate", estimate, methods=["POST"]),
    Route("/v2/generate/estimate-cost", estimate, methods=["POST"]),
    Route("/v2/analyze/cost", legacy_estimate, methods=["POST"]),
    Route("/v2/generate/{id}/costs", generation_costs, methods=["GET"]),
]
