"""Chat attachments as tool arguments: the media parameters ChatGPT may fill with a file it holds
(`_meta["openai/fileParams"]`), uploaded before the tool goes on (services/attachments.py)."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from sync_mcp.api.media import MediaKind
from sync_mcp.services.attachments import ChatFile, upload_attachment
from sync_mcp.services.attachments import MediaArgument as MediaArgument  # where the tools take it from

from .state import ToolState

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
