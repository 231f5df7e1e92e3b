"""Assembly: the MCP server object, its lifespan (one API client per process) and its tools."""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, aclosing, asynccontextmanager
from functools import partial
from importlib import resources
from typing import TYPE_CHECKING, Any

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.shared.exceptions import MCPError
from mcp.types import (
    INVALID_PARAMS,
    CallToolResult,
    GetPromptResult,
    Icon,
    InputRequiredResult,
    Prompt,
    Tool,
    ToolAnnotations,
)
from pydantic import ValidationError

from sync_mcp import __version__
from sync_mcp.api.errors import validation_text
from sync_mcp.backend import SharedStateUnavailable
from sync_mcp.backend.deliveries import Deliveries
from sync_mcp.config import Settings
from sync_mcp.guidance import failures
from sync_mcp.guidance.catalog import ErrorCatalog
from sync_mcp.guidance.errors import explain
from sync_mcp.sdk_internals import logging_left_configured, lowlevel_server
from sync_mcp.services.concurrent_waits import DRAIN
from sync_mcp.services.paths import folders_for
from sync_mcp.services.upload_links import UploadLinks
from sync_mcp.telemetry import redact
from sync_mcp.toolkit.arguments import unknown_arguments
from sync_mcp.toolkit.results import add_tools, fail
from sync_mcp.toolkit.state import TOOLS_LISTED, SharedClient, ToolState, bound_waits
from sync_mcp.tools.toolsets import TOOLSETS, Offered, chosen

from . import request_scope, tool_snapshot
from .apps import GenerationView
from .client_logging import serve_log_levels
from .completions import register_completions
from .connection_toolsets import ConnectionToolsets
from .instructions import INSTRUCTIONS
from .resources import register_resources
from .schema_sharing import shared
from .schemas import closed, compact
from .state_backend import StateBackend, state_backend
from .stdio import stdio_streams
from .tasks import GenerationTasks
from .telemetry import install as install_telemetry
from .telemetry import measure_requests
from .toolset_guide import register_toolset_resource, toolset_instructions
from .updates import GenerationUpdates

if TYPE_CHECKING:
    from sync_mcp.api.client import SyncClient

logger = logging.getLogger(__name__)


