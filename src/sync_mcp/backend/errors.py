"""The two ways shared state can fail: Redis unreachable at start (the server refuses to start), and Redis lost
while serving (the request that needed it gets a structured, retryable error; the server recovers by itself
when Redis returns)."""

from __future__ import annotations

from sync_mcp.guidance.errors import ErrorInfo

UNAVAILABLE_CODE = "shared_state_unavailable"
RETRY_AFTER_SECONDS = 2.0


class StateBackendError(RuntimeError):
    """The configured state backend cannot be used at start (the message says what to do)."""


class SharedStateUnavailable(RuntimeError):
    """Redis did not answer a request that needs the deployment's shared state. Nothing was written or lost by
    the failed operation; the same request may succeed once Redis is back."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the shared state (Redis) is unavailable: {reason}")
        self.reason = reason


def unavailable_error(what: str = "This request") -> ErrorInfo:
    """The error an agent or client reads when shared state is unavailable (never a silent local fallback)."""
    return ErrorInfo(
        errorCode=UNAVAILABLE_CODE,
        httpStatus=503,
        message=f"{what} needs the state this deployment's replicas share, and its Redis is not answering just "
        "now. Nothing was changed, and nothing stored before is lost.",
        fix="Retry in a few seconds: the server reconnects by itself when Redis is back. If it persists, the "
        "server's operator should check the Redis at SYNC_MCP_REDIS_URL.",
        retryable=True,
        retryAfterSeconds=RETRY_AFTER_SECONDS,
    )
