"""The MCP Apps view over MCP (both eras): a client that declares `io.modelcontextprotocol/ui` sees the view
linked from lipsync, get_generation, create_generation and upload_media and can read it; every other client
sees exactly what the server shows without the view. The view in a browser is tests/server/test_app_browser.py (and
its drop zone tests/server/test_app_browser_upload.py)."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.client.extension import ClientExtension, advertise
from mcp.server.apps import APP_MIME_TYPE, EXTENSION_ID
from mcp.server.extension import Extension
from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel

from sync_mcp.config import Settings
from sync_mcp.sandbox import SandboxServer
from sync_mcp.server import app as server_app
from sync_mcp.server import build_server
from sync_mcp.server.apps import VIEW_TOOLS, VIEW_URI

from ..conftest import BASIC, TEST_KEY, data, make_settings
from ..http_support import http_client, http_server

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]
UI = advertise(EXTENSION_ID, {"mimeTypes": [APP_MIME_TYPE]})
UI_WITHOUT_HTML = advertise(EXTENSION_ID)  # declares the extension but not the HTML profile: no view


def wire(model: BaseModel) -> Any:
    return json.loads(model.model_dump_json(by_alias=True, exclude_none=True))


class NoView(Extension):
    """What build_server was before the view: the same extension id, contributing nothing."""

    identifier = EXTENSION_ID

    def __init__(self, settings: Settings) -> None:
        pass

    def attach(self, server: MCPServer[Any]) -> None:
        pass


async def surface(client: Client, generation_id: str) -> dict[str, Any]:
    """Everything a client sees of the server that the view could touch, in wire form."""
    return {
        "capabilities": wire(client.server_capabilities) if client.server_capabilities else None,
        "tools": wire(await client.list_tools()),
        "resources": wire(await client.list_resources()),
        "templates": wire(await client.list_resource_templates()),
        "get_generation": wire(await client.call_tool("get_generation", {"id": generation_id})),
        "error_codes": wire(await client.call_tool("list_error_codes", {"code": "generation_input_video_invalid"})),
    }


async def completed_generation(api: SandboxServer) -> str:
    async with Client(build_server(make_settings(api))) as client:
        created = data(await client.call_tool("create_generation", BASIC))
        with anyio.fail_after(20):
            done = data(await client.call_tool("get_generation", {"id": created["id"], "wait": True, "timeout": 15}))
    assert done["status"] == "COMPLETED"
    return str(done["id"])


async def test_a_host_with_the_ui_extension_sees_the_view_on_four_tools(api: SandboxServer, mode: str) -> None:
    async with Client(build_server(make_settings(api)), mode=mode, extensions=[UI]) as client:  # type: ignore[arg-type]
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert VIEW_TOOLS == {"lipsync", "get_generation", "create_generation", "upload_media"}
        for name, tool in tools.items():
            ui = (tool.meta or {}).get("ui")
            assert ui == ({"resourceUri": VIEW_URI} if name in VIEW_TOOLS else None), name
        listed = [r for r in (await client.list_resources()).resources if str(r.uri) == VIEW_URI]
        assert [(r.mime_type, r.name) for r in listed] == [(APP_MIME_TYPE, "generation-view")]


async def test_the_view_is_one_self_contained_html_document_with_its_csp(api: SandboxServer, mode: str) -> None:
    async with Client(build_server(make_settings(api)), mode=mode, extensions=[UI]) as client:  # type: ignore[arg-type]
        (content,) = (await client.read_resource(VIEW_URI)).contents
    assert content.mime_type == APP_MIME_TYPE
    html = getattr(content, "text", "")
    assert html.startswith("<!doctype html>")
    assert (content.meta or {})["ui"] == {
        "csp": {"resourceDomains": [api.base_url, "https://*.sync.so"]},  # the sandbox serves its outputs itself
        "prefersBorder": True,
    }
    # Nothing is fetched from elsewhere: scripts and styles are inline, and no tag names an external file.
    assert not re.search(r"<(script|link|img|iframe)\b[^>]*\b(src|href)=", html, re.IGNORECASE)
    assert html.count("<script>") == 1 and html.count("</script>") == 1
    # The bundled packages' licences travel with the file.
    assert "@modelcontextprotocol/ext-apps 2.0.4 (MIT)" in html
    assert "@modelcontextprotocol/client" in html and "Apache License" in html


async def test_media_domains_extend_the_csp(api: SandboxServer) -> None:
    settings = make_settings(api, SYNC_MCP_MEDIA_DOMAINS="https://cdn.example.com/, https://media.example.org")
    async with Client(build_server(settings), extensions=[UI]) as client:
        (content,) = (await client.read_resource(VIEW_URI)).contents
    assert (content.meta or {})["ui"]["csp"]["resourceDomains"] == [
        api.base_url,
        "https://*.sync.so",
        "https://cdn.example.com",
        "https://media.example.org",
    ]


@pytest.mark.parametrize("extensions", [[], [UI_WITHOUT_HTML]], ids=["no-extension", "extension-without-html"])
async def test_other_hosts_see_exactly_what_the_server_shows_without_the_view(
    api: SandboxServer, mode: str, extensions: list[ClientExtension], monkeypatch: pytest.MonkeyPatch
) -> None:
    generation_id = await completed_generation(api)
    settings = make_settings(api)
    async with Client(build_server(settings), mode=mode, extensions=extensions) as client:  # type: ignore[arg-type]
        seen = await surface(client, generation_id)
    with monkeypatch.context() as patched:
        patched.setattr(server_app, "GenerationView", NoView)
        async with Client(build_server(settings), mode=mode, extensions=extensions) as client:  # type: ignore[arg-type]
            before = await surface(client, generation_id)
    assert seen == before
    assert "ui://" not in json.dumps(seen)


async def test_tool_results_are_the_same_for_hosts_with_and_without_the_view(api: SandboxServer, mode: str) -> None:
    generation_id = await completed_generation(api)
    settings = make_settings(api)
    results = []
    for extensions in ([UI], []):
        async with Client(build_server(settings), mode=mode, extensions=extensions) as client:  # type: ignore[arg-type]
            results.append(wire(await client.call_tool("get_generation", {"id": generation_id})))
    assert results[0] == results[1]


def _build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_view", ROOT / "scripts" / "build_view.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("built", ["src/sync_mcp/server/ui/generation.html", "tests/browser/host.html"])
def test_the_committed_build_is_of_the_current_sources(built: str) -> None:
    build = _build_script()
    page = (ROOT / built).read_text(encoding="utf-8")
    match = re.search(rf'<meta name="{build.DIGEST_META}" content="sha256:([0-9a-f]{{64}})">', page)
    assert match is not None, built
    assert match.group(1) == build.source_digest(), f"view/ changed: run python scripts/build_view.py ({built})"


async def test_over_http_the_view_may_send_files_to_the_public_url_only(api: SandboxServer, tmp_path: Path) -> None:
    settings = make_settings(api, SYNC_MCP_PUBLIC_URL="https://sync.example.invalid/mcp-server/", SYNC_API_KEY="")
    async with (
        http_server(settings) as srv,
        http_client(srv.mcp_url, mode="auto", api_key=TEST_KEY, extensions=[UI]) as client,
    ):
        (content,) = (await client.read_resource(VIEW_URI)).contents
        link = data(await client.call_tool("upload_media", {}))
    csp = (content.meta or {})["ui"]["csp"]
    assert csp["connectDomains"] == ["https://sync.example.invalid"]
    assert link["uploadUrl"].startswith("https://sync.example.invalid/mcp-server/upload/"), "where the view sends"


async def test_credentials_in_the_api_url_never_reach_the_csp(api: SandboxServer) -> None:
    with_credentials = api.base_url.replace("http://", "http://operator:hunter2-secret@")
    settings = make_settings(
        api, SYNC_BASE_URL=with_credentials, SYNC_MCP_MEDIA_DOMAINS="https://cdn-user:cdn-pass@cdn.example.com"
    )
    async with Client(build_server(settings), extensions=[UI]) as client:
        (content,) = (await client.read_resource(VIEW_URI)).contents
    domains = (content.meta or {})["ui"]["csp"]["resourceDomains"]
    assert domains == [api.base_url, "https://*.sync.so", "https://cdn.example.com"]
    assert "hunter2" not in json.dumps(content.model_dump(mode="json")) and "cdn-pass" not in str(domains)
