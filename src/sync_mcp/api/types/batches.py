"""Batches (reference §9): rows of create bodies sent as one job, and the batch objects."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import AwareDatetime, Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from ..errors import LOCAL_VALIDATION_CODE
from .generations import CreateGenerationRequest
from .shared import RequestModel, ResponseModel, check_media_url, rule_error

MIN_ROWS = 20

MAX_ROWS = 500

MAX_JSONL_BYTES = 5 * 1024 * 1024
"""The 5 MB file limit ([INF] read as MiB; the rows are measured as the JSONL file they stand for)."""

BATCH_ENDPOINT = "/v2/generate"

BATCH_PLANS = ("scale", "enterprise")

BatchStatus = Literal["PENDING", "JOBS_CREATED", "PROCESSING", "COMPLETED", "FAILED"]


class BatchRow(RequestModel):
    """One record: `{request_id, endpoint, payload}` (snake_case keys, as the API writes them)."""

    request_id: str = Field(min_length=1, description="Your unique id for this row; results are keyed by it.")
    endpoint: str = Field(default=BATCH_ENDPOINT, description='Always "/v2/generate".')
    payload: CreateGenerationRequest = Field(description="The create body (`POST /v2/generate`) for this row.")

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, v: str) -> str:
        if v != BATCH_ENDPOINT:
            raise rule_error(
                "batch_invalid_endpoint",
                "endpoint",
                f"must be exactly {BATCH_ENDPOINT!r}, not {v!r}",
                f'Set endpoint to "{BATCH_ENDPOINT}" (or leave it out) on every row.',
            )
        return v


def jsonl_size(rows: list[BatchRow]) -> int:
    """Bytes of the JSONL file the rows stand for: one compact JSON object per line ([INF] encoding)."""
    return sum(
        len(json.dumps(row.to_wire(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")) + 1 for row in rows
    )


class CreateBatchRequest(RequestModel):
    """Body of `POST /v2/batch` in its JSON form: `{rows, webhook_url?, dry_run?}`.

    [INF] `webhook_url` and `dry_run` are the multipart form's field names, sent beside `rows`.
    """

    rows: list[BatchRow] = Field(description=f"{MIN_ROWS}-{MAX_ROWS} records.")
    webhook_url: str | None = Field(default=None, description="URL POSTed when the batch completes or fails.")
    dry_run: bool | None = Field(default=None, description="Validate only: nothing is created or charged.")

    @field_validator("rows", mode="before")
    @classmethod
    def _count(cls, v: Any) -> Any:
        if isinstance(v, list) and len(v) < MIN_ROWS:
            raise rule_error(
                "batch_insufficient_records",
                "rows",
                f"has {len(v)} rows; a batch needs at least {MIN_ROWS}",
                f"Add rows to reach {MIN_ROWS}, or create the generations one by one.",
            )
        if isinstance(v, list) and len(v) > MAX_ROWS:
            raise rule_error(
                "batch_too_many_requests",
                "rows",
                f"has {len(v)} rows; a batch takes at most {MAX_ROWS}",
                f"Split the rows into batches of at most {MAX_ROWS}.",
            )
        return v

    @field_validator("webhook_url")
    @classmethod
    def _webhook(cls, v: str | None) -> str | None:
        return None if v is None else check_media_url(v, "webhook_url")

    @model_validator(mode="after")
    def _file_rules(self) -> CreateBatchRequest:
        repeated = sorted(r for r, n in Counter(row.request_id for row in self.rows).items() if n > 1)
        if repeated:
            first = next(i for i, row in enumerate(self.rows) if row.request_id == repeated[0])
            later = next(i for i, row in enumerate(self.rows) if row.request_id == repeated[0] and i > first)
            raise rule_error(
                "batch_duplicate_request_id",
                f"rows[{later}].request_id",
                f"{repeated[0]!r} is also the request_id of rows[{first}]"
                + (f" ({len(repeated)} ids repeat)" if len(repeated) > 1 else ""),
                "Give every row its own request_id.",
            )
        size = jsonl_size(self.rows)
        if size > MAX_JSONL_BYTES:
            raise rule_error(
                "batch_file_too_large",
                "rows",
                f"measure {size} bytes as JSONL; the limit is {MAX_JSONL_BYTES} bytes (5 MB)",
                "Split the rows across several batches.",
            )
        return self

    @classmethod
    def parse(cls, data: Any) -> CreateBatchRequest:
        """`model_validate`, with row failures named by row: `rows[7].payload.input: ...`."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise _name_rows(exc) from None


