from __future__ import annotations

import pytest

from bot.settings import AdminEntry, SettingsError, load_settings, parse_admin_ids

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for name in (
        "TELEGRAM_BOT_TOKEN",
        "ADMIN_IDS",
        "TIMEZONE",
        "LOG_LEVEL",
        "WEBHOOK_URL",
        "DATABASE_PATH",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_admin_ids_with_and_without_ats() -> None:
    assert parse_admin_ids("1:ats-milano, 2") == (
        AdminEntry(user_id=1, ats_code="ATS-MILANO"),
        AdminEntry(user_id=2, ats_code=None),
    )


def test_missing_token_is_one_line_naming_the_setting() -> None:
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert str(error.value) == (
        "Setting TELEGRAM_BOT_TOKEN is missing (set it in the environment or .env)"
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ADMIN_IDS", "abc:ATS-MILANO"),
        ("ADMIN_IDS", "12:MILANO"),
        ("TIMEZONE", "Mars/Olympus"),
        ("LOG_LEVEL", "CHATTY"),
        ("WEBHOOK_URL", "http://example.org/hook"),
        ("TELEGRAM_BOT_TOKEN", "not-a-token"),
    ],
)
def test_malformed_setting_names_itself(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    message = str(error.value)
    assert message.startswith(f"Setting {name} is not valid")
    assert "\n" not in message
    assert TOKEN not in message


def test_env_file_is_read(tmp_path) -> None:
    (tmp_path / ".env").write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nADMIN_IDS=5\n")
    settings = load_settings()
    assert settings.admin(5) == AdminEntry(user_id=5)
    assert settings.admin(6) is None
    assert str(settings.database_path) == "data/sentinella.sqlite3"


def test_main_prints_one_line_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.__main__ import main

    assert main([]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "sentinella: Setting TELEGRAM_BOT_TOKEN is missing (set it in the environment or .env)"
    ]
