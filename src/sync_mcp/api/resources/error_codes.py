"""`GET /v2/errors` (reference §10): the API's catalog of error codes, with their messages and suggestions."""

from __future__ import annotations

from typing import Any

from ..retries import NO_RETRY
from .base import Resource

CATALOG_TIMEOUT = 10.0


class ErrorCodes(Resource):
    """`client.error_codes`."""

    async def list(self) -> Any:
        """Raw `GET /v2/errors`. Unauthenticated: the key is never sent there.

        One attempt, bounded by the shorter of 10 s and the client's read timeout: the catalog is fetched
        while an error is being explained, and an answer from a bundled copy is better than a long wait.
        """
        read = self._client.http.timeout.read
        timeout = min(CATALOG_TIMEOUT, read) if read is not None else CATALOG_TIMEOUT
        return await self._client.request_json("GET", "/v2/errors", auth=False, retry=NO_RETRY, timeout=timeout)
