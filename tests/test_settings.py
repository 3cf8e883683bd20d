import json
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS

from bot.health import start_health_server
from bot.service.settings import ConfigError, load_settings
from retrieval.library import Library


def test_example_config_is_valid_and_documents_every_setting(monkeypatch):
    monkeypatch.setenv("SANAD_CONFIG", str(ROOT / "config.example.toml"))
    settings = load_settings()
    assert settings.sources_dir == Path("seeds") and settings.telegram_token is None
    documented = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    for name in type(settings).model_fields:
        assert name in documented, f"{name} is not documented in config.example.toml"


def test_environment_overrides_file_and_reads_comma_separated_ids(monkeypatch, tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("admin_ids = [1]\nanswer_passages = 2\n", encoding="utf-8")
    monkeypatch.setenv("SANAD_CONFIG", str(config))
    monkeypatch.setenv("SANAD_ADMIN_IDS", "7, 8")
    monkeypatch.setenv("SANAD_TELEGRAM_TOKEN", "1:hunter2-token")
    settings = load_settings()
    assert settings.admin_ids == [7, 8] and settings.answer_passages == 2
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings)


def test_discord_settings_come_from_their_stable_environment_names(monkeypatch):
    key = "ab" * 32
    monkeypatch.setenv("SANAD_DISCORD_TOKEN", "MTI2.Gs.hunter3-discord")
    monkeypatch.setenv("SANAD_DISCORD_API_URL", "http://127.0.0.1:9/api/v10")
    monkeypatch.setenv("SANAD_DISCORD_ADMIN_IDS", "1266000000000000509,12")
    monkeypatch.setenv("SANAD_DISCORD_PUBLIC_KEY", key)
    monkeypatch.setenv("SANAD_DISCORD_INTERACTIONS_PORT", "8090")
    monkeypatch.setenv("SANAD_SOURCES_DIR", "/data")
    settings = load_settings()
    assert settings.discord_api_url == "http://127.0.0.1:9/api/v10"
    assert settings.discord_admin_ids == [1266000000000000509, 12]
    assert settings.discord_public_key == key and settings.discord_interactions_port == 8090
    assert settings.sources_dir == Path("/data")
    assert settings.secret_values() == ["MTI2.Gs.hunter3-discord"]
    assert "hunter3" not in repr(settings)


def test_discord_defaults_and_a_malformed_public_key(monkeypatch):
    assert load_settings().discord_api_url == "https://discord.com/api/v10"
    monkeypatch.setenv("SANAD_DISCORD_PUBLIC_KEY", "not-a-key")
    with pytest.raises(ConfigError, match="discord_public_key"):
        load_settings()


def test_bad_value_names_the_key(monkeypatch):
    monkeypatch.setenv("SANAD_ADMIN_IDS", "alice")
    with pytest.raises(ConfigError, match="admin_ids"):
        load_settings()


def test_health_endpoint_reports_the_serving_index():
    server = start_health_server(Library.open(SEEDS), "127.0.0.1", 0)
    try:
        port = server.server_address[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as response:
            body = json.loads(response.read())
        assert response.status == 200 and body["status"] == "ok" and body["articles"] == 5
    finally:
        server.shutdown()
        server.server_close()
