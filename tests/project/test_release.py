"""Ready to publish: the sdist and wheel build and their metadata renders (`twine check --strict`), `server.json`
is valid for the MCP Registry (against its schema, brought in as schemas/server.schema.json) and agrees with the
package, the changelog has the version, and the tool definitions pass the Tool Definition Quality Score lint
(`tdqs lint` over every toolset: no error, no warning)."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import anyio
import pytest
from jsonschema import Draft7Validator
from mcp import Client

from sync_mcp import __version__
from sync_mcp.config import env_names

ROOT = Path(__file__).resolve().parents[2]
SERVER_JSON = json.loads((ROOT / "server.json").read_text(encoding="utf-8"))
SCHEMA = json.loads((ROOT / "schemas" / "server.schema.json").read_text(encoding="utf-8"))

pytestmark = pytest.mark.anyio


def test_server_json_is_valid_for_the_registry_and_agrees_with_the_package() -> None:
    errors = sorted(Draft7Validator(SCHEMA).iter_errors(SERVER_JSON), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    assert SERVER_JSON["$schema"] == SCHEMA["$id"]
    [package] = SERVER_JSON["packages"]
    assert SERVER_JSON["version"] == package["version"] == __version__, "the version lives in sync_mcp/__init__.py"
    assert (package["registryType"], package["identifier"], package["transport"]) == (
        "pypi",
        "sync-mcp",
        {"type": "stdio"},
    )
    variables = {v["name"]: v for v in package["environmentVariables"]}
    assert set(variables) <= set(env_names()), "server.json names a variable the server does not read"
    assert variables["SYNC_API_KEY"]["isSecret"] and variables["SYNC_API_KEY"]["isRequired"]
    [remote] = SERVER_JSON["remotes"]
    assert remote["type"] == "streamable-http" and remote["url"].endswith("/mcp")
    assert all(header["isSecret"] for header in remote["headers"])


def test_an_invalid_server_json_is_refused_by_the_schema() -> None:
    broken = {**SERVER_JSON, "packages": [{**SERVER_JSON["packages"][0], "version": "latest"}]}
    assert list(Draft7Validator(SCHEMA).iter_errors(broken)), "the schema check cannot fail"


def test_the_changelog_keeps_a_changelog_and_has_this_version() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "keepachangelog.com" in changelog and "## [Unreleased]" in changelog
    assert re.search(rf"^## \[{re.escape(__version__)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", changelog, re.M)


def test_the_sdist_and_wheel_build_and_their_metadata_renders(tmp_path: Path) -> None:
    isolation = [] if importlib.util.find_spec("hatchling") is None else ["--no-isolation"]
    built = subprocess.run(
        [sys.executable, "-m", "build", *isolation, "--sdist", "--wheel", "--outdir", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    dists = sorted(p.name for p in tmp_path.iterdir())
    assert dists == [f"sync_mcp-{__version__}-py3-none-any.whl", f"sync_mcp-{__version__}.tar.gz"], dists
    checked = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *(str(p) for p in tmp_path.iterdir())],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert checked.returncode == 0 and checked.stdout.count("PASSED") == 2, checked.stdout + checked.stderr


@pytest.mark.parametrize("mode", ["auto"])
async def test_tool_definitions_pass_the_quality_lint(client: Client, tmp_path: Path) -> None:
    listed = (await client.list_tools()).model_dump(mode="json", by_alias=True, exclude_none=True)
    tools = tmp_path / "tools.json"
    tools.write_text(json.dumps(listed), encoding="utf-8")
    command = [sys.executable, "-m", "tdqs", "lint", "--file", str(tools), "--format", "json", "--fail-on", "never"]
    done = await anyio.to_thread.run_sync(lambda: subprocess.run(command, capture_output=True, text=True, timeout=300))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    findings = [(f["severity"], f["rule"], f.get("tool"), f["message"]) for f in report["findings"]]
    assert len(report["tools"]) == len(listed["tools"]) > 30, "every toolset is on"
    assert [f for f in findings if f[0] == "error"] == [], findings
    assert [f for f in findings if f[0] == "warning"] == [], findings
    assert report["shadowCandidates"] == [], report["shadowCandidates"]
