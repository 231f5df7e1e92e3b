"""Generation housekeeping tools: list the account's generations (filters, cursor paging), delete one."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from sync_mcp.api import Generation
from sync_mcp.api.types.shared import check_uuid
from sync_mcp.api.types.usage import Label
from sync_mcp.services.media_sources import short_name
from sync_mcp.toolkit.generations import GenerationId, GenerationIdArgument
from sync_mcp.toolkit.results import ok, sync_tool
from sync_mcp.toolkit.state import tool_state

DEFAULT_PAGE = 20
ListableStatus = Literal["PENDING", "PROCESSING", "COMPLETED", "FAILED", "REJECTED"]


SCRIPT_SHOWN = 40
"""Characters of a text input's script shown in a summary."""


class GenerationSummary(BaseModel):
    """What identifies a generation in a list; its signed output URL and full inputs are get_generation's."""

    model_config = ConfigDict(populate_by_name=True)

    id: str
    status: str
    model: str | None = None
    created_at: str | None = Field(default=None, alias="createdAt")
    inputs: list[str] = Field(default_factory=list, description="Each input in words: kind and file name or id.")
    output_file_name: str | None = Field(default=None, alias="outputFileName")
    error_code: str | None = Field(default=None, alias="errorCode")
    project_id: str | None = Field(default=None, alias="projectId")

    @classmethod
    def of(cls, generation: Generation) -> GenerationSummary:
        return cls.model_validate(
            {
                **generation.model_dump(by_alias=True, include={"id", "status", "model", "created_at"}),
                "inputs": [_input_words(item) for item in generation.input or []],
                "outputFileName": generation.output_file_name,
                "errorCode": generation.error_code,
                "projectId": generation.project_id,
            }
        )


def _input_words(item: dict[str, Any]) -> str:
    """`video speaker.mp4`, `audio asset <id>`, `text "Hello..." (voice <id>)`."""
    kind = str(item.get("type") or "input")
    if isinstance(item.get("url"), str):
        return f"{kind} {short_name(item['url'])}"
    if isinstance(item.get("assetId"), str):
        return f"{kind} asset {item['assetId']}"
    provider = item.get("provider") if isinstance(item.get("provider"), dict) else {}
    script = str(provider.get("script") or "")
    shown = script if len(script) <= SCRIPT_SHOWN else script[: SCRIPT_SHOWN - 1] + "…"
    return f"{kind} {json.dumps(shown, ensure_ascii=False)} (voice {provider.get('voiceId')})" if script else kind


class GenerationPage(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    generations: list[GenerationSummary] = Field(description="Newest first.")
    count: int
    next_cursor: str | None = Field(
        default=None, alias="nextCursor", description="Pass as cursor for the next page; null on the last page."
    )


class DeletedGeneration(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str
    status: str = Field(description="Status the generation had when it was deleted.")
    deleted: bool = True


def _project_id(value: str | None) -> str | None:
    return None if value is None else check_uuid(value, "projectId")


@sync_tool(title="List generations", read_only=True)
async def list_generations(
    ctx: Context[Any, Any],
    status: Annotated[
        list[ListableStatus] | None, Field(min_length=1, description='Only these statuses, e.g. ["COMPLETED"].')
    ] = None,
    ids: Annotated[
        list[GenerationId] | None, Field(min_length=1, max_length=100, description="Only these ids.")
    ] = None,
    projectId: Annotated[
        str | None, AfterValidator(_project_id), Field(description="Only this project's (UUID).")
    ] = None,
    source: Annotated[
        list[Label] | None, Field(min_length=1, description="Only these source labels, e.g. mcp.")
    ] = None,
    generationSource: Annotated[
        list[Label] | None, Field(min_length=1, description="Only made via: api, mcp, studio_lite, ...")
    ] = None,
    limit: Annotated[int, Field(ge=1, le=100, description="Page size, 1-100.")] = DEFAULT_PAGE,
    cursor: Annotated[GenerationId | None, Field(description="nextCursor of the previous page.")] = None,
) -> Annotated[CallToolResult, GenerationPage]:
    """This account's generations, newest first, a page at a time, filtered as asked. With nextCursor, call
    again with it for the next page. get_generation gives an outputUrl.
    """
    page = await tool_state(ctx).client.generations.list(
        status=status,
        ids=ids,
        project_id=projectId,
        source=source,
        generation_source=generationSource,
        limit=limit,
        cursor=cursor,
    )
    # The API returns a bare array: a full page means there may be more, and the last id is the cursor.
    next_cursor = page[-1].id if len(page) == limit else None
    summaries = [GenerationSummary.of(g) for g in page]
    return ok(GenerationPage(generations=summaries, count=len(page), nextCursor=next_cursor))


@sync_tool(title="Delete a generation", read_only=False, destructive=True, idempotent=True)
async def delete_generation(
    id: GenerationIdArgument, ctx: Context[Any, Any]
) -> Annotated[CallToolResult, DeletedGeneration]:
    """Permanently delete a finished generation (a running one: 409; wait with get_generation first). Save its
    video first (download_output) if it is still needed.
    """
    generation = await tool_state(ctx).client.generations.delete(id)
    return ok(DeletedGeneration(id=generation.id, status=generation.status))
