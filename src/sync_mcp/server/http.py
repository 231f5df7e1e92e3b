"""Streamable HTTP: the ASGI app for `sync-mcp --transport http`, its bearer token and Host/Origin checks.

- Stateless (`stateless_http=True`): any replica serves any request; SSE responses (`json_response=False`)
  so progress notifications still stream during a wait.
- Loopback by default. Host/Origin allow-lists against DNS rebinding: the loopback names, plus the public
  URL's host and SYNC_MCP_ALLOWED_HOSTS / SYNC_MCP_ALLOWED_ORIGINS. Bound beyond loopback, there must be
  an allow-list and a bearer token, or the server refuses to start.
- Bearer token (SYNC_MCP_HTTP_TOKEN): required beyond loopback, and there at least `MIN_TOKEN_LENGTH`
  characters with `MIN_TOKEN_DISTINCT` distinct ones (a guessable token is refused at start-up); enforced on
  loopback too when set.
- Or OAuth (SYNC_MCP_AUTH=oauth, server/oauth/): users sign in once with their Sync API key; every MCP
  request then needs an access token, loopback included.
- Per-request Sync API key: header `X-Sync-Api-Key` (see toolkit/state.py), else SYNC_API_KEY.
- Upload links' page (`/upload/{token}`) and download links (`/download/{token}`), server/upload_pages.py: how
  users whose computer is not the server's hand over their files and take their videos home.
- Webhook receiver (`POST /webhooks/sync`) when SYNC_MCP_WEBHOOK_SECRET is set (server/webhooks.py).
- Several replicas: SYNC_MCP_REDIS_URL keeps the state they share in Redis (server/state_backend.py).
- For operators: `/healthz` and `/readyz` (server/health.py), `/metrics` with SYNC_MCP_METRICS=1
  (server/telemetry.py), and a drain on SIGTERM/SIGINT (server/shutdown.py).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from typing import Any
from urllib.parse import urlsplit

from mcp.server.auth.provider import AccessToken, TokenVerifier
from mcp.server.auth.settings import AuthSettings
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette

from sync_mcp.config import Settings
from sync_mcp.telemetry import redactor

from .app import SyncMCPServer, build_server
from .connection_toolsets import ConnectionToolsets, add_toolset_paths
from .health import add_health_routes
from .state_backend import state_backend
from .telemetry import serve_metrics
from .upload_pages import add_download_route, add_upload_pages
from .webhooks import add_webhook_receiver

logger = logging.getLogger(__name__)

DEFAULT_PORT = 8000
MCP_PATH = "/mcp"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
LOOPBACK_HOSTS = ["127.0.0.1:*", "localhost:*", "[::1]:*"]
LOOPBACK_ORIGINS = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
MIN_TOKEN_LENGTH = 32
MIN_TOKEN_DISTINCT = 10
"""Beyond loopback the bearer token is the only lock: at least 32 characters, not a repeated pattern."""
NEW_TOKEN_COMMAND = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


class HttpConfigError(ValueError):
    """A configuration the HTTP transport refuses to start with (the message says how to fix it)."""


class StaticTokenVerifier(TokenVerifier):
    """Accepts exactly the configured bearer token, compared in constant time."""

    def __init__(self, token: str) -> None:
        self._token = token.encode("utf-8")

    async def verify_token(self, token: str) -> AccessToken | None:
        if hmac.compare_digest(token.encode("utf-8"), self._token):
            return AccessToken(token=token, client_id="sync-mcp-http", scopes=[])
        return None


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def transport_security(settings: Settings, host: str) -> TransportSecuritySettings:
    """Host/Origin allow-lists for a bind address (see the module docstring)."""
    hosts = _split(settings.allowed_hosts)
    origins = _split(settings.allowed_origins)
    if settings.public_url:
        public = urlsplit(settings.public_url)
        if public.hostname:
            hosts += [public.netloc, f"{public.hostname}:*"]
            origins.append(f"{public.scheme}://{public.netloc}")
    if is_loopback(host):
        hosts += LOOPBACK_HOSTS
        origins += LOOPBACK_ORIGINS
    elif host not in ("0.0.0.0", "::", ""):
        bracketed = f"[{host}]" if ":" in host else host
        hosts += [bracketed, f"{bracketed}:*"]
    if not hosts:
        raise HttpConfigError(
            f"refusing to serve on {host} without a Host allow-list: set SYNC_MCP_ALLOWED_HOSTS (e.g. "
            "mcp.example.com,mcp.example.com:*) or SYNC_MCP_PUBLIC_URL, which protect against DNS rebinding"
        )
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=list(dict.fromkeys(hosts)),
        allowed_origins=list(dict.fromkeys(origins)),
    )


def _check_token_strength(token: str, host: str) -> None:
    """Refuse a bearer token that could be guessed, for a server reachable beyond loopback (the token is never
    quoted, only its length)."""
    if len(token) < MIN_TOKEN_LENGTH or len(set(token)) < MIN_TOKEN_DISTINCT:
        raise HttpConfigError(
            f"refusing to serve MCP on {host} (beyond loopback) with a weak SYNC_MCP_HTTP_TOKEN ({len(token)} "
            f"characters, {len(set(token))} distinct): it must be at least {MIN_TOKEN_LENGTH} characters with at "
            f"least {MIN_TOKEN_DISTINCT} distinct ones. Generate one with: {NEW_TOKEN_COMMAND}"
        )


def _check_exposure(token: str | None, oauth: bool, host: str) -> None:
    """Refuse to serve beyond loopback without authentication, or with a guessable bearer token."""
    if is_loopback(host):
        return
    if token is None and not oauth:
        raise HttpConfigError(
            f"refusing to serve MCP on {host} (beyond loopback) without a bearer token: set SYNC_MCP_HTTP_TOKEN "
            f"to a long random secret (make one with: {NEW_TOKEN_COMMAND}) and have clients send "
            "'Authorization: Bearer <token>'"
        )
    if token is not None:
        _check_token_strength(token, host)


def _static_token_options(token: str | None, host: str, port: int) -> dict[str, Any]:
    """The server's options for a static bearer token (none without one)."""
    if token is None:
        return {}
    url_host = f"[{host}]" if ":" in host else host
    return {
        "token_verifier": StaticTokenVerifier(token),
        # A static token has no authorization server to advertise: no resource metadata is served, and
        # the issuer below is never published.
        "auth": AuthSettings(issuer_url=f"http://{url_host}:{port}", resource_server_url=None),
    }


