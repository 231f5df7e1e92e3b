"""`sync_mcp.api` used alone, as an outside project would: a `SyncClient` and its resources on the sandbox, no MCP."""

from __future__ import annotations

import pytest

from sync_mcp.api import CreateGenerationRequest, Generation, SyncAPIError, SyncClient, new_idempotency_key
from sync_mcp.sandbox import SandboxServer

from ..conftest import BASIC, TEST_KEY, sent

pytestmark = pytest.mark.anyio


async def test_create_get_and_list_a_generation_through_the_client(api: SandboxServer) -> None:
    body = CreateGenerationRequest.model_validate(BASIC)
    key = new_idempotency_key()
    async with SyncClient(TEST_KEY, base_url=api.base_url) as client:
        created = await client.generations.create(body, idempotency_key=key)
        again = await client.generations.create(body, idempotency_key=key)  # the same key answers the same job
        fetched = await client.generations.get(created.id)
        listed = await client.generations.list(ids=[created.id])
    assert isinstance(created, Generation) and created.status == "PENDING" and created.model == "lipsync-2"
    assert again.id == created.id and fetched.id == created.id
    assert [g.id for g in listed] == [created.id]
    assert [(r.method, r.path) for r in sent(api)] == [
        ("POST", "/v2/generate"),
        ("POST", "/v2/generate"),
        ("GET", f"/v2/generate/{created.id}"),
        ("GET", "/v2/generations"),
    ]


async def test_a_bound_view_reaches_the_api_with_its_own_key(api: SandboxServer) -> None:
    async with SyncClient(TEST_KEY, base_url=api.base_url) as client:
        created = await client.generations.create(
            CreateGenerationRequest.model_validate(BASIC), idempotency_key=new_idempotency_key()
        )
        view = client.bound(api_key="not-the-sandbox-key")
        with pytest.raises(SyncAPIError) as caught:
            await view.generations.get(created.id)
        assert (await client.generations.get(created.id)).id == created.id  # the client keeps its own key
    assert caught.value.http_status == 401
