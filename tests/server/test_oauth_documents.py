"""Client ID Metadata Documents: a client named by the https URL of its metadata signs in without registering.

The document is served over https on loopback with a certificate made for the test (trusted through
SSL_CERT_FILE); the server may fetch from loopback only because its API base (the sandbox) is there, the same
allowance the download guard makes. The host is the SDK's own OAuth client in its CIMD mode.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sync_mcp.sandbox import SandboxServer
from sync_mcp.sandbox.http import key_fingerprint
from sync_mcp.server.oauth.documents import MAX_DOCUMENT_BYTES

from ..conftest import TEST_KEY, sent
from ..http_support import serving
from ..oauth_support import (
    REDIRECT,
    Browser,
    MemoryTokens,
    Pkce,
    callback_query,
    oauth_client,
    oauth_server,
    page_error,
    redis_url,
    stored_text,
)

__all__ = ["redis_url"]  # fixtures

pytestmark = pytest.mark.anyio

PATH = "/clients/test-host.json"


@dataclass
class DocumentServer:
    """Serves one client metadata document at PATH, as the test sets it; counts the fetches."""

    url: str = ""
    document: dict[str, Any] = field(default_factory=dict)
    body: bytes | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Cache-Control": "max-age=60"})
    fetches: int = 0

    def describe(self, **fields: Any) -> None:
        self.document = {"client_id": self.url, "client_name": "Test host", "redirect_uris": [REDIRECT], **fields}

    async def handle(self, request: Request) -> Response:
        self.fetches += 1
        body = self.body if self.body is not None else json.dumps(self.document).encode()
        return Response(body, self.status, headers=self.headers, media_type="application/json")


@pytest.fixture
def tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    """A certificate for 127.0.0.1, trusted by this process's https clients (SSL_CERT_FILE)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    yield str(cert_file), str(key_file)


@asynccontextmanager
async def document_server(tls: tuple[str, str]) -> AsyncIterator[DocumentServer]:
    docs = DocumentServer()
    app = Starlette(routes=[Route(PATH, docs.handle), Route("/elsewhere", docs.handle)])
    async with serving(app, tls=tls) as base:
        docs.url = base + PATH
        docs.describe()
        yield docs


def authorize_url(base: str, client_id: str, redirect: str = REDIRECT) -> str:
    query = httpx.QueryParams(
        response_type="code",
        client_id=client_id,
        redirect_uri=redirect,
        code_challenge=Pkce.new().challenge,
        code_challenge_method="S256",
        state="s",
    )
    return f"{base}/authorize?{query}"


async def test_the_sdks_client_signs_in_with_its_metadata_document(
    api: SandboxServer, tls: tuple[str, str], redis_url: str | None
) -> None:
    browser, storage = Browser(TEST_KEY), MemoryTokens()
    async with document_server(tls) as docs, oauth_server(api, redis_url) as srv, httpx.AsyncClient() as http:
        metadata = (await http.get(f"{srv.base_url}/.well-known/oauth-authorization-server")).json()
        async with oauth_client(srv.mcp_url, browser, mode="auto", storage=storage, client_metadata_url=docs.url) as (
            client,
            _,
        ):
            tools = await client.list_tools()
            models = await client.call_tool("list_models", {})
        dump = await stored_text(srv, redis_url)
    assert metadata["client_id_metadata_document_supported"] is True
    assert tools.tools and not models.is_error and browser.sign_ins == 1
    assert storage.client is not None and storage.client.client_id == docs.url, "the URL is the client_id"
    assert "grant" in dump and not re.search(r"(^|:)client[: ]", dump, re.MULTILINE), "nothing was registered"
    assert docs.fetches == 1, "fetched once, then served from the cache its max-age allows"
    assert callback_query(browser.redirects[-1])["iss"] == srv.base_url, "RFC 9207 iss is still sent"
    assert {c.key_fingerprint for c in sent(api, "/v2/models")} == {key_fingerprint(TEST_KEY)}


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"client_id": "https://other.invalid/client.json"}, "names another client_id"),
        ({"redirect_uris": ["https://attacker.invalid/cb"]}, "not one the app registered"),
        ({"redirect_uris": ["javascript:alert(1)//"]}, "uses the javascript scheme"),
        ({"token_endpoint_auth_method": "private_key_jwt"}, "only public clients"),
        ({"body": b"x" * (MAX_DOCUMENT_BYTES + 1)}, f"larger than {MAX_DOCUMENT_BYTES} bytes"),
        ({"body": b"[1, 2]"}, "not a JSON object"),
        ({"status": 302}, "answered HTTP 302"),
    ],
)
async def test_a_document_that_does_not_hold_is_refused_on_our_page(
    api: SandboxServer, tls: tuple[str, str], change: dict[str, Any], says: str
) -> None:
    async with document_server(tls) as docs, oauth_server(api) as srv, httpx.AsyncClient() as http:
        docs.body = change.pop("body", None)
        docs.status = change.pop("status", 200)
        if docs.status == 302:
            docs.headers["Location"] = docs.url.replace(PATH, "/elsewhere")
        docs.describe(**change)
        reply = await http.get(authorize_url(srv.base_url, docs.url))
    assert reply.status_code == 400 and "location" not in reply.headers
    assert says in page_error(reply)
    assert docs.fetches == 1, "no redirect was followed"


async def test_a_document_url_the_download_guard_refuses_is_never_fetched(api: SandboxServer) -> None:
    async with oauth_server(api) as srv, httpx.AsyncClient() as http:
        private = await http.get(authorize_url(srv.base_url, "https://10.20.30.40/clients/a.json"))
        root = await http.get(authorize_url(srv.base_url, "https://app.invalid/"))
        userinfo = await http.get(authorize_url(srv.base_url, "https://app.invalid@127.0.0.1/c.json"))
    assert private.status_code == 400 and "private or reserved network" in page_error(private)
    assert "must have a path" in page_error(root)
    assert "credentials" in page_error(userinfo)


async def test_a_document_is_cached_no_longer_than_its_headers_allow(api: SandboxServer, tls: tuple[str, str]) -> None:
    async with document_server(tls) as docs, oauth_server(api) as srv, httpx.AsyncClient() as http:
        docs.describe(client_name="<script>alert('x')</script> Host")
        first = await http.get(authorize_url(srv.base_url, docs.url))
        page = await http.get(first.headers["location"])
        await http.get(authorize_url(srv.base_url, docs.url))
        cached = docs.fetches
        srv.clock.offset += 61
        await http.get(authorize_url(srv.base_url, docs.url))
        expired = docs.fetches
        docs.headers = {"Cache-Control": "no-store"}
        srv.clock.offset += 61
        for _ in range(2):
            await http.get(authorize_url(srv.base_url, docs.url))
    assert first.status_code == 302
    assert "&lt;script&gt;" in page.text and "<script>alert" not in page.text, "the name is shown escaped"
    assert cached == 1 and expired == 2
    assert docs.fetches == expired + 2, "no-store: fetched every time"
