"""Property-based fuzzing of every tool's arguments, through an MCP client against the sandbox.

The tools come from `tools/list`, so tools added later are covered without editing this file. Two kinds
of input: arbitrary JSON objects (over the handshake-era JSON-RPC path) and schema-shaped objects with one
thing wrong — a missing required field, an unknown key, a wrong type, an out-of-range number, a hostile
string (over the 2026-07-28 path). Whatever comes in, the promise is:
- never a crash: the result is a normal one or an `isError` result with `{errorCode, message, fix}`, never
  the SDK's bare "Error executing tool ..." text and never a protocol error;
- never a request for input refused locally: a refusal that sent nothing leaves the sandbox untouched and
  names the field at fault;
- never a request the API refuses as malformed: the sandbox validates with the same wire models, so a
  400 from it means local validation let something through (opaque values such as page cursors aside).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import anyio.from_thread
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from mcp import Client
from mcp.types import CallToolResult, Tool

from sync_mcp.sandbox import SandboxServer
from sync_mcp.server import build_server

from ..conftest import error, make_settings

pytestmark = pytest.mark.anyio

EXAMPLES = 25
CRASH = re.compile(r"^Error executing tool\b")
OPAQUE_FIELDS = frozenset({"cursor"})
"""Values only the API can check (page cursors are opaque): its 400 for them is not a local gap."""
NOT_ABOUT_A_FIELD = frozenset({"missing_api_key", "user_declined", "spend_cap_exceeded"})
"""Local refusals that are about the setup or the user, not about one argument."""

URLS = ["https://media.example.com/in/speaker.mp4", "https://media.example.com/in/line.wav", "http://x.test/a.png"]
HOSTILE = [
    "",
    " ",
    "../../../etc/passwd",
    "/etc/passwd",
    "C:\\Windows\\system32\\cmd.exe",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "ftp://media.example.com/a.mp4",
    "https://user:secret@media.example.com/a.mp4",
    "https://media.example.com/a.mp4\r\nX-Injected: 1",
    "a/b?c#d",
    "..",
    "\u202eevil.mp4",
    "zero\u200bwidth",
    "\x00nul",
    "%2e%2e%2f",
    "x" * 5001,
    "00000000-0000-4000-8000-000000000000",
    "sandbox_fail=generation_pipeline_failed",
]


# ----------------------------------------------------------------------------------------------- strategies

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(HOSTILE)
)
JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def arbitrary_arguments(tool: Tool) -> st.SearchStrategy[dict[str, Any]]:
    names = sorted((tool.input_schema or {}).get("properties", {}))
    keys = st.sampled_from(names) | st.text(max_size=10) if names else st.text(max_size=10)
    return st.dictionaries(keys, JSON, max_size=6)


@dataclass
class Schema:
    """A tool's input schema with its `$defs`, turned into strategies for plausible values."""

    root: dict[str, Any]

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        seen = 0
        while "$ref" in node and seen < 20:
            name = node["$ref"].rsplit("/", 1)[-1]
            node = {**self.root.get("$defs", {}).get(name, {}), **{k: v for k, v in node.items() if k != "$ref"}}
            seen += 1
        return node

    def value(self, node: dict[str, Any], name: str = "", depth: int = 0) -> st.SearchStrategy[Any]:
        node = self.resolve(node)
        if depth > 6:
            return st.none()
        if "const" in node:
            return st.just(node["const"])
        if "enum" in node:
            return st.sampled_from(node["enum"])
        for union in ("anyOf", "oneOf"):
            if union in node:
                return st.one_of([self.value(option, name, depth + 1) for option in node[union]])
        kind = node.get("type")
        if isinstance(kind, list):
            return st.one_of([self.value({**node, "type": k}, name, depth) for k in kind])
        if kind == "object" or "properties" in node:
            return self.object(node, depth)
        if kind == "array":
            items = self.value(node.get("items", {}), name, depth + 1)
            low = node.get("minItems", 0)
            return st.lists(items, min_size=low, max_size=max(low, min(node.get("maxItems", 3), 3)))
        if kind == "string":
            return self.string(node, name)
        if kind == "integer":
            return st.integers(min_value=node.get("minimum", -10), max_value=node.get("maximum", 10**6))
        if kind == "number":
            low = node.get("minimum", node.get("exclusiveMinimum", -10.0))
            high = node.get("maximum", node.get("exclusiveMaximum", 1e6))
            return st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)
        if kind == "boolean":
            return st.booleans()
        if kind == "null":
            return st.none()
        return JSON_SCALARS

    def string(self, node: dict[str, Any], name: str) -> st.SearchStrategy[str]:
        if "url" in name.lower():
            return st.sampled_from(URLS)
        if "pattern" in node:
            try:
                return st.from_regex(node["pattern"], fullmatch=True).filter(lambda s: len(s) <= 200)
            except Exception:
                pass
        low, high = node.get("minLength", 0), min(node.get("maxLength", 40), 40)
        return st.text(min_size=low, max_size=max(low, high))

    def object(self, node: dict[str, Any], depth: int) -> st.SearchStrategy[dict[str, Any]]:
        properties = node.get("properties", {})
        required = set(node.get("required", []))
        return st.fixed_dictionaries(
            {k: self.value(v, k, depth + 1) for k, v in properties.items() if k in required},
            optional={k: self.value(v, k, depth + 1) for k, v in properties.items() if k not in required},
        )


