"""A local emulation of the Telegram Bot API over loopback HTTP, strict the way Telegram is.

The real python-telegram-bot stack talks to it through ``base_url``. It keeps the updates the
test feeds in (served by long-polling ``getUpdates``), records every call the bot makes, and
rejects what Telegram rejects: malformed or unsupported HTML ("can't parse entities"), text over
4096 characters after entity parsing, callback data over 64 bytes, more than 50 inline results,
duplicate or over-long result ids and next_offset. Any method can be told to fail with 429
(retry_after) or 500.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

TOKEN = "123456:TEST-token"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Sanad", "username": "sanad_test_bot"}

_JSON_FIELDS = {
    "reply_markup",
    "results",
    "commands",
    "scope",
    "reply_parameters",
    "link_preview_options",
    "allowed_updates",
    "entities",
    "button",
}
_INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout", "user_id", "cache_time"}

# Telegram's supported HTML: https://core.telegram.org/bots/api#html-style
_ALLOWED_TAGS = {
    "b": set(),
    "strong": set(),
    "i": set(),
    "em": set(),
    "u": set(),
    "ins": set(),
    "s": set(),
    "strike": set(),
    "del": set(),
    "span": {"class"},
    "tg-spoiler": set(),
    "a": {"href"},
    "code": {"class"},
    "pre": set(),
    "blockquote": {"expandable"},
    "tg-emoji": {"emoji-id"},
}
# A URL Telegram opens from a button: http(s) to a dotted host name or an address, or tg://.
_VALID_BUTTON_URL = re.compile(
    r"(?:https?://(?:[A-Za-z0-9-]+\.)+[A-Za-z0-9-]+(?::\d+)?(?:[/?#]\S*)?|tg://\S+)",
    re.IGNORECASE,
)
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


def _user(user_id: int) -> dict[str, Any]:
    """The Telegram user object of a simulated person."""
    return {"id": user_id, "is_bot": False, "first_name": "سارة", "language_code": "ar"}


def _set_markup(message: dict[str, Any], markup: dict[str, Any] | None) -> None:
    """Give ``message`` the keyboard of an edit, as Telegram does: an edit without one (or with
    no buttons) removes it, and the message then has no ``reply_markup`` field at all, never an
    empty object (python-telegram-bot cannot read ``{}`` as a keyboard)."""
    if markup and markup.get("inline_keyboard"):
        message["reply_markup"] = markup
    else:
        message.pop("reply_markup", None)


class ParseError(ValueError):
    """The text is not valid Telegram HTML."""


class _StrictHTML(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED_TAGS:
            raise ParseError(f'Unsupported start tag "{tag}"')
        for name, _ in attrs:
            if name not in _ALLOWED_TAGS[tag]:
                raise ParseError(f'Unsupported attribute "{name}" of tag "{tag}"')
        if tag == "blockquote" and "blockquote" in self.stack:
            raise ParseError("Nested blockquotes are not allowed")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise ParseError(f'Unsupported self-closing tag "{tag}"')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise ParseError(f'Unmatched end tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data or ">" in data:
            raise ParseError("Unescaped < or >")
        bare = _ENTITY.sub("", data)
        if "&" in bare:
            raise ParseError("Unescaped &")
        self.text.append(html.unescape(data))

    def handle_entityref(self, name: str) -> None:
        if name not in {"lt", "gt", "amp", "quot"}:
            raise ParseError(f"Unsupported entity &{name};")
        self.text.append(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.text.append(html.unescape(f"&#{name};"))

    def handle_comment(self, data: str) -> None:
        raise ParseError("Comments are not supported")


def parse_telegram_html(text: str) -> str:
    """The visible text of ``text``, or :class:`ParseError` where Telegram would refuse it."""
    if re.search(r"<[^>]*$", text):
        raise ParseError("Unclosed tag")
    parser = _StrictHTML()
    parser.feed(text)
    parser.close()
    if parser.stack:
        raise ParseError(f'Unclosed tag "{parser.stack[-1]}"')
    return "".join(parser.text)


def utf16_length(text: str) -> int:
    """Telegram counts message length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


class BotApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    ok: bool = True
    error: str = ""
    at: float = field(default_factory=time.perf_counter)


