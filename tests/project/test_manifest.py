"""manifest.json (the MCP bundle) says what the server really is: tools, prompts, version, configuration."""

from __future__ import annotations

import importlib.util
import re
import struct
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters

from sync_mcp import __version__
from sync_mcp.config import Settings, env_names
from sync_mcp.sandbox import SandboxServer

from ..conftest import BASIC, MODES, TEST_KEY

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]
USER_CONFIG_REF = re.compile(r"\$\{user_config\.([A-Za-z0-9_]+)\}")


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("update_manifest", ROOT / "scripts" / "update_manifest.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


update_manifest = _script()


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return update_manifest.load_manifest(ROOT / "manifest.json")


def _mcp_config(manifest: dict[str, Any]) -> dict[str, Any]:
    return manifest["server"]["mcp_config"]


def _all_configs(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    config = _mcp_config(manifest)
    return [config, *config.get("platform_overrides", {}).values()]


async def test_tools_and_prompts_match_the_live_server(manifest: dict[str, Any]) -> None:
    tools, prompts = await update_manifest.live_entries()
    wanted = update_manifest.updated(manifest, tools, prompts)
    drift = update_manifest.differences(manifest, wanted)
    assert not drift, "manifest.json is out of date: run python scripts/update_manifest.py\n" + "\n".join(drift)
    assert [t["name"] for t in manifest["tools"]] == sorted(t["name"] for t in tools)
    assert manifest["tools_generated"] is False and manifest["prompts_generated"] is False


def test_drift_is_reported_with_the_fix(manifest: dict[str, Any], tmp_path: Path) -> None:
    stale = dict(manifest, tools=[*manifest["tools"][1:], {"name": "retired_tool", "description": "gone"}])
    path = tmp_path / "manifest.json"
    path.write_text(update_manifest.render(stale), encoding="utf-8")
    assert update_manifest.main(["--check", "--manifest", str(path)]) == 1
    assert update_manifest.main(["--manifest", str(path)]) == 0  # rewrites tools from the server
    assert update_manifest.main(["--check", "--manifest", str(path)]) == 0
    rewritten = update_manifest.load_manifest(path)
    assert rewritten["tools"] == manifest["tools"]
    assert rewritten["user_config"] == manifest["user_config"]  # everything else kept


def test_version_comes_from_one_place(manifest: dict[str, Any]) -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^dynamic = \["version"\]$', pyproject, re.M)
    assert re.search(r'^\[tool\.hatch\.version\]\npath = "src/sync_mcp/__init__.py"$', pyproject, re.M)
    assert manifest["version"] == __version__, "run python scripts/update_manifest.py"


def test_required_and_store_fields(manifest: dict[str, Any]) -> None:
    assert manifest["manifest_version"] == "0.4"
    for key in ("name", "display_name", "version", "description", "long_description", "license", "keywords"):
        assert manifest[key], key
    assert manifest["author"]["name"]
    for key in ("homepage", "documentation", "support"):
        assert manifest[key].startswith("https://"), key
    assert manifest["repository"]["url"].startswith("https://")
    assert manifest["license"] == "MIT" and "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    # It sends user media to an external service: the vendor's policy must be listed.
    assert "https://sync.so/privacy" in manifest["privacy_policies"]
    server = manifest["server"]
    assert server["type"] == "python" and (ROOT / server["entry_point"]).is_file()
    assert _mcp_config(manifest)["command"]
    compat = manifest["compatibility"]
    assert set(compat["platforms"]) == {"darwin", "win32", "linux"}
    requires = re.search(r'^requires-python = "(.+)"$', (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.M)
    assert requires and compat["runtimes"]["python"] == requires.group(1)
    for key, option in manifest["user_config"].items():
        assert option["type"] and option["title"] and option["description"], key


def test_icon_is_a_512_png(manifest: dict[str, Any]) -> None:
    data = (ROOT / manifest["icon"]).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (512, 512)


def test_api_key_is_sensitive_and_travels_in_env_only(manifest: dict[str, Any]) -> None:
    option = manifest["user_config"]["api_key"]
    assert option["sensitive"] is True and option["type"] == "string" and "default" not in option
    assert _mcp_config(manifest)["env"]["SYNC_API_KEY"] == "${user_config.api_key}"
    for config in _all_configs(manifest):
        for arg in [config.get("command", ""), *config.get("args", [])]:
            assert "api_key" not in arg and "SYNC_API_KEY" not in arg, arg
    secret_refs = {k for k, o in manifest["user_config"].items() if o.get("sensitive")}
    for config in _all_configs(manifest):
        assert not secret_refs & set(USER_CONFIG_REF.findall(" ".join(config.get("args", []))))


def test_env_names_are_real_settings_and_every_option_is_used(manifest: dict[str, Any]) -> None:
    aliases = set(env_names())
    env = _mcp_config(manifest)["env"]
    assert set(env) <= aliases, set(env) - aliases
    assert {"SYNC_API_KEY", "SYNC_MCP_OUTPUT_DIR", "SYNC_MCP_ALLOWED_DIRS"} <= set(env)
    assert {"SYNC_MCP_CONFIRM_ABOVE_USD", "SYNC_MCP_MAX_COST_USD"} <= set(env)
    referenced = {ref for value in env.values() for ref in USER_CONFIG_REF.findall(value)}
    assert referenced == set(manifest["user_config"])


def _host_env(manifest: dict[str, Any], given: dict[str, str], *, keep_literal: bool = False) -> dict[str, str]:
    """The env a host builds from mcp_config: given values substituted; unset ones become "" or, as some
    hosts do, stay the literal `${user_config.KEY}`."""

    def substitute(value: str) -> str:
        return USER_CONFIG_REF.sub(lambda m: given.get(m.group(1), m.group(0) if keep_literal else ""), value)

    return {name: substitute(value) for name, value in _mcp_config(manifest)["env"].items()}


@pytest.mark.parametrize("keep_literal", [False, True], ids=["empty", "literal"])
def test_unset_optional_options_mean_defaults(
    manifest: dict[str, Any], keep_literal: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = _host_env(manifest, {"api_key": TEST_KEY}, keep_literal=keep_literal)
    assert env["SYNC_MCP_MAX_COST_USD"] == ("${user_config.max_cost_usd}" if keep_literal else "")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.secret_key() == TEST_KEY
    assert settings.max_cost_usd is None and settings.confirm_above_usd is None
    assert settings.allowed_dirs is None and settings.allowed_roots() == [Path.cwd().resolve()]
    assert settings.output_dir == Settings.model_fields["output_dir"].default


def test_options_that_say_leave_empty_have_no_default(
    manifest: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A host fills an option the user never touched with its manifest default: an option whose text promises
    that empty means off (never ask, no cap) must have none, or the bundle would ask or cap from the start."""
    options = manifest["user_config"]
    says_empty = {name for name, option in options.items() if "leave empty" in option["description"].lower()}
    assert {"confirm_above_usd", "max_cost_usd"} <= says_empty
    assert {name for name in says_empty if "default" in options[name]} == set()
    untouched = {
        name: str(option["default"])
        for name, option in options.items()
        if "default" in option and not str(option["default"]).startswith("${")
    }
    for name, value in _host_env(manifest, {"api_key": TEST_KEY, **untouched}).items():
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.confirm_above_usd is None and settings.max_cost_usd is None


def test_given_options_arrive_typed(manifest: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    given = {
        "api_key": TEST_KEY,
        "output_dir": str(tmp_path / "out"),
        "allowed_dirs": str(tmp_path),
        "confirm_above_usd": "1",
        "max_cost_usd": "2.5",
    }
    for name, value in _host_env(manifest, given).items():
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.output_dir == tmp_path / "out"
    assert settings.allowed_roots() == [tmp_path.resolve()]
    assert settings.confirm_above_usd == 1.0 and settings.max_cost_usd == 2.5


@pytest.mark.parametrize("mode", MODES)
async def test_server_started_with_the_manifest_env_lists_the_manifest_tools(
    manifest: dict[str, Any], api: SandboxServer, mode: str
) -> None:
    """What a host does with an unconfigured bundle (optional values left as literal `${...}`): the server
    starts, lists the manifest's tools of the default toolset (core, and enable_toolset for the others) and runs
    a generation end to end."""
    env = _host_env(manifest, {"api_key": TEST_KEY}, keep_literal=True) | {"SYNC_BASE_URL": api.base_url}
    entry_point = str(ROOT / manifest["server"]["entry_point"])
    params = StdioServerParameters(command=sys.executable, args=[entry_point], env=env)
    with anyio.fail_after(60):
        async with Client(params, mode=mode) as client:  # type: ignore[arg-type]
            names = [t.name for t in (await client.list_tools()).tools]
            created = await client.call_tool("create_generation", BASIC)
    assert set(names) < {t["name"] for t in manifest["tools"]}
    assert {"lipsync", "create_generation", "enable_toolset"} <= set(names)
    assert not created.is_error, created.structured_content
    assert created.structured_content["status"] == "PENDING"


def test_the_bundle_ships_a_current_uv_lock_and_runs_from_it(manifest: dict[str, Any]) -> None:
    """The host starts the bundle with `uv run --frozen`: the versions in uv.lock are installed as they are, with
    no resolution on the user's machine, so the lock must ship (not be left out by .mcpbignore) and must list
    exactly the dependencies pyproject.toml declares (`uv lock --check` in .ci/hosts.sh checks the rest)."""
    tomllib = pytest.importorskip("tomllib")
    assert "--frozen" in _mcp_config(manifest)["args"]
    ignored = [
        line.strip().rstrip("/")
        for line in (ROOT / ".mcpbignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert "uv.lock" not in ignored and (ROOT / "uv.lock").is_file()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    ours = next(p for p in lock["package"] if p["name"] == project["name"])
    locked = {(d["name"], d.get("specifier", "")) for d in ours["metadata"]["requires-dist"] if "marker" not in d}
    declared = set()
    for requirement in project["dependencies"]:
        name, specifier = re.match(r"^([A-Za-z0-9_.-]+)\s*(.*)$", requirement).groups()  # type: ignore[union-attr]
        declared.add((name.lower(), specifier.replace(" ", "")))
    assert locked == declared, "uv.lock is stale: run `uv lock` (pip install uv)"
