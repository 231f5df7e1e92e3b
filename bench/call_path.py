"""Which of the package's modules one tool call runs: a server built with `build_server`, driven by the SDK's
in-memory `Client`, against a sandbox on loopback (in this process, on its own thread) whose jobs finish at once.

After a warm-up (the same calls once, so lazy imports and the error catalog's fetch are not counted), one call is
traced with `sys.setprofile` (and `threading.setprofile` for threads started meanwhile): a module counts when one
of its Python functions is called while the tool is on the stack, counted from the tool, not from the server's
dispatch around it. The tool is found by name in the composition (`tools/toolsets.py`), with every layer of its
wrapping (`__wrapped__`) and its resolvers (the SDK's `Resolve` markers, theirs too), so moving the modules it
uses does not move the measure. In a worker thread a function counts while the call is being traced unless a
sandbox frame is on its stack. The sandbox's own modules never count.

The API-error path counts from the moment an API error is raised (`sys.settrace` sees it as an `exception` event
in the frame that raises it): the frame that raised it, each frame that handles it (runs on after it arrived)
and every function called from then until the tool's isError result. Frames it only passes through on its way
up do nothing with it and do not count, nor does the request that failed before it.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

from mcp import Client
from mcp.server.mcpserver.exceptions import InvalidSignature
from mcp.server.mcpserver.resolve import find_resolved_parameters
from mcp.types import CallToolResult

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "sync_mcp"
AUDIO_URL = "https://media.example.com/in/line.wav"
VIDEO_FILE = "speaker.mp4"
COMPREHENSIONS = frozenset({"<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>"})


@dataclass(frozen=True)
class CallPath:
    modules: list[str]
    """The modules that ran, as paths under the package (`tools/lipsync.py`)."""
    functions: list[str]
    """The functions and methods that ran, as `module:line name` (comprehensions are part of their function)."""


@dataclass(frozen=True)
class Paths:
    lipsync: CallPath
    """`lipsync` with a local video file and an audio URL, wait=true."""
    api_error: CallPath
    """`get_generation` of a generation the API does not know (404), to its isError result."""


def tool_codes(tool: Callable[..., Any]) -> set[CodeType]:
    """The code of a tool: each layer of its wrapping, and its resolvers (and theirs)."""
    codes: set[CodeType] = set()
    seen: set[int] = set()
    todo: list[Any] = [tool]
    while todo:
        fn = todo.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        if isinstance(code := getattr(fn, "__code__", None), CodeType):
            codes.add(code)
        todo += [inner for inner in (getattr(fn, "__wrapped__", None), getattr(fn, "func", None)) if inner]
        try:
            todo += [marker.fn for marker, _ in find_resolved_parameters(fn).values()]
        except (TypeError, ValueError, NameError, InvalidSignature):
            continue  # not a function the SDK can read a signature from: no resolvers
    return codes


class Tracer:
    """A profile function recording the package's functions called under one of `codes` while `recording`."""

    def __init__(self, package: Path = PACKAGE) -> None:
        self.prefix = str(package) + os.sep
        self.sandbox = os.path.join(str(package), "sandbox") + os.sep
        self.thread = threading.get_ident()
        self.codes: set[CodeType] = set()
        self.called: set[CodeType] = set()
        self.recording = False

    def __call__(self, frame: FrameType, event: str, arg: object) -> None:
        if event != "call" or not self.recording:
            return
        code = frame.f_code
        if code in self.called or not code.co_filename.startswith(self.prefix):
            return
        if code.co_filename.startswith(self.sandbox):
            return
        if self._counts(frame):
            self.called.add(code)

    def _counts(self, frame: FrameType) -> bool:
        """Under the tool (in the thread the call runs on); in another thread, anything but the sandbox's work."""
        here = threading.get_ident() == self.thread
        seen: FrameType | None = frame
        while seen is not None:
            if here and seen.f_code in self.codes:
                return True
            if not here and seen.f_code.co_filename.startswith(self.sandbox):
                return False
            seen = seen.f_back
        return not here

    async def trace(self, codes: set[CodeType], call: Callable[[], Any]) -> tuple[Any, CallPath]:
        """Run `call()` traced; its result, and the path it took."""
        self.codes, self.called, self.recording = codes, set(), True
        sys.setprofile(self)
        try:
            result = await call()
        finally:
            sys.setprofile(None)
            self.recording = False
        return result, self._path()

    async def trace_after(
        self, error: type[BaseException], codes: set[CodeType], call: Callable[[], Any]
    ) -> tuple[Any, CallPath]:
        """Run `call()` traced from the moment an `error` is raised under the tool; its result, and that path."""
        self.codes, self.called, self.recording = codes, set(), False
        caught: set[FrameType] = set()
        here = threading.get_ident()

        def local(frame: FrameType, event: str, arg: Any) -> Any:
            if event == "exception" and isinstance(arg[1], error) and self._counts(frame):
                if not self.recording:
                    self.recording = True
                    self.called.add(frame.f_code)  # the raise
                else:
                    caught.add(frame)
            elif event == "line" and frame in caught:
                caught.clear()  # the exception stopped here: this frame handles it
                self.called.add(frame.f_code)
            return local

        def traced(frame: FrameType, event: str, arg: object) -> Any:
            if threading.get_ident() != here or not frame.f_code.co_filename.startswith(self.prefix):
                return None
            if frame.f_code.co_filename.startswith(self.sandbox):
                return None
            if self.recording and self._counts(frame):
                self.called.add(frame.f_code)
            return local

        sys.settrace(traced)
        try:
            result = await call()
        finally:
            sys.settrace(None)
            self.recording = False
        return result, self._path()

    def _path(self) -> CallPath:
        where = {code: Path(code.co_filename).relative_to(self.prefix).as_posix() for code in self.called}
        functions = sorted(
            (where[code], code.co_firstlineno, code.co_qualname)
            for code in self.called
            if code.co_name not in COMPREHENSIONS
        )
        return CallPath(
            modules=sorted(set(where.values())),
            functions=[f"{module}:{line} {name}" for module, line, name in functions],
        )


