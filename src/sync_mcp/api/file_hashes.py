"""SHA-256s of local files this process has hashed, by the file's identity, so that uploading an unchanged file
again (to reuse its asset) reads none of it.

The identity is what the OS changes whenever the file's bytes may have changed: device and inode (another file
at the same name), size, modification time and change time (`st_ctime_ns`, which no program can set back: any
write, truncation or `utime` moves it on). A file modified within the OS's timestamp granularity of its
previous change could keep its change time, so (as git does for its index) a hash is only remembered when the
file had not changed for `SETTLED_NS` before hashing began and is still the same file afterwards. What is
uploaded is hashed again as it is sent in any case; the remembered hash only decides reuse and what the sent
bytes must hash to.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from typing import BinaryIO

FileKey = tuple[int, int, int, int, int]
"""(device, inode, size, mtime_ns, ctime_ns)."""
SETTLED_NS = 2_000_000_000
"""A file last changed less than this long before it was hashed is not remembered (its change time may not
move again on the next write)."""
REMEMBERED = 512
"""Hashes kept (the most recently used)."""

_hashes: OrderedDict[FileKey, str] = OrderedDict()


def key_of(file: BinaryIO) -> FileKey:
    """The identity of an open file, from its descriptor."""
    st = os.fstat(file.fileno())
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def known(key: FileKey) -> str | None:
    """The SHA-256 remembered for a file with this identity, if any."""
    digest = _hashes.get(key)
    if digest is not None:
        _hashes.move_to_end(key)
    return digest


def remember(key: FileKey, digest: str, file: BinaryIO, *, hashed_at_ns: int) -> None:
    """Remember `digest` for `key` if the file had settled before hashing began (`hashed_at_ns`, a
    `time.time_ns()` reading) and still has the identity `key` now that it is hashed."""
    if hashed_at_ns - key[4] < SETTLED_NS or key_of(file) != key:
        return
    _hashes[key] = digest
    _hashes.move_to_end(key)
    while len(_hashes) > REMEMBERED:
        _hashes.popitem(last=False)
