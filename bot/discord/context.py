"""What every Discord handler needs: the chat service and the way back to Discord."""

from __future__ import annotations

from dataclasses import dataclass

import hikari

from bot.service.sanad import Sanad


@dataclass
class Context:
    """The running bot as handlers see it, in gateway and in HTTP-interactions mode alike.

    ``user_id`` is the bot's own user id (set when the gateway is ready; 0 in HTTP mode, which
    receives no messages). Nothing here belongs to one conversation: a button press is served
    from the message it is on, so any replica serves any press.
    """

    service: Sanad
    rest: hikari.api.RESTClient
    entity_factory: hikari.api.EntityFactory
    user_id: int = 0

    @property
    def defer_after(self) -> float:
        """Seconds an interaction's answer may take before "thinking…" is sent instead."""
        return self.service.settings.discord_defer_after_ms / 1000

    @property
    def typing_after(self) -> float:
        """Seconds a message's answer may take before "typing…" is shown."""
        return self.service.settings.typing_after_ms / 1000
