"""Usage (reference §3.5, §3.10): cost items over a time range, generation counts and active jobs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from ..errors import LOCAL_VALIDATION_CODE
from .costs import GenerationCosts
from .shared import RequestModel, ResponseModel, rule_error

USAGE_PAGE_MAX = 500
"""Largest `limit` of `GET /v2/usage/generations` (reference §3.10; API default 100)."""

ListableStatus = Literal["PENDING", "PROCESSING", "COMPLETED", "FAILED", "REJECTED"]

Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
"""A filter value; lists of them go comma-separated, so an empty (or blank) one cannot be sent."""

GenerationType = Literal["playground", "api"]


def utc(value: datetime) -> datetime:
    """The same instant in UTC; a time without a zone is taken as UTC (the API asks for UTC times)."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def iso_utc(value: datetime, timespec: str = "auto") -> str:
    """`2026-11-12T00:00:00Z`: ISO 8601 in UTC, as the reference's examples write it."""
    return utc(value).isoformat(timespec=timespec).replace("+00:00", "Z")


class UsageQuery(RequestModel):
    """Query of `GET /v2/usage/generations` (reference §3.10)."""

    start_time: datetime = Field(alias="startTime", description="Start of the range, inclusive (UTC).")
    end_time: datetime = Field(alias="endTime", description="End of the range, exclusive (UTC).")
    limit: int | None = Field(default=None, ge=1, le=USAGE_PAGE_MAX, description="Items per page, 1-500.")
    cursor: str | None = Field(default=None, min_length=1, description="nextCursor of the previous page.")

    @field_validator("start_time", "end_time")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return utc(value)

    @model_validator(mode="after")
    def _ordered(self) -> UsageQuery:
        # Documented refusal: "endTime ... Must be after startTime"
        # (https://sync.so/docs/api-reference/guides/usage-export, reference §3.10).
        if self.end_time <= self.start_time:
            raise rule_error(
                LOCAL_VALIDATION_CODE,
                "endTime",
                "must be after startTime",
                "Give an endTime later than startTime (the range is [startTime, endTime), in UTC).",
            )
        return self

    def to_params(self) -> dict[str, Any]:
        params = self.to_wire()
        params["startTime"], params["endTime"] = iso_utc(self.start_time), iso_utc(self.end_time)
        return params


class GenerationUsage(GenerationCosts):
    """One item of `GET /v2/usage/generations`: the cost object plus when, which model and which key."""

    created_at: str | None = Field(default=None, alias="createdAt")
    finished_at: str | None = Field(default=None, alias="finishedAt")
    model: str | None = None
    # [INF] The reference names the field (`apiKey`) but not its shape (the key's name, an object describing the
    # key, or its id); it is passed on as the API sends it. It never holds the secret itself.
    api_key: Any = Field(default=None, alias="apiKey")


class UsagePage(ResponseModel):
    """Reply of `GET /v2/usage/generations`: one page, oldest first; `nextCursor` is null on the last page."""

    items: list[GenerationUsage]
    next_cursor: str | None = Field(default=None, alias="nextCursor")


def decimal_usd(value: str | None) -> Decimal | None:
    """A money amount of the API (a decimal string) as a `Decimal`; None when absent or not a number."""
    if value is None:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


class GenerationCountQuery(RequestModel):
    """Query of `GET /v2/generations/count` (reference §3.5). Lists go comma-separated."""

    status: list[ListableStatus] | None = Field(default=None, min_length=1, description="Only these statuses.")
    type: GenerationType | None = Field(default=None, description="playground (Studio) or api.")
    source: list[Label] | None = Field(default=None, min_length=1, description="Only these source labels.")
    # [INF] The reference lists this filter's values (studio_lite, studio_advanced, studio_assistant, ios,
    # premiere-plugin, resolve-plugin, mcp, chatgpt, claude, gemini, api) but not whether several may be given;
    # a list goes comma-separated like `source`, and values are left to the API to judge.
    generation_source: list[Label] | None = Field(
        default=None,
        alias="generationSource",
        min_length=1,
        description="Made via: api, mcp, studio_lite, ...",
    )
    current_user_only: bool | None = Field(
        default=None, alias="currentUserOnly", description="Only generations of the key's own user."
    )

    def to_params(self) -> dict[str, Any]:
        params = self.to_wire()
        for name in ("status", "source", "generationSource"):
            if isinstance(params.get(name), list):
                params[name] = ",".join(params[name])
        return params


class GenerationCount(ResponseModel):
    """Reply of `GET /v2/generations/count`."""

    count: int


ACTIVE_STATUSES = frozenset({"PENDING", "PROCESSING"})


class ActiveJob(ResponseModel):
    """One job of the stream. [INF] Only `id` and `status` are relied on; other fields are kept as sent."""

    id: str
    status: str
    type: str | None = Field(default=None, description="e.g. generation.")
    model: str | None = None
    created_at: str | None = Field(default=None, alias="createdAt")

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES


@dataclass(frozen=True)
class JobsEvent:
    """A snapshot (`jobs` is every active job now) or one job's change (`job`)."""

    jobs: list[ActiveJob] | None = None
    job: ActiveJob | None = None
