"""The spend guard on create_generation: the cost cap and the user's consent, on both protocol eras."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from mcp import Client
from mcp.client import ClientRequestContext
from mcp.types import ElicitRequestParams, ElicitResult

from sync_mcp.sandbox import SandboxServer
from sync_mcp.server import build_server

from ..conftest import BASIC, VIDEO, data, make_settings, sent
from ..durations_support import BASIC_FRAMES, BASIC_USD

pytestmark = pytest.mark.anyio

REACT = {**BASIC, "model": "react-1"}
SANDBOX_ESTIMATE = BASIC_USD  # BASIC's output lasts as long as its audio, priced per frame (durations_support)
SHOWN = f"${SANDBOX_ESTIMATE:.2f}"
ABOVE = f"{SANDBOX_ESTIMATE * 2:.2f}"
"""A threshold or cap above the estimate."""
BETWEEN = f"{SANDBOX_ESTIMATE / 2:.2f}"
"""A cap below the estimate, still above the 0.10 asking threshold."""

Answer = Callable[[ElicitRequestParams], ElicitResult]


def creates(api: SandboxServer) -> list[Any]:
    return [r for r in sent(api, "/v2/generate") if r.method == "POST" and r.path == "/v2/generate"]


def estimates(api: SandboxServer) -> list[Any]:
    return sent(api, "/v2/analyze/cost")


@asynccontextmanager
async def connect(
    api: SandboxServer, mode: str, answer: Answer | None = None, **env: str
) -> AsyncIterator[tuple[Client, list[str]]]:
    """A client of a server configured with `env`; `answer` makes it support elicitation. Yields the
    client and the list of questions it was asked."""
    asked: list[str] = []
    extra: dict[str, Any] = {}
    if answer is not None:

        async def on_elicit(context: ClientRequestContext, params: ElicitRequestParams) -> ElicitResult:
            asked.append(params.message)
            return answer(params)

        extra["elicitation_callback"] = on_elicit
    async with Client(build_server(make_settings(api, **env)), mode=mode, **extra) as client:  # type: ignore[arg-type]
        yield client, asked


def approve(params: ElicitRequestParams) -> ElicitResult:
    return ElicitResult(action="accept", content={"approve": True})


def disapprove(params: ElicitRequestParams) -> ElicitResult:
    return ElicitResult(action="accept", content={"approve": False})


def decline(params: ElicitRequestParams) -> ElicitResult:
    return ElicitResult(action="decline")


def cancel(params: ElicitRequestParams) -> ElicitResult:
    return ElicitResult(action="cancel")


# ----------------------------------------------------------------------------------------------- no guard


async def test_without_cap_or_threshold_nothing_is_estimated(client: Client, api: SandboxServer) -> None:
    created = data(await client.call_tool("create_generation", BASIC))
    assert created["status"] == "PENDING"
    assert "estimatedCostUsd" not in created
    assert estimates(api) == []
    assert len(creates(api)) == 1


async def test_the_consent_parameter_is_not_an_argument(client: Client) -> None:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    assert "spend" not in tools["create_generation"].input_schema["properties"]


# ----------------------------------------------------------------------------------------------- the cap


async def test_a_create_over_the_cap_is_refused_and_nothing_is_created(api: SandboxServer, mode: str) -> None:
    async with connect(api, mode, SYNC_MCP_MAX_COST_USD="0.10") as (client, _):
        result = await client.call_tool("create_generation", BASIC)
    err = data(result)
    assert result.is_error
    assert err["errorCode"] == "spend_cap_exceeded"
    assert err["retryable"] is False
    assert SHOWN in err["message"] and "$0.10" in err["message"]
    assert "SYNC_MCP_MAX_COST_USD" in err["fix"]
    assert err["details"] == {"estimatedCostUsd": SANDBOX_ESTIMATE, "estimatedFrameCount": BASIC_FRAMES, "capUsd": 0.1}
    assert creates(api) == []
    assert api.state.generation_count() == 0
    assert len(estimates(api)) == 1
    assert estimates(api)[0].body == BASIC, "the legacy estimate prices the exact create body"


async def test_a_create_under_the_cap_goes_ahead_with_one_estimate(api: SandboxServer, mode: str) -> None:
    async with connect(api, mode, SYNC_MCP_MAX_COST_USD="5") as (client, _):
        result = await client.call_tool("create_generation", BASIC)
    created = data(result)
    assert not result.is_error
    assert created["status"] == "PENDING"
    assert created["estimatedCostUsd"] == SANDBOX_ESTIMATE
    assert len(estimates(api)) == 1
    assert len(creates(api)) == 1


async def test_an_estimate_that_fails_refuses_rather_than_spending_blindly(api: SandboxServer, mode: str) -> None:
    api.state.script_fault(status=503, path="/v2/analyze/cost", times=3)
    async with connect(api, mode, SYNC_MCP_MAX_COST_USD="5") as (client, _):
        result = await client.call_tool("create_generation", BASIC)
    err = data(result)
    assert result.is_error
    assert err["errorCode"] == "spend_estimate_failed"
    assert err["retryable"] is True
    assert "SYNC_MCP_MAX_COST_USD" in err["fix"] and "unset" in err["fix"]
    assert err["details"]["estimateErrorCode"]
    assert creates(api) == []
    assert len(estimates(api)) == 1


async def test_an_unpriced_model_under_a_cap_is_refused_with_how_to_proceed(api: SandboxServer, mode: str) -> None:
    async with connect(api, mode, SYNC_MCP_MAX_COST_USD="5") as (client, _):
        result = await client.call_tool("create_generation", REACT)
    err = data(result)
    assert err["errorCode"] == "spend_estimate_failed"
    assert err["httpStatus"] == 422
    assert err["details"]["estimateErrorCode"] == "cost_estimate_unavailable"
    assert err["retryable"] is False
    assert "unset SYNC_MCP_MAX_COST_USD" in err["fix"]
    assert creates(api) == []


async def test_invalid_arguments_are_refused_before_any_estimate(api: SandboxServer, mode: str) -> None:
    bad = {"model": "lipsync-2", "input": [{"type": "video", "url": VIDEO}]}  # no audio or text
    async with connect(api, mode, approve, SYNC_MCP_MAX_COST_USD="5", SYNC_MCP_CONFIRM_ABOVE_USD="0") as (
        client,
        asked,
    ):
        result = await client.call_tool("create_generation", bad)
    assert result.is_error
    assert data(result)["errorCode"] == "generation_input_validation_failed"
    assert asked == []
    assert sent(api) == []


# ----------------------------------------------------------------------------------------------- consent


async def test_above_the_threshold_the_user_is_asked_and_approval_creates(api: SandboxServer, mode: str) -> None:
    async with connect(api, mode, approve, SYNC_MCP_CONFIRM_ABOVE_USD="0.10") as (client, asked):
        result = await client.call_tool("create_generation", BASIC)
    created = data(result)
    assert not result.is_error
    assert created["status"] == "PENDING"
    assert created["estimatedCostUsd"] == SANDBOX_ESTIMATE
    assert len(asked) == 1
    assert SHOWN in asked[0] and "$0.10" in asked[0]
    assert len(estimates(api)) == 1, "the confirmation round trip must not estimate twice"
    assert len(creates(api)) == 1


@pytest.mark.parametrize("answer", [decline, disapprove, cancel], ids=["decline", "approve-false", "cancel"])
async def test_declining_creates_nothing_and_says_so(api: SandboxServer, mode: str, answer: Answer) -> None:
    async with connect(api, mode, answer, SYNC_MCP_CONFIRM_ABOVE_USD="0.10") as (client, asked):
        result = await client.call_tool("create_generation", BASIC)
    err = data(result)
    assert len(asked) == 1
    assert err["errorCode"] == "spend_declined"
    assert err["message"].startswith("Not started: the user")
    assert "Nothing was created or charged" in err["message"]
    assert err["retryable"] is False
    assert "Do not retry" in err["fix"]
    assert creates(api) == []
    assert api.state.generation_count() == 0


async def test_below_the_threshold_nobody_is_asked(api: SandboxServer, mode: str) -> None:
    async with connect(api, mode, decline, SYNC_MCP_CONFIRM_ABOVE_USD=ABOVE) as (client, asked):
        result = await client.call_tool("create_generation", BASIC)
    assert not result.is_error
    assert asked == []
    assert len(creates(api)) == 1


async def test_a_client_without_elicitation_is_unaffected(api: SandboxServer, mode: str) -> None:
    async with connect(api, mode, None, SYNC_MCP_CONFIRM_ABOVE_USD="0.10") as (client, _):
        result = await client.call_tool("create_generation", BASIC)
    assert not result.is_error
    assert data(result)["status"] == "PENDING"
    assert estimates(api) == [], "nobody can be asked, so there is nothing to estimate"
    assert len(creates(api)) == 1


async def test_over_the_cap_nobody_is_asked(api: SandboxServer, mode: str) -> None:
    env = {"SYNC_MCP_MAX_COST_USD": BETWEEN, "SYNC_MCP_CONFIRM_ABOVE_USD": "0.10"}
    async with connect(api, mode, approve, **env) as (client, asked):
        result = await client.call_tool("create_generation", BASIC)
    assert data(result)["errorCode"] == "spend_cap_exceeded"
    assert asked == []
    assert creates(api) == []


async def test_cap_and_consent_together_ask_once_then_create(api: SandboxServer, mode: str) -> None:
    env = {"SYNC_MCP_MAX_COST_USD": ABOVE, "SYNC_MCP_CONFIRM_ABOVE_USD": "0.10"}
    async with connect(api, mode, approve, **env) as (client, asked):
        result = await client.call_tool("create_generation", BASIC)
    assert not result.is_error
    assert len(asked) == 1
    assert len(estimates(api)) == 1
    assert len(creates(api)) == 1


async def test_an_unpriced_model_asks_with_the_reason(api: SandboxServer, mode: str) -> None:
    async with connect(api, mode, approve, SYNC_MCP_CONFIRM_ABOVE_USD="0.10") as (client, asked):
        result = await client.call_tool("create_generation", REACT)
    assert not result.is_error
    assert len(asked) == 1 and "could not be estimated (cost_estimate_unavailable)" in asked[0]
    assert "estimatedCostUsd" not in data(result)
    assert len(creates(api)) == 1
