"""The tool surface every model reads on every turn: all tools listed, each described with an output
schema, and the whole `tools/list` JSON within its 48 KB budget (issue #7, target 6)."""

from __future__ import annotations

import json

import jsonschema
import pytest
from mcp import Client

from sync_mcp.server.schemas import compact
from sync_mcp.tools import REGISTRY

pytestmark = pytest.mark.anyio

BUDGET_BYTES = 48 * 1024


async def _listed(client: Client) -> tuple[list[dict], int]:
    result = await client.list_tools()
    data = result.model_dump(mode="json", by_alias=True, exclude_none=True)
    return data["tools"], len(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


async def test_every_registered_tool_is_listed_once(client: Client) -> None:
    tools, _ = await _listed(client)
    names = [t["name"] for t in tools]
    assert sorted(names) == sorted(REGISTRY)
    assert len(names) == len(set(names))


async def test_every_tool_has_a_description_and_schemas(client: Client) -> None:
    tools, _ = await _listed(client)
    for tool in tools:
        assert tool.get("description", "").strip(), tool["name"]
        assert tool["inputSchema"]["type"] == "object", tool["name"]
        assert tool.get("outputSchema", {}).get("type") == "object", tool["name"]
        assert tool.get("annotations", {}).get("title"), tool["name"]


async def test_tools_list_json_fits_the_budget(client: Client) -> None:
    tools, size = await _listed(client)
    largest = sorted(((len(json.dumps(t)), t["name"]) for t in tools), reverse=True)[:3]
    assert size <= BUDGET_BYTES, f"tools/list is {size:,} B (budget {BUDGET_BYTES:,} B); largest: {largest}"


# ------------------------------------------------------------------------------------- schema compaction

WORDY = {
    "type": "object",
    "title": "Args",
    "additionalProperties": True,
    "properties": {
        "title": {"type": "string", "title": "Title", "description": "A property named title."},
        "description": {"type": "string", "description": "A property named description."},
        "kind": {
            "discriminator": {"propertyName": "type", "mapping": {"a": "#/$defs/A", "b": "#/$defs/B"}},
            "oneOf": [{"$ref": "#/$defs/A"}, {"$ref": "#/$defs/B"}],
        },
        "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None, "description": "Optional."},
        "meta": {"type": "object", "additionalProperties": False, "default": {"title": "kept", "description": "kept"}},
        "tags": {"type": "array", "items": {"type": "object", "additionalProperties": True}},
    },
    "required": ["title"],
    "$defs": {
        "A": {"type": "object", "properties": {"type": {"const": "a"}}, "required": ["type"], "title": "A"},
        "B": {"type": "object", "properties": {"type": {"const": "b"}}, "required": ["type"], "title": "B"},
    },
}


def test_compaction_drops_noise_but_never_property_names_or_data() -> None:
    short = compact(WORDY)
    assert "title" not in short and "additionalProperties" not in short
    assert set(short["properties"]) == set(WORDY["properties"])  # `title` and `description` are names here
    assert short["properties"]["description"]["description"] == "A property named description."
    assert "discriminator" not in short["properties"]["kind"]
    assert short["properties"]["note"] == {"type": "string", "description": "Optional."}
    assert short["properties"]["meta"]["additionalProperties"] is False
    assert short["properties"]["meta"]["default"] == {"title": "kept", "description": "kept"}
    assert short["properties"]["tags"]["items"] == {"type": "object"}
    assert "title" not in short["$defs"]["A"]
    quiet = compact(WORDY, prose=False)
    assert "description" in quiet["properties"]  # the property survives, its text goes
    assert "description" not in quiet["properties"]["description"]
    assert quiet["properties"]["meta"]["default"] == {"title": "kept", "description": "kept"}


@pytest.mark.parametrize(
    "instance",
    [
        {"title": "x"},
        {"title": "x", "kind": {"type": "a"}},
        {"title": "x", "kind": {"type": "c"}},
        {"title": 3},
        {"description": "no title"},
        {"title": "x", "meta": {"extra": 1}},
        {"title": "x", "tags": [{"any": "thing"}], "other": True},
        {"title": "x", "note": "n"},
    ],
)
def test_compaction_keeps_every_validation_outcome(instance: dict) -> None:
    def valid(schema: dict) -> bool:
        return jsonschema.Draft202012Validator(schema).is_valid(instance)

    assert valid(compact(WORDY)) == valid(compact(WORDY, prose=False)) == valid(WORDY)
