"""Input schemas with their `$defs` shared: rewrites of a compacted schema (schemas.py) that accept exactly the
same arguments in fewer bytes.

- Variants alike but for their tag: a `oneOf` whose `$ref` targets are the same object schema except for one
  property's `const` (e.g. the video, image and audio input items: `{type, url, assetId, refId}`) becomes one
  shared definition whose tag is an `enum` of the constants, referenced once among the other variants. Each
  variant's own description goes with it; the tool's description says what differs.
- Fixed-length arrays of one type (`prefixItems` of equal items, `minItems == maxItems` == their count), e.g.
  `[x, y]` coordinates, say `items` once.
"""

from __future__ import annotations

import json
from typing import Any

REF = "#/$defs/"


def shared(schema: Any) -> Any:
    """The schema with the rewrites above (a schema without `$defs` only gets the fixed-length array one)."""
    schema = _tuples(schema)
    if not isinstance(schema, dict) or not isinstance(schema.get("$defs"), dict):
        return schema
    return _merge_tagged(schema)


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _walk(value: Any, rewrite: Any) -> Any:
    if isinstance(value, dict):
        return rewrite({k: _walk(v, rewrite) for k, v in value.items()})
    if isinstance(value, list):
        return [_walk(v, rewrite) for v in value]
    return value


def _tuples(schema: Any) -> Any:
    def rewrite(node: dict[str, Any]) -> dict[str, Any]:
        items = node.get("prefixItems")
        if (
            isinstance(items, list)
            and items
            and all(item == items[0] for item in items)
            and node.get("minItems") == node.get("maxItems") == len(items)
            and "items" not in node
        ):
            return {**{k: v for k, v in node.items() if k != "prefixItems"}, "items": items[0]}
        return node

    return _walk(schema, rewrite)


def _tag_of(definition: Any) -> tuple[str, Any, str] | None:
    """(tag property, its const, the rest of the definition as a key) of an object definition with one const."""
    if not isinstance(definition, dict) or definition.get("type") != "object":
        return None
    properties = definition.get("properties") or {}
    tags = [(name, prop["const"]) for name, prop in properties.items() if isinstance(prop, dict) and "const" in prop]
    if len(tags) != 1:
        return None
    name, const = tags[0]
    rest = {k: v for k, v in definition.items() if k != "description"}
    rest["properties"] = {k: v for k, v in properties.items() if k != name}
    return name, const, _key(rest)


def _merge_tagged(schema: dict[str, Any]) -> dict[str, Any]:
    defs: dict[str, Any] = dict(schema["$defs"])
    renamed: dict[str, str] = {}
    for variants in _one_ofs(schema):
        names = [v["$ref"].removeprefix(REF) for v in variants if isinstance(v, dict) and "$ref" in v]
        groups: dict[tuple[str, str], list[str]] = {}
        for name in names:
            tag = _tag_of(defs.get(name))
            if tag is not None:
                groups.setdefault((tag[0], tag[2]), []).append(name)
        for (prop, _), members in groups.items():
            if len(members) < 2 or any(m in renamed for m in members):
                continue
            merged_name = "Any" + _common_suffix(members)
            first = defs[members[0]]
            consts = [defs[m]["properties"][prop]["const"] for m in members]
            tag_schema = {k: v for k, v in first["properties"][prop].items() if k != "const"} | {"enum": consts}
            merged = {k: v for k, v in first.items() if k != "description"}
            merged["properties"] = {**first["properties"], prop: tag_schema}
            defs[merged_name] = merged
            renamed.update({m: merged_name for m in members})
    if not renamed:
        return schema

    def rewrite(node: dict[str, Any]) -> dict[str, Any]:
        for keyword in ("oneOf", "anyOf"):
            variants = node.get(keyword)
            if isinstance(variants, list):
                seen: list[Any] = []
                for v in variants:
                    ref = v.get("$ref", "") if isinstance(v, dict) else ""
                    target = renamed.get(ref.removeprefix(REF)) if ref.startswith(REF) else None
                    v = {"$ref": REF + target} if target else v
                    if v not in seen:
                        seen.append(v)
                node = {**node, keyword: seen}
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.removeprefix(REF) in renamed:
            node = {**node, "$ref": REF + renamed[ref.removeprefix(REF)]}
        return node

    body = _walk({k: v for k, v in schema.items() if k != "$defs"}, rewrite)
    kept = {k: _walk(v, rewrite) for k, v in defs.items() if k not in renamed}
    return {**body, "$defs": kept}


def _one_ofs(schema: Any) -> list[list[Any]]:
    found: list[list[Any]] = []

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("oneOf"), list):
                found.append(node["oneOf"])
            for v in node.values():
                visit(v)
        elif isinstance(node, list):
            for v in node:
                visit(v)

    visit(schema)
    return found


def _common_suffix(names: list[str]) -> str:
    """`Input` for VideoInput, ImageInput, AudioInput: the name of what the merged variants have in common."""
    suffix = names[0]
    for name in names[1:]:
        while not name.endswith(suffix):
            suffix = suffix[1:]
    return suffix.lstrip("_") or "Variant"
