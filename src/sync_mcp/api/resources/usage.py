"""Usage (reference §3.5, §3.10): what generations cost over a time range, and how many there are.

- `GET /v2/usage/generations`: one cost item per *finished* generation in `[startTime, endTime)` (filtered on
  `finishedAt`), oldest first, paged with `nextCursor`. Items are the cost object of
  `GET /v2/generate/{id}/costs` plus `createdAt`, `finishedAt`, `model` and `apiKey`. An API key sees every
  generation of its organisation. Costs usually appear within about ten minutes of completion.

`GET /v2/usage/active-jobs/stream` (reference §2, named among the paths seen in docs prose and server logs): the
organisation's active jobs as server-sent events. [INF] Nothing beyond the path and "SSE of active jobs" is
documented, so events are read tolerantly:
- a `data` that is a list, or an object with a `jobs` list, is a snapshot: the complete set of active jobs now;
- a `data` that is an object with an `id` is one job's change: a job whose `status` is not PENDING or PROCESSING
  has left the set (it finished, or is gone);
- anything else (comments, keep-alives, unknown shapes) is skipped.
The sandbox sends a `snapshot` event on connect and a `job` event per change (sandbox/routes/usage.py).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
from pydantic import ValidationError

from ..types.usage import ActiveJob, JobsEvent, UsagePage, UsageQuery
from .base import Resource

STREAM_PATH = "/v2/usage/active-jobs/stream"
STREAM_TIMEOUT = httpx.Timeout(10.0, read=60.0)
"""Connecting, and the longest silence between two pieces of the stream (keep-alives included)."""


def parse_event(data: str) -> JobsEvent | None:
    """One event's `data`, or None when it is none of the known shapes."""
    try:
        payload: Any = json.loads(data)
    except ValueError:
        return None
    if isinstance(payload, dict) and isinstance(payload.get("jobs"), list):
        payload = payload["jobs"]
    try:
        if isinstance(payload, list):
            return JobsEvent(jobs=[ActiveJob.model_validate(item) for item in payload if isinstance(item, dict)])
        if isinstance(payload, dict) and "id" in payload:
            return JobsEvent(job=ActiveJob.model_validate(payload))
    except ValidationError:
        return None
    return None


async def server_sent_data(lines: AsyncIterator[str]) -> AsyncIterator[str]:
    """The `data` of each server-sent event (its `data:` lines joined by newlines), per the SSE format."""
    data: list[str] = []
    async for line in lines:
        if not line:
            if data:
                yield "\n".join(data)
            data = []
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
    if data:
        yield "\n".join(data)


class Usage(Resource):
    """`client.usage`."""

    async def list(self, query: UsageQuery) -> UsagePage:
        """`GET /v2/usage/generations`: one page of recorded costs."""
        data = await self._client.request_json("GET", "/v2/usage/generations", params=query.to_params())
        return UsagePage.model_validate(data)

    async def active_jobs(self) -> AsyncIterator[JobsEvent]:
        """The events of the active-jobs stream, as long as it lasts (it ends with the connection; errors are
        raised)."""
        async with self._client.stream(STREAM_PATH, timeout=STREAM_TIMEOUT) as response:
            async for data in server_sent_data(response.aiter_lines()):
                event = parse_event(data)
                if event is not None:
                    yield event
