"""OAuth 2.1 for Streamable HTTP (`SYNC_MCP_AUTH=oauth`): remote connectors sign in once with a Sync API key.

setup.py wires it into the app; provider.py is the authorization server's state and rules; gate.py and
limits.py the bounded open doors (/register, /authorize); clients.py client authentication and /revoke;
documents.py Client ID Metadata Documents; login.py the sign-in page; sealing.py the encryption of keys at
rest; backend/oauth_store.py where state is kept; sessions.py how a session ends and says so.
"""

from __future__ import annotations

from .setup import OAuthSetup, build_oauth

__all__ = ["OAuthSetup", "build_oauth"]
