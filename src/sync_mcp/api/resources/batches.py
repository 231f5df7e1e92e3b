"""Batches (reference §9): many creates sent as one job (JSON rows), followed by id."""

from __future__ import annotations

from sync_mcp.api.types.shared import path_segment

from ..types.batches import Batch, BatchListQuery, BatchValidated, CreateBatchRequest
from .base import Reply, Resource


def parse_created(reply: Reply) -> Batch | BatchValidated:
    data = reply.data
    if isinstance(data, dict) and data.get("status") == "VALIDATED" and "id" not in data:
        return reply.read(BatchValidated)
    return reply.read(Batch)


class Batches(Resource):
    """`client.batches`."""

    async def create(self, body: CreateBatchRequest) -> Batch | BatchValidated:
        """`POST /v2/batch` (JSON rows). Sent once: the API offers no idempotency for batches."""
        return parse_created(await self._client.request_reply("POST", "/v2/batch", json=body.to_wire()))

    async def get(self, batch_id: str) -> Batch:
        return (await self._client.request_reply("GET", f"/v2/batch/{path_segment(batch_id)}")).read(Batch)

    async def list(self, query: BatchListQuery) -> list[Batch]:
        reply = await self._client.request_reply("GET", "/v2/batch", params=query.to_params())
        return reply.read_each(Batch)
