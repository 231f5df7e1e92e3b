"""The MCP Apps view in a real browser: headless Chromium (Debian's `chromium`, driven by Playwright) loads a
host page built on the ext-apps `AppBridge` (tests/browser/host.html), which renders the view the server
serves in a sandboxed iframe under the CSP of the resource's metadata. The host hands the view tool results
from the running server against the sandbox, and forwards the view's own tool calls to the server.

What a person would see is asserted: the running job, the finished `<video>` playing the generation's
outputUrl (metadata loaded from the sandbox's output file), the fix of a failed job, and that "Save video"
makes the host call download_output. Screenshots of the three states go to build/view-screenshots/ (or
$SYNC_MCP_SCREENSHOT_DIR); they are not committed.

The sandbox here runs on a hand-moved clock, so a job stays queued until the test moves time on.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.client.extension import advertise
from mcp.server.apps import APP_MIME_TYPE, EXTENSION_ID
from mcp.types import CallToolResult
from playwright.async_api import Browser, FrameLocator, Page, async_playwright, expect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from sync_mcp.sandbox import SandboxConfig, SandboxServer
from sync_mcp.sandbox.state import SandboxState
from sync_mcp.server import build_server
from sync_mcp.server.apps import VIEW_URI

from ..conftest import BASIC, CATALOG, TEST_KEY, make_settings
from ..http_support import serving

ROOT = Path(__file__).resolve().parents[2]
HOST_PAGE = ROOT / "tests" / "browser" / "host.html"
SHOTS = Path(os.environ.get("SYNC_MCP_SCREENSHOT_DIR") or ROOT / "build" / "view-screenshots")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip(
        "Chromium is not installed, so the MCP Apps view cannot be tested in a browser. Install Debian's "
        "package (apt-get install chromium), as .ci/run does.",
        allow_module_level=True,
    )

pytestmark = pytest.mark.anyio

UI = advertise(EXTENSION_ID, {"mimeTypes": [APP_MIME_TYPE]})
FAILURE = "generation_input_video_invalid"
WAIT_MS = 20_000
TEST_SECONDS = 120  # each test's bound: the evaluations that wait for media events have none of their own
LIGHT = {
    "--color-background-primary": "#ffffff",
    "--color-text-primary": "#1f2328",
    "--font-sans": "DejaVu Sans, sans-serif",
}
DARK = {
    "--color-background-primary": "#1e1f22",
    "--color-text-primary": "#f2f3f5",
    "--font-sans": "DejaVu Sans, sans-serif",
}


class Clock:
    """The sandbox's time, moved by hand."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Host:
    """The test's side of the host: the MCP client the view's tool calls go through, and what it called."""

    client: Client
    sandbox: SandboxServer
    clock: Clock
    page: Page

    async def call_tool(self, params: dict[str, Any]) -> dict[str, Any]:
        return wire(await self.client.call_tool(params["name"], params.get("arguments") or {}))

    async def called(self, name: str) -> list[dict[str, Any]]:
        """The arguments of each call of `name` the view asked the host to make."""
        calls = await self.page.evaluate("() => syncHost.calls")
        return [call.get("arguments") or {} for call in calls if call["name"] == name]

    def advance(self, seconds: float) -> None:
        self.clock.now += seconds
        self.sandbox.state.wake_long_polls()

    async def load_view(self, *, theme: str = "light", width: int = 560) -> FrameLocator:
        read = await self.client.read_resource(VIEW_URI)
        (content,) = read.contents
        csp = (content.meta or {})["ui"]["csp"]
        variables = LIGHT if theme == "light" else DARK
        context = {"theme": theme, "styles": {"variables": variables}, "displayMode": "inline"}
        await self.page.evaluate(
            "([html, csp, context, width]) => syncHost.load(html, csp, context, width)",
            [content.text, csp, context, width],  # type: ignore[union-attr]
        )
        return self.page.frame_locator("iframe")

    async def show_call(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """What a host does for a call of a tool with a view: the input, then the result the server returns."""
        await self.page.evaluate("(args) => syncHost.toolInput(args)", arguments)
        result = await self.client.call_tool(name, arguments)
        await self.page.evaluate("(result) => syncHost.toolResult(result)", wire(result))
        return dict(result.structured_content or {})

    async def shoot(self, name: str) -> None:
        await anyio.Path(SHOTS).mkdir(parents=True, exist_ok=True)
        await self.page.locator("iframe").screenshot(path=str(SHOTS / f"{name}.png"), animations="disabled")


def wire(result: CallToolResult) -> dict[str, Any]:
    return json.loads(result.model_dump_json(by_alias=True, exclude_none=True))


async def _host_page(_: Request) -> HTMLResponse:
    return HTMLResponse(HOST_PAGE.read_text(encoding="utf-8"))


HOST_APP = Starlette(routes=[Route("/", _host_page)])


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[SandboxServer, Clock]]:
    clock = Clock()
    config = SandboxConfig(api_key=TEST_KEY, pending_seconds=1.0, processing_seconds=10.0)
    with SandboxServer(config, state=SandboxState(config, clock=clock)) as server:
        yield server, clock


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            yield browser
        finally:
            await browser.close()


