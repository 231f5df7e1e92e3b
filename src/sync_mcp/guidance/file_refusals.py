"""The refusals of local files and attachments: a path the server may not or cannot read, a file that is no media
the API takes, a file that changed between its check and its upload, a chat attachment that could not be
fetched. Each is raised before anything is sent.

One function per situation, named for it, taking the facts (the argument at fault, the file's name, the
caller's folders as they are shown) and returning the `InputError` the workflow raises. The checks themselves
are in `sync_mcp.services.paths`, `media_sources` and `attachments`; the words are here.
"""

from __future__ import annotations

import stat
from typing import Literal

from sync_mcp.api.types.shared import ASSET_TYPES, MediaKind, supported_text

from .errors import InputError
from .refusals import refuse

SHOWN_LIMIT = 200
"""Characters of a path quoted back in a message."""

Change = Literal["replaced", "moved", "moved out", "symlink"]
CHANGES: dict[Change, str] = {
    "replaced": "was replaced by another file",
    "moved": "was moved or removed",
    "moved out": "was moved out of the folders this server may read",
    "symlink": "became a symbolic link",
}
"""What happened to a checked file before it was opened, as the message says it."""
ATTACH_AGAIN = "Attach the file again, or call upload_media without path for an upload link the user opens."


def shown(value: str, limit: int = SHOWN_LIMIT) -> str:
    """The path as quoted back in a message: long ones cut, so an error never floods the agent."""
    return value if len(value) <= limit else value[:limit] + "..."


# ----------------------------------------------------------------------------------- paths (services/paths.py)


def hidden_characters(field: str, hidden: list[str]) -> InputError:
    """A path that is blank or holds invisible characters (`hidden`: their `U+XXXX` names)."""
    return refuse(
        field,
        f"the path is empty or contains invisible characters ({', '.join(hidden) or 'blank'}).",
        "Type the path again without hidden or direction-changing characters.",
        "invalid_path",
    )


def windows_path(field: str, value: str, os_name: str, roots: str) -> InputError:
    """A Windows-style path given to a server on another system (`roots`: the readable folders, shown)."""
    return refuse(
        field,
        f"'{shown(value)}' is a Windows-style path, but this server runs on {os_name} and reads its own disk.",
        f"Pass a path on the server's machine with / separators, inside: {roots}.",
        "invalid_path",
    )


def unresolvable_path(field: str, error_name: str) -> InputError:
    """A path that cannot be resolved (a symlink loop, ...; `error_name`: the exception's class name)."""
    fix = "Pass the path of a regular file, without symlink loops."
    return refuse(field, f"the path cannot be resolved ({error_name}).", fix, "invalid_path")


def outside_folders(field: str, value: str, folders: str, *, per_caller: bool) -> InputError:
    """A path whose real path lies outside the readable `folders` (shown); `per_caller`: an HTTP caller's own
    folders, which the caller cannot add to."""
    if per_caller:
        fix = f"Use a file inside your folders on this server: {folders}."
    else:
        fix = (
            f"Use a file inside {folders}, or add its folder to SYNC_MCP_ALLOWED_DIRS "
            "(separate several with the OS path separator) and restart the server."
        )
    message = f"'{shown(value)}' resolves outside the folders this server may read."
    return refuse(field, message, fix, "path_not_allowed")


