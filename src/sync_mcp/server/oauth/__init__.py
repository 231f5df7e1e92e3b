"""OAuth 2.1 for Streamable HTTP (`SYNC_MCP_AUTH=oauth`): remote connectors sign in once with a Sync API key.

setup.py wires it into the app; provider.py is the authorization server's state and rules; login.py the
sign-in page; sealing.py the encryption of keys at rest; store.py where state is kept; sessions.py how a
session ends and says so. The encryption needs the `cryptography` package (the `oauth` extra).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sync_mcp.config import Settings

if TYPE_CHECKING:
    from .setup import OAuthSetup


def oauth_setup(settings: Settings, **options: Any) -> OAuthSetup:
    """`setup.build_oauth`, refusing to start with a clear message when `cryptography` is not installed."""
    from ..http import HttpConfigError

    try:
        from .setup import build_oauth
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] != "cryptography":
            raise
        raise HttpConfigError(
            "SYNC_MCP_AUTH=oauth needs the 'cryptography' package to encrypt the users' keys: "
            "pip install 'sync-mcp[oauth]'"
        ) from None
    return build_oauth(settings, **options)
