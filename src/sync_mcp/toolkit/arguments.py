"""Tool arguments that mirror a wire model: the model's fields become the tool's parameters.

So `create_generation` takes exactly the JSON body of `POST /v2/generate` with its wire names, and
the field list lives only in `sync_mcp.api.models`.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, get_type_hints

from pydantic import BaseModel, Field
from pydantic_core import to_jsonable_python

from sync_mcp.api.errors import LOCAL_VALIDATION_CODE, UNKNOWN_ARGUMENT_CODE, ErrorInfo
from sync_mcp.api.ids import IDEMPOTENCY_KEY
from sync_mcp.services.refusals import InputError

if TYPE_CHECKING:
    from sync_mcp.api.models import RequestModel

F = TypeVar("F", bound=Callable[..., Any])


def model_parameters(model: type[BaseModel]) -> list[inspect.Parameter]:
    params = []
    for name, field in model.model_fields.items():
        described = Field(description=field.description, json_schema_extra=field.json_schema_extra)
        annotation: Any = Annotated[(field.annotation, *field.metadata, described)]
        default = inspect.Parameter.empty if field.is_required() else field.default
        params.append(
            inspect.Parameter(
                field.alias or name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
            )
        )
    return params


def with_model_parameters(model: type[BaseModel], extra: Sequence[inspect.Parameter]) -> Callable[[F], F]:
    """Give `fn(**kwargs)` a signature made of `model`'s wire fields followed by `extra` parameters."""

    def decorate(fn: F) -> F:
        returns = get_type_hints(fn, include_extras=True).get("return", inspect.Signature.empty)
        signature = inspect.Signature([*model_parameters(model), *extra], return_annotation=returns)
        fn.__signature__ = signature  # type: ignore[attr-defined]
        # The SDK looks for `Resolve(...)` markers in the type hints, so extra parameters are annotated there too.
        fn.__annotations__.update({p.name: p.annotation for p in extra if p.annotation is not inspect.Parameter.empty})
        return fn

    return decorate


def wire_body(model: type[BaseModel], arguments: dict[str, Any]) -> dict[str, Any]:
    """The wire-named arguments that belong to `model`, as plain JSON values (no nulls)."""
    names = {f.alias or n for n, f in model.model_fields.items()}
    return {
        k: to_jsonable_python(v, by_alias=True, exclude_none=True)
        for k, v in arguments.items()
        if k in names and v is not None
    }


def idempotency_parameter(description: str) -> inspect.Parameter:
    """The optional `idempotencyKey` argument of a create the API de-duplicates (the API's key pattern)."""
    annotation = Annotated[str | None, Field(pattern=IDEMPOTENCY_KEY.pattern, description=description)]
    return inspect.Parameter("idempotencyKey", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)


def require_a_change(body: RequestModel, example: str) -> None:
    """Refuse (nothing sent) an update whose body changes nothing; `example` names fields to pass."""
    if not body.to_wire():
        raise InputError(
            LOCAL_VALIDATION_CODE,
            "Nothing to change: give at least one field. Nothing was sent.",
            f"Pass the fields to change, e.g. {example}.",
        )


def unknown_arguments(tool: str, arguments: Mapping[str, Any], input_schema: Mapping[str, Any]) -> ErrorInfo | None:
    """The refusal of arguments `tool` does not take (names not in its input schema's properties), each named
    with the closest valid one; None when every name is known. Checked before the tool runs, so a misspelled
    option (`dowload`, `webhookURL`) never lets a paid job start without it."""
    valid = list((input_schema.get("properties") or {}).keys())
    unknown = [name for name in arguments if name not in valid]
    if not unknown:
        return None
    lowered = {name.lower(): name for name in valid}
    problems = []
    for name in unknown:
        close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6) if name.strip() else []
        hint = f"; did you mean `{lowered[close[0]]}`?" if close else "."
        named = f"`{name}`" if name.strip() else "An argument with an empty name"
        problems.append(f"{named} is not an argument of {tool}{hint}")
    return ErrorInfo(
        errorCode=UNKNOWN_ARGUMENT_CODE,
        message=" ".join(problems) + " Nothing was sent.",
        fix=f"Call {tool} again with only its own arguments: {', '.join(valid) or 'none'}.",
        retryable=False,
        field=unknown[0] if unknown[0].strip() else "arguments",
    )