def paths(value: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [here]
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(paths(v, (*here, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(paths(v, (*here, i)))
    return out


def replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: replaced(value[head], rest, new)}
    copy = list(value)
    copy[head] = replaced(copy[head], rest, new)
    return copy


WRONG = st.one_of(
    st.sampled_from(HOSTILE),
    st.sampled_from([None, True, -1, 0, 10**12, -1e308, 1e308, 0.5, [], {}, [None], {"": None}]),
    st.integers(),
    st.text(max_size=30),
)


@st.composite
def wrong_arguments(draw: st.DrawFn, tool: Tool) -> dict[str, Any]:
    schema = Schema(tool.input_schema or {})
    value = draw(schema.object(schema.root, 0))
    how = draw(st.sampled_from(["replace", "replace", "replace", "drop", "extra"]))
    if how == "drop" and value:
        key = draw(st.sampled_from(sorted(value)))
        return {k: v for k, v in value.items() if k != key}
    if how == "extra":
        where = draw(st.sampled_from([p for p in paths(value) if isinstance(_at(value, p), dict)]))
        return replaced(value, where, {**_at(value, where), draw(st.text(min_size=1, max_size=12)): draw(WRONG)})
    where = draw(st.sampled_from(paths(value)[1:] or [()]))
    result = replaced(value, where, draw(WRONG))
    return result if isinstance(result, dict) else {}


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        value = value[part]
    return value


# ----------------------------------------------------------------------------------------------- harness


@dataclass
class Fuzzer:
    portal: anyio.from_thread.BlockingPortal
    client: Client
    api: SandboxServer
    tools: list[Tool]

    def check(self, tool: str, arguments: dict[str, Any]) -> None:
        """One call, and every promise of the module docstring checked on it."""
        self.api.state.reset()
        note(f"{tool}({arguments!r})")
        result: CallToolResult = self.portal.call(self._call, tool, arguments)
        requests = [r for r in self.api.state.requests if r.path != "/v2/errors"]
        text = " ".join(getattr(c, "text", "") for c in result.content)
        assert not CRASH.match(text), f"{tool} crashed: {text}"
        invalid = [
            (r.method, r.path, r.query, r.error_code, r.error_field)
            for r in requests
            if r.status == 400 and r.error_field not in OPAQUE_FIELDS
        ]
        assert not invalid, f"{tool} sent a request the API refused as malformed (400): {invalid}"
        if not result.is_error:
            return
        err = error(result)
        assert err.get("errorCode") != "internal_error", f"{tool} crashed: {text}"
        assert err.get("errorCode") and err.get("message") and err.get("fix"), f"{tool}: unstructured error {text}"
        if err.get("httpStatus") is None and err["errorCode"] not in ("network_error", "request_timeout"):
            assert not requests, f"{tool} refused locally ({err['errorCode']}) after sending {len(requests)} request(s)"
            if err["errorCode"] not in NOT_ABOUT_A_FIELD:
                assert err.get("field"), f"{tool}: a local refusal must name the field: {err}"

    async def _call(self, tool: str, arguments: dict[str, Any]) -> CallToolResult:
        with anyio.fail_after(60):
            return await self.client.call_tool(tool, arguments)


@pytest.fixture(scope="module")
def fuzzer(
    request: pytest.FixtureRequest, sandbox: SandboxServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Fuzzer]:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    env = {
        "SYNC_MCP_ALLOWED_DIRS": str(folder / "in"),
        "SYNC_MCP_OUTPUT_DIR": str(folder / "out"),
        "SYNC_MCP_MAX_RETRIES": 0,
        "SYNC_MCP_REQUEST_TIMEOUT": 10,
    }
    (folder / "in").mkdir()
    server = build_server(make_settings(sandbox, **env))
    with anyio.from_thread.start_blocking_portal() as portal:
        with portal.wrap_async_context_manager(Client(server, mode=request.param)) as client:  # type: ignore[arg-type]
            tools = portal.call(client.list_tools).tools
            yield Fuzzer(portal, client, sandbox, tools)


def property_for(fuzzer: Fuzzer, tool: Tool, strategy_for: Any) -> Any:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        # CI replays a fixed sequence so a landing never hinges on luck; local runs explore new inputs.
        derandomize=bool(os.environ.get("CI")),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    @given(arguments=strategy_for(tool))
    def property_holds(arguments: dict[str, Any]) -> None:
        fuzzer.check(tool.name, arguments)

    return property_holds


def run_for_every_tool(fuzzer: Fuzzer, strategy_for: Any) -> None:
    """Hypothesis per tool; every tool is tried, and all failing tools are reported together."""
    failures: dict[str, str] = {}
    for tool in fuzzer.tools:
        try:
            property_for(fuzzer, tool, strategy_for)()
        except Exception as exc:  # hypothesis re-raises the shrunk failure; collect it and go on
            notes = "\n".join(getattr(exc, "__notes__", []))
            failures[tool.name] = f"{type(exc).__name__}: {exc}\n{notes}"
    assert len(fuzzer.tools) >= 3, "tools/list came back nearly empty"
    assert not failures, "\n\n".join(f"{name}: {why}" for name, why in failures.items())


@pytest.mark.parametrize("fuzzer", ["legacy"], indirect=True)  # JSON-RPC framing of the handshake era
def test_arbitrary_json_never_crashes_a_tool(fuzzer: Fuzzer) -> None:
    run_for_every_tool(fuzzer, arbitrary_arguments)


@pytest.mark.parametrize("fuzzer", ["auto"], indirect=True)  # the 2026-07-28 path
def test_schema_shaped_but_wrong_arguments_are_refused_cleanly(fuzzer: Fuzzer) -> None:
    run_for_every_tool(fuzzer, wrong_arguments)