class SyncMCPServer(MCPServer[ToolState]):
    """MCPServer with compact tool schemas, and argument-validation failures shaped like every other
    error (`{errorCode, ..., fix}`)."""

    _listed: list[Tool] | None = None
    tools_key: dict[str, Any] | None = None
    """What the listed tools depend on besides the code (server/tool_snapshot.py)."""
    _register_tools: Callable[[], None] | None = None
    """Registers the tools `_listed` was read from a snapshot for (server/tool_snapshot.py), once they are needed."""
    max_wait_seconds: float = 50.0
    """The server's `SYNC_MCP_MAX_WAIT_SECONDS`, written into each wait's `timeout` schema as its maximum."""
    updates: GenerationUpdates
    """Publishes generation changes to subscribers; usable outside requests (webhooks)."""
    deliveries: Deliveries
    """Verified webhook deliveries, fed by the HTTP webhook receiver; they end waits."""
    backend: StateBackend
    """Where the state replicas share lives: this process, or Redis (server/state_backend.py)."""
    offered: Offered | None = None
    """The toolsets offered; over HTTP, each connection's own choice among them (server/connection_toolsets.py)."""
    upload_links: UploadLinks
    """Upload links, shared by the tools that mint them and the page that takes their uploads."""
    _register_prompts: Callable[[], None] | None = None
    """Registers the prompts the first time they are listed or fetched: `tools/list` never needs them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        with logging_left_configured():
            super().__init__(*args, **kwargs)

    async def run_stdio_async(self) -> None:
        """Serve stdio as the SDK does, over asyncio pipes rather than a worker thread per message."""
        inner = lowlevel_server(self)
        async with stdio_streams() as (read_stream, write_stream):
            await inner.run(read_stream, write_stream, inner.create_initialization_options())

    def add_tool(
        self,
        fn: Callable[..., Any],
        name: str | None = None,
        title: str | None = None,
        description: str | None = None,
        annotations: ToolAnnotations | None = None,
        icons: list[Icon] | None = None,
        meta: dict[str, Any] | None = None,
        structured_output: bool | None = None,
    ) -> None:
        self._build_tools()
        super().add_tool(fn, name, title, description, annotations, icons, meta, structured_output)
        self._listed = None  # list again, with the new tool

    def remove_tool(self, name: str) -> None:
        self._build_tools()
        super().remove_tool(name)
        self._listed = None

    def defer_tools(self, register: Callable[[], None], key: dict[str, Any]) -> None:
        """Register the server's tools with `register`: now, or, when the snapshot of `tools/list` was written
        under `key`, the first time anything but `tools/list` needs them (that is answered from the snapshot)."""
        self.tools_key = key
        listed = tool_snapshot.load(key)
        if listed is None:
            register()
            return
        self._register_tools = register
        self._listed = listed

    async def live_tools(self) -> list[Tool]:
        """`tools/list` as the registered tools give it (never the snapshot): what the snapshot is made of."""
        self._build_tools()  # registering them drops the listing read from the snapshot
        return await self.list_tools()

    def _build_tools(self) -> None:
        register, self._register_tools = self._register_tools, None
        if register is not None:
            register()

    async def list_tools(self) -> list[Tool]:
        if self._listed is None:  # built once, and again only when a toolset is enabled
            self._listed = [
                tool.model_copy(
                    update={
                        "input_schema": closed(bound_waits(shared(compact(tool.input_schema)), self.max_wait_seconds)),
                        "output_schema": compact(tool.output_schema, output=True),
                    }
                )
                for tool in await super().list_tools()
            ]
        hidden = self.offered.hidden_tools() if self.offered is not None else frozenset()
        return [t for t in self._listed if t.name not in hidden] if hidden else self._listed

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[ToolState, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        """Run a tool. An unknown name is a protocol error (-32602, as the spec's "unknown tools" says), not an
        `isError` result; an argument the tool does not take, or one that fails validation, is the usual
        `{errorCode, ..., fix}` error result (nothing sent); a crash is an `internal_error` result (its details
        only in the server log)."""
        self._build_tools()
        listed = await self.list_tools()
        tool = next((t for t in listed if t.name == name), None)
        if tool is None:
            how = f". {self.offered.how_to_get(name)}" if self.offered and self.offered.toolset_of(name) else ""
            raise MCPError(INVALID_PARAMS, f"Unknown tool: {name}{how}", data={"tool": name})
        refused = unknown_arguments(name, arguments, tool.input_schema)
        if refused is not None:
            return fail(refused)
        TOOLS_LISTED.set(frozenset(t.name for t in listed))  # this request's own context: the tool's advice reads it
        try:
            return await super().call_tool(name, arguments, context)
        except UnexpectedToolError as exc:
            if isinstance(exc.__cause__, SharedStateUnavailable):
                logger.warning("tool %s could not run: %s", name, exc.__cause__)
                return fail(failures.shared_state_unavailable(name))
            logger.exception("tool %s crashed", name)
            return fail(failures.crashed(name))
        except ToolError as exc:
            if not isinstance(exc.__cause__, ValidationError):
                raise
            return fail(await explain(exc.__cause__))

    async def list_prompts(self) -> list[Prompt]:
        register, self._register_prompts = self._register_prompts, None
        if register is not None:
            register()
        return await super().list_prompts()

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
                INVALID_PARAMS,
                f"Prompt {name}: missing required argument(s): {', '.join(missing)}.",
                data={"prompt": name, "missing": missing},
            )
        try:
            return await super().get_prompt(name, arguments, context)
        except ValueError as exc:
            cause = exc.__cause__
            if isinstance(cause, ValidationError):
                raise MCPError(INVALID_PARAMS, f"Prompt {name}: {validation_text(cause)}") from None
            raise MCPError(INVALID_PARAMS, f"Prompt {name}: {exc}") from None


def server_icon() -> Icon:
    """The bundle's icon (scripts/make_icon.py) at 32 px, inline: hosts show it beside the server's name."""
    data = resources.files("sync_mcp.server").joinpath("data/icon-32.png").read_bytes()
    return Icon(
        src="data:image/png;base64," + base64.b64encode(data).decode("ascii"), mime_type="image/png", sizes=["32x32"]
    )


def _api_client(settings: Settings) -> SyncClient:
    """The process's API client, made when a request first needs one (toolkit/state.py `SharedClient`)."""
    import httpx

    from sync_mcp.api.client import SyncClient

    timeout = httpx.Timeout(settings.request_timeout, connect=10.0, pool=10.0)
    return SyncClient(settings.secret_key(), base_url=settings.base_url, timeout=timeout, retry=settings.retry_policy())


def _lifespan(
    settings: Settings,
    backend: StateBackend,
    offered: Offered,
    updates: GenerationUpdates,
    deliveries: Deliveries,
    upload_links: UploadLinks,
) -> Callable[[MCPServer[ToolState]], AbstractAsyncContextManager[ToolState]]:
    """The server's lifespan: the shared state running, one API client (one connection pool) for every request,
    and the error catalog over it, handed to the tools as their `ToolState`."""
    spend_estimates = backend.spend_memory()

    @asynccontextmanager
    async def lifespan(_: MCPServer[ToolState]) -> AsyncIterator[ToolState]:
        async with backend.running(), aclosing(SharedClient(partial(_api_client, settings))) as shared:

            async def fetch_catalog() -> Any:
                return await shared.get().error_codes.list()

            yield ToolState(
                settings=settings,
                shared_client=shared,
                catalog=ErrorCatalog(fetch_catalog, ttl=settings.catalog_ttl),
                updates=updates,
                offered=offered,
                operator_folders=folders_for(settings, None),
                webhook_url=settings.webhook_url(),
                deliveries=deliveries,
                spend_estimates=spend_estimates,
                upload_links=upload_links,
            )

    return lifespan


def _offered(settings: Settings, connections: ConnectionToolsets | None) -> Offered:
    """The server's toolsets: SYNC_MCP_TOOLSETS; or, over HTTP, every allowed one, each connection seeing its own."""
    if connections is None:
        return Offered(TOOLSETS, chosen(settings.toolsets))
    return Offered(
        TOOLSETS, connections.allowed, narrowing=connections.current, how_to_enable=connections.how_to_enable
    )


def _add_tools(server: SyncMCPServer, offered: Offered, switch: bool, max_wait_seconds: float) -> None:
    """The enabled toolsets' tools (and `enable_toolset` with `switch`), registered when first needed: a default
    server answers `tools/list` from its snapshot (server/tool_snapshot.py) until then."""
    enabled = offered.enabled()

    def register_tools() -> None:
        add_tools(server, [tool for toolset in enabled for tool in toolset.tools])
        if switch:
            from sync_mcp.tools.toolset_switch import toolset_switch as make_toolset_switch

            add_tools(server, [make_toolset_switch(server, offered)])

    server.defer_tools(register_tools, tool_snapshot.snapshot_key([t.name for t in enabled], switch, max_wait_seconds))


def _prompts(server: SyncMCPServer, offered: Offered) -> None:
    from .prompts import register_prompts  # building their argument models is start-up work tools/list never needs

    register_prompts(server, offered)


def build_server(
    settings: Settings | None = None,
    *,
    toolset_switch: bool = True,
    backend: StateBackend | None = None,
    connections: ConnectionToolsets | None = None,
    **options: Any,
) -> SyncMCPServer:
    """A ready server offering the toolsets `SYNC_MCP_TOOLSETS` names (raises `UnknownToolsetError`, listing the
    valid names, for one that does not exist). Nothing touches the network until a tool runs, or until the
    lifespan starts in Redis mode (which connects, or refuses to start). With `toolset_switch` (one user per
    server, as over stdio) and toolsets left off, the model may enable them with `enable_toolset`. `backend`
    keeps the shared state (default: the one SYNC_MCP_REDIS_URL asks for). `options` go to `MCPServer` (the
    HTTP transport passes `token_verifier` and `auth`). With `connections` (HTTP), every allowed toolset is
    served and each connection sees the toolsets it chose."""
    settings = settings or Settings()
    offered = _offered(settings, connections)
    redact(settings.secret_key())
    backend = backend or state_backend(settings)
    updates = backend.updates()
    deliveries = backend.deliveries()
    upload_links = backend.upload_links()
    tasks = GenerationTasks(store=backend.task_store())
    security = backend.request_state_security()
    if security is not None:
        options.setdefault("request_state_security", security)

    switch = toolset_switch and bool(offered.disabled())
    server = SyncMCPServer(
        "sync-mcp",
        title="Sync lip-sync",
        version=__version__,
        instructions=INSTRUCTIONS + toolset_instructions(offered, connections, switch),
        website_url="https://sync.so",
        icons=[server_icon()],
        lifespan=_lifespan(settings, backend, offered, updates, deliveries, upload_links),
        log_level=settings.log_level.upper(),  # type: ignore[arg-type]
        subscriptions=updates.bus,
        extensions=[tasks, view := GenerationView(settings)],
        **options,
    )
    server.max_wait_seconds = settings.max_wait_seconds
    server.updates = updates
    server.deliveries = deliveries
    server.backend = backend
    server.offered = offered
    server.upload_links = upload_links
    serve_log_levels(server)
    _add_tools(server, offered, switch, settings.max_wait_seconds)
    request_scope.install(server)
    server.middleware.append(measure_requests)
    install_telemetry(settings, prometheus=False)
    DRAIN.grace = settings.shutdown_grace_seconds
    register_resources(server, updates)
    register_toolset_resource(server, offered)
    server._register_prompts = partial(_prompts, server, offered)
    register_completions(server)
    view.attach(server)
    return server
