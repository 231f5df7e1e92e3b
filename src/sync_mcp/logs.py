"""Logging to stderr (stdout is the JSON-RPC channel in stdio mode), with secrets redacted.

Secrets are scrubbed where records are made (a log-record factory), so every record of every logger,
ours or third-party (httpx, uvicorn, the MCP SDK), reaches every handler (ours, a host's, a test's)
already clean; the same filter also sits on the handlers as a second guard.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

REDACTED = "[REDACTED]"
MAX_PER_REQUEST_SECRETS = 1024


class RedactSecrets(logging.Filter):
    """Replaces every registered secret in a record's final message (and exception text) with [REDACTED]."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        self._per_request: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()  # records are filtered on any thread

    def add(self, *secrets: str | None) -> None:
        self._secrets.update(s for s in secrets if s and len(s) >= 4)

    def add_per_request(self, secret: str | None) -> None:
        """A key that arrived with a request (HTTP mode): redacted too; the most recent
        `MAX_PER_REQUEST_SECRETS` distinct ones are remembered."""
        if not secret or len(secret) < 4 or secret in self._secrets:
            return
        with self._lock:
            self._per_request[secret] = None
            self._per_request.move_to_end(secret)
            while len(self._per_request) > MAX_PER_REQUEST_SECRETS:
                self._per_request.popitem(last=False)

    def scrub(self, text: str) -> str:
        with self._lock:
            secrets = (*self._secrets, *self._per_request)
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        self.scrub_record(record)
        return True

    def scrub_record(self, record: logging.LogRecord) -> None:
        """Rewrite the record's message (and exception text) if a secret is in it; otherwise leave it as is."""
        if not self._secrets and not self._per_request:
            return
        try:
            message = record.getMessage()
        except Exception:  # bad format arguments: logging reports those itself when the record is emitted
            message = str(record.msg)
        clean = self.scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            clean = self.scrub(text)
            if clean != text:
                record.exc_text, record.exc_info = clean, None
        elif record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)


def _redacting_factory(make: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        redactor.scrub_record(record)
        return record

    factory.redacts = True  # type: ignore[attr-defined]
    return factory


class LogfmtFormatter(logging.Formatter):
    """One record, one line of `key=value` pairs (logfmt): `time=... level=... logger=... msg="..."`.

    A value with spaces, quotes, `=` or control characters is JSON-quoted, so a traceback (`exc=...`) stays
    on its record's line and every line splits into pairs with one regular expression.
    """

    @staticmethod
    def value(text: str) -> str:
        if text and not any(c.isspace() or c in '"=\\' or not c.isprintable() for c in text):
            return text
        return json.dumps(text, ensure_ascii=False)

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(timespec="milliseconds")
        pairs = [
            ("time", stamp.replace("+00:00", "Z")),
            ("level", record.levelname),
            ("logger", record.name),
            ("msg", record.getMessage()),
        ]
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            pairs.append(("exc", record.exc_text))
        if record.stack_info:
            pairs.append(("stack", self.formatStack(record.stack_info)))
        return " ".join(f"{key}={self.value(text)}" for key, text in pairs)


redactor = RedactSecrets()
_handler: logging.Handler | None = None


def configure_logging(level: str = "INFO", secrets: Iterable[str | None] = ()) -> None:
    """Install one stderr handler on the root logger (idempotent) and register secrets to redact."""
    global _handler
    redactor.add(*secrets)
    if not getattr(logging.getLogRecordFactory(), "redacts", False):
        logging.setLogRecordFactory(_redacting_factory(logging.getLogRecordFactory()))
    root = logging.getLogger()
    if _handler is None:
        _handler = logging.StreamHandler(sys.stderr)
        _handler.setFormatter(LogfmtFormatter())
        _handler.addFilter(redactor)
        root.addHandler(_handler)
    root.setLevel(level.upper())
    # httpx logs every request URL at INFO; keep signed URLs out of the logs.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    for handler in root.handlers:
        if redactor not in handler.filters:
            handler.addFilter(redactor)
