"""The `sync-mcp` command: serve (default: stdio; `--transport http` for Streamable HTTP), demo, doctor, sandbox.

Imports stay inside the subcommands so that starting the stdio server pays only for what it uses.
"""

from __future__ import annotations

import argparse
import errno
import logging
import sys
from collections.abc import Sequence
from typing import NoReturn

from sync_mcp import __version__
from sync_mcp.telemetry import LOG_LEVELS

DEFAULT_HTTP_PORT = 8000
EXIT_CONFIG = 2
"""Exit code of a setting the server cannot start with (as argparse exits on a bad option)."""


def _transport_options(parser: argparse.ArgumentParser, default: object) -> None:
    """`--transport/--host/--port`, on the top-level parser and on `serve` (whose values then win)."""
    parser.add_argument(
        "--transport",
        choices=("stdio", "http"),
        default="stdio" if default is None else default,
        help="stdio (default), or http: Streamable HTTP at /mcp. In http mode each request may carry its own "
        "Sync API key in the X-Sync-Api-Key header; SYNC_MCP_HTTP_TOKEN sets the bearer token clients must "
        "send (required beyond loopback), or SYNC_MCP_AUTH=oauth lets users sign in once with their Sync key "
        "(needs SYNC_MCP_PUBLIC_URL and SYNC_MCP_SECRET_KEY)",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1" if default is None else default,
        help="http: bind address (default 127.0.0.1, loopback only)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_HTTP_PORT if default is None else default,
        help=f"http: port (default {DEFAULT_HTTP_PORT})",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sync-mcp",
        description="MCP server for the Sync lip-sync API v2. Without a subcommand it serves MCP over stdio. "
        "The API key is read from SYNC_API_KEY (never pass it as an argument).",
    )
    parser.add_argument("--version", action="version", version=f"sync-mcp {__version__}")
    parser.add_argument("--log-level", choices=LOG_LEVELS, type=str.upper, help="stderr log level (default INFO)")
    _transport_options(parser, None)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser("serve", help="serve MCP over stdio (the default) or Streamable HTTP (--transport http)")
    serve.add_argument(
        "--log-level", choices=LOG_LEVELS, type=str.upper, default=argparse.SUPPRESS, help="stderr log level"
    )
    _transport_options(serve, argparse.SUPPRESS)

    demo = sub.add_parser("demo", help="walk a full session against the embedded sandbox (no API key needed)")
    demo.add_argument("--processing-seconds", type=float, default=3.0, help="sandbox job duration (default 3)")

    doctor = sub.add_parser(
        "doctor",
        help="check the set-up (API, key, clock, folders, webhook secret, toolsets) and print each host's config",
    )
    doctor.add_argument("--host", dest="doctor_host", metavar="NAME", help="print only this host's config block")

    sandbox = sub.add_parser("sandbox", help="run the local Sync API v2 emulator over HTTP")
    sandbox.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    sandbox.add_argument("--port", type=int, default=8787, help="port (default 8787)")
    sandbox.add_argument(
        "--api-key", default="sk-sandbox-local", help="the key the sandbox accepts (a sandbox key, not a Sync key)"
    )
    sandbox.add_argument("--pending-seconds", type=float, default=1.0, help="time a job stays PENDING (default 1)")
    sandbox.add_argument("--processing-seconds", type=float, default=2.0, help="time a job stays PROCESSING")
    sandbox.add_argument(
        "--processing-per-output-second",
        type=float,
        default=0.1,
        help="further PROCESSING time per second of output, so longer videos take longer (default 0.1)",
    )
    sandbox.add_argument(
        "--dialogue-edit", action="store_true", help="emulate an organisation with the dialogue-edit rollout"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    command = args.command or "serve"
    if command == "serve":
        _serve(args)
    elif command == "demo":
        from sync_mcp.demo import run_demo

        sys.exit(run_demo(processing_seconds=args.processing_seconds))
    elif command == "doctor":
        from sync_mcp.doctor import run_doctor

        sys.exit(run_doctor(sys.stdout, host_name=args.doctor_host))
    elif command == "sandbox":
        _sandbox(args)


def _refuse(message: str) -> NoReturn:
    """Stop with one line on stderr and the configuration exit code."""
    print(f"sync-mcp: {message}", file=sys.stderr)
    sys.exit(EXIT_CONFIG)


def _serve(args: argparse.Namespace) -> None:
    from sync_mcp.config import Settings, SettingsError, load_settings
    from sync_mcp.server import build_server
    from sync_mcp.telemetry import configure_logging

    try:
        settings = load_settings(**({"SYNC_MCP_LOG_LEVEL": args.log_level} if args.log_level else {}))
    except SettingsError as exc:
        _refuse(str(exc))
    configure_logging(settings.log_level, secrets=[settings.secret_key()], log_format=settings.log_format)
    for line in Settings.deprecations():
        logging.getLogger("sync_mcp").warning(line)
    redis_url = settings.shared_state_url()
    if redis_url is not None:  # Redis mode: refuse to start without it, rather than split the state
        from sync_mcp.backend import StateBackendError, preflight

        try:
            preflight(redis_url, settings.redis_namespace)
        except StateBackendError as exc:
            sys.exit(f"sync-mcp: {exc}")
    if args.transport == "http":
        from sync_mcp.server.http import HttpConfigError, serve_http

        try:
            serve_http(settings, host=args.host, port=args.port)
        except HttpConfigError as exc:
            sys.exit(f"sync-mcp: {exc}")
        return
    build_server(settings).run("stdio")


def _sandbox(args: argparse.Namespace) -> None:
    from sync_mcp.sandbox.runner import run_standalone
    from sync_mcp.telemetry import configure_logging

    configure_logging(args.log_level or "INFO")
    try:
        run_standalone(
            host=args.host,
            port=args.port,
            api_key=args.api_key,
            pending_seconds=args.pending_seconds,
            processing_seconds=args.processing_seconds,
            processing_per_output_second=args.processing_per_output_second,
            dialogue_edit=args.dialogue_edit,
        )
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        _refuse(
            f"sandbox: port {args.port} on {args.host} is already in use (another sandbox?). Choose another with "
            "--port, or --port 0 to take a free one (the address it took is printed)."
        )
