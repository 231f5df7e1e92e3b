"""Ending a signed-in session, and saying so.

- `end_sessions_on_refused_keys`: an MCP middleware. When the Sync API refuses an OAuth user's key (it was
  revoked or deleted at Sync), the grant ends, and the error the agent reads says to reconnect instead of
  "check SYNC_API_KEY" (a server setting an OAuth user cannot change). Only the API can end a sign-in: a 401
  in a tool's error may come from elsewhere (a storage URL refusing a download), so the key is checked with the
  API once more (login.py's check), and only the API's refusal ends the grant.
- `ExplainRefusedTokens`: an ASGI middleware on the MCP endpoint. The SDK answers every refused token with
  401 "Authentication required"; for a token this server issued, this tells the client why (expired, signed
  out, key refused) in the response and its `WWW-Authenticate` header, so a host can show the user what to do.
"""

from __future__ import annotations

import json
from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp.types import CallToolResult
from pydantic import ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync_mcp.toolkit.results import error_of, error_result
from sync_mcp.toolkit.state import granted_token

from .login import KeyChecker
from .provider import ENDED, SyncOAuthProvider


def _refused(error: Any) -> bool:
    return isinstance(error, dict) and error.get("httpStatus") == 401


def _tool_error(result: HandlerResult) -> dict[str, Any] | None:
    """The error object of a failed tool result, whether the handler returned the model or its wire form."""
    if isinstance(result, dict) and result.get("isError") is True:
        try:
            result = CallToolResult.model_validate(result)
        except ValidationError:
            return None
    return error_of(result) if isinstance(result, CallToolResult) else None


def end_sessions_on_refused_keys(provider: SyncOAuthProvider, check_key: KeyChecker) -> Any:
    async def refused(error: Any, api_key: str) -> bool:
        return _refused(error) and (await check_key(api_key)).outcome == "refused"

    async def middleware(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        token = granted_token()
        if token is None:
            return await call_next(ctx)
        try:
            result = await call_next(ctx)
        except MCPError as exc:
            data = exc.error.data
            if not await refused(data, token.api_key):
                raise
            await provider.end_grant(token.grant_id, "key_refused")
            message = f"{exc.error.message} {ENDED['key_refused']}"
            raise MCPError(exc.error.code, message, data={**data, "fix": ENDED["key_refused"]}) from None
        failed = _tool_error(result)
        if not await refused(failed, token.api_key):
            return result
        await provider.end_grant(token.grant_id, "key_refused")
        replaced = error_result({**(failed or {}), "fix": ENDED["key_refused"], "reconnect": True})
        if isinstance(result, dict):  # the result as it goes on the wire
            return {**result, **replaced.model_dump(mode="json", by_alias=True, exclude_none=True)}
        return replaced

    return middleware


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"authorization":
            text = value.decode("latin-1")
            if text[:7].lower() == "bearer ":
                return text[7:].strip() or None
    return None


class ExplainRefusedTokens:
    def __init__(self, app: ASGIApp, *, provider: SyncOAuthProvider, path: str, resource_metadata_url: str) -> None:
        self.app = app
        self.provider = provider
        self.path = path
        self.resource_metadata_url = resource_metadata_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = _bearer(scope) if scope["type"] == "http" and self._serves(scope["path"]) else None
        if token is None:
            await self.app(scope, receive, send)
            return
        replaced = False

        async def explained(message: Message) -> None:
            nonlocal replaced
            if replaced:
                return  # the SDK's own body for the 401 we replaced
            if message["type"] == "http.response.start" and message["status"] == 401:
                reason = await self.provider.explain_refusal(token)
                if reason is not None:
                    replaced = True
                    await self._refuse(send, reason)
                    return
            await send(message)

        await self.app(scope, receive, explained)

    def _serves(self, path: str) -> bool:
        """The MCP path, and the paths under it that choose toolsets (`/mcp/x/...`)."""
        return path == self.path or path.startswith(self.path + "/")

    async def _refuse(self, send: Send, reason: str) -> None:
        body = json.dumps({"error": "invalid_token", "error_description": reason}).encode("utf-8")
        quoted = reason.replace("\\", "").replace('"', "'")
        challenge = (
            f'Bearer error="invalid_token", error_description="{quoted}", '
            f'resource_metadata="{self.resource_metadata_url}"'
        )
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode("ascii")),
                    (b"www-authenticate", challenge.encode("utf-8")),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
