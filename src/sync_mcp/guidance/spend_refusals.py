"""The spend guard's refusals: a create not started because its estimate is above the spend cap, because a cap is
set and the cost could not be estimated, or because the user declined the spend. Nothing is created either way.

The guard itself (when it estimates, asks, refuses) is `sync_mcp.toolkit.spending`; it passes the facts (the
estimate, the cap, the model) and gets back the error the agent reads.
"""

from __future__ import annotations

from .errors import ErrorInfo


def over_cap(usd: float, frames: float | None, model: str, cap: float) -> ErrorInfo:
    """An estimate of `usd` (`frames` on `model`) above the cap of `cap` USD (`SYNC_MCP_MAX_COST_USD`)."""
    return ErrorInfo(
        errorCode="spend_cap_exceeded",
        message=f"Not started: the estimated cost ${usd:.2f} ({frames:g} frames on {model}) is above the spend cap "
        f"of ${cap:.2f} (SYNC_MCP_MAX_COST_USD). Nothing was created.",
        fix="Use shorter media or a cheaper model (estimate_cost compares them), or raise or unset "
        "SYNC_MCP_MAX_COST_USD in the server's environment and restart the server.",
        retryable=False,
        details={"estimatedCostUsd": usd, "estimatedFrameCount": frames, "capUsd": cap},
    )


def estimate_failed(error: ErrorInfo, cap: float) -> ErrorInfo:
    """A cap is set, and the estimate failed with `error`: nothing is spent blindly."""
    return ErrorInfo(
        errorCode="spend_estimate_failed",
        httpStatus=error.http_status,
        message=f"Not started: a spend cap of ${cap:.2f} is set (SYNC_MCP_MAX_COST_USD) but the cost could not be "
        f"estimated ({error.error_code}: {error.message}), so nothing was created rather than spend blindly.",
        fix=("Try again shortly. " if error.retryable else "")
        + "To create without an estimate, unset SYNC_MCP_MAX_COST_USD in the server's environment and restart "
        f"the server. About the estimate error: {error.fix}",
        retryable=error.retryable,
        requestId=error.request_id,
        details={"capUsd": cap, "estimateErrorCode": error.error_code},
    )


def declined(usd: float | None, *, cancelled: bool) -> ErrorInfo:
    """The user declined to spend about `usd` (None: not estimated), or dismissed the question (`cancelled`)."""
    cost = f" about ${usd:.2f}" if usd is not None else ""
    what = "dismissed the question whether" if cancelled else "declined"
    return ErrorInfo(
        errorCode="spend_declined",
        message=f"Not started: the user {what} to spend{cost} on this generation. Nothing was created or charged.",
        fix="Do not retry on your own. Ask the user what to change (shorter media, a cheaper model) or whether "
        "to go ahead after all.",
        retryable=False,
        details={"estimatedCostUsd": usd} if usd is not None else None,
    )
