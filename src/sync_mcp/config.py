"""Configuration: one settings object, read from the environment (and an optional `.env`).

Every variable is documented in the README's configuration table. Empty values and unsubstituted
`${...}` placeholders (as some MCP hosts pass for unset bundle options) count as unset.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .api.client import DEFAULT_BASE_URL
from .api.retries import RetryPolicy

_PLACEHOLDER = re.compile(r"^\$\{[^}]*\}$")

DEPRECATED_MAX_COST = "SYNC_MAX_COST_USD"
"""The spend cap's old name, still read (SYNC_MCP_MAX_COST_USD wins); the CLI says it is deprecated."""
GIB = 1024**3

WEBHOOK_PATH = "/webhooks/sync"
"""Path of the webhook receiver in HTTP mode."""
HTTP_OUTPUT_QUOTA_BYTES = 20 * GIB
"""Default of `output_quota_bytes` for each caller of an HTTP deployment."""


def _unset(value: Any) -> bool:
    return isinstance(value, str) and (not value.strip() or bool(_PLACEHOLDER.match(value.strip())))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

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
    auth: Literal["token", "oauth"] = Field(default="token", validation_alias="SYNC_MCP_AUTH")
    """HTTP mode: `token` (a static bearer token, SYNC_MCP_HTTP_TOKEN) or `oauth` (this server is an OAuth 2.1
    authorization server: users sign in once with their own Sync API key; needs SYNC_MCP_PUBLIC_URL and
    SYNC_MCP_SECRET_KEY)."""
    oauth_secret: SecretStr | None = Field(default=None, validation_alias="SYNC_MCP_SECRET_KEY")
    """HTTP mode with OAuth: the secret the users' Sync keys are encrypted with at rest (32+ characters)."""
    media_domains_list: str | None = Field(default=None, validation_alias="SYNC_MCP_MEDIA_DOMAINS")
    """Further origins the MCP Apps view may play outputs from (its CSP), comma-separated."""
    log_level: str = Field(default="INFO", validation_alias="SYNC_MCP_LOG_LEVEL")
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

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip().startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("SYNC_MCP_REDIS_URL must be a redis://, rediss:// or unix:// URL")
        return value

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

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
    names = []
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        names.append(str(alias.choices[0]) if isinstance(alias, AliasChoices) else str(alias))
    return names
