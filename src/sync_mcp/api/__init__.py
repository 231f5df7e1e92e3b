"""A plain client of the Sync API v2: wire models, the client, its exceptions, retries and ids.

Comments here and in the sandbox cite "reference §N": section N of docs/reference.md, the API reference this
package is built against (with docs/openapi-notes.md and the catalog snapshot docs/error-catalog.json).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import SyncClient
    from .endpoint import DEFAULT_BASE_URL
    from .errors import APIStatusError, MissingAPIKeyError, NotSentError, SyncAPIError, TransportError
    from .ids import new_idempotency_key
    from .models import CreateGenerationRequest, Generation
    from .retries import RetryPolicy

_HOMES = {
    "DEFAULT_BASE_URL": "endpoint",
    "CreateGenerationRequest": "models",
    "APIStatusError": "errors",
    "Generation": "models",
    "MissingAPIKeyError": "errors",
    "NotSentError": "errors",
    "RetryPolicy": "retries",
    "SyncAPIError": "errors",
    "SyncClient": "client",
    "TransportError": "errors",
    "new_idempotency_key": "ids",
}
"""Where each name lives: a name is imported when first used, so importing a light part of the package (the
retry policy, the errors) does not import the HTTP client and its dependencies with it."""

__all__ = [
    "DEFAULT_BASE_URL",
    "APIStatusError",
    "CreateGenerationRequest",
    "Generation",
    "MissingAPIKeyError",
    "NotSentError",
    "RetryPolicy",
    "SyncAPIError",
    "SyncClient",
    "TransportError",
    "new_idempotency_key",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value
