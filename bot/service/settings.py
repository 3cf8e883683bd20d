"""Configuration: one pydantic-settings model read once at start.

Sources, lowest priority first: defaults, ``config.toml`` (or the file named by ``SANAD_CONFIG``),
then ``SANAD_…`` environment variables. The environment names of the Telegram token, Bot API
URLs, admin ids and sources directory are a stable contract for Docker users.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

DEFAULT_CONFIG_FILE = Path("config.toml")
ENV_PREFIX = "SANAD_"
# Read from the environment but no setting: the configuration file's own path.
CONFIG_ENV = "SANAD_CONFIG"


class ConfigError(Exception):
    """A configuration problem, phrased as one line an operator can act on."""


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a base URL a client sends requests to (None: it can): it must be
    an absolute http(s) URL with a host, without spaces. Loopback hosts and addresses are
    fine (a local Bot API server, an emulator)."""
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        return "not a URL: it holds spaces or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is no number
    except ValueError:
        return "not a URL: its host or port is invalid"
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return "not an absolute http:// or https:// URL with a host"
    return None


def _comma_separated(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, int):
        return [value]
    return value


class Settings(BaseSettings):
    """Everything an operator can set. Field names are the TOML keys; env adds ``SANAD_``."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="forbid", validate_default=True
    )

    sources_dir: Path = Path("seeds")
    # Saved index (rebuilt when the sources change); default: .sanad-index in sources_dir.
    index_file: Path | None = None
    answer_passages: int = Field(3, ge=1, le=5, description="passages per answer page")
    max_question_chars: int = Field(500, ge=20, le=4000)

    # Shown under /start; tapping one types "@bot <question>" so inline mode answers it.
    example_questions: list[str] = Field(
        default_factory=lambda: [
            "كم كلّف تدريب نموذج R1؟",
            "لماذا هبطت أسهم إنفيديا؟",
            "ما موقف OpenAI من ديب سيك؟",
        ],
        max_length=5,
    )

    telegram_token: SecretStr | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_base_file_url: str = "https://api.telegram.org/file/bot"
    # Tries to reach the Bot API at start (1, 2, 4… s apart, at most 30 s) before giving up.
    telegram_connect_attempts: int = Field(5, ge=1, le=20)
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    allowed_chat_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    answer_every_group_message: Annotated[list[int], NoDecode] = Field(default_factory=list)
    user_questions_per_minute: int = Field(20, ge=1)
    inline_cache_seconds: int = Field(300, ge=0)
    # "typing…" is sent only when an answer takes longer than this (most take milliseconds,
    # and an extra Bot API call per question would halve throughput for nothing).
    typing_after_ms: int = Field(300, ge=0)
    # Outgoing flood control (python-telegram-bot's AIORateLimiter); Telegram allows about 30
    # messages a second overall and 20 a minute per group. 0 disables the limiter.
    telegram_max_messages_per_second: float = Field(30, ge=0)
    upload_max_bytes: int = Field(1_000_000, ge=1_000)
    # Collections over 100 000 paragraphs are searched in a second process on another core
    # (when there is one), so the bots' event loop keeps its own: more answers a second. It
    # costs memory: the process has its own interpreter and its own copy of the index's
    # in-memory arrays (BENCHMARKS.md). Off: such searches run in a thread of the bot's process.
    search_process: bool = True

    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(8443, ge=1, le=65535)
    webhook_secret_token: SecretStr | None = None
    health_port: int | None = Field(None, ge=1, le=65535)
    # Unset: INFO for the bots, WARNING for console commands. Secrets are redacted at any level.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] | None = None

    # Discord (README, "Discord"). The token is a secret; the public key is the application's
    # Ed25519 key from the developer portal, which turns on HTTP interactions with the port.
    discord_token: SecretStr | None = None
    discord_api_url: str = "https://discord.com/api/v10"
    discord_admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    discord_public_key: str | None = Field(None, pattern=r"^[0-9a-fA-F]{64}$")
    discord_interactions_port: int | None = Field(None, ge=1, le=65535)
    discord_interactions_listen: str = "0.0.0.0"
    # Channels where every message is a question: needs the privileged MESSAGE_CONTENT intent.
    discord_answer_every_message: Annotated[list[int], NoDecode] = Field(default_factory=list)
    # Discord drops an interaction not answered within 3 s: past this, "thinking…" is sent
    # first and the answer replaces it (most answers take milliseconds and go out at once).
    discord_defer_after_ms: int = Field(1500, ge=0, le=2500)

    @property
    def snapshot_path(self) -> Path:
        """Where the index snapshot lives."""
        return self.index_file or self.sources_dir / ".sanad-index"

    def secret_values(self) -> list[str]:
        """Every configured secret (tokens, webhook secret), for redaction from the logs."""
        values = (getattr(self, name) for name in type(self).model_fields)
        return [v.get_secret_value() for v in values if isinstance(v, SecretStr)]

    @field_validator("telegram_base_url", "telegram_base_file_url", "discord_api_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        """A URL that would only fail at the first request, without naming the setting."""
        if (problem := url_problem(value)) is not None:
            raise ValueError(problem)
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        """Telegram delivers webhooks only to an https:// URL (setWebhook refuses others)."""
        if value is None:
            return value
        if (problem := url_problem(value)) is not None:
            raise ValueError(problem)
        if urlsplit(value).scheme.lower() != "https":
            raise ValueError("Telegram sends webhooks only to an https:// URL")
        return value

    @field_validator("sources_dir", "index_file", mode="before")
    @classmethod
    def _named_path(cls, value: Any) -> Any:
        """An empty path would be the current directory (or no file name at all)."""
        if isinstance(value, str) and not value.strip():
            raise ValueError("must name a path, not be empty")
        return value

    @field_validator("telegram_token", "discord_token", "webhook_secret_token", mode="before")
    @classmethod
    def _secret(cls, value: Any) -> Any:
        """A token pasted with a newline or a space around it is that token; a blank one, or
        one with spaces inside, would only fail at the first request, as "unreachable"."""
        if not isinstance(value, str):
            return value
        value = value.strip()
        if not value:
            raise ValueError("is empty: set the token, or unset the variable")
        if any(ch.isspace() or not ch.isprintable() for ch in value):
            raise ValueError("holds spaces or control characters: copy the token again")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_any_case(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator(
        "admin_ids",
        "allowed_chat_ids",
        "answer_every_group_message",
        "discord_admin_ids",
        "discord_answer_every_message",
        mode="before",
    )
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        """Accept ``1,2,3`` from the environment as well as a TOML list."""
        return _comma_separated(value)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        config_file = Path(os.environ.get("SANAD_CONFIG", DEFAULT_CONFIG_FILE))
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file)
        return init_settings, env_settings, toml


