"""Probes for a load balancer or an orchestrator, on the HTTP transport, unauthenticated, answering status only.

- `GET /healthz`: the process is up and serving HTTP (200 `{"status": "ok"}`): restart it when this fails.
- `GET /readyz`: ready for traffic (200 `{"status": "ready"}`), or 503 `{"status": "draining"}` once a shutdown
  has begun (services/concurrent_waits.py), or 503 `{"status": "unavailable"}` when the shared state's Redis does not
  answer (Redis mode): send requests elsewhere meanwhile. One Redis PING per probe.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from sync_mcp.services.concurrent_waits import DRAIN

from .app import SyncMCPServer

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
NO_STORE = {"Cache-Control": "no-store"}


def add_health_routes(server: SyncMCPServer) -> None:
    @server.custom_route(HEALTH_PATH, methods=["GET"], include_in_schema=False)
    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"}, headers=NO_STORE)

    @server.custom_route(READY_PATH, methods=["GET"], include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        if DRAIN.draining:
            return JSONResponse({"status": "draining"}, 503, headers=NO_STORE)
        if not await server.backend.reachable():
            return JSONResponse({"status": "unavailable"}, 503, headers=NO_STORE)
        return JSONResponse({"status": "ready"}, headers=NO_STORE)
