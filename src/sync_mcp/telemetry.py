"""The server's telemetry, in OpenTelemetry's sense of the word: the hooks for metrics and spans any layer may
call, and the logs, which go to stderr with secrets redacted.

Hooks (the first section): `recorder` is None unless `SYNC_MCP_METRICS=1` or an OpenTelemetry exporter is
configured (server/telemetry.py installs one): a hook then costs one global lookup, and nothing of OpenTelemetry
or prometheus_client is imported. Names and attributes follow the OpenTelemetry conventions (MCP, HTTP client);
no hook takes an id, a key, a URL or a message, only low-cardinality values (methods, route templates, statuses,
error codes, models, sizes), so no secret can reach a span or a metric.

Logs (the second section) go to stderr, since stdout is the JSON-RPC channel in stdio mode. Secrets are scrubbed
where records are made (a log-record factory), so every record of every logger, ours or third-party (httpx,
uvicorn, the MCP SDK), reaches every handler (ours, a host's, a test's) already clean; the same filter also sits
on the handlers as a second guard. A JSON log line carries the MCP request's id and the current trace's ids.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timezone
from typing import Any, Literal, Protocol, get_args

# ----------------------------------------------------------------------------------------------------- hooks

ID_LIKE = re.compile(r"[^a-z_-]")
"""A path segment holding anything but lowercase letters, `-` and `_` is an id (UUIDs, asset and voice ids)."""


class Span(Protocol):
    def set_attribute(self, key: str, value: Any) -> None: ...


class Recorder(Protocol):
    def operation(self, method: str, tool: str | None, error_type: str | None, seconds: float) -> None:
        """One MCP request handled (`mcp.server.operation.duration`)."""

    def api_request(self, method: str, route: str, status: str, seconds: float, retries: int) -> None:
        """One logical API request, its retries included; `status` is the HTTP status or the error type."""

    def generation(self, model: str, status: str) -> None:
        """A generation seen ending (COMPLETED, FAILED, REJECTED) by a wait."""

    def transfer(self, direction: str, size: int) -> None:
        """Bytes sent to (`up`) or received from (`down`) storage."""

    def waits(self, delta: int) -> None:
        """A wait began (+1) or ended (-1)."""

    def redis_error(self) -> None:
        """A Redis command failed."""

    def span(self, name: str, attributes: dict[str, Any]) -> AbstractContextManager[Span]:
        """A child span of the current one (a no-op span when tracing is off)."""


recorder: Recorder | None = None

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("sync_mcp_request_id", default=None)
"""The JSON-RPC id of the MCP request being handled (JSON log lines carry it)."""


def trace_ids() -> tuple[str, str] | None:
    """The current trace and span ids (hex), when tracing is on and a span is current."""
    if recorder is None or "opentelemetry.trace" not in sys.modules:
        return None
    from opentelemetry.trace import get_current_span

    context = get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return f"{context.trace_id:032x}", f"{context.span_id:016x}"


def route_of(path: str) -> str:
    """The route template of an API path: every id-like segment as `{id}`, the query left out
    (`/v2/generate/9f1c...?wait=true` -> `/v2/generate/{id}`)."""
    segments = path.split("?", 1)[0].split("/")
    return "/".join(s if i < 3 or not ID_LIKE.search(s) else "{id}" for i, s in enumerate(segments))


class NoSpan:
    """The span of a hook when tracing is off."""

    def set_attribute(self, key: str, value: Any) -> None:
        return None


NO_SPAN = NoSpan()


@contextmanager
def span(name: str, **attributes: Any) -> Iterator[Span]:
    """A child span of the current one, or `NO_SPAN` with telemetry off."""
    if recorder is None:
        yield NO_SPAN
        return
    with recorder.span(name, attributes) as current:
        yield current


def transfer(direction: str, size: int) -> None:
    if recorder is not None:
        recorder.transfer(direction, size)


# ------------------------------------------------------------------------------------------------------ logs

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LOG_LEVELS: tuple[str, ...] = get_args(LogLevel)

REDACTED = "[REDACTED]"
MAX_RECENT_SECRETS = 1024
"""Keys of requests that have ended, still redacted as a courtesy (a bounded, most-recent-first memory)."""

_UNICODE_ESCAPE = re.compile(r"\\+u([0-9a-fA-F]{4})")


def _unescaped(text: str) -> str:
    """`text` with its `\\uXXXX` escapes (however many backslashes) decoded, surrogates left escaped."""

    def one(match: re.Match[str]) -> str:
        code = int(match[1], 16)
        return match[0] if 0xD800 <= code <= 0xDFFF else chr(code)

    return _UNICODE_ESCAPE.sub(one, text)


class RedactSecrets(logging.Filter):
    """Replaces every registered secret in a record's final message (and exception text) with [REDACTED].

    Three kinds of secret are known: the deployment's own (`add`: API key, bearer token, webhook secret),
    those of requests in flight (`holding`: a request's own API key, redacted for as long as the request
    runs, whatever else arrives meanwhile), and those of recent requests (`add_per_request`, bounded). The
    last kind may be forgotten; a key in flight never is.
    """

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        self._in_flight: Counter[str] = Counter()
        self._per_request: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()  # records are filtered on any thread

    def add(self, *secrets: str | None) -> None:
        self._secrets.update(s for s in secrets if s and len(s) >= 4)

    def add_per_request(self, secret: str | None) -> None:
        """A key that arrived with a request (HTTP mode), remembered among the `MAX_RECENT_SECRETS` most recent
        after its request ends (`holding` keeps it while the request runs)."""
        if not secret or len(secret) < 4 or secret in self._secrets:
            return
        with self._lock:
            self._per_request[secret] = None
            self._per_request.move_to_end(secret)
            while len(self._per_request) > MAX_RECENT_SECRETS:
                self._per_request.popitem(last=False)

    @contextmanager
    def holding(self, secret: str | None) -> Iterator[None]:
        """Redact `secret` for as long as the block runs (a request carrying it is in flight), then keep it
        among the recent ones. Counted, so overlapping requests with one key keep it until the last ends."""
        if not secret or len(secret) < 4:
            yield
            return
        with self._lock:
            self._in_flight[secret] += 1
        try:
            yield
        finally:
            self.add_per_request(secret)
            with self._lock:
                self._in_flight[secret] -= 1
                if self._in_flight[secret] <= 0:
                    del self._in_flight[secret]

    def known(self, *also: str | None, recent: bool = True) -> list[str]:
        """Every secret to redact now (plus `also`; without `recent`, only the deployment's own and those in
        flight), longest first so a key inside another goes with it."""
        with self._lock:
            known = {*self._secrets, *self._in_flight, *(self._per_request if recent else ())}
        known.update(s for s in also if s and len(s) >= 4)
        return sorted(known, key=len, reverse=True)

    def scrub(self, text: str, *also: str | None) -> str:
        """`text` without any secret, also where `\\u` escapes spell one out."""
        return _scrub_text(text, self.known(*also))

    def scrub_value(self, value: Any, *also: str | None) -> Any:
        """A decoded JSON value (dicts, lists, strings, ...) with every secret blanked in every string, keys
        included: scrubbing by value, after decoding, so no escape in the wire text can hide a secret."""
        secrets = self.known(*also, recent=False)  # a reply can echo only the key its request carried
        return _scrub_value(value, secrets) if secrets else value

    def filter(self, record: logging.LogRecord) -> bool:
        self.scrub_record(record)
        return True

    def scrub_record(self, record: logging.LogRecord) -> None:
        """Rewrite the record's message (and exception text) if a secret is in it; otherwise leave it as is."""
        secrets = self.known()
        if not secrets:
            return
        try:
            message = record.getMessage()
        except Exception:  # bad format arguments: logging reports those itself when the record is emitted
            message = str(record.msg)
        clean = _scrub_text(message, secrets)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            clean = _scrub_text(text, secrets)
            if clean != text:
                record.exc_text, record.exc_info = clean, None
        elif record.exc_text:
            record.exc_text = _scrub_text(record.exc_text, secrets)
        if record.stack_info:
            record.stack_info = _scrub_text(record.stack_info, secrets)


