"""Turning a Discord message or interaction into the service's neutral request."""

from __future__ import annotations

import re

import hikari

from bot.service.policy import Chat, Sender

PLATFORM = "discord"
# <@id> and <@!id> (users), <@&id> (roles), <#id> (channels), <:name:id> and <a:name:id>
# (custom emoji): markup, not words; their long ids would be searched as numbers.
_MARKUP = re.compile(r"<(?:@[!&]?|#)[0-9]+>|<a?:\w+:[0-9]+>")


def question_of(text: str | None) -> str:
    """The question a message asks: its text without mentions, channel links or custom emoji."""
    return " ".join(_MARKUP.sub(" ", text or "").split())


def sender_of(user: hikari.PartialUser) -> Sender:
    """The person behind a message or an interaction (a Discord user id names one person)."""
    return Sender(PLATFORM, f"{PLATFORM}:{user.id}", int(user.id))


def chat_of(channel_id: hikari.Snowflakeish, guild_id: hikari.Snowflakeish | None) -> Chat:
    """A DM is a private chat; a guild channel is shared."""
    return Chat(PLATFORM, int(channel_id), private=guild_id is None)


def requester(
    interaction: hikari.CommandInteraction | hikari.ComponentInteraction,
) -> tuple[Sender, Chat]:
    """The sender and chat of a command or a button press."""
    return sender_of(interaction.user), chat_of(interaction.channel_id, interaction.guild_id)


def answer_id(channel_id: hikari.Snowflakeish, message_id: hikari.Snowflakeish) -> str:
    """A name for an answer message that is unique across channels, for one vote per answer."""
    return f"{PLATFORM}:{int(channel_id)}:{int(message_id)}"
