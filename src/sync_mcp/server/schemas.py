"""Compact tool schemas for `tools/list`, which every client fetches and every model reads on every turn.

Pydantic's JSON Schema is exact but wordy. Rewrites applied to every subschema at any depth (property names
and data such as `enum`, `const` or `default` are left alone): generated `title`s are dropped (they repeat the
property names); `additionalProperties: true` is dropped (it is the JSON Schema default); an OpenAPI
`discriminator` beside `oneOf` is dropped (not a JSON Schema keyword: the `const` tag of each variant already
decides). These change no validation outcome. One rewrite does, on purpose: an optional property written
`anyOf: [T, null]` with `default: null` becomes plain `T`, so the schema says "omit it" and a client that checks
arguments refuses an explicit `null` there, which the server itself accepts as "not given" (the tests hold both
sides); a `default: null` beside a schema without `null` (one written out by hand) goes too. The alternatives
cost more than they give: the `anyOf` form is a tenth of `tools/list`, and a `type` array (`["string", "null"]`)
is flagged as unportable by the Inspector's schema check (single-type dialects such
as Gemini's function declarations reject it). Validation uses the Pydantic models, not these schemas.

Output schemas (`output=True`) also lose their `description`s: hosts give a model a tool's description and input
schema, while an output schema serves to check `structuredContent`, whose own JSON (with its `nextStep`) is what
the model reads. An output's `enum`s go: results pass on what the API sends, and a status or kind the API adds
tomorrow must still reach the agent rather than fail the check. And an output schema states the result's top
level: the names of the properties every result carries (`required`), without a schema for each (unless the
object refuses unknown properties, when every property is stated with its type, a nested object being just
`object`). The JSON the model reads carries the detail; per-property entries, mostly `{"type": "string"}` repeated
tool after tool, were a tenth of the default `tools/list`, and an optional property may be left out of any result
anyway, so its entry validated little.
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


def compact(schema: Any, *, output: bool = False) -> Any:
    """The compacted copy of a JSON Schema; `output=True` for an output schema (see the module docstring)."""
    if output and isinstance(schema, dict) and "$defs" in schema:
        schema = _shallow(schema, schema["$defs"])
    if output:
        schema = _required_only(schema)
    return _compact(schema, output)


def closed(schema: dict[str, Any]) -> dict[str, Any]:
    """A tool's input schema that says it takes no other arguments (`additionalProperties: false`), as the server
    enforces: an unknown name is refused before anything is sent (the nested request objects already say so)."""
    return {**schema, "additionalProperties": False}


def _required_only(schema: Any) -> Any:
    """An object schema that names its required properties, without stating each one (every property is stated
    when the object forbids others)."""
    if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict):
        return schema
    if schema.get("additionalProperties") is False:
        return schema
    return {k: v for k, v in schema.items() if k != "properties"}


def _shallow(schema: Any, defs: dict[str, Any]) -> Any:
    """`schema` without `$defs`: a `$ref` to an object becomes `{"type": "object"}`, any other is inlined; `oneOf`
    becomes `anyOf`, as variants made alike would otherwise all match and so fail `oneOf`."""
    if isinstance(schema, list):
        return [_shallow(item, defs) for item in schema]
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target = defs.get(ref.removeprefix("#/$defs/"), {})
        return {"type": "object"} if target.get("type") == "object" else _shallow(target, defs)
    return {
        "anyOf" if key == "oneOf" else key: _shallow(value, defs) for key, value in schema.items() if key != "$defs"
    }


def _compact(schema: Any, output: bool) -> Any:
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if _dropped(key, value, schema, output):
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _compact(sub, output) for name, sub in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [_compact(sub, output) for sub in value]
        elif key in _SCHEMA_VALUES:
            out[key] = _compact(value, output)
        else:
            out[key] = value
    properties = out.get("properties")
    if isinstance(properties, dict):
        out["properties"] = {name: _optional_as_plain(prop) for name, prop in properties.items()}
    return out


def _dropped(key: str, value: Any, schema: dict[str, Any], output: bool) -> bool:
    if key == "title" or (output and key in ("description", "enum")):
        return True
    if key == "additionalProperties":
        return value is True
    return key == "discriminator" and "oneOf" in schema


def _optional_as_plain(prop: Any) -> Any:
    """`anyOf: [T, null]` with `default: null` as plain `T` (see the module docstring for what that changes)."""
    if not isinstance(prop, dict) or "default" not in prop or prop["default"] is not None:
        return prop
    variants = prop.get("anyOf")
    if not isinstance(variants, list) or NULL not in variants:
        # A schema written out by hand (WithJsonSchema) for an optional value: the `null` default only says
        # "omit it", which being left out of `required` already says.
        return {k: v for k, v in prop.items() if k != "default"}
    rest = [v for v in variants if v != NULL]
    plain = {k: v for k, v in prop.items() if k not in ("anyOf", "default")}
    if len(rest) == 1:
        return {**rest[0], **plain}
    return {**plain, "anyOf": rest}
