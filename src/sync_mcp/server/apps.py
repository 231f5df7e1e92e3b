"""The MCP Apps view (`io.modelcontextprotocol/ui`, SEP-1865): a player for the generation a tool returns,
and a drop zone for the user's own files.

Hosts that render MCP Apps (Claude, ChatGPT, VS Code, Goose, ...) show the `ui://` resource below inline next
to a call of `lipsync`, `get_generation` or `create_generation`: the job's status while it runs (the view
follows it with `get_generation` through the host), the finished video in a `<video>` player with buttons
that ask the host to call `download_output` or `create_generation` (another take), or the `errorCode` and
the catalog's `fix` of a failed job. Next to `upload_media` it shows a drop zone: a dropped or picked file
goes up through an upload link (the one the call returned, else a new one from `upload_media` called through
the host) with a progress bar, and a button asks the host, in a chat message, to call `lipsync` with it.

Only a client that declares the extension with the `text/html;profile=mcp-app` MIME type (per request on
2026-07-28, in `initialize` on the handshake era) sees the link: for it, `tools/list` carries
`_meta.ui.resourceUri` on those four tools and `resources/list` includes the view. Every other client gets
exactly the lists it gets without this module; tool results are the same for all.

The HTML is built from `view/` by `scripts/build_view.py` (the ext-apps `App` class bundled with esbuild,
licences included) and committed as `ui/generation.html`, so installing needs no Node. Its CSP metadata
(`resourceDomains`) names the origins it may play video from: the API's origin (which, for the sandbox, also
serves the outputs), `https://*.sync.so`, and any listed in `SYNC_MCP_MEDIA_DOMAINS`. Over HTTP, the view
read also names (`connectDomains`) the one origin it may send files to: this server's, where its upload links
point (`SYNC_MCP_PUBLIC_URL`, else the address the read came to); over stdio there are no upload links and
no `connectDomains`.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from mcp.server.apps import APP_MIME_TYPE, Apps, ResourceCsp, client_supports_apps
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver import MCPServer

from sync_mcp.config import Settings

VIEW_URI = "ui://sync-mcp/generation.html"
VIEW_TOOLS = frozenset({"lipsync", "get_generation", "create_generation", "upload_media"})
SYNC_MEDIA_DOMAINS = ("https://*.sync.so",)
"""Where the API's own media live; output URLs on other storage need `SYNC_MCP_MEDIA_DOMAINS`."""


@cache
def view_html() -> str:
    """The built view (`ui/generation.html`)."""
    return resources.files("sync_mcp.server").joinpath("ui/generation.html").read_text(encoding="utf-8")


def _origin(url: str) -> str | None:
    """`scheme://host[:port]` of an http(s) URL: never its userinfo (credentials in SYNC_BASE_URL stay private)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{host}" if parts.scheme in ("http", "https") and host else None


def media_domains(settings: Settings) -> list[str]:
    """The origins the view may load video from (its CSP `resourceDomains`), without repeats."""
    configured = [_origin(d) or d for d in settings.media_domains()]
    domains = [_origin(settings.base_url), *SYNC_MEDIA_DOMAINS, *configured]
    return list(dict.fromkeys(d for d in domains if d))


class GenerationView(Apps):
    """The Apps extension of this server: the view resource, linked from `VIEW_TOOLS` for clients that
    declare the extension. `attach(server)` installs the middleware that does the linking."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.public_url = settings.public_url
        self.add_html_resource(
            VIEW_URI,
            view_html(),
            name="generation-view",
            title="Generation player",
            description="Shows a generation: its progress while it runs, the video when it is done (with save "
            "and another-take buttons), or why it failed and how to fix it. Next to upload_media: a drop zone "
            "that uploads the user's files and asks for the lipsync.",
            csp=ResourceCsp(resource_domains=media_domains(settings)),
            prefers_border=True,
        )

    def attach(self, server: MCPServer[Any]) -> None:
        public_url = self.public_url

        async def middleware(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
            return await link_view(ctx, call_next, public_url)

        server.middleware.append(middleware)


def _linked(tool: dict[str, Any]) -> dict[str, Any]:
    if tool.get("name") not in VIEW_TOOLS:
        return tool
    meta = dict(tool.get("_meta") or {})
    meta["ui"] = {**(meta.get("ui") or {}), "resourceUri": VIEW_URI}
    return {**tool, "_meta": meta}


def upload_origin(ctx: ServerRequestContext[Any, Any], public_url: str | None) -> str | None:
    """The origin the view's upload links point to (as toolkit/links.py makes them): SYNC_MCP_PUBLIC_URL, else
    the address this HTTP request came to; None over stdio, which has no upload links."""
    request = ctx.request
    if request is None or not hasattr(request, "base_url"):
        return None
    return _origin(public_url or str(request.base_url))


def _with_connect(content: dict[str, Any], origin: str) -> dict[str, Any]:
    if content.get("uri") != VIEW_URI:
        return content
    meta = dict(content.get("_meta") or {})
    ui = dict(meta.get("ui") or {})
    ui["csp"] = {**(ui.get("csp") or {}), "connectDomains": [origin]}
    return {**content, "_meta": {**meta, "ui": ui}}


async def link_view(
    ctx: ServerRequestContext[Any, Any], call_next: CallNext, public_url: str | None = None
) -> HandlerResult:
    """Server middleware: for a client that declares MCP Apps, stamp `_meta.ui.resourceUri` on the view's
    tools in `tools/list`, and the upload origin on the view's `connectDomains` when it is read over HTTP;
    for any other client, leave the view out of `resources/list`. It works on the result in its wire form
    (a dict), copying what it changes."""
    result = await call_next(ctx)
    if not isinstance(result, dict):
        return result
    if ctx.method == "tools/list" and client_supports_apps(ctx):
        return {**result, "tools": [_linked(tool) for tool in result.get("tools", [])]}
    if ctx.method == "resources/read" and (origin := upload_origin(ctx, public_url)):
        return {**result, "contents": [_with_connect(c, origin) for c in result.get("contents", [])]}
    if ctx.method == "resources/list" and not client_supports_apps(ctx):
        return {**result, "resources": [r for r in result.get("resources", []) if r.get("mimeType") != APP_MIME_TYPE]}
    return result
