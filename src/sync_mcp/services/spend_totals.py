"""One reading of recorded costs, shared by a single generation and a time range.

A generation's cost record (`GET /v2/generate/{id}/costs`) and a usage item (`GET /v2/usage/generations`) are
the same object. Both tools answer from it the same way, so that adding up `get_generation_cost` over some
generations gives exactly what `get_usage` reports for them:

- the known amount is `knownSubtotalUsd` (the sum of the parts priced so far), partial generations included;
- the total is known only when nothing is missing (`totalCostUsd` non-null);
- every part without a price is listed with the API's own word for why: `pending` (not priced yet, it will be)
  or `unavailable` (no price is recorded for it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sync_mcp.api.types.costs import GenerationCosts
from sync_mcp.api.types.usage import decimal_usd as usd


@dataclass(frozen=True)
class UnpricedPart:
    generation_id: str
    part: str
    """The component's type (lipsync, dubbing, speech_synthesis), or `generation` when the API lists no parts."""
    availability: str
    """`pending` (a price is still to come) or `unavailable` (none is recorded), as the API says."""


def known_usd(costs: GenerationCosts) -> Decimal:
    """What is known of one generation's cost: its total when final, else the sum of its priced parts."""
    total = usd(costs.total_cost_usd)
    if total is not None:
        return total
    subtotal = usd(costs.known_subtotal_usd)
    if subtotal is not None:
        return subtotal
    return sum((usd(c.cost_usd) or Decimal(0) for c in costs.components), Decimal(0))


def unpriced_parts(costs: GenerationCosts) -> list[UnpricedPart]:
    """The parts of one generation that have no price, each with the API's reason."""
    if usd(costs.total_cost_usd) is not None:
        return []
    parts = [
        UnpricedPart(costs.generation_id, c.type or "generation", c.availability or costs.availability)
        for c in costs.components
        if usd(c.cost_usd) is None
    ]
    if parts:
        return parts
    # No part is listed without a price, yet there is no total: the generation as a whole is what is missing.
    reason = "pending" if costs.availability == "pending" else "unavailable"
    return [UnpricedPart(costs.generation_id, "generation", reason)]


@dataclass(frozen=True)
class SpendTotals:
    known_usd: Decimal
    unpriced: list[UnpricedPart]

    @property
    def total_usd(self) -> Decimal | None:
        """The whole amount, or None while any part has no price."""
        return None if self.unpriced else self.known_usd


def spend_totals(records: Iterable[GenerationCosts]) -> SpendTotals:
    """The known amount and the unpriced parts of several generations' cost records."""
    known, unpriced = Decimal(0), []
    for costs in records:
        known += known_usd(costs)
        unpriced += unpriced_parts(costs)
    return SpendTotals(known, unpriced)
