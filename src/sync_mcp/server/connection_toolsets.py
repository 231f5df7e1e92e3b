"""Toolsets chosen per connection over Streamable HTTP, as GitHub's remote MCP server does.

A client picks its toolsets with the URL it connects to, `/mcp/x/{toolsets}` (comma-separated, e.g.
`/mcp/x/core,usage`; `all` for every one this deployment allows), or with the header `X-MCP-Toolsets` on
`/mcp`. Remote connectors (ChatGPT, Claude) can set a URL but not headers. A connection that chooses nothing
gets `SYNC_MCP_TOOLSETS` (default core); `SYNC_MCP_ALLOWED_TOOLSETS` (default all) is the most any connection
may choose. A choice beyond it, or of a toolset that does not exist, is refused before the MCP request runs, with
an error naming the toolset and the valid choices.

The server registers every allowed toolset's tools once; `tools/list`, `tools/call` and the texts that name
tools (`Offered`) see only the toolsets of the request's connection.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from mcp.server.auth.handlers.metadata import ProtectedResourceMetadataHandler
from mcp.server.auth.middleware.bearer_auth import RequireAuthMiddleware
from mcp.server.auth.settings import AuthSettings
from mcp.shared.auth import ProtectedResourceMetadata
from pydantic import AnyHttpUrl
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from sync_mcp.config import Settings
from sync_mcp.tools.toolsets import ALL, DEFAULT_TOOLSETS, TOOLSETS, Toolset, UnknownToolsetError, choose

from .request_scope import current_http_request

TOOLSETS_HEADER = "X-MCP-Toolsets"
CHOICE_PREFIX = "/x/"
"""`{mcp path}/x/{toolsets}`: the URL form of a choice."""


class ToolsetRefused(ValueError):
    """A connection's choice of toolsets that this deployment does not serve (`status`, `code`, message)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass(frozen=True)
class ConnectionToolsets:
    """The toolsets a connection gets: its choice (URL path or header) within `allowed`, else `default`."""

    mcp_path: str
    default: tuple[Toolset, ...]
    allowed: tuple[Toolset, ...]
    public_url: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings, mcp_path: str) -> ConnectionToolsets:
        """Raises `UnknownToolsetError` for an unknown name in either setting, or a default beyond the allowed."""
        allowed = choose(settings.allowed_toolsets, TOOLSETS, [ALL], source="SYNC_MCP_ALLOWED_TOOLSETS")
        default = choose(settings.toolsets, TOOLSETS, DEFAULT_TOOLSETS)
        beyond = [t.name for t in default if t not in allowed]
        if beyond:
            raise UnknownToolsetError(
                f"SYNC_MCP_TOOLSETS: {', '.join(beyond)} is beyond SYNC_MCP_ALLOWED_TOOLSETS "
                f"({', '.join(t.name for t in allowed)}): allow it there, or leave it out of the default."
            )
        return cls(mcp_path, default, allowed, settings.public_url)

    def asked(self, path: str, headers: Mapping[str, str]) -> str | None:
        """The raw choice of a request: the URL's `/x/{toolsets}`, else the header; None when there is none."""
        prefix = self.mcp_path + CHOICE_PREFIX
        if path.startswith(prefix):
            return path[len(prefix) :].strip("/")
        return headers.get(TOOLSETS_HEADER.lower()) or headers.get(TOOLSETS_HEADER)

    def resolve(self, choice: str | None) -> tuple[Toolset, ...]:
        """The toolsets a choice gives; raises `ToolsetRefused` naming what cannot be had."""
        if choice is None or not choice.strip():
            return self.default
        try:
            wanted = choose(choice, TOOLSETS, [], source="toolsets")
        except UnknownToolsetError as exc:
            raise ToolsetRefused(400, "unknown_toolset", f"{exc} {self._usage()}") from None
        if {part.strip().lower() for part in choice.split(",")} & {ALL}:
            return self.allowed
        beyond = [t.name for t in wanted if t not in self.allowed]
        if beyond:
            raise ToolsetRefused(
                403,
                "toolset_not_allowed",
                f"toolset(s) {', '.join(beyond)} not offered by this server (SYNC_MCP_ALLOWED_TOOLSETS); "
                f"{self._usage()}",
            )
        return wanted

    def current(self) -> tuple[Toolset, ...] | None:
        """The toolsets of the request being handled (None outside an HTTP request)."""
        request = current_http_request()
        if request is None:
            return None
        try:
            return self.resolve(self.asked(request.url.path, request.headers))
        except ToolsetRefused:  # refused at the door already (ToolsetGate); nothing more than the default here
            return self.default

    def url_for(self, toolsets: tuple[Toolset, ...]) -> str:
        """The address a client connects to for `toolsets`: on SYNC_MCP_PUBLIC_URL, else where this request came."""
        request = current_http_request()
        base = (self.public_url or (str(request.base_url) if request is not None else "")).rstrip("/")
        return f"{base}{self.mcp_path}{CHOICE_PREFIX}{','.join(t.name for t in toolsets)}"

    def how_to_enable(self, toolset: Toolset) -> str:
        """How the agent's user gets a toolset that is off for this connection."""
        if toolset not in self.allowed:
            return f"this server does not offer {toolset.name} (SYNC_MCP_ALLOWED_TOOLSETS); ask its operator."
        on = self.current() or self.default
        wanted = tuple(t for t in TOOLSETS if t in on or t == toolset)
        return (
            f"ask the user to connect to {self.url_for(wanted)} (this server's MCP URL with /x/ and the toolsets), "
            f"or to send the header {TOOLSETS_HEADER}: {','.join(t.name for t in wanted)}."
        )

    def _usage(self) -> str:
        return (
            f"Choose among {', '.join(t.name for t in self.allowed)} (or all), comma-separated, in the URL "
            f"{self.mcp_path}{CHOICE_PREFIX}<toolsets> or the header {TOOLSETS_HEADER}."
        )


