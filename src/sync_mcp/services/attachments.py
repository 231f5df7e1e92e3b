"""Chat attachments (ChatGPT): a file the host hands a tool as `{download_url, file_id, mime_type?, file_name?}`
in a parameter declared in the tool's `_meta["openai/fileParams"]`.

The file is fetched from `download_url` through the download guard (services/fetch_guard.py): https only, every
hop's host checked before connecting and the address connected to checked after, no loopback or private address
(unless the configured API base is one: a deployment against a local API, where plain http on that same kind of
address is allowed too), redirects followed by hand, the whole fetch under `SYNC_MCP_DOWNLOAD_TIMEOUT`. Then the
same checks as an upload link (a known length up to 5 GB, a media type the API accepts, of the kind the
parameter needs), and the bytes stream on to Sync storage (`api.stream_uploads`): nothing touches the disk.
"""

from __future__ import annotations

from typing import Annotated

import anyio
import httpx
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from sync_mcp.api import SyncClient
from sync_mcp.api.types.assets import AssetDetails
from sync_mcp.api.types.shared import MediaKind
from sync_mcp.api.uploads import UploadOutcome
from sync_mcp.config import Settings
from sync_mcp.guidance import file_refusals

from .fetch_guard import FetchGuard, TooManyRedirects, UnsafeURL, guarded_get
from .link_uploads import Incoming, UploadRefused, checked
from .media_sources import short_name

MAX_REDIRECTS = 5


# A file attached in the chat, as ChatGPT passes it. (No docstring and no field descriptions: the object is
# filled in by the host, not by the model, and every tool that takes one repeats its schema.)
class ChatFile(BaseModel):
    model_config = ConfigDict(extra="ignore")

    download_url: str = Field(min_length=1)
    file_id: str = Field(min_length=1)
    mime_type: str | None = None
    file_name: str | None = None


MediaArgument = Annotated[str | ChatFile, WithJsonSchema({"type": "string"})]
"""A media parameter: a string, or a file attached in the chat. Listed as the plain string it is for every other
client; ChatGPT, told by `_meta["openai/fileParams"]`, fills it with its file object itself."""


async def upload_attachment(
    client: SyncClient,
    settings: Settings,
    file: ChatFile,
    *,
    field: str,
    kind: MediaKind | None = None,
    details: AssetDetails | None = None,
) -> UploadOutcome:
    """Fetch a chat attachment and upload it as an asset (see the module docstring); `InputError` if refused."""
    try:
        url = httpx.URL(file.download_url.strip())
    except httpx.InvalidURL:
        raise file_refusals.attachment_not_a_url(field) from None
    guard = await FetchGuard.for_api_base(settings.base_url, https_only=True)
    try:
        with anyio.fail_after(settings.download_timeout):
            async with guarded_get(client.http, url, guard, trust_first=False, max_redirects=MAX_REDIRECTS) as response:
                return await _pass_on(client, response, file, field=field, kind=kind, details=details)
    except (UnsafeURL, TooManyRedirects) as exc:
        raise file_refusals.attachment_unsafe(field, str(exc)) from None
    except TimeoutError:
        raise file_refusals.attachment_timed_out(field) from None
    except httpx.HTTPError as exc:
        raise file_refusals.attachment_host_failed(field, type(exc).__name__) from None


async def _pass_on(
    client: SyncClient,
    response: httpx.Response,
    file: ChatFile,
    *,
    field: str,
    kind: MediaKind | None,
    details: AssetDetails | None,
) -> UploadOutcome:
    if not response.is_success:
        raise file_refusals.attachment_host_refused(field, response.status_code)
    length = response.headers.get("content-length", "")
    name = file.file_name or short_name(str(response.url))
    incoming = Incoming(
        name=name,
        content_type=file.mime_type or response.headers.get("content-type"),
        size=int(length) if length.isdigit() else None,
        chunks=response.aiter_bytes(),
    )
    try:
        size, media, chunks = await checked(incoming)
    except UploadRefused as exc:
        raise file_refusals.attachment_refused(field, exc.message) from None
    if kind is not None and media.kind != kind:
        raise file_refusals.attachment_wrong_kind(field, name, media.kind, kind)
    return await client.uploads.stream(chunks, name=name, size=size, media=media, details=details or AssetDetails())
