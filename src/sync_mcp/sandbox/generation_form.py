"""The multipart form of `POST /v2/generate` ("Create Generation with Files", reference §3.2).

The form is parsed with the API's parser limits, each file is copied (streamed, hashed) from starlette's
spooled temporary file into the asset store's folder, and the form becomes the JSON create's body: the
files are given asset ids up front and named by `assetId` in `input`. The assets themselves are only
registered once the create is accepted (`StagedForm.register`), so a refused request or an
Idempotency-Key replay leaves no asset behind. [INF] The reference does not say whether the API keeps
the assets of a refused create; this emulator does not.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from .asset_store import AssetStore, asset_store, owner_of
from .http import VALIDATION_CODE, fail, sandbox_state
from .routes.storage import storage_url
from .rules.facts import file_format

FILE_FIELDS = ("video", "image", "audio")
"""File fields, named after the input type they supply; at most one of each."""
JSON_FIELDS = ("input", "options", "segments", "dubParams", "dialogueEdit")
"""Non-file fields that carry JSON-encoded strings."""

MAX_FILE_BYTES = 5 * 1024**3
MAX_FILES = 3
MAX_FIELDS = 32
MAX_PARTS = 35
MAX_FIELD_BYTES = 1024 * 1024
COPY_CHUNK = 1024 * 1024


class FormLimitExceeded(MultiPartException):
    """A parser limit of §3.2 was crossed: the API answers 413."""


class GenerationFormParser(MultiPartParser):
    """starlette's streaming parser with the API's limits: files, fields, parts, field size and file size."""

    def __init__(self, request: Request) -> None:
        # starlette's own limits are lifted so that every limit is checked here and answered alike.
        super().__init__(request.headers, request.stream(), max_files=float("inf"), max_fields=float("inf"))
        self.max_part_size = MAX_FIELD_BYTES + 1
        self._part_bytes = 0

    def on_part_begin(self) -> None:
        super().on_part_begin()
        self._part_bytes = 0

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        self._part_bytes += end - start
        if self._current_part.file is None and self._part_bytes > MAX_FIELD_BYTES:
            raise FormLimitExceeded(f"Field value too long: the limit is {MAX_FIELD_BYTES} bytes per field.")
        if self._current_part.file is not None and self._part_bytes > MAX_FILE_BYTES:
            raise FormLimitExceeded(f"File too large: the limit is {MAX_FILE_BYTES} bytes per file.")
        super().on_part_data(data, start, end)

    def on_headers_finished(self) -> None:
        super().on_headers_finished()
        if self._current_files + self._current_fields > MAX_PARTS:
            raise FormLimitExceeded(f"Too many parts: the limit is {MAX_PARTS}.")
        if self._current_files > MAX_FILES:
            raise FormLimitExceeded(f"Too many files: the limit is {MAX_FILES}.")
        if self._current_fields > MAX_FIELDS:
            raise FormLimitExceeded(f"Too many fields: the limit is {MAX_FIELDS}.")


@dataclass
class StagedFile:
    """An uploaded file, copied into the asset store's folder and given its future asset id."""

    field: str
    asset_id: str
    file_name: str
    content_type: str
    path: Path
    size: int
    sha256: str


@dataclass
class StagedForm:
    body: dict[str, Any]
    """The form as the JSON create's body, files named by `assetId`."""
    digest: str
    """What an Idempotency-Key is bound to: the fields as sent and each file's name, type and SHA-256."""
    files: list[StagedFile] = field(default_factory=list)
    registered: bool = False

    @property
    def asset_ids(self) -> frozenset[str]:
        return frozenset(f.asset_id for f in self.files)

    def register(self, request: Request) -> None:
        """Keep the files and register them as assets of the key's owner (the create was accepted)."""
        store = asset_store(sandbox_state(request))
        owner = owner_of(request.headers.get("x-api-key", ""))
        project_id = self.body.get("projectId")
        for staged in self.files:
            slot = store.new_slot(staged.file_name, staged.content_type, staged.size, owner)
            store.keep_file(slot, staged.path, staged.size, staged.sha256)
            fmt = file_format(staged.file_name) or staged.content_type.split("/", 1)[-1] or None
            # [INF] Recorded like an uploaded-and-registered file (§5): inputType UPLOAD, visibility USER,
            # the file name as name, the create's project; the asset type is the field's, as sent.
            store.add_asset(
                {
                    "id": staged.asset_id,
                    "type": staged.field.upper(),
                    "visibility": "USER",
                    "url": storage_url(request, slot.key),
                    "inputType": "UPLOAD",
                    "name": staged.file_name,
                    "size": staged.size,
                    "format": fmt,
                    "projectId": project_id if isinstance(project_id, str) else None,
                },
                owner,
                staged.sha256,
            )
        self.registered = True

    def discard(self) -> None:
        """Remove the staged copies unless they were kept as assets."""
        if not self.registered:
            for staged in self.files:
                staged.path.unlink(missing_ok=True)


