"""The upload link's page (HTTP mode): `GET /upload/{token}` shows a file picker with drag-and-drop and a
progress bar; `PUT /upload/{token}` takes the raw bytes (what the page sends, and what `curl -T file URL` sends).

The token in the URL is the link's only credential (browsers carry no MCP token), as a presigned URL's signature
is; it is never logged (only the upload id is). A link that is unknown, expired or used gets a page (or, for a
PUT, a JSON reply) that says so, and nothing is stored. services/link_uploads.py does the checks and the upload.

The PUT answers cross-origin requests (CORS, any origin, no cookies): the MCP Apps view sends the file from the
host's sandboxed iframe, whose origin is the host's or opaque. That grants a web page nothing `curl` with the
same URL does not have: the token is the credential, and a page without it has no link to send to.
"""

from __future__ import annotations

import html
import logging
import re
import secrets
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from importlib import resources
from pathlib import PurePath
from string import Template
from typing import Any
from urllib.parse import unquote

import httpx
from mcp.server import MCPServer
from starlette.background import BackgroundTask
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse

from sync_mcp.api import SyncAPIError
from sync_mcp.api.types.shared import supported_extensions
from sync_mcp.config import Settings
from sync_mcp.services.download_links import open_download
from sync_mcp.services.downloads import DownloadFailed
from sync_mcp.services.link_uploads import Incoming, UploadRefused, receive
from sync_mcp.services.upload_links import LinkRefused, UploadLinks

logger = logging.getLogger(__name__)

UPLOAD_PATH = "/upload/"
DOWNLOAD_PATH = "/download/"
REFUSALS = {
    "unknown": (404, "This {} link is not valid", "Check it was copied whole, or ask the assistant for a new one."),
    "expired": (410, "This {} link has expired", "Ask the assistant for a new link."),
    "used": (409, "This {} link was already used", "A link works once: ask the assistant for a new one."),
}
MAX_NAME = 200
PAGE_TEMPLATE = Template(resources.files("sync_mcp.server").joinpath("data/upload.html").read_text("utf-8"))


def _headers(nonce: str) -> dict[str, str]:
    return {
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    }


def page(title: str, message: str, *, kind: str = "note", status: int = 200, expires: str = "") -> HTMLResponse:
    """The upload page: with its form when `expires` is given, else only the message."""
    nonce = secrets.token_urlsafe(16)
    document = PAGE_TEMPLATE.substitute(
        title=html.escape(title),
        message=html.escape(message),
        kind=kind,
        nonce=nonce,
        expires=html.escape(expires),
        form_hidden="" if expires else "hidden",
        accept=",".join(supported_extensions()),
    )
    return HTMLResponse(document, status, headers=_headers(nonce))


def refusal_page(refusal: LinkRefused, kind: str = "upload") -> HTMLResponse:
    status, title, fix = REFUSALS[refusal.refusal]
    done = "Nothing was uploaded." if kind == "upload" else "There is nothing to download here."
    return page(title.format(kind), f"{done} {fix}", kind="error", status=status)


CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "PUT",
    "Access-Control-Allow-Headers": "Content-Type, X-File-Name",
    "Access-Control-Max-Age": "600",
}


def _reply(status: int, body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, status, headers={"Cache-Control": "no-store", **CORS})


def _incoming(request: Request) -> Incoming:
    length = request.headers.get("content-length", "")
    given = request.headers.get("x-file-name") or request.query_params.get("name") or ""
    name = PurePath(unquote(given).replace("\\", "/")).name.strip()[:MAX_NAME]
    return Incoming(
        name=name or None,
        content_type=request.headers.get("content-type"),
        size=int(length) if length.isdigit() else None,
        chunks=request.stream(),
    )


LINK_PATHS = re.compile(r"(/(?:upload|download)/)[^/?#\s\"]+")


