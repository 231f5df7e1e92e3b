"""Tool arguments: a tool's parameters are its real signature, typed, each with its `Field` description, or one
Pydantic model taken as the parameter `args` (beside any others), whose fields the tool lists as its own
parameters. The SDK validates a call's arguments once with that model (field rules and cross-field validators
alike) and hands the validated model to the tool and to every resolver that asks for `args` by name
(`sdk_internals.model_arguments`, applied when a tool is added). So `create_generation` takes exactly the JSON
body of `POST /v2/generate` with its wire names, and the field list lives only in the wire model.

Also here: the checks that refuse argument names a tool does not take, and an update that changes nothing (their
words are in `sync_mcp.guidance.refusals`).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import Field

from sync_mcp.api.types.shared import IDEMPOTENCY_KEY
from sync_mcp.guidance import refusals
from sync_mcp.guidance.errors import ErrorInfo

if TYPE_CHECKING:
    from sync_mcp.api.types.shared import RequestModel


def idempotency_field(description: str) -> Any:
    """The `Field` of an optional `idempotencyKey` argument of a create the API de-duplicates (the API's key
    pattern), for `Annotated[str | None, idempotency_field(...)]`."""
    return Field(pattern=IDEMPOTENCY_KEY.pattern, description=description)


def require_a_change(body: RequestModel, example: str) -> None:
    """Refuse (nothing sent) an update whose body changes nothing; `example` names fields to pass."""
    if not body.to_wire():
        raise refusals.nothing_to_change(example)


def unknown_arguments(tool: str, arguments: Mapping[str, Any], input_schema: Mapping[str, Any]) -> ErrorInfo | None:
    """The refusal of arguments `tool` does not take (names not in its input schema's properties), each named
    with the closest valid one; None when every name is known. Checked before the tool runs, so a misspelled
    option (`dowload`, `webhookURL`) never lets a paid job start without it."""
    valid = list((input_schema.get("properties") or {}).keys())
    unknown = [name for name in arguments if name not in valid]
    if not unknown:
        return None
    lowered = {name.lower(): name for name in valid}
    named = []
    for name in unknown:
        close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6) if name.strip() else []
        named.append((name, lowered[close[0]] if close else None))
    return refusals.unknown_arguments(tool, named, valid)
