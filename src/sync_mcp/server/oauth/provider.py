"""The authorization server behind `SYNC_MCP_AUTH=oauth`: the SDK's `OAuthAuthorizationServerProvider`.

The SDK's handlers (and ours in front of them: gate.py for /register and /authorize, clients.py for /token's
client authentication and /revoke) check what OAuth 2.1 requires (client authentication, exact redirect URIs,
PKCE S256, code expiry); this provider keeps the state, and knows clients registered here or described by a
metadata document (documents.py). Its one departure from a plain authorization server is the sign-in:
`authorize` sends the browser to this server's own page (login.py), where the user pastes their Sync API key
once. That key, checked against the API and sealed, becomes the *grant*; every code and token issued afterwards
points at the grant, and a request carrying one of its access tokens acts with that key.

A grant ends when the client revokes a token, when the API refuses its key (401), or when an authorization
code or a rotated refresh token is presented twice (both signs of theft): its tokens stop working at once,
and a refused request says why (`explain_refusal`), so the user knows to reconnect.

Just over 400 lines on purpose: the provider is one interface of the SDK's, and its methods share the grant and
token bookkeeping; the sign-in page (login.py), the limits (limits.py) and the store (backend/oauth_store.py) are apart.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any, Literal
from urllib.parse import urlsplit

from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    AuthorizeError,
    OAuthAuthorizationServerProvider,
    RefreshToken,
    RegistrationError,
    TokenError,
    construct_redirect_uri,
)
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from pydantic import AnyUrl

from sync_mcp.backend.oauth_store import OAuthStore, Record
from sync_mcp.telemetry import redactor
from sync_mcp.toolkit.state import KeyBoundAccessToken

from .documents import ClientDocuments, DocumentError, is_document_url
from .limits import UNUSED_CLIENT_TTL, registration_problem
from .sealing import KeySealer, SealError

logger = logging.getLogger(__name__)

LOGIN_PATH = "/oauth/login"
ACCESS_TTL = 3600
"""Seconds an access token is valid (then the client refreshes it)."""
REFRESH_TTL = 30 * 24 * 3600
"""Seconds a refresh token is valid; each refresh issues a new one and extends the grant by as much."""
CODE_TTL = 300
LOGIN_TTL = 600
"""Seconds the sign-in page stays usable after the client sent the browser to it."""
MAX_KEY_ATTEMPTS = 5
"""Refused keys allowed on one sign-in page before the request is ended (access_denied)."""
EXPLAIN_GRACE = 3600
"""Seconds an expired access token is remembered, so a request carrying it is told it expired."""
STATIC_CLIENT_ID = "sync-mcp-http"
SECRET_DIGEST_PREFIX = "sha256:"
"""Marks a stored client secret as its digest (records stored before digests hold the secret itself)."""

EndReason = Literal["revoked", "key_refused", "code_replayed", "refresh_reused"]
RECONNECT = "Reconnect this server in your app to sign in again."
ENDED: dict[str, str] = {
    "revoked": f"This connection was signed out (its authorization was revoked). {RECONNECT}",
    "key_refused": "The Sync API refused the API key this connection signed in with (revoked or deleted). "
    f"{RECONNECT} Use a valid key from https://sync.so/keys.",
    "code_replayed": f"This connection was signed out: its authorization code was used twice. {RECONNECT}",
    "refresh_reused": f"This connection was signed out: an old refresh token was used again. {RECONNECT}",
}
EXPIRED = "The access token expired: refresh it, or reconnect this server in your app."
UNKNOWN = f"This access token is not known to this server (it may have restarted since). {RECONNECT}"

FORBIDDEN_SCHEMES = frozenset({"javascript", "data", "file", "vbscript", "about", "blob", "ftp", "ws", "wss"})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})


class SyncAuthorizationCode(AuthorizationCode):
    grant_id: str


class SyncRefreshToken(RefreshToken):
    grant_id: str

    def __repr_args__(self) -> Any:
        return [(name, value) for name, value in super().__repr_args__() if name != "token"]


def digest(secret: str) -> str:
    """What the store keys a token or code by: it never holds one a caller could present."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def same_resource(a: str, b: str) -> bool:
    """RFC 8707 resource indicators compared as the spec's canonical URIs (scheme and host case, a trailing
    slash aside)."""
    x, y = urlsplit(a), urlsplit(b)
    return (x.scheme.lower(), x.netloc.lower(), x.path.rstrip("/")) == (
        y.scheme.lower(),
        y.netloc.lower(),
        y.path.rstrip("/"),
    )


