"""What the sandbox remembers about assets: upload slots, the files PUT to them, and the asset records.

Uploaded bytes go to a temporary folder owned by the store, written as they arrive (never held in
memory); the folder is removed when the store is dropped (`SandboxState.reset()`). Every PUT received
is logged as an `UploadReceipt`, with the sizes of the body pieces as they came off the connection.
"""

from __future__ import annotations

import hashlib
import secrets
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sync_mcp.api import Asset

from .rules.facts import MAX_UPLOAD_BYTES
from .state import SandboxState, iso_now, updated

STORE_NAME = "assets"


@dataclass(frozen=True)
class Spooled:
    """A file written to the store's folder: where, how many bytes, their SHA-256 (hex)."""

    path: Path
    size: int
    sha256: str


@dataclass(frozen=True)
class UploadSlot:
    """A presigned upload URL handed out by `POST /v2/assets/upload`."""

    token: str
    key: str
    """Storage key of the file: `<uuid>/<fileName>`."""
    file_name: str
    content_type: str
    size: int
    expires: float
    """Unix time after which a PUT is refused."""
    owner: str


@dataclass(frozen=True)
class StoredFile:
    key: str
    path: Path
    size: int
    sha256: str
    content_type: str
    owner: str


@dataclass
class UploadReceipt:
    """One PUT to an upload URL, as received."""

    token: str
    content_type: str | None
    has_api_key: bool
    """Whether an `x-api-key` header came along (it must not: upload URLs are fetched without it)."""
    status: int = 0
    chunks: list[int] = field(default_factory=list)
    """Sizes of the body pieces in arrival order."""

    @property
    def received(self) -> int:
        return sum(self.chunks)


@dataclass
class AssetRecord:
    seq: int
    asset: Asset
    owner: str
    sha256: str | None
    deleted: bool = False


def owner_of(api_key: str) -> str:
    """Who a key belongs to, without keeping the key: assets and digests are matched per key (§5.5)."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()[:16]


class AssetStore:
    def __init__(self) -> None:
        self.plan_file_size_limit = MAX_UPLOAD_BYTES
        """Largest file the plan may register (`file_size_exceeds_plan_limit` above it); set lower in tests."""
        self.upload_ttl_seconds = 3600
        """[INF] Validity of an upload URL (the reference only says the reply carries `expiresIn`)."""
        self.slots: dict[str, UploadSlot] = {}
        self.files: dict[str, StoredFile] = {}
        self.assets: dict[str, AssetRecord] = {}
        self.receipts: list[UploadReceipt] = []
        self._folder = tempfile.TemporaryDirectory(prefix="sync-sandbox-uploads-")
        self._seq = 0
        self._lock = threading.RLock()

    # -------------------------------------------------------------------------------------------- uploads

    def new_slot(self, file_name: str, content_type: str, size: int, owner: str) -> UploadSlot:
        slot = UploadSlot(
            token=secrets.token_urlsafe(24),
            key=f"{uuid.uuid4()}/{file_name}",
            file_name=file_name,
            content_type=content_type,
            size=size,
            expires=time.time() + self.upload_ttl_seconds,
            owner=owner,
        )
        with self._lock:
            self.slots[slot.token] = slot
        return slot

    def slot(self, token: str) -> UploadSlot | None:
        return self.slots.get(token)

    def new_receipt(self, token: str, content_type: str | None, has_api_key: bool) -> UploadReceipt:
        receipt = UploadReceipt(token=token, content_type=content_type, has_api_key=has_api_key)
        with self._lock:
            self.receipts.append(receipt)
        return receipt

    async def spool(self, chunks: AsyncIterator[bytes]) -> Spooled:
        """Write `chunks` to a new file of the store's folder as they arrive, hashing them on the way (the file is
        removed when the stream fails)."""
        path = Path(self._folder.name) / uuid.uuid4().hex
        digest = hashlib.sha256()
        size = 0
        try:
            with path.open("wb") as out:
                async for chunk in chunks:
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return Spooled(path, size, digest.hexdigest())

    def keep_file(self, slot: UploadSlot, path: Path, size: int, sha256: str) -> StoredFile:
        stored = StoredFile(slot.key, path, size, sha256, slot.content_type, slot.owner)
        with self._lock:
            previous = self.files.get(slot.key)
            self.files[slot.key] = stored
        if previous is not None and previous.path != path:
            previous.path.unlink(missing_ok=True)
        return stored

    def file(self, key: str) -> StoredFile | None:
        return self.files.get(key)

    # -------------------------------------------------------------------------------------------- assets

    def add_asset(self, fields: dict[str, Any], owner: str, sha256: str | None) -> AssetRecord:
        now = iso_now()
        asset = Asset.model_validate({"id": str(uuid.uuid4()), "createdAt": now, "updatedAt": now, **fields})
        with self._lock:
            self._seq += 1
            record = AssetRecord(seq=self._seq, asset=asset, owner=owner, sha256=sha256)
            self.assets[asset.id] = record
        return record

    def update(self, asset_id: str, fields: dict[str, Any]) -> AssetRecord:
        """Replace the given wire fields of an asset (and its `updatedAt`)."""
        with self._lock:
            record = self.assets[asset_id]
            record.asset = updated(record.asset, fields)
            return record

    def live(self) -> list[AssetRecord]:
        """Assets not deleted, oldest first."""
        with self._lock:
            return sorted((r for r in self.assets.values() if not r.deleted), key=lambda r: r.seq)

    def get(self, asset_id: str) -> AssetRecord | None:
        record = self.assets.get(asset_id)
        return None if record is None or record.deleted else record

    def delete(self, asset_id: str) -> None:
        with self._lock:
            self.assets[asset_id].deleted = True


def asset_store(state: SandboxState) -> AssetStore:
    return state.store(STORE_NAME, AssetStore)
