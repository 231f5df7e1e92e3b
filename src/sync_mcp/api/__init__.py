"""The Sync API v2, knowing nothing of MCP: wire models, the client, errors and the error catalog.

Comments here and in the sandbox cite "reference §N": section N of docs/reference.md, the API reference this
package is built against (with docs/openapi-notes.md and the catalog snapshot docs/error-catalog.json).
"""

from .catalog import ErrorCatalog
from .client import DEFAULT_BASE_URL, SyncClient
from .errors import ErrorInfo, MissingAPIKeyError, SyncAPIError, TransportError
from .ids import new_idempotency_key
from .models import CreateGenerationRequest, Generation
from .retries import RetryPolicy

__all__ = [
    "DEFAULT_BASE_URL",
    "CreateGenerationRequest",
    "ErrorCatalog",
    "ErrorInfo",
    "Generation",
    "MissingAPIKeyError",
    "RetryPolicy",
    "SyncAPIError",
    "SyncClient",
    "TransportError",
    "new_idempotency_key",
]
