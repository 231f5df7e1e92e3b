"""The tool surface every model reads on every turn: all tools listed once, each described with an output
schema, within budget: the default (core) surface's names, descriptions and input schemas within 20 KB, the default
`tools/list` JSON as a client receives it (output schemas and `_meta` included) within 16 KB, create_generation's
input schema within 4 KB, the whole `tools/list` with every toolset within 44 KB."""

from __future__ import annotations

import json

import jsonschema
import pytest
from mcp import Client

from sync_mcp.sandbox import SandboxServer
from sync_mcp.server import build_server
from sync_mcp.server.schemas import compact
from sync_mcp.tools.toolsets import TOOLSETS

from ..conftest import make_settings

pytestmark = pytest.mark.anyio

BUDGET_BYTES = 44 * 1024
"""40 KB until the dialogue toolset (transcribe, edit_dialogue: about 4 KB together) joined."""
CORE_BUDGET_BYTES = 20 * 1024
DEFAULT_LIST_BUDGET_BYTES = 16 * 1024
"""22.6 KB before the raw tool's media items, options and segments were listed in words."""
RAW_TOOL_BUDGET_BYTES = 4 * 1024


async def _listed(client: Client) -> tuple[list[dict], int]:
    result = await client.list_tools()
    data = result.model_dump(mode="json", by_alias=True, exclude_none=True)
    return data["tools"], len(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


async def test_every_registered_tool_is_listed_once(client: Client) -> None:
    tools, _ = await _listed(client)
    names = [t["name"] for t in tools]
    assert sorted(names) == sorted(name for toolset in TOOLSETS for name in toolset.tool_names)
    assert len(names) == len(set(names))


async def test_every_tool_has_a_description_and_schemas(client: Client) -> None:
    tools, _ = await _listed(client)
    for tool in tools:
        assert tool.get("description", "").strip(), tool["name"]
        assert tool["inputSchema"]["type"] == "object", tool["name"]
        assert tool.get("outputSchema", {}).get("type") == "object", tool["name"]
        assert tool.get("title"), tool["name"]
        assert "readOnlyHint" in tool.get("annotations", {}), tool["name"]


async def test_tools_list_json_fits_the_budget(client: Client) -> None:
    tools, size = await _listed(client)
    largest = sorted(((len(json.dumps(t)), t["name"]) for t in tools), reverse=True)[:3]
    assert size <= BUDGET_BYTES, f"tools/list is {size:,} B (budget {BUDGET_BYTES:,} B); largest: {largest}"


async def test_the_default_surface_fits_its_budget(api: SandboxServer) -> None:
    async with Client(build_server(make_settings(api, SYNC_MCP_TOOLSETS=None))) as client:
        tools, _ = await _listed(client)
    read = [{"name": t["name"], "description": t["description"], "inputSchema": t["inputSchema"]} for t in tools]
    size = len(json.dumps(read, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    largest = sorted(((len(json.dumps(t)), t["name"]) for t in read), reverse=True)[:3]
    assert size <= CORE_BUDGET_BYTES, f"core surface is {size:,} B (budget {CORE_BUDGET_BYTES:,} B); {largest}"


async def test_the_default_tools_list_as_received_fits_its_budget(api: SandboxServer) -> None:
    async with Client(build_server(make_settings(api, SYNC_MCP_TOOLSETS=None))) as client:
        tools, size = await _listed(client)
    assert "create_generation" in {t["name"] for t in tools}, "the raw tool stays in the default toolset"
    largest = sorted(((len(json.dumps(t)), t["name"]) for t in tools), reverse=True)[:3]
    assert size <= DEFAULT_LIST_BUDGET_BYTES, f"tools/list is {size:,} B ({DEFAULT_LIST_BUDGET_BYTES:,}); {largest}"
    raw = next(t for t in tools if t["name"] == "create_generation")["inputSchema"]
    raw_size = len(json.dumps(raw, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    assert raw_size <= RAW_TOOL_BUDGET_BYTES, f"create_generation's input schema is {raw_size:,} B"


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
    quiet = compact(WORDY, output=True)
    assert "properties" not in quiet and quiet["required"] == ["title"]  # what every result carries, by name
    closed = compact({**WORDY, "additionalProperties": False}, output=True)
    assert set(closed["properties"]) == set(WORDY["properties"])  # a closed object keeps every property
    assert "description" not in closed["properties"]["description"]  # the property survives, its text goes
    assert closed["properties"]["meta"]["default"] == {"title": "kept", "description": "kept"}
    assert closed["properties"]["note"] == {"type": "string"}


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
        {"title": "x", "note": None},
        {"title": "x", "note": 3},
    ],
)
def test_compaction_keeps_every_validation_outcome(instance: dict) -> None:
    def valid(schema: dict) -> bool:
        return jsonschema.Draft202012Validator(schema).is_valid(instance)

    if instance.get("note", "") is None:
        # The one outcome compaction changes, on purpose: an explicit null for an optional property (the server
        # accepts it as "not given": test_an_explicit_null_is_accepted_as_not_given). An output schema, which
        # states only the required properties, may accept it (results never carry nulls).
        assert valid(WORDY) and not valid(compact(WORDY))
        return
    assert valid(compact(WORDY)) == valid(WORDY)
    # An output schema only has to accept every result: it may be looser, but never refuses what the full
    # schema accepts.
    if valid(WORDY):
        assert valid(compact(WORDY, output=True))


async def test_an_explicit_null_is_accepted_as_not_given(client: Client) -> None:
    result = await client.call_tool("list_error_codes", {"code": None, "search": None})
    assert not result.is_error, result.content
