"""The secret scan: during every test, whatever the MCP client receives and every log line any logger
produces is collected, and a test fails when the API key shows up in any of it.

The same watch holds every tool result to the error shape hosts accept: a result with `isError: true` never
carries `structuredContent` (the TypeScript SDK client checks it against the tool's output schema, error or
not, and refuses the whole result), in every test, fuzzing and fault injection included.

A secret counts as found also when JSON `\\u` escapes spell it out (`\\u0073k-...`, however many backslashes
deep the text is quoted), so an echo that hides behind escapes, in an error body or a success body alike, is
caught; the scan decodes escapes itself rather than trusting the server's own decoding.

`scanning(secret)` is used by an autouse fixture in conftest.py, so the whole suite runs under it with the
recognisable TEST_KEY. The collector is a handler on the root logger (it sees each record's final message
and exception text, as any handler would); results are collected by wrapping the `mcp.Client` calls that
return something from the server.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from mcp import Client

WATCHED_CALLS = ("call_tool", "read_resource", "get_prompt", "list_tools", "list_resources", "list_prompts")


class Collector(logging.Handler):
    """Keeps the final text of every record: message, exception and stack."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:
            text = f"{record.msg} {record.args}"
        if record.exc_info and record.exc_info[1] is not None:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            text += "\n" + record.exc_text
        if record.stack_info:
            text += "\n" + record.stack_info
        self.lines.append(f"log {record.name}: {text}")


class Scan:
    """What one test produced: log lines and what the MCP client got back."""

    def __init__(self) -> None:
        self.collector = Collector()
        self.results: list[str] = []
        self.misshapen: list[str] = []

    def install(self) -> None:
        logging.getLogger().addHandler(self.collector)
        for name in WATCHED_CALLS:
            original = getattr(Client, name, None)
            if original is not None and not getattr(original, "scanned", False):
                setattr(Client, name, self._watch(name, original))

    def _watch(self, name: str, call: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        @functools.wraps(call)
        async def watched(client: Client, *args: Any, **kwargs: Any) -> Any:
            try:
                result = await call(client, *args, **kwargs)
            except Exception as exc:
                self.results.append(f"{name} raised: {exc!r}")
                raise
            dump = getattr(result, "model_dump_json", None)
            self.results.append(f"{name}: {dump() if dump else result!r}")
            if getattr(result, "is_error", False) and getattr(result, "structured_content", None) is not None:
                self.misshapen.append(f"{name}: {dump() if dump else result!r}")
            return result

        watched.scanned = True  # type: ignore[attr-defined]
        return watched

    def clear(self) -> None:
        self.collector.lines.clear()
        self.results.clear()
        self.misshapen.clear()

    def everything(self) -> list[str]:
        return [*self.collector.lines, *self.results]


ESCAPE = re.compile(r"\\+u([0-9a-fA-F]{4})")


def decoded(text: str) -> str:
    """`text` with every `\\uXXXX` escape, at any depth of quoting, turned into its character."""
    return ESCAPE.sub(lambda m: chr(int(m[1], 16)), text)


def find_leaks(secret: str, texts: list[str]) -> list[str]:
    """Every collected text holding the secret, as is or spelt with `\\u` escapes (shortened around it, with
    the secret itself masked)."""
    leaks = []
    for raw in texts:
        for text in (raw, decoded(raw)):
            at = text.find(secret)
            if at >= 0:
                excerpt = text[max(0, at - 120) : at + len(secret) + 60].replace(secret, "<THE KEY>")
                leaks.append(excerpt)
                break
    return leaks


SCAN = Scan()


@contextmanager
def scanning(secret: str) -> Iterator[Scan]:
    """Collect during the block; fail the test when the secret appears in a log line or a result."""
    if SCAN.collector not in logging.getLogger().handlers:
        SCAN.install()
    SCAN.clear()
    yield SCAN
    leaks = find_leaks(secret, SCAN.everything())
    misshapen = list(SCAN.misshapen)
    SCAN.clear()
    if misshapen:
        pytest.fail("an isError tool result carried structuredContent:\n" + "\n---\n".join(misshapen), pytrace=False)
    if leaks:
        pytest.fail("the API key leaked into a log line or an MCP result:\n" + "\n---\n".join(leaks), pytrace=False)
