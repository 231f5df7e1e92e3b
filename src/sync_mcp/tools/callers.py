"""Who is calling: one identity per user of an HTTP deployment, for what must stay theirs.

Over HTTP a caller is the verified bearer principal (if the server checks a token) together with a digest
of the Sync API key the request carries (`X-Sync-Api-Key`); requests without their own key use the
deployment's key, and share its identity as they share its account. Tasks are bound to this identity
(`server/tasks.py`), and so are local folders (services/paths.py). Over stdio and in memory there is one user:
no identity is needed, and `caller_id` is None.

Folders: the operator of an HTTP deployment (a request acting with the deployment's own SYNC_API_KEY, with no
key of its own and no OAuth sign-in) is that one user too, and keeps the configured folders, as over stdio. Every
other caller gets folders of its own, created on first use so that no message ever names a missing folder.

The key itself is never kept: only its SHA-256 (`api.client.key_digest`), and folder names are a digest of the
whole identity.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from typing import Any

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import principal_components
from mcp.server.mcpserver import Context

from sync_mcp.api.client import key_digest
from sync_mcp.config import Settings
from sync_mcp.services.paths import Folders, folders_for

from .grants import granted_api_key
from .state import caller_api_key

Principal = tuple[str, str | None, str | None]
Owner = tuple[Principal | None, str | None]
"""(verified HTTP principal, digest of the caller's own API key); (None, None) on stdio and in memory."""


def owner(ctx: Context[Any, Any]) -> Owner:
    """The caller of this request: verified principal and key digest (see the module docstring)."""
    token = get_access_token()
    return (principal_components(token) if token is not None else None), key_digest(caller_api_key(ctx))


def is_http(ctx: Context[Any, Any]) -> bool:
    """True when the request came over HTTP (the transport that serves many users)."""
    return ctx.headers is not None


def caller_id(ctx: Context[Any, Any]) -> str | None:
    """A short, stable, file-name-safe name for the HTTP caller (None over stdio and in memory)."""
    if not is_http(ctx):
        return None
    digest = hashlib.sha256(json.dumps(owner(ctx)).encode("utf-8")).hexdigest()
    return f"caller-{digest[:24]}"


def is_operator(ctx: Context[Any, Any], settings: Settings) -> bool:
    """True when the request acts with the deployment's own key: stdio, in memory, or HTTP with no key of its own
    (no `X-Sync-Api-Key`, no OAuth grant) on a deployment that has SYNC_API_KEY."""
    if not is_http(ctx):
        return True
    return caller_api_key(ctx) is None and bool(settings.secret_key())


def is_remote(ctx: Context[Any, Any], settings: Settings) -> bool:
    """True for a caller who cannot have files on this server's disk: not the operator, and signed in with OAuth
    or calling from beyond loopback (as the connection, or a proxy on loopback, says). Its videos come and go
    through links (upload_media, download_output) rather than the server's folders."""
    if is_operator(ctx, settings):
        return False
    if granted_api_key() is not None:
        return True
    client = getattr(ctx.request_context.request, "client", None)
    host = getattr(client, "host", None) or ""
    try:
        return not ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host != "localhost"


def caller_folders(ctx: Context[Any, Any], settings: Settings) -> Folders:
    """The folders of the caller of this request (services/paths.py): the configured ones for the operator,
    the caller's own (created now if missing) for anyone else."""
    if is_operator(ctx, settings):
        return folders_for(settings, None)
    folders = folders_for(settings, caller_id(ctx))
    folders.create()
    return folders
