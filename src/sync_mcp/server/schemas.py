"""Compact tool schemas for `tools/list`, which every client fetches and every model reads on every turn.

Pydantic's JSON Schema is exact but wordy. Rewrites that change no validation outcome, applied to every
subschema at any depth (property names and data such as `enum`, `const` or `default` are left alone):
generated `title`s are dropped (they repeat the property names); `additionalProperties: true` is dropped
(it is the JSON Schema default); an OpenAPI `discriminator` beside `oneOf` is dropped (not a JSON Schema
keyword: the `const` tag of each variant already decides); and an optional property written
`anyOf: [T, null]` with `default: null` becomes plain `T` (omitting it means unset; the server still
accepts an explicit null). Validation uses the Pydantic models, not these schemas.

Output schemas also lose their `description`s (`prose=False`): hosts give a model a tool's description
and input schema, while an output schema serves to check `structuredContent`, whose own JSON (with its
`nextStep`) is what the model reads. Those texts cost about an eighth of the `tools/list` budget (48 KB).
"""

from __future__ import annotations

from typing import Any

NULL = {"type": "null"}

_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
"""Keywords whose value maps names to subschemas."""
_SCHEMA_LISTS = frozenset({"anyOf", "oneOf", "allOf", "prefixItems"})
"""Keywords whose value is a list of subschemas."""
_SCHEMA_VALUES = frozenset(
    {
        "items",
        "additionalProperties",
        "additionalItems",
        "unevaluatedItems",
        "unevaluatedProperties",
        "contains",
        "propertyNames",
        "not",
        "if",
        "then",
        "else",
    }
)
"""Keywords whose value is one subschema."""


def compact(schema: Any, *, prose: bool = True) -> Any:
    """The compacted copy of a JSON Schema; `prose=False` also drops `description`s."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if _dropped(key, value, schema, prose):
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: compact(sub, prose=prose) for name, sub in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [compact(sub, prose=prose) for sub in value]
        elif key in _SCHEMA_VALUES:
            out[key] = compact(value, prose=prose)
        else:
            out[key] = value
    properties = out.get("properties")
    if isinstance(properties, dict):
        out["properties"] = {name: _optional_as_plain(prop) for name, prop in properties.items()}
    return out


def _dropped(key: str, value: Any, schema: dict[str, Any], prose: bool) -> bool:
    if key == "title" or (key == "description" and not prose):
        return True
    if key == "additionalProperties":
        return value is True
    return key == "discriminator" and "oneOf" in schema


def _optional_as_plain(prop: Any) -> Any:
    variants = prop.get("anyOf") if isinstance(prop, dict) else None
    if not isinstance(variants, list) or NULL not in variants or "default" not in prop or prop["default"] is not None:
        return prop
    rest = [v for v in variants if v != NULL]
    plain = {k: v for k, v in prop.items() if k not in ("anyOf", "default")}
    if len(rest) == 1:
        return {**rest[0], **plain}
    return {**plain, "anyOf": rest}
