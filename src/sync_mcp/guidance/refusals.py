"""An argument a workflow cannot use (a path outside the caller's folders, a missing file, an unsupported
format, ...): raised before anything is sent, it reaches the agent as an error with `errorCode`, the `field`
at fault and the `fix`."""

from __future__ import annotations

from .info import ErrorInfo


class InputError(Exception):
    def __init__(self, error_code: str, message: str, fix: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.info = ErrorInfo(errorCode=error_code, message=message, fix=fix, retryable=False, field=field)
