"""Dubbing language codes (the API's `DubLanguage` enum), in the order the API lists them.

The 93 codes are checked here rather than written into tool schemas as an enum: listed twice (target and source
language) they were a sixth of what every model reads in `tools/list`. A wrong code is refused before anything is
sent, with the list of valid codes; argument completion offers them too.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import AfterValidator

DubLanguageCode = Literal[
    "en", "gu", "no", "sl", "pa", "ta", "az", "gl", "is", "sw", "my", "fi", "el", "he", "lt", "ms", "sv",
    "fr", "ca", "hr", "lv", "ro", "sd", "th", "tn", "pl", "ceb", "da", "hu", "mr", "tl", "ug", "wo", "zu",
    "zh", "hi", "as", "ha", "kk", "ki", "rn", "ky", "st", "te", "war", "ak", "be", "cs", "ka", "mn", "bo",
    "ts", "ar", "ss", "nl", "tr", "af", "bs", "et", "rw", "ne", "ko", "it", "es", "sq", "eu", "kn", "sk",
    "su", "ve", "pt", "am", "hy", "doi", "de", "jv", "mk", "ja", "vi", "cy", "nso", "uk", "bg", "id", "lg",
    "yo", "ml", "fa", "tg", "ur", "uz", "ru", "fil",
]  # fmt: skip
DUB_LANGUAGES: tuple[str, ...] = get_args(DubLanguageCode)
assert len(DUB_LANGUAGES) == 93
AUTO = "auto"


def _dub_code(code: str) -> str:
    if code not in DUB_LANGUAGES:
        raise ValueError(f"'{code}' is not a language code the API dubs; use one of: {', '.join(DUB_LANGUAGES)}")
    return code


def _source_code(code: str) -> str:
    return code if code == AUTO else _dub_code(code)


DubLanguage = Annotated[str, AfterValidator(_dub_code)]
"""A language to dub into: one of `DUB_LANGUAGES`."""
SourceLanguage = Annotated[str, AfterValidator(_source_code)]
"""The language spoken in a video: one of `DUB_LANGUAGES`, or `auto` to detect it."""
