"""Results whose null fields say something: kept in the output although `ok()` leaves other nulls out."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, SerializerFunctionWrapHandler, model_serializer


class KeepsNulls(BaseModel):
    """A result model listing (by wire name) the fields that stay in the output when null."""

    kept_nulls: ClassVar[tuple[str, ...]] = ()

    # Left unannotated on purpose: pydantic then keeps the model's own JSON schema for the output schema.
    @model_serializer(mode="wrap")
    def _keep_nulls(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        data = handler(self)
        for name in self.kept_nulls:
            data.setdefault(name, None)
        return data
