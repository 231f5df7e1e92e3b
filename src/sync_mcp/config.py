"""Configuration: one settings object, read from the environment (and an optional `.env`), validated in one place.

Every variable is documented in the README's configuration table. Empty values and unsubstituted
`${...}` placeholders (as some MCP hosts pass for unset bundle options) count as unset. `load_settings` is the one
door the server and `sync-mcp doctor` both go through: a value the server cannot use is a `SettingsError` whose
message is one line naming the variable, its value (never a secret's) and what it accepts.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args, get_origin
from urllib.parse import urlsplit

from annotated_types import Ge, Gt, Le, Lt
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from .api.endpoint import DEFAULT_BASE_URL
from .api.retries import RetryPolicy
from .settings_sources import ENV_FILE, names, read
from .telemetry import LogLevel

_PLACEHOLDER = re.compile(r"^\$\{[^}]*\}$")

DEPRECATED_MAX_COST = "SYNC_MAX_COST_USD"
"""The spend cap's old name, still read (SYNC_MCP_MAX_COST_USD wins); the CLI says it is deprecated."""
GIB = 1024**3

WEBHOOK_PATH = "/webhooks/sync"
"""Path of the webhook receiver in HTTP mode."""
HTTP_OUTPUT_QUOTA_BYTES = 20 * GIB
"""Default of `output_quota_bytes` for each caller of an HTTP deployment."""


SECRET_MIN_LENGTH = 32
SECRET_MIN_DISTINCT = 10
"""Every secret the operator makes up (the OAuth secret key, the bearer token): at least this long, with at least
this many distinct characters (so a key of 32 times "a" is refused)."""
NEW_SECRET_COMMAND = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
INSECURE_BASE = "SYNC_MCP_ALLOW_INSECURE_BASE"
LOOPBACK_NAMES = ("localhost",)


class SettingsError(ValueError):
    """Settings the server cannot start with; the message is one line naming each variable and what it accepts."""


def is_loopback(host: str) -> bool:
    """True for a loopback name or address (127.0.0.0/8, ::1, localhost)."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def weak_secret(secret: str) -> str | None:
    """Why `secret` is too weak, or None. Only its length and its count of distinct characters are quoted."""
    distinct = len(set(secret))
    if len(secret) >= SECRET_MIN_LENGTH and distinct >= SECRET_MIN_DISTINCT:
        return None
    return (
        f"too weak ({len(secret)} characters, {distinct} distinct): it must be at least "
        f"{SECRET_MIN_LENGTH} characters with at least {SECRET_MIN_DISTINCT} distinct ones. Make one with: "
        f"{NEW_SECRET_COMMAND}"
    )


def without_userinfo(url: str) -> str:
    """`url` with any `user:password@` replaced by `***@`, safe to print."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]).geturl()


def _unset(value: Any) -> bool:
    return isinstance(value, str) and (not value.strip() or bool(_PLACEHOLDER.match(value.strip())))