def load_settings(**overrides: Any) -> Settings:
    """Read and validate the configuration, or raise :class:`ConfigError` with one line that
    names the setting and where it came from (an environment variable or the file)."""
    config_file = Path(os.environ.get(CONFIG_ENV, DEFAULT_CONFIG_FILE))
    if CONFIG_ENV in os.environ and not config_file.is_file():
        problem = "is a directory, not a file" if config_file.is_dir() else "not found"
        raise ConfigError(f"config file {problem}: {config_file} (from {CONFIG_ENV})")
    _check_environment_names()
    _check_no_secrets_in(config_file)
    try:
        return Settings(**overrides)
    except SettingsError as exc:  # an environment value that is not the JSON a list needs
        raise ConfigError(_unparsed_line(str(exc), config_file)) from exc
    except ValidationError as exc:
        # An unknown key first: a misspelled name usually explains the rest.
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ConfigError(_error_line(errors[0], config_file) + more) from exc
    except ValueError as exc:  # a TOML syntax error
        raise ConfigError(f"unreadable config file {config_file}: {exc}") from exc


def _suggestion(name: str, known: list[str], quote: str = "", prefix: str = "") -> str:
    """'; did you mean X?' for the known name nearest ``name``, or ''. Names are compared
    without ``prefix``, which they all share (SANAD_FOO is not close to SANAD_CONFIG)."""
    bare = [k.removeprefix(prefix) for k in known]
    close = difflib.get_close_matches(name.removeprefix(prefix), bare, n=1, cutoff=0.6)
    return f"; did you mean {quote}{prefix}{close[0]}{quote}?" if close else ""


def _check_environment_names() -> None:
    """Refuse a ``SANAD_`` variable that names no setting: it would be ignored without a word
    (pydantic-settings reads only the names it knows), and a misspelled token is no token."""
    known = [ENV_PREFIX + name.upper() for name in Settings.model_fields] + [CONFIG_ENV]
    for name in sorted(os.environ):
        if name.upper().startswith(ENV_PREFIX) and name.upper() not in known:
            near = _suggestion(name.upper(), known, prefix=ENV_PREFIX)
            raise ConfigError(f"unknown environment variable {name}{near}")


def _check_no_secrets_in(config_file: Path) -> None:
    """Refuse a token in the configuration file: the README and config.example.toml keep
    secrets in the environment only (a config file is mounted, copied and committed)."""
    secret = next((key for key in _keys_in(config_file) if _is_secret(key)), None)
    if secret is not None:
        raise ConfigError(
            f"'{secret}' is a secret: set {ENV_PREFIX}{secret.upper()} in the environment and "
            f"remove it from {config_file}"
        )


def _is_secret(key: str) -> bool:
    field = Settings.model_fields.get(key)
    return field is not None and SecretStr in (field.annotation, *get_args(field.annotation))


def _unparsed_line(message: str, config_file: Path) -> str:
    """One line for pydantic-settings' 'error parsing value for field "x" from source …'."""
    match = re.search(r'field "([^"]+)"', message)
    if match is None:
        return f"invalid setting: {message}"
    key = match.group(1)
    return (
        f"invalid setting '{key}'{_origin(key, config_file)}: an environment variable gives a "
        'list as JSON, e.g. ["…", "…"]'
    )


def _error_line(error: Any, config_file: Path) -> str:
    """One line for pydantic's first error: the setting, where it was set, what is wrong."""
    loc = error["loc"]
    key = str(loc[0]) if loc else "config"
    if error["type"] == "extra_forbidden":
        known = list(Settings.model_fields)
        suggestion = _suggestion(key, known, quote="'")
        return f"unknown setting '{key}' in {config_file}{suggestion}"
    item = f", item {loc[1] + 1}" if len(loc) > 1 and isinstance(loc[1], int) else ""
    reason = error["msg"]
    if error["type"] == "value_error":  # our own validators' sentence, without pydantic's prefix
        reason = str(error["ctx"]["error"])
    return f"invalid setting '{key}'{_origin(key, config_file)}{item}: {reason}"


def _origin(key: str, config_file: Path) -> str:
    """' (env SANAD_KEY)' or ' (in config.toml)': where the bad value came from ('' for a
    command-line override)."""
    env = ENV_PREFIX + key.upper()
    if any(name.upper() == env for name in os.environ):
        return f" (env {env})"
    return f" (in {config_file})" if key in _keys_in(config_file) else ""


def _keys_in(config_file: Path) -> set[str]:
    """The top-level keys of the configuration file; none when it is missing or unreadable
    (Settings reports an unreadable file with its line)."""
    try:
        return set(tomllib.loads(config_file.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return set()
