"""`sync-mcp doctor`: does this set-up work? One line per check, what to do for each that fails, and the block to
paste into each supported MCP host (or one, with `--host NAME`). It reads the same settings the server reads (the
environment and `.env`), never prints the API key or the webhook secret, and exits 1 when a check fails.

Checks: the API is reachable and healthy, the key is accepted (one cheap authenticated read) and the clock agrees
with the API's (services/api_checks.py); the allowed and output folders, the webhook secret's form, the toolsets on,
and the MCP protocol versions served (checks.py); OAuth sign-in and Redis when they are on (deployment.py). The
settings are read by `load_settings`, as the server reads them, so doctor refuses every value the server refuses,
with the same line. Host blocks: hosts.py, the same as the README's.
"""

from __future__ import annotations

import shutil
from typing import TextIO

import anyio

from sync_mcp import __version__
from sync_mcp.config import Settings, SettingsError, load_settings
from sync_mcp.services.api_checks import Check, api_checks

from .checks import local_checks
from .deployment import deployment_checks
from .hosts import HOSTS, HostConfig, host

KEY_PLACEHOLDER = "your-key-here"
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def _settings_failure(exc: SettingsError) -> Check:
    return Check(
        "configuration",
        False,
        str(exc),
        "Fix the named variable (see the README's configuration table): the server refuses to start until then.",
    )


async def _api(settings: Settings) -> list[Check]:
    from sync_mcp.api import SyncClient

    async with SyncClient(settings.secret_key(), base_url=settings.base_url) as client:
        return await api_checks(client)


def run_checks(settings: Settings) -> list[Check]:
    return anyio.run(_api, settings) + local_checks(settings) + deployment_checks(settings)


def _print_check(check: Check, out: TextIO) -> None:
    print(f"  {'ok  ' if check.ok else 'FAIL'}  {check.name}: {check.detail}", file=out)
    if not check.ok and check.fix:
        print(f"        fix: {check.fix}", file=out)


def _print_host(config: HostConfig, out: TextIO) -> None:
    print(f"\n{config.title} (--host {config.name}): {config.where}", file=out)
    for language, text in config.blocks:
        print(f"```{language}\n{text}```", file=out)


def _key_note(shown: list[HostConfig]) -> str:
    """Where the key goes, for the blocks shown: a placeholder to replace, or the environment they read it from."""
    texts = [text for config in shown for _, text in config.blocks]
    placeholder = any(KEY_PLACEHOLDER in text for text in texts)
    from_env = any(KEY_PLACEHOLDER not in text for text in texts)
    notes = [
        f"replace {KEY_PLACEHOLDER} with your key" if placeholder else "",
        ""
        if not from_env
        else (
            "blocks without it read SYNC_API_KEY from the environment (or secret store) the host starts in"
            if placeholder
            else "the key comes from SYNC_API_KEY in the environment (or secret store) the host starts in"
        ),
    ]
    note = "; ".join(n for n in notes if n)
    return note[0].upper() + note[1:] + " (keys: https://sync.so/keys)"


def run_doctor(out: TextIO, *, host_name: str | None = None) -> int:
    """Run every check, print them and the host blocks; the exit code (0 all passed, 1 a check failed, 2 unknown
    host)."""
    chosen = None
    if host_name is not None:
        chosen = host(host_name)
        if chosen is None:
            names = ", ".join(h.name for h in HOSTS)
            print(f"sync-mcp doctor: unknown host '{host_name}'; known hosts: {names}", file=out)
            return EXIT_USAGE
    print(f"sync-mcp {__version__} doctor", file=out)
    try:
        settings = load_settings()
    except SettingsError as exc:
        checks = [_settings_failure(exc)]
    else:
        checks = run_checks(settings)
    for check in checks:
        _print_check(check, out)
    failed = [c for c in checks if not c.ok]
    print(
        f"\n{len(failed)} of {len(checks)} checks failed." if failed else f"\nAll {len(checks)} checks passed.",
        file=out,
    )
    shown = [config.for_system() for config in ((chosen,) if chosen is not None else HOSTS)]
    command = shutil.which("sync-mcp")
    print(
        "\nConfiguration to paste into your MCP host"
        + (f" (if the host cannot find sync-mcp, use its full path: {command})" if command else "")
        + f". {_key_note(shown)}:",
        file=out,
    )
    for config in shown:
        _print_host(config, out)
    return EXIT_FAILED if failed else EXIT_OK