def build_http_app(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    oauth_options: dict[str, Any] | None = None,
) -> tuple[SyncMCPServer, Starlette]:
    """The server and its Streamable HTTP app (MCP at /mcp); raises `HttpConfigError` for unsafe setups.
    With SYNC_MCP_AUTH=oauth the app is also an OAuth 2.1 authorization server (server/oauth/;
    `oauth_options` go to its setup: clock, store, key checker)."""
    token = settings.http_token.get_secret_value() if settings.http_token else None
    oauth = settings.auth == "oauth"
    _check_exposure(token, oauth, host)
    setup = None
    backend = state_backend(settings)  # SYNC_MCP_REDIS_URL: shared by replicas (tasks, webhooks, sign-ins, ...)
    if oauth:
        from .oauth import build_oauth

        shared = {"store": backend.oauth_store()} if backend.shared else {}
        setup = build_oauth(settings, mcp_path=MCP_PATH, static_token=token, **{**shared, **(oauth_options or {})})
    security = transport_security(settings, host)
    redactor.add(token, settings.webhook_secret.get_secret_value() if settings.webhook_secret else None)
    options = setup.server_options() if setup is not None else _static_token_options(token, host, port)
    # Each connection chooses its toolsets (its URL or header), within what the operator allows.
    connections = ConnectionToolsets.from_settings(settings, MCP_PATH)
    server = build_server(settings, toolset_switch=False, backend=backend, connections=connections, **options)
    if setup is not None:
        setup.attach(server)
    add_health_routes(server)
    serve_metrics(server, settings, token)
    add_upload_pages(server, settings=settings, links=server.upload_links)
    add_download_route(server, settings=settings, links=server.upload_links)
    if settings.webhook_secret is not None:
        add_webhook_receiver(
            server,
            secret=settings.webhook_secret.get_secret_value(),
            deliveries=server.deliveries,
            updates=server.updates,
        )
    app = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        stateless_http=True,
        json_response=False,
        transport_security=security,
        host=host,
    )
    add_toolset_paths(app, connections, server.settings.auth)
    if setup is not None:
        setup.finish(app)
    backend.attach(app)
    return server, app


def serve_http(settings: Settings, *, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> None:
    """Serve until SIGTERM/SIGINT, then drain (server/shutdown.py) and return (blocking)."""
    from .shutdown import serve_until_signalled

    _, app = build_http_app(settings, host=host, port=port)
    if settings.auth == "oauth":
        access = "OAuth sign-in" + (" or the static bearer token" if settings.http_token else "")
    else:
        access = "bearer token " + ("required" if settings.http_token else "off: loopback only")
    logger.info("MCP over Streamable HTTP on %s:%d%s (%s)", host, port, MCP_PATH, access)
    serve_until_signalled(
        app, host=host, port=port, grace=settings.shutdown_grace_seconds, log_level=settings.log_level
    )
