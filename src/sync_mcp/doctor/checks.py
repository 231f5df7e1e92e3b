"""The local checks of `sync-mcp doctor`: folders, the webhook secret's form, toolsets, protocol versions.

Each is a `Check` (services/api_checks.py) saying what to do when it fails. Nothing here changes anything: a missing
output folder is not created (the server creates it on the first download), nothing is written but a temporary
file that is removed at once, and no secret's value is ever part of a detail.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS, MODERN_PROTOCOL_VERSIONS

from sync_mcp.config import Settings
from sync_mcp.services.api_checks import Check
from sync_mcp.tools.toolsets import ALL, DEFAULT_TOOLSETS, TOOLSETS, UnknownToolsetError, choose, chosen

WEBHOOK_SECRET_PREFIX = "whsec_"
"""The organisation's webhook secrets look like `whsec_...` (reference §12)."""


def _readable_folder(path: Path) -> str | None:
    """None when `path` is a folder this process may list and read, else why not."""
    if not path.exists():
        return "does not exist"
    if not path.is_dir():
        return "is not a folder"
    if not os.access(path, os.R_OK | os.X_OK):
        return "is not readable by this user"
    return None


def allowed_folders(settings: Settings) -> Check:
    roots = settings.allowed_roots()
    problems = [f"{root} {why}" for root in roots if (why := _readable_folder(root)) is not None]
    if problems:
        return Check(
            "allowed folders",
            False,
            "; ".join(problems),
            "Set SYNC_MCP_ALLOWED_DIRS to existing folders this user can read (absolute paths, separated by "
            f"'{os.pathsep}' or ','), e.g. your Movies folder.",
        )
    source = (
        "SYNC_MCP_ALLOWED_DIRS" if settings.allowed_dirs else "the working directory; SYNC_MCP_ALLOWED_DIRS is unset"
    )
    return Check("allowed folders", True, f"{', '.join(str(r) for r in roots)} readable ({source})")


def _writable(folder: Path) -> bool:
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".sync-mcp-doctor-"):
            return True
    except OSError:
        return False


def output_folder(settings: Settings) -> Check:
    folder = settings.output_dir.expanduser()
    absolute = folder.resolve()
    relative = "" if folder.is_absolute() else f" (relative: resolved against the working directory {Path.cwd()})"
    fix_relative = (
        " Use an absolute path: desktop apps start servers in an arbitrary working directory."
        if not folder.is_absolute()
        else ""
    )
    if absolute.exists():
        if not absolute.is_dir():
            return Check("output folder", False, f"{absolute} is not a folder", "Set SYNC_MCP_OUTPUT_DIR to a folder.")
        if not _writable(absolute):
            return Check(
                "output folder",
                False,
                f"{absolute} is not writable by this user{relative}",
                "Set SYNC_MCP_OUTPUT_DIR to a folder this user can write to, or fix its permissions." + fix_relative,
            )
        return Check("output folder", True, f"{absolute} writable{relative}")
    parent = next((p for p in absolute.parents if p.exists()), None)
    if parent is None or not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        return Check(
            "output folder",
            False,
            f"{absolute} does not exist and cannot be created (nearest existing folder: {parent})",
            "Create the folder, or set SYNC_MCP_OUTPUT_DIR to one this user can write to." + fix_relative,
        )
    return Check("output folder", True, f"{absolute} will be created on the first download{relative}")


def webhook_secret(settings: Settings) -> Check:
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    if secret is None:
        return Check("webhook secret", True, "not set (only needed to receive webhooks in HTTP mode)")
    if (
        not secret.startswith(WEBHOOK_SECRET_PREFIX)
        or len(secret) <= len(WEBHOOK_SECRET_PREFIX)
        or secret != secret.strip()
    ):
        return Check(
            "webhook secret",
            False,
            f"SYNC_MCP_WEBHOOK_SECRET is set ({len(secret)} characters) but not of the form {WEBHOOK_SECRET_PREFIX}...",
            "Copy the organisation's webhook signing secret (it starts with whsec_) from the Sync dashboard, "
            "without quotes or spaces.",
        )
    where = settings.webhook_url()
    if where is None:
        return Check(
            "webhook secret",
            True,
            "of the form whsec_...; deliveries are verified at /webhooks/sync, but creates ask for none until "
            "SYNC_MCP_PUBLIC_URL is an https URL",
        )
    return Check("webhook secret", True, f"of the form whsec_...; creates ask the API to deliver to {where}")


def toolsets(settings: Settings) -> Check:
    try:
        on = chosen(settings.toolsets)
        allowed = choose(settings.allowed_toolsets, TOOLSETS, [ALL], source="SYNC_MCP_ALLOWED_TOOLSETS")
    except UnknownToolsetError as exc:
        return Check(
            "toolsets",
            False,
            str(exc),
            "Fix SYNC_MCP_TOOLSETS and SYNC_MCP_ALLOWED_TOOLSETS: comma lists of the valid names, or all.",
        )
    beyond = [t.name for t in on if t not in allowed]
    if beyond:
        return Check(
            "toolsets",
            False,
            f"SYNC_MCP_TOOLSETS names {', '.join(beyond)}, beyond SYNC_MCP_ALLOWED_TOOLSETS (HTTP will not start)",
            "Allow them in SYNC_MCP_ALLOWED_TOOLSETS, or leave them out of SYNC_MCP_TOOLSETS.",
        )
    names = [t.name for t in on]
    off = [t.name for t in TOOLSETS if t.name not in names]
    default = " (the default)" if not settings.toolsets and names == list(DEFAULT_TOOLSETS) else ""
    detail = f"on: {', '.join(names)}{default}" + (f"; off: {', '.join(off)} (SYNC_MCP_TOOLSETS)" if off else "")
    return Check("toolsets", True, detail)


def protocol_versions() -> Check:
    return Check(
        "MCP protocol versions",
        True,
        f"{', '.join(MODERN_PROTOCOL_VERSIONS)} (stateless), and by handshake {', '.join(HANDSHAKE_PROTOCOL_VERSIONS)}",
    )


def local_checks(settings: Settings) -> list[Check]:
    return [
        allowed_folders(settings),
        output_folder(settings),
        webhook_secret(settings),
        toolsets(settings),
        protocol_versions(),
    ]
