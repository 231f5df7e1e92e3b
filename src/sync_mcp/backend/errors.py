"""The two ways shared state can fail: Redis unreachable at start (the server refuses to start), and Redis lost
while serving (the request that needed it gets a structured, retryable error, worded in
`sync_mcp.guidance.failures`; the server recovers by itself when Redis returns)."""

from __future__ import annotations


class StateBackendError(RuntimeError):
    """The configured state backend cannot be used at start (the message says what to do)."""


class SharedStateUnavailable(RuntimeError):
    """Redis did not answer a request that needs the deployment's shared state. Nothing was written or lost by
    the failed operation; the same request may succeed once Redis is back."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the shared state (Redis) is unavailable: {reason}")
        self.reason = reason
