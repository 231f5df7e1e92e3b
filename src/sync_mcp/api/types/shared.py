"""What every wire type is built from: request and response bases, open enums, rule errors and checks.

Python attribute names are snake_case; the wire names (camelCase at the top level and in input items,
snake_case inside `options`, as the API does) are the aliases. Requests serialise with
`to_wire()` (aliases, no null fields). Request models refuse unknown keys, so a typo such as
`syncMode` fails locally instead of being silently dropped; response models keep unknown keys, so a
growing API never breaks parsing.

Cross-field rules are `model_validator`s raising `rule_error(...)`: a `PydanticCustomError` whose type is the
API's own error code and whose context names the field and the fix.
"""

from __future__ import annotations

import logging
import uuid
from typing import Annotated, Any, get_args
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from ..errors import LOCAL_VALIDATION_CODE


class RequestModel(BaseModel):
    """A body we send: wire aliases, unknown keys refused, serialised without nulls."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid", defer_build=True)

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


log = logging.getLogger(__name__)

_noted: set[tuple[str, str]] = set()


def note_unknown(where: str, what: str) -> None:
    """Say once, at DEBUG, that a response carried something the reference does not know (kept as sent)."""
    if (where, what) not in _noted:
        _noted.add((where, what))
        log.debug("%s: %s is not in the reference; kept and passed through as the API sent it", where, what)


class ResponseModel(BaseModel):
    """A body we receive: wire aliases, unknown keys kept (the API grows) and noted once at DEBUG."""

    model_config = ConfigDict(populate_by_name=True, extra="allow", defer_build=True)

    @model_validator(mode="after")
    def _note_extra(self) -> ResponseModel:
        for name in self.model_extra or ():
            note_unknown(type(self).__name__, f"field {name!r}")
        return self

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


def open_enum(known: Any, where: str) -> Any:
    """A response enum read tolerantly: the `known` Literal's values, or any other string the API adds later
    (kept as sent, noted once at DEBUG). Requests keep the closed Literal."""
    values = frozenset(get_args(known))

    def check(value: str) -> str:
        if value not in values:
            note_unknown(where, f"value {value!r}")
        return value

    return Annotated[str, AfterValidator(check)]


def rule_error(code: str, field: str, message: str, fix: str) -> PydanticCustomError:
    """A validation failure that carries the API's error code, the offending field and the fix."""
    # Braces would be read as format fields by pydantic-core; the texts here never need them.
    return PydanticCustomError(code, f"{field}: {message}", {"field": field, "fix": fix})


def check_media_url(value: str, field: str = "url") -> str:
    """Media URLs must be absolute http(s) URLs without embedded credentials (reference §3.1.2)."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise rule_error(
            LOCAL_VALIDATION_CODE,
            field,
            "must be an absolute http(s) URL",
            "Pass a public https URL the API can fetch, or upload the file first and pass its assetId.",
        )
    if parts.username or parts.password:
        raise rule_error(
            LOCAL_VALIDATION_CODE,
            field,
            "must not embed credentials (user:password@)",
            "Use a public or pre-signed URL without credentials, or upload the file and pass assetId.",
        )
    return value


def is_uuid(value: str) -> bool:
    """A UUID in its usual 36- or 32-character spelling (the form every API id takes)."""
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return len(value) in (32, 36)


def check_uuid(value: str, field: str, code: str = LOCAL_VALIDATION_CODE) -> str:
    if not is_uuid(value):
        raise rule_error(code, field, "must be a UUID", f"Pass the {field} exactly as the API returned it.")
    return value


Unit = Annotated[float, Field(ge=0, le=1)]
