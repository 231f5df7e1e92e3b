"""Bodies of the cost estimates (reference §3.9)."""

from __future__ import annotations

from typing import Any

from .core import flag, number, obj, one_of, only, text

WORKFLOWS = ("lipsync", "translate-and-dub")
"""§3.9 `workflow`: seen in the official MCP server's test fixture only [MCP]; accepted with its two values."""


def check_estimate(body: Any) -> None:
    """`POST /v2/generations/estimate` (alias `POST /v2/generate/estimate-cost`), §3.9: `model` (string, required;
    a model without a price is the route's 422 cost_estimate_unavailable), `duration` (finite, > 0, required),
    `fps` (finite, > 0), `reasoningEnabled` (boolean), `workflow`. "Errors: 400 (bad fields)"."""
    body = obj(body, "body")
    only(body, ("model", "duration", "fps", "reasoningEnabled", "workflow"), "")
    text(body, "model", "", required=True, min_len=1)
    number(body, "duration", "", required=True, gt=0)
    number(body, "fps", "", gt=0)
    flag(body, "reasoningEnabled", "")
    one_of(body, "workflow", "", WORKFLOWS)
