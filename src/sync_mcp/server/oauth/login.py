"""The sign-in page: where the user pastes their Sync API key once, when an app connects with OAuth.

`GET /oauth/login?request=...` shows which app asks and where the browser goes back to; `POST /oauth/login`
checks the key with one cheap authenticated read (`GET /v2/models`, reference §15), and on success sends the
browser back to the app with an authorization code. A refused key shows the page again with the reason; after
a few refusals, or on Cancel, the app gets `access_denied`. The key is never logged, never echoed into the
page, and stored only sealed (provider.py).
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import httpx
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from sync_mcp.api import SyncAPIError, SyncClient
from sync_mcp.api.retries import RetryPolicy
from sync_mcp.config import Settings
from sync_mcp.telemetry import redactor

from ..http import is_loopback
from .provider import MAX_KEY_ATTEMPTS, SyncOAuthProvider

logger = logging.getLogger(__name__)

KEYS_URL = "https://sync.so/keys"
MAX_KEY_LENGTH = 512
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
}


@dataclass(frozen=True)
class KeyVerdict:
    outcome: Literal["accepted", "refused", "unavailable"]
    detail: str = ""


KeyChecker = Callable[[str], Awaitable[KeyVerdict]]


def api_key_checker(settings: Settings) -> KeyChecker:
    """One authenticated read with the key: 2xx accepts it, 401/403 refuse it, anything else is a failure to
    check (the user may try again)."""

    async def check(api_key: str) -> KeyVerdict:
        timeout = httpx.Timeout(min(settings.request_timeout, 15.0), connect=10.0)
        retry = RetryPolicy(max_attempts=2, budget=20.0)
        try:
            async with SyncClient(api_key, base_url=settings.base_url, timeout=timeout, retry=retry) as client:
                await client.request("GET", "/v2/models")
        except SyncAPIError as exc:
            if exc.http_status in (401, 403):
                return KeyVerdict("refused", f"HTTP {exc.http_status}")
            reason = f"HTTP {exc.http_status}" if exc.http_status else exc.error_code
            logger.warning("could not check a Sync key at sign-in: %s", reason)
            return KeyVerdict("unavailable", f"the Sync API could not be reached ({reason})")
        return KeyVerdict("accepted")

    return check


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    document = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} · sync-mcp</title>
<style>
body{{font-family:system-ui,-apple-system,Segoe UI,sans-serif;background:#f6f6f7;color:#1d1d1f;margin:0}}
main{{max-width:30rem;margin:8vh auto;background:#fff;border-radius:12px;padding:2rem;box-shadow:0 1px 4px #0002}}
h1{{font-size:1.3rem;margin-top:0}} label{{display:block;font-weight:600;margin:1.2rem 0 .4rem}}
input[type=password]{{width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem;
  border:1px solid #bbb;border-radius:8px}}
.buttons{{display:flex;gap:.6rem;margin-top:1.2rem}}
button{{padding:.6rem 1.2rem;font-size:1rem;border-radius:8px;border:0}}
.primary{{background:#1d1d1f;color:#fff}} .secondary{{background:#e6e6e8}}
.error{{background:#fde8e8;padding:.7rem;border-radius:8px}}
.small{{color:#555;font-size:.9rem}}
</style></head><body><main>{body}</main></body></html>"""
    return HTMLResponse(document, status_code=status, headers=PAGE_HEADERS)


def _expired_page() -> HTMLResponse:
    return page(
        "Sign-in expired",
        "<h1>This sign-in link has expired</h1><p>It was used already or is more than a few minutes old. "
        "Go back to your app and connect to this server again.</p>",
        status=400,
    )


