"""Client ID Metadata Documents: a client whose `client_id` is an https URL describes itself at that URL.

Instead of registering (RFC 7591), a client may name itself by the URL of a JSON document holding its metadata
(`client_name`, `redirect_uris`, ...), as the MCP authorization spec now prefers. The server fetches that
document when the client first appears, and trusts it only as far as these rules go:

- the URL: https, a path other than `/`, no userinfo, fragment or dot segments;
- the fetch: the download guard's rule (services/fetch_guard.py: no loopback or private address unless the
  API base itself is on one, checked on the name and on the connected peer), no redirects followed, at most
  `MAX_DOCUMENT_BYTES`, within `FETCH_DEADLINE` seconds;
- the document: a JSON object whose `client_id` is exactly the URL, with at least one redirect URI, each one a
  URI `redirect_uri_problem` accepts, within the registration limits (limits.py); a public client (no secret:
  `token_endpoint_auth_method` `none`), since nothing else could authenticate it. Its name is shown escaped.

A document is cached (at most `MAX_CACHED`, the least recently used going first) for the life its
`Cache-Control` gives it, never longer than `MAX_CACHE_SECONDS`, and not at all with `no-store`/`no-cache`.
"""

from __future__ import annotations

import json
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from urllib.parse import urlsplit

import anyio
import httpx
from mcp.shared.auth import OAuthClientInformationFull
from pydantic import ValidationError

from sync_mcp.services.fetch_guard import FetchGuard, UnsafeURL

from .limits import registration_problem

MAX_DOCUMENT_BYTES = 5 * 1024
FETCH_DEADLINE = 5.0
MAX_CACHED = 1_000
MAX_CACHE_SECONDS = 3600.0
DEFAULT_CACHE_SECONDS = 300.0
"""How long a document without a Cache-Control lifetime is kept."""
MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


class DocumentError(ValueError):
    """Why a client's metadata document cannot be used (shown on the sign-in page, escaped)."""


def is_document_url(client_id: str) -> bool:
    """Whether a client_id names a metadata document (an https URL) rather than a registration."""
    return client_id.startswith("https://")


def url_problem(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return "its client_id is not an https URL"
    if parts.username is not None or parts.password is not None or parts.fragment:
        return "its client_id URL has credentials or a fragment"
    segments = parts.path.split("/")
    if parts.path in ("", "/") or "." in segments or ".." in segments:
        return "its client_id URL must have a path (and no dot segments)"
    return None


def cache_seconds(headers: httpx.Headers) -> float:
    """How long the document may be kept, by its Cache-Control, within `MAX_CACHE_SECONDS` (0: not at all)."""
    control = headers.get("cache-control", "")
    if re.search(r"no-store|no-cache", control, re.IGNORECASE):
        return 0.0
    found = MAX_AGE.search(control)
    return min(float(found[1]) if found else DEFAULT_CACHE_SECONDS, MAX_CACHE_SECONDS)


def client_from(url: str, body: bytes, redirect_problem: Callable[[str], str | None]) -> OAuthClientInformationFull:
    """The client a document describes, or `DocumentError`."""
    try:
        document = json.loads(body)
    except ValueError:
        raise DocumentError("its metadata document is not JSON") from None
    if not isinstance(document, dict):
        raise DocumentError("its metadata document is not a JSON object")
    if document.get("client_id") != url:
        raise DocumentError("its metadata document names another client_id than its own URL")
    if document.get("client_secret") is not None or document.get("token_endpoint_auth_method", "none") != "none":
        raise DocumentError("its metadata document asks for client authentication; only public clients are served")
    try:
        client = OAuthClientInformationFull.model_validate({**document, "token_endpoint_auth_method": "none"})
    except ValidationError:
        raise DocumentError("its metadata document has fields that are not valid client metadata") from None
    uris = [str(uri) for uri in client.redirect_uris or []]
    if not uris:
        raise DocumentError("its metadata document lists no redirect_uris")
    problem = next((p for p in map(redirect_problem, uris) if p), None) or registration_problem(client, len(body))
    if problem is not None:
        raise DocumentError(f"its metadata document is refused: {problem}")
    return client


class ClientDocuments:
    """Fetches, checks and caches client metadata documents (see the module docstring)."""

    def __init__(
        self,
        api_base: str,
        redirect_problem: Callable[[str], str | None],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._api_base = api_base
        self._redirect_problem = redirect_problem
        self._clock = clock
        self._cache: OrderedDict[str, tuple[float, OAuthClientInformationFull]] = OrderedDict()
        self._guard: FetchGuard | None = None

    def __repr__(self) -> str:
        return f"ClientDocuments({len(self._cache)} cached)"

    async def client(self, url: str) -> OAuthClientInformationFull:
        """The client `url` describes (cached, or fetched now); `DocumentError` says why not."""
        cached = self._cache.get(url)
        if cached is not None and self._clock() < cached[0]:
            self._cache.move_to_end(url)
            return cached[1]
        self._cache.pop(url, None)
        problem = url_problem(url)
        if problem is not None:
            raise DocumentError(problem)
        body, lifetime = await self._fetch(url)
        client = client_from(url, body, self._redirect_problem)
        if lifetime > 0:
            self._cache[url] = (self._clock() + lifetime, client)
            while len(self._cache) > MAX_CACHED:
                self._cache.popitem(last=False)
        return client

    async def _fetch(self, url: str) -> tuple[bytes, float]:
        if self._guard is None:
            self._guard = await FetchGuard.for_api_base(self._api_base)
        guard = self._guard
        try:
            with anyio.fail_after(FETCH_DEADLINE):
                await guard.check_url(httpx.URL(url))
                async with httpx.AsyncClient(follow_redirects=False) as http:
                    async with http.stream("GET", url, headers={"Accept": "application/json"}) as response:
                        guard.check_peer(response)
                        if response.status_code != 200:
                            raise DocumentError(f"its metadata document answered HTTP {response.status_code}")
                        body = b""
                        async for chunk in response.aiter_bytes():
                            body += chunk
                            if len(body) > MAX_DOCUMENT_BYTES:
                                raise DocumentError(f"its metadata document is larger than {MAX_DOCUMENT_BYTES} bytes")
                        return body, cache_seconds(response.headers)
        except UnsafeURL as exc:
            raise DocumentError(f"its metadata document was not fetched: {exc}") from None
        except TimeoutError:
            raise DocumentError(f"its metadata document did not arrive within {FETCH_DEADLINE:g} seconds") from None
        except httpx.HTTPError as exc:
            raise DocumentError(f"its metadata document could not be fetched ({type(exc).__name__})") from None