class ToolsetGate:
    """ASGI: refuses a request whose toolset choice cannot be had, before authentication and the MCP app."""

    def __init__(self, app: ASGIApp, toolsets: ConnectionToolsets) -> None:
        self.app = app
        self.toolsets = toolsets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
            try:
                self.toolsets.resolve(self.toolsets.asked(scope["path"], headers))
            except ToolsetRefused as refused:
                await _refuse(send, refused)
                return
        await self.app(scope, receive, send)


async def _refuse(send: Send, refused: ToolsetRefused) -> None:
    # A JSON-RPC error body, as the transport's own refusals: MCP clients show its message to the user.
    error = {"code": -32602, "message": str(refused), "data": {"errorCode": refused.code}}
    body = json.dumps({"jsonrpc": "2.0", "id": None, "error": error}).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": refused.status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


# ----------------------------------------------------------------------------------------------- routes


def add_toolset_paths(app: Starlette, toolsets: ConnectionToolsets, auth: AuthSettings | None) -> None:
    """Serve MCP at `{mcp path}/x/{toolsets}` too, behind the same Host/Origin checks and tokens as the MCP path,
    with its own protected-resource metadata (RFC 9728) when this server is an OAuth resource server; and check
    every choice at the door (ToolsetGate)."""
    path = toolsets.mcp_path
    index, route = next((n, r) for n, r in enumerate(app.router.routes) if isinstance(r, Route) and r.path == path)
    endpoint = route.endpoint
    chosen_path = f"{path}{CHOICE_PREFIX}{{toolsets}}"
    app.router.routes[index : index + 1] = [
        Route(path, endpoint=ToolsetGate(endpoint, toolsets)),
        Route(chosen_path, endpoint=ToolsetGate(_own_challenge(endpoint, path), toolsets)),
    ]
    if auth is not None and auth.resource_server_url is not None:
        resource = str(auth.resource_server_url).rstrip("/")
        issuer = auth.issuer_url

        async def metadata(request: Request) -> Response:
            choice = request.path_params["toolsets"]
            document = ProtectedResourceMetadata(
                resource=f"{resource}{CHOICE_PREFIX}{choice}",  # type: ignore[arg-type]
                authorization_servers=[issuer],
            )
            return await ProtectedResourceMetadataHandler(document).handle(request)

        well_known = "/.well-known/oauth-protected-resource" + chosen_path
        app.router.routes.insert(0, Route(well_known, endpoint=metadata, methods=["GET", "OPTIONS"]))


def _own_challenge(endpoint: Any, mcp_path: str) -> ASGIApp:
    """The MCP endpoint for a chosen path: a 401 there points at that path's own resource metadata."""
    if not isinstance(endpoint, RequireAuthMiddleware) or endpoint.resource_metadata_url is None:
        return cast(ASGIApp, endpoint)
    base = str(endpoint.resource_metadata_url).removesuffix(mcp_path)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        url = AnyHttpUrl(base + scope["path"])
        await RequireAuthMiddleware(endpoint.app, endpoint.required_scopes, url)(scope, receive, send)

    return app