class Settings(BaseModel):
    """Every setting, read from the values passed in, the environment and `.env` (settings_sources.py); defaults
    are checked like given values. `_env_file=None` reads no `.env` file."""

    model_config = ConfigDict(extra="ignore", hide_input_in_errors=True, validate_default=True)
    """`hide_input_in_errors`: a secret's value never shows in a ValidationError's text (`load_settings` names
    the values that may be shown)."""

    def __init__(self, _env_file: str | Path | None = ENV_FILE, **values: Any) -> None:
        super().__init__(**read(type(self).model_fields, values, _env_file))

    api_key: SecretStr | None = Field(default=None, validation_alias="SYNC_API_KEY")
    base_url: str = Field(default=DEFAULT_BASE_URL, validation_alias="SYNC_BASE_URL")
    output_dir: Path = Field(default=Path("sync-outputs"), validation_alias="SYNC_MCP_OUTPUT_DIR")
    allowed_dirs: str | None = Field(default=None, validation_alias="SYNC_MCP_ALLOWED_DIRS")
    max_cost_usd: float | None = Field(
        default=None, ge=0, validation_alias=AliasChoices("SYNC_MCP_MAX_COST_USD", DEPRECATED_MAX_COST)
    )
    confirm_above_usd: float | None = Field(default=None, ge=0, validation_alias="SYNC_MCP_CONFIRM_ABOVE_USD")
    http_token: SecretStr | None = Field(default=None, validation_alias="SYNC_MCP_HTTP_TOKEN")
    """HTTP mode: the bearer token clients must send (required when bound beyond loopback)."""
    allowed_hosts: str | None = Field(default=None, validation_alias="SYNC_MCP_ALLOWED_HOSTS")
    """HTTP mode beyond loopback: accepted `Host` values, comma-separated (`host:*` allows any port)."""
    allowed_origins: str | None = Field(default=None, validation_alias="SYNC_MCP_ALLOWED_ORIGINS")
    """HTTP mode beyond loopback: accepted browser `Origin` values, comma-separated."""
    public_url: str | None = Field(default=None, validation_alias="SYNC_MCP_PUBLIC_URL")
    """HTTP mode: the public base URL of this server (e.g. https://mcp.example.com); with a webhook secret
    and https, creates ask the API to POST completions to `<public_url>/webhooks/sync`."""
    upload_link_minutes: float = Field(default=30.0, gt=0, le=24 * 60, validation_alias="SYNC_MCP_UPLOAD_LINK_MINUTES")
    """HTTP mode: how long an upload link (and a download link) stays usable."""
    webhook_secret: SecretStr | None = Field(default=None, validation_alias="SYNC_MCP_WEBHOOK_SECRET")
    """HTTP mode: the organisation's webhook signing secret (`whsec_...`); enables the webhook receiver."""
    toolsets: str | None = Field(default=None, validation_alias="SYNC_MCP_TOOLSETS")
    """The toolsets to offer, comma-separated (`all` for every one); unset: core (tools/toolsets.py)."""
    allowed_toolsets: str = Field(default="all", validation_alias="SYNC_MCP_ALLOWED_TOOLSETS")
    """HTTP: the most a connection may choose with /mcp/x/{toolsets} or X-MCP-Toolsets (comma-separated, or all)."""
    auth: Literal["token", "oauth"] = Field(default="token", validation_alias="SYNC_MCP_AUTH")
    """HTTP mode: `token` (a static bearer token, SYNC_MCP_HTTP_TOKEN) or `oauth` (this server is an OAuth 2.1
    authorization server: users sign in once with their own Sync API key; needs SYNC_MCP_PUBLIC_URL and
    SYNC_MCP_SECRET_KEY)."""
    oauth_secret: SecretStr | None = Field(default=None, validation_alias="SYNC_MCP_SECRET_KEY")
    """HTTP mode with OAuth: the secret the users' Sync keys are encrypted with at rest (32+ characters)."""
    media_domains_list: str | None = Field(default=None, validation_alias="SYNC_MCP_MEDIA_DOMAINS")
    """Further origins the MCP Apps view may play outputs from (its CSP), comma-separated."""
    log_level: LogLevel = Field(default="INFO", validation_alias="SYNC_MCP_LOG_LEVEL")
    request_timeout: float = Field(default=30.0, gt=0, validation_alias="SYNC_MCP_REQUEST_TIMEOUT")
    max_wait_seconds: float = Field(default=50.0, ge=1, le=3600, validation_alias="SYNC_MCP_MAX_WAIT_SECONDS")
    """The longest wait one tool call may block for (`timeout` of get_generation and lipsync; their schemas'
    maximum). Hosts on the TypeScript SDK end a request after 60 s unless they reset the clock on progress:
    raise it only for hosts known to do that."""
    catalog_ttl: float = Field(default=3600.0, ge=0, validation_alias="SYNC_MCP_CATALOG_TTL")
    max_retries: int = Field(default=3, ge=0, le=10, validation_alias="SYNC_MCP_MAX_RETRIES")
    """Retries of a safe request (GET, keyed create) after a 408/429/5xx or a network failure."""
    retry_budget: float = Field(default=30.0, gt=0, validation_alias="SYNC_MCP_RETRY_BUDGET")
    """Seconds one API call may take in total, retries and their waits included (at least one read timeout)."""
    retry_base_delay: float = Field(default=0.5, gt=0, validation_alias="SYNC_MCP_RETRY_BASE_DELAY")
    """First backoff step in seconds; it doubles per retry (full jitter, at most 8 s; Retry-After wins)."""
    max_download_bytes: int = Field(default=5 * GIB, gt=0, validation_alias="SYNC_MCP_MAX_DOWNLOAD_BYTES")
    """The largest output file one download may write."""
    download_timeout: float = Field(default=1800.0, gt=0, validation_alias="SYNC_MCP_DOWNLOAD_TIMEOUT")
    """Seconds one download may take in all, however slowly the bytes arrive."""
    output_quota_bytes: int | None = Field(default=None, gt=0, validation_alias="SYNC_MCP_OUTPUT_QUOTA_BYTES")
    """Bytes one caller's output folder may hold; unset: `HTTP_OUTPUT_QUOTA_BYTES` per caller over HTTP, no
    limit over stdio (one user, one folder)."""
    output_budget_bytes: int | None = Field(default=None, gt=0, validation_alias="SYNC_MCP_OUTPUT_BUDGET_BYTES")
    """Bytes the whole output folder (every caller's) may hold; unset: no limit."""
    redis_url: SecretStr | None = Field(default=None, validation_alias="SYNC_MCP_REDIS_URL")
    """Shared state in Redis (`redis://[:password@]host:port/db`, `rediss://` for TLS), so several replicas serve
    one deployment; unset: kept in this process (one replica). Needs `pip install 'sync-mcp[redis]'`."""
    redis_namespace: str = Field(default="sync-mcp", min_length=1, validation_alias="SYNC_MCP_REDIS_NAMESPACE")
    """Prefix of every Redis key and of the event channel: deployments sharing one Redis use different ones."""
    allow_insecure_base: bool = Field(default=False, validation_alias=INSECURE_BASE)
    """Allow a plain-http SYNC_BASE_URL beyond loopback (the API key then crosses the network in clear text)."""
    shutdown_grace_seconds: float = Field(
        default=25.0, ge=0, le=3600, validation_alias="SYNC_MCP_SHUTDOWN_GRACE_SECONDS"
    )
    """On SIGTERM/SIGINT: how long calls in flight may finish; longer waits end early with the id and status."""
    metrics: bool = Field(default=False, validation_alias="SYNC_MCP_METRICS")
    """HTTP mode: serve Prometheus metrics at `/metrics` (behind the bearer token). Needs `sync-mcp[otel]`."""
    log_format: Literal["text", "json"] = Field(default="text", validation_alias="SYNC_MCP_LOG_FORMAT")
    """stderr logs: `text` (logfmt lines) or `json` (one JSON object per line)."""

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any, info: Any) -> Any:
        if _unset(value):
            field = cls.model_fields[info.field_name]
            return field.get_default(call_default_factory=True)
        return value

    @field_validator("auth", mode="before")
    @classmethod
    def _auth_lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("oauth_secret", "http_token")
    @classmethod
    def _strong(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and (why := weak_secret(value.get_secret_value())):
            raise ValueError(why)
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip().startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("it accepts a redis://, rediss:// or unix:// URL")
        return value

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("it accepts an http(s) URL such as https://api.sync.so")
        return value.strip().rstrip("/")

    @model_validator(mode="after")
    def _secure_base(self) -> Settings:
        host = urlsplit(self.base_url).hostname or ""
        if self.base_url.startswith("http://") and not is_loopback(host) and not self.allow_insecure_base:
            raise ValueError(
                f"SYNC_BASE_URL={without_userinfo(self.base_url)} is plain http beyond loopback: the API key would "
                f"cross the network in clear text. Use https, or set {INSECURE_BASE}=1 if that is really meant "
                "(a test API on a private network)."
            )
        return self

    def allowed_roots(self) -> list[Path]:
        """Folders local files may be read from (`os.pathsep`- or comma-separated; default: the cwd)."""
        if not self.allowed_dirs:
            return [Path.cwd().resolve()]
        parts = re.split(f"[,{re.escape(os.pathsep)}]", self.allowed_dirs)
        return [Path(p).expanduser().resolve() for p in parts if p.strip()]

    @staticmethod
    def deprecations(environ: Mapping[str, str] = os.environ) -> list[str]:
        """One line per deprecated variable set in the environment, saying which name to use instead."""
        if DEPRECATED_MAX_COST in environ:
            return [f"{DEPRECATED_MAX_COST} is deprecated: name it SYNC_MCP_MAX_COST_USD (the old name still works)."]
        return []

    def media_domains(self) -> list[str]:
        """`SYNC_MCP_MEDIA_DOMAINS` as a list (origins such as `https://media.example.com`)."""
        return [d.strip().rstrip("/") for d in (self.media_domains_list or "").split(",") if d.strip()]

    def output_root(self) -> Path:
        """The configured output folder, absolute (relative to the working directory when given relative)."""
        return Path(os.path.abspath(self.output_dir.expanduser()))

    def caller_quota(self, *, per_caller: bool) -> int | None:
        """Bytes one output folder may hold: the setting, else the HTTP default for per-caller folders."""
        if self.output_quota_bytes is not None:
            return self.output_quota_bytes
        return HTTP_OUTPUT_QUOTA_BYTES if per_caller else None

    def shared_state_url(self) -> str | None:
        """SYNC_MCP_REDIS_URL, or None (state kept in this process)."""
        return self.redis_url.get_secret_value().strip() if self.redis_url else None

    def secret_key(self) -> str | None:
        return self.api_key.get_secret_value() if self.api_key else None

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=self.max_retries + 1,
            base_delay=self.retry_base_delay,
            max_delay=max(8.0, self.retry_base_delay),
            budget=self.retry_budget,
        )

    def webhook_url(self) -> str | None:
        """Where the API should deliver completions: set only with a secret and a public https URL."""
        if self.webhook_secret is None or not self.public_url or not self.public_url.startswith("https://"):
            return None
        return self.public_url.rstrip("/") + WEBHOOK_PATH