@asynccontextmanager
async def host_page(browser: Browser, client: Client, sandbox: SandboxServer, clock: Clock) -> AsyncIterator[Host]:
    """The host page open in the browser, forwarding the view's tool calls through `client`."""
    page = await browser.new_page(viewport={"width": 640, "height": 900})
    host = Host(client, sandbox, clock, page)
    await page.expose_function("hostCallTool", host.call_tool)
    async with serving(HOST_APP) as host_url:  # on loopback, like the sandbox whose video it plays
        await page.goto(f"{host_url}/")
        try:
            yield host
        finally:
            await page.close()


@pytest.fixture
async def host(sandbox: tuple[SandboxServer, Clock], browser: Browser, tmp_path: Path) -> AsyncIterator[Host]:
    server, clock = sandbox
    server.state.reset()
    settings = make_settings(server, SYNC_MCP_OUTPUT_DIR=str(tmp_path / "outputs"))
    async with (
        Client(build_server(settings), extensions=[UI]) as client,
        host_page(browser, client, server, clock) as opened,
    ):
        yield opened


async def text_of(view: FrameLocator, selector: str) -> str:
    return (await view.locator(selector).text_content() or "").strip()


async def test_running_then_completed_with_a_playing_video_and_save(host: Host) -> None:
    with anyio.fail_after(TEST_SECONDS):
        view = await host.load_view()
        created = await host.show_call("create_generation", BASIC)
        generation_id = created["id"]

        # Running: what the job is and how long it has been going, followed through the host.
        await expect(view.locator("#run-status")).to_have_text("Queued", timeout=WAIT_MS)
        await expect(view.locator("#steps li.current")).to_have_text("Queued")
        await expect(view.locator("#run-model")).to_have_text("lipsync-2")
        await expect(view.locator("#run-id")).to_have_text(generation_id)
        await expect(view.locator("#run-elapsed")).to_have_text(re.compile(r"^\d+ s$"))
        await host.page.wait_for_function(
            "() => syncHost.calls.some((c) => c.name === 'get_generation')", timeout=WAIT_MS
        )
        assert (await host.called("get_generation"))[0] == {"id": generation_id, "wait": False}
        await expect(view.locator("#run-note")).to_have_text(re.compile(r"^Checked .*; following it here\.$"))
        await host.shoot("running")

        # The job ends: the view's next poll finds it COMPLETED and shows the player.
        host.advance(60)
        await view.locator("#completed").wait_for(state="visible", timeout=WAIT_MS)
        done = (await host.client.call_tool("get_generation", {"id": generation_id})).structured_content or {}
        assert done["status"] == "COMPLETED"
        video = view.locator("video#player")
        assert await video.get_attribute("src") == done["outputUrl"]
        frame = await (await host.page.locator("iframe").element_handle()).content_frame()
        assert frame is not None
        await frame.wait_for_function(  # the first frame decoded, or the browser gave up on the file
            "() => { const v = document.getElementById('player'); return v.readyState >= 2 || v.error !== null; }",
            timeout=WAIT_MS,
        )
        assert await video.evaluate("(v) => v.error && `${v.error.code}: ${v.error.message}`") is None
        assert await video.evaluate("(v) => v.readyState") >= 1
        assert await video.evaluate("(v) => Math.round(v.duration)") == 5
        await expect(view.locator("#done-duration")).to_have_text(f"{done['outputDuration']:.1f} s")  # the API's figure
        await expect(view.locator("#done-id")).to_have_text(generation_id)
        await expect(view.locator("#video-problem")).to_be_hidden()
        await video.evaluate(  # for the screenshot: a frame from the middle, and the whole (tiny) file buffered
            "(v) => (v.readyState >= 4 ? Promise.resolve() : new Promise((ok) => {"
            " v.addEventListener('canplaythrough', ok, {once: true}); v.preload = 'auto'; v.load(); }))"
            ".then(() => new Promise((ok) => { v.addEventListener('seeked', ok, {once: true}); v.currentTime = 2.5; }))"
        )
        await host.page.wait_for_timeout(2500)  # cosmetic: the player's own loading indicator fades out
        await host.shoot("completed")

        # Save: the host is asked to call download_output, and the view says where the file went.
        await view.locator("#save").click()
        await expect(view.locator("#save-result")).to_have_text(re.compile("^Saved to "), timeout=WAIT_MS)
        assert await host.called("download_output") == [{"id": generation_id}]
        saved = anyio.Path((await text_of(view, "#save-result")).removeprefix("Saved to ").split(" (")[0])
        assert saved.name == f"{generation_id}.mp4"
        assert (await saved.read_bytes())[4:8] == b"ftyp"

        # Another take: after a confirmation, a new generation of the same inputs, followed like the first.
        await view.locator("#take").click()
        await expect(view.locator("#take-confirm")).to_be_visible()
        assert await host.called("create_generation") == [], "nothing is started before the confirmation"
        await view.locator("#take-yes").click()
        await view.locator("#running").wait_for(state="visible", timeout=WAIT_MS)
        (take,) = await host.called("create_generation")
        assert take == {"model": "lipsync-2", "input": done["input"]}
        await expect(view.locator("#run-id")).not_to_have_text(generation_id)
        assert await text_of(view, "#run-id")


