"""The Sync API v2 as a plain client: `SyncClient` with its resources (`client.generations`, `client.assets`, ...
in `resources/`), the wire types (`types/`, one module per domain), and its exceptions by kind (errors.py).

    async with SyncClient(api_key) as client:
        generation = await client.generations.create(body, idempotency_key=new_idempotency_key())
        generation = await client.generations.get(generation.id, wait=True)

Comments here and in the sandbox cite "reference §N": section N of docs/reference.md, the API reference this
package is built against (with docs/openapi-notes.md and the catalog snapshot docs/error-catalog.json).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for type checkers; at run time `__getattr__` serves these names
    from sync_mcp.api.types.shared import new_idempotency_key  # noqa: F401

    from .client import SyncClient  # noqa: F401
    from .endpoint import DEFAULT_BASE_URL  # noqa: F401
    from .errors import (  # noqa: F401
        APIStatusError,
        MissingAPIKeyError,
        NotSentError,
        SyncAPIError,
        TransportError,
        UnreadableReplyError,
    )
    from .retries import RetryPolicy  # noqa: F401
    from .types.generations import CreateGenerationRequest, Generation  # noqa: F401

_TYPES: dict[str, tuple[str, ...]] = {
    "ai_models": ("ModelInfo",),
    "assets": (
        "Asset",
        "AssetBatchRequest",
        "AssetDetails",
        "AssetFilters",
        "AssetPage",
        "CreateAssetRequest",
        "CreateUploadUrlRequest",
        "DeletedAsset",
        "FindUploadedQuery",
        "ListAssetsQuery",
        "UpdateAssetRequest",
        "UploadUrl",
        "UploadedAsset",
    ),
    "batches": (
        "BATCH_PLANS",
        "Batch",
        "BatchListQuery",
        "BatchMetrics",
        "BatchRow",
        "BatchValidated",
        "CreateBatchRequest",
        "MAX_JSONL_BYTES",
        "iso",
    ),
    "costs": (
        "CostComponent",
        "CostEstimate",
        "CostEstimateRequest",
        "GenerationCosts",
        "LegacyCostEstimate",
    ),
    "dialogue_edits": (
        "DialogueEdit",
        "DialogueEditOperation",
        "DialogueEditRequest",
        "ResultSlot",
        "edited_words",
    ),
    "errors": (
        "ApiErrorBody",
        "ErrorCatalogEntry",
    ),
    "generation_inputs": (
        "ActiveSpeaker",
        "AudioInput",
        "DubParams",
        "GenerationOptions",
        "GenerationSegment",
        "ImageInput",
        "SegmentAudioInput",
        "SegmentOptionsOverride",
        "SpeechSettings",
        "TextInput",
        "TtsProvider",
        "VideoInput",
    ),
    "generations": (
        "CreateGenerationRequest",
        "FormFile",
        "Generation",
    ),
    "health": ("Health",),
    "projects": (
        "CreateProjectRequest",
        "DeletedProject",
        "Project",
        "ProjectListQuery",
        "ProjectPage",
        "UpdateProjectRequest",
    ),
    "shared": (
        "RequestModel",
        "ResponseModel",
        "is_uuid",
    ),
    "speech": (
        "SPEECH_JOBS_PER_MINUTE",
        "SPEECH_PER_MINUTE",
        "Speech",
        "SpeechJob",
        "SpeechRequest",
    ),
    "transcriptions": (
        "JobError",
        "Transcript",
        "TranscriptSegment",
        "TranscriptWord",
        "Transcription",
        "TranscriptionRequest",
    ),
    "usage": (
        "ActiveJob",
        "GenerationCount",
        "GenerationCountQuery",
        "GenerationUsage",
        "JobsEvent",
        "UsagePage",
        "UsageQuery",
        "iso_utc",
    ),
    "voices": (
        "CLONES_PER_HOUR",
        "CloneVoiceRequest",
        "Voice",
    ),
    "webhooks": ("GenerationWebhookPayload",),
}
"""The public wire types, by their module under `types/` (each is importable from here as well)."""

_HOMES = {
    "DEFAULT_BASE_URL": "endpoint",
    "APIStatusError": "errors",
    "MissingAPIKeyError": "errors",
    "NotSentError": "errors",
    "RetryPolicy": "retries",
    "SyncAPIError": "errors",
    "SyncClient": "client",
    "TransportError": "errors",
    "UnreadableReplyError": "errors",
    "new_idempotency_key": "types.shared",
    **{name: f"types.{module}" for module, names in _TYPES.items() for name in names},
}
"""Where each name lives: a name is imported when first used, so importing a light part of the package (the
retry policy, the errors) does not import the HTTP client and its dependencies with it."""

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value
