"""Numeric settings from the environment (community/config.py): unset or empty gives the default, a number is
read as one, and anything else stops the start-up with a message that names the setting."""
import pytest

from community import config


def test_numbers_defaults_and_bad_values(monkeypatch, tmp_path):
    monkeypatch.setenv("MEMORY_TRIM_SECONDS", "")
    monkeypatch.setenv("QUEUE_CLAIM_MINUTES", " 15 ")
    monkeypatch.setenv("MODERATION_TIMEOUT", "3.5")
    settings = config.from_environment(str(tmp_path))
    assert settings["MEMORY_TRIM_SECONDS"] == 30.0 and isinstance(settings["MEMORY_TRIM_SECONDS"], float)
    assert settings["QUEUE_CLAIM_MINUTES"] == 15
    assert settings["MODERATION_TIMEOUT"] == 3.5

    monkeypatch.setenv("MEMORY_TRIM_SECONDS", "half a minute")
    with pytest.raises(config.SettingError, match=r"MEMORY_TRIM_SECONDS must be a number, got 'half a minute'"):
        config.from_environment(str(tmp_path))
    monkeypatch.setenv("MEMORY_TRIM_SECONDS", "30")
    monkeypatch.setenv("QUEUE_CLAIM_MINUTES", "2.5")
    with pytest.raises(config.SettingError, match=r"QUEUE_CLAIM_MINUTES must be a whole number, got '2.5'"):
        config.from_environment(str(tmp_path))