def _scrub_text(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    if "u" in text and "\\" in text:
        plain = _unescaped(text)
        if plain != text and any(secret in plain for secret in secrets):
            text = _scrub_text(plain, secrets)
    return text


def _scrub_value(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        return _scrub_text(value, secrets)
    if isinstance(value, dict):
        return {_scrub_value(k, secrets): _scrub_value(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub_value(item, secrets) for item in value]
    return value


ACCESS_LOGGER = "uvicorn.access"
QUERY_DROPPED = "?[query dropped]"


def _drop_query_string(record: logging.LogRecord) -> None:
    """An access-log line names the path only: a query string may carry a token (`?access_token=`), a sign-in
    id or a signed URL's signature, none of which is registered as a secret in advance."""
    args = record.args
    if record.name == ACCESS_LOGGER and isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
        if "?" in args[2]:
            record.args = (*args[:2], args[2].split("?", 1)[0] + QUERY_DROPPED, *args[3:])


def _redacting_factory(make: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        _drop_query_string(record)
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


class JsonFormatter(logging.Formatter):
    """One record, one JSON object per line (SYNC_MCP_LOG_FORMAT=json): `time`, `level`, `logger`, `message`, and
    `exc` with a traceback, `request_id` within an MCP request, `trace_id`/`span_id` while tracing."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(timespec="milliseconds")
        line: dict[str, Any] = {
            "time": stamp.replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exc"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        request_id = REQUEST_ID.get()
        if request_id is not None:
            line["request_id"] = request_id
        ids = trace_ids()
        if ids is not None:
            line["trace_id"], line["span_id"] = ids
        return json.dumps(line, ensure_ascii=False)


redactor = RedactSecrets()
_handler: logging.Handler | None = None


def redact(*secrets: str | None) -> None:
    """Scrub these secrets from every log record of the process, wherever it is made (idempotent): the one
    logging change a server makes by being built; handlers and levels are the entry point's business."""
    redactor.add(*secrets)
    if not getattr(logging.getLogRecordFactory(), "redacts", False):
        logging.setLogRecordFactory(_redacting_factory(logging.getLogRecordFactory()))


def configure_logging(level: str = "INFO", secrets: Iterable[str | None] = (), log_format: str = "text") -> None:
    """For an entry point (the CLI): one handler on stderr for the root logger (idempotent), logfmt lines or
    (`log_format="json"`) JSON ones, the level, and the secrets to redact."""
    global _handler
    redact(*secrets)
    root = logging.getLogger()
    if _handler is None:
        _handler = logging.StreamHandler(sys.stderr)
        _handler.addFilter(redactor)
        root.addHandler(_handler)
    _handler.setFormatter(JsonFormatter() if log_format == "json" else LogfmtFormatter())
    root.setLevel(level.upper())
    # httpx logs every request URL at INFO; keep signed URLs out of the logs.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    for handler in root.handlers:
        if redactor not in handler.filters:
            handler.addFilter(redactor)
