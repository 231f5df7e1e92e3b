"""Wiring the authorization server into the Streamable HTTP app (`SYNC_MCP_AUTH=oauth`).

The SDK builds nearly everything from `auth_server_provider=` and `auth=AuthSettings(...)`: protected-resource
metadata (RFC 9728) at `/.well-known/oauth-protected-resource/mcp`, authorization-server metadata (RFC 8414),
`/register` (RFC 7591), `/authorize`, `/token` and `/revoke` (RFC 7009), and the 401 with
`WWW-Authenticate: Bearer resource_metadata="..."` on `/mcp` for requests without a valid token (loopback
included). This module adds what is ours: the sign-in page, the protected-resource metadata at the root
well-known path too (for clients that look there), authorization-server metadata that announces the RFC 9207
`iss` parameter this server sends back and Client ID Metadata Documents (documents.py), our routes ahead of
the SDK's for `/register` and `/authorize` (gate.py: bounded, checked before any redirect) and for `/token` and
`/revoke` (clients.py: secrets checked against digests, public clients revoking), and the two session-ending
middlewares (sessions.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from mcp.server import MCPServer
from mcp.server.auth.handlers.metadata import MetadataHandler, ProtectedResourceMetadataHandler
from mcp.server.auth.routes import (
    AUTHORIZATION_PATH,
    REGISTRATION_PATH,
    build_metadata,
    build_resource_metadata_url,
    cors_middleware,
)
from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions, RevocationOptions
from mcp.server.transport_security import DEFAULT_MAX_REQUEST_BODY_SIZE, RequestBodyLimitMiddleware
from mcp.shared.auth import ProtectedResourceMetadata
from starlette.applications import Starlette
from starlette.routing import Route, request_response

from sync_mcp.backend.oauth_store import MemoryOAuthStore, OAuthStore
from sync_mcp.config import Settings
from sync_mcp.telemetry import redactor

from ..http import HttpConfigError, is_loopback
from .clients import client_routes
from .documents import ClientDocuments
from .gate import authorization_endpoint, registration_endpoint
from .login import KeyChecker, api_key_checker, login_endpoint
from .provider import LOGIN_PATH, SyncOAuthProvider, redirect_uri_problem
from .sealing import MIN_SECRET_LENGTH, KeySealer
from .sessions import ExplainRefusedTokens, end_sessions_on_refused_keys

AS_METADATA_PATH = "/.well-known/oauth-authorization-server"
ROOT_RESOURCE_METADATA_PATH = "/.well-known/oauth-protected-resource"
NEW_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'


def public_origin(settings: Settings) -> str:
    """SYNC_MCP_PUBLIC_URL checked for use as the OAuth issuer: https (http on loopback only), no path."""
    if not settings.public_url:
        raise HttpConfigError(
            "SYNC_MCP_AUTH=oauth needs SYNC_MCP_PUBLIC_URL: the https address clients reach this server at "
            "(e.g. https://mcp.example.com). The OAuth metadata, the sign-in page and the tokens' audience are "
            "built from it."
        )
    parts = urlsplit(settings.public_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise HttpConfigError(
            f"SYNC_MCP_PUBLIC_URL must be an https URL such as https://mcp.example.com, not {settings.public_url!r}"
        )
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise HttpConfigError(
            "SYNC_MCP_AUTH=oauth needs an https SYNC_MCP_PUBLIC_URL (plain http only on loopback): tokens and "
            "API keys would otherwise cross the network in clear text. Put the server behind a TLS proxy."
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise HttpConfigError(
            "SYNC_MCP_PUBLIC_URL must be the server's origin only (scheme://host[:port], no path) with "
            "SYNC_MCP_AUTH=oauth: MCP is served at /mcp and the OAuth endpoints at the root."
        )
    return f"{parts.scheme}://{parts.netloc}"


def sealer_from(settings: Settings) -> KeySealer:
    secret = settings.oauth_secret.get_secret_value() if settings.oauth_secret else ""
    if not secret:
        raise HttpConfigError(
            "SYNC_MCP_AUTH=oauth needs SYNC_MCP_SECRET_KEY: the users' Sync API keys are stored encrypted with "
            f"it. Make one with {NEW_SECRET}, and keep it: a new secret signs every user out."
        )
    if len(secret) < MIN_SECRET_LENGTH:
        raise HttpConfigError(
            f"SYNC_MCP_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters: make one with {NEW_SECRET}"
        )
    redactor.add(secret)
    return KeySealer(secret)


@dataclass
class OAuthSetup:
    provider: SyncOAuthProvider
    auth: AuthSettings
    check_key: KeyChecker
    mcp_path: str
    extra: dict[str, Any] = field(default_factory=dict)

    def server_options(self) -> dict[str, Any]:
        """What `MCPServer` needs to serve the OAuth endpoints and require tokens on the MCP endpoint."""
        return {"auth_server_provider": self.provider, "auth": self.auth}

    @property
    def resource_metadata_url(self) -> str:
        assert self.auth.resource_server_url is not None
        return str(build_resource_metadata_url(self.auth.resource_server_url))

    def attach(self, server: MCPServer[Any]) -> None:
        """Before the HTTP app is built: the sign-in page, root resource metadata, the session middleware."""
        endpoint = login_endpoint(self.provider, self.check_key)
        server.custom_route(LOGIN_PATH, methods=["GET", "POST"], include_in_schema=False)(endpoint)
        assert self.auth.resource_server_url is not None
        resource = ProtectedResourceMetadata(
            resource=self.auth.resource_server_url, authorization_servers=[self.auth.issuer_url]
        )
        server.custom_route(ROOT_RESOURCE_METADATA_PATH, methods=["GET", "OPTIONS"], include_in_schema=False)(
            ProtectedResourceMetadataHandler(resource).handle
        )
        server.middleware.append(end_sessions_on_refused_keys(self.provider, self.check_key))

    def finish(self, app: Starlette) -> None:
        """After: explained 401s on the MCP endpoint, and metadata announcing the `iss` parameter."""
        app.add_middleware(
            ExplainRefusedTokens,
            provider=self.provider,
            path=self.mcp_path,
            resource_metadata_url=self.resource_metadata_url,
        )
        registration = self.auth.client_registration_options or ClientRegistrationOptions(enabled=True)
        metadata = build_metadata(
            self.auth.issuer_url,
            self.auth.service_documentation_url,
            registration,
            self.auth.revocation_options or RevocationOptions(enabled=True),
        )
        metadata.authorization_response_iss_parameter_supported = True
        metadata.client_id_metadata_document_supported = self.provider.documents is not None
        # Public clients (PKCE alone, no secret) register with "none", and revoke their tokens the same way.
        metadata.token_endpoint_auth_methods_supported = [
            *(metadata.token_endpoint_auth_methods_supported or []),
            "none",
        ]
        metadata.revocation_endpoint_auth_methods_supported = list(metadata.token_endpoint_auth_methods_supported)
        ours = [  # ahead of the SDK's own: metadata with the flags, and the bounded open doors (gate.py)
            Route(
                AS_METADATA_PATH,
                endpoint=cors_middleware(MetadataHandler(metadata).handle, ["GET", "OPTIONS"]),
                methods=["GET", "OPTIONS"],
            ),
            Route(
                REGISTRATION_PATH,
                endpoint=cors_middleware(registration_endpoint(self.provider, registration), ["POST", "OPTIONS"]),
                methods=["POST", "OPTIONS"],
            ),
            Route(
                AUTHORIZATION_PATH,
                endpoint=RequestBodyLimitMiddleware(
                    request_response(authorization_endpoint(self.provider)), DEFAULT_MAX_REQUEST_BODY_SIZE
                ),
                methods=["GET", "POST"],
            ),
            *client_routes(self.provider),
        ]
        app.router.routes[:0] = ours


def build_oauth(
    settings: Settings,
    *,
    mcp_path: str,
    static_token: str | None = None,
    clock: Callable[[], float] = time.time,
    store: OAuthStore | None = None,
    check_key: KeyChecker | None = None,
) -> OAuthSetup:
    origin = public_origin(settings)
    sealer = sealer_from(settings)
    # Strings, so that AuthSettings keeps the issuer without a trailing slash (RFC 8414 compares it exactly).
    auth = AuthSettings(
        issuer_url=origin,  # type: ignore[arg-type]
        resource_server_url=origin + mcp_path,  # type: ignore[arg-type]
        validate_token_resource=True,
        client_registration_options=ClientRegistrationOptions(enabled=True),
        revocation_options=RevocationOptions(enabled=True),
    )
    provider = SyncOAuthProvider(
        issuer=str(auth.issuer_url),
        resource=str(auth.resource_server_url),
        sealer=sealer,
        store=store or MemoryOAuthStore(clock=clock),
        clock=clock,
        static_token=static_token,
        documents=ClientDocuments(settings.base_url, redirect_uri_problem, clock=clock),
    )
    return OAuthSetup(provider=provider, auth=auth, check_key=check_key or api_key_checker(settings), mcp_path=mcp_path)