def kind_of(mode: int) -> str:
    """What a file of `st_mode` `mode` is, in words."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "not a regular file"


def not_a_regular_file(field: str, name: str, mode: int) -> InputError:
    return refuse(
        field,
        f"'{shown(name)}' is {kind_of(mode)}, not a regular file; only regular files are uploaded.",
        "Pass the path of a regular media file (copy the media into a file first).",
        "not_a_regular_file",
    )


def file_not_found(field: str, value: str, hint: str | None, first_folder: str) -> InputError:
    """No regular file at `value`; `hint`: a close name in the same folder; relative paths start at
    `first_folder`."""
    message = f"no file at '{shown(value)}'." + (f" Did you mean '{hint}'?" if hint else "")
    fix = f"Check the name and folder (paths are relative to {first_folder})."
    return refuse(field, message, fix, "file_not_found")


def output_outside(name: str, folder: str) -> InputError:
    """An output file that would land outside the output `folder` (through a symlink in it)."""
    return InputError(
        "path_not_allowed",
        f"output file '{shown(name)}' would be written outside {folder}.",
        "Remove the symlink in the output folder or choose another SYNC_MCP_OUTPUT_DIR.",
    )


# ------------------------------------------------------------------------- media (services/media_sources.py)


def unsupported_media(field: str, name: str, kind: MediaKind | None) -> InputError:
    """A file whose type the API does not take (`kind`: the kind the argument needs, if one)."""
    return refuse(
        field,
        f"'{name}' is not a media type the Sync API accepts.",
        f"Convert it to a supported format ({supported_text(ASSET_TYPES[kind] if kind else None)}; "
        "MP4/H.264 video and WAV or MP3 audio are recommended), then pass the new file.",
        "unsupported_media_type",
    )


def wrong_media_kind(field: str, name: str, kind: MediaKind, needed: MediaKind) -> InputError:
    """A file of `kind` where `field` needs a `needed` one."""
    fix = f"Pass a {needed} file here ({supported_text(ASSET_TYPES[needed])})."
    return refuse(
        field, f"'{name}' is {kind}, but {field} needs {needed}.", fix, "generation_input_asset_type_mismatch"
    )


def file_unreadable(field: str, name: str, reason: str) -> InputError:
    """A checked file whose size or bytes could not be read (`reason`: the OS's words)."""
    fix = "Check the file still exists and this server's user may read it, then call again."
    return refuse(field, f"'{name}' could not be read: {reason}.", fix, "file_not_readable")


def file_not_openable(field: str, name: str, reason: str) -> InputError:
    """A checked file that could not be opened (`reason`: the OS's words)."""
    fix = "Check this server's user may read the file, then call again."
    return refuse(field, f"'{name}' could not be opened: {reason}.", fix, "file_not_readable")


def file_empty(field: str, name: str) -> InputError:
    return refuse(field, f"'{name}' is empty (0 bytes).", "Pass a file that holds media.", "file_empty")


def file_too_large(field: str, name: str, size: int) -> InputError:
    """A file over the 5 GB a single upload may hold (reference §16.2)."""
    return refuse(
        field,
        f"'{name}' is {size / 1e9:.2f} GB; a single upload may be at most 5 GB.",
        "Trim it or re-encode it (MP4/H.264 video, MP3 audio) to under 5 GB, then upload the smaller file.",
        "file_too_large",
    )


def file_changed(field: str, name: str, change: Change) -> InputError:
    """A checked file that changed before it was opened: worth calling again once it is in place."""
    return _changed(field, name, CHANGES[change])


def file_resized(field: str, name: str, checked: int, now: int) -> InputError:
    """A checked file whose size changed (`checked` bytes then, `now` bytes on opening)."""
    return _changed(field, name, f"changed size ({checked} -> {now} bytes)")


def _changed(field: str, name: str, why: str) -> InputError:
    message = f"'{name}' {why} since it was checked, so it was not uploaded."
    fix = "Call again once the file is in place and no longer changing."
    return refuse(field, message, fix, "file_changed", retryable=True)


# ---------------------------------------------------------------------- attachments (services/attachments.py)


def attachment_unsafe(field: str, why: str) -> InputError:
    """An attachment's URL the download guard refused (`why`: the guard's reason)."""
    return _not_fetched(field, why, "unsafe_attachment_url")


def attachment_not_a_url(field: str) -> InputError:
    return _not_fetched(field, "download_url is not a URL", "unsafe_attachment_url")


def attachment_timed_out(field: str) -> InputError:
    return _not_fetched(field, "it took too long", "attachment_fetch_failed")


def attachment_host_failed(field: str, error_name: str) -> InputError:
    """The attachment's host could not be reached or broke off (`error_name`: the exception's class name)."""
    return _not_fetched(field, f"the host's server failed ({error_name})", "attachment_fetch_failed")


def attachment_host_refused(field: str, status: int) -> InputError:
    return _not_fetched(field, f"the host answered HTTP {status}", "attachment_fetch_failed")


def _not_fetched(field: str, why: str, code: str) -> InputError:
    message = f"the attached file was not fetched: {why}. Nothing was uploaded."
    return refuse(field, message, ATTACH_AGAIN, code)


def attachment_refused(field: str, why: str) -> InputError:
    """A fetched attachment that is no media upload (`why`: what the upload check said)."""
    return refuse(field, why, "Attach a media file instead.", "attachment_refused")


def attachment_wrong_kind(field: str, name: str, kind: MediaKind, needed: MediaKind) -> InputError:
    message = f"the attached '{name}' is {kind}, but {field} needs {needed}."
    return refuse(field, message, f"Attach a {needed} file here.", "generation_input_asset_type_mismatch")
