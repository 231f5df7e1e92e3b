"""The MCP tasks extension (`io.modelcontextprotocol/tasks`, SEP-2663) for long waits on generations.

mcp 2.3 has no tasks runtime; its Extension API is enough to speak the extension. For a client that
declares the extension on a 2026-07-28 request, `lipsync` and `get_generation` with `wait=true` answer at
once with a task instead of blocking:

- `tools/call` runs the tool through the normal path with `wait=false` (so `lipsync` creates its generation,
  with every check, exactly once) and wraps the generation id in an unguessable task id. A call that fails,
  or whose generation is already terminal, gets the ordinary result instead of a task.
- `tasks/get` reads the generation (`get_generation` without waiting): `working` with the generation's status
  as `statusMessage`, then `completed` with what the blocking call would have returned (the tool's first
  result, e.g. lipsync's idempotencyKey and uploads, updated with the generation as it ended). A FAILED or
  REJECTED generation is still a `completed` task (its result says why); `failed` is only for protocol errors.
- `tasks/cancel` stops following the generation. The generation itself is NOT cancelled: it keeps running.
- `tasks/update` is acknowledged (these tasks never ask for input).

Handles expire `ttl_seconds` after creation (an expired or forgotten task is a -32602 error; the generation id in
the first `statusMessage` still finds the job with get_generation). They are kept in this process or in Redis
(backend/task_handles.py); while Redis is unreachable, task requests answer a retryable `shared_state_unavailable`
error and no task is created.
Over HTTP a task answers only to the caller that created it (same bearer principal and same API key).
Clients without the extension, and every handshake-era client, get the ordinary blocking tool.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

import mcp.types as types
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.extension import Extension, MethodBinding
from mcp.server.mcpserver import Context
from mcp.shared.exceptions import MCPError
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import ConfigDict, Field

from sync_mcp.api import SyncAPIError
from sync_mcp.api.capabilities import TERMINAL_STATUSES
from sync_mcp.backend import SharedStateUnavailable
from sync_mcp.guidance import failures
from sync_mcp.guidance.errors import explain
from sync_mcp.sdk_internals import tool_arguments
from sync_mcp.toolkit.results import fail, generation_link, generation_uri
from sync_mcp.toolkit.state import Owner, owner, tool_state

if TYPE_CHECKING:
    from sync_mcp.toolkit.generations import GenerationResult

from sync_mcp.backend.task_handles import (
    DEFAULT_TTL_SECONDS,
    FINAL,
    TaskExpiredError,
    TaskHandle,
    TaskHandles,
    TaskLimitReached,
    TaskStatus,
    TaskStore,
)

logger = logging.getLogger(__name__)

TASKS_EXTENSION = "io.modelcontextprotocol/tasks"
MODERN = frozenset(MODERN_PROTOCOL_VERSIONS)
DEFAULT_POLL_INTERVAL_MS = 5000

# ------------------------------------------------------------------------------------------------ wire


class TaskFields(types.Result):
    model_config = ConfigDict(defer_build=True)  # validators built on first use, not at start-up

    task_id: str
    status: TaskStatus
    status_message: str | None = None
    created_at: str
    last_updated_at: str
    ttl_ms: int | None
    poll_interval_ms: int | None = None


class CreateTaskResult(TaskFields):
    """`tools/call` answered with a task (`resultType: "task"`)."""

    result_type: Literal["task"] = "task"  # type: ignore[assignment]


class DetailedTask(TaskFields):
    """`tasks/get` result: the task, with the final tool result or protocol error once it has one."""

    result_type: Literal["complete"] = "complete"  # type: ignore[assignment]
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None


class TaskIdParams(types.RequestParams):
    model_config = ConfigDict(defer_build=True)

    task_id: str


class TaskUpdateParams(TaskIdParams):
    input_responses: dict[str, Any] = Field(default_factory=dict)


# ------------------------------------------------------------------------------------------- extension

WantsTask = Callable[[Mapping[str, Any]], bool]


def _flag(value: Any, default: bool) -> bool:
    if value is None:
        return default
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


TASK_TOOLS: dict[str, WantsTask] = {
    # get_generation becomes a task only when asked to wait.
    "get_generation": lambda args: _flag(args.get("wait"), False),
    # lipsync waits by default; with download=true its final result includes the saved file, which a
    # get_generation poll cannot produce, so that call keeps the blocking path; so does a dub into several
    # languages (one task follows one generation).
    "lipsync": lambda args: (
        _flag(args.get("wait"), True)
        and not _flag(args.get("download"), False)
        and not isinstance(args.get("target_language"), list)
    ),
}


def _owner(ctx: ServerRequestContext[Any, Any]) -> Owner:
    """Who may see a task: the caller (toolkit/state.py), so one user's task id is useless to another user."""
    return owner(Context(request_context=ctx))


