"""Does this server reach a healthy Sync API that accepts its key, with a clock that agrees? Three checks shared
by the `check_api` tool and `sync-mcp doctor`, each a `Check` that says what to do when it fails.

1. Reachable and healthy: `GET /health` without the key (reference §15). [INF] That path is inferred: when the API
   answers it with 404, the documented unauthenticated `GET /v2/errors` stands in (reachable, and answering).
2. Key accepted: the cheapest authenticated read, `GET /v2/models` (reference §15 suggests it): 401 is a refused
   key; the key itself is never shown, only whether it was sent and accepted.
3. Clock skew: the `Date` header of the API's replies against this machine's clock. Webhook signatures carry a
   timestamp checked within `TOLERANCE_SECONDS`, so a larger skew makes every delivery look like a replay.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from sync_mcp.api import SyncAPIError, SyncClient
from sync_mcp.api.retries import NO_RETRY
from sync_mcp.api.webhooks import TOLERANCE_SECONDS
from sync_mcp.config import without_userinfo

CHECK_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
HEALTHY = "API reachable and healthy"
SKEW_WARNING_SECONDS = 30.0
"""Skew worth mentioning although nothing fails yet (the Date header has whole seconds, plus latency)."""


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str | None = None
    """What to do, when `ok` is False."""


def _skew(date_header: str | None, now: Callable[[], float]) -> float | None:
    if not date_header:
        return None
    try:
        remote = email.utils.parsedate_to_datetime(date_header).timestamp()
    except (TypeError, ValueError):
        return None
    return now() - remote


@dataclass(frozen=True)
class Reach:
    check: Check
    answered: bool
    """Whether the API answered at all (healthy or not)."""
    date: str | None = None
    """The `Date` header of its reply."""


async def reachability(client: SyncClient) -> Reach:
    """Check 1."""
    base = without_userinfo(client.base_url)  # a password in the URL is never printed
    unreachable = (
        f"Check SYNC_BASE_URL ({base}): it must be the Sync API (https://api.sync.so) or a running "
        "`sync-mcp sandbox`. Behind a proxy set HTTPS_PROXY; behind a TLS-inspecting proxy also SSL_CERT_FILE."
    )
    try:
        health = await client.health.check()
    except SyncAPIError as exc:
        return Reach(Check("API reachable", False, f"{base} did not answer: {exc.message}", unreachable), False)
    if health.healthy:
        return Reach(Check(HEALTHY, True, f"{base}/health answered {health.http_status}"), True, health.date)
    if health.http_status != 404:
        return Reach(
            Check(
                HEALTHY,
                False,
                f"{base}/health answered {health.http_status}: the API reports a problem",
                "Wait a few minutes and run this again; https://status.sync.so shows outages.",
            ),
            True,
        )
    try:
        response = await client.request("GET", "/v2/errors", auth=False, retry=NO_RETRY, timeout=CHECK_TIMEOUT)
    except SyncAPIError as exc:
        answered = exc.http_status is not None
        return Reach(
            Check("API reachable", False, f"{base} answered {exc.http_status or exc.message}", unreachable), answered
        )
    detail = f"{base} answers (no /health there; GET /v2/errors answered {response.status_code})"
    return Reach(Check(HEALTHY, True, detail), True, response.headers.get("date"))


async def key_accepted(client: SyncClient, *, reachable: bool = True) -> tuple[Check, str | None]:
    """Check 2, and the reply's `Date` header; nothing is sent when the API was found unreachable."""
    if not client.has_api_key:
        return (
            Check(
                "API key accepted",
                False,
                "no API key is set",
                "Set SYNC_API_KEY in the MCP client's env block (or the bundle's settings); keys: https://sync.so/keys",
            ),
            None,
        )
    if not reachable:
        return (
            Check(
                "API key accepted",
                False,
                "not checked: the API did not answer",
                "Make the API reachable (see above); the key is checked then.",
            ),
            None,
        )
    try:
        response = await client.request("GET", "/v2/models", retry=NO_RETRY, timeout=CHECK_TIMEOUT)
    except SyncAPIError as exc:
        if exc.http_status in (401, 403):
            return (
                Check(
                    "API key accepted",
                    False,
                    f"the API refused the key (HTTP {exc.http_status})",
                    "Copy the key again from https://sync.so/keys (no quotes or spaces), check it is not revoked, "
                    "and restart the MCP client.",
                ),
                None,
            )
        return (
            Check(
                "API key accepted",
                False,
                f"GET /v2/models failed: {exc.http_status or ''} {exc.error_code or exc.message}".strip(),
                "Run this again in a minute; if it persists, check SYNC_BASE_URL and the network.",
            ),
            None,
        )
    return Check("API key accepted", True, f"GET /v2/models answered {response.status_code}"), response.headers.get(
        "date"
    )


def clock_skew(date_header: str | None, now: Callable[[], float] = time.time) -> Check:
    """Check 3, from a `Date` header of the API."""
    skew = _skew(date_header, now)
    if skew is None:
        return Check("clock", True, "not checked: no API reply carried a Date header")
    ahead = "ahead of" if skew > 0 else "behind"
    detail = f"this machine's clock is {abs(skew):.0f} s {ahead} the API's"
    if abs(skew) > TOLERANCE_SECONDS:
        return Check(
            "clock",
            False,
            detail,
            f"Synchronise the system clock (NTP): webhook signatures are refused beyond {TOLERANCE_SECONDS:.0f} s.",
        )
    if abs(skew) > SKEW_WARNING_SECONDS:
        detail += " (within the webhook tolerance, but worth synchronising)"
    return Check("clock", True, detail)


async def api_checks(client: SyncClient) -> list[Check]:
    """The three checks, in order; the clock is read from whichever reply had a Date header."""
    reach = await reachability(client)
    key, key_date = await key_accepted(client, reachable=reach.answered)
    return [reach.check, key, clock_skew(key_date or reach.date)]
