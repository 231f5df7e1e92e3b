"""Build the MCP Apps view and the browser test's host page from `view/` (needs Node.js and npm).

    python scripts/build_view.py          # npm ci in view/ (when node_modules is missing), then build

Writes two self-contained HTML files, both committed so that installing the package needs no Node:

- `src/sync_mcp/server/ui/generation.html`: the view (`view/src/generation.{html,css,js}` with the ext-apps
  `App` class bundled by esbuild), served as `ui://sync-mcp/generation.html`;
- `tests/browser/host.html`: a minimal host on the ext-apps `AppBridge` (`view/test-host/host.js`) that
  tests/server/test_app_browser.py loads in Chromium.

Each file starts with the licences of the npm packages bundled into it, and carries a digest of the
sources (`view/src`, `view/test-host`, `view/package-lock.json`) that a test compares, so a change to the
sources without a rebuild is caught.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VIEW = ROOT / "view"
VIEW_OUT = ROOT / "src" / "sync_mcp" / "server" / "ui" / "generation.html"
HOST_OUT = ROOT / "tests" / "browser" / "host.html"
SOURCES = ("src", "test-host", "package-lock.json")
DIGEST_META = "sync-mcp-view-source"
LICENCE_NAMES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE", "license")

HOST_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>sync-mcp test host</title>
<style>body { margin: 0; padding: 16px; background: #e5e7eb; } iframe { border: 0; display: block; }</style>
</head>
<body>
<div id="stage"></div>
<script>/*SCRIPT*/</script>
</body>
</html>
"""


def source_digest(view: Path = VIEW) -> str:
    """sha256 over the view's sources (relative path and bytes of each file, in path order)."""
    digest = hashlib.sha256()
    files: list[Path] = []
    for name in SOURCES:
        path = view / name
        files.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    for path in files:
        digest.update(path.relative_to(view).as_posix().encode() + b"\0")
        digest.update(path.read_bytes().replace(b"\r\n", b"\n") + b"\0")
    return digest.hexdigest()


def _esbuild(entry: Path, out: Path, meta: Path) -> None:
    subprocess.run(
        [
            str(VIEW / "node_modules" / ".bin" / "esbuild"), str(entry),
            "--bundle", "--minify", "--format=iife", "--target=es2020", "--legal-comments=none",
            "--charset=utf8", f"--metafile={meta}", f"--outfile={out}",
        ],
        check=True,
        cwd=VIEW,
    )


def _packages(meta: Path) -> list[Path]:
    """The npm packages whose files went into a bundle, from esbuild's metafile."""
    inputs = json.loads(meta.read_text(encoding="utf-8"))["inputs"]
    roots: set[Path] = set()
    for name in inputs:
        match = re.match(r"^(.*node_modules/(?:@[^/]+/)?[^/]+)/", name)
        if match:
            roots.add((VIEW / match.group(1)).resolve())
    return sorted(roots)


def _licences(packages: list[Path]) -> str:
    parts = []
    for package in packages:
        manifest = json.loads((package / "package.json").read_text(encoding="utf-8"))
        licence = next((package / n for n in LICENCE_NAMES if (package / n).is_file()), None)
        if licence is None:
            raise SystemExit(f"{manifest['name']}: no licence file to include")
        text = licence.read_text(encoding="utf-8").strip()
        if "-->" in text:
            raise SystemExit(f"{manifest['name']}: its licence text cannot sit in an HTML comment")
        heading = f"{manifest['name']} {manifest['version']} ({manifest.get('license', 'see below')})"
        parts.append(f"{heading}\n{'=' * len(heading)}\n\n{text}\n")
    return "\n".join(parts)


def _inline_script(js: str) -> str:
    # Nothing in the bundle may end the <script> element or open an HTML comment inside it.
    js = re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)
    return js.replace("<!--", "<\\!--")


def _page(template: str, js: str, css: str, licences: str, digest: str) -> str:
    head = (
        "<!--\nThis file is built by scripts/build_view.py from view/ in the sync-mcp repository; edit the sources "
        f"there.\n\nIt bundles these npm packages, under their licences:\n\n{licences}-->\n"
    )
    page = template.replace("/*STYLE*/", css.strip()).replace("/*SCRIPT*/", _inline_script(js.strip()))
    page = page.replace("<head>", f'<head>\n<meta name="{DIGEST_META}" content="sha256:{digest}">', 1)
    assert page.startswith("<!doctype html>")
    return page.replace("<!doctype html>\n", "<!doctype html>\n" + head, 1)


def _build(entry: Path, template: str, css: str, target: Path, digest: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out, meta = Path(tmp) / "out.js", Path(tmp) / "meta.json"
        _esbuild(entry, out, meta)
        page = _page(template, out.read_text(encoding="utf-8"), css, _licences(_packages(meta)), digest)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page, encoding="utf-8", newline="\n")
    print(f"{target.relative_to(ROOT)}: {len(page.encode()) // 1024} KiB")


def main() -> int:
    if not (VIEW / "node_modules").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], check=True, cwd=VIEW)
    digest = source_digest()
    src = VIEW / "src"
    _build(
        src / "generation.js",
        (src / "generation.html").read_text(encoding="utf-8"),
        (src / "generation.css").read_text(encoding="utf-8"),
        VIEW_OUT,
        digest,
    )
    _build(VIEW / "test-host" / "host.js", HOST_PAGE, "", HOST_OUT, digest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
