"""`sync_mcp.api` is a plain Sync client: none of its text (messages, fixes, descriptions, docstrings, comments)
names a tool of this server or speaks of MCP. Words for the agent belong to `sync_mcp.guidance` and the tools."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

from sync_mcp.tools.toolsets import TOOLSETS

API = Path(__file__).resolve().parents[2] / "src" / "sync_mcp" / "api"

API_WORDS = {"lipsync": "the API's own word: a generation type and the model family (lipsync-2)"}
"""Tool names that are also words of the API itself, so the API's text may use them."""

NAMED_TODAY = {
    ("types/generation_inputs.py", "list_voices"): "create_speech's voiceId is the wire field's until the tool's own",
    ("types/generations.py", "upload_media"): "create_generation's input is described by the wire field until the tool",
    ("types/generations.py", "list_voices"): "create_generation's input is described by the wire field until the tool",
    ("types/voices.py", "upload_media"): "clone_voice's assetId is described by the wire field until the tool's own",
}
"""A tool named in api/ today, each with why; a new one fails the test."""


def tool_names() -> set[str]:
    return {name for toolset in TOOLSETS for name in toolset.tool_names} - set(API_WORDS)


def mentions(package: Path, names: set[str]) -> list[str]:
    """Every `module:line` whose text (a string or a comment) names one of `names` or says MCP. A string that is
    exactly a name is a value on the wire (an enum member), not a sentence, and is left out."""
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, sorted(names))) + r")(?![\w-])|\bMCP\b")
    found = []
    for path in sorted(package.rglob("*.py")):
        module = path.relative_to(package).as_posix()
        for token in tokenize.generate_tokens(io.StringIO(path.read_text()).readline):
            text = token.string
            if token.type not in (tokenize.STRING, tokenize.COMMENT) and not _fstring_part(token):
                continue
            if text.strip("\"'") in names:
                continue
            for match in pattern.finditer(text):
                said = match.group(1) or "MCP"
                if (module, said) not in NAMED_TODAY:
                    found.append(f"{module}:{token.start[0]} names {said}")
    return found


def _fstring_part(token: tokenize.TokenInfo) -> bool:
    middle = getattr(tokenize, "FSTRING_MIDDLE", None)  # Python 3.12+: f-strings come in parts
    return middle is not None and token.type == middle


def test_no_api_module_names_a_tool_or_mcp() -> None:
    names = tool_names()
    assert {"get_generation", "upload_media", "list_error_codes"} <= names, "the toolsets were not read"
    assert not mentions(API, names), "\n".join(mentions(API, names))


def test_every_listed_exception_still_names_its_tool() -> None:
    pattern = {(module, name) for module, name in NAMED_TODAY}
    still = {(m, n) for m, n in pattern if re.search(rf"(?<![\w-]){n}(?![\w-])", (API / m).read_text())}
    assert still == pattern, f"no longer named, drop from NAMED_TODAY: {sorted(pattern - still)}"


def test_a_tool_name_or_mcp_in_api_text_is_reported(tmp_path: Path) -> None:
    (tmp_path / "calls.py").write_text(
        '"""Talks to the API."""\n'
        'FIX = "Call get_generation again."\n'
        "KIND = 'get_generation'\n"
        "# set it in your MCP client config\n"
        'MODEL = "lipsync-2"\n'
    )
    assert mentions(tmp_path, {"get_generation", "lipsync"}) == [
        "calls.py:2 names get_generation",
        "calls.py:4 names MCP",
    ]
