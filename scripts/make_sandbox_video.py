"""Make the sandbox's output video: `src/sync_mcp/sandbox/data/output.mp4`, committed, so installs need no ffmpeg.

A 5-second 320x180 H.264 (baseline) + AAC (silent) MP4 with its index first (`faststart`), labelled as a
sandbox output, with a running clock so a player visibly plays. About 6 KB. Run again only to change it:

    python scripts/make_sandbox_video.py        # needs ffmpeg with libx264 and the DejaVu fonts (Debian:
                                                # apt-get install ffmpeg fonts-dejavu-core)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "src" / "sync_mcp" / "sandbox" / "data" / "output.mp4"
FONTS = Path("/usr/share/fonts/truetype/dejavu")
SECONDS = 5  # the sandbox reports outputDuration 5.0 (SandboxConfig.output_duration_seconds)


def _text(text: str, font: str, size: int, color: str, y: str) -> str:
    return (
        f"drawtext=fontfile={FONTS / font}:text='{text}':fontcolor={color}:fontsize={size}:x=(w-tw)/2:y={y}"
    )


def main() -> int:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        print("ffmpeg is not installed (Debian: apt-get install ffmpeg)", file=sys.stderr)
        return 1
    picture = ",".join(
        [
            f"color=c=0x1f2937:s=320x180:r=10:d={SECONDS}",
            _text("sync-mcp sandbox output", "DejaVuSans.ttf", 20, "white", "h/2-40"),
            _text("a stand-in, not a lip-sync", "DejaVuSans.ttf", 13, "0x9ca3af", "h/2-10"),
            _text("%{pts\\:hms}", "DejaVuSansMono.ttf", 16, "0x60a5fa", "h/2+20"),
        ]
    )
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", picture,
            "-f", "lavfi", "-i", "anullsrc=r=22050:cl=mono",
            "-t", str(SECONDS),
            "-c:v", "libx264", "-profile:v", "baseline", "-pix_fmt", "yuv420p", "-crf", "38", "-preset", "veryslow",
            "-g", "50", "-c:a", "aac", "-b:a", "16k",
            "-movflags", "+faststart", "-map_metadata", "-1",
            "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
            str(TARGET),
        ],
        check=True,
    )
    print(f"{TARGET.relative_to(ROOT)}: {TARGET.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
