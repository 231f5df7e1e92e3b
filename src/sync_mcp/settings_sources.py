"""Where a setting's value comes from: the values passed in win, then the environment, then a `.env` file; else the
setting's default.

Names are matched without regard to case, and a setting with several names (a new one, then an old one) takes
them in that order within each source (so an old name in the environment beats a new one in `.env`). The `.env`
file is read with python-dotenv (its quoting, comments, `export` and `${VAR}` expansion), imported only when there
is such a file. This is how pydantic-settings reads them, without its import (and its command-line, cloud and
file providers) on every start.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import AliasChoices
from pydantic.fields import FieldInfo

ENV_FILE = ".env"
ENV_FILE_ENCODING = "utf-8"


def names(field: FieldInfo) -> list[str]:
    """The variable names of a setting, the preferred one first."""
    alias = field.validation_alias
    return [str(a) for a in alias.choices] if isinstance(alias, AliasChoices) else [str(alias)]


def _found(fields: Mapping[str, FieldInfo], variables: Mapping[str, str | None]) -> dict[str, str]:
    """Each setting's value from the first of its names that `variables` holds (names compared in lower case),
    filed under its preferred name."""
    lowered = {name.lower(): value for name, value in variables.items()}
    values: dict[str, str] = {}
    for field in fields.values():
        field_names = names(field)
        value = next((v for v in (lowered.get(n.lower()) for n in field_names) if v is not None), None)
        if value is not None:
            values[field_names[0]] = value
    return values


def _given(fields: Mapping[str, FieldInfo], given: Mapping[str, Any]) -> dict[str, Any]:
    """The values passed in, each under its setting's preferred name (the first given in order of its names wins;
    a key no setting has is kept as it is, and ignored)."""
    by_lower: dict[str, list[str]] = {}
    for key in given:
        by_lower.setdefault(key.lower(), []).append(key)
    unused = set(given)
    values: dict[str, Any] = {}
    for field in fields.values():
        field_names = names(field)
        matched = [key for name in field_names for key in by_lower.get(name.lower(), []) if key in unused]
        if matched:
            unused.difference_update(matched)
            values[field_names[0]] = given[matched[0]]
    values.update({key: value for key, value in given.items() if key in unused})
    return values


def _env_file(path: str | Path | None) -> dict[str, str | None]:
    if path is None:
        return {}
    file = Path(path).expanduser()
    if not (file.is_file() or file.is_fifo()):
        return {}
    from dotenv import dotenv_values

    return dotenv_values(file, encoding=ENV_FILE_ENCODING)


def read(fields: Mapping[str, FieldInfo], given: Mapping[str, Any], env_file: str | Path | None) -> dict[str, Any]:
    """The input for the settings model: `given`, then the environment, then `env_file` (None: no file)."""
    return {**_found(fields, _env_file(env_file)), **_found(fields, os.environ), **_given(fields, given)}
