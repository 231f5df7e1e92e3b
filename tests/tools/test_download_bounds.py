"""download_output within bounds, through an MCP client: an overall deadline, a size cap, folder quotas,
redirects never into this machine or a private network unless the API is there, and file names of any
allowed length. The misbehaving storage is a stand-in API (`fake_api`) in front of the sandbox."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from starlette.requests import Request
from starlette.responses import Response

from sync_mcp.sandbox import SandboxServer
from sync_mcp.server import build_server
from sync_mcp.services import fetch_guard
from sync_mcp.services.fetch_guard import address_class, api_base_classes

from ..conftest import data, make_settings
from ..fake_api import FakeApi, StorageFaults, bystander, download_url, redirect
from ..proxy_support import forward_proxy
from .test_downloads import completed, files_in

pytestmark = pytest.mark.anyio

MIB = 1024 * 1024


def read(path: str) -> bytes:
    return Path(path).read_bytes()


def server(base_url: str, out: Path, api: SandboxServer, **env: Any) -> Any:
    return build_server(make_settings(api, SYNC_BASE_URL=base_url, SYNC_MCP_OUTPUT_DIR=str(out), **env))


def answer(response: Callable[[], Response]) -> Callable[[Request], Any]:
    async def step(request: Request) -> Response:
        return response()

    return step


async def download(client: Client, generation_id: str) -> Any:
    with anyio.fail_after(30):  # a guard against a hang, not a timing claim
        return await client.call_tool("download_output", {"id": generation_id})


# ----------------------------------------------------------------------------------------------- deadline and size


async def test_a_drip_fed_download_ends_at_its_deadline(
    api: SandboxServer, fake: FakeApi, out: Path, mode: str
) -> None:
    storage = StorageFaults()
    async with Client(server(fake.base_url, out, api, SYNC_MCP_DOWNLOAD_TIMEOUT="1"), mode=mode) as client:  # type: ignore[arg-type]
        gid = await completed(client)
        fake.on("GET", f"/v2/generations/{gid}/download", step=download_url(f"{fake.base_url}/storage/drip"))
        fake.on("GET", "/storage/drip", step=answer(lambda: storage.drip(0.1)))
        result = await download(client, gid)
    err = data(result)
    assert result.is_error
    assert err["errorCode"] == "output_download_timed_out" and err["retryable"] is True
    assert "SYNC_MCP_DOWNLOAD_TIMEOUT" in err["fix"] and err["generationId"] == gid
    assert 0 < storage.sent < 1 << 30, "the body was still arriving when the deadline ended the download"
    assert files_in(out) == [], "neither the file nor its temp file"


async def test_a_body_without_a_length_stops_at_the_size_cap(
    api: SandboxServer, fake: FakeApi, out: Path, mode: str
) -> None:
    storage = StorageFaults()
    cap = 2 * MIB
    async with Client(server(fake.base_url, out, api, SYNC_MCP_MAX_DOWNLOAD_BYTES=str(cap)), mode=mode) as client:  # type: ignore[arg-type]
        gid = await completed(client)
        fake.on("GET", f"/v2/generations/{gid}/download", step=download_url(f"{fake.base_url}/storage/endless"))
        fake.on("GET", "/storage/endless", step=answer(storage.endless))
        result = await download(client, gid)
    err = data(result)
    assert result.is_error
    assert err["errorCode"] == "output_too_large" and err["retryable"] is False
    assert "SYNC_MCP_MAX_DOWNLOAD_BYTES" in err["fix"] and "2.0 MiB" in err["message"]
    assert storage.sent > cap, "the storage sent more than the cap allows"
    assert files_in(out) == []


async def test_an_announced_length_over_the_cap_is_refused_before_the_body(
    api: SandboxServer, out: Path, mode: str, output_size: Callable[[int], None]
) -> None:
    output_size(3 * MIB)
    async with Client(server(api.base_url, out, api, SYNC_MCP_MAX_DOWNLOAD_BYTES=str(MIB)), mode=mode) as client:  # type: ignore[arg-type]
        gid = await completed(client)
        result = await download(client, gid)
        err = data(result)
        assert err["errorCode"] == "output_too_large"
        assert files_in(out) == []


async def test_the_output_folder_quota(
    api: SandboxServer, out: Path, mode: str, output_size: Callable[[int], None]
) -> None:
    output_size(MIB)
    quota = str(MIB + MIB // 2)  # room for one output, not two
    async with Client(server(api.base_url, out, api, SYNC_MCP_OUTPUT_QUOTA_BYTES=quota), mode=mode) as client:  # type: ignore[arg-type]
        first = await completed(client, outputFileName="first")
        second = await completed(client, outputFileName="second")
        saved = data(await download(client, first))
        refused = await download(client, second)
        again = data(await download(client, first))  # replacing a file frees its own room
    err = data(refused)
    assert saved["sizeBytes"] == MIB and again["replaced"] is True
    assert refused.is_error
    assert (err["errorCode"], err["retryable"], err["generationId"]) == ("output_quota_exceeded", False, second)
    assert "SYNC_MCP_OUTPUT_QUOTA_BYTES" in err["fix"] and str(out) in err["fix"]
    assert files_in(out) == ["first.mp4"]


# ----------------------------------------------------------------------------------------------- redirects


async def test_a_redirect_to_loopback_is_followed_when_the_api_is_on_loopback(
    api: SandboxServer, fake: FakeApi, out: Path, mode: str
) -> None:
    """The sandbox case: the API base is itself on 127.0.0.1, so its storage may be there too."""
    async with bystander() as service, Client(server(fake.base_url, out, api), mode=mode) as client:  # type: ignore[arg-type]
        gid = await completed(client)
        fake.on("GET", f"/v2/generations/{gid}/download", step=download_url(f"{fake.base_url}/storage/moved"))
        fake.on("GET", "/storage/moved", step=redirect(f"{service.url}/internal/report.mp4"))
        saved = data(await download(client, gid))
    assert service.hits == ["/internal/report.mp4"]
    assert read(saved["path"]).endswith(b"internal data")


async def test_a_redirect_to_loopback_is_refused_when_the_api_is_not_there(
    api: SandboxServer, fake: FakeApi, out: Path, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same storage, but the API base counts as a public address (as api.sync.so is): the storage's
    redirect to a service on this machine is refused before connecting, and nothing is saved."""

    async def public(base_url: str) -> frozenset[str]:
        return frozenset({"public"})

    monkeypatch.setattr(fetch_guard, "api_base_classes", public)
    async with bystander() as service, Client(server(fake.base_url, out, api), mode=mode) as client:  # type: ignore[arg-type]
        gid = await completed(client)
        fake.on("GET", f"/v2/generations/{gid}/download", step=download_url(f"{fake.base_url}/storage/moved"))
        fake.on("GET", "/storage/moved", step=redirect(f"{service.url}/internal/report.mp4"))
        result = await download(client, gid)
    err = data(result)
    assert result.is_error
    assert err["errorCode"] == "unsafe_download_url" and "loopback" in err["message"]
    assert service.hits == [], "the service on loopback was never contacted"
    assert files_in(out) == []