def _tool(name: str) -> Callable[..., Any]:
    """The tool function `name` as the composition offers it."""
    from sync_mcp.tools.toolsets import TOOLSETS

    return next(tool for toolset in TOOLSETS for tool in toolset.tools if tool.__name__ == name)


def _checked(result: CallToolResult, error: bool) -> CallToolResult:
    if result.is_error != error:
        raise RuntimeError(f"the traced call {'succeeded' if result.is_error is False else 'failed'}: {result}")
    return result


async def measure() -> Paths:
    """The `lipsync` path and the API-error path, each traced once after a warm-up."""
    from sync_mcp.api import SyncAPIError
    from sync_mcp.config import Settings
    from sync_mcp.sandbox import SandboxConfig, SandboxServer
    from sync_mcp.server import build_server

    config = SandboxConfig(pending_seconds=0.0, processing_seconds=0.0)
    with SandboxServer(config) as sandbox, tempfile.TemporaryDirectory() as folder:
        tracer = Tracer()
        threading.setprofile(tracer)  # threads started from now on (the sandbox's own thread is already running)
        try:
            media = Path(folder) / "media"
            media.mkdir()
            (media / VIDEO_FILE).write_bytes(os.urandom(4000))
            settings = Settings(
                SYNC_API_KEY=sandbox.api_key,
                SYNC_BASE_URL=sandbox.base_url,
                SYNC_MCP_TOOLSETS="core",
                SYNC_MCP_ALLOWED_DIRS=str(media),
                SYNC_MCP_OUTPUT_DIR=str(Path(folder) / "out"),
            )
            lipsync = {"video": VIDEO_FILE, "audio": AUDIO_URL, "wait": True}
            unknown = {"id": str(uuid.uuid4())}
            async with Client(build_server(settings)) as client:  # type: ignore[arg-type]
                first = _checked(await client.call_tool("lipsync", lipsync), error=False)
                assert first.structured_content is not None
                await client.call_tool("get_generation", {"id": first.structured_content["id"]})
                _checked(await client.call_tool("get_generation", unknown), error=True)
                traced = await tracer.trace(tool_codes(_tool("lipsync")), lambda: client.call_tool("lipsync", lipsync))
                _checked(traced[0], error=False)
                tool = tool_codes(_tool("get_generation"))
                failed = await tracer.trace_after(
                    SyncAPIError, tool, lambda: client.call_tool("get_generation", unknown)
                )
                _checked(failed[0], error=True)
        finally:
            threading.setprofile(None)  # type: ignore[arg-type]
    return Paths(lipsync=traced[1], api_error=failed[1])
