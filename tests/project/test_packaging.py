"""The built wheel is what `pip install sync-mcp`, `pipx run sync-mcp` and `uvx sync-mcp` run: installed into a
fresh virtualenv, its `sync-mcp` command and `python -m sync_mcp` start the stdio server.

The wheel is built once for the module. The venv gets no network: it sees this interpreter's packages
through a `.pth` bridge (the dependencies), while `sync_mcp` itself must come from the wheel (asserted).
"""

from __future__ import annotations

import importlib.util
import site
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from mcp import Client, StdioServerParameters

from sync_mcp import __version__
from sync_mcp.sandbox import SandboxServer

from ..conftest import MODES, TEST_KEY

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]
BIN = "Scripts" if sys.platform == "win32" else "bin"
EXE = ".exe" if sys.platform == "win32" else ""


def _run(*args: str | Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    isolation = [] if importlib.util.find_spec("hatchling") is None else ["--no-build-isolation"]
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "--quiet", ROOT, "-w", out)
    (built,) = out.glob("sync_mcp-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("venv") / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", home)
    python = home / BIN / f"python{EXE}"
    purelib = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").stdout.strip())
    bridge = "".join(f"import site; site.addsitedir({p!r})\n" for p in site.getsitepackages())
    (purelib / "zz_dependencies_from_the_test_interpreter.pth").write_text(bridge, encoding="utf-8")
    _run(
        sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--ignore-installed", "--quiet", wheel
    )
    yield home


def test_wheel_contents(wheel: Path) -> None:
    assert wheel.name.startswith(f"sync_mcp-{__version__}-py3-none-any")
    names = set(zipfile.ZipFile(wheel).namelist())
    info = f"sync_mcp-{__version__}.dist-info"
    assert {"sync_mcp/__main__.py", "sync_mcp/cli.py", "sync_mcp/api/data/error_catalog.json"} <= names
    assert f"{info}/entry_points.txt" in names and f"{info}/licenses/LICENSE" in names
    entry_points = zipfile.ZipFile(wheel).read(f"{info}/entry_points.txt").decode()
    assert "sync-mcp = sync_mcp.cli:main" in entry_points
    assert not {n for n in names if n.startswith(("tests/", "scripts/", "sandbox_data/"))}


def test_command_and_module_help_from_the_wheel(venv: Path) -> None:
    python = venv / BIN / f"python{EXE}"
    where = _run(python, "-c", "import sync_mcp; print(sync_mcp.__file__)").stdout.strip()
    assert Path(where).is_relative_to(venv), f"sync_mcp imported from {where}, not from the wheel"
    for command in ([venv / BIN / f"sync-mcp{EXE}", "--help"], [python, "-m", "sync_mcp", "--help"]):
        out = _run(*command, timeout=60).stdout
        assert all(name in out for name in ("serve", "demo", "sandbox", "--log-level")), out
    assert _run(venv / BIN / f"sync-mcp{EXE}", "--version", timeout=60).stdout.strip() == f"sync-mcp {__version__}"


@pytest.mark.parametrize("mode", MODES)
async def test_installed_command_serves_stdio(venv: Path, api: SandboxServer, mode: str) -> None:
    params = StdioServerParameters(
        command=str(venv / BIN / f"sync-mcp{EXE}"), env={"SYNC_API_KEY": TEST_KEY, "SYNC_BASE_URL": api.base_url}
    )
    with anyio.fail_after(60):
        async with Client(params, mode=mode) as client:  # type: ignore[arg-type]
            names = {t.name for t in (await client.list_tools()).tools}
            codes = await client.call_tool("list_error_codes", {"code": "generation_timeout"})
    assert {"create_generation", "get_generation", "list_error_codes"} <= names
    assert not codes.is_error
