"""`sync-mcp doctor` checks OAuth sign-in and shared state in Redis with the rules the server starts with: what the
server refuses, doctor fails, saying what to do; Redis that keeps nothing across a restart fails too."""

from __future__ import annotations

from pathlib import Path

from sync_mcp.sandbox import SandboxServer

from ..oauth_support import SECRET
from ..redis_support import RedisProcess, durable_redis, free_port, redis_server
from .test_doctor import doctor, fix_after, lines
from .test_settings import run

__all__ = ["durable_redis", "redis_server"]  # fixtures


def test_redis_that_persists_passes(api: SandboxServer, tmp_path: Path, durable_redis: RedisProcess) -> None:
    result = doctor(api, tmp_path, "--host", "cursor", SYNC_MCP_REDIS_URL=durable_redis.url)
    assert result.returncode == 0, result.stdout
    passed = "\n".join(lines(result, "ok"))
    assert "Redis reachable" in passed and "Redis persistence: append-only file on" in passed


def test_redis_without_persistence_fails(api: SandboxServer, tmp_path: Path, redis_server: RedisProcess) -> None:
    result = doctor(api, tmp_path, "--host", "cursor", SYNC_MCP_REDIS_URL=redis_server.url)
    assert result.returncode == 1
    assert [line.split(":")[0] for line in lines(result, "FAIL")] == ["FAIL  Redis persistence"]
    assert "appendonly yes" in fix_after(result, "Redis persistence")


def test_unreachable_redis_fails_in_doctor_as_the_server_refuses_it(api: SandboxServer, tmp_path: Path) -> None:
    url = f"redis://:pw-9c1d7e@127.0.0.1:{free_port()}/0"  # nothing listens there
    result = doctor(api, tmp_path, "--host", "cursor", SYNC_MCP_REDIS_URL=url)
    assert result.returncode == 1
    assert any(line.startswith("FAIL  Redis reachable: cannot reach Redis") for line in lines(result, "FAIL"))
    served = run(tmp_path, SYNC_MCP_REDIS_URL=url)
    assert served.returncode != 0 and "cannot reach Redis" in served.stderr
    assert "pw-9c1d7e" not in result.stdout + result.stderr + served.stderr


def test_oauth_settings_are_checked_as_the_server_checks_them(api: SandboxServer, tmp_path: Path) -> None:
    oauth = {"SYNC_MCP_AUTH": "oauth", "SYNC_MCP_SECRET_KEY": SECRET}
    missing = doctor(api, tmp_path, "--host", "cursor", **oauth)
    assert missing.returncode == 1 and "needs SYNC_MCP_PUBLIC_URL" in "\n".join(lines(missing, "FAIL  OAuth sign-in"))
    served = run(tmp_path, "--transport", "http", "--host", "0.0.0.0", "--port", "0", **oauth)
    assert served.returncode != 0 and "needs SYNC_MCP_PUBLIC_URL" in served.stderr
    clear = doctor(api, tmp_path, "--host", "cursor", SYNC_MCP_PUBLIC_URL="http://mcp.example.invalid", **oauth)
    assert "needs an https SYNC_MCP_PUBLIC_URL" in "\n".join(lines(clear, "FAIL  OAuth sign-in"))
    good = doctor(api, tmp_path, "--host", "cursor", SYNC_MCP_PUBLIC_URL="https://mcp.example.invalid", **oauth)
    assert good.returncode == 0, good.stdout
    assert "OAuth sign-in: issuer https://mcp.example.invalid" in "\n".join(lines(good, "ok"))
    assert SECRET not in missing.stdout + clear.stdout + good.stdout