def declared_tasks(ctx: ServerRequestContext[Any, Any]) -> bool:
    caps = ctx.session.client_capabilities
    return ctx.protocol_version in MODERN and bool(caps and caps.extensions and TASKS_EXTENSION in caps.extensions)


class GenerationTasks(Extension):
    identifier = TASKS_EXTENSION

    def __init__(
        self,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        poll_interval_ms: int = DEFAULT_POLL_INTERVAL_MS,
        task_tools: Mapping[str, WantsTask] = TASK_TOOLS,
        store: TaskHandles | None = None,
    ) -> None:
        self.store = store or TaskStore(ttl_seconds)
        self.poll_interval_ms = poll_interval_ms
        self.task_tools = dict(task_tools)

    def methods(self) -> Sequence[MethodBinding]:
        return [
            MethodBinding("tasks/get", TaskIdParams, self.get, protocol_versions=MODERN),
            MethodBinding("tasks/update", TaskUpdateParams, self.update, protocol_versions=MODERN),
            MethodBinding("tasks/cancel", TaskIdParams, self.cancel, protocol_versions=MODERN),
        ]

    # -------------------------------------------------------------------------------------- tools/call

    async def intercept_tool_call(
        self, params: types.CallToolRequestParams, ctx: ServerRequestContext[Any, Any], call_next: CallNext
    ) -> HandlerResult:
        wants = self.task_tools.get(params.name)
        arguments = params.arguments or {}
        if wants is None or not wants(arguments) or not declared_tasks(ctx):
            return await call_next(ctx)
        if not await self.store.ready():
            return fail(failures.task_without_shared_state(params.name))  # before anything is created or spent
        with tool_arguments(params, {**arguments, "wait": False}):  # the tool's non-waiting path
            result = await call_next(ctx)
        if not isinstance(result, types.CallToolResult) or result.is_error:
            return result
        data = result.structured_content if isinstance(result.structured_content, dict) else {}
        generation_id, status = data.get("id"), data.get("status")
        if not isinstance(generation_id, str) or status in TERMINAL_STATUSES:
            return result  # nothing left to wait for
        message = (
            f"Generation {generation_id} is {status}. Poll tasks/get; the generation is also "
            f"{generation_uri(generation_id)}."
        )
        try:
            task_id, handle = await self.store.open(
                generation_id,
                params.name,
                self.store.seal_owner(_owner(ctx)),
                carried=dict(data),
                status_message=message,
            )
        except (SharedStateUnavailable, TaskLimitReached) as exc:
            # The generation exists (and may be billed): hand back the tool's own result, which names it, rather
            # than an error that would invite a second create.
            why = "this caller holds too many tasks" if isinstance(exc, TaskLimitReached) else "no shared state"
            logger.warning("no task for generation %s: %s", generation_id, why)
            return result
        return CreateTaskResult(**self._fields(task_id, handle))

    # -------------------------------------------------------------------------------------- tasks/*

    async def _lookup(self, ctx: ServerRequestContext[Any, Any], task_id: str) -> TaskHandle:
        try:
            handle = await self.store.load(task_id)
        except TaskExpiredError:
            raise MCPError(types.INVALID_PARAMS, "Failed to retrieve task: Task has expired") from None
        if handle is None or handle.owner != self.store.seal_owner(_owner(ctx)):
            raise MCPError(types.INVALID_PARAMS, "Failed to retrieve task: Task not found")
        return handle

    async def get(self, ctx: ServerRequestContext[Any, Any], params: TaskIdParams) -> DetailedTask:
        try:
            handle = await self._lookup(ctx, params.task_id)
            if handle.status not in FINAL:
                await self._poll(ctx, params.task_id, handle)
        except SharedStateUnavailable:
            raise _unavailable("tasks/get") from None
        return DetailedTask(**self._fields(params.task_id, handle), result=handle.result, error=handle.error)

    async def update(self, ctx: ServerRequestContext[Any, Any], params: TaskUpdateParams) -> types.EmptyResult:
        return types.EmptyResult(result_type="complete")  # acknowledged for any id (SEP-2663)

    async def cancel(self, ctx: ServerRequestContext[Any, Any], params: TaskIdParams) -> types.EmptyResult:
        try:
            try:
                handle = await self.store.load(params.task_id)
            except TaskExpiredError:
                handle = None
            if handle is not None and handle.owner == self.store.seal_owner(_owner(ctx)):
                gid = handle.generation_id
                await self.store.settle(
                    params.task_id,
                    handle,
                    "cancelled",
                    f"Stopped following generation {gid}. The generation itself was NOT cancelled: it keeps running "
                    f"and may still complete (and be billed); see it with get_generation id={gid} or "
                    f"{generation_uri(gid)}.",
                )
        except SharedStateUnavailable:
            raise _unavailable("tasks/cancel") from None
        return types.EmptyResult(result_type="complete")  # acknowledged for any id (SEP-2663)

    async def _poll(self, ctx: ServerRequestContext[Any, Any], task_id: str, handle: TaskHandle) -> None:
        """Read the generation as get_generation does (no wait) and settle the task on what it says."""
        state = tool_state(Context(request_context=ctx))
        gid = handle.generation_id
        settle = partial(self.store.settle, task_id, handle)
        from sync_mcp.toolkit.generations import current_generation  # a tool module: not needed at start-up

        try:
            current = await current_generation(state, gid)
        except SyncAPIError as exc:
            info = await explain(exc, state.catalog, lambda: state.client)
            if info.retryable:
                await settle(
                    "working", f"Could not read the generation just now ({info.error_code}); retried next poll."
                )
            else:
                await settle(
                    "completed", f"Reading the generation failed ({info.error_code}).", result=_wire(fail(info))
                )
            return
        except SharedStateUnavailable:
            raise
        except Exception:
            logger.exception("reading generation %s for its task failed", gid)
            await settle(
                "completed", "Reading the generation failed.", result=_wire(fail(failures.crashed("get_generation")))
            )
            return
        if current.status in TERMINAL_STATUSES:
            await settle("completed", f"Generation {gid} is {current.status}.", result=_final(handle, current))
        else:
            await settle("working", f"Generation {gid} is {current.status}.")

    def _fields(self, task_id: str, handle: TaskHandle) -> dict[str, Any]:
        return {
            "task_id": task_id,
            "status": handle.status,
            "status_message": handle.status_message,
            "created_at": handle.created_at,
            "last_updated_at": handle.last_updated_at,
            "ttl_ms": round(self.store.ttl_seconds * 1000),
            "poll_interval_ms": self.poll_interval_ms,
        }


def _unavailable(method: str) -> MCPError:
    """A task request that needed the shared state while Redis was unreachable: JSON-RPC -32603 whose `data` is
    the usual `{errorCode, ..., fix, retryable: true}`."""
    info = failures.shared_state_unavailable(method)
    return MCPError(types.INTERNAL_ERROR, info.message, data=info.to_wire())


def _final(handle: TaskHandle, current: GenerationResult) -> dict[str, Any]:
    """What the blocking call would have returned: the tool's first result (keys only it has, such as
    lipsync's idempotencyKey and uploads) updated with the generation as it ended, after a complete wait."""
    latest = current.model_dump(mode="json", by_alias=True, exclude_none=True)
    merged = {**handle.carried, **latest, "waitTimedOut": False}
    text = types.TextContent(type="text", text=json.dumps(merged, ensure_ascii=False))
    link = generation_link(current.id)
    return _wire(types.CallToolResult(content=[text, link], structured_content=merged))


def _wire(result: types.CallToolResult) -> dict[str, Any]:
    """A tool result as the task's `result` (the CallToolResult fields; the task carries its own resultType)."""
    wire = result.model_dump(mode="json", by_alias=True, exclude_none=True)
    wire.pop("resultType", None)
    return wire