async def test_a_failed_job_shows_its_error_code_and_fix(host: Host) -> None:
    with anyio.fail_after(TEST_SECONDS):
        host.sandbox.state.script_generation_failure(FAILURE)
        created = (await host.client.call_tool("create_generation", BASIC)).structured_content or {}
        host.advance(60)
        view = await host.load_view(width=320)
        failed = await host.show_call("get_generation", {"id": created["id"]})
        assert failed["status"] == "FAILED"

        await view.locator("#failed").wait_for(state="visible", timeout=WAIT_MS)
        await expect(view.locator("#fail-heading")).to_have_text("Failed")
        await expect(view.locator("#fail-code")).to_have_text(FAILURE)
        await expect(view.locator("#fail-fix")).to_have_text(CATALOG[FAILURE].fix)
        await expect(view.locator("#fail-id")).to_have_text(created["id"])
        # Narrow: nothing is cut off sideways.
        assert await view.locator("html").evaluate("(e) => e.scrollWidth <= e.clientWidth")
        await host.shoot("failed")
        assert await host.called("get_generation") == [], "a finished job is not polled"


async def test_the_view_follows_the_host_theme(host: Host) -> None:
    with anyio.fail_after(TEST_SECONDS):
        view = await host.load_view(theme="light")
        await host.show_call("create_generation", BASIC)
        body = view.locator("body")
        await view.locator("#running").wait_for(state="visible", timeout=WAIT_MS)
        assert await body.evaluate("(b) => getComputedStyle(b).backgroundColor") == "rgb(255, 255, 255)"
        await host.page.evaluate("(variables) => syncHost.theme('dark', variables)", DARK)
        await body.evaluate(
            "(b) => new Promise((ok) => { const check = () => getComputedStyle(b).backgroundColor === 'rgb(30, 31, 34)'"
            " ? ok() : requestAnimationFrame(check); check(); })"
        )
        assert await view.locator("html").get_attribute("data-theme") == "dark"
        assert await body.evaluate("(b) => getComputedStyle(b).color") == "rgb(242, 243, 245)"
        await host.shoot("running-dark")
