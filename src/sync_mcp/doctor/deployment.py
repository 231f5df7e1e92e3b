"""The deployment checks of `sync-mcp doctor`: OAuth sign-in and shared state in Redis, each only when it is on.

They run the rules the server starts with (server/oauth/setup.py for the public URL and the secret key,
backend.preflight for Redis), so doctor never passes a set-up the server would refuse; Redis is also asked
whether it keeps what it is told across a restart. No secret, and no password in a URL, is ever part of a detail.
"""

from __future__ import annotations

from typing import Any

from sync_mcp.config import Settings
from sync_mcp.services.api_checks import Check

PERSISTENCE_FIX = (
    "Turn persistence on (appendonly yes, or RDB snapshots with save): without it a Redis restart signs every "
    "user out and forgets task handles and webhook deliveries."
)


def oauth(settings: Settings) -> Check:
    """SYNC_MCP_AUTH=oauth: the public URL and the secret key, by the server's own rules."""
    from sync_mcp.server.http import HttpConfigError
    from sync_mcp.server.oauth.setup import public_origin, sealer_from

    try:
        origin = public_origin(settings)
        sealer_from(settings)
    except HttpConfigError as exc:
        return Check("OAuth sign-in", False, str(exc), "Set the variable named above, then run doctor again.")
    return Check("OAuth sign-in", True, f"issuer {origin}; SYNC_MCP_SECRET_KEY set and strong")


def redis(settings: Settings) -> list[Check]:
    """SYNC_MCP_REDIS_URL: Redis answers (as the server's start requires) and keeps its data across a restart."""
    from sync_mcp.backend import StateBackendError, preflight, where

    url = settings.shared_state_url()
    assert url is not None
    try:
        preflight(url, settings.redis_namespace)
    except (StateBackendError, ImportError) as exc:
        fix = "pip install 'sync-mcp[redis]'" if isinstance(exc, ImportError) else "Start Redis or fix the URL."
        return [Check("Redis reachable", False, str(exc), fix)]
    checks = [Check("Redis reachable", True, f"{where(url)} answers (namespace {settings.redis_namespace})")]
    persisted = _persistence(url)
    if persisted is None:
        checks.append(
            Check("Redis persistence", False, f"{where(url)} keeps nothing across a restart", PERSISTENCE_FIX)
        )
    else:
        checks.append(Check("Redis persistence", True, persisted))
    return checks


def _persistence(url: str) -> str | None:
    """How Redis at `url` persists its data (append-only file, snapshots), or None when it does not."""
    import redis as redis_client

    client: Any = redis_client.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    try:
        info = client.info("persistence")
        if int(info.get("aof_enabled", 0)):
            return "append-only file on"
        try:
            save = str(client.config_get("save").get("save", "")).strip()
        except redis_client.RedisError:  # CONFIG is often disabled on managed Redis, which persists by default
            return "not readable here (CONFIG is disabled, as on managed Redis): check it is on in its settings"
        return f"RDB snapshots (save {save})" if save else None
    finally:
        client.close()


def deployment_checks(settings: Settings) -> list[Check]:
    checks = [oauth(settings)] if settings.auth == "oauth" else []
    if settings.shared_state_url() is not None:
        checks += redis(settings)
    return checks
