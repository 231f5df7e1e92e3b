"""Batches (reference §9): many creates sent as one job (JSON rows), followed by id."""

from __future__ import annotations

from typing import Any

from ..ids import path_segment
from ..replies import as_list, read_reply
from ..types.batches import Batch, BatchListQuery, BatchValidated, CreateBatchRequest
from . import Resource


def parse_created(data: Any) -> Batch | BatchValidated:
    if isinstance(data, dict) and data.get("status") == "VALIDATED" and "id" not in data:
        return read_reply(BatchValidated, data)
    return read_reply(Batch, data)


class Batches(Resource):
    """`client.batches`."""

    async def create(self, body: CreateBatchRequest) -> Batch | BatchValidated:
        """`POST /v2/batch` (JSON rows). Sent once: the API offers no idempotency for batches."""
        return parse_created(await self._client.request_json("POST", "/v2/batch", json=body.to_wire()))

    async def get(self, batch_id: str) -> Batch:
        return read_reply(Batch, await self._client.request_json("GET", f"/v2/batch/{path_segment(batch_id)}"))

    async def list(self, query: BatchListQuery) -> list[Batch]:
        data = await self._client.request_json("GET", "/v2/batch", params=query.to_params())
        return [read_reply(Batch, item) for item in as_list(data)]
