"""Upload links: a one-time address on this server through which a user hands over a file the server cannot read
(and, with the same records, download links: services/download_links.py).

`upload_media` without a path (over HTTP) mints a link for its caller: an `uploadId` the model follows, and a
secret `token` (256 bits) in the URL the user opens. The link keeps what the upload needs later, when the
browser (which carries no MCP credentials) sends the bytes: the caller's identity, the asset details asked
for, and the caller's own Sync API key if the request had one. That key is stored sealed (AES-GCM) with a key
derived from the token, and the entry is filed under a digest of the token: what is stored (in this process,
or in Redis behind several replicas) opens nothing without the URL itself.

A link expires (`SYNC_MCP_UPLOAD_LINK_MINUTES`, default 30) and works once: the first upload takes it (one
atomic take, so of two concurrent uploads one wins) and leaves a mark, so a second use is told it was used.
The upload's state (`waiting`, `receiving`, `done`, `failed`) is kept under the `uploadId`, readable by the
caller who minted the link only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import BaseModel, ConfigDict, Field

from sync_mcp.backend.entries import Entries

DEFAULT_LINK_MINUTES = 30.0
STATUS_GRACE_SECONDS = 3600.0
"""How long an upload's state (and a used link's mark) outlives the link: the model may ask late."""
DOWNLOAD = "download"
"""The detail that makes a link a download link (its value: the generation id)."""

UploadState = Literal["waiting", "receiving", "done", "failed"]
Refusal = Literal["unknown", "expired", "used"]


class UploadStatus(BaseModel):
    """An upload's state, as `upload_media` with `uploadId` reports it."""

    model_config = ConfigDict(populate_by_name=True)

    upload_id: str = Field(alias="uploadId")
    state: UploadState
    bytes_received: int = Field(default=0, alias="bytesReceived")
    size: int | None = None
    file_name: str | None = Field(default=None, alias="fileName")
    asset_id: str | None = Field(default=None, alias="assetId")
    url: str | None = None
    type: str | None = None
    reused: bool | None = None
    sha256: str | None = None
    reason: str | None = None
    expires_at: str = Field(alias="expiresAt")


@dataclass(frozen=True)
class MintedLink:
    upload_id: str
    token: str
    expires_at: str
    """ISO 8601, UTC."""


@dataclass(frozen=True)
class ClaimedLink:
    """A link taken for an upload: who asked for it, with which key and details."""

    upload_id: str
    owner: str
    api_key: str | None
    details: dict[str, Any]


class LinkRefused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal)
        self.refusal = refusal


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def _cipher(token: str) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"sync-mcp upload link").derive(
        token.encode("ascii", "replace")
    )
    return AESGCM(key)


def seal(token: str, upload_id: str, api_key: str) -> str:
    nonce = secrets.token_bytes(12)
    sealed = _cipher(token).encrypt(nonce, api_key.encode("utf-8"), upload_id.encode("ascii"))
    return base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal(token: str, upload_id: str, sealed: str) -> str:
    raw = base64.urlsafe_b64decode(sealed.encode("ascii"))
    return _cipher(token).decrypt(raw[:12], raw[12:], upload_id.encode("ascii")).decode("utf-8")


def _opened(token: str, record: dict[str, Any]) -> ClaimedLink:
    key = unseal(token, record["uploadId"], record["key"]) if record.get("key") else None
    return ClaimedLink(upload_id=record["uploadId"], owner=record["owner"], api_key=key, details=record["details"])


class UploadLinks:
    """Mint, check, take and follow upload links (see the module docstring)."""

    def __init__(self, entries: Entries, *, clock: Callable[[], float] = time.time) -> None:
        self._entries = entries
        self.clock = clock

    def _link_key(self, token: str) -> str:
        return self._entries.key("upload-link", _digest(token))

    def _used_key(self, token: str) -> str:
        return self._entries.key("upload-used", _digest(token))

    def _status_key(self, upload_id: str) -> str:
        return self._entries.key("upload", upload_id)

    async def mint(self, owner: str, api_key: str | None, details: dict[str, Any], minutes: float) -> MintedLink:
        upload_id, token = "upl_" + secrets.token_urlsafe(16), secrets.token_urlsafe(32)
        lifetime = minutes * 60.0
        expires = self.clock() + lifetime
        record = {
            "uploadId": upload_id,
            "owner": owner,
            "key": seal(token, upload_id, api_key) if api_key else None,
            "details": details,
            "expires": expires,
        }
        status = UploadStatus(uploadId=upload_id, state="waiting", expiresAt=_iso(expires))
        await self._put_status(owner, status, lifetime + STATUS_GRACE_SECONDS)
        await self._entries.put(self._link_key(token), json.dumps(record), lifetime + STATUS_GRACE_SECONDS)
        return MintedLink(upload_id=upload_id, token=token, expires_at=status.expires_at)

    async def check(self, token: str, *, download: bool = False) -> dict[str, Any]:
        """The record of the upload link (or with `download`, the download link) while it may still be used;
        `LinkRefused` (unknown, expired, used) otherwise."""
        text = await self._entries.get(self._link_key(token))
        if text is None:
            used = await self._entries.get(self._used_key(token))
            raise LinkRefused("used" if used is not None else "unknown")
        record: dict[str, Any] = json.loads(text)
        if (DOWNLOAD in record["details"]) != download:
            raise LinkRefused("unknown")
        if record["expires"] <= self.clock():
            raise LinkRefused("expired")
        return record

    async def claim(self, token: str) -> ClaimedLink:
        """Take the link for an upload (it works once); `LinkRefused` if it cannot be used."""
        await self.check(token)
        text = await self._entries.take(self._link_key(token))
        if text is None:  # another upload took it between the check and now
            raise LinkRefused("used")
        record = json.loads(text)
        await self._entries.put(self._used_key(token), record["uploadId"], STATUS_GRACE_SECONDS)
        return _opened(token, record)

    async def peek(self, token: str) -> ClaimedLink:
        """The link's owner, key and details, leaving it usable (a download link works until it expires)."""
        return _opened(token, await self.check(token, download=True))

    async def _put_status(self, owner: str, status: UploadStatus, ttl: float) -> None:
        value = {"owner": owner, **status.model_dump(by_alias=True, exclude_none=True)}
        await self._entries.put(self._status_key(status.upload_id), json.dumps(value), ttl)

    async def status(self, upload_id: str, owner: str) -> UploadStatus | None:
        """The upload's state, for the caller who minted it (None: unknown, gone, or another caller's)."""
        text = await self._entries.get(self._status_key(upload_id))
        if text is None:
            return None
        value = json.loads(text)
        if not secrets.compare_digest(value.pop("owner", ""), owner):
            return None
        return UploadStatus.model_validate(value)

    async def report(self, claimed: ClaimedLink, **changes: Any) -> UploadStatus:
        """Record a change of the upload's state (`state=...`, `bytesReceived=...`, `assetId=...`, ...)."""
        current = await self.status(claimed.upload_id, claimed.owner)
        base = current.model_dump(by_alias=True) if current is not None else {"uploadId": claimed.upload_id}
        updated = UploadStatus.model_validate({"expiresAt": _iso(self.clock()), **base, **changes})
        await self._put_status(claimed.owner, updated, STATUS_GRACE_SECONDS)
        return updated
