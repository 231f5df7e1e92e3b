"""Client authentication at `/token` and `/revoke`, against a store that holds only digests of client secrets.

A confidential client's secret is stored as its SHA-256 digest (provider.py), so the store, Redis included,
holds nothing that authenticates a client. `DigestClientAuthenticator` runs the SDK's own authentication rules
(the method the client registered with: `client_secret_post`, `client_secret_basic`, or `none` for a public
client) with the secret the request presents checked against that digest.

`/revoke` (RFC 7009) is this server's own: the SDK's handler requires a `client_secret` field even from a public
client, which sends none (RFC 7009 §2.1: the client authenticates as it does at the token endpoint), so a
public client could not revoke its tokens. Revoking either token of a grant ends the grant.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from functools import partial
from typing import Any
from urllib.parse import unquote

from mcp.server.auth.handlers.token import TokenHandler
from mcp.server.auth.middleware.client_auth import AuthenticationError, ClientAuthenticator
from mcp.server.auth.routes import REVOCATION_PATH, TOKEN_PATH, cors_middleware
from mcp.server.transport_security import DEFAULT_MAX_REQUEST_BODY_SIZE, RequestBodyLimitMiddleware
from mcp.shared.auth import OAuthClientInformationFull
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .provider import SECRET_DIGEST_PREFIX, SyncOAuthProvider, digest

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def presented_secret(request: Request, form: Any) -> str | None:
    """The client secret a request presents: in the form (`client_secret_post`) or HTTP Basic."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            decoded = base64.b64decode(header[6:]).decode("utf-8")
        except (ValueError, UnicodeDecodeError, binascii.Error):
            return None
        return unquote(decoded.split(":", 1)[1]) if ":" in decoded else None
    value = form.get("client_secret")
    return value if isinstance(value, str) else None


class _PresentedSecret:
    """The provider as the SDK's authenticator sees it for one request: a client's stored digest stands in for
    the secret it matches, and for anything else a value nobody holds (the digest itself authenticates nothing)."""

    def __init__(self, provider: SyncOAuthProvider, presented: str | None) -> None:
        self._provider = provider
        self._presented = presented

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        client = await self._provider.get_client(client_id)
        if client is None or not client.client_secret:
            return client
        stored = client.client_secret
        if stored.startswith(SECRET_DIGEST_PREFIX):
            stored, presented = stored.removeprefix(SECRET_DIGEST_PREFIX), digest(self._presented or "")
        else:  # a record stored before secrets were digested: its clients stay signed in
            presented = self._presented or ""
        matches = self._presented is not None and hmac.compare_digest(stored.encode(), presented.encode())
        stand_in = self._presented if matches else secrets.token_hex(32)
        return client.model_copy(update={"client_secret": stand_in})


class DigestClientAuthenticator(ClientAuthenticator):
    async def authenticate_request(self, request: Request) -> OAuthClientInformationFull:
        provider = self.provider
        assert isinstance(provider, SyncOAuthProvider)
        presented = presented_secret(request, await request.form())
        return await ClientAuthenticator(_PresentedSecret(provider, presented)).authenticate_request(request)  # type: ignore[arg-type]


def revocation_endpoint(provider: SyncOAuthProvider, authenticator: ClientAuthenticator) -> Any:
    async def endpoint(request: Request) -> Response:
        try:
            client = await authenticator.authenticate_request(request)
        except AuthenticationError as exc:
            return JSONResponse({"error": "invalid_client", "error_description": exc.message}, 401, NO_STORE)
        form = await request.form()
        token = form.get("token")
        if not isinstance(token, str) or not token:
            return JSONResponse({"error": "invalid_request", "error_description": "token is required"}, 400)
        loaders = [provider.load_access_token, partial(provider.load_refresh_token, client)]
        if form.get("token_type_hint") == "refresh_token":
            loaders.reverse()
        for load in loaders:
            found = await load(token)
            if found is not None:
                if found.client_id == client.client_id:
                    await provider.revoke_token(found)
                break
        return Response(status_code=200, headers=NO_STORE)  # RFC 7009 §2.2: unknown tokens too

    return endpoint


def client_routes(provider: SyncOAuthProvider) -> list[Route]:
    """`/token` (the SDK's handler) and `/revoke`, both authenticating clients against digests."""
    authenticator = DigestClientAuthenticator(provider)
    token = TokenHandler(provider, authenticator)
    return [
        Route(
            path,
            endpoint=RequestBodyLimitMiddleware(
                cors_middleware(handler, ["POST", "OPTIONS"]), DEFAULT_MAX_REQUEST_BODY_SIZE
            ),
            methods=["POST", "OPTIONS"],
        )
        for path, handler in (
            (TOKEN_PATH, token.handle),
            (REVOCATION_PATH, revocation_endpoint(provider, authenticator)),
        )
    ]
