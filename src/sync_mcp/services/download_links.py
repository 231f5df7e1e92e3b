"""Download links (HTTP mode): a finished video handed to a user whose computer is not the server's.

`download_output` for such a caller checks the generation is COMPLETED and mints a link (the records of
services/upload_links.py, marked as a download: bound to the caller, holding its key sealed, expiring with
`SYNC_MCP_UPLOAD_LINK_MINUTES`, usable until then). Opening the link asks the API for the output's URL with
the caller's key and streams it from storage through the download guard (the checks of services/downloads.py),
as an attachment named `<name>.mp4`; nothing touches the server's disk. Subtitles of a transcription are handed
over the same way: the link names the transcription and the format, and opening it renders them afresh.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx

from sync_mcp.config import Settings

from .context import ServiceContext
from .downloads import _not_ready, _open, output_url
from .fetch_guard import FetchGuard
from .link_uploads import client_for
from .subtitles import SubtitleFormat, render
from .upload_links import DOWNLOAD, MintedLink, UploadLinks

SUBTITLES = "subtitles"
"""The detail that makes a download link one of subtitles (its value: the format, srt or vtt)."""
SUBTITLE_TYPES = {"srt": "application/x-subrip", "vtt": "text/vtt"}


async def mint_download(
    state: ServiceContext, links: UploadLinks, owner: str, api_key: str | None, generation_id: str, name: str | None
) -> tuple[MintedLink, str]:
    """A download link for a COMPLETED generation (else `DownloadFailed`), and the file name it saves as."""
    generation = await state.client.generations.get(generation_id)
    if generation.status != "COMPLETED":
        raise await _not_ready(state, generation)
    file_name = f"{name or generation.output_file_name or generation.id}.mp4"
    details = {DOWNLOAD: generation.id, "name": file_name}
    return await links.mint(owner, api_key, details, state.settings.upload_link_minutes), file_name


async def mint_subtitles(
    state: ServiceContext, links: UploadLinks, owner: str, api_key: str | None, transcription_id: str, form: str
) -> tuple[MintedLink, str]:
    """A download link for a COMPLETED transcription's subtitles in `form`, and the file name it saves as."""
    file_name = f"transcript-{transcription_id}.{form}"
    details = {DOWNLOAD: transcription_id, SUBTITLES: form, "name": file_name}
    return await links.mint(owner, api_key, details, state.settings.upload_link_minutes), file_name


@dataclass
class OpenedDownload:
    file_name: str
    size: int | None
    chunks: AsyncIterator[bytes]
    media_type: str = "video/mp4"


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def open_download(links: UploadLinks, settings: Settings, token: str, stack: AsyncExitStack) -> OpenedDownload:
    """The output behind a download link, streaming (`LinkRefused`, `DownloadFailed` or `SyncAPIError` when it
    cannot be had). The connections stay open until `stack` closes."""
    link = await links.peek(token)
    client = await stack.enter_async_context(client_for(settings, link.api_key))
    if SUBTITLES in link.details:
        form: SubtitleFormat = link.details[SUBTITLES]
        job = await client.transcriptions.get(str(link.details[DOWNLOAD]))
        text = render(job.transcript.words() if job.transcript is not None else [], form).encode("utf-8")
        return OpenedDownload(str(link.details["name"]), len(text), _once(text), SUBTITLE_TYPES[form])
    gid = str(link.details[DOWNLOAD])
    url, _ = await output_url(client, await client.generations.get(gid))
    guard = await FetchGuard.for_api_base(settings.base_url)
    response: httpx.Response = await stack.enter_async_context(_open(client.http, url, gid, guard))
    response.raise_for_status()
    length = response.headers.get("content-length", "")
    return OpenedDownload(
        file_name=str(link.details["name"]),
        size=int(length) if length.isdigit() else None,
        chunks=response.aiter_bytes(),
    )
