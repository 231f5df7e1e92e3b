"""The Sync API key a request acts with when it came with an OAuth access token of this server.

In HTTP mode with `SYNC_MCP_AUTH=oauth`, a user signs in once with their own Sync API key and the access
tokens issued to their client are bound to it. The token verifier hands the request a `KeyBoundAccessToken`
(the SDK keeps it in its auth context for the duration of the request), and `granted_api_key()` reads the key
from it, so tools act with that user's key exactly as with a per-request `X-Sync-Api-Key`.
"""

from __future__ import annotations

from typing import Any

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken
from pydantic import PrivateAttr


class KeyBoundAccessToken(AccessToken):
    """An access token this server issued, with the Sync API key of the grant it belongs to.

    The key is a private attribute: it is never part of a dump, a JSON rendering or the repr (which also
    leaves the token out)."""

    grant_id: str
    _api_key: str = PrivateAttr(default="")

    @classmethod
    def bound(cls, api_key: str, **fields: Any) -> KeyBoundAccessToken:
        token = cls(**fields)
        token._api_key = api_key
        return token

    @property
    def api_key(self) -> str:
        return self._api_key

    def __repr_args__(self) -> Any:
        return [(name, value) for name, value in super().__repr_args__() if name != "token"]


def granted_api_key() -> str | None:
    """The Sync API key of the OAuth grant behind the current request, or None (no OAuth token)."""
    token = get_access_token()
    if isinstance(token, KeyBoundAccessToken) and token.api_key:
        return token.api_key
    return None


def granted_token() -> KeyBoundAccessToken | None:
    """The current request's OAuth access token, when it is one this server issued."""
    token = get_access_token()
    return token if isinstance(token, KeyBoundAccessToken) else None
