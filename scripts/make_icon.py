"""Draw the bundle icon (icon.png, 512x512 RGBA) with the standard library only.

A rounded square in a violet-to-pink gradient with a white, symmetric waveform: sound driving a picture.
Edges are anti-aliased from signed distances. Run from the repository root: `python scripts/make_icon.py` writes
the bundle's icon and the server's own small copy of it (`src/sync_mcp/server/data/icon-32.png`).
"""

from __future__ import annotations

import math
import struct
import sys
import zlib
from pathlib import Path

SIZE = 512
CORNER = 112
TOP = (109, 40, 217)  # violet
BOTTOM = (219, 39, 119)  # pink
BAR_WIDTH = 34
BAR_GAP = 22
BAR_HEIGHTS = (90, 170, 250, 320, 250, 170, 90)


def _rounded_box(px: float, py: float, cx: float, cy: float, hw: float, hh: float, r: float) -> float:
    """Signed distance from a point to a rounded rectangle (negative inside)."""
    qx = abs(px - cx) - (hw - r)
    qy = abs(py - cy) - (hh - r)
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
    return outside + min(max(qx, qy), 0.0) - r


def _coverage(distance: float) -> float:
    return min(1.0, max(0.0, 0.5 - distance))


def render(size: int = SIZE) -> bytes:
    """The icon at `size` pixels: drawn in the 512-pixel design's coordinates, anti-aliased at the target size."""
    scale = SIZE / size
    half = SIZE / 2
    total = len(BAR_HEIGHTS) * BAR_WIDTH + (len(BAR_HEIGHTS) - 1) * BAR_GAP
    bars = [(half - total / 2 + i * (BAR_WIDTH + BAR_GAP) + BAR_WIDTH / 2, h / 2) for i, h in enumerate(BAR_HEIGHTS)]
    rows = bytearray()
    for y in range(size):
        py = (y + 0.5) * scale
        t = y / max(size - 1, 1)
        base = tuple(round(a + (b - a) * t) for a, b in zip(TOP, BOTTOM, strict=True))
        rows.append(0)  # filter: none
        for x in range(size):
            px = (x + 0.5) * scale
            alpha = _coverage(_rounded_box(px, py, half, half, half - 8, half - 8, CORNER) / scale)
            if alpha == 0.0:
                rows += b"\x00\x00\x00\x00"
                continue
            ink = 0.0
            for cx, hh in bars:
                if abs(px - cx) <= BAR_WIDTH / 2 + scale and abs(py - half) <= hh + scale:
                    distance = _rounded_box(px, py, cx, half, BAR_WIDTH / 2, hh, BAR_WIDTH / 2) / scale
                    ink = max(ink, _coverage(distance))
            r, g, b = (round(c + (255 - c) * ink) for c in base)
            rows += bytes((r, g, b, round(alpha * 255)))
    return bytes(rows)


def _up(raw: bytes, width: int) -> bytes:
    """Rows (each led by filter byte 0) re-filtered as Up, each byte less the one above it: at 32 px the rows
    differ little and compress to less (the small icon rides in every 2026-07-28 response)."""
    stride = width * 4 + 1
    rows = [raw[i + 1 : i + stride] for i in range(0, len(raw), stride)]
    out = bytearray()
    above = bytes(stride - 1)
    for row in rows:
        out.append(2)  # filter: up
        out += bytes((b - a) & 0xFF for b, a in zip(row, above, strict=True))
        above = row
    return bytes(out)


def png(width: int, height: int, raw: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    pixels = min(zlib.compress(raw, 9), zlib.compress(_up(raw, width), 9), key=len)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


SERVER_ICON = Path("src/sync_mcp/server/data/icon-32.png")
"""The server's icon at the size hosts show beside its name (a data: URI in serverInfo, which the 2026-07-28
protocol repeats in every response, so it is kept small)."""
SERVER_ICON_SIZE = 32


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("icon.png")
    target.write_bytes(png(SIZE, SIZE, render()))
    print(f"wrote {target} ({SIZE}x{SIZE})")
    if len(sys.argv) == 1:
        SERVER_ICON.parent.mkdir(parents=True, exist_ok=True)
        SERVER_ICON.write_bytes(png(SERVER_ICON_SIZE, SERVER_ICON_SIZE, render(SERVER_ICON_SIZE)))
        print(f"wrote {SERVER_ICON} ({SERVER_ICON_SIZE}x{SERVER_ICON_SIZE})")


if __name__ == "__main__":
    main()