class HideLinkTokens(logging.Filter):
    """The access log names the path of each request; a link's path holds its only credential, so it is logged
    as `/upload/[REDACTED]` (on every replica, whichever minted the link)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                LINK_PATHS.sub(r"\1[REDACTED]", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


def hide_link_tokens() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, HideLinkTokens) for f in access.filters):
        access.addFilter(HideLinkTokens())


def add_upload_pages(server: MCPServer[Any], *, settings: Settings, links: UploadLinks) -> None:
    """Serve the upload links' page and PUT on the server's HTTP app (register before building the app)."""
    hide_link_tokens()

    @server.custom_route(UPLOAD_PATH + "{token}", methods=["GET"], include_in_schema=False)
    async def upload_page(request: Request) -> Response:
        try:
            record = await links.check(request.path_params["token"])
        except LinkRefused as refusal:
            return refusal_page(refusal)
        minutes = max(1, round((float(record["expires"]) - links.clock()) / 60))
        return page(
            "Upload a file for your assistant",
            "Choose the video, audio or image file to hand over.",
            expires=f"in {minutes} min",
        )

    @server.custom_route(UPLOAD_PATH + "{token}", methods=["OPTIONS"], include_in_schema=False)
    async def upload_preflight(_: Request) -> Response:
        """The CORS preflight of the view's PUT (nothing is checked or stored: the PUT itself is)."""
        return Response(status_code=204, headers=CORS)

    @server.custom_route(UPLOAD_PATH + "{token}", methods=["PUT"], include_in_schema=False)
    async def upload_bytes(request: Request) -> Response:
        try:
            status = await receive(links, settings, request.path_params["token"], _incoming(request))
        except LinkRefused as refusal:
            code, title, fix = REFUSALS[refusal.refusal]
            return _reply(
                code, {"state": "refused", "message": f"{title.format('upload')}. Nothing was uploaded. {fix}"}
            )
        except UploadRefused as exc:
            retry = exc.status != 502
            return _reply(exc.status, {"state": "refused", "message": exc.message, "retry": retry})
        except ClientDisconnect:
            logger.info("an upload link's sender went away before the end of the file")
            return Response(status_code=400, headers=CORS)
        body = status.model_dump(by_alias=True, exclude_none=True)
        return _reply(200, {**body, "message": f"Uploaded: asset {status.asset_id}. Go back to the chat."})


def _attachment(file_name: str) -> str:
    """`Content-Disposition` for a file name made of letters, digits, `_`, `-` and `.mp4` (output names are)."""
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_" for ch in file_name)
    return f'attachment; filename="{safe}"'


def add_download_route(server: MCPServer[Any], *, settings: Settings, links: UploadLinks) -> None:
    """Serve the download links of `download_output` (register before building the app)."""

    @server.custom_route(DOWNLOAD_PATH + "{token}", methods=["GET"], include_in_schema=False)
    async def download(request: Request) -> Response:
        stack = AsyncExitStack()
        try:
            opened = await open_download(links, settings, request.path_params["token"], stack)
        except LinkRefused as refusal:
            await stack.aclose()
            return refusal_page(refusal, "download")
        except DownloadFailed as exc:
            await stack.aclose()
            return page("The video could not be fetched", exc.info.message, kind="error", status=502)
        except (SyncAPIError, httpx.HTTPError) as exc:
            await stack.aclose()
            logger.warning("a download link's output could not be fetched: %s", type(exc).__name__)
            return page("The video could not be fetched", "Try the link again shortly.", kind="error", status=502)

        async def body() -> AsyncIterator[bytes]:
            try:
                async for chunk in opened.chunks:
                    yield chunk
            finally:
                await stack.aclose()

        headers = {"Content-Disposition": _attachment(opened.file_name), **_headers(secrets.token_urlsafe(8))}
        if opened.size is not None:
            headers["Content-Length"] = str(opened.size)
        return StreamingResponse(
            body(), media_type=opened.media_type, headers=headers, background=BackgroundTask(stack.aclose)
        )
