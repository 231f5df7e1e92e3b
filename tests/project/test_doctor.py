"""`sync-mcp doctor`, run as a user runs it (the command, in its own process) against the sandbox: it passes on a
working set-up, fails with one clear line and a fix per broken setting, never prints a secret, and prints the
same host blocks as the README."""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
from pathlib import Path

import sync_mcp
from sync_mcp.doctor.hosts import HOSTS, host
from sync_mcp.sandbox import SandboxServer

from ..conftest import TEST_KEY, configured

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
SOURCE = str(Path(sync_mcp.__file__).resolve().parent.parent)


def doctor(api: SandboxServer, cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    values = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": SOURCE,
        "SYNC_API_KEY": TEST_KEY,
        "SYNC_BASE_URL": api.base_url,
        "SYNC_MCP_ALLOWED_DIRS": str(cwd),
        "SYNC_MCP_OUTPUT_DIR": str(cwd / "out"),
        **env,
    }
    values = {k: v for k, v in values.items() if v}
    return subprocess.run(
        [sys.executable, "-m", "sync_mcp", "doctor", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=values,
        cwd=cwd,
    )


def lines(result: subprocess.CompletedProcess[str], verdict: str) -> list[str]:
    return [line.strip() for line in result.stdout.splitlines() if line.strip().startswith(verdict)]


def fix_after(result: subprocess.CompletedProcess[str], failed: str) -> str:
    out = result.stdout.splitlines()
    index = next(n for n, line in enumerate(out) if line.strip().startswith(f"FAIL  {failed}"))
    assert out[index + 1].strip().startswith("fix: "), out[index : index + 2]
    return out[index + 1]


def test_a_working_set_up_passes(api: SandboxServer, tmp_path: Path) -> None:
    result = doctor(api, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert lines(result, "FAIL") == []
    passed = "\n".join(lines(result, "ok"))
    for name in (
        "API reachable and healthy",
        "API key accepted",
        "clock",
        "allowed folders",
        "output folder",
        "webhook secret",
        "toolsets: on: core (the default)",
        "MCP protocol versions: 2026-07-28",
    ):
        assert name in passed, name
    assert "2025-11-25" in passed
    for config in HOSTS:  # every host's block, ready to paste
        assert f"(--host {config.name})" in result.stdout
    assert TEST_KEY not in result.stdout + result.stderr
    [models] = [r for r in api.state.requests if r.path == "/v2/models"]
    assert models.has_api_key, "the key was checked with an authenticated read"


def test_a_refused_key_fails_with_its_fix_and_is_never_printed(api: SandboxServer, tmp_path: Path) -> None:
    result = doctor(api, tmp_path, SYNC_API_KEY="sk-test-revoked-2b9c")
    assert result.returncode == 1
    assert [line.split(":")[0] for line in lines(result, "FAIL")] == ["FAIL  API key accepted"]
    assert "sync.so/keys" in fix_after(result, "API key accepted")
    assert "sk-test-revoked-2b9c" not in result.stdout + result.stderr


def test_a_missing_key_says_where_to_set_it(api: SandboxServer, tmp_path: Path) -> None:
    result = doctor(api, tmp_path, SYNC_API_KEY="")
    assert result.returncode == 1
    assert "SYNC_API_KEY" in fix_after(result, "API key accepted")


def test_an_unreachable_url_fails_and_the_key_is_not_sent_anywhere(api: SandboxServer, tmp_path: Path) -> None:
    result = doctor(api, tmp_path, SYNC_BASE_URL="http://127.0.0.1:9")
    assert result.returncode == 1
    assert "SYNC_BASE_URL" in fix_after(result, "API reachable")
    assert "not checked" in next(line for line in lines(result, "FAIL") if "API key" in line)


def test_an_unhealthy_api_fails(api: SandboxServer, tmp_path: Path) -> None:
    with configured(api, healthy=False):
        result = doctor(api, tmp_path)
    assert result.returncode == 1
    assert "503" in next(line for line in lines(result, "FAIL") if "healthy" in line)


def test_an_output_folder_that_cannot_be_written_fails(api: SandboxServer, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = doctor(api, tmp_path, SYNC_MCP_OUTPUT_DIR=str(blocker / "out"))
    assert result.returncode == 1
    assert [line.split(":")[0] for line in lines(result, "FAIL")] == ["FAIL  output folder"]
    assert "SYNC_MCP_OUTPUT_DIR" in fix_after(result, "output folder")


def test_a_missing_allowed_folder_and_a_malformed_secret_fail(api: SandboxServer, tmp_path: Path) -> None:
    result = doctor(
        api,
        tmp_path,
        SYNC_MCP_ALLOWED_DIRS=str(tmp_path / "nowhere"),
        SYNC_MCP_WEBHOOK_SECRET="sk-not-a-webhook-secret",
    )
    assert result.returncode == 1
    failed = [line.split(":")[0] for line in lines(result, "FAIL")]
    assert failed == ["FAIL  allowed folders", "FAIL  webhook secret"]
    assert "SYNC_MCP_ALLOWED_DIRS" in fix_after(result, "allowed folders")
    assert "whsec_" in fix_after(result, "webhook secret")
    assert "sk-not-a-webhook-secret" not in result.stdout + result.stderr


def test_an_unreadable_setting_fails_naming_it_and_what_it_accepts(api: SandboxServer, tmp_path: Path) -> None:
    result = doctor(api, tmp_path, SYNC_MCP_MAX_RETRIES="many-7f31", SYNC_MCP_SECRET_KEY="k" * 40)
    assert result.returncode == 1
    [line] = lines(result, "FAIL")
    assert "SYNC_MCP_MAX_RETRIES='many-7f31'" in line and "a whole number from 0 to 10" in line
    assert "SYNC_MCP_SECRET_KEY (value hidden)" in line and "k" * 40 not in result.stdout


def test_host_prints_that_hosts_block_only(api: SandboxServer, tmp_path: Path) -> None:
    result = doctor(api, tmp_path, "--host", "cursor")
    assert result.returncode == 0
    assert "(--host cursor)" in result.stdout and "(--host windsurf)" not in result.stdout
    [cursor] = [h for h in HOSTS if h.name == "cursor"]
    assert f"```json\n{cursor.blocks[0][1]}```" in result.stdout
    unknown = doctor(api, tmp_path, "--host", "notepad")
    assert unknown.returncode == 2 and "cursor" in unknown.stdout


# ----------------------------------------------------------------------------------------------- one home


def _local_host_section() -> str:
    section = re.search(r"^## Use it from an MCP client\n(.*?)(?=^## )", README, re.M | re.S)
    assert section, "README has no '## Use it from an MCP client' section"
    return section.group(1).split("**ChatGPT and Claude custom connectors")[0]


def test_the_readme_and_doctor_show_the_same_host_blocks() -> None:
    readme: list[tuple[str, list[tuple[str, str]]]] = []
    for match in re.finditer(r"^\*\*([^*]+)\*\*|```(\w+)\n(.*?)```", _local_host_section(), re.M | re.S):
        if match.group(1):
            readme.append((match.group(1), []))
        else:
            readme[-1][1].append((match.group(2), match.group(3)))
    assert [(title, blocks) for title, blocks in readme] == [(h.title, list(h.blocks)) for h in HOSTS]


def test_every_host_block_keeps_the_key_out_of_arguments() -> None:
    for config in HOSTS:
        for _, text in config.blocks:
            assert "SYNC_API_KEY" in text, config.name
            assert "sk-" not in text, config.name


def test_a_default_toolset_beyond_the_allowed_fails(api: SandboxServer, tmp_path: Path) -> None:
    result = doctor(api, tmp_path, SYNC_MCP_TOOLSETS="core,batch", SYNC_MCP_ALLOWED_TOOLSETS="core,usage")
    assert result.returncode == 1
    assert [line.split(":")[0] for line in lines(result, "FAIL")] == ["FAIL  toolsets"]
    assert "batch" in result.stdout and "SYNC_MCP_ALLOWED_TOOLSETS" in fix_after(result, "toolsets")


def test_host_blocks_follow_this_system_and_name_the_key_where_it_is(api: SandboxServer, tmp_path: Path) -> None:
    system = platform.system()
    desktop = doctor(api, tmp_path, "--host", "claude-desktop")
    assert desktop.returncode == 0
    assert "your-key-here" in desktop.stdout and "Replace your-key-here" in desktop.stdout
    if system != "Darwin":
        assert "/Users/me" not in desktop.stdout and "Library/Application Support" not in desktop.stdout
    if system == "Linux":
        assert '"SYNC_MCP_ALLOWED_DIRS": "/home/me/Videos"' in desktop.stdout
    code = doctor(api, tmp_path, "--host", "claude-code")
    assert "your-key-here" not in code.stdout, "no placeholder to replace above blocks that read $SYNC_API_KEY"
    assert "SYNC_API_KEY in the environment" in code.stdout
    assert "--scope project --transport stdio --env 'SYNC_API_KEY=${SYNC_API_KEY}'" in code.stdout


def test_no_host_block_writes_the_key_into_a_file_that_is_shared_or_read_as_config() -> None:
    goose = host("goose")
    assert goose is not None and "env_keys:\n      - SYNC_API_KEY" in goose.blocks[0][1]
    assert "envs:" not in goose.blocks[0][1] and "your-key-here" not in goose.blocks[0][1]
    zed = host("zed")
    assert zed is not None and '"source"' not in zed.blocks[0][1]
    code = host("claude-code")
    assert code is not None
    [project] = [text for _, text in code.blocks if "--scope project" in text]
    assert "'SYNC_API_KEY=${SYNC_API_KEY}'" in project, "single quotes: the shell must leave the reference alone"
    assert "Settings → Apps → Create app" in README and "Settings → Connectors → Create" not in README
