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


def config_error(monkeypatch, tmp_path, toml: str = "", **env: str) -> str:
    """The one line load_settings refuses this configuration with."""
    config = tmp_path / "config.toml"
    config.write_text(toml, encoding="utf-8")
    monkeypatch.setenv("SANAD_CONFIG", str(config))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as refused:
        load_settings()
    [line] = str(refused.value).splitlines()
    return line.replace(str(config), "config.toml")


@pytest.mark.parametrize(
    "key", ["telegram_base_url", "telegram_base_file_url", "discord_api_url", "webhook_url"]
)
@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("not a url", "not a URL: it holds spaces or control characters"),
        ("api.telegram.org/bot", "not an absolute http:// or https:// URL with a host"),
        ("ftp://example.org/bot", "not an absolute http:// or https:// URL with a host"),
        ("https:///bot", "not an absolute http:// or https:// URL with a host"),
        ("https://example.org:port/bot", "not a URL: its host or port is invalid"),
    ],
)
def test_a_url_setting_that_is_no_url_is_refused_at_load_naming_the_key(
    monkeypatch, tmp_path, key, value, reason
):
    in_file = config_error(monkeypatch, tmp_path, f'{key} = "{value}"\n')
    assert in_file == f"invalid setting '{key}' (in config.toml): {reason}"
    env = f"SANAD_{key.upper()}"
    in_env = config_error(monkeypatch, tmp_path, **{env: value})
    assert in_env == f"invalid setting '{key}' (env {env}): {reason}"


def test_webhook_url_must_be_https_as_telegram_requires(monkeypatch, tmp_path):
    line = config_error(monkeypatch, tmp_path, SANAD_WEBHOOK_URL="http://bot.example.org/t")
    assert line == (
        "invalid setting 'webhook_url' (env SANAD_WEBHOOK_URL): "
        "Telegram sends webhooks only to an https:// URL"
    )


def test_urls_of_local_servers_are_accepted(monkeypatch):
    monkeypatch.setenv("SANAD_TELEGRAM_BASE_URL", "http://127.0.0.1:8081/bot")
    monkeypatch.setenv("SANAD_DISCORD_API_URL", "http://localhost:9/api/v10")
    monkeypatch.setenv("SANAD_WEBHOOK_URL", "https://[::1]:8443/telegram")
    settings = load_settings()
    assert settings.telegram_base_url == "http://127.0.0.1:8081/bot"
    assert settings.webhook_url == "https://[::1]:8443/telegram"


def test_a_bad_list_item_names_the_real_variable_and_the_item(monkeypatch, tmp_path):
    line = config_error(monkeypatch, tmp_path, SANAD_ADMIN_IDS="7, alice")
    assert line.startswith("invalid setting 'admin_ids' (env SANAD_ADMIN_IDS), item 2: ")
    monkeypatch.delenv("SANAD_ADMIN_IDS")
    line = config_error(monkeypatch, tmp_path, 'discord_admin_ids = ["bob"]\n')
    assert line.startswith("invalid setting 'discord_admin_ids' (in config.toml), item 1: ")


def test_a_misspelled_key_in_the_config_file_gets_a_suggestion(monkeypatch, tmp_path):
    line = config_error(monkeypatch, tmp_path, 'sources_dirr = "x"\nadmin_ids = ["a"]\n')
    assert line == (
        "unknown setting 'sources_dirr' in config.toml; did you mean 'sources_dir'? (and 1 more)"
    )
    line = config_error(monkeypatch, tmp_path, "completely_unrelated = 1\n")
    assert line == "unknown setting 'completely_unrelated' in config.toml"


def test_a_misspelled_environment_variable_is_refused_with_a_suggestion(monkeypatch, tmp_path):
    line = config_error(monkeypatch, tmp_path, SANAD_TELEGRAM_TOKNE="1:abc")
    assert line == (
        "unknown environment variable SANAD_TELEGRAM_TOKNE; did you mean SANAD_TELEGRAM_TOKEN?"
    )