def row_field(loc: tuple[Any, ...], field: str | None) -> str:
    """('rows', 7, 'payload', ...) + the rule's own field 'input' -> 'rows[7].payload.input'."""
    prefix = f"rows[{loc[1]}]"
    rest = [str(p) for p in loc[2:] if not (isinstance(p, str) and p.startswith("function-"))]
    if field is not None:
        # A rule names its field relative to the model that raised it (the row, or the row's payload).
        base = rest[:1] if rest[:1] == ["payload"] else []
        return ".".join([prefix, *base, field])
    path = prefix
    for part in rest:
        path += f"[{part}]" if part.isdigit() else f".{part}"
    return path


MAX_REPORTED = 10
"""Problems listed in one refusal; the rest are counted (a 500-row batch can fail on every row)."""


def _braces(text: str) -> str:
    return text.replace("{", "(").replace("}", ")")  # pydantic-core would read braces as format fields


def _name_rows(exc: ValidationError) -> ValidationError:
    errors: list[InitErrorDetails] = []
    found = exc.errors(include_url=False)
    for err in found[:MAX_REPORTED]:
        loc = tuple(err["loc"])
        ctx = {k: v for k, v in (err.get("ctx") or {}).items() if k in ("field", "fix")}
        if len(loc) < 2 or loc[0] != "rows" or not isinstance(loc[1], int):
            errors.append(
                {"type": PydanticCustomError(err["type"], _braces(err["msg"]), ctx), "loc": loc, "input": None}
            )
            continue
        field = row_field(loc, ctx.get("field"))
        msg = err["msg"]
        if "field" in ctx:
            msg = msg.removeprefix(f"{ctx['field']}: ")
        elif err["type"] == "value_error":
            msg = msg.removeprefix("Value error, ")
        fix = ctx.get("fix") or "Correct this row: it follows the rules of a single generation's create body."
        code = err["type"] if "fix" in ctx else LOCAL_VALIDATION_CODE
        context = {"field": field, "fix": fix, "line_number": loc[1] + 1}
        errors.append(
            {"type": PydanticCustomError(code, _braces(f"{field}: {msg}"), context), "loc": loc, "input": None}
        )
    if len(found) > MAX_REPORTED:
        more = f"rows: {len(found) - MAX_REPORTED} more problems not listed"
        errors.append({"type": PydanticCustomError(LOCAL_VALIDATION_CODE, more), "loc": ("rows",), "input": None})
    return ValidationError.from_exception_data(exc.title, errors)


class BatchMetrics(ResponseModel):
    total_generations: int | None = None
    success_count: int | None = None
    failed_count: int | None = None
    pending_count: int | None = None


# `BatchResponse` (reference §9); the casing is the API's own mix: `created_at`, but `outputUrl`.
class Batch(ResponseModel):
    """A batch: status, metrics and, once finished, the JSONL results file at outputUrl."""

    id: str
    created_at: str | None = None
    status: str
    metrics: BatchMetrics | None = None
    output_url: str | None = Field(default=None, alias="outputUrl")
    webhook_url: str | None = Field(default=None, alias="webhookUrl")


class BatchValidated(ResponseModel):
    """The dry-run answer: `{status: "VALIDATED"}`, nothing created."""

    status: Literal["VALIDATED"]


class BatchListQuery(RequestModel):
    """Query of `GET /v2/batch` (no paging; newest first)."""

    status: BatchStatus | None = Field(default=None, description="Only batches in this status.")
    created_after: AwareDatetime | None = Field(default=None, description="ISO-8601 with time zone.")
    created_before: AwareDatetime | None = Field(default=None, description="ISO-8601 with time zone.")

    def to_params(self) -> dict[str, str]:
        params = self.to_wire()
        for name in ("created_after", "created_before"):
            value = getattr(self, name)
            if isinstance(value, datetime):
                params[name] = iso(value)
        return params


def iso(value: datetime) -> str:
    """ISO-8601 in UTC with milliseconds and a Z, as the API writes times."""
    return value.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
