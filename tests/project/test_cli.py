"""The `sync-mcp` command: complete help, a working --log-level, logfmt lines on stderr, and nothing but
JSON-RPC on stdout in stdio mode (checked on a raw byte stream, as a host reads it)."""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from typing import Any

import pytest

from sync_mcp import __version__
from sync_mcp.cli import build_parser
from sync_mcp.config import Settings
from sync_mcp.sandbox import SandboxServer

from ..conftest import TEST_KEY

LOGFMT_PAIR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^\s"]+)(?: |$)')
VIDEO = {"type": "video", "url": "https://m.example.com/v.mp4"}
AUDIO = {"type": "audio", "url": "https://m.example.com/a.wav"}


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if a.option_strings and not isinstance(a, argparse._HelpAction)]


def test_help_lists_every_subcommand_and_option(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    subcommands = _subcommands(parser)
    assert {"serve", "demo", "sandbox"} <= set(subcommands)
    with pytest.raises(SystemExit) as exited:
        parser.parse_args(["--help"])
    assert exited.value.code == 0
    top = capsys.readouterr().out
    for name in subcommands:
        assert re.search(rf"^\s+{re.escape(name)}\s+\S", top, re.M), f"`{name}` missing from --help (or no help)"
    for action in _options(parser):
        assert action.help and action.help is not argparse.SUPPRESS, action.option_strings
        assert action.option_strings[-1] in top
    for name, sub in subcommands.items():
        with pytest.raises(SystemExit):
            parser.parse_args([name, "--help"])
        text = capsys.readouterr().out
        for action in _options(sub):
            assert action.help and action.help is not argparse.SUPPRESS, (name, action.option_strings)
            assert action.option_strings[-1] in text, (name, action.option_strings)


def test_help_and_version_from_the_module_entry_point() -> None:
    helped = subprocess.run([sys.executable, "-m", "sync_mcp", "--help"], capture_output=True, text=True, timeout=60)
    assert helped.returncode == 0 and "SYNC_API_KEY" in helped.stdout and "sandbox" in helped.stdout
    version = subprocess.run(
        [sys.executable, "-m", "sync_mcp", "--version"], capture_output=True, text=True, timeout=60
    )
    assert version.returncode == 0 and version.stdout.strip() == f"sync-mcp {__version__}"


def test_a_bad_log_level_is_refused_with_the_choices() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sync_mcp", "--log-level", "LOUD"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and done.stdout == ""
    assert "--log-level" in done.stderr and "DEBUG" in done.stderr


def parse_logfmt(line: str) -> dict[str, str]:
    pairs = LOGFMT_PAIR.findall(line)
    assert "".join(f"{k}={v} " for k, v in pairs).rstrip() == line, f"not a logfmt line: {line!r}"
    return {k: json.loads(v) if v.startswith('"') else v for k, v in pairs}


class RawSession:
    """`python -m sync_mcp` over real pipes: JSON-RPC lines in, every stdout line kept as raw text."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sync_mcp", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
            encoding="utf-8",
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        self._stderr: list[str] = []
        threading.Thread(target=self._pump_stdout, daemon=True).start()
        self._err = threading.Thread(target=lambda: self._stderr.append(self.proc.stderr.read()), daemon=True)
        self._err.start()

    def _pump_stdout(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line)

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()

    def request(self, id: int, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self.send({"jsonrpc": "2.0", "id": id, "method": method, **({"params": params} if params else {})})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.5)
            except queue.Empty:
                if self.proc.poll() is not None:
                    raise AssertionError(f"the server exited ({self.proc.returncode}): {self.close()}") from None
                continue
            self.lines.append(line)
            message = json.loads(line)
            if message.get("id") == id and "method" not in message:
                return message
        raise AssertionError(f"no reply to request {id} ({method}); stdout so far: {self.lines}")

    def close(self) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=15)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        self._err.join(timeout=5)
        while not self._queue.empty():
            self.lines.append(self._queue.get())
        return "".join(self._stderr)


def _env(api: SandboxServer, **extra: str) -> dict[str, str]:
    keep = {k: os.environ[k] for k in ("PATH", "SYSTEMROOT", "HOME") if k in os.environ}
    return keep | {"SYNC_API_KEY": TEST_KEY, "SYNC_BASE_URL": api.base_url, "PYTHONUNBUFFERED": "1", **extra}


def _session(api: SandboxServer, args: list[str], env: dict[str, str]) -> tuple[list[str], str, dict[str, Any]]:
    api.state.script_fault(status=503, method="GET", path="/v2/generate/", times=1)  # one retry: an INFO record
    session = RawSession(args, env)
    try:
        init = session.request(
            1,
            "initialize",
            {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}},
        )
        assert init["result"]["serverInfo"]["name"] == "sync-mcp"
        session.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        listed = session.request(2, "tools/list")
        created = session.request(
            3, "tools/call", {"name": "create_generation", "arguments": {"model": "lipsync-2", "input": [VIDEO, AUDIO]}}
        )
        generation_id = created["result"]["structuredContent"]["id"]
        fetched = session.request(4, "tools/call", {"name": "get_generation", "arguments": {"id": generation_id}})
        refused = session.request(5, "tools/call", {"name": "create_generation", "arguments": {"model": "nope"}})
        missing = session.request(
            6, "tools/call", {"name": "get_generation", "arguments": {"id": "0b7a4a52-5c1e-4c8e-9d55-2f1a7f1e9c3d"}}
        )
    finally:
        stderr = session.close()
    replies = {"listed": listed, "fetched": fetched, "refused": refused, "missing": missing}
    return session.lines, stderr, replies


def _assert_only_jsonrpc(stdout_lines: list[str]) -> None:
    assert stdout_lines
    for line in stdout_lines:
        message = json.loads(line)  # a log line or a print would fail here
        assert message["jsonrpc"] == "2.0", line
        assert "method" in message or ("id" in message and ("result" in message or "error" in message)), line


def test_stdout_is_only_jsonrpc_and_logs_are_logfmt_on_stderr(api: SandboxServer) -> None:
    stdout_lines, stderr, replies = _session(api, ["--log-level", "DEBUG"], _env(api))
    _assert_only_jsonrpc(stdout_lines)
    assert {t["name"] for t in replies["listed"]["result"]["tools"]} >= {"create_generation", "get_generation"}
    assert replies["fetched"]["result"]["isError"] is False
    assert replies["refused"]["result"]["isError"] is True
    assert replies["missing"]["result"]["isError"] is True
    missing = replies["missing"]["result"]
    assert "structuredContent" not in missing
    assert (
        json.loads(missing["content"][0]["text"])["httpStatus"]
        == 404
        == missing["_meta"]["so.sync/error"]["httpStatus"]
    )
    records = [parse_logfmt(line) for line in stderr.splitlines() if line.strip()]
    assert records, "DEBUG should log something"
    for record in records:
        assert {"time", "level", "logger", "msg"} <= set(record)
    levels = {r["level"] for r in records}
    assert "DEBUG" in levels
    assert any(r["level"] == "INFO" and "retrying" in r["msg"] for r in records), "the 503 retry is logged"
    assert TEST_KEY not in stderr and TEST_KEY not in "".join(stdout_lines)


def test_log_level_flag_wins_over_the_environment(api: SandboxServer) -> None:
    stdout_lines, stderr, replies = _session(api, ["--log-level", "warning"], _env(api, SYNC_MCP_LOG_LEVEL="DEBUG"))
    _assert_only_jsonrpc(stdout_lines)
    assert replies["fetched"]["result"]["isError"] is False  # the retry happened, silently at this level
    levels = {parse_logfmt(line)["level"] for line in stderr.splitlines() if line.strip()}
    assert not levels & {"DEBUG", "INFO"}, stderr


def test_the_old_spend_cap_name_still_works_and_is_called_deprecated(api: SandboxServer) -> None:
    stdout_lines, stderr, replies = _session(api, [], _env(api, SYNC_MAX_COST_USD="100"))
    _assert_only_jsonrpc(stdout_lines)
    records = [parse_logfmt(line) for line in stderr.splitlines() if line.strip()]
    assert any(
        r["level"] == "WARNING"
        and "SYNC_MAX_COST_USD is deprecated" in r["msg"]
        and "SYNC_MCP_MAX_COST_USD" in r["msg"]
        for r in records
    ), stderr
    assert replies["fetched"]["result"]["isError"] is False


def test_the_old_spend_cap_name_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNC_MAX_COST_USD", "2.5")
    assert Settings(_env_file=None).max_cost_usd == 2.5  # type: ignore[call-arg]
    monkeypatch.setenv("SYNC_MCP_MAX_COST_USD", "4")
    assert Settings(_env_file=None).max_cost_usd == 4  # type: ignore[call-arg]
