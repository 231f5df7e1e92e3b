"""What models see, pinned: every tool's name, title, description, annotations, input and output schema as
`tools/list` serves them, in one reviewed file (tests/toolsnaps/tools.json).

Any change to that surface fails here until the snapshot is regenerated and the diff reviewed with the change:
`UPDATE_TOOLSNAPS=1 python -m pytest tests/server/test_toolsnaps.py`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from mcp import Client

pytestmark = pytest.mark.anyio

SNAPSHOT = Path(__file__).parent.parent / "toolsnaps" / "tools.json"


async def _surface(client: Client) -> str:
    listed = (await client.list_tools()).model_dump(mode="json", by_alias=True, exclude_none=True)["tools"]
    tools = sorted(listed, key=lambda t: t["name"])
    return json.dumps(tools, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


@pytest.mark.parametrize("mode", ["auto"])
async def test_tools_list_matches_the_reviewed_snapshot(client: Client) -> None:
    surface = await _surface(client)
    if os.environ.get("UPDATE_TOOLSNAPS"):
        SNAPSHOT.write_text(surface, encoding="utf-8")
    assert SNAPSHOT.exists(), "no snapshot yet: run with UPDATE_TOOLSNAPS=1 and review tests/toolsnaps/tools.json"
    expected = SNAPSHOT.read_text(encoding="utf-8")
    if surface != expected:
        changed = sorted(
            {t["name"] for t in json.loads(surface)} ^ {t["name"] for t in json.loads(expected)}
            | {
                new["name"]
                for new in json.loads(surface)
                for old in json.loads(expected)
                if new["name"] == old["name"] and new != old
            }
        )
        pytest.fail(
            f"tools/list changed for {changed}: review the change, then regenerate the snapshot with "
            "UPDATE_TOOLSNAPS=1 python -m pytest tests/server/test_toolsnaps.py",
            pytrace=False,
        )