def under_resource(a: str, b: str) -> bool:
    """Whether `a` is a path under the resource `b` (the MCP path's toolset choices, `/mcp/x/core,usage`): a token
    for `b` serves it."""
    x, y = urlsplit(a), urlsplit(b)
    prefix = y.path.rstrip("/") + "/"
    return (x.scheme.lower(), x.netloc.lower()) == (y.scheme.lower(), y.netloc.lower()) and x.path.startswith(prefix)


def redirect_uri_problem(uri: str) -> str | None:
    """Why a redirect URI may not be registered, or None: https anywhere, http on loopback only (native apps),
    or an app's own scheme (`vscode://...`); never a fragment or a scheme a browser would run or read."""
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if not scheme:
        return f"{uri!r} is not an absolute URI"
    if parts.fragment:
        return f"{uri!r} has a fragment"
    if scheme in FORBIDDEN_SCHEMES:
        return f"{uri!r} uses the {scheme} scheme"
    if scheme == "http" and (parts.hostname or "").lower() not in LOOPBACK_HOSTS:
        return f"{uri!r} is plain http beyond loopback (use https)"
    if scheme in ("http", "https") and not parts.hostname:
        return f"{uri!r} has no host"
    return None


class SyncOAuthProvider(OAuthAuthorizationServerProvider[SyncAuthorizationCode, SyncRefreshToken, AccessToken]):
    def __init__(
        self,
        *,
        issuer: str,
        resource: str,
        sealer: KeySealer,
        store: OAuthStore,
        clock: Callable[[], float] = time.time,
        static_token: str | None = None,
        access_ttl: int = ACCESS_TTL,
        refresh_ttl: int = REFRESH_TTL,
        documents: ClientDocuments | None = None,
    ) -> None:
        self.issuer = issuer
        self.resource = resource
        self.sealer = sealer
        self.store = store
        self.clock = clock
        self._static = static_token.encode("utf-8") if static_token else None
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl
        self.documents = documents

    def __repr__(self) -> str:
        return f"SyncOAuthProvider(issuer={self.issuer!r})"

    # ------------------------------------------------------------------------------------------ clients

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        found = await self.client_or_problem(client_id)
        return None if isinstance(found, str) else found

    async def client_or_problem(self, client_id: str) -> OAuthClientInformationFull | str:
        """A registered client, or one described by its metadata document (documents.py); else why not."""
        if self.documents is not None and is_document_url(client_id):
            try:
                return await self.documents.client(client_id)
            except DocumentError as exc:
                return f"The app cannot be used: {exc}."
        record = await self.store.get("client", client_id)
        if record is None:
            return "The app is not registered with this server (unknown or missing client_id)."
        return OAuthClientInformationFull.model_validate(record)

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        uris = [str(uri) for uri in client_info.redirect_uris or []]
        if not uris:
            raise RegistrationError("invalid_redirect_uri", "register at least one redirect_uri")
        for uri in uris:
            problem = redirect_uri_problem(uri)
            if problem is not None:
                raise RegistrationError("invalid_redirect_uri", f"redirect_uri {problem}")
        record = client_info.model_dump(mode="json", exclude_none=True)
        if client_info.client_secret:  # the store keeps a digest only (clients.py checks secrets against it)
            record["client_secret"] = SECRET_DIGEST_PREFIX + digest(client_info.client_secret)
        too_big = registration_problem(client_info, len(json.dumps(record)))
        if too_big is not None:
            raise RegistrationError("invalid_client_metadata", too_big)
        await self.store.put("client", client_info.client_id, record, UNUSED_CLIENT_TTL)
        name = (client_info.client_name or "unnamed")[:80]
        logger.info("OAuth client registered: %r (%d redirect URIs)", name, len(uris))

    async def keep_client(self, client_id: str) -> None:
        """A client with a grant lives as long as its grants (a new grant, or a refresh, extends it)."""
        record = await self.store.get("client", client_id)
        if record is not None:
            await self.store.put("client", client_id, record, self.refresh_ttl)

    # ------------------------------------------------------------------------------------- authorization

    def resource_problem(self, resource: str) -> str | None:
        """Why an RFC 8707 resource indicator is refused, or None."""
        if (
            same_resource(resource, self.resource)
            or same_resource(resource, self.issuer)
            or under_resource(resource, self.resource)
        ):
            return None
        return f"This server issues tokens for {self.resource} only, not for the resource the app asked for."

    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        """Park the request and send the browser to the sign-in page (gate.py has checked the whole request)."""
        if params.resource and (problem := self.resource_problem(params.resource)):
            raise AuthorizeError("invalid_target", problem)
        request_id = secrets.token_urlsafe(32)
        login: Record = {
            "client_id": client.client_id,
            "redirect_uri": str(params.redirect_uri),
            "explicit": params.redirect_uri_provided_explicitly,
            "code_challenge": params.code_challenge,
            "state": params.state,
            "scopes": params.scopes or [],
        }
        await self.store.put("login", self.sealer.name(request_id), login, LOGIN_TTL)
        return f"{self.issuer.rstrip('/')}{LOGIN_PATH}?request={request_id}"

    async def pending_login(self, request_id: str) -> Record | None:
        return await self.store.get("login", self.sealer.name(request_id)) if request_id else None

    async def key_attempt(self, request_id: str, step: int = 1) -> int:
        """Count one key check on a sign-in page before it is made (atomic: of any number of parallel
        attempts, at most `MAX_KEY_ATTEMPTS` are ever checked); a check that could not be made gives its attempt
        back (`step=-1`). Returns the attempt's number."""
        return await self.store.count(f"attempts:{self.sealer.name(request_id)}", LOGIN_TTL, step)

    async def deny_login(self, request_id: str, description: str) -> str | None:
        """End a sign-in without a grant: the redirect back to the client carrying access_denied."""
        login = await self.store.take("login", self.sealer.name(request_id))
        if login is None:
            return None
        return construct_redirect_uri(
            login["redirect_uri"],
            error="access_denied",
            error_description=description,
            state=login.get("state"),
            iss=self.issuer,
        )

    async def complete_login(self, request_id: str, api_key: str) -> str | None:
        """The user's key was accepted by the API: create the grant and the code, and return the redirect back
        to the client (None when the sign-in page expired or was used already)."""
        login = await self.store.take("login", self.sealer.name(request_id))
        if login is None:
            return None
        grant_id = secrets.token_urlsafe(24)
        grant: Record = {
            "client_id": login["client_id"],
            "sealed": self.sealer.seal(api_key, grant_id),
            "subject": self.sealer.subject(api_key),
            "created_at": self.clock(),
        }
        await self.store.put("grant", grant_id, grant, self.refresh_ttl)
        await self.keep_client(login["client_id"])
        code = secrets.token_urlsafe(32)
        await self.store.put(
            "code",
            digest(code),
            {
                "client_id": login["client_id"],
                "redirect_uri": login["redirect_uri"],
                "explicit": login["explicit"],
                "code_challenge": login["code_challenge"],
                "scopes": login["scopes"],
                "grant_id": grant_id,
                "expires_at": self.clock() + CODE_TTL,
            },
            CODE_TTL,
        )
        logger.info("OAuth sign-in completed for client %s", login["client_id"])
        return construct_redirect_uri(login["redirect_uri"], code=code, state=login.get("state"), iss=self.issuer)

    # ------------------------------------------------------------------------------------------- codes

    async def load_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: str
    ) -> SyncAuthorizationCode | None:
        key = digest(authorization_code)
        record = await self.store.get("code", key)
        if record is None:
            used = await self.store.get("used_code", key)
            if used is not None:  # RFC 6749 §4.1.2: a code used twice revokes what it was exchanged for
                await self.end_grant(used["grant_id"], "code_replayed")
            return None
        if record["client_id"] != client.client_id:
            return None
        return SyncAuthorizationCode(
            code=authorization_code,
            scopes=record["scopes"],
            expires_at=record["expires_at"],
            client_id=record["client_id"],
            code_challenge=record["code_challenge"],
            redirect_uri=AnyUrl(record["redirect_uri"]),
            redirect_uri_provided_explicitly=record["explicit"],
            resource=self.resource,
            grant_id=record["grant_id"],
        )

    async def exchange_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: SyncAuthorizationCode
    ) -> OAuthToken:
        key = digest(authorization_code.code)
        if await self.store.take("code", key) is None:  # exchanged concurrently
            raise TokenError("invalid_grant", "authorization code does not exist")
        await self.store.put("used_code", key, {"grant_id": authorization_code.grant_id}, CODE_TTL)
        if await self.store.get("grant", authorization_code.grant_id) is None:
            raise TokenError("invalid_grant", "the sign-in behind this code has ended")
        return await self._issue(client.client_id, authorization_code.grant_id, authorization_code.scopes)

    # ----------------------------------------------------------------------------------------- refresh

    async def load_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: str
    ) -> SyncRefreshToken | None:
        key = digest(refresh_token)
        record = await self.store.get("refresh", key)
        if record is None:
            used = await self.store.get("used_refresh", key)
            if used is not None and used["client_id"] == client.client_id:
                await self.end_grant(used["grant_id"], "refresh_reused")
            return None
        if record["client_id"] != client.client_id or await self.store.get("grant", record["grant_id"]) is None:
            return None
        return SyncRefreshToken(
            token=refresh_token,
            client_id=record["client_id"],
            scopes=record["scopes"],
            expires_at=int(record["expires_at"]),
            resource=self.resource,
            grant_id=record["grant_id"],
        )

    async def exchange_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: SyncRefreshToken, scopes: list[str]
    ) -> OAuthToken:
        key = digest(refresh_token.token)
        if await self.store.take("refresh", key) is None:
            raise TokenError("invalid_grant", "refresh token does not exist")
        await self.store.put(
            "used_refresh", key, {"grant_id": refresh_token.grant_id, "client_id": client.client_id}, self.refresh_ttl
        )
        grant = await self.store.get("grant", refresh_token.grant_id)
        if grant is None:
            raise TokenError("invalid_grant", f"this connection was signed out. {RECONNECT}")
        await self.store.put("grant", refresh_token.grant_id, grant, self.refresh_ttl)  # active grants live on
        await self.keep_client(client.client_id)
        return await self._issue(client.client_id, refresh_token.grant_id, scopes)

    async def _issue(self, client_id: str, grant_id: str, scopes: list[str]) -> OAuthToken:
        now = self.clock()
        access = "smcp_at_" + secrets.token_urlsafe(32)
        refresh = "smcp_rt_" + secrets.token_urlsafe(32)
        common = {"client_id": client_id, "grant_id": grant_id, "scopes": scopes}
        await self.store.put(
            "access", digest(access), {**common, "expires_at": now + self.access_ttl}, self.access_ttl + EXPLAIN_GRACE
        )
        await self.store.put(
            "refresh", digest(refresh), {**common, "expires_at": now + self.refresh_ttl}, self.refresh_ttl
        )
        return OAuthToken(
            access_token=access,
            token_type="Bearer",
            expires_in=self.access_ttl,
            refresh_token=refresh,
            scope=" ".join(scopes) if scopes else None,
        )

    # ------------------------------------------------------------------------------------ access tokens

    async def load_access_token(self, token: str) -> AccessToken | None:
        if self._static is not None and hmac.compare_digest(token.encode("utf-8"), self._static):
            return AccessToken(token=token, client_id=STATIC_CLIENT_ID, scopes=[], resource=self.resource)
        record = await self.store.get("access", digest(token))
        if record is None or self.clock() >= record["expires_at"]:
            return None
        grant_id = record["grant_id"]
        grant = await self.store.get("grant", grant_id)
        if grant is None:
            return None
        try:
            api_key = self.sealer.open(grant["sealed"], grant_id)
        except SealError:
            logger.warning(
                "a stored Sync key does not open: was SYNC_MCP_SECRET_KEY changed? The user must sign in again"
            )
            return None
        redactor.add_per_request(api_key)
        return KeyBoundAccessToken.bound(
            api_key,
            token=token,
            client_id=record["client_id"],
            scopes=record["scopes"],
            expires_at=int(record["expires_at"]),
            resource=self.resource,
            subject=grant["subject"],
            claims={"iss": self.issuer},
            grant_id=grant_id,
        )

    async def revoke_token(self, token: AccessToken | SyncRefreshToken) -> None:
        """RFC 7009: revoking either token of a grant ends the whole grant (the key is forgotten)."""
        grant_id = getattr(token, "grant_id", None)
        if grant_id:
            await self.end_grant(grant_id, "revoked")

    # -------------------------------------------------------------------------------------- sessions

    async def end_grant(self, grant_id: str, reason: EndReason) -> None:
        """Forget the grant's sealed key: every code and token of it stops working at once."""
        grant = await self.store.take("grant", grant_id)
        await self.store.put("ended_grant", grant_id, {"reason": reason}, self.refresh_ttl)
        if grant is not None:
            logger.info("OAuth sign-in of client %s ended: %s", grant.get("client_id"), reason.replace("_", " "))

    async def explain_refusal(self, token: str) -> str | None:
        """Why a bearer token was refused, in words for the user (None: it was not refused for a reason this
        server knows of)."""
        if self._static is not None and hmac.compare_digest(token.encode("utf-8"), self._static):
            return None
        record = await self.store.get("access", digest(token))
        if record is None:
            return UNKNOWN
        if await self.store.get("grant", record["grant_id"]) is None:
            ended = await self.store.get("ended_grant", record["grant_id"])
            return ENDED.get(str((ended or {}).get("reason")), ENDED["revoked"])
        if self.clock() >= record["expires_at"]:
            return EXPIRED
        return None
