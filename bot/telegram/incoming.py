"""Turning a Telegram update into the service's neutral request: question, sender, chat."""

from __future__ import annotations

import re

from telegram import Chat as TelegramChat
from telegram import Message, Update
from telegram.constants import ChatType

from bot.service.policy import Chat, Sender

PLATFORM = "telegram"
_COMMAND = re.compile(r"^/\w+(@\w+)?\s*")


def question_of(message: Message | None, bot_username: str) -> str:
    """The question a message asks: its text without /ask or a mention of the bot."""
    if message is None or not message.text:
        return ""
    text = _COMMAND.sub("", message.text) if message.text.startswith("/") else message.text
    return text.replace(f"@{bot_username}", " ").strip()


def sender_of(update: Update) -> Sender:
    """The real sender behind an update.

    A message written as a chat (an anonymous group admin, a channel posting into its
    discussion group) carries that chat in ``sender_chat``, while its ``from`` is a bot account
    Telegram shares among all of them (GroupAnonymousBot, Channel_Bot): the chat is the sender,
    so one busy group does not use up every other group's rate limit, and nobody speaking as a
    chat is taken for an admin.
    """
    message = update.message or update.edited_message
    if message is not None and message.sender_chat is not None:
        return Sender(PLATFORM, f"{PLATFORM}:chat:{message.sender_chat.id}")
    user = update.effective_user
    if user is None:
        return Sender(PLATFORM, f"{PLATFORM}:nobody")
    return Sender(PLATFORM, f"{PLATFORM}:{user.id}", user.id)


def chat_of(chat: TelegramChat | None) -> Chat | None:
    """The service's view of a Telegram chat (None for inline queries, which have none)."""
    if chat is None:
        return None
    return Chat(PLATFORM, chat.id, private=chat.type == ChatType.PRIVATE)


def answer_id(message: Message) -> str:
    """A name for an answer message that is unique across chats."""
    return f"{PLATFORM}:{message.chat_id}:{message.message_id}"