@pytest.mark.parametrize(
    "location",
    ["http://10.255.255.1:9/x.mp4", "http://169.254.169.254/latest/meta-data", "file:///etc/passwd", "ftp://e.com/a"],
)
async def test_redirects_to_private_addresses_or_other_schemes_are_refused(
    api: SandboxServer, fake: FakeApi, out: Path, location: str
) -> None:
    """Even with the API on loopback: a private network address is not loopback, and only http(s) is fetched."""
    async with Client(server(fake.base_url, out, api), mode="auto") as client:  # type: ignore[arg-type]
        gid = await completed(client)
        fake.on("GET", f"/v2/generations/{gid}/download", step=download_url(f"{fake.base_url}/storage/moved"))
        fake.on("GET", "/storage/moved", step=redirect(location))
        result = await download(client, gid)
    err = data(result)
    assert err["errorCode"] == "unsafe_download_url", err
    assert files_in(out) == []


async def test_endless_redirects_stop(api: SandboxServer, fake: FakeApi, out: Path) -> None:
    async with Client(server(fake.base_url, out, api), mode="auto") as client:  # type: ignore[arg-type]
        gid = await completed(client)
        fake.on("GET", f"/v2/generations/{gid}/download", step=download_url(f"{fake.base_url}/storage/loop"))
        fake.on("GET", "/storage/loop", step=redirect(f"{fake.base_url}/storage/loop"), times=100)
        result = await download(client, gid)
    assert data(result)["errorCode"] == "output_download_failed"
    assert len(fake.requests_to("/storage/loop", "GET")) == 6, "the URL and five redirects"


