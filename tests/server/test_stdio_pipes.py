"""The stdio transport over asyncio pipes (`sync_mcp.server.stdio`): lines in and out intact whatever their
size, stray reads and writes kept off the wire while serving, descriptors restored afterwards, and the
SDK's own transport where stdio is not a pipe."""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from sync_mcp.server.stdio import pipe_like, pipe_streams

pytestmark = pytest.mark.anyio


class Wires:
    """Two pipes standing for a host and this server's stdin and stdout; closes what is left open."""

    def __init__(self) -> None:
        self.stdin_fd, self.host_in = os.pipe()
        self.host_out, self.stdout_fd = os.pipe()
        self._open = {self.stdin_fd, self.host_in, self.host_out, self.stdout_fd}

    def close(self, fd: int) -> None:
        if fd in self._open:  # never twice: the number may belong to another file by then
            self._open.discard(fd)
            os.close(fd)

    def close_all(self) -> None:
        for fd in list(self._open):
            self.close(fd)


@pytest.fixture
def wires() -> Iterator[Wires]:
    pipes = Wires()
    yield pipes
    pipes.close_all()


def _drain(fd: int, into: bytearray) -> threading.Thread:
    def run() -> None:
        while chunk := os.read(fd, 65536):
            into.extend(chunk)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


async def test_lines_in_and_out_whatever_their_size(wires: Wires) -> None:
    host_in, stdin_fd, stdout_fd, host_out = wires.host_in, wires.stdin_fd, wires.stdout_fd, wires.host_out
    big = "x" * (1 << 20)  # far beyond asyncio's default line limit and the pipe buffer
    os.write(host_in, b'{"a": 1}\n')
    received = bytearray()
    reader = _drain(host_out, received)
    with anyio.fail_after(20):
        async with pipe_streams(stdin_fd, stdout_fd) as (lines, out):

            def host_writes() -> None:
                os.write(host_in, (big + "\nlast").encode())
                wires.close(host_in)

            writer = threading.Thread(target=host_writes)
            writer.start()
            got = [line async for line in lines]
            writer.join()
            await out.write("héllo\n")
            await out.write(big + "\n")
            await out.flush()
        wires.close(stdout_fd)  # our copy of the wire: the host now sees the end
        await anyio.to_thread.run_sync(reader.join)
    assert got == ['{"a": 1}\n', big + "\n", "last"]
    assert received.decode("utf-8") == "héllo\n" + big + "\n"


async def test_stray_io_is_kept_off_the_wire_and_descriptors_come_back(wires: Wires) -> None:
    host_in, stdin_fd, stdout_fd, host_out = wires.host_in, wires.stdin_fd, wires.stdout_fd, wires.host_out
    async with pipe_streams(stdin_fd, stdout_fd) as (_, out):
        assert os.read(stdin_fd, 10) == b""  # reads the null device, not the host's messages
        os.write(stdout_fd, b"stray\n")  # goes to stderr, not to the host
        await out.write("wire\n")
        await out.flush()
    assert os.get_blocking(stdin_fd) and os.get_blocking(stdout_fd)
    os.write(stdout_fd, b"after\n")  # the wire again
    os.write(host_in, b"next\n")
    assert os.read(stdin_fd, 10) == b"next\n"
    wires.close(stdout_fd)
    received = bytearray()
    _drain(host_out, received).join(timeout=10)
    assert received == b"wire\nafter\n"


def test_only_pollable_pipes_sockets_and_terminals_are_served_by_asyncio(wires: Wires, tmp_path: Path) -> None:
    with (tmp_path / "file").open("wb") as regular, open(os.devnull, "rb") as null:
        assert pipe_like(wires.stdin_fd) and pipe_like(wires.stdout_fd, selectors.EVENT_WRITE)
        assert not pipe_like(regular.fileno())
        assert not pipe_like(null.fileno())  # a character device, but epoll refuses it


def test_the_server_ends_at_once_on_an_empty_stdin() -> None:
    env = {"PATH": os.environ.get("PATH", ""), "SYNC_BASE_URL": "http://127.0.0.1:9"}
    done = subprocess.run(
        [sys.executable, "-m", "sync_mcp"], stdin=subprocess.DEVNULL, capture_output=True, env=env, timeout=60
    )
    assert done.returncode == 0 and done.stdout == b""


def test_regular_files_get_the_sdk_transport(tmp_path: Path) -> None:
    request = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/list",
        "params": {
            "_meta": {
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientInfo": {"name": "test", "version": "0"},
                "io.modelcontextprotocol/clientCapabilities": {},
            }
        },
    }
    (tmp_path / "in.jsonl").write_text(json.dumps(request) + "\n")
    env = {"PATH": os.environ.get("PATH", ""), "SYNC_BASE_URL": "http://127.0.0.1:9"}
    with (tmp_path / "in.jsonl").open("rb") as stdin, (tmp_path / "out.jsonl").open("wb") as stdout:
        subprocess.run(
            [sys.executable, "-m", "sync_mcp"], stdin=stdin, stdout=stdout, stderr=subprocess.DEVNULL,
            env=env, cwd=tmp_path, timeout=60, check=True,
        )  # fmt: skip
    answer = json.loads((tmp_path / "out.jsonl").read_text().splitlines()[0])
    assert answer["id"] == 1 and answer["result"]["tools"]
