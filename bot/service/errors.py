"""Refusals and failures a person sees, each carrying the Arabic sentence to show them.

Every adapter catches :class:`SanadError` and sends ``text`` as it is (freqtrade's
``RPCException`` does this for Telegram and Discord alike), so no platform chooses wording.
"""

from __future__ import annotations

from bot.service import messages


class SanadError(Exception):
    """A request the service refused or could not serve; ``text`` is the reply to send."""

    default = messages.ERROR

    def __init__(self, text: str | None = None) -> None:
        self.text = text if text is not None else self.default
        super().__init__(self.text)


class EmptyQuestion(SanadError):
    """The question has no letter or digit to search for."""

    default = messages.EMPTY_QUESTION


class NotAQuestion(SanadError):
    """Chat text that asks no question (a greeting, «المزيد» typed out, an unknown command):
    ``text`` is the reply in place of an answer, and nothing is searched or counted."""


class RateLimited(SanadError):
    """The sender asked more questions in a minute than the configured limit allows; ``text``
    says how long to wait (:data:`messages.RATE_LIMITED`). ``repeated``: the sender was
    already refused since they last could ask, so a plain message gets no reply this time
    (an interaction must be answered whatever it is)."""

    def __init__(self, text: str, repeated: bool = False) -> None:
        super().__init__(text)
        self.repeated = repeated


def repeated_refusal(exc: SanadError) -> bool:
    """Whether ``exc`` refuses a sender who was already told so: a plain message stays
    unanswered rather than add one more refusal to a burst."""
    return isinstance(exc, RateLimited) and exc.repeated


class PageExpired(SanadError):
    """A paging token or its question cannot be read (a crafted client or a deleted message)."""

    default = messages.PAGE_EXPIRED


class QuestionEdited(SanadError):
    """The question an answer replied to was edited after it: its «المزيد» would page through
    another question (the edited one gets an answer of its own)."""

    default = messages.QUESTION_EDITED


class AlreadyVoted(SanadError):
    """This answer was rated before: one vote per answer."""

    default = messages.FEEDBACK_ALREADY


class NotAdmin(SanadError):
    """An admin command from someone who is not an admin."""

    default = messages.NOT_ADMIN


class PrivateOnly(SanadError):
    """A reply that shows users' questions, asked for outside a private chat."""

    default = messages.PRIVATE_ONLY


class UploadRejected(SanadError):
    """An uploaded article was refused (name, size, encoding, content, or a sources directory
    that cannot take it); ``reason`` says why in English, for the operator's log line."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(text)
        self.reason = reason


class ReloadFailed(SanadError):
    """A reload could not build a new index; the previous one keeps serving."""
