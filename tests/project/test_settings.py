"""Every setting is read and checked in one place at start: a value the server cannot use stops it with one line
naming the variable, its value (never a secret's) and what it accepts, exit code 2; `sync-mcp doctor` refuses the
same value with the same line, so it never passes what the server refuses."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import sync_mcp
from sync_mcp.config import env_names

SOURCE = str(Path(sync_mcp.__file__).resolve().parent.parent)

BAD: dict[str, str | None] = {
    "SYNC_API_KEY": None,  # any text: the API judges it (doctor's "API key accepted")
    "SYNC_BASE_URL": "ftp://api.example.invalid",
    "SYNC_MCP_OUTPUT_DIR": None,  # any path: doctor's "output folder" judges it
    "SYNC_MCP_ALLOWED_DIRS": None,  # any paths: doctor's "allowed folders" judges them
    "SYNC_MCP_MAX_COST_USD": "-5",
    "SYNC_MCP_CONFIRM_ABOVE_USD": "ten",
    "SYNC_MCP_HTTP_TOKEN": "a" * 32,
    "SYNC_MCP_ALLOWED_HOSTS": None,  # host names, checked by the HTTP transport
    "SYNC_MCP_ALLOWED_ORIGINS": None,
    "SYNC_MCP_PUBLIC_URL": None,  # checked where it is used (OAuth issuer, webhooks): doctor's OAuth check
    "SYNC_MCP_WEBHOOK_SECRET": None,  # its form is doctor's "webhook secret" check
    "SYNC_MCP_TOOLSETS": "core,everything",
    "SYNC_MCP_ALLOWED_TOOLSETS": "core,everything",
    "SYNC_MCP_AUTH": "basic",
    "SYNC_MCP_SECRET_KEY": "a" * 40,
    "SYNC_MCP_MEDIA_DOMAINS": None,
    "SYNC_MCP_LOG_LEVEL": "LOUD",
    "SYNC_MCP_REQUEST_TIMEOUT": "0",
    "SYNC_MCP_MAX_WAIT_SECONDS": "abc",
    "SYNC_MCP_CATALOG_TTL": "-1",
    "SYNC_MCP_MAX_RETRIES": "11",
    "SYNC_MCP_RETRY_BUDGET": "soon",
    "SYNC_MCP_RETRY_BASE_DELAY": "-0.5",
    "SYNC_MCP_MAX_DOWNLOAD_BYTES": "5GB",
    "SYNC_MCP_DOWNLOAD_TIMEOUT": "0",
    "SYNC_MCP_OUTPUT_QUOTA_BYTES": "20GB",
    "SYNC_MCP_OUTPUT_BUDGET_BYTES": "0",
    "SYNC_MCP_REDIS_URL": "http://cache.example.invalid:6379",
    "SYNC_MCP_REDIS_NAMESPACE": None,  # any prefix
    "SYNC_MCP_ALLOW_INSECURE_BASE": "maybe",
    "SYNC_MCP_SHUTDOWN_GRACE_SECONDS": "-1",
    "SYNC_MCP_METRICS": "sometimes",
    "SYNC_MCP_LOG_FORMAT": "xml",
    "SYNC_MCP_UPLOAD_LINK_MINUTES": "0",
}
SECRETS = {"SYNC_MCP_HTTP_TOKEN", "SYNC_MCP_SECRET_KEY", "SYNC_MCP_REDIS_URL"}
ACCEPTS = {
    "SYNC_MCP_LOG_LEVEL": "DEBUG, INFO, WARNING, ERROR, CRITICAL",
    "SYNC_MCP_AUTH": "token, oauth",
    "SYNC_MCP_MAX_WAIT_SECONDS": "from 1 to 3600",
    "SYNC_MCP_OUTPUT_QUOTA_BYTES": "whole number of bytes",
    "SYNC_MCP_TOOLSETS": "valid names: core",
    "SYNC_MCP_ALLOWED_TOOLSETS": "valid names: core",
    "SYNC_MCP_SHUTDOWN_GRACE_SECONDS": "from 0 to 3600",
    "SYNC_MCP_LOG_FORMAT": "text, json",
    "SYNC_MCP_SECRET_KEY": "at least 32 characters with at least 10 distinct",
    "SYNC_MCP_HTTP_TOKEN": "secrets.token_urlsafe",
}


def run(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m sync_mcp ARGS` with only `env` set (no key, no .env file: `cwd` is empty)."""
    values = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": SOURCE, **env}
    return subprocess.run(
        [sys.executable, "-m", "sync_mcp", *args], capture_output=True, text=True, timeout=120, env=values, cwd=cwd
    )


