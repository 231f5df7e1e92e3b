"""The argument types tool modules share, each checked before any request is sent.

- Generation ids: a UUID (reference §3.11).
- Chat attachments: the media parameters ChatGPT may fill with a file it holds (`_meta["openai/fileParams"]`),
  uploaded before the tool goes on (services/attachments.py).

Only tool modules import this (it brings the wire models and the upload stack); how long a call may wait is
toolkit/state.py, read by the server at start-up.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, Field

from sync_mcp.api.types.shared import MediaKind, check_uuid
from sync_mcp.services.attachments import ChatFile, upload_attachment
from sync_mcp.services.attachments import MediaArgument as MediaArgument  # where the tools take it from

from .state import ToolState

# ------------------------------------------------------------------------------------------ generation ids


def _generation_id(value: str) -> str:
    return check_uuid(value.strip(), "id", "invalid_generation_id")


GenerationId = Annotated[str, AfterValidator(_generation_id)]
"""A generation id (UUID); give each use its own one-line description."""

GenerationIdArgument = Annotated[GenerationId, Field(description="Generation id from an earlier result.")]

# --------------------------------------------------------------------------------------------- attachments

FILE_PARAMS_KEY = "openai/fileParams"
Model = TypeVar("Model", bound=BaseModel)

ATTACHABLE: dict[str, MediaKind] = {"video": "video", "image": "image", "audio": "audio"}
"""lipsync's media parameters that may be attached files, and the kind each needs."""


def file_params(*names: str) -> dict[str, Any]:
    """The tool `_meta` that tells ChatGPT which parameters take an attached file."""
    return {FILE_PARAMS_KEY: list(names)}


async def with_attachments(state: ToolState, args: Model, fields: dict[str, MediaKind]) -> Model:
    """`args` with every attached file among `fields` uploaded and replaced by its asset id."""
    updates: dict[str, str] = {}
    for name, kind in fields.items():
        value = getattr(args, name)
        if isinstance(value, ChatFile):
            outcome = await upload_attachment(state.client, state.settings, value, field=name, kind=kind)
            updates[name] = outcome.asset.id
    return args.model_copy(update=updates) if updates else args
