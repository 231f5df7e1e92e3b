"""Candidate values for argument completion: model ids, language codes, voice ids, generation ids.

Completion is a convenience: a failed lookup (no key, API down) yields no suggestions, never an error.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sync_mcp.api import SyncAPIError
from sync_mcp.api.capabilities import MODELS
from sync_mcp.api.languages import DUB_LANGUAGES
from sync_mcp.toolkit.state import ToolState

logger = logging.getLogger(__name__)

RECENT_GENERATIONS = 100


def _prefixed(values: Iterable[str], prefix: str) -> list[str]:
    wanted = prefix.strip().lower()
    return [v for v in values if v.lower().startswith(wanted)]


def model_ids(prefix: str) -> list[str]:
    """Model ids from the capability table."""
    return _prefixed(MODELS, prefix)


def language_codes(prefix: str, *, allow_auto: bool = False) -> list[str]:
    return _prefixed([*DUB_LANGUAGES, *(["auto"] if allow_auto else [])], prefix)


async def voice_ids(state: ToolState, prefix: str) -> list[str]:
    """Ids of voices whose id starts with, or whose name contains, what was typed."""
    try:
        voices = await state.client.voices.list()
    except SyncAPIError as exc:
        logger.info("voice completion unavailable: %s", exc.error_code or exc.http_status)
        return []
    typed = prefix.strip().lower()
    return [
        v.id
        for v in voices
        if not v.restriction and (v.id.lower().startswith(typed) or typed in (v.name or "").lower())
    ]


async def generation_ids(state: ToolState, prefix: str, *, statuses: list[str] | None = None) -> list[str]:
    """Ids of the most recent generations (optionally of some statuses) starting with what was typed."""
    try:
        generations = await state.client.generations.list(status=statuses, limit=RECENT_GENERATIONS)
    except SyncAPIError as exc:
        logger.info("generation completion unavailable: %s", exc.error_code or exc.http_status)
        return []
    return _prefixed([g.id for g in generations], prefix)