def test_the_table_names_every_setting() -> None:
    assert set(BAD) == set(env_names()), "a new setting needs a bad value here (or None, saying who checks it)"


@pytest.mark.parametrize("name", [n for n, v in BAD.items() if v is not None])
def test_a_bad_value_stops_the_server_with_one_line_and_doctor_agrees(name: str, tmp_path: Path) -> None:
    value = BAD[name]
    assert value is not None
    served = run(tmp_path, **{name: value})
    assert served.returncode == 2, served.stderr
    assert served.stdout == "", "stdout is JSON-RPC's"
    [line] = served.stderr.strip().splitlines()
    assert line.startswith("sync-mcp: ") and name in line, line
    assert "Traceback" not in served.stderr
    if name in SECRETS:
        assert value not in line and "value hidden" in line, line
    else:
        assert repr(value) in line, line
    assert ACCEPTS.get(name, "accepts") in line, line

    checked = run(tmp_path, "doctor", **{name: value})
    assert checked.returncode == 1
    assert f"FAIL  configuration: {line.removeprefix('sync-mcp: ')}" in checked.stdout, checked.stdout
    assert value not in checked.stdout or name not in SECRETS


def test_http_beyond_loopback_needs_https_or_an_explicit_opt_in(tmp_path: Path) -> None:
    url = "http://ops:pw-7f3a91@api.example.invalid"
    served = run(tmp_path, SYNC_BASE_URL=url)
    assert served.returncode == 2
    [line] = served.stderr.strip().splitlines()
    assert "SYNC_BASE_URL" in line and "clear text" in line and "SYNC_MCP_ALLOW_INSECURE_BASE=1" in line
    checked = run(tmp_path, "doctor", SYNC_BASE_URL=url)
    assert checked.returncode == 1 and "clear text" in checked.stdout
    for output in (served.stderr, checked.stdout + checked.stderr):
        assert "pw-7f3a91" not in output and "ops:" not in output, "credentials in the URL are never printed"
    allowed = run(tmp_path, "doctor", "--host", "cursor", SYNC_BASE_URL=url, SYNC_MCP_ALLOW_INSECURE_BASE="1")
    assert "FAIL  configuration" not in allowed.stdout and "pw-7f3a91" not in allowed.stdout + allowed.stderr


def test_the_sandbox_on_a_busy_port_says_so_and_port_0_takes_a_free_one(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        refused = run(tmp_path, "sandbox", "--port", str(port))
    assert refused.returncode == 2
    [line] = refused.stderr.strip().splitlines()
    assert f"port {port}" in line and "already in use" in line and "--port 0" in line, line
    with subprocess.Popen(
        [sys.executable, "-m", "sync_mcp", "sandbox", "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": SOURCE},
        cwd=tmp_path,
    ) as free:
        try:
            assert free.stderr is not None
            first = free.stderr.readline()
        finally:
            free.terminate()
    assert "Sync API sandbox on http://127.0.0.1:" in first and ":0 " not in first, first


def test_serving_beyond_loopback_without_a_token_says_how_to_make_one(tmp_path: Path) -> None:
    refused = run(tmp_path, "--transport", "http", "--host", "0.0.0.0", "--port", "0")
    assert refused.returncode != 0 and refused.stdout == ""
    [line] = refused.stderr.strip().splitlines()
    assert "SYNC_MCP_HTTP_TOKEN" in line and "secrets.token_urlsafe(32)" in line, line