def env_names() -> list[str]:
    """Each setting's environment variable, in declaration order (old names, read too, are left out)."""
    return [names(field)[0] for field in Settings.model_fields.values()]


def accepts(name: str) -> str:
    """What the variable `name` accepts, in words, from its field's type and bounds."""
    field = next(f for f in Settings.model_fields.values() if name in names(f))
    annotation = field.annotation
    kind = annotation
    if get_origin(annotation) is not Literal:
        kind = ([a for a in get_args(annotation) if a is not type(None)] or [annotation])[0]
    if get_origin(kind) is Literal:
        return "one of " + ", ".join(str(v) for v in get_args(kind))
    if kind is bool:
        return "1 or 0 (true or false)"
    if kind in (int, float):
        bounds = [_bound(m) for m in field.metadata if _bound(m)]
        noun = "a whole number" if kind is int else "a number"
        unit = next((f" of {u}" for suffix, u in _UNITS if name.endswith(suffix)), "")
        example = " (e.g. 21474836480 for 20 GiB)" if unit == " of bytes" else ""
        return noun + unit + "".join(f" {b}" for b in bounds) + example
    if kind is Path:
        return "a folder path"
    return "text"


_UNITS = (("_SECONDS", "seconds"), ("_TIMEOUT", "seconds"), ("_TTL", "seconds"), ("_DELAY", "seconds"),
          ("_BUDGET", "seconds"), ("_BYTES", "bytes"), ("_USD", "US dollars"))  # fmt: skip


