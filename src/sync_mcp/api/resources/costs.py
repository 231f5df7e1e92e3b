"""Costs (reference §3.9, §3.10): estimates before a create, and the recorded cost of one generation."""

from __future__ import annotations

from sync_mcp.api.types.shared import path_segment

from ..types.costs import CostEstimate, CostEstimateRequest, GenerationCosts, LegacyCostEstimate
from ..types.generations import CreateGenerationRequest
from .base import Resource


class Costs(Resource):
    """`client.costs`."""

    async def estimate(self, body: CostEstimateRequest) -> CostEstimate:
        """`POST /v2/generations/estimate`: price a known output duration. Creates nothing."""
        reply = await self._client.request_reply("POST", "/v2/generations/estimate", json=body.to_wire())
        return reply.read(CostEstimate)

    async def estimate_create(self, body: CreateGenerationRequest) -> list[LegacyCostEstimate]:
        """Legacy `POST /v2/analyze/cost`: price a full create body (the API works the duration out itself)."""
        reply = await self._client.request_reply("POST", "/v2/analyze/cost", json=body.to_wire())
        return reply.read_each(LegacyCostEstimate)

    async def of_generation(self, generation_id: str) -> GenerationCosts:
        """`GET /v2/generate/{id}/costs`: the recorded cost of one generation."""
        reply = await self._client.request_reply("GET", f"/v2/generate/{path_segment(generation_id)}/costs")
        return reply.read(GenerationCosts)
