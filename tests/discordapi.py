"""A local emulation of Discord's HTTP API v10 and gateway over loopback, strict as Discord is.

One aiohttp server on 127.0.0.1 (a free port) serves the REST routes a Q&A bot uses under
``/api/v10``, the gateway websocket at ``/gateway`` and attachment bytes at signed CDN-like
``/attachments/...`` URLs. It keeps what Discord keeps (channels, messages, registered commands,
interactions and their tokens), records every request, and refuses what Discord refuses, in
Discord's error shape. Payload shapes, codes and limits follow Discord's API documentation
(discord/discord-api-docs, file named per section) and were checked against what hikari 2.7
reads.

Using it in a test: ``api = DiscordApiEmulator(); await api.start()`` (a fixture; ``await
api.stop()`` after the bot is closed). People act with ``await api.user_message(...)``,
``edit_user_message``, and interactions built by ``slash_command`` (only commands the bot
registered), ``message_command``, ``button_press`` (only buttons on the stored message) or
``ping``, delivered by ``await api.send_interaction(i)`` (gateway) or ``await
api.post_interaction(url, i)`` (signed HTTP, ``signature="invalid"``/``"missing"`` to forge).
Waiting: ``await api.wait_for_sent(channel_id=..., count=...)``, ``wait_for_request(route)``
or ``wait_for(predicate)``, all on an asyncio Condition with a timeout. Looking: ``api.sent``
(visible messages, each with ``pings``), ``api.pingable()``, ``api.requests`` (every request
with route, body, status, answer and time), ``api.interactions``. Failing:
``api.fail_next("POST /channels/{channel}/messages", 429, retry_after=0.2)`` or ``500``;
routes are named ``METHOD /template`` as in :meth:`DiscordApiEmulator._routes`.

Pointing hikari at it (no monkeypatching):

- ``hikari.GatewayBot(TOKEN, rest_url=api.rest_url, banner=None, logs=None,
  suppress_optimization_warning=True)``; ``await bot.start(check_for_updates=False)``
  returns once the shard got READY; the gateway URL is whatever ``GET /gateway/bot`` answers, so
  the shard connects here too. ``check_for_updates=False`` matters: by default hikari asks PyPI
  for a newer version, a network call. ``logs=None`` keeps hikari from configuring the root
  logger (its default installs a colour handler for the whole test session); ``banner=None`` and
  ``suppress_optimization_warning=True`` drop the start-up banner and the ``-O`` warning. Stop
  with ``await bot.close()`` before :meth:`DiscordApiEmulator.stop` (a shard whose server goes
  away first keeps reconnecting), and also after a failed ``start``, which leaves hikari's REST
  session open (an unclosed-session warning, an error under ``filterwarnings = ["error"]``).
- ``hikari.RESTBot(TOKEN, "Bot", public_key=api.public_key_hex, rest_url=api.rest_url, ...)``
  serves interactions at ``/`` of the host and port (or ``socket=``, see
  :func:`free_port_socket`) given to ``start``; to serve ``/interactions`` mount its
  ``interaction_server.aiohttp_hook`` in one's own aiohttp app. It refuses a bad signature with
  400 where Discord's docs ask for 401.
- ``hikari.RESTApp(url=api.rest_url)`` for REST alone.
- hikari picks gateway transport compression by what is installed: zstd-stream when
  ``compression.zstd`` (3.14) or ``backports.zstd`` imports, else zlib-stream; both are served.
- Rate limits: hikari honours a bucket, and a global 429, only once a response told it the
  bucket (X-RateLimit-Bucket); its first burst on a new route goes out unpaced, gets 429s and
  is retried. The emulator advertises and enforces buckets (``bucket_limit`` per
  ``bucket_window``) as Discord does.
- Intents: hikari's default ``ALL_UNPRIVILEGED`` holds GUILDS, GUILD_MESSAGES and
  DIRECT_MESSAGES, which a Q&A bot needs. MESSAGE_CONTENT is privileged: identifying with it
  closes the gateway with 4014 unless the test turned it on (``message_content_enabled``), and
  without it guild messages arrive with empty content unless they mention the bot (a reply
  mentions its author only when the person leaves "ping" on: ``mention_reply``), as on Discord.

pytest runs with ``filterwarnings = ["error"]``; hikari, aiohttp and PyNaCl raise no warning on
these paths, so no filter is added.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import contextlib
import dataclasses
import datetime
import hashlib
import hmac
import importlib
import itertools
import json
import math
import re
import socket
import time
import zlib
from collections.abc import Callable, Iterable
from typing import Any

import aiohttp
from aiohttp import web
from nacl.signing import SigningKey

# ===== Identities ================================================================================

BOT_ID = "1266000000000000001"
APPLICATION_ID = BOT_ID  # applications created since 2019 share the bot user's id
GUILD_ID = "1266000000000000100"
CHANNEL_ID = "1266000000000000200"  # the guild's text channel
MODERATORS_ROLE_ID = "1266000000000000300"
PERSON_ID = "1266000000000000501"
OTHER_PERSON_ID = "1266000000000000502"
OWNER_ID = "1266000000000000509"
# A bot token is base64(bot id) . base64(timestamp) . HMAC; hikari reads the bot id from it.
TOKEN = (
    base64.b64encode(BOT_ID.encode()).decode().rstrip("=")
    + ".GsAnAd."
    + "emulated-token-hmac-part-000000000000"
)

API_VERSION = 10
DISCORD_EPOCH_MS = 1_420_070_400_000

# ===== Limits ====================================================================================

CONTENT_LIMIT = 2000  # message.mdx, Create Message: "Message contents (up to 2000 characters)"
EMBEDS_LIMIT = 10  # message.mdx, Create Message: "Up to 10 rich embeds (up to 6000 characters)"
# message.mdx, Embed Limits: measured after trimming leading and trailing whitespace.
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_FIELDS_LIMIT = 25
EMBED_FIELD_NAME_LIMIT = 256
EMBED_FIELD_VALUE_LIMIT = 1024
EMBED_FOOTER_LIMIT = 2048
EMBED_AUTHOR_NAME_LIMIT = 256
EMBEDS_TOTAL_LIMIT = 6000  # title, description, field names and values, footer, author name
ACTION_ROWS_LIMIT = 5  # components/reference.mdx: "Legacy messages allow up to 5 action rows"
ROW_WIDTH = 5  # "Up to 5 ... buttons or a single select" per action row
BUTTON_LABEL_LIMIT = 80  # "Text that appears on the button; max 80 characters"
CUSTOM_ID_LIMIT = 100  # "custom_id ... 1-100 characters", unique per message
BUTTON_URL_LIMIT = 512  # "URL for link-style buttons; max 512 characters"
ALLOWED_MENTIONS_IDS_LIMIT = 100  # message.mdx, Allowed Mentions: "max 100"
MODAL_TITLE_LIMIT = 45  # receiving-and-responding.mdx, Modal: "max 45 characters"
# receiving-and-responding.mdx: "you must send an initial response within 3 seconds", and
# "Interaction tokens are valid for 15 minutes".
INTERACTION_DEADLINE = 3.0
INTERACTION_TOKEN_LIFETIME = 15 * 60.0
# application-commands.mdx
COMMAND_NAME = re.compile(r"^[-_'\w]{1,32}$")  # \w stands in for \p{L}\p{N}; see _check_name
COMMAND_DESCRIPTION_LIMIT = 100
COMMAND_OPTIONS_LIMIT = 25
# reference.mdx, Locales: the keys a *_localizations dictionary may use. Arabic is not one.
LOCALES = frozenset(
    "id da de en-GB en-US es-ES es-419 fr hr it lt hu nl no pl pt-BR ro fi sv-SE vi tr cs el bg "
    "ru uk hi th zh-CN ja zh-TW ko".split()
)

# ===== Flags and types ===========================================================================

EPHEMERAL = 1 << 6  # message.mdx, Message Flags
LOADING = 1 << 7
IS_COMPONENTS_V2 = 1 << 15

# gateway.mdx, Gateway Intents
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
GUILD_MESSAGES = 1 << 9
DIRECT_MESSAGES = 1 << 12
MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT
KNOWN_INTENTS = sum(1 << bit for bit in (*range(17), 20, 21, 24, 25))

# gateway opcodes, opcodes-and-status-codes.mdx
OP_DISPATCH, OP_HEARTBEAT, OP_IDENTIFY, OP_RESUME = 0, 1, 2, 6
OP_INVALID_SESSION, OP_HELLO, OP_HEARTBEAT_ACK = 9, 10, 11

# receiving-and-responding.mdx, Interaction Type and Interaction Callback Type
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT = 1, 2, 3
PONG, CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE = 1, 4, 5
DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE, MODAL = 6, 7, 9

CHAT_INPUT, MESSAGE_COMMAND = 1, 3  # application command types
OPTION_STRING, OPTION_INTEGER, OPTION_BOOLEAN, OPTION_ATTACHMENT = 3, 4, 5, 11

# A member's and the app's permissions in the test guild: view, send, embed links, attach files,
# read history, use application commands.
PERMISSIONS = str((1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 31))


def _now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


_sequence = itertools.count(1)


def snowflake() -> str:
    """A new Discord id: milliseconds since the Discord epoch, shifted past 22 counter bits."""
    return str(((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (next(_sequence) & 0xFFF))


# ===== Errors ====================================================================================


class DiscordError(Exception):
    """A refusal in Discord's JSON error shape (opcodes-and-status-codes.mdx, JSON).

    ``{"code": int, "message": str}``, plus ``errors`` for 50035 Invalid Form Body, whose keys
    follow the JSON path to the bad field and end in ``{"_errors": [{"code", "message"}]}``
    (reference.mdx, Error Messages).
    """

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        errors: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.body: dict[str, Any] = {"message": message, "code": code, **(extra or {})}
        if errors:
            self.body["errors"] = errors
        self.headers = headers or {}


def invalid(path: Iterable[str | int], code: str, message: str) -> DiscordError:
    """50035 Invalid Form Body with one field error."""
    errors = FormErrors()
    errors.add(path, code, message)
    return DiscordError(400, 50035, "Invalid Form Body", errors=errors.tree)


def unknown(code: int, what: str) -> DiscordError:
    """404 for an unknown resource: 10003 channel, 10008 message, 10015 webhook, 10062 ..."""
    return DiscordError(404, code, f"Unknown {what}")


class FormErrors:
    """Collects field errors into the nested ``errors`` object of a 50035 response."""

    def __init__(self) -> None:
        self.tree: dict[str, Any] = {}

    def add(self, path: Iterable[str | int], code: str, message: str) -> None:
        node = self.tree
        for key in path:
            node = node.setdefault(str(key), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def too_long(self, path: Iterable[str | int], limit: int) -> None:
        self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def required(self, path: Iterable[str | int]) -> None:
        self.add(path, "BASE_TYPE_REQUIRED", "This field is required")

    def raise_if_any(self) -> None:
        if self.tree:
            raise DiscordError(400, 50035, "Invalid Form Body", errors=self.tree)


EMPTY_MESSAGE = (400, 50006, "Cannot send an empty message")

# ===== Request validation ========================================================================


def _length(value: Any) -> int:
    """Discord counts characters as code points (Python's ``len``), unlike Telegram's UTF-16."""
    return len(value) if isinstance(value, str) else 0


def _check_url(errors: FormErrors, path: list[str | int], url: Any, schemes: tuple) -> None:
    if not isinstance(url, str) or not re.match(rf"^(?:{'|'.join(schemes)}):", url):
        errors.add(path, "URL_TYPE_INVALID_URL", "Not a well formed URL.")


def check_embeds(errors: FormErrors, embeds: Any) -> None:
    """Embed limits of message.mdx (Embed Limits), whitespace-trimmed, and their 6000 total."""
    if not isinstance(embeds, list):
        errors.add(["embeds"], "BASE_TYPE_ARRAY", "Must be an array.")
        return
    if len(embeds) > EMBEDS_LIMIT:
        errors.too_long(["embeds"], EMBEDS_LIMIT)
    total = 0
    for i, embed in enumerate(embeds):
        path: list[str | int] = ["embeds", i]
        texts: list[tuple[list[str | int], Any, int]] = [
            ([*path, "title"], embed.get("title"), EMBED_TITLE_LIMIT),
            ([*path, "description"], embed.get("description"), EMBED_DESCRIPTION_LIMIT),
        ]
        if "footer" in embed:
            if not str(embed["footer"].get("text") or "").strip():
                errors.required([*path, "footer", "text"])
            texts.append(
                ([*path, "footer", "text"], embed["footer"].get("text"), EMBED_FOOTER_LIMIT)
            )
        if "author" in embed:
            if not str(embed["author"].get("name") or "").strip():
                errors.required([*path, "author", "name"])
            texts.append(
                ([*path, "author", "name"], embed["author"].get("name"), EMBED_AUTHOR_NAME_LIMIT)
            )
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELDS_LIMIT:
            errors.too_long([*path, "fields"], EMBED_FIELDS_LIMIT)
        for j, embed_field in enumerate(fields):
            for key, limit in (
                ("name", EMBED_FIELD_NAME_LIMIT),
                ("value", EMBED_FIELD_VALUE_LIMIT),
            ):
                if not str(embed_field.get(key) or "").strip():
                    errors.required([*path, "fields", j, key])
                texts.append(([*path, "fields", j, key], embed_field.get(key), limit))
        for field_path, text, limit in texts:
            size = _length(text.strip() if isinstance(text, str) else text)
            total += size
            if size > limit:
                errors.too_long(field_path, limit)
        if "url" in embed:
            _check_url(errors, [*path, "url"], embed["url"], ("https?",))
        for key in ("image", "thumbnail"):
            if key in embed:
                _check_url(
                    errors, [*path, key, "url"], embed[key].get("url"), ("https?", "attachment")
                )
        color = embed.get("color")
        if color is not None and not (isinstance(color, int) and 0 <= color <= 0xFFFFFF):
            errors.add([*path, "color"], "NUMBER_TYPE_MAX", "Int value should be <= 16777215.")
    if total > EMBEDS_TOTAL_LIMIT:
        errors.add(
            ["embeds"],
            "MAX_EMBED_SIZE_EXCEEDED",
            f"Embed size exceeds maximum size of {EMBEDS_TOTAL_LIMIT}",
        )


def _check_custom_id(
    errors: FormErrors, path: list[str | int], custom_id: Any, seen: set[str]
) -> None:
    if not isinstance(custom_id, str) or not 1 <= len(custom_id) <= CUSTOM_ID_LIMIT:
        errors.add(
            path, "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {CUSTOM_ID_LIMIT} in length."
        )
    elif custom_id in seen:
        errors.add(
            path, "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated"
        )
    else:
        seen.add(custom_id)


def _check_button(errors: FormErrors, path: list[str | int], button: dict, seen: set[str]) -> None:
    """components/reference.mdx, Button: link buttons need a url and no custom_id; others the
    reverse; labels up to 80 characters, urls up to 512."""
    style = button.get("style")
    if style not in (1, 2, 3, 4, 5, 6):
        errors.add(
            [*path, "style"], "BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3, 4, 5, 6)."
        )
    if _length(button.get("label")) > BUTTON_LABEL_LIMIT:
        errors.too_long([*path, "label"], BUTTON_LABEL_LIMIT)
    if style == 5:
        if "custom_id" in button:
            errors.add(
                [*path, "custom_id"],
                "BUTTON_COMPONENT_INVALID",
                "Link buttons cannot have a custom_id",
            )
        if "url" not in button:
            errors.required([*path, "url"])
        else:
            _check_url(errors, [*path, "url"], button["url"], ("https?", "discord"))
            if _length(button["url"]) > BUTTON_URL_LIMIT:
                errors.too_long([*path, "url"], BUTTON_URL_LIMIT)
    elif style != 6:
        if "url" in button:
            errors.add(
                [*path, "url"], "BUTTON_COMPONENT_INVALID", "Only link buttons can have a url"
            )
        if "custom_id" not in button:
            errors.required([*path, "custom_id"])
        else:
            _check_custom_id(errors, [*path, "custom_id"], button["custom_id"], seen)


def check_components(errors: FormErrors, components: Any, flags: int) -> None:
    """Legacy message components: up to 5 action rows, each 5 buttons wide or one select."""
    if flags & IS_COMPONENTS_V2:
        errors.add(["flags"], "EMULATOR_UNSUPPORTED", "The emulator models legacy components only")
        return
    if not isinstance(components, list):
        errors.add(["components"], "BASE_TYPE_ARRAY", "Must be an array.")
        return
    if len(components) > ACTION_ROWS_LIMIT:
        errors.too_long(["components"], ACTION_ROWS_LIMIT)
    seen: set[str] = set()
    for i, row in enumerate(components):
        if row.get("type") != 1:
            errors.add(
                ["components", i, "type"], "BASE_TYPE_CHOICES", "Value must be one of (1,)."
            )
            continue
        children = row.get("components") or []
        if not children:
            errors.add(
                ["components", i, "components"],
                "BASE_TYPE_MIN_LENGTH",
                "Must be 1 or more in length.",
            )
        width = 0
        for j, child in enumerate(children):
            path: list[str | int] = ["components", i, "components", j]
            width += 1 if child.get("type") == 2 else ROW_WIDTH
            if width > ROW_WIDTH:
                errors.add(
                    path,
                    "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                    "The specified component exceeds the maximum width",
                )
            if child.get("type") == 2:
                _check_button(errors, path, child, seen)
            elif child.get("type") in (3, 5, 6, 7, 8):
                _check_custom_id(errors, [*path, "custom_id"], child.get("custom_id"), seen)
            else:
                errors.add(
                    [*path, "type"],
                    "BASE_TYPE_CHOICES",
                    "Value must be one of (2, 3, 5, 6, 7, 8).",
                )


def check_allowed_mentions(errors: FormErrors, allowed: Any) -> None:
    """message.mdx, Allowed Mentions: parse types, at most 100 ids, and ``parse`` excluding the
    list of the same type."""
    if not isinstance(allowed, dict):
        errors.add(
            ["allowed_mentions"],
            "MODEL_TYPE_CONVERT",
            "Only dictionaries may be used in a ModelType",
        )
        return
    parse = allowed.get("parse", [])
    for i, kind in enumerate(parse):
        if kind not in ("users", "roles", "everyone"):
            errors.add(
                ["allowed_mentions", "parse", i],
                "BASE_TYPE_CHOICES",
                "Value must be one of ('roles', 'users', 'everyone').",
            )
    for kind in ("users", "roles"):
        ids = allowed.get(kind)
        if ids is None:
            continue
        if kind in parse:
            errors.add(
                ["allowed_mentions"],
                "SET_TYPE_ALREADY_CONTAINS_VALUE",
                f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
            )
        if len(ids) > ALLOWED_MENTIONS_IDS_LIMIT:
            errors.too_long(["allowed_mentions", kind], ALLOWED_MENTIONS_IDS_LIMIT)


def check_message_fields(body: dict, errors: FormErrors) -> None:
    """Every limit of a message body that does not depend on stored state."""
    content = body.get("content")
    if content is not None:
        if not isinstance(content, str):
            errors.add(["content"], "BASE_TYPE_STRING", "Must be a string.")
        elif len(content) > CONTENT_LIMIT:
            errors.too_long(["content"], CONTENT_LIMIT)
    if body.get("embeds") is not None:
        check_embeds(errors, body["embeds"])
    if body.get("components") is not None:
        check_components(errors, body["components"], int(body.get("flags") or 0))
    if body.get("allowed_mentions") is not None:
        check_allowed_mentions(errors, body["allowed_mentions"])


def numbered(components: list[dict]) -> list[dict]:
    """Components as stored: components/reference.mdx (Anatomy of a Component) gives each an
    ``id`` unique within the message, generated sequentially where the sender left it out."""
    stored = json.loads(json.dumps(components))
    flat = [c for row in stored for c in (row, *row.get("components", []))]
    taken = {c["id"] for c in flat if "id" in c}
    free = (n for n in itertools.count(1) if n not in taken)
    for component in flat:
        component.setdefault("id", next(free))
    return stored


def is_empty(message: dict) -> bool:
    """Create Message: at least one of content, embeds, sticker_ids, components, files or poll."""
    return not (
        str(message.get("content") or "").strip()
        or message.get("embeds")
        or message.get("components")
        or message.get("attachments")
        or message.get("sticker_ids")
        or message.get("poll")
    )


def _check_name(name: Any, *, slash: bool) -> bool:
    """application-commands.mdx, Naming: slash command and option names match
    ``^[-_'\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$`` and use lowercase where a letter has one;
    user and message command names are 1-32 characters, mixed case and spaces allowed."""
    if not isinstance(name, str) or not 1 <= len(name) <= 32:
        return False
    if not slash:
        return True
    return bool(COMMAND_NAME.match(name)) and name == name.lower()


def _check_localizations(errors: FormErrors, path: list[str | int], value: Any) -> None:
    for locale in value or {}:
        if locale not in LOCALES:
            errors.add([*path, locale], "LOCALE_TYPE_INVALID", f"'{locale}' is not a valid locale")


def check_command(errors: FormErrors, index: int, command: dict) -> None:
    """One command of a bulk overwrite (application-commands.mdx, Application Command Object)."""
    path: list[str | int] = [index]
    kind = command.get("type", CHAT_INPUT)
    slash = kind == CHAT_INPUT
    if not _check_name(command.get("name"), slash=slash):
        errors.add([*path, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    description = command.get("description") or ""
    if slash and not 1 <= len(description) <= COMMAND_DESCRIPTION_LIMIT:
        errors.add(
            [*path, "description"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
        )
    if not slash and description:
        errors.add(
            [*path, "description"], "APPLICATION_COMMAND_INVALID_DESCRIPTION", "Must be empty"
        )
    _check_localizations(errors, [*path, "name_localizations"], command.get("name_localizations"))
    _check_localizations(
        errors, [*path, "description_localizations"], command.get("description_localizations")
    )
    options = command.get("options") or []
    if options and not slash:
        errors.add(
            [*path, "options"],
            "APPLICATION_COMMAND_OPTIONS_INVALID",
            "Only slash commands take options",
        )
    if len(options) > COMMAND_OPTIONS_LIMIT:
        errors.too_long([*path, "options"], COMMAND_OPTIONS_LIMIT)
    names: set[str] = set()
    optional_seen = False
    for j, option in enumerate(options):
        option_path = [*path, "options", j]
        if not _check_name(option.get("name"), slash=True) or option["name"] in names:
            errors.add(
                [*option_path, "name"],
                "APPLICATION_COMMAND_INVALID_NAME",
                "Option name is invalid",
            )
        names.add(str(option.get("name")))
        if not 1 <= _length(option.get("description")) <= COMMAND_DESCRIPTION_LIMIT:
            errors.add(
                [*option_path, "description"],
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.",
            )
        _check_localizations(
            errors,
            [*option_path, "description_localizations"],
            option.get("description_localizations"),
        )
        if option.get("required") and optional_seen:
            errors.add(
                [*option_path, "required"],
                "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                "Required options must be placed before non-required options",
            )
        optional_seen = optional_seen or not option.get("required")


# ===== Mentions ==================================================================================

USER_MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")


# Discord's client makes links of message content with simple-markdown's rules, tried in order
# at each point of the text: "escape" (a backslash and a punctuation character: that
# character, as text), "autolink" (<https://…>: the angle brackets only stop the preview, the
# link stays), "url" (an http(s) URL; its end drops trailing punctuation) and "inlineCode"
# (`…` and ``…``, taken as they are: no link inside). A backslash inside a URL is part of it,
# so escaping does not stop one. Invites written without a scheme are taken as links too: the
# strict choice.
ESCAPE = re.compile(r"\\[^0-9A-Za-z\s]")
AUTOLINK = re.compile(r"<(https?://[^ >]+)>", re.IGNORECASE)
URL = re.compile(
    r"https?://[^\s<]+[^<.,:;\"')\]\s]|discord(?:app)?\.(?:gg|com/invite)/[\w-]+", re.IGNORECASE
)
CODE_SPAN = re.compile(r"(`+)[\s\S]*?[^`]\1(?!`)")


def clickable_links(content: str) -> list[str]:
    """The links a person could click in message ``content`` as Discord's client shows it."""
    links, i = [], 0
    while i < len(content):
        if match := ESCAPE.match(content, i) or CODE_SPAN.match(content, i):
            i = match.end()
        elif match := AUTOLINK.match(content, i) or URL.match(content, i):
            links.append(match.group(match.lastindex or 0))
            i = match.end()
        else:
            i += 1
    return links


def pings(
    body: dict, *, default_parse: tuple[str, ...], replied_author: str | None = None
) -> frozenset[str]:
    """What a message body could notify, per message.mdx (Allowed Mentions Object).

    Returns tokens such as ``"@everyone"``, ``"@here"``, ``"<@&role>"``, ``"<@user>"`` and
    ``"reply:<user>"``. Mentions are searched in ``content`` only (embeds never ping), and found
    anywhere in it: a backslash or a code span is not trusted to suppress a ping, so only
    ``allowed_mentions`` makes a message safe. Without ``allowed_mentions`` Discord parses
    ``default_parse``: users, roles and everyone for channel messages; users alone for
    interaction responses and webhooks. A reply notifies its author when ``replied_user`` is
    true, and also when ``allowed_mentions`` is absent (the docs leave that case open; clients
    do ping, so it counts).
    """
    content = body.get("content") or ""
    allowed = body.get("allowed_mentions")
    if allowed is None:
        parse, users, roles, replied = set(default_parse), set(), set(), True
    else:
        parse = set(allowed.get("parse") or [])
        users = set(map(str, allowed.get("users") or []))
        roles = set(map(str, allowed.get("roles") or []))
        replied = bool(allowed.get("replied_user"))
    found: set[str] = set()
    if "everyone" in parse:
        found.update(m for m in ("@everyone", "@here") if m in content)
    found.update(
        f"<@{u}>" for u in USER_MENTION.findall(content) if "users" in parse or u in users
    )
    found.update(
        f"<@&{r}>" for r in ROLE_MENTION.findall(content) if "roles" in parse or r in roles
    )
    if replied_author is not None and replied:
        found.add(f"reply:{replied_author}")
    return frozenset(found)


CHANNEL_DEFAULT_PARSE = ("users", "roles", "everyone")
INTERACTION_DEFAULT_PARSE = ("users",)

# ===== Payloads ==================================================================================


def user_object(
    user_id: str, username: str, global_name: str | None, *, bot: bool = False
) -> dict:
    """A user object (user.mdx); discriminator "0" marks a migrated username."""
    user = {
        "id": user_id,
        "username": username,
        "global_name": global_name,
        "discriminator": "0",
        "avatar": None,
        "public_flags": 0,
    }
    if bot:
        user["bot"] = True
    return user


BOT_USER = user_object(BOT_ID, "sanad", "سند", bot=True)
PERSON = user_object(PERSON_ID, "sara", "سارة")
OTHER_PERSON = user_object(OTHER_PERSON_ID, "omar", "عمر")
OWNER = user_object(OWNER_ID, "owner", None)


def member_object(
    *, roles: Iterable[str] = (), user: dict | None = None, permissions: bool = False
) -> dict:
    """A guild member (guild.mdx); partial (no ``user``) inside MESSAGE_CREATE."""
    member: dict[str, Any] = {
        "nick": None,
        "avatar": None,
        "banner": None,
        "roles": list(roles),
        "joined_at": "2026-01-01T00:00:00+00:00",
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }
    if user is not None:
        member["user"] = user
    if permissions:
        member["permissions"] = PERMISSIONS
    return member


def role_object(role_id: str, name: str, *, position: int, mentionable: bool) -> dict:
    return {
        "id": role_id,
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": PERMISSIONS,
        "managed": False,
        "mentionable": mentionable,
        "flags": 0,
    }


def guild_text_channel(channel_id: str, name: str) -> dict:
    return {
        "id": channel_id,
        "type": 0,
        "guild_id": GUILD_ID,
        "name": name,
        "position": 0,
        "permission_overwrites": [],
        "topic": None,
        "nsfw": False,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "parent_id": None,
        "flags": 0,
    }


def dm_channel(channel_id: str, recipient: dict) -> dict:
    return {
        "id": channel_id,
        "type": 1,
        "last_message_id": None,
        "recipients": [recipient],
        "flags": 0,
    }


# ===== Records ===================================================================================


@dataclasses.dataclass
class Request:
    """One HTTP request the bot made, accepted or refused.

    ``route`` is the method and path template, e.g. ``"POST /channels/{channel}/messages"``;
    ``params`` the path parameters; ``body`` the JSON body (``payload_json`` of a multipart
    body); ``files`` the uploaded files by form name.
    """

    method: str
    route: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    files: dict[str, tuple[str, bytes]]
    status: int = 0
    response: Any = None
    at: float = dataclasses.field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def error_code(self) -> int | None:
        return self.response.get("code") if isinstance(self.response, dict) else None


@dataclasses.dataclass
class Sent:
    """A message the bot made visible: created, edited, or sent as an interaction response.

    ``pings`` is what it could notify (see :func:`pings`); tests assert it is empty.
    """

    request: Request
    message: dict
    ephemeral: bool
    interaction_id: str | None
    pings: frozenset[str]

    @property
    def channel_id(self) -> str:
        return self.message["channel_id"]

    @property
    def content(self) -> str:
        return self.message.get("content") or ""


@dataclasses.dataclass
class Interaction:
    """An interaction the test fed in and what became of it."""

    payload: dict
    sent_at: float | None = None
    response_type: int | None = None
    ephemeral: bool = False
    original_id: str | None = None
    followup_ids: list[str] = dataclasses.field(default_factory=list)

    @property
    def id(self) -> str:
        return self.payload["id"]

    @property
    def token(self) -> str:
        return self.payload["token"]

    @property
    def type(self) -> int:
        return self.payload["type"]


@dataclasses.dataclass
class HttpInteractionResult:
    """What a bot's interactions endpoint answered to one signed POST."""

    status: int
    content_type: str
    body: Any
    accepted: bool  # a valid initial response, in time
    error: dict | None = None


@dataclasses.dataclass
class _Failure:
    status: int
    retry_after: float
    is_global: bool
    scope: str


# ===== Gateway session ===========================================================================


class _GatewaySession:
    """One websocket connection: its compression, sequence and identified intents."""

    def __init__(self, ws: web.WebSocketResponse, compress: str | None) -> None:
        self.ws = ws
        self.seq = 0
        self.intents: int | None = None
        self.session_id = hashlib.sha1(str(id(self)).encode()).hexdigest()[:32]
        self.received: list[dict] = []
        self._zlib = zlib.compressobj() if compress == "zlib-stream" else None
        self._zstd = None
        if compress == "zstd-stream":
            self._zstd = _zstd_module().ZstdCompressor()

    async def send(self, payload: dict) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        if self._zlib is not None:
            await self.ws.send_bytes(
                self._zlib.compress(data) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
            )
        elif self._zstd is not None:
            zstd = _zstd_module()
            flushed = self._zstd.compress(data, mode=zstd.ZstdCompressor.FLUSH_BLOCK)
            await self.ws.send_bytes(flushed)
        else:
            await self.ws.send_str(data.decode())

    async def dispatch(self, event: str, data: dict) -> None:
        self.seq += 1
        await self.send({"op": OP_DISPATCH, "d": data, "s": self.seq, "t": event})


def _zstd_module() -> Any:
    """The zstd module hikari would use (Python 3.14's ``compression.zstd`` or the backport)."""
    for name in ("compression.zstd", "backports.zstd"):
        with contextlib.suppress(ImportError):
            return importlib.import_module(name)
    raise RuntimeError("zstd-stream requested but no zstd module is installed")


# ===== The emulator ==============================================================================


class DiscordApiEmulator:
    """State of the emulated Discord; serve it with :meth:`start`, stop with :meth:`stop`.

    Test-side knobs: ``interaction_deadline`` (seconds for an initial response, 3 on Discord;
    0 makes every response late), ``message_content_enabled`` (the privileged intent switched
    on in the developer portal), ``heartbeat_interval_ms``, and ``bucket_limit`` requests per
    ``bucket_window`` seconds for each rate-limit bucket (route and top-level resource),
    advertised in X-RateLimit-* headers and enforced with 429. Discord's real buckets are
    tighter (5 messages per 5 s per channel); the default 50 per second keeps throughput
    measurements about the bot rather than the pacing.
    """

    def __init__(self) -> None:
        self.interaction_deadline = INTERACTION_DEADLINE
        self.message_content_enabled = False
        self.heartbeat_interval_ms = 41_250
        self.bucket_limit = 50
        self.bucket_window = 1.0
        self.signing_key = SigningKey.generate()
        self.requests: list[Request] = []
        self.sent: list[Sent] = []
        self.users: dict[str, dict] = {u["id"]: u for u in (BOT_USER, PERSON, OTHER_PERSON, OWNER)}
        self.channels: dict[str, dict] = {CHANNEL_ID: guild_text_channel(CHANNEL_ID, "general")}
        self.messages: dict[str, dict] = {}
        self.files: dict[str, bytes] = {}
        self.commands: dict[str | None, list[dict]] = {}
        self.interactions: dict[str, Interaction] = {}
        self.sessions: list[_GatewaySession] = []
        self._resumable: dict[str, tuple[int, int]] = {}  # session id: intents, last seq
        self.roles = [
            role_object(GUILD_ID, "@everyone", position=0, mentionable=False),
            role_object(MODERATORS_ROLE_ID, "moderators", position=1, mentionable=True),
        ]
        self._failures: dict[str, collections.deque[_Failure]] = collections.defaultdict(
            collections.deque
        )
        self._buckets: dict[tuple[str, str], list[float]] = {}  # [window start, count]
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self._port = 0

    # ----- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> str:
        """Serve on a free loopback port; returns :attr:`rest_url`."""
        app = web.Application(middlewares=[self._middleware], client_max_size=25 * 1024 * 1024)
        prefix = f"/api/v{API_VERSION}"
        for method, template, handler in self._routes():
            app.router.add_route(method, prefix + template, handler)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{channel}/{attachment}/{filename}", self._attachment)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]
        self._client = aiohttp.ClientSession()
        return self.rest_url

    async def stop(self) -> None:
        for session in list(self.sessions):
            await session.ws.close(code=1001, message=b"emulator stopping")
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def rest_url(self) -> str:
        """What hikari takes as ``rest_url`` (Discord's is https://discord.com/api/v10)."""
        return f"{self.base_url}/api/v{API_VERSION}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self._port}/gateway"

    @property
    def public_key_hex(self) -> str:
        """The application's Ed25519 public key, as the developer portal shows it."""
        return self.signing_key.verify_key.encode().hex()

    # ----- failure injection and waiting ---------------------------------------------------------

    def fail_next(
        self,
        route: str,
        status: int = 429,
        *,
        times: int = 1,
        retry_after: float = 0.1,
        is_global: bool = False,
        scope: str = "shared",
    ) -> None:
        """Refuse the next ``times`` requests of ``route``, e.g.
        ``"POST /channels/{channel}/messages"``, with 429 (``retry_after`` seconds,
        ``is_global`` for the global limit, ``scope`` as in X-RateLimit-Scope) or a 5xx."""
        self._failures[route].extend([_Failure(status, retry_after, is_global, scope)] * times)

    def requests_of(self, route: str, *, ok: bool | None = True) -> list[Request]:
        return [r for r in self.requests if r.route == route and (ok is None or r.ok == ok)]

    async def wait_for(
        self, predicate: Callable[[], Any], *, timeout: float = 5.0, what: str = "condition"
    ) -> Any:
        """Wait until ``predicate()`` is truthy (re-checked on every change); returns its value."""
        async with self._changed:
            try:
                async with asyncio.timeout(timeout):
                    while not (value := predicate()):
                        await self._changed.wait()
                    return value
            except TimeoutError:
                made = [(r.route, r.status, r.error_code) for r in self.requests]
                raise AssertionError(f"no {what} within {timeout}s; requests: {made}") from None

    async def wait_for_request(
        self, route: str, *, count: int = 1, ok: bool | None = True, timeout: float = 5.0
    ) -> list[Request]:
        """Wait for ``count`` requests of ``route`` (accepted ones, unless ``ok`` says)."""
        return await self.wait_for(
            lambda: (found := self.requests_of(route, ok=ok)) and len(found) >= count and found,
            timeout=timeout,
            what=f"{count}x {route}",
        )

    async def wait_for_sent(
        self, *, channel_id: str | None = None, count: int = 1, timeout: float = 5.0
    ) -> list[Sent]:
        """Wait until the bot made ``count`` messages visible (in ``channel_id``, if given)."""

        def found() -> list[Sent] | None:
            sent = [s for s in self.sent if channel_id is None or s.channel_id == channel_id]
            return sent if len(sent) >= count else None

        return await self.wait_for(found, timeout=timeout, what=f"{count} message(s) sent")

    def pingable(self) -> list[Sent]:
        """Every visible message the bot sent that could notify someone."""
        return [s for s in self.sent if s.pings]

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ----- test side: what people do -------------------------------------------------------------

    def dm_channel_id(self, user_id: str) -> str:
        """The id of the DM channel between the bot and ``user_id`` (created on first use)."""
        for channel in self.channels.values():
            if channel["type"] == 1 and channel["recipients"][0]["id"] == user_id:
                return channel["id"]
        channel = dm_channel(snowflake(), self.users[user_id])
        self.channels[channel["id"]] = channel
        return channel["id"]

    def _message(self, channel_id: str, author: dict, content: str, **extra: Any) -> dict:
        channel = self.channels[channel_id]
        message: dict[str, Any] = {
            "id": snowflake(),
            "channel_id": channel_id,
            "author": author,
            "content": content,
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": "@everyone" in content or "@here" in content,
            "mentions": [
                self.users[u]
                for u in dict.fromkeys(USER_MENTION.findall(content))
                if u in self.users
            ],
            "mention_roles": list(dict.fromkeys(ROLE_MENTION.findall(content))),
            "attachments": [],
            "embeds": [],
            "components": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
        }
        if "guild_id" in channel:
            message["guild_id"] = GUILD_ID
        message.update(extra)
        return message

    def _attachment_object(
        self, channel_id: str, filename: str, data: bytes, content_type: str
    ) -> dict:
        attachment_id = snowflake()
        self.files[attachment_id] = data
        expires = format(int(time.time()) + 86_400, "x")
        issued = format(int(time.time()), "x")
        url = f"{self.base_url}/attachments/{channel_id}/{attachment_id}/{filename}"
        signed = (
            f"{url}?ex={expires}&is={issued}&hm={self._cdn_signature(attachment_id, expires)}&"
        )
        return {
            "id": attachment_id,
            "filename": filename,
            "size": len(data),
            "url": signed,
            "proxy_url": signed,
            "content_type": content_type,
        }

    def _cdn_signature(self, attachment_id: str, expires: str) -> str:
        """Discord's CDN links are signed (ex, is, hm) and refused when altered or expired."""
        key = bytes(self.signing_key)
        return hmac.new(key, f"{attachment_id}:{expires}".encode(), hashlib.sha256).hexdigest()

    async def user_message(
        self,
        content: str,
        *,
        author: dict = PERSON,
        channel_id: str = CHANNEL_ID,
        reply_to: dict | None = None,
        mention_reply: bool = True,
        attachments: Iterable[tuple[str, bytes, str]] = (),
    ) -> dict:
        """A person posts ``content`` in ``channel_id`` (the guild channel, or
        :meth:`dm_channel_id`); dispatched as MESSAGE_CREATE and returned in full.

        ``reply_to`` makes it a reply (type 19, message_reference, referenced_message); with
        ``mention_reply`` (the client's default) the replied author is in ``mentions``.
        ``attachments`` are ``(filename, bytes, content type)``.
        """
        extra: dict[str, Any] = {}
        if reply_to is not None:
            extra["type"] = 19
            extra["message_reference"] = {
                "type": 0,
                "message_id": reply_to["id"],
                "channel_id": reply_to["channel_id"],
                **({"guild_id": GUILD_ID} if "guild_id" in reply_to else {}),
            }
            extra["referenced_message"] = reply_to
        message = self._message(channel_id, author, content, **extra)
        mentioned = {u["id"] for u in message["mentions"]}
        if reply_to is not None and mention_reply and reply_to["author"]["id"] not in mentioned:
            message["mentions"].append(reply_to["author"])
        message["attachments"] = [
            self._attachment_object(channel_id, name, data, kind)
            for name, data, kind in attachments
        ]
        self.messages[message["id"]] = message
        await self._dispatch_message("MESSAGE_CREATE", message)
        return message

    async def edit_user_message(self, message: dict, content: str) -> dict:
        """The person edits ``message``; dispatched as MESSAGE_UPDATE."""
        edited = self._message(message["channel_id"], message["author"], content)
        keep = (
            "id",
            "timestamp",
            "type",
            "message_reference",
            "referenced_message",
            "attachments",
        )
        edited.update({k: message[k] for k in keep if k in message})
        edited["edited_timestamp"] = _now_iso()
        self.messages[edited["id"]] = edited
        await self._dispatch_message("MESSAGE_UPDATE", edited)
        return edited

    def _interaction(
        self,
        kind: int,
        data: dict | None,
        *,
        user: dict,
        channel_id: str,
        message: dict | None = None,
    ) -> Interaction:
        """Common interaction fields (receiving-and-responding.mdx, Interaction Structure)."""
        channel = self.channels[channel_id]
        payload: dict[str, Any] = {
            "id": snowflake(),
            "application_id": APPLICATION_ID,
            "type": kind,
            "token": "aW50ZXJhY3Rpb246" + hashlib.sha256(snowflake().encode()).hexdigest(),
            "version": 1,
        }
        if kind != PING:
            in_guild = "guild_id" in channel
            payload |= {
                "data": data,
                "channel_id": channel_id,
                "channel": {**channel, "permissions": PERMISSIONS} if in_guild else channel,
                "app_permissions": PERMISSIONS,
                "locale": "en-US",  # Discord has no Arabic client locale (reference.mdx, Locales)
                "entitlements": [],
                "authorizing_integration_owners": {"0": GUILD_ID if in_guild else "0"},
                "context": 0 if in_guild else 1,
                "attachment_size_limit": 10 * 1024 * 1024,
            }
            if in_guild:
                payload |= {
                    "guild_id": GUILD_ID,
                    "guild": {"id": GUILD_ID, "locale": "en-US", "features": []},
                    "guild_locale": "en-US",
                    "member": member_object(user=user, permissions=True),
                }
            else:
                payload["user"] = user
            if message is not None:
                payload["message"] = message
        interaction = Interaction(payload)
        self.interactions[interaction.id] = interaction
        return interaction

    def _registered(self, name: str, kind: int, channel_id: str) -> dict:
        scopes = [None, GUILD_ID] if "guild_id" in self.channels[channel_id] else [None]
        for scope in scopes:
            for command in self.commands.get(scope, []):
                if command["name"] == name and command["type"] == kind:
                    return command
        raise LookupError(f"command {name!r} (type {kind}) was never registered by the bot")

    def ping(self) -> Interaction:
        """A PING (type 1), as Discord sends when the interactions endpoint URL is saved."""
        return self._interaction(PING, None, user=PERSON, channel_id=CHANNEL_ID)

    def slash_command(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        user: dict = PERSON,
        channel_id: str = CHANNEL_ID,
    ) -> Interaction:
        """A person runs the registered slash command ``name`` with ``options``.

        Values are typed by the registered option; an ATTACHMENT option takes
        ``(filename, bytes, content type)`` and arrives resolved (``data.resolved.attachments``).
        """
        command = self._registered(name, CHAT_INPUT, channel_id)
        declared = {o["name"]: o for o in command.get("options") or []}
        given = options or {}
        missing = [o for o, d in declared.items() if d.get("required") and o not in given]
        if missing:
            raise ValueError(f"/{name} requires {missing}: Discord's client would not send it")
        data: dict[str, Any] = {
            "id": command["id"],
            "name": name,
            "type": CHAT_INPUT,
            "options": [],
        }
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        for option_name, value in given.items():
            if option_name not in declared:
                raise LookupError(f"/{name} has no option {option_name!r}")
            kind = declared[option_name]["type"]
            if kind == OPTION_ATTACHMENT:
                attachment = self._attachment_object(channel_id, *value)
                data.setdefault("resolved", {}).setdefault("attachments", {})[attachment["id"]] = (
                    attachment
                )
                value = attachment["id"]
            data["options"].append({"name": option_name, "type": kind, "value": value})
        return self._interaction(APPLICATION_COMMAND, data, user=user, channel_id=channel_id)

    def message_command(self, name: str, target: dict, *, user: dict = PERSON) -> Interaction:
        """A person uses the registered message context-menu command ``name`` on ``target``.

        The target arrives in ``data.resolved.messages`` with its content (gateway.mdx: the
        message-content intent does not apply to it)."""
        command = self._registered(name, MESSAGE_COMMAND, target["channel_id"])
        data = {
            "id": command["id"],
            "name": name,
            "type": MESSAGE_COMMAND,
            "target_id": target["id"],
            "resolved": {"messages": {target["id"]: target}},
        }
        return self._interaction(
            APPLICATION_COMMAND, data, user=user, channel_id=target["channel_id"]
        )

    def button_press(self, message: dict, custom_id: str, *, user: dict = PERSON) -> Interaction:
        """A person presses the button ``custom_id`` on the bot's ``message``."""
        stored = self.messages.get(message["id"])
        if stored is None:
            raise LookupError(f"no message {message['id']} to press a button on")
        buttons = [c for row in stored.get("components") or [] for c in row["components"]]
        button = next((b for b in buttons if b.get("custom_id") == custom_id), None)
        if button is None or button.get("disabled"):
            raise LookupError(f"message {stored['id']} has no enabled button {custom_id!r}")
        data = {"custom_id": custom_id, "component_type": button["type"]}
        shown = self._visible(stored, self.message_content_enabled)
        return self._interaction(
            MESSAGE_COMPONENT, data, user=user, channel_id=stored["channel_id"], message=shown
        )

    async def send_interaction(self, interaction: Interaction) -> None:
        """Deliver ``interaction`` as INTERACTION_CREATE over the gateway; its 3 s start now."""
        interaction.sent_at = time.monotonic()
        for session in self._identified():
            await session.dispatch("INTERACTION_CREATE", interaction.payload)

    async def drop_gateway(self, code: int = 4000) -> None:
        """Close every gateway connection with ``code`` (4000 "Unknown error": reconnect and
        resume). A RESUME with the last sequence number gets RESUMED (gateway.mdx, Resuming);
        events sent while the bot was away are not replayed, so a test sends after it is back.
        Any other RESUME gets INVALID_SESSION and the bot identifies anew."""
        for session in list(self.sessions):
            await session.ws.close(code=code, message=b"emulator dropped the connection")

    async def post_interaction(
        self, url: str, interaction: Interaction, *, signature: str = "valid"
    ) -> HttpInteractionResult:
        """POST ``interaction`` to a bot's interactions endpoint, signed as Discord signs it.

        ``signature``: ``"valid"`` (Ed25519 over timestamp + body with :attr:`signing_key`),
        ``"invalid"`` (a well-formed signature from another key) or ``"missing"`` (no headers).
        A 200 JSON answer is the initial response and is checked like a callback; 202 or 204
        leave it to a later callback. The docs ask endpoints to refuse a bad signature with
        401; hikari answers 400, so a test asserts the 4xx it expects.
        """
        assert self._client is not None
        body = json.dumps(interaction.payload, ensure_ascii=False).encode()
        timestamp = str(int(time.time()))
        key = self.signing_key if signature == "valid" else SigningKey.generate()
        headers = {"Content-Type": "application/json", "User-Agent": "Discord-Interactions/1.0"}
        if signature != "missing":
            headers["X-Signature-Ed25519"] = key.sign(timestamp.encode() + body).signature.hex()
            headers["X-Signature-Timestamp"] = timestamp
        interaction.sent_at = time.monotonic()
        async with self._client.post(url, data=body, headers=headers) as response:
            raw = await response.read()
            content_type = response.content_type
            status = response.status
        answer: Any = raw.decode(errors="replace")
        if content_type == "application/json":
            with contextlib.suppress(ValueError):
                answer = json.loads(raw)
        result = HttpInteractionResult(status, content_type, answer, accepted=False)
        if status == 200 and isinstance(answer, dict):
            request = Request("RESPONSE", "INLINE /interactions", url, {}, {}, answer, {})
            self.requests.append(request)
            try:
                if interaction.type == PING:
                    if answer.get("type") != PONG:
                        raise invalid(
                            ["type"], "BASE_TYPE_CHOICES", "A PING is answered by a PONG"
                        )
                else:
                    await self._respond(interaction, answer, request)
                request.status, request.response = 204, None
                result.accepted = True
            except DiscordError as exc:
                request.status, request.response = exc.status, exc.body
                result.error = exc.body
            await self._notify()
        return result

    # ----- gateway dispatch ----------------------------------------------------------------------

    def _identified(self) -> list[_GatewaySession]:
        return [s for s in self.sessions if s.intents is not None]

    def _visible(self, message: dict, content_intent: bool) -> dict:
        """``message`` as the app may read it (gateway.mdx, Message Content Intent): without the
        intent, content, embeds, attachments and components are empty except in DMs, the app's
        own messages and messages that mention it."""
        shown = dict(message)
        if shown.get("referenced_message"):
            shown["referenced_message"] = self._visible(
                shown["referenced_message"], content_intent
            )
        readable = (
            content_intent
            or "guild_id" not in message
            or message["author"]["id"] == BOT_ID
            or any(u["id"] == BOT_ID for u in message.get("mentions", []))
        )
        if not readable:
            shown |= {"content": "", "embeds": [], "attachments": [], "components": []}
            shown.pop("poll", None)
        return shown

    async def _dispatch_message(self, event: str, message: dict) -> None:
        """MESSAGE_CREATE or MESSAGE_UPDATE to every session with the intent for it; the bot's
        own messages are echoed too, as Discord does; ephemeral ones are never dispatched."""
        if message["flags"] & EPHEMERAL:
            return
        intent = GUILD_MESSAGES if "guild_id" in message else DIRECT_MESSAGES
        for session in self._identified():
            if session.intents is None or not session.intents & intent:
                continue
            data = self._visible(message, bool(session.intents & MESSAGE_CONTENT))
            if "guild_id" in message:
                data["member"] = member_object()
                data["mentions"] = [
                    {**u, "member": member_object()} for u in data.get("mentions", [])
                ]
            await session.dispatch(event, data)

    def _guild_create(self) -> dict:
        """GUILD_CREATE for the test guild: the guild object (guild.mdx, Guild Structure) with
        the extra fields of gateway-events.mdx."""
        members = [member_object(user=u) for u in self.users.values()]
        return {
            "id": GUILD_ID,
            "name": "مجتمع سند",
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": OWNER_ID,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "widget_enabled": False,
            "widget_channel_id": None,
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 2,
            "roles": self.roles,
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "max_presences": None,
            "max_members": 500_000,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "safety_alerts_channel_id": None,
            "incidents_data": None,
            "joined_at": "2026-01-01T00:00:00+00:00",
            "large": False,
            "unavailable": False,
            "member_count": len(members),
            "voice_states": [],
            "members": members,
            "channels": [c for c in self.channels.values() if "guild_id" in c],
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        """The gateway (gateway.mdx, Connecting): HELLO, IDENTIFY → READY then GUILD_CREATE,
        HEARTBEAT → HEARTBEAT_ACK, close codes 4001-4005, 4012-4014."""
        ws = web.WebSocketResponse(max_msg_size=4096 * 1024)
        await ws.prepare(request)
        compress = request.query.get("compress")
        if request.query.get("v") != str(API_VERSION) or request.query.get("encoding") != "json":
            await ws.close(code=4012, message=b"Invalid API version")
            return ws
        if compress not in (None, "zlib-stream", "zstd-stream"):
            await ws.close(code=4002, message=b"Decode error")
            return ws
        session = _GatewaySession(ws, compress)
        self.sessions.append(session)
        try:
            await session.send(
                {
                    "op": OP_HELLO,
                    "d": {"heartbeat_interval": self.heartbeat_interval_ms},
                    "s": None,
                    "t": None,
                }
            )
            async for frame in ws:
                if frame.type not in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                    break
                try:
                    payload = json.loads(frame.data)
                    op = payload["op"]
                except (ValueError, KeyError, TypeError):
                    await ws.close(code=4002, message=b"Decode error")
                    break
                session.received.append(payload)
                close = await self._gateway_op(session, op, payload.get("d"))
                if close is not None:
                    await ws.close(code=close[0], message=close[1].encode())
                    break
                await self._notify()
        finally:
            self.sessions.remove(session)
            if session.intents is not None:
                self._resumable[session.session_id] = (session.intents, session.seq)
            await self._notify()
        return ws

    async def _gateway_op(
        self, session: _GatewaySession, op: int, data: Any
    ) -> tuple[int, str] | None:
        if op == OP_HEARTBEAT:
            await session.send({"op": OP_HEARTBEAT_ACK, "d": None, "s": None, "t": None})
            return None
        if op == OP_IDENTIFY:
            if session.intents is not None:
                return 4005, "Already authenticated."
            if not isinstance(data, dict) or data.get("token") != TOKEN:
                return 4004, "Authentication failed."
            intents = int(data.get("intents", 0))
            if intents & ~KNOWN_INTENTS:
                return 4013, "Invalid intent(s)."
            enabled = MESSAGE_CONTENT if self.message_content_enabled else 0
            if intents & PRIVILEGED_INTENTS & ~enabled:
                return 4014, "Disallowed intent(s)."
            session.intents = intents
            await session.dispatch("READY", self._ready(session))
            if intents & GUILDS:
                await session.dispatch("GUILD_CREATE", self._guild_create())
            return None
        if op == OP_RESUME:
            if not isinstance(data, dict) or data.get("token") != TOKEN:
                return 4004, "Authentication failed."
            resumed = self._resumable.pop(str(data.get("session_id")), None)
            if resumed is None or data.get("seq") != resumed[1]:
                await session.send({"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
                return None
            session.intents, session.seq = resumed
            session.session_id = str(data["session_id"])
            await session.dispatch("RESUMED", {})
            return None
        if session.intents is None:
            return 4003, "Not authenticated."
        if op in (
            3,
            4,
            8,
            31,
            43,
        ):  # presence, voice state, guild members, soundboard, channel info
            return None
        return 4001, "Unknown opcode."

    def _ready(self, session: _GatewaySession) -> dict:
        """READY (gateway-events.mdx, Ready Event Fields); guilds start unavailable."""
        return {
            "v": API_VERSION,
            "user": self._own_user(),
            "guilds": [{"id": GUILD_ID, "unavailable": True}],
            "session_id": session.session_id,
            "resume_gateway_url": self.gateway_url,
            "shard": [0, 1],
            "application": {"id": APPLICATION_ID, "flags": self._application_flags()},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "user_settings": {},
            "geo_ordered_rtc_regions": [],
        }

    # ----- REST: routing, auth, recording, failures ----------------------------------------------

    def _routes(self) -> list[tuple[str, str, Callable]]:
        return [
            ("GET", "/gateway/bot", self._get_gateway_bot),
            ("GET", "/users/@me", self._get_me),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/applications/@me", self._get_application),
            ("GET", "/applications/{application}/commands", self._get_commands),
            ("PUT", "/applications/{application}/commands", self._put_commands),
            ("GET", "/applications/{application}/guilds/{guild}/commands", self._get_commands),
            ("PUT", "/applications/{application}/guilds/{guild}/commands", self._put_commands),
            ("POST", "/users/@me/channels", self._create_dm),
            ("POST", "/channels/{channel}/typing", self._typing),
            ("POST", "/channels/{channel}/messages", self._create_message),
            ("GET", "/channels/{channel}/messages/{message}", self._get_message),
            ("PATCH", "/channels/{channel}/messages/{message}", self._edit_message),
            ("DELETE", "/channels/{channel}/messages/{message}", self._delete_message),
            ("POST", "/interactions/{interaction}/{token}/callback", self._callback),
            ("POST", "/webhooks/{application}/{token}", self._followup),
            (
                "GET",
                "/webhooks/{application}/{token}/messages/{message}",
                self._get_webhook_message,
            ),
            (
                "PATCH",
                "/webhooks/{application}/{token}/messages/{message}",
                self._edit_webhook_message,
            ),
            (
                "DELETE",
                "/webhooks/{application}/{token}/messages/{message}",
                self._delete_webhook_message,
            ),
        ]

    # Interaction callbacks and webhook routes authenticate by the token in their path.
    _UNAUTHENTICATED = ("POST /interactions/", "/webhooks/")

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Callable) -> web.StreamResponse:
        prefix = f"/api/v{API_VERSION}"
        resource = request.match_info.route.resource
        canonical = resource.canonical if resource is not None else request.path
        if not canonical.startswith(prefix):  # the gateway and the CDN
            return await handler(request)
        route = f"{request.method} {canonical.removeprefix(prefix)}"
        record = Request(
            request.method,
            route,
            request.path,
            dict(request.match_info),
            dict(request.query),
            None,
            {},
        )
        self.requests.append(record)
        try:
            record.body, record.files = await self._read_body(request)
            if resource is None:
                raise DiscordError(404, 0, "404: Not Found")
            template = route.split(" ", 1)[1]
            needs_auth = not any(
                route.startswith(p) or template.startswith(p) for p in self._UNAUTHENTICATED
            )
            if needs_auth and request.headers.get("Authorization") != f"Bot {TOKEN}":
                raise DiscordError(401, 0, "401: Unauthorized")
            self._maybe_fail(route)
            headers = self._take_bucket(route, request.match_info)
            status, payload = await handler(request, record)
        except DiscordError as exc:
            record.status, record.response = exc.status, exc.body
            await self._notify()
            return web.json_response(exc.body, status=exc.status, headers=exc.headers)
        record.status, record.response = status, payload
        await self._notify()
        if status == 204:
            return web.Response(status=204, headers=headers)
        return web.json_response(
            payload,
            status=status,
            headers=headers,
            dumps=lambda o: json.dumps(o, ensure_ascii=False),
        )

    def _take_bucket(self, route: str, params: dict[str, str]) -> dict[str, str]:
        """Count a request against its bucket (rate-limits.mdx: per route, and per top-level
        resource: channel, guild, or webhook id and token); 429 when the bucket is spent.
        Returns the X-RateLimit-* headers Discord sends with every answer. The interaction
        callback has no bucket (hikari's routes mark it ``has_ratelimits=False``)."""
        if route.startswith("POST /interactions/"):
            return {}
        major = params.get("channel") or params.get("guild") or params.get("token") or ""
        now = time.monotonic()
        bucket = self._buckets.setdefault((route, major), [now, 0])
        if now >= bucket[0] + self.bucket_window:  # a fixed window, as Discord's reset
            bucket[:] = [now, 0]
        reset_after = bucket[0] + self.bucket_window - now
        headers = {
            "X-RateLimit-Limit": str(self.bucket_limit),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": hashlib.md5(route.encode()).hexdigest()[:16],
        }
        if bucket[1] >= self.bucket_limit:
            headers |= {
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Scope": "user",
                "Retry-After": str(math.ceil(reset_after)),
            }
            raise DiscordError(
                429,
                0,
                "You are being rate limited.",
                headers=headers,
                extra={"retry_after": round(reset_after, 3), "global": False},
            )
        bucket[1] += 1
        headers["X-RateLimit-Remaining"] = str(self.bucket_limit - int(bucket[1]))
        return headers

    @staticmethod
    async def _read_body(request: web.Request) -> tuple[Any, dict[str, tuple[str, bytes]]]:
        """JSON, or multipart with ``payload_json`` and ``files[n]`` (reference.mdx, Uploading
        Files); malformed JSON is 50109."""
        files: dict[str, tuple[str, bytes]] = {}
        if not request.can_read_body:
            return None, files
        if request.content_type == "multipart/form-data":
            body = None
            reader = await request.multipart()
            async for part in reader:
                data = await part.read()  # type: ignore[union-attr]
                if part.name == "payload_json":
                    body = data.decode()
                elif part.name:
                    name = part.filename or part.name  # type: ignore[union-attr]
                    files[part.name] = (name, bytes(data))
        elif request.content_type == "application/json":
            body = await request.text()
        else:
            raise invalid(
                [],
                "CONTENT_TYPE_INVALID",
                f"Expected application/json or multipart/form-data, got {request.content_type}",
            )
        if body is None:
            return None, files
        try:
            return json.loads(body), files
        except ValueError as exc:
            raise DiscordError(400, 50109, "The request body contains invalid JSON.") from exc

    def _maybe_fail(self, route: str) -> None:
        """Rate-limit answer of rate-limits.mdx (Exceeding A Rate Limit), or a bare 5xx."""
        queued = self._failures.get(route)
        if not queued:
            return
        failure = queued.popleft()
        if failure.status != 429:
            raise DiscordError(failure.status, 0, f"{failure.status}: Internal Server Error")
        retry_after = failure.retry_after
        headers = {"Retry-After": str(math.ceil(retry_after))}
        if failure.is_global:
            headers |= {"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"}
        elif not route.startswith("POST /interactions/"):  # hikari knows callbacks have no bucket
            headers |= {
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                "X-RateLimit-Bucket": hashlib.md5(route.encode()).hexdigest()[:16],
                "X-RateLimit-Scope": failure.scope,
            }
        shared = failure.scope == "shared" and not failure.is_global
        message = (
            "The resource is being rate limited." if shared else "You are being rate limited."
        )
        raise DiscordError(
            429,
            0,
            message,
            headers=headers,
            extra={"retry_after": retry_after, "global": failure.is_global},
        )

    # ----- REST: identity and commands -----------------------------------------------------------

    def _own_user(self) -> dict:
        return BOT_USER | {
            "mfa_enabled": False,
            "locale": "en-US",
            "verified": True,
            "email": None,
            "flags": 0,
            "premium_type": 0,
            "banner": None,
            "accent_color": None,
        }

    def _application_flags(self) -> int:
        # application.mdx, Application Flags: GATEWAY_MESSAGE_CONTENT_LIMITED once switched on.
        return 1 << 19 if self.message_content_enabled else 0

    async def _get_gateway_bot(self, request: web.Request, record: Request) -> tuple[int, Any]:
        """gateway.mdx, Get Gateway Bot: the URL to connect to and the session start limit."""
        return 200, {
            "url": self.gateway_url,
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 14_400_000,
                "max_concurrency": 1,
            },
        }

    async def _get_me(self, request: web.Request, record: Request) -> tuple[int, Any]:
        return 200, self._own_user()

    async def _get_application(self, request: web.Request, record: Request) -> tuple[int, Any]:
        """application.mdx, Application Object; ``verify_key`` is the Ed25519 public key."""
        return 200, {
            "id": APPLICATION_ID,
            "name": "Sanad",
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": self.public_key_hex,
            "flags": self._application_flags(),
            "owner": OWNER,
            "team": None,
            "bot": BOT_USER,
            "tags": [],
            "rpc_origins": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "approximate_guild_count": 1,
            "approximate_user_install_count": 0,
            "integration_types_config": {
                "0": {
                    "oauth2_install_params": {
                        "scopes": ["applications.commands", "bot"],
                        "permissions": PERMISSIONS,
                    }
                }
            },
        }

    def _command_scope(self, request: web.Request) -> str | None:
        if request.match_info["application"] != APPLICATION_ID:
            raise DiscordError(403, 50001, "Missing Access")
        guild = request.match_info.get("guild")
        if guild is not None and guild != GUILD_ID:
            raise DiscordError(403, 50001, "Missing Access")
        return guild

    async def _get_commands(self, request: web.Request, record: Request) -> tuple[int, Any]:
        return 200, self.commands.get(self._command_scope(request), [])

    async def _put_commands(self, request: web.Request, record: Request) -> tuple[int, Any]:
        """Bulk overwrite (application-commands.mdx): all commands validated, then replaced."""
        scope = self._command_scope(request)
        body = record.body
        errors = FormErrors()
        if not isinstance(body, list):
            errors.add([], "BASE_TYPE_ARRAY", "Must be an array.")
            errors.raise_if_any()
        for index, command in enumerate(body):
            check_command(errors, index, command)
        keys = [(c.get("type", CHAT_INPUT), c.get("name")) for c in body]
        if len(set(keys)) != len(keys):
            errors.add(
                [],
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                "Application command names must be unique",
            )
        errors.raise_if_any()
        version = snowflake()
        registered = []
        for command in body:
            kind = command.get("type", CHAT_INPUT)
            stored = {
                "id": snowflake(),
                "application_id": APPLICATION_ID,
                "version": version,
                "type": kind,
                "name": command["name"],
                "name_localizations": command.get("name_localizations"),
                "description": command.get("description", "") if kind == CHAT_INPUT else "",
                "description_localizations": command.get("description_localizations"),
                "default_member_permissions": command.get("default_member_permissions"),
                "dm_permission": command.get("dm_permission", True),
                "nsfw": command.get("nsfw", False),
                "contexts": command.get("contexts"),
                "integration_types": command.get("integration_types", [0]),
            }
            if command.get("options"):
                stored["options"] = command["options"]
            if scope is not None:
                stored["guild_id"] = scope
            registered.append(stored)
        self.commands[scope] = registered
        return 200, registered

    # ----- REST: channels and messages -----------------------------------------------------------

    def _channel(self, channel_id: str) -> dict:
        if channel_id not in self.channels:
            raise unknown(10003, "Channel")
        return self.channels[channel_id]

    async def _create_dm(self, request: web.Request, record: Request) -> tuple[int, Any]:
        recipient = str((record.body or {}).get("recipient_id"))
        if recipient not in self.users:
            raise unknown(10013, "User")
        return 200, self.channels[self.dm_channel_id(recipient)]

    async def _typing(self, request: web.Request, record: Request) -> tuple[int, Any]:
        self._channel(request.match_info["channel"])
        return 204, None

    def _bot_message(self, channel_id: str, body: dict, files: dict, **extra: Any) -> dict:
        """The message object Discord stores for a body the bot sent."""
        message = self._message(channel_id, BOT_USER, body.get("content") or "", **extra)
        message["embeds"] = [{"type": "rich", **e} for e in body.get("embeds") or []]
        message["components"] = numbered(body.get("components") or [])
        message["flags"] = int(body.get("flags") or 0) | int(extra.get("flags", 0))
        message["attachments"] = self._uploads(channel_id, body, files)
        return message

    def _uploads(self, channel_id: str, body: dict, files: dict) -> list[dict]:
        uploaded = []
        for name, (filename, data) in files.items():
            match = re.fullmatch(r"files\[(\d+)\]", name)
            if match is None:
                continue
            declared = next(
                (a for a in body.get("attachments") or [] if str(a.get("id")) == match[1]), {}
            )
            uploaded.append(
                self._attachment_object(
                    channel_id,
                    declared.get("filename", filename),
                    data,
                    "application/octet-stream",
                )
            )
        return uploaded

    def _record_sent(
        self,
        record: Request,
        message: dict,
        *,
        default_parse: tuple[str, ...],
        interaction: Interaction | None = None,
        replied_author: str | None = None,
    ) -> None:
        if is_empty(message) and message["flags"] & LOADING:
            return
        body = record.body or {}
        if record.route in (
            "INLINE /interactions",
            "POST /interactions/{interaction}/{token}/callback",
        ):
            body = body.get("data") or {}
        self.sent.append(
            Sent(
                record,
                message,
                ephemeral=bool(message["flags"] & EPHEMERAL),
                interaction_id=interaction.id if interaction else None,
                pings=pings(body, default_parse=default_parse, replied_author=replied_author),
            )
        )

    async def _create_message(self, request: web.Request, record: Request) -> tuple[int, Any]:
        """message.mdx, Create Message."""
        channel_id = request.match_info["channel"]
        self._channel(channel_id)
        body = record.body or {}
        errors = FormErrors()
        check_message_fields(body, errors)
        extra: dict[str, Any] = {}
        replied_author = None
        reference = body.get("message_reference")
        if reference:
            replied = self.messages.get(str(reference.get("message_id")))
            if replied is None or replied["channel_id"] != channel_id:
                if reference.get("fail_if_not_exists", True):
                    errors.add(
                        ["message_reference"],
                        "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                        "Unknown message",
                    )
            else:
                extra = {
                    "type": 19,
                    "message_reference": {
                        "type": 0,
                        "message_id": replied["id"],
                        "channel_id": channel_id,
                    }
                    | ({"guild_id": GUILD_ID} if "guild_id" in replied else {}),
                    "referenced_message": replied,
                }
                if replied["author"]["id"] != BOT_ID:
                    replied_author = replied["author"]["id"]
        errors.raise_if_any()
        if is_empty(body) and not record.files:
            raise DiscordError(*EMPTY_MESSAGE)
        message = self._bot_message(channel_id, body, record.files, **extra)
        self.messages[message["id"]] = message
        self._record_sent(
            record, message, default_parse=CHANNEL_DEFAULT_PARSE, replied_author=replied_author
        )
        await self._dispatch_message("MESSAGE_CREATE", message)
        return 200, message

    def _stored(self, channel_id: str, message_id: str) -> dict:
        self._channel(channel_id)
        message = self.messages.get(message_id)
        if message is None or message["channel_id"] != channel_id or message["flags"] & EPHEMERAL:
            raise unknown(10008, "Message")
        return message

    async def _get_message(self, request: web.Request, record: Request) -> tuple[int, Any]:
        message = self._stored(request.match_info["channel"], request.match_info["message"])
        return 200, self._visible(message, self.message_content_enabled)

    def _apply_edit(self, message: dict, record: Request) -> dict:
        """message.mdx, Edit Message: content, embeds, components, flags and attachments replaced
        when given; the result must not be empty."""
        body = record.body or {}
        errors = FormErrors()
        check_message_fields(body, errors)
        errors.raise_if_any()
        edited = dict(message)
        if "content" in body:
            edited["content"] = body["content"] or ""
        if "components" in body:
            edited["components"] = numbered(body["components"] or [])
        if "embeds" in body:
            edited["embeds"] = [{"type": "rich", **e} for e in body["embeds"] or []]
        if "attachments" in body or record.files:
            kept = {str(a.get("id")) for a in body.get("attachments") or []}
            edited["attachments"] = [a for a in message["attachments"] if a["id"] in kept]
            edited["attachments"] += self._uploads(message["channel_id"], body, record.files)
        if "content" in body:
            edited["mentions"] = [
                self.users[u] for u in USER_MENTION.findall(edited["content"]) if u in self.users
            ]
        edited["flags"] = message["flags"] & ~LOADING
        if is_empty(edited):
            raise DiscordError(*EMPTY_MESSAGE)
        edited["edited_timestamp"] = _now_iso()
        self.messages[edited["id"]] = edited
        return edited

    async def _edit_message(self, request: web.Request, record: Request) -> tuple[int, Any]:
        message = self._stored(request.match_info["channel"], request.match_info["message"])
        if message["author"]["id"] != BOT_ID:
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        edited = self._apply_edit(message, record)
        self._record_sent(record, edited, default_parse=CHANNEL_DEFAULT_PARSE)
        await self._dispatch_message("MESSAGE_UPDATE", edited)
        return 200, edited

    async def _delete_message(self, request: web.Request, record: Request) -> tuple[int, Any]:
        message = self._stored(request.match_info["channel"], request.match_info["message"])
        del self.messages[message["id"]]
        return 204, None

    async def _attachment(self, request: web.Request) -> web.StreamResponse:
        """CDN: bytes for a signed, unexpired, unaltered attachment URL, else 404."""
        attachment_id = request.match_info["attachment"]
        expires = request.query.get("ex", "")
        valid = (
            attachment_id in self.files
            and hmac.compare_digest(
                request.query.get("hm", ""), self._cdn_signature(attachment_id, expires)
            )
            and int(expires or "0", 16) > time.time()
        )
        if not valid:
            return web.Response(status=404, text="This content is no longer available.")
        return web.Response(
            body=self.files[attachment_id], content_type="application/octet-stream"
        )

    # ----- REST: interactions --------------------------------------------------------------------

    def _live_interaction(self, interaction_id: str, token: str) -> Interaction:
        interaction = self.interactions.get(interaction_id)
        if interaction is None or interaction.token != token or interaction.sent_at is None:
            raise unknown(10062, "interaction")
        return interaction

    async def _callback(self, request: web.Request, record: Request) -> tuple[int, Any]:
        """Create Interaction Response (receiving-and-responding.mdx)."""
        interaction = self._live_interaction(
            request.match_info["interaction"], request.match_info["token"]
        )
        body = record.body
        if not isinstance(body, dict):
            raise invalid([], "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        message = await self._respond(interaction, body, record)
        if request.query.get("with_response") != "true":
            return 204, None
        callback: dict[str, Any] = {"id": interaction.id, "type": interaction.type}
        if message is not None:
            callback |= {
                "response_message_id": message["id"],
                "response_message_loading": bool(message["flags"] & LOADING),
                "response_message_ephemeral": bool(message["flags"] & EPHEMERAL),
            }
        response: dict[str, Any] = {"interaction": callback}
        if body["type"] in (CHANNEL_MESSAGE, UPDATE_MESSAGE) and message is not None:
            response["resource"] = {"type": body["type"], "message": message}
        return 200, response

    async def _respond(self, interaction: Interaction, body: dict, record: Request) -> dict | None:
        """The initial response, however it came (callback or inline): once, within the
        deadline, of a type valid for the interaction, with a valid message."""
        assert interaction.sent_at is not None
        if interaction.response_type is not None:
            raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
        if time.monotonic() - interaction.sent_at > self.interaction_deadline:
            raise unknown(10062, "interaction")
        kind = body.get("type")
        valid = {
            APPLICATION_COMMAND: (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL),
            MESSAGE_COMPONENT: (
                CHANNEL_MESSAGE,
                DEFERRED_CHANNEL_MESSAGE,
                DEFERRED_UPDATE_MESSAGE,
                UPDATE_MESSAGE,
                MODAL,
            ),
        }.get(interaction.type, ())
        if kind not in valid:
            raise invalid(
                ["type"],
                "INTERACTION_RESPONSE_TYPE_INVALID",
                f"Interaction response type {kind} is not valid here",
            )
        data = body.get("data") or {}
        errors = FormErrors()
        if kind == MODAL:
            if not 1 <= _length(data.get("custom_id")) <= CUSTOM_ID_LIMIT:
                errors.add(
                    ["data", "custom_id"],
                    "BASE_TYPE_BAD_LENGTH",
                    "Must be between 1 and 100 in length.",
                )
            if not 1 <= _length(data.get("title")) <= MODAL_TITLE_LIMIT:
                errors.add(
                    ["data", "title"],
                    "BASE_TYPE_BAD_LENGTH",
                    "Must be between 1 and 45 in length.",
                )
            if not 1 <= len(data.get("components") or []) <= 5:
                errors.add(
                    ["data", "components"],
                    "BASE_TYPE_BAD_LENGTH",
                    "Must be between 1 and 5 in length.",
                )
        else:
            sub = FormErrors()
            check_message_fields(data, sub)
            if sub.tree:
                errors.tree["data"] = sub.tree
        errors.raise_if_any()
        flags = int(data.get("flags") or 0)
        message = None
        if kind == CHANNEL_MESSAGE:
            if is_empty(data) and not record.files:
                raise DiscordError(*EMPTY_MESSAGE)
            message = self._interaction_message(interaction, data, record.files, flags)
            self._record_sent(
                record, message, default_parse=INTERACTION_DEFAULT_PARSE, interaction=interaction
            )
        elif kind == DEFERRED_CHANNEL_MESSAGE:
            message = self._interaction_message(interaction, {}, {}, (flags & EPHEMERAL) | LOADING)
        elif kind in (UPDATE_MESSAGE, DEFERRED_UPDATE_MESSAGE):
            message = self.messages[interaction.payload["message"]["id"]]
            if kind == UPDATE_MESSAGE:
                message = self._apply_edit(
                    message, Request("", "", "", {}, {}, data, record.files)
                )
                self._record_sent(
                    record,
                    message,
                    default_parse=INTERACTION_DEFAULT_PARSE,
                    interaction=interaction,
                )
        interaction.response_type = kind
        interaction.ephemeral = bool(flags & EPHEMERAL)
        interaction.original_id = message["id"] if message is not None else None
        if kind in (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE):
            await self._dispatch_message("MESSAGE_CREATE", message)
        elif kind == UPDATE_MESSAGE:
            await self._dispatch_message("MESSAGE_UPDATE", message)
        return message

    def _interaction_message(
        self, interaction: Interaction, body: dict, files: dict, flags: int
    ) -> dict:
        """A message sent by an interaction response or follow-up (message.mdx, Message
        Interaction Metadata): authored by the bot, with webhook_id and interaction_metadata.

        The metadata carries what its interaction type's structure holds: a message command's
        ``target_message_id``, a component interaction's ``interacted_message_id`` (required:
        hikari 2.7 reads it unconditionally) and, on a follow-up, the
        ``original_response_message_id``."""
        payload = interaction.payload
        user = payload["member"]["user"] if "member" in payload else payload["user"]
        data = payload.get("data") or {}
        command_type = data.get("type")
        metadata: dict[str, Any] = {
            "id": interaction.id,
            "type": interaction.type,
            "user": user,
            "authorizing_integration_owners": payload["authorizing_integration_owners"],
        }
        if interaction.original_id is not None:
            metadata["original_response_message_id"] = interaction.original_id
        if interaction.type == MESSAGE_COMPONENT:
            metadata["interacted_message_id"] = payload["message"]["id"]
        elif command_type == MESSAGE_COMMAND:
            metadata["target_message_id"] = data["target_id"]
        kind = (
            {CHAT_INPUT: 20, MESSAGE_COMMAND: 23}.get(command_type, 0)
            if interaction.type == APPLICATION_COMMAND
            else 0
        )
        message = self._bot_message(
            payload["channel_id"],
            body,
            files,
            type=kind,
            flags=flags,
            webhook_id=APPLICATION_ID,
            application_id=APPLICATION_ID,
            interaction_metadata=metadata,
        )
        self.messages[message["id"]] = message
        return message

    def _webhook_interaction(self, request: web.Request) -> Interaction:
        """The interaction a webhook route's token belongs to (receiving-and-responding.mdx,
        Followup Messages): unknown before an initial response, expired after 15 minutes."""
        if request.match_info["application"] != APPLICATION_ID:
            raise unknown(10015, "Webhook")
        token = request.match_info["token"]
        interaction = next((i for i in self.interactions.values() if i.token == token), None)
        if interaction is None or interaction.sent_at is None:
            raise DiscordError(401, 50027, "Invalid Webhook Token")
        if time.monotonic() - interaction.sent_at > INTERACTION_TOKEN_LIFETIME:
            raise DiscordError(401, 50027, "Invalid Webhook Token")
        if interaction.response_type is None:
            raise unknown(10015, "Webhook")
        return interaction

    def _webhook_message(self, interaction: Interaction, message_id: str) -> dict:
        if message_id == "@original":
            message_id = interaction.original_id or ""
        elif message_id not in interaction.followup_ids:
            raise unknown(10008, "Message")
        message = self.messages.get(message_id)
        if message is None:
            raise unknown(10008, "Message")
        return message

    async def _followup(self, request: web.Request, record: Request) -> tuple[int, Any]:
        """Create Followup Message; right after a deferred response it edits the original."""
        interaction = self._webhook_interaction(request)
        body = record.body or {}
        errors = FormErrors()
        check_message_fields(body, errors)
        errors.raise_if_any()
        if is_empty(body) and not record.files:
            raise DiscordError(*EMPTY_MESSAGE)
        original = self.messages.get(interaction.original_id or "")
        if original is not None and original["flags"] & LOADING:
            message = self._apply_edit(original, record)
            event = "MESSAGE_UPDATE"
        else:
            flags = int(body.get("flags") or 0)
            message = self._interaction_message(interaction, body, record.files, flags)
            interaction.followup_ids.append(message["id"])
            event = "MESSAGE_CREATE"
        self._record_sent(
            record, message, default_parse=INTERACTION_DEFAULT_PARSE, interaction=interaction
        )
        await self._dispatch_message(event, message)
        return 200, message

    async def _get_webhook_message(self, request: web.Request, record: Request) -> tuple[int, Any]:
        interaction = self._webhook_interaction(request)
        return 200, self._webhook_message(interaction, request.match_info["message"])

    async def _edit_webhook_message(
        self, request: web.Request, record: Request
    ) -> tuple[int, Any]:
        interaction = self._webhook_interaction(request)
        message = self._webhook_message(interaction, request.match_info["message"])
        edited = self._apply_edit(message, record)
        self._record_sent(
            record, edited, default_parse=INTERACTION_DEFAULT_PARSE, interaction=interaction
        )
        await self._dispatch_message("MESSAGE_UPDATE", edited)
        return 200, edited

    async def _delete_webhook_message(
        self, request: web.Request, record: Request
    ) -> tuple[int, Any]:
        interaction = self._webhook_interaction(request)
        message = self._webhook_message(interaction, request.match_info["message"])
        del self.messages[message["id"]]
        return 204, None


def free_port_socket() -> socket.socket:
    """A bound, listening loopback socket for a bot's interactions server (``socket=``)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock
