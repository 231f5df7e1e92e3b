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
from .generations import find_generation

CENTS = Decimal("0.0001")


def component(kind: str, availability: str, cost_usd: str | None = None, frames: int | None = None) -> dict[str, Any]:
    """One item of `components` (§3.10: "exact item schema not recovered"; [INF] type, availability, costUsd,
    frameCount)."""
    return {
        "type": kind,
        "availability": availability,
        "costUsd": cost_usd,
        "frameCount": float(frames) if frames is not None else None,
    }


def cost_record(record: GenerationRecord, status: str, availability: str, **fields: Any) -> dict[str, Any]:
    """The `GET /v2/generate/{id}/costs` object (§3.10), every field present (null when unknown)."""
    return {
        "generationId": record.id,
        "generationStatus": status,
        "currency": "USD",  # "always USD"
        "availability": availability,
        "totalCostUsd": fields.get("totalCostUsd"),
        "knownSubtotalUsd": fields.get("knownSubtotalUsd"),
        "retryAfterSeconds": fields.get("retryAfterSeconds"),
        "components": fields.get("components", []),
    }


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


def recorded_costs(request: Request, record: GenerationRecord) -> dict[str, Any]:
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
    zero = usd(Decimal(0))
    if status in ("PENDING", "PROCESSING"):
        return cost_record(
            record,
            status,
            "pending",
            knownSubtotalUsd=zero,
            retryAfterSeconds=max(1, math.ceil(record.terminal_at - now)),
            components=[component(kind, "pending") for kind in ["lipsync", *extra_parts]],
        )
    if status != "COMPLETED":
        return cost_record(record, status, "complete", totalCostUsd=zero, knownSubtotalUsd=zero)
    per_frame = list_price_per_frame(str(body.get("model")))
    frames = math.ceil(record.output_seconds * ESTIMATE_FPS)
    if per_frame is None:
        parts = [component("lipsync", "unavailable", frames=frames)]
        return cost_record(record, status, "unavailable", knownSubtotalUsd=zero, components=parts)
    lipsync = frames * per_frame
    components = [component("lipsync", "complete", usd(lipsync), frames)]
    components += [component(kind, "unavailable") for kind in extra_parts]
    return cost_record(
        record,
        status,
        "partial" if extra_parts else "complete",
        totalCostUsd=None if extra_parts else usd(lipsync),
        knownSubtotalUsd=usd(lipsync),
        components=components,
    )


async def generation_costs(request: Request) -> JSONResponse:
    require_auth(request)
    return JSONResponse(recorded_costs(request, find_generation(request)))


routes = [
    Route("/v2/generations/estimate", estimate, methods=["POST"]),
    Route("/v2/generate/estimate-cost", estimate, methods=["POST"]),
    Route("/v2/analyze/cost", legacy_estimate, methods=["POST"]),
    Route("/v2/generate/{id}/costs", generation_costs, methods=["GET"]),
]
