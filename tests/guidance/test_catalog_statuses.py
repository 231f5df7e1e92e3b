"""The bundled error catalog's HTTP statuses agree with the API's error-handling guide (reference §11 and the
endpoint sections it sums up), and the sandbox answers with those statuses, since both serve the same catalog."""

from __future__ import annotations

import httpx
import pytest
from mcp import Client

from sync_mcp.api.catalog import load_bundled_catalog
from sync_mcp.sandbox import SandboxServer

from ..conftest import TEST_KEY, data

pytestmark = pytest.mark.anyio

DOCUMENTED: dict[str, tuple[int, str]] = {
    "generation_input_validation_failed": (400, "§11: 400 invalid body/query (413 only over the multipart limits)"),
    "generation_input_video_inaccessible": (422, "§11: 422 inaccessible media"),
    "free_tier_generations_exhausted": (402, "§11, §16.3: 402 free allowance used"),
    "generation_plan_duration_exceeded": (402, "§11: 402 plan limit (e.g. duration)"),
    "account_payment_required": (402, "§11: 402 unpaid invoice / no paid plan for paid-only usage"),
    "batch_plan_required": (403, "§11: 403 plan-gated features (batch)"),
    "asset_forbidden": (403, "§5.8, §11: 403 asset_forbidden"),
    "asset_not_found": (404, "§5.8: 404 asset_not_found"),
    "voice_not_found": (404, "§7: unknown voice 404"),
    "generation_not_deletable_while_processing": (409, "§3.7: 409"),
    "project_not_found": (422, "§5.2, §11: 422 project_not_found"),
    "file_size_exceeds_plan_limit": (422, "§3.2, §5.2: 422"),
    "cost_estimate_unavailable": (422, "§3.9, §11: 422"),
    "dialogue_edit_retime_required": (422, "§3.1.7: 422"),
    "dialogue_edit_removal_too_large": (422, "§3.1.7: 422"),
    "dialogue_edit_not_found": (422, "§19: 422"),
    "dialogue_edit_unsupported": (422, "§8.1: 422 partial window with an API key (dialogue-edits-api create)"),
    "rate_limit_exceeded": (429, "§11: 429 request rate"),
    "concurrency_limit_reached": (429, "§11, §14.2: 429 in-flight jobs"),
    "internal_error": (500, "§11: 500 internal_error"),
    "elevenlabs_service_unavailable": (503, "§3.1.7: 503 provider outage (504 on a provider timeout)"),
    "INVALID_IDEMPOTENCY_KEY": (400, "§13: 400"),
    "IDEMPOTENCY_OUTCOME_UNKNOWN": (503, "§13: 503"),
}

CATALOG = {e.code: e for e in load_bundled_catalog()}


@pytest.mark.parametrize("code", sorted(DOCUMENTED))
def test_documented_statuses_are_the_catalogs(code: str) -> None:
    status, source = DOCUMENTED[code]
    assert CATALOG[code].http_status == status, f"{code}: the guide says {status} ({source})"


def test_no_other_code_claims_a_status() -> None:
    """A status nobody documented stays null: clients branch on errorCode, never on a guessed status."""
    claimed = {code for code, entry in CATALOG.items() if entry.http_status is not None}
    assert claimed == set(DOCUMENTED)


def test_the_sandbox_refuses_an_invalid_body_with_400(api: SandboxServer) -> None:
    reply = httpx.post(
        f"{api.base_url}/v2/generate", json={"model": "lipsync-2", "input": []}, headers={"x-api-key": TEST_KEY}
    )
    assert reply.status_code == 400
    assert reply.json()["errorCode"] == "generation_input_validation_failed"


async def test_list_error_codes_reports_400(client: Client) -> None:
    found = data(await client.call_tool("list_error_codes", {"code": "generation_input_validation_failed"}))
    [entry] = found["entries"]
    assert entry["httpStatus"] == 400 and "413" in entry["message"]
