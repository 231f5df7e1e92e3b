"""Sync's prices: the one table behind every figure this package shows or computes.

The model listing shows them, the sandbox's estimate endpoint charges them, and the tests hold the two together.
The source is the Billing page (reference §16.4): usage is charged per output frame, and the prices are published
per second of 25 fps video, from the plan discount (bottom of the range) to the list price (top). So a second of
video costs in proportion to its frame rate: at 30 fps, the estimate endpoint's default, a fifth more than the
published figure. These numbers change; the estimate endpoint is the authority on what a job will cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

QUOTED_FPS = 25
"""The frame rate the published per-second prices are for (reference §16.4)."""
ESTIMATE_FPS = 30.0
"""The estimate endpoint's default frame rate (reference §3.9): the rate per-second prices are shown at."""


@dataclass(frozen=True)
class Price:
    """A published price range, USD per output second at `QUOTED_FPS`."""

    low: float
    high: float

    def per_frame(self) -> tuple[Decimal, Decimal]:
        return Decimal(str(self.low)) / QUOTED_FPS, Decimal(str(self.high)) / QUOTED_FPS

    def per_second(self, fps: float = ESTIMATE_FPS) -> tuple[float, float]:
        """USD per output second of video at `fps` (charged per frame), rounded to a hundredth of a cent."""
        low, high = self.per_frame()
        rate = Decimal(str(fps))
        return round(float(low * rate), 4), round(float(high * rate), 4)


PRICES: dict[str, Price] = {
    "sync-3": Price(0.107, 0.133),
    "lipsync-2": Price(0.04, 0.05),
    "lipsync-2-pro": Price(0.067, 0.083),
    "lipsync-1.9.0-beta": Price(0.02, 0.025),  # [3P] in the reference: not on the Billing page
}
"""By model id. react-1 has no published price: it cannot be priced (the estimate endpoint answers 422)."""


def list_price_per_frame(model: str) -> Decimal | None:
    """What one output frame costs at list price (no plan discount), or None for an unpriced model."""
    price = PRICES.get(model)
    return price.per_frame()[1] if price is not None else None
