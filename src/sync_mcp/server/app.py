"""Assembly: the MCP server object, its lifespan (one API client per process) and its tools."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import httpx
from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, CallToolResult, GetPromptResult, InputRequiredResult, Tool
from pydantic import ValidationError

from sync_mcp import __version__
from sync_mcp.api import ErrorCatalog, SyncClient
from sync_mcp.api.catalog import fetch_error_catalog
from sync_mcp.api.errors import from_validation_error, validation_text
from sync_mcp.config import Settings
from sync_mcp.logs import configure_logging
from sync_mcp.tools import ToolState, register_tools
from sync_mcp.tools.deliveries import DeliveryBoard
from sync_mcp.tools.results import crashed, fail
from sync_mcp.tools.updates import GenerationUpdates

from . import request_scope
from .apps import GenerationView
from .client_logging import serve_log_levels
from .completions import register_completions
from .instructions import INSTRUCTIONS
from .prompts import register_prompts
from .resources import register_resources
from .schemas import compact
from .stdio import stdio_streams
from .tasks import GenerationTasks

logger = logging.getLogger(__name__)


class SyncMCPServer(MCPServer[ToolState]):
    """MCPServer with compact tool schemas, and argument-validation failures shaped like every other
    error (`{errorCode, ..., fix}`)."""

    _listed: list[Tool] | None = None
    updates: GenerationUpdates
    """Publishes generation changes to subscribers; usable outside requests (webhooks)."""
    deliveries: DeliveryBoard
    """Verified webhook deliveries, fed by the HTTP webhook receiver; they end waits."""

    async def run_stdio_async(self) -> None:
        """Serve stdio as the SDK does, over asyncio pipes rather than a worker thread per message."""
        async with stdio_streams() as (read_stream, write_stream):
            await self._lowlevel_server.run(
                read_stream, write_stream, self._lowlevel_server.create_initialization_options()
            )

    async def list_tools(self) -> list[Tool]:
        if self._listed is None:  # the tool set is fixed once the server is built
            self._listed = [
                tool.model_copy(
                    update={
                        "input_schema": compact(tool.input_schema),
                        "output_schema": compact(tool.output_schema, prose=False),
                    }
                )
                for tool in await super().list_tools()
            ]
        return self._listed

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[ToolState, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        """Run a tool. An unknown name is a protocol error (-32602, as the spec's "unknown tools" says), not an
        `isError` result; an argument-validation failure is the usual `{errorCode, ..., fix}` error result; a
        crash is an `internal_error` result (its details only in the server log)."""
        if name not in {tool.name for tool in await self.list_tools()}:
            raise MCPError(INVALID_PARAMS, f"Unknown tool: {name}", data={"tool": name})
        try:
            return await super().call_tool(name, arguments, context)
        except UnexpectedToolError:
            logger.exception("tool %s crashed", name)
            return fail(crashed(name))
        except ToolError as exc:
            if not isinstance(exc.__cause__, ValidationError):
                raise
            return fail(from_validation_error(exc.__cause__))

    async def get_prompt(
        self, name: str, arguments: dict[str, Any] | None = None, context: Context[ToolState, Any] | None = None
    ) -> GetPromptResult | InputRequiredResult:
        """Render a prompt; an unknown name or a missing or invalid argument is JSON-RPC -32602 with a message
        that names it (the SDK answers these with error code 0 and a Python set repr)."""
        prompt = next((p for p in await self.list_prompts() if p.name == name), None)
        if prompt is None:
            names = ", ".join(sorted(p.name for p in await self.list_prompts()))
            raise MCPError(INVALID_PARAMS, f"Unknown prompt: {name}. Prompts: {names}.", data={"prompt": name})
        missing = [a.name for a in prompt.arguments or [] if a.required and a.name not in (arguments or {})]
        if missing:
            raise MCPError(
                INVALID_PARAMS, f"Prompt {name}: missing required argument(s): {', '.join(missing)}.",
                data={"prompt": name, "missing": missing},
            )
        try:
            return await super().get_prompt(name, arguments, context)
        except ValueError as exc:
            cause = exc.__cause__
            if isinstance(cause, ValidationError):
                raise MCPError(INVALID_PARAMS, f"Prompt {name}: {validation_text(cause)}") from None
            raise MCPError(INVALID_PARAMS, f"Prompt {name}: {exc}") from None


def build_server(settings: Settings | None = None, **options: Any) -> SyncMCPServer:
    """A ready server. Nothing touches the network until a tool runs. `options` go to `MCPServer` (the HTTP
    transport passes its `token_verifier` and `auth` this way)."""
    settings = settings or Settings()
    configure_logging(settings.log_level, secrets=[settings.secret_key()])
    updates = GenerationUpdates()
    deliveries = DeliveryBoard()
    tasks = GenerationTasks()

    @asynccontextmanager
    async def lifespan(_: MCPServer[ToolState]) -> AsyncIterator[ToolState]:
        timeout = httpx.Timeout(settings.request_timeout, connect=10.0, pool=10.0)
        async with SyncClient(
            settings.secret_key(), base_url=settings.base_url, timeout=timeout, retry=settings.retry_policy()
        ) as client:
            catalog = ErrorCatalog(partial(fetch_error_catalog, client), ttl=settings.catalog_ttl)
            yield ToolState(settings=settings, client=client, catalog=catalog, updates=updates, deliveries=deliveries)

    server = SyncMCPServer(
        "sync-mcp",
        title="Sync lip-sync",
        version=__version__,
        instructions=INSTRUCTIONS,
        website_url="https://sync.so",
        lifespan=lifespan,
        log_level=settings.log_level.upper(),  # type: ignore[arg-type]
        subscriptions=updates.bus,
        extensions=[tasks, view := GenerationView(settings)],
        **options,
    )
    server.updates = updates
    server.deliveries = deliveries
    serve_log_levels(server)
    register_tools(server)
    request_scope.install(server)
    register_resources(server, updates)
    register_prompts(server)
    register_completions(server)
    tasks.attach(server)
    view.attach(server)
    return server
