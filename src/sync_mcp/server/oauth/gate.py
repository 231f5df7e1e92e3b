"""The open doors of the authorization server, `/register` and `/authorize`, in front of the SDK's handlers.

- `/register`: the body is read up to `MAX_REGISTRATION_BYTES`, and each address may register only so often
  (limits.py); the SDK's handler then validates and mints the client, and the provider checks each field.
- `/authorize`: the request is checked completely (client, redirect URI, response type, PKCE S256, scope,
  resource) before anything redirects. A request that fails a check is about the request itself, so it is
  explained on this server's own page (400), never sent to the client's redirect URI: an unchecked request can
  not make this origin redirect anywhere. Each call counts against the address's allowance first (before a
  client metadata document is fetched); a valid request sends the browser to the sign-in page, and what goes
  back to the client afterwards is the user's decision (a code, or access_denied).
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from typing import Any

from mcp.server.auth.handlers.register import RegistrationHandler
from mcp.server.auth.provider import AuthorizationParams
from mcp.server.auth.settings import ClientRegistrationOptions
from mcp.shared.auth import InvalidRedirectUriError, InvalidScopeError
from pydantic import AnyUrl, TypeAdapter, ValidationError
from starlette.datastructures import FormData, QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from .limits import MAX_REGISTRATION_BYTES, REGISTRATIONS, SIGN_INS, Limit, address_of, admit
from .login import page
from .provider import SyncOAuthProvider

Endpoint = Callable[[Request], Awaitable[Response]]
URL = TypeAdapter(AnyUrl)
MAX_STATE_LENGTH = 2048
CHALLENGE_LENGTHS = range(43, 129)
"""RFC 7636 §4.2: an S256 challenge is 43 characters; 128 is the most any challenge may be."""


def _retry_after(limit: Limit) -> dict[str, str]:
    return {"Retry-After": str(int(limit.window)), "Cache-Control": "no-store"}


async def _capped_body(request: Request, cap: int) -> bytes | None:
    """The request's body, or None when it is longer than `cap` (it is not read further)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > cap:
            return None
    request._body = body  # what the SDK's handler reads next
    return body


def registration_endpoint(provider: SyncOAuthProvider, options: ClientRegistrationOptions) -> Endpoint:
    handler = RegistrationHandler(provider, options)

    async def endpoint(request: Request) -> Response:
        if not await admit(provider.store, REGISTRATIONS, address_of(request)):
            return JSONResponse(
                {
                    "error": "temporarily_unavailable",
                    "error_description": "Too many registrations from this address: try again later.",
                },
                429,
                headers=_retry_after(REGISTRATIONS),
            )
        if await _capped_body(request, MAX_REGISTRATION_BYTES) is None:
            return JSONResponse(
                {
                    "error": "invalid_client_metadata",
                    "error_description": f"the registration is larger than {MAX_REGISTRATION_BYTES} bytes",
                },
                413,
            )
        return await handler.handle(request)

    return endpoint


def _refused(problem: str, status: int = 400, headers: dict[str, str] | None = None) -> Response:
    body = (
        "<h1>This sign-in request cannot go on</h1>"
        f'<p class="error" role="alert">{html.escape(problem)}</p>'
        "<p>Nothing was sent back to the app. Go back to it and connect to this server again; if this happens "
        "again, the app's connection settings need fixing.</p>"
    )
    response = page("Sign-in refused", body, status=status)
    response.headers.update(headers or {})
    return response


def _text(params: QueryParams | FormData, name: str) -> str | None:
    value = params.get(name)
    return value if isinstance(value, str) else None


async def authorization_params(
    provider: SyncOAuthProvider, params: QueryParams | FormData
) -> tuple[Any, AuthorizationParams] | str:
    """(client, parameters) of a complete, valid authorization request, or why it is not one."""
    client = await provider.client_or_problem(_text(params, "client_id") or "")
    if isinstance(client, str):
        return client
    raw_redirect = _text(params, "redirect_uri")
    try:
        redirect_uri = client.validate_redirect_uri(URL.validate_python(raw_redirect) if raw_redirect else None)
    except (ValidationError, InvalidRedirectUriError):
        return "The redirect_uri is missing or is not one the app registered."
    if _text(params, "response_type") != "code":
        return "Only response_type=code is supported."
    challenge = _text(params, "code_challenge") or ""
    if len(challenge) not in CHALLENGE_LENGTHS:
        return "A PKCE code_challenge (RFC 7636) is required."
    if (_text(params, "code_challenge_method") or "S256") != "S256":
        return "Only the S256 PKCE code_challenge_method is supported."
    state = _text(params, "state")
    if state is not None and len(state) > MAX_STATE_LENGTH:
        return f"The state parameter is longer than {MAX_STATE_LENGTH} characters."
    try:
        scopes = client.validate_scope(_text(params, "scope"))
    except InvalidScopeError as exc:
        return f"The requested scope is not allowed: {exc.message}"
    resource = _text(params, "resource")
    if resource and (problem := provider.resource_problem(resource)):
        return problem
    return client, AuthorizationParams(
        state=state,
        scopes=scopes,
        code_challenge=challenge,
        redirect_uri=redirect_uri,
        redirect_uri_provided_explicitly=raw_redirect is not None,
        resource=resource,
    )


def authorization_endpoint(provider: SyncOAuthProvider) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        if not await admit(provider.store, SIGN_INS, address_of(request)):  # before any document is fetched
            return _refused(
                "Too many sign-ins were started from your network just now: wait a few minutes and connect again.",
                status=429,
                headers=_retry_after(SIGN_INS),
            )
        params = request.query_params if request.method == "GET" else await request.form()
        checked = await authorization_params(provider, params)
        if isinstance(checked, str):
            return _refused(checked)
        client, auth_params = checked
        to_login = await provider.authorize(client, auth_params)
        return RedirectResponse(to_login, status_code=302, headers={"Cache-Control": "no-store"})

    return endpoint