def _bound(meta: Any) -> str | None:
    for kind, attribute, word in ((Ge, "ge", "from"), (Gt, "gt", "above"), (Le, "le", "to"), (Lt, "lt", "below")):
        if isinstance(meta, kind):
            return f"{word} {getattr(meta, attribute)}"
    return None


def _shown(name: str, value: Any) -> str:
    """The value of variable `name` as it may be printed: never a secret's, never a URL's credentials."""
    field = next((f for f in Settings.model_fields.values() if name in names(f)), None)
    if field is not None and SecretStr in (field.annotation, *get_args(field.annotation)):
        return f"{name} (value hidden)"
    return f"{name}={without_userinfo(str(value))!r}" if isinstance(value, str) else f"{name}={value!r}"


def _problem(error: Any) -> str:
    name = str(error["loc"][0]) if error["loc"] else ""
    message = str(error["msg"]).removeprefix("Value error, ")
    if not name:  # a rule over several settings: its message names them
        return message
    if error["type"] in ("value_error", "string_too_short") and not message.startswith("Input should"):
        return f"{_shown(name, error.get('input'))} is refused: {message}"
    return f"{_shown(name, error.get('input'))} is refused: it accepts {accepts(name)}"


def load_settings(**values: Any) -> Settings:
    """Every setting read and checked, from the environment and `.env` (and `values`, which win); raises
    `SettingsError` naming each bad one. The toolsets are checked here too, against the tools there are."""
    from sync_mcp.tools.toolsets import ALL, DEFAULT_TOOLSETS, TOOLSETS, UnknownToolsetError, choose

    try:
        settings = Settings(**values)
    except ValidationError as exc:
        raise SettingsError("; ".join(_problem(e) for e in exc.errors(include_url=False))) from None
    for name, value, default in (
        ("SYNC_MCP_TOOLSETS", settings.toolsets, DEFAULT_TOOLSETS),
        ("SYNC_MCP_ALLOWED_TOOLSETS", settings.allowed_toolsets, [ALL]),
    ):
        try:
            choose(value, TOOLSETS, default, source=name)
        except UnknownToolsetError as exc:
            why = str(exc).removeprefix(f"{name}: ")
            raise SettingsError(f"{name}={value!r} is refused: {why}") from None
    return settings