@dataclass
class BotApiEmulator:
    """State of the emulated Bot API; serve it with :meth:`start`."""

    calls: list[Call] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    failures: dict[str, list[tuple[int, int | None, str | None]]] = field(default_factory=dict)
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _update_ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _message_ids: itertools.count = field(default_factory=lambda: itertools.count(1000))
    _lock: threading.Condition = field(default_factory=threading.Condition)
    _server: ThreadingHTTPServer | None = None
    webhook: dict[str, Any] = field(default_factory=dict)
    _answered_queries: set[str] = field(default_factory=set)
    _held_files: dict[str, threading.Event] = field(default_factory=dict)
    # What @BotFather's /setinline turns on; getMe reports it as supports_inline_queries.
    inline_mode: bool = True

    # ----- test side -------------------------------------------------------------------------

    def start(self) -> str:
        """Serve on a free loopback port; returns the base URL for python-telegram-bot."""
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # A reply is written in two sends (headers, then body); with Nagle's algorithm
            # the body waits for the client's delayed ACK of the headers, up to 40 ms on
            # Linux, on every call. Telegram's servers show no such wait.
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:  # silence
                pass

            def do_GET(self) -> None:
                emulator._serve_file(self)

            def do_POST(self) -> None:
                emulator._serve_method(self)

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # the bot opens many connections at once under load

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that hung up mid-poll (the bot stopping) is not a failure

        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_port}/bot"

    @property
    def base_file_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_port}/file/bot"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        with self._lock:
            self._lock.notify_all()

    def fail_next(
        self,
        method: str,
        code: int,
        retry_after: int | None = None,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail like Telegram does.

        ``description`` is Telegram's text for the refusal (for rejections that depend on
        Telegram's own checks, which this emulator cannot know all of).
        """
        with self._lock:
            failure = (code, retry_after, description)
            self.failures.setdefault(method, []).extend([failure] * times)

    def push_update(self, update: dict[str, Any]) -> int:
        with self._lock:
            update_id = next(self._update_ids)
            self._updates.append({"update_id": update_id, **update})
            self._lock.notify_all()
            return update_id

    def user_message(
        self,
        text: str | None,
        *,
        user_id: int = 111,
        chat_id: int | None = None,
        chat_type: str = "private",
        reply_to: dict[str, Any] | None = None,
        entities: list[dict[str, Any]] | None = None,
        extra: dict[str, Any] | None = None,
        edited: bool = False,
    ) -> dict[str, Any]:
        """Push a message from a user and return it."""
        chat_id = chat_id if chat_id is not None else user_id
        chat = {"id": chat_id, "type": chat_type}
        if chat_type != "private":
            chat["title"] = "مجموعة الاختبار"
        else:
            chat["first_name"] = "سارة"
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": _user(user_id),
        }
        if text is not None:
            message["text"] = text
        if text and text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_length(command)}
            ]
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message.update(extra or {})
        self.messages[(chat_id, message["message_id"])] = message
        if edited:
            message["edit_date"] = int(time.time())
            self.push_update({"edited_message": message})
        else:
            self.push_update({"message": message})
        return message

    def edit_user_message(self, message: dict[str, Any], text: str) -> None:
        """The user edits ``message`` (from :meth:`user_message`) to ``text``. As on Telegram,
        every message replying to it shows the new text from now on."""
        message["text"] = text
        message["edit_date"] = int(time.time())
        self.push_update({"edited_message": message})

    def press_button(self, bot_message: dict[str, Any], data: str, user_id: int = 111) -> str:
        """Push a callback query for a button under ``bot_message``."""
        query_id = f"cb{next(self._update_ids)}"
        self.push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": _user(user_id),
                    "message": bot_message,
                    "chat_instance": "ci-1",
                    "data": data,
                }
            }
        )
        return query_id

    def inline_query(self, query: str, offset: str = "", user_id: int = 111) -> str:
        query_id = f"iq{next(self._update_ids)}"
        self.push_update(
            {
                "inline_query": {
                    "id": query_id,
                    "from": _user(user_id),
                    "query": query,
                    "offset": offset,
                }
            }
        )
        return query_id

    def add_file(self, file_id: str, content: bytes) -> None:
        self.files[file_id] = content

    def hold_file(self, file_id: str) -> threading.Event:
        """Make downloads of ``file_id`` wait until the returned event is set (a slow one)."""
        self._held_files[file_id] = threading.Event()
        return self._held_files[file_id]

    def calls_of(self, method: str, ok: bool | None = True) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method and (ok is None or c.ok == ok)]

    async def wait_for(
        self, method: str, count: int = 1, timeout: float = 10.0, **match: Any
    ) -> list[Call]:
        """Wait until ``count`` successful calls of ``method`` (matching ``match``) were made."""
        deadline = time.monotonic() + timeout
        while True:
            found = [
                c
                for c in self.calls_of(method)
                if all(c.params.get(k) == v for k, v in match.items())
            ]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                made = [(c.method, c.ok, c.error) for c in self.calls]
                raise AssertionError(
                    f"no {count}x {method} {match} within {timeout}s; calls: {made}"
                )
            await asyncio.sleep(0.02)

    # ----- server side -----------------------------------------------------------------------

    def _serve_file(self, request: BaseHTTPRequestHandler) -> None:
        prefix = f"/file/bot{TOKEN}/"
        path = unquote(urlparse(request.path).path)
        file_id = path.removeprefix(prefix)
        held = self._held_files.get(file_id)
        if held is not None:
            held.wait(timeout=10)
        content = self.files.get(file_id) if path.startswith(prefix) else None
        if content is None:
            request.send_response(404)
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        request.send_response(200)
        request.send_header("Content-Length", str(len(content)))
        request.end_headers()
        request.wfile.write(content)

    def _serve_method(self, request: BaseHTTPRequestHandler) -> None:
        path = urlparse(request.path).path
        prefix = f"/bot{TOKEN}/"
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length)
        if not path.startswith(prefix):
            self._respond(
                request, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            )
            return
        method = path.removeprefix(prefix)
        params = self._parse_params(request.headers.get("Content-Type", ""), body)
        try:
            self._maybe_fail(method)
            result = self._dispatch(method, params)
        except BotApiError as exc:
            with self._lock:
                self.calls.append(Call(method, params, ok=False, error=exc.description))
            payload: dict[str, Any] = {
                "ok": False,
                "error_code": exc.code,
                "description": exc.description,
            }
            if exc.retry_after is not None:
                payload["parameters"] = {"retry_after": exc.retry_after}
            self._respond(request, exc.code, payload)
            return
        if method != "getUpdates":
            with self._lock:
                self.calls.append(Call(method, params))
        self._respond(request, 200, {"ok": True, "result": result})

    @staticmethod
    def _respond(request: BaseHTTPRequestHandler, code: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        request.send_response(code)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    @staticmethod
    def _parse_params(content_type: str, body: bytes) -> dict[str, Any]:
        raw: dict[str, str] = {}
        if content_type.startswith("multipart/form-data"):
            message = BytesParser(policy=HTTP).parsebytes(
                f"Content-Type: {content_type}\r\n\r\n".encode() + body
            )
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True) or b""
                raw[str(name)] = payload.decode("utf-8", errors="replace")
        elif content_type.startswith("application/json"):
            return json.loads(body or b"{}")
        else:
            raw = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if key in _JSON_FIELDS:
                params[key] = json.loads(value)
            elif key in _INT_FIELDS and re.fullmatch(r"-?\d+", value):
                params[key] = int(value)
            elif value in {"true", "false"}:
                params[key] = value == "true"
            else:
                params[key] = value
        return params

    def _maybe_fail(self, method: str) -> None:
        with self._lock:
            queued = self.failures.get(method)
            if not queued:
                return
            code, retry_after, description = queued.pop(0)
        if description is not None:
            raise BotApiError(code, description)
        if code == 429:
            raise BotApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        if code == 400:
            raise BotApiError(400, "Bad Request: can't parse entities: unsupported start tag")
        raise BotApiError(code, "Internal Server Error")

    def _dispatch(self, method: str, params: dict[str, Any]) -> Any:
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            raise BotApiError(404, "Not Found: method not found")
        return handler(params)

    # ----- Bot API methods ---------------------------------------------------------------------

    def _api_getMe(self, params: dict[str, Any]) -> Any:
        # Three fields Telegram returns only in getMe, as set with @BotFather.
        return {
            **BOT_USER,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": self.inline_mode,
        }

    def _api_deleteWebhook(self, params: dict[str, Any]) -> Any:
        return True

    def _api_setWebhook(self, params: dict[str, Any]) -> Any:
        if not str(params.get("url", "")).startswith("https://"):
            raise BotApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise BotApiError(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = params
        return True

    def _api_setMyCommands(self, params: dict[str, Any]) -> Any:
        for command in params.get("commands", []):
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command["command"]):
                raise BotApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command["description"]) <= 256:
                raise BotApiError(400, "Bad Request: command description is invalid")
        return True

    def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + min(timeout, 2.0)
        with self._lock:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and time.monotonic() < deadline:
                self._lock.wait(deadline - time.monotonic())
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            return list(self._updates)

    def _check_text(self, text: str, parse_mode: str | None) -> str:
        visible = text
        if parse_mode == "HTML":
            try:
                visible = parse_telegram_html(text)
            except ParseError as exc:
                raise BotApiError(400, f"Bad Request: can't parse entities: {exc}") from exc
        elif parse_mode:
            raise BotApiError(400, f"Bad Request: unsupported parse_mode {parse_mode}")
        if not visible.strip():
            raise BotApiError(400, "Bad Request: message text is empty")
        if utf16_length(visible) > 4096:
            raise BotApiError(400, "Bad Request: message is too long")
        return visible

    @staticmethod
    def _check_markup(markup: dict[str, Any] | None) -> None:
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= 64:
                    raise BotApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                url = button.get("url")
                if url is not None and not _VALID_BUTTON_URL.fullmatch(url):
                    raise BotApiError(400, "Bad Request: BUTTON_URL_INVALID")

    def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        self._check_text(params.get("text", ""), params.get("parse_mode"))
        self._check_markup(params.get("reply_markup"))
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group", "title": "g"},
            "from": BOT_USER,
            "text": params["text"],
        }
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        reply = params.get("reply_parameters") or {}
        if reply:
            replied = self.messages.get((chat_id, int(reply["message_id"])))
            if replied is None and not reply.get("allow_sending_without_reply"):
                raise BotApiError(400, "Bad Request: message to be replied not found")
            if replied is not None:
                message["reply_to_message"] = replied
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def _api_editMessageText(self, params: dict[str, Any]) -> Any:
        self._check_text(params.get("text", ""), params.get("parse_mode"))
        self._check_markup(params.get("reply_markup"))
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.messages:
            raise BotApiError(400, "Bad Request: message to edit not found")
        message = self.messages[key]
        message["text"] = params["text"]
        _set_markup(message, params.get("reply_markup"))
        return message

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        self._check_markup(params.get("reply_markup"))
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.messages:
            raise BotApiError(400, "Bad Request: message to edit not found")
        _set_markup(self.messages[key], params.get("reply_markup"))
        return self.messages[key]

    def _answer_once(self, query_id: str) -> None:
        """Telegram accepts one answer per callback or inline query; a second is an error."""
        with self._lock:
            if query_id in self._answered_queries:
                raise BotApiError(
                    400,
                    "Bad Request: query is too old and response timeout expired or query ID "
                    "is invalid",
                )
            self._answered_queries.add(query_id)

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        if utf16_length(params.get("text", "")) > 200:
            raise BotApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self._answer_once(str(params["callback_query_id"]))
        return True

    def _api_sendChatAction(self, params: dict[str, Any]) -> Any:
        return True

    def _api_answerInlineQuery(self, params: dict[str, Any]) -> Any:
        results = params.get("results", [])
        if len(results) > 50:
            raise BotApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        ids = [r["id"] for r in results]
        if len(set(ids)) != len(ids):
            raise BotApiError(400, "Bad Request: RESULT_ID_DUPLICATE")
        if any(not 1 <= len(i.encode()) <= 64 for i in ids):
            raise BotApiError(400, "Bad Request: RESULT_ID_INVALID")
        if len(str(params.get("next_offset", "")).encode()) > 64:
            raise BotApiError(400, "Bad Request: NEXT_OFFSET_INVALID")
        for result in results:
            content = result.get("input_message_content", {})
            self._check_text(content.get("message_text", ""), content.get("parse_mode"))
            self._check_markup(result.get("reply_markup"))
            if not result.get("title"):
                raise BotApiError(400, "Bad Request: RESULT_TITLE_EMPTY")
        self._answer_once(str(params["inline_query_id"]))
        return True

    def _api_getFile(self, params: dict[str, Any]) -> Any:
        file_id = params["file_id"]
        if file_id not in self.files:
            raise BotApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(self.files[file_id]),
            "file_path": file_id,
        }