def _bad_form(message: str, form_field: str | None = None) -> Exception:
    # [INF] The reference names no code for a malformed form; the API's validation code is used with 400.
    return fail(400, VALIDATION_CODE, [message], field=form_field)


async def _parse(request: Request) -> list[tuple[str, str | UploadFile]]:
    parser = GenerationFormParser(request)
    try:
        form = await parser.parse()
    except FormLimitExceeded as exc:
        raise fail(413, VALIDATION_CODE, exc.message) from None
    except MultiPartException as exc:
        raise _bad_form(f"body: {exc.message}") from None
    return form.multi_items()


async def _stage(store: AssetStore, name: str, upload: UploadFile) -> StagedFile:
    async def parts() -> AsyncIterator[bytes]:
        while chunk := await upload.read(COPY_CHUNK):
            yield chunk

    spooled = await store.spool(parts())
    return StagedFile(
        field=name,
        asset_id=str(uuid.uuid4()),
        file_name=upload.filename or name,
        content_type=upload.content_type or "application/octet-stream",
        path=spooled.path,
        size=spooled.size,
        sha256=spooled.sha256,
    )


def _merge_files(body: dict[str, Any], files: list[StagedFile]) -> None:
    """Each file supplies the input item of its type: the first such item without url or assetId gets
    the file's assetId; without one, an item is appended. [INF] A file whose type already has an item
    with a url or assetId adds a second item, which validation then refuses like any second visual."""
    if not files:
        return
    items = body.setdefault("input", [])
    if not isinstance(items, list):
        return  # validation answers for a non-list input
    for staged in files:
        slot = next(
            (
                item
                for item in items
                if isinstance(item, dict)
                and item.get("type") == staged.field
                and item.get("url") is None
                and item.get("assetId") is None
            ),
            None,
        )
        if slot is None:
            items.append({"type": staged.field, "assetId": staged.asset_id})
        else:
            slot["assetId"] = staged.asset_id
            slot.pop("url", None)


async def read_generation_form(request: Request) -> StagedForm:
    """The multipart create as a staged body; refusals of the form itself are raised as `ErrorReply`.
    The caller must call `discard()` when done, so copies of a refused form do not stay on disk."""
    store = asset_store(sandbox_state(request))
    items = await _parse(request)
    staged = StagedForm(body={}, digest="")
    fields: dict[str, str] = {}
    files: dict[str, UploadFile] = {}
    try:
        for name, value in items:
            if isinstance(value, UploadFile):
                # [INF] Unknown or repeated file fields are refused with 400 (the upload interceptor's
                # "unexpected field"); the reference only says "at most one of each".
                if name not in FILE_FIELDS:
                    raise _bad_form(f"{name}: unexpected file field; files go in video, image or audio", name)
                if name in files:
                    raise _bad_form(f"{name}: at most one {name} file is allowed", name)
                files[name] = value
            elif name in FILE_FIELDS:
                raise _bad_form(f"{name}: must be a file part (with a filename)", name)
            elif name in fields:
                raise _bad_form(f"{name}: the field is sent more than once", name)  # [INF]
            else:
                fields[name] = value
        body: dict[str, Any] = {}
        for name, value in fields.items():
            if name in JSON_FIELDS:
                try:
                    body[name] = json.loads(value)
                except ValueError:
                    raise _bad_form(f"{name}: must be a JSON-encoded string", name) from None
            else:
                body[name] = value  # model, webhookUrl, outputFileName, projectId; unknown names fail validation
        for name in FILE_FIELDS:  # [INF] files join the input in this order, whatever order they came in
            if name in files:
                staged.files.append(await _stage(store, name, files[name]))
        plan_limit = store.plan_file_size_limit
        for upload in staged.files:
            if upload.size > plan_limit:
                raise fail(
                    422,
                    "file_size_exceeds_plan_limit",
                    f"The {upload.field} file is {upload.size} bytes; the plan allows {plan_limit} bytes per file.",
                    field=upload.field,
                )
        _merge_files(body, staged.files)
        staged.body = body
        bound = {"fields": fields, "files": [[f.field, f.file_name, f.content_type, f.sha256] for f in staged.files]}
        staged.digest = hashlib.sha256(json.dumps(bound, sort_keys=True).encode("utf-8")).hexdigest()
    except BaseException:
        staged.discard()
        raise
    finally:
        for _, value in items:
            if isinstance(value, UploadFile):
                await value.close()
    return staged
