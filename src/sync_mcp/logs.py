"""Logging to stderr (stdout is the JSON-RPC channel in stdio mode), with secrets redacted.

The redaction filter sits on the handler, so it covers every record that reaches it, including
third-party loggers (httpx, uvicorn, the MCP SDK).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

REDACTED = "[REDACTED]"


class RedactSecrets(logging.Filter):
    """Replaces every registered secret in a record's final message (and exception text) with [REDACTED]."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()

    def add(self, *secrets: str | None) -> None:
        self._secrets.update(s for s in secrets if s and len(s) >= 4)

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        clean = self.scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


redactor = RedactSecrets()
_handler: logging.Handler | None = None


def configure_logging(level: str = "INFO", secrets: Iterable[str | None] = ()) -> None:
    """Install one stderr handler on the root logger (idempotent) and register secrets to redact."""
    global _handler
    redactor.add(*secrets)
    root = logging.getLogger()
    if _handler is None:
        _handler = logging.StreamHandler(sys.stderr)
        _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        _handler.addFilter(redactor)
        root.addHandler(_handler)
    root.setLevel(level.upper())
    # httpx logs every request URL at INFO; keep signed URLs out of the logs.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    for handler in root.handlers:
        if redactor not in handler.filters:
            handler.addFilter(redactor)
