"""One local file, from its check to its upload: opened once, and only the opened file is ever read.

`paths.readable_file` checks a *name*. Between that check and the reads that follow, the name may come to
mean another file: a symlink to a file outside renamed over it, a named pipe (whose reader waits forever
for a writer), a device. So the file is opened once, without following a final symlink and without
blocking (`O_NOFOLLOW | O_NONBLOCK`), and the checks are made again on what was opened: a regular file,
the same one that was checked (device and inode), whose real path is still inside the caller's folders.
Hashing and uploading then read from that descriptor only, never from the name again.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sync_mcp.guidance.errors import InputError

from .folders import Folders
from .paths import inside, not_a_regular_file, real_roots

OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_BINARY", 0)
)
"""Never follow a final symlink, never wait (a FIFO without a writer opens at once), never become a terminal."""


@dataclass(frozen=True)
class Identity:
    """What makes a file the same file: its device and inode, and its size when it was checked."""

    device: int
    inode: int
    size: int

    @classmethod
    def of(cls, st: os.stat_result) -> Identity:
        return cls(st.st_dev, st.st_ino, st.st_size)


@dataclass(frozen=True)
class OpenedFile:
    file: BinaryIO
    """Unbuffered reader over the one descriptor; read from offset 0 for the hash, and again for the upload."""
    name: str
    size: int


def changed(field: str, name: str, why: str) -> InputError:
    error = InputError(
        "file_changed",
        f"{field}: '{name}' {why} since it was checked, so it was not uploaded.",
        "Call again once the file is in place and no longer changing.",
        field=field,
    )
    error.info.retryable = True
    return error


def _opened_path(fd: int) -> Path | None:
    """Where the opened file is now, as the OS knows it (None where the OS cannot tell)."""
    if sys.platform.startswith("linux"):
        try:
            return Path(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            return None
    if sys.platform == "darwin":
        import fcntl

        try:
            raw = fcntl.fcntl(fd, 50, b"\0" * 1024)  # F_GETPATH
        except OSError:
            return None
        return Path(os.fsdecode(raw.split(b"\0", 1)[0]))
    return None


def _check_opened(fd: int, path: Path, expected: Identity, folders: Folders, field: str) -> os.stat_result:
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        raise not_a_regular_file(field, path.name, st.st_mode)
    if (st.st_dev, st.st_ino) != (expected.device, expected.inode):
        raise changed(field, path.name, "was replaced by another file")
    if st.st_size != expected.size:
        raise changed(field, path.name, f"changed size ({expected.size} -> {st.st_size} bytes)")
    roots = real_roots(folders)
    where = _opened_path(fd)
    if where is None:  # no way to ask the OS: the name must still lead to the very file that was opened
        try:
            again = path.resolve(strict=True)
            same = os.stat(again)
        except (OSError, RuntimeError):
            raise changed(field, path.name, "was moved or removed") from None
        if (same.st_dev, same.st_ino) != (st.st_dev, st.st_ino):
            raise changed(field, path.name, "was replaced by another file")
        where = again
    if not inside(where, roots):
        raise changed(field, path.name, "was moved out of the folders this server may read")
    return st


@contextmanager
def open_checked(path: Path, expected: Identity, folders: Folders, *, field: str) -> Iterator[OpenedFile]:
    """Open the checked file `path` once and check what was opened (see the module docstring).

    Raises `InputError`: `file_changed` (replaced, moved, resized or now a symlink), `not_a_regular_file`
    (a FIFO, device or socket was put in its place), `file_not_found`, `file_not_readable`.
    """
    try:
        fd = os.open(path, OPEN_FLAGS)
    except OSError as exc:
        raise _open_failure(exc, path, field) from None
    try:
        st = _check_opened(fd, path, expected, folders, field)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)  # a regular file: reads never wait anyway
        file = os.fdopen(fd, "rb", buffering=0)
    except BaseException:
        os.close(fd)
        raise
    with file:
        yield OpenedFile(file=file, name=path.name, size=st.st_size)  # type: ignore[arg-type]


def _open_failure(exc: OSError, path: Path, field: str) -> InputError:
    if exc.errno in (errno.ELOOP, getattr(errno, "EMLINK", -1)) or (
        exc.errno == getattr(errno, "EFTYPE", -1)  # BSDs: O_NOFOLLOW on a symlink
    ):
        return changed(field, path.name, "became a symbolic link")
    if exc.errno == errno.ENOENT:
        return changed(field, path.name, "was moved or removed")
    return InputError(
        "file_not_readable",
        f"{field}: '{path.name}' could not be opened: {exc.strerror or type(exc).__name__}.",
        "Check this server's user may read the file, then call again.",
        field=field,
    )
