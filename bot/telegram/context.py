"""What the Telegram application keeps between updates, typed for handlers (``context.bot_data``).

The chat service, and which chats outside the allow-list were logged already. Nothing
Telegram-specific is needed to page an answer or read feedback (callback data and the
replied-to message carry that), so any replica serves any button press.
"""

from __future__ import annotations

from cachetools import LRUCache
from telegram.ext import CallbackContext, ExtBot

from bot.service.sanad import Sanad
from bot.telegram.albums import Albums


class BotState:
    """The services of one running bot; ``build_application`` fills it before it starts."""

    service: Sanad
    # Chats (and inline askers) outside ``allowed_chat_ids`` already logged, by name.
    dropped: LRUCache[str, bool]
    # Albums of article files being received from admins.
    albums: Albums


Context = CallbackContext[ExtBot[None], dict, dict, BotState]