def _where(redirect_uri: str) -> str:
    """Where the browser goes back to: the host (and port) only, never userinfo (`https://claude.ai@evil.example`
    goes to evil.example), or the app's own scheme."""
    parts = urlsplit(redirect_uri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"the app ({parts.scheme}:)"
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return host + (f":{parts.port}" if parts.port else "")


def _name_warning(app_name: str | None, redirect_uri: str) -> str:
    """A warning when the name the app registered is not part of the web address it sends the browser back to
    (anyone may register any name); none for loopback and app schemes, which are this device's own apps."""
    host = (urlsplit(redirect_uri).hostname or "").lower()
    if not app_name or not host or is_loopback(host):
        return ""
    name = re.sub(r"[^a-z0-9]", "", app_name.lower())
    if not name or name in re.sub(r"[^a-z0-9]", "", host):
        return ""
    return (
        f'<p class="error">This app calls itself <strong>{html.escape(app_name)}</strong>, but it is not at an '
        f"address of that name: it sends you back to <strong>{html.escape(host)}</strong>. Sign in only if you "
        "trust that address.</p>"
    )


async def _form(provider: SyncOAuthProvider, request_id: str, problem: str | None = None) -> HTMLResponse:
    login = await provider.pending_login(request_id)
    if login is None:
        return _expired_page()
    client = await provider.get_client(login["client_id"])
    app_name = (client.client_name if client else None) or "An app"
    warning = _name_warning(client.client_name if client else None, login["redirect_uri"])
    error = f'<p class="error" role="alert">{html.escape(problem)}</p>' if problem else ""
    body = f"""<h1>Connect to the Sync API</h1>
<p><strong>{html.escape(app_name)}</strong> wants to create and read lip-sync generations with your Sync account,
through this server ({html.escape(provider.issuer)}). After you sign in, your browser goes back to
<strong>{html.escape(_where(login["redirect_uri"]))}</strong>.</p>
{warning}{error}
<form method="post" autocomplete="off">
<input type="hidden" name="request" value="{html.escape(request_id)}">
<label for="api_key">Your Sync API key</label>
<input type="password" id="api_key" name="api_key" required maxlength="{MAX_KEY_LENGTH}" autofocus>
<p class="small">Create or copy one at <a href="{KEYS_URL}" target="_blank" rel="noopener">{KEYS_URL}</a>.
It is checked with the Sync API, stored encrypted on this server, and used only for this app's requests
until you disconnect it.</p>
<div class="buttons"><button class="primary" type="submit" name="action" value="sign-in">Sign in</button>
<button class="secondary" type="submit" name="action" value="cancel" formnovalidate>Cancel</button></div>
</form>"""
    return page("Sign in", body, status=200 if problem is None else 400)


def login_endpoint(provider: SyncOAuthProvider, check_key: KeyChecker) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        if request.method == "GET":
            request_id = request.query_params.get("request", "")
            redactor.add_per_request(request_id)
            return await _form(provider, request_id)
        form = await request.form()
        request_id = str(form.get("request") or "")
        redactor.add_per_request(request_id)
        if await provider.pending_login(request_id) is None:
            return _expired_page()
        if form.get("action") == "cancel":
            back = await provider.deny_login(request_id, "The user cancelled the sign-in.")
            return _redirect(back) if back else _expired_page()
        api_key = str(form.get("api_key") or "").strip()
        redactor.add_per_request(api_key)
        if not api_key:
            return await _form(provider, request_id, "Paste your Sync API key first.")
        if len(api_key) > MAX_KEY_LENGTH or any(c.isspace() or not c.isprintable() for c in api_key):
            return await _form(provider, request_id, "That is not a Sync API key: copy it again, without spaces.")
        attempt = await provider.key_attempt(request_id)
        if attempt > MAX_KEY_ATTEMPTS:
            return await _deny(provider, request_id)
        verdict = await check_key(api_key)
        if verdict.outcome == "unavailable":
            await provider.key_attempt(request_id, -1)  # not the user's fault: the attempt is theirs again
            return await _form(
                provider, request_id, f"The key could not be checked just now: {verdict.detail}. Try again."
            )
        if verdict.outcome == "refused":
            if attempt >= MAX_KEY_ATTEMPTS:
                return await _deny(provider, request_id)
            return await _form(
                provider,
                request_id,
                f"The Sync API refused this key ({verdict.detail}): copy it again from {KEYS_URL}, "
                "and check it was not revoked.",
            )
        back = await provider.complete_login(request_id, api_key)
        return _redirect(back) if back else _expired_page()

    return endpoint


async def _deny(provider: SyncOAuthProvider, request_id: str) -> Response:
    back = await provider.deny_login(request_id, "The Sync API refused every key tried.")
    return _redirect(back) if back else _expired_page()


def _redirect(url: str) -> RedirectResponse:
    # 303: the browser follows a form POST with a GET to the app's redirect URI.
    return RedirectResponse(
        url, status_code=303, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    )
