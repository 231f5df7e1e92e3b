"""The argument types tools share, each checked before any request is sent.

- Generation ids: a UUID (reference §3.11), and the MCP resource (`sync://generations/{id}`) that names one.
- Chat attachments: the media parameters ChatGPT may fill with a file it holds (`_meta["openai/fileParams"]`),
  uploaded before the tool goes on (services/attachments.py).
- Wait bounds: how long one tool call may block while it follows a generation. Hosts built on the TypeScript
  SDK end a request after 60 s unless they reset the clock on progress, so the longest wait a call may ask for
  is a server setting (`SYNC_MCP_MAX_WAIT_SECONDS`, default 50). The `timeout` argument's schema carries that
  maximum: its field is marked here, and the server writes the configured value into `tools/list`
  (server/app.py). A larger `timeout` is refused before anything is sent; when the wait runs out the call
  returns the id and status, and the agent calls again.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, Field, WithJsonSchema

from sync_mcp.api.media import MediaKind
from sync_mcp.api.models import check_uuid
from sync_mcp.services.attachments import ChatFile, upload_attachment
from sync_mcp.services.refusals import InputError

from .state import ToolState

# ------------------------------------------------------------------------------------------ generation ids


def _generation_id(value: str) -> str:
    return check_uuid(value.strip(), "id", "invalid_generation_id")


GenerationId = Annotated[str, AfterValidator(_generation_id)]
"""A generation id (UUID); give each use its own one-line description."""

GenerationIdArgument = Annotated[GenerationId, Field(description="Generation id from an earlier result.")]

GENERATION_URI_PREFIX = "sync://generations/"


def generation_uri(generation_id: str) -> str:
    """The MCP resource of one generation (served by the server's `sync://generations/{id}` template)."""
    return f"{GENERATION_URI_PREFIX}{generation_id}"


def generation_id_of(uri: str) -> str | None:
    """The generation id a `sync://generations/{id}` URI names (None for any other URI). The id is not
    checked here: reading it is (a malformed id reads as not found)."""
    if not uri.startswith(GENERATION_URI_PREFIX):
        return None
    return uri[len(GENERATION_URI_PREFIX) :]


# --------------------------------------------------------------------------------------------- attachments

FILE_PARAMS_KEY = "openai/fileParams"
Model = TypeVar("Model", bound=BaseModel)

ATTACHABLE: dict[str, MediaKind] = {"video": "video", "image": "image", "audio": "audio"}
"""lipsync's media parameters that may be attached files, and the kind each needs."""

MediaArgument = Annotated[str | ChatFile, WithJsonSchema({"type": "string"})]
"""A media parameter: a string, or a file attached in the chat. Listed as the plain string it is for every other
client; ChatGPT, told by `_meta["openai/fileParams"]`, fills it with its file object itself."""


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


# --------------------------------------------------------------------------------------------- wait bounds

DEFAULT_WAIT_SECONDS = 45.0
"""The wait when the caller gives no `timeout` (or the server maximum, if that is lower)."""
WAIT_BOUND_MARK = "x-sync-mcp-wait-bound"
"""Schema key marking a `timeout` property; `tools/list` replaces it with `maximum: <server setting>`."""


def _bounded(description: str) -> Any:
    """A `timeout` field: at least 1 s, marked so `tools/list` states the server's maximum."""
    return Field(ge=1, description=description, json_schema_extra={WAIT_BOUND_MARK: True})


WaitTimeout = Annotated[
    float | None,
    _bounded(
        f"Seconds to wait (default {DEFAULT_WAIT_SECONDS:.0f}, or the maximum if lower); then call get_generation "
        "again."
    ),
]
JobWait = Annotated[
    float | None,
    _bounded(
        f"Seconds to wait (default {DEFAULT_WAIT_SECONDS:.0f}). On expiry the job's id returns: call again with it."
    ),
]
"""`WaitTimeout` for tools that follow their own jobs (transcriptions, dialogue edits), not a generation."""


def wait_seconds(timeout: float | None, maximum: float) -> float:
    """The wait to use for a call's `timeout`, refused (nothing sent) when it exceeds the server's maximum."""
    if timeout is None:
        return min(DEFAULT_WAIT_SECONDS, maximum)
    if timeout > maximum:
        raise InputError(
            "wait_timeout_too_long",
            f"timeout: {timeout:g} s is more than this server allows one call to wait ({maximum:g} s).",
            f"Call again with timeout <= {maximum:g} (or omit it). A wait that runs out returns the generation's id "
            "and status; call get_generation with wait=true again to keep following it. The operator can raise "
            "the limit with SYNC_MCP_MAX_WAIT_SECONDS for hosts that keep a request alive on progress.",
            field="timeout",
        )
    return timeout


def bound_waits(schema: dict[str, object], maximum: float) -> dict[str, object]:
    """`schema` with every marked `timeout` property given `maximum` (and the mark removed)."""
    properties = schema.get("properties")
    if not isinstance(properties, dict) or not any(
        isinstance(p, dict) and p.get(WAIT_BOUND_MARK) for p in properties.values()
    ):
        return schema
    bounded = {
        name: (
            {**{k: v for k, v in prop.items() if k != WAIT_BOUND_MARK}, "maximum": maximum}
            if isinstance(prop, dict) and prop.get(WAIT_BOUND_MARK)
            else prop
        )
        for name, prop in properties.items()
    }
    return {**schema, "properties": bounded}