@pytest.mark.parametrize("name", ["SANAD_FOO", "SANAD_TOP", "SANAD_X"])
def test_an_unrelated_environment_variable_gets_no_meaningless_suggestion(
    monkeypatch, tmp_path, name
):
    assert config_error(monkeypatch, tmp_path, **{name: "1"}) == (
        f"unknown environment variable {name}"
    )


@pytest.mark.parametrize(("name", "key"), [("SANAD_SOURCES_DIR", "sources_dir"),
                                           ("SANAD_INDEX_FILE", "index_file")])
@pytest.mark.parametrize("empty", ["", "  "])
def test_an_empty_path_is_refused_not_read_as_the_current_directory(
    monkeypatch, tmp_path, name, key, empty
):
    line = config_error(monkeypatch, tmp_path, **{name: empty})
    assert line == f"invalid setting '{key}' (env {name}): must name a path, not be empty"


def test_the_log_level_is_read_in_any_case(monkeypatch):
    monkeypatch.setenv("SANAD_LOG_LEVEL", "debug")
    assert load_settings().log_level == "DEBUG"


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


@pytest.mark.parametrize("key", ["telegram_token", "discord_token", "webhook_secret_token"])
def test_a_token_pasted_with_a_newline_is_that_token(monkeypatch, key):
    monkeypatch.setenv(f"SANAD_{key.upper()}", "123456:ABC-def_ghi\n")
    assert getattr(load_settings(), key).get_secret_value() == "123456:ABC-def_ghi"


@pytest.mark.parametrize("key", ["telegram_token", "discord_token", "webhook_secret_token"])
@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("   ", "is empty: set the token, or unset the variable"),
        ("123456:ABC def", "holds spaces or control characters: copy the token again"),
        ("Bot MTIzNDU2.GAbc.xyz", "holds spaces or control characters: copy the token again"),
    ],
)
def test_a_blank_or_broken_token_is_refused_at_load_without_echoing_it(
    monkeypatch, tmp_path, key, value, reason
):
    # Not "Bot API unreachable", retried for a quarter of a minute at the first request.
    env = f"SANAD_{key.upper()}"
    line = config_error(monkeypatch, tmp_path, **{env: value})
    assert line == f"invalid setting '{key}' (env {env}): {reason}"
    assert not value.strip() or value.strip() not in line


@pytest.mark.parametrize("key", ["telegram_token", "discord_token", "webhook_secret_token"])
def test_a_token_in_the_config_file_is_refused_as_the_readme_promises(monkeypatch, tmp_path, key):
    line = config_error(monkeypatch, tmp_path, f'{key} = "123456:ABC-def"\n')
    assert line == (
        f"'{key}' is a secret: set SANAD_{key.upper()} in the environment and remove it from "
        "config.toml"
    )
    assert "ABC-def" not in line


def test_a_list_setting_given_as_plain_text_in_the_environment_says_how_to_write_it(
    monkeypatch, tmp_path
):
    # Not "unreadable config file config.toml": the file may not even exist.
    line = config_error(monkeypatch, tmp_path, SANAD_EXAMPLE_QUESTIONS="سؤال")
    assert line == (
        "invalid setting 'example_questions' (env SANAD_EXAMPLE_QUESTIONS): an environment "
        'variable gives a list as JSON, e.g. ["…", "…"]'
    )
    monkeypatch.setenv("SANAD_EXAMPLE_QUESTIONS", '["ما ديب سيك؟"]')
    assert load_settings().example_questions == ["ما ديب سيك؟"]


def test_a_config_path_that_is_a_directory_says_so(monkeypatch, tmp_path):
    monkeypatch.setenv("SANAD_CONFIG", str(tmp_path))
    with pytest.raises(ConfigError) as refused:
        load_settings()
    assert str(refused.value) == (
        f"config file is a directory, not a file: {tmp_path} (from SANAD_CONFIG)"
    )
    monkeypatch.setenv("SANAD_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match=r"config file not found: .*missing\.toml"):
        load_settings()
