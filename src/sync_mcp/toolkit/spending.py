"""The spend guard: the checks between a create and the credits it costs.

Both checks use one estimate of the create body: the legacy body-based `POST /v2/analyze/cost`, because
a create's output duration is not known before the API fetches the media.

- Cap (`SYNC_MCP_MAX_COST_USD`, `Settings.max_cost_usd`): an estimate above it refuses the create with
  `spend_cap_exceeded`; an estimate that cannot be had refuses it with `spend_estimate_failed` rather than
  spending blindly. Nothing is sent to `POST /v2/generate` either way.
- Consent (`SYNC_MCP_CONFIRM_ABOVE_USD`, `Settings.confirm_above_usd`): when the client supports
  elicitation and the estimate is above it (or cannot be had), the user is asked first, through the SDK's
  era-independent `Resolve` + `Elicit` path. Declining costs nothing and is reported as `spend_declined`
  (not retryable). Clients without elicitation are neither asked nor refused.

No estimate is requested when neither setting is set, and at most one per create otherwise: the resolver
hands its estimate to the tool body, and estimates are remembered per body for the few minutes that a
confirmation round trip on protocol 2026-07-28 (where resolvers re-run) can take (backend/spend_memory.py: in
this process, or in Redis so that the round trip may end on another replica).

How a create tool uses it:

1. A parameter `spend: Annotated[ElicitationResult[SpendConsent], Resolve(resolver)]`, where the resolver
   takes the tool's arguments by name (`args`, see toolkit/arguments.py) plus `ctx: Context`, builds the
   `CreateGenerationRequest` (None when it cannot), and returns `await spend_question(ctx, tool_state(ctx),
   request)`. A tool whose `args` are the create body itself uses `body_spend`.
2. In the body, once the request is built: `check = await guard_spend(ctx, state, request, spend)`, then
   `if check.refusal is not None: return fail(check.refusal)`, else create.
   A tool that cannot build the body in a resolver passes `consent=None`: the cap still applies.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from mcp.server.mcpserver import (
    AcceptedElicitation,
    CancelledElicitation,
    Context,
    DeclinedElicitation,
    Elicit,
    ElicitationResult,
)
from pydantic import BaseModel, Field

from sync_mcp.api import CreateGenerationRequest, SyncAPIError
from sync_mcp.api.types.costs import legacy_total
from sync_mcp.backend.spend_memory import SpendMemory
from sync_mcp.guidance import spend_refusals
from sync_mcp.guidance.errors import ErrorInfo, explain
from sync_mcp.toolkit.state import ToolState, caller_api_key, tool_state


class SpendConsent(BaseModel):
    """What the user is asked to fill in."""

    approve: bool = Field(description="Spend the credits and start the generation?")


@dataclass(frozen=True)
class SpendEstimate:
    """The estimate of one create body: `usd` and `frames`, or the `error` that prevented it."""

    usd: float | None = None
    frames: float | None = None
    error: ErrorInfo | None = None


@dataclass(frozen=True)
class SpendCheck:
    """The verdict for one create: go ahead unless `refusal` is set (then return `fail(refusal)`)."""

    estimate: SpendEstimate | None
    refusal: ErrorInfo | None = None

    @property
    def estimated_cost_usd(self) -> float | None:
        return self.estimate.usd if self.estimate is not None else None


# ----------------------------------------------------------------------------------------------- estimates


def _memory(ctx: Context[Any, Any]) -> SpendMemory:
    """Estimates remembered by this server, shared by its requests (the server's state owns them)."""
    memory: SpendMemory = ctx.request_context.lifespan_context.spend_estimates
    return memory


def _to_memory(estimate: SpendEstimate) -> dict[str, Any]:
    return {
        "usd": estimate.usd,
        "frames": estimate.frames,
        "error": estimate.error.to_wire() if estimate.error is not None else None,
    }


def _from_memory(value: dict[str, Any]) -> SpendEstimate:
    error = value.get("error")
    return SpendEstimate(
        usd=value.get("usd"),
        frames=value.get("frames"),
        error=ErrorInfo.model_validate(error) if isinstance(error, dict) else None,
    )


def _body_key(ctx: Context[Any, Any], request: CreateGenerationRequest) -> str:
    """The body, and whose key prices it (HTTP mode serves several accounts), as one digest."""
    canonical = json.dumps(
        [caller_api_key(ctx), request.to_wire()], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


Bodies = CreateGenerationRequest | list[CreateGenerationRequest]
"""One create body, or several created together (e.g. one per language): priced and checked as one total."""


def _combined(parts: list[SpendEstimate | None]) -> SpendEstimate | None:
    """The total of several estimates: the first failure if one failed, None if one is unknown."""
    if any(p is None for p in parts):
        return None
    failed = next((p for p in parts if p is not None and p.error is not None), None)
    if failed is not None:
        return failed
    return SpendEstimate(usd=sum(p.usd or 0.0 for p in parts if p), frames=sum(p.frames or 0.0 for p in parts if p))


async def remembered_estimate(ctx: Context[Any, Any], request: Bodies) -> SpendEstimate | None:
    """A recent estimate of this body (or the total of these bodies), without asking the API."""
    if isinstance(request, list):
        return _combined([await remembered_estimate(ctx, one) for one in request])
    value = await _memory(ctx).recall(_body_key(ctx, request))
    return None if value is None else _from_memory(value)


async def estimate_spend(ctx: Context[Any, Any], state: ToolState, request: Bodies) -> SpendEstimate:
    """The estimate of a create body, or the total of several (remembered ones if recent). API failures are
    returned, not raised."""
    if isinstance(request, list):
        total = _combined([await estimate_spend(ctx, state, one) for one in request])
        assert total is not None  # every part was estimated
        return total
    known = await remembered_estimate(ctx, request)
    if known is not None:
        return known
    try:
        usd, frames = legacy_total(await state.client.costs.estimate_create(request))
    except SyncAPIError as exc:
        estimate = SpendEstimate(error=await explain(exc, state.catalog))
    else:
        estimate = SpendEstimate(usd=usd, frames=frames)
    if estimate.error is None or not estimate.error.retryable:  # a passing outage is asked again
        await _memory(ctx).remember(_body_key(ctx, request), _to_memory(estimate))
    return estimate


# ----------------------------------------------------------------------------------------------- consent


def can_elicit(ctx: Context[Any, Any]) -> bool:
    capabilities = ctx.client_capabilities
    elicitation = capabilities.elicitation if capabilities is not None else None
    # A bare `elicitation: {}` means form support; url-only does not (as the SDK's own check reads it).
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


def _what(request: Bodies) -> str:
    """The generation(s) a question or refusal is about."""
    if isinstance(request, list):
        return f"these {len(request)} {request[0].model} generations"
    return f"this {request.model} generation"


def _its(request: Bodies) -> str:
    return "Their total" if isinstance(request, list) else "Its"


def _question(request: Bodies, estimate: SpendEstimate, threshold: float) -> str:
    """Deterministic per body and estimate: the SDK matches answers to the exact question text."""
    if estimate.error is not None:
        return (
            f"Start {_what(request)}? {_its(request)} cost could not be estimated "
            f"({estimate.error.error_code}), and you asked to confirm generations above ${threshold:.2f}."
        )
    return (
        f"Start {_what(request)}? {_its(request)} estimated cost is ${estimate.usd:.2f}, above your "
        f"confirmation threshold of ${threshold:.2f}."
    )


async def spend_question(
    ctx: Context[Any, Any], state: ToolState, request: Bodies | None
) -> SpendEstimate | Elicit[SpendConsent] | None:
    """For a resolver: the question to ask before this create, or the estimate (None: none needed)."""
    if request is None:
        return None
    cap, threshold = state.settings.max_cost_usd, state.settings.confirm_above_usd
    can_ask = threshold is not None and can_elicit(ctx)
    if cap is None and not can_ask:
        return None
    estimate = await estimate_spend(ctx, state, request)
    if cap is not None and (estimate.error is not None or (estimate.usd or 0.0) > cap):
        return estimate  # refused by the cap in the tool body: asking would be pointless
    if threshold is None or not can_ask or (estimate.error is None and (estimate.usd or 0.0) <= threshold):
        return estimate
    return Elicit(_question(request, estimate, threshold), SpendConsent)


async def body_spend(
    ctx: Context[Any, Any], args: CreateGenerationRequest
) -> SpendEstimate | Elicit[SpendConsent] | None:
    """Resolver of a tool whose arguments are the create body itself (`create_generation`)."""
    return await spend_question(ctx, tool_state(ctx), args)


# ----------------------------------------------------------------------------------------------- verdict


async def guard_spend(
    ctx: Context[Any, Any],
    state: ToolState,
    request: Bodies,
    consent: ElicitationResult[Any] | None = None,
) -> SpendCheck:
    """Apply the cap and the user's answer (the outcome of a `spend_question` resolver, or None)."""
    cap = state.settings.max_cost_usd
    answer = consent.data if isinstance(consent, AcceptedElicitation) else None
    if isinstance(consent, (DeclinedElicitation, CancelledElicitation)) or (
        isinstance(answer, SpendConsent) and not answer.approve
    ):
        estimate = await remembered_estimate(ctx, request)
        return SpendCheck(estimate, refusal=_declined(estimate, cancelled=isinstance(consent, CancelledElicitation)))
    if isinstance(answer, SpendEstimate):
        estimate: SpendEstimate | None = answer
    elif cap is not None:
        estimate = await estimate_spend(ctx, state, request)
    elif state.settings.confirm_above_usd is not None:
        estimate = await remembered_estimate(ctx, request)
    else:
        estimate = None  # neither setting: no estimate was made, so none is remembered
    if cap is not None and estimate is not None:
        if estimate.error is not None:
            return SpendCheck(estimate, refusal=spend_refusals.estimate_failed(estimate.error, cap))
        if (estimate.usd or 0.0) > cap:
            return SpendCheck(estimate, refusal=_over_cap(request, estimate, cap))
    return SpendCheck(estimate)


def _over_cap(request: Bodies, estimate: SpendEstimate, cap: float) -> ErrorInfo:
    model = (request[0] if isinstance(request, list) else request).model
    return spend_refusals.over_cap(estimate.usd or 0.0, estimate.frames, model, cap)


def _declined(estimate: SpendEstimate | None, *, cancelled: bool) -> ErrorInfo:
    return spend_refusals.declined(estimate.usd if estimate is not None else None, cancelled=cancelled)
