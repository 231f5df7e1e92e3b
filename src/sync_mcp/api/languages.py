"""Dubbing language codes (`DubLanguage`, reference §3.1.5), in the order the API lists them."""

from __future__ import annotations

from typing import Literal, get_args

DubLanguage = Literal[
    "en", "gu", "no", "sl", "pa", "ta", "az", "gl", "is", "sw", "my", "fi", "el", "he", "lt", "ms", "sv",
    "fr", "ca", "hr", "lv", "ro", "sd", "th", "tn", "pl", "ceb", "da", "hu", "mr", "tl", "ug", "wo", "zu",
    "zh", "hi", "as", "ha", "kk", "ki", "rn", "ky", "st", "te", "war", "ak", "be", "cs", "ka", "mn", "bo",
    "ts", "ar", "ss", "nl", "tr", "af", "bs", "et", "rw", "ne", "ko", "it", "es", "sq", "eu", "kn", "sk",
    "su", "ve", "pt", "am", "hy", "doi", "de", "jv", "mk", "ja", "vi", "cy", "nso", "uk", "bg", "id", "lg",
    "yo", "ml", "fa", "tg", "ur", "uz", "ru", "fil",
]  # fmt: skip
SourceLanguage = Literal[DubLanguage, "auto"]

DUB_LANGUAGES: tuple[str, ...] = get_args(DubLanguage)
assert len(DUB_LANGUAGES) == 93
