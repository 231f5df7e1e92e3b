"""Where settings come from: values passed in, then the environment, then `.env` in the working directory, then
defaults; names matched without regard to case; the spend cap's old name still read."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync_mcp.config import Settings, SettingsError, load_settings


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("SYNC_API_KEY", "SYNC_MCP_MAX_COST_USD", "SYNC_MAX_COST_USD", "SYNC_MCP_LOG_LEVEL", "HOME_DIR"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_a_dot_env_file_is_read_with_quotes_export_and_expansion(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME_DIR", "/srv/sync")
    (workdir / ".env").write_text(
        "# the key\nexport SYNC_API_KEY='sk-from-file'\nSYNC_MCP_OUTPUT_DIR=${HOME_DIR}/out\n"
        'SYNC_MCP_MAX_RETRIES="5" # fewer\n',
        encoding="utf-8",
    )
    settings = Settings()
    assert settings.secret_key() == "sk-from-file"
    assert settings.output_dir == Path("/srv/sync/out")
    assert settings.max_retries == 5
    assert Settings(_env_file=None).secret_key() is None


def test_passed_values_beat_the_environment_which_beats_the_file(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workdir / ".env").write_text("SYNC_MCP_LOG_LEVEL=ERROR\nSYNC_MCP_MAX_RETRIES=1\n", encoding="utf-8")
    monkeypatch.setenv("sync_mcp_log_level", "debug")  # any case
    settings = Settings(SYNC_MCP_MAX_RETRIES=7)
    assert (settings.log_level, settings.max_retries) == ("DEBUG", 7)
    assert Settings(sync_mcp_max_retries=2).max_retries == 2


def test_the_old_spend_cap_name_is_read_and_the_new_one_wins_in_the_same_place(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workdir / ".env").write_text("SYNC_MAX_COST_USD=3\n", encoding="utf-8")
    assert Settings().max_cost_usd == 3
    (workdir / ".env").write_text("SYNC_MAX_COST_USD=3\nSYNC_MCP_MAX_COST_USD=4\n", encoding="utf-8")
    assert Settings().max_cost_usd == 4
    monkeypatch.setenv("SYNC_MAX_COST_USD", "6")  # the environment beats the file, whichever name each uses
    assert Settings().max_cost_usd == 6


def test_a_bad_value_in_the_file_is_one_line_naming_it(workdir: Path) -> None:
    (workdir / ".env").write_text("SYNC_MCP_MAX_RETRIES=many\n", encoding="utf-8")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert str(refused.value) == ("SYNC_MCP_MAX_RETRIES='many' is refused: it accepts a whole number from 0 to 10")
