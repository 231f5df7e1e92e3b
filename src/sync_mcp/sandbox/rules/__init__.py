"""The sandbox's own reading of the API reference (`/v2` requests): every documented rule of a request body,
with the errorCode and status the reference gives, each citing its section. It imports nothing of the client,
so a client that misreads the API is caught by the sandbox instead of agreeing with it.

`check_*` functions raise `Refusal` (status, errorCode, message, field) or return for a body the API accepts.
"""

from __future__ import annotations

from .core import VALIDATION_CODE, Refusal
from .generate import check_create

__all__ = ["VALIDATION_CODE", "Refusal", "check_create"]
