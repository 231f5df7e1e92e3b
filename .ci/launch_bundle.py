"""Start an unpacked MCP bundle the way a host does, then check it over stdio with the MCP SDK client.

    python .ci/launch_bundle.py BUNDLE_DIR api_key=KEY [--env NAME=VALUE ...]

It substitutes `${__dirname}`, `${HOME}`, `${DESKTOP}`, `${DOCUMENTS}`, `${DOWNLOADS}` and `${user_config.KEY}`
in the manifest's `server.mcp_config` (an option not given becomes "", as hosts pass unset options), launches
the command with that env on top of the SDK's minimal default one (plus the extra `--env` values, such as
SYNC_BASE_URL for a local sandbox), and checks that the server lists the manifest's tools (all of them, but
enable_toolset, with toolsets=all). With
SYNC_BASE_URL given it also creates a generation, which proves the key travelled from the user config.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters

VIDEO = {"type": "video", "url": "https://m.example.com/v.mp4"}
AUDIO = {"type": "audio", "url": "https://m.example.com/a.wav"}


def substitute(value: str, bundle: Path, user: dict[str, str]) -> str:
    home = Path.home()
    for name, path in {
        "__dirname": bundle,
        "HOME": home,
        "DESKTOP": home / "Desktop",
        "DOCUMENTS": home / "Documents",
        "DOWNLOADS": home / "Downloads",
    }.items():
        value = value.replace("${" + name + "}", str(path))
    value = value.replace("${pathSeparator}", os.sep).replace("${/}", os.sep)
    return re.sub(r"\$\{user_config\.([A-Za-z0-9_]+)\}", lambda m: user.get(m.group(1), ""), value)


async def check(bundle: Path, user: dict[str, str], extra_env: dict[str, str]) -> None:
    manifest: dict[str, Any] = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    config = manifest["server"]["mcp_config"]
    unknown = set(user) - set(manifest.get("user_config", {}))
    if unknown:
        raise SystemExit(f"not options of this bundle: {sorted(unknown)}")
    env = {name: substitute(value, bundle, user) for name, value in config.get("env", {}).items()}
    env |= {"PATH": os.environ.get("PATH", ""), **extra_env}
    for passthrough in ("SSL_CERT_FILE", "UV_CACHE_DIR", "UV_INDEX_URL", "UV_DEFAULT_INDEX"):
        if passthrough in os.environ:
            env[passthrough] = os.environ[passthrough]
    params = StdioServerParameters(
        command=config["command"], args=[substitute(a, bundle, user) for a in config.get("args", [])], env=env
    )
    print("launching:", params.command, " ".join(params.args))
    with anyio.fail_after(600):  # the first start installs the dependencies
        async with Client(params) as client:
            tools = [t.name for t in (await client.list_tools()).tools]
            created = None
            if "SYNC_BASE_URL" in extra_env:
                created = await client.call_tool("create_generation", {"model": "lipsync-2", "input": [VIDEO, AUDIO]})
    # The manifest names every tool the bundle can offer; with toolsets=all the server offers them all but
    # enable_toolset (nothing is left to enable), otherwise a part of them.
    wanted = [t["name"] for t in manifest["tools"]]
    if user.get("toolsets") == "all":
        wanted = [name for name in wanted if name != "enable_toolset"]
        if sorted(tools) != sorted(wanted):
            raise SystemExit(f"the bundle lists {tools}, its manifest says {wanted}")
    elif not set(tools) <= set(wanted):
        raise SystemExit(f"the bundle lists {sorted(set(tools) - set(wanted))}, which its manifest does not name")
    print(f"tools: {len(tools)}, all named by the manifest")
    if created is not None:
        if created.is_error or (created.structured_content or {}).get("status") != "PENDING":
            raise SystemExit(f"create_generation through the bundle failed: {created.structured_content}")
        print("create_generation:", created.structured_content["id"], created.structured_content["status"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path)
    parser.add_argument("options", nargs="*", help="user_config values as KEY=VALUE")
    parser.add_argument("--env", action="append", default=[], help="extra env NAME=VALUE for the server")
    args = parser.parse_args()
    user = dict(option.split("=", 1) for option in args.options)
    extra = dict(item.split("=", 1) for item in args.env)
    anyio.run(check, args.bundle.resolve(), user, extra)


if __name__ == "__main__":
    sys.exit(main())
