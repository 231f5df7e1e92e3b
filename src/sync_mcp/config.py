"""Configuration: one settings object, read from the environment (and an optional `.env`).

Every variable is documented in the README's configuration table. Empty values and unsubstituted
`${...}` placeholders (as some MCP hosts pass for unset bundle options) count as unset.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .api.client import DEFAULT_BASE_URL, RetryPolicy

_PLACEHOLDER = re.compile(r"^\$\{[^}]*\}$")

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
    max_cost_usd: float | None = Field(default=None, ge=0, validation_alias="SYNC_MAX_COST_USD")
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
    webhook_secret: SecretStr | None = Field(default=None, validation_alias="SYNC_MCP_WEBHOOK_SECRET")
    """HTTP mode: the organisation's webhook signing secret (`whsec_...`); enables the webhook receiver."""
    log_level: str = Field(default="INFO", validation_alias="SYNC_MCP_LOG_LEVEL")
    request_timeout: float = Field(default=30.0, gt=0, validation_alias="SYNC_MCP_REQUEST_TIMEOUT")
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

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any, info: Any) -> Any:
        if _unset(value):
            field = cls.model_fields[info.field_name]
            return field.get_default(call_default_factory=True)
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

    def output_root(self) -> Path:
        """The configured output folder, absolute (relative to the working directory when given relative)."""
        return Path(os.path.abspath(self.output_dir.expanduser()))

    def caller_quota(self, *, per_caller: bool) -> int | None:
        """Bytes one output folder may hold: the setting, else the HTTP default for per-caller folders."""
        if self.output_quota_bytes is not None:
            return self.output_quota_bytes
        return HTTP_OUTPUT_QUOTA_BYTES if per_caller else None

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
