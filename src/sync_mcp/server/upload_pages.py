"""The upload link's page (HTTP mode): `GET /upload/{token}` shows a file picker with drag-and-drop and a
progress bar; `PUT /upload/{token}` takes the raw bytes (what the page sends, and what `curl -T file URL` sends).

The token in the URL is the link's only credential (browsers carry no MCP token), as a presigned URL's signature
is; it is never logged (only the upload id is). A link that is unknown, expired or used gets a page (or, for a
PUT, a JSON reply) that says so, and nothing is stored. services/link_uploads.py does the checks and the upload.
"""

from __future__ import annotations

import html
import logging
import secrets
from importlib import resources
from pathlib import PurePath
from string import Template
from typing import Any
from urllib.parse import unquote

from mcp.server import MCPServer
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from sync_mcp.api.media import supported_extensions
from sync_mcp.config import Settings
from sync_mcp.services.link_uploads import Incoming, UploadRefused, receive
from sync_mcp.services.upload_links import LinkRefused, UploadLinks

logger = logging.getLogger(__name__)

UPLOAD_PATH = "/upload/"
REFUSALS = {
    "unknown": (404, "This upload link is not valid", "Check it was copied whole, or ask the assistant for a new one."),
    "expired": (410, "This upload link has expired", "Ask the assistant for a new upload link."),
    "used": (409, "This upload link was already used", "A link works once: ask the assistant for a new one."),
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


def refusal_page(refusal: LinkRefused) -> HTMLResponse:
    status, title, fix = REFUSALS[refusal.refusal]
    return page(title, f"Nothing was uploaded. {fix}", kind="error", status=status)


def _reply(status: int, body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, status, headers={"Cache-Control": "no-store"})


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


def add_upload_pages(server: MCPServer[Any], *, settings: Settings, links: UploadLinks) -> None:
    """Serve the upload links' page and PUT on the server's HTTP app (register before building the app)."""

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

    @server.custom_route(UPLOAD_PATH + "{token}", methods=["PUT"], include_in_schema=False)
    async def upload_bytes(request: Request) -> Response:
        try:
            status = await receive(links, settings, request.path_params["token"], _incoming(request))
        except LinkRefused as refusal:
            code, title, fix = REFUSALS[refusal.refusal]
            return _reply(code, {"state": "refused", "message": f"{title}. Nothing was uploaded. {fix}"})
        except UploadRefused as exc:
            retry = exc.status != 502
            return _reply(exc.status, {"state": "refused", "message": exc.message, "retry": retry})
        except ClientDisconnect:
            logger.info("an upload link's sender went away before the end of the file")
            return Response(status_code=400)
        body = status.model_dump(by_alias=True, exclude_none=True)
        return _reply(200, {**body, "message": f"Uploaded: asset {status.asset_id}. Go back to the chat."})
