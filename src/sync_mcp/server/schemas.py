"""Compact tool schemas for `tools/list`, which every model reads on every turn.

Pydantic's JSON Schema is exact but wordy. Two lossless-in-practice rewrites, applied to every object
schema at any depth: generated `title`s are dropped (they repeat the property names), and an optional
property written `anyOf: [T, null]` with `default: null` becomes plain `T` (omitting it means unset;
the server still accepts an explicit null). Validation uses the Pydantic models, not these schemas.
"""

from __future__ import annotations

from typing import Any

NULL = {"type": "null"}


def compact(schema: Any) -> Any:
    if isinstance(schema, list):
        return [compact(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: compact(value) for key, value in schema.items() if key != "title"}
    properties = out.get("properties")
    if isinstance(properties, dict):
        out["properties"] = {name: _optional_as_plain(prop) for name, prop in properties.items()}
    return out


def _optional_as_plain(prop: Any) -> Any:
    variants = prop.get("anyOf") if isinstance(prop, dict) else None
    if not isinstance(variants, list) or NULL not in variants or "default" not in prop or prop["default"] is not None:
        return prop
    rest = [v for v in variants if v != NULL]
    plain = {k: v for k, v in prop.items() if k not in ("anyOf", "default")}
    if len(rest) == 1:
        return {**rest[0], **plain}
    return {**plain, "anyOf": rest}
