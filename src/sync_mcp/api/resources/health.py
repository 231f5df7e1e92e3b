"""The API's health check (reference §15).

[INF] The API overview names a "healthcheck" endpoint group without its path or reply; its server excludes
`/health` and `/healthz` from analytics, so `GET /health` (unversioned, no key) is read here. A 2xx reply is
healthy; its body is passed on as sent (NestJS health checks answer `{status: "ok", info, error, details}`, and
503 with the same shape when a dependency is down).
"""

from __future__ import annotations

from typing import Any

import httpx

from ..errors import SyncAPIError
from ..retries import NO_RETRY
from ..types.health import Health
from .base import Resource

HEALTH_PATH = "/health"
HEALTH_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class HealthCheck(Resource):
    """`client.health`."""

    async def check(self) -> Health:
        """`GET /health` without the key, sent once. A refusal (e.g. 503) is an unhealthy answer, not an error;
        only a failure to reach the API raises (`TransportError`)."""
        try:
            response = await self._client.request(
                "GET", HEALTH_PATH, auth=False, timeout=HEALTH_TIMEOUT, retry=NO_RETRY
            )
        except SyncAPIError as exc:
            if exc.http_status is None:
                raise
            return Health(healthy=False, http_status=exc.http_status, body=exc.message, date=None)
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text.strip()[:500]
        return Health(healthy=True, http_status=response.status_code, body=body, date=response.headers.get("date"))