def test_address_classes() -> None:
    kinds = {
        "127.0.0.1": "loopback",
        "::1": "loopback",
        "::ffff:127.0.0.1": "loopback",
        "10.1.2.3": "private",
        "192.168.0.1": "private",
        "172.16.0.1": "private",
        "169.254.169.254": "private",
        "100.64.0.1": "private",
        "fe80::1": "private",
        "fd00::1": "private",
        "0.0.0.0": "private",
        "224.0.0.1": "private",
        "8.8.8.8": "public",
        "2606:4700::1111": "public",
    }
    assert {ip: address_class(ipaddress.ip_address(ip)) for ip in kinds} == kinds


async def test_the_api_base_decides_which_addresses_are_allowed() -> None:
    assert await api_base_classes("http://127.0.0.1:8787") == {"loopback"}
    assert await api_base_classes("http://localhost:8787") == {"loopback"}
    assert await api_base_classes("http://[::1]:8787") == {"loopback"}
    assert await api_base_classes("http://10.0.0.5") == {"private"}
    assert await api_base_classes("https://8.8.8.8") == {"public"}
    assert await api_base_classes("https://no-such-host.invalid") == {"public"}


# ----------------------------------------------------------------------------------------------- long names


@pytest.mark.parametrize("length", [236, 237, 250, 255])
async def test_an_output_file_name_of_any_allowed_length_is_saved(api: SandboxServer, out: Path, length: int) -> None:
    name = "n" * length
    async with Client(server(api.base_url, out, api), mode="auto") as client:  # type: ignore[arg-type]
        gid = await completed(client, outputFileName=name)
        result = await download(client, gid)
        twin = await completed(client, outputFileName=name[:-1] + "m")
        other = data(await download(client, twin))
    saved = data(result)
    assert not result.is_error, saved
    assert saved["fileName"].endswith(".mp4") and saved["fileName"].startswith("n" * 200)
    assert len(saved["fileName"].encode()) <= 255
    if length <= 251:
        assert saved["fileName"] == f"{name}.mp4", "a name that fits is kept whole"
    assert other["fileName"] != saved["fileName"], "two long names stay two files"
    assert files_in(out) == sorted([saved["fileName"], other["fileName"]])


async def test_behind_a_proxy_a_redirect_to_a_name_that_cannot_be_checked_is_refused(
    api: SandboxServer, fake: FakeApi, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    async with forward_proxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        async with Client(server(fake.base_url, out, api), mode="auto") as client:  # type: ignore[arg-type]
            gid = await completed(client)
            fake.on("GET", f"/v2/generations/{gid}/download", step=download_url(f"{fake.base_url}/storage/moved"))
            fake.on("GET", "/storage/moved", step=redirect("http://storage.invalid/internal/out.mp4"))
            result = await download(client, gid)
    err = data(result)
    assert result.is_error and err["errorCode"] == "unsafe_download_url"
    assert "cannot be checked" in err["message"]
    assert any(r.url.endswith("/storage/moved") for r in proxy.seen), "the requests did go through the proxy"
    assert not [r for r in proxy.seen if "storage.invalid" in r.url], "the proxy was never asked for it"
    assert files_in(out) == []
