"""Everything Sanad sends on Telegram, rendered inside Telegram's limits.

Telegram counts a message's length *after* entity parsing, in UTF-16 code units: 4096 for a
message (https://core.telegram.org/bots/api#sendmessage), 200 for a callback answer. Messages
are built from escaped pieces whose visible length is measured, never by cutting finished HTML
(a cut could land inside a tag or an entity); text is cut between grapheme clusters
(:mod:`bot.fitting`). Corpus and user text is always escaped; Latin runs are isolated so lines
keep their right-to-left order. A passage that does not fit is shortened, never dropped: the
page a "more" button continues from must be the page that was shown.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import fitting
from bot.bidi import RLM, display_field, display_quote_pieces, isolate_ltr_runs, rtl_line
from bot.fitting import utf16_length
from bot.service import messages, paging
from bot.service.sanad import ANSWERS_REMEMBERED, AnswerPage, Listing, Welcome
from retrieval.answer import ELLIPSIS, Answer, Passage, Source

MESSAGE_LIMIT = 4096
CALLBACK_ANSWER_LIMIT = 200
# Telegram documents no limit for inline result titles and descriptions; clients show one and
# two lines of them, so longer text is only noise (and a 5 000-character title must not make
# the whole answer fail).
INLINE_TITLE_UNITS = 100
INLINE_DESCRIPTION_UNITS = 120
# Parts of a source line, so that a passage's quote always has most of its room.
TITLE_UNITS = 150
PUBLISHER_UNITS = 80
WELCOME_TITLE_UNITS = 100
# The longest quote of one passage, when the page leaves more room than this.
QUOTE_UNITS = 1200
# Longer quotes start collapsed (expandable blockquote) so three passages fit on one screen.
EXPANDABLE_OVER = 300
# A list longer than this many messages ends with a note of how many lines were left out.
LIST_MESSAGES = 5
_TAG = re.compile(r"<[^>]+>")
_SAFE_URL = re.compile(r"https?://[^\s/?#]+[^\s]*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message as HTML plus its visible length (what Telegram limits)."""

    html: str
    visible: int


def visible_length(markup: str) -> int:
    """The length Telegram counts for our own HTML: its text, in UTF-16 units."""
    return utf16_length(plain_text(markup))


def escape(text: str) -> str:
    """Escape corpus or user text for Telegram HTML, isolating Latin runs first."""
    return html.escape(isolate_ltr_runs(text), quote=False)


def _escape_shown(text: str) -> str:
    """Escape text that :mod:`bot.bidi` has already made ready for display."""
    return html.escape(text, quote=False)


def plain_text(markup: str) -> str:
    """The visible text of our own HTML, for the plain-text fallback."""
    return html.unescape(_TAG.sub("", markup))


def link_url(url: str | None) -> str | None:
    """``url`` if Telegram can open it as a link or button (http or https), else None."""
    return url if url and _SAFE_URL.fullmatch(url) else None


def _quote_body(passage: Passage, budget: int) -> str:
    """The excerpt with bold highlights, shortened to ``budget`` UTF-16 units if needed."""
    start, end = passage.excerpt.start, passage.excerpt.end
    trimmed_end = passage.trimmed_end
    if utf16_length(passage.text[start:end]) > budget:
        end = start + fitting.cut_index(passage.text[start:end], max(budget, 1))
        trimmed_end = True
    body = "".join(
        f"<b>{_escape_shown(text)}</b>" if marked else _escape_shown(text)
        for text, marked in display_quote_pieces(passage.marked_pieces(end))
    )
    if passage.trimmed_start:
        body = ELLIPSIS + body
    if trimmed_end:
        body += ELLIPSIS
    return body


def _fitted(text: str, units: int) -> str:
    """An article field (title, publisher) escaped for HTML inside its own isolate, so no
    direction control in it reaches the rest of the line, shortened to ``units`` visible."""
    budget = units
    while True:
        markup = _escape_shown(display_field(fitting.shorten(text, budget)))
        overflow = visible_length(markup) - units
        if overflow <= 0 or budget <= 1:
            return markup
        budget -= overflow  # isolates added around Latin runs count too


def source_html(source: Source) -> str:
    """Title — publisher — ¶n, with the title linked when the article has a usable URL."""
    title = _fitted(source.title, TITLE_UNITS)
    url = link_url(source.url)
    if url:
        title = f'<a href="{html.escape(url, quote=True)}">{title}</a>'
    parts = [title]
    if source.publisher:
        parts.append(_fitted(source.publisher, PUBLISHER_UNITS))
    elif source.author:  # labelled, as in the console: a bare name could be a publisher's
        parts.append(f"{escape(messages.AUTHOR)}: {_fitted(source.author, PUBLISHER_UNITS)}")
    parts.append(escape(messages.paragraph_label(source)))
    return RLM + "📄 " + " — ".join(parts)


def passage_html(passage: Passage, room: int = MESSAGE_LIMIT) -> Rendered:
    """One quoted passage and its source line, within ``room`` visible UTF-16 units."""
    source = source_html(passage.source)
    budget = min(QUOTE_UNITS, room - visible_length(source) - 4)
    while True:
        body = _quote_body(passage, budget)
        tag = "blockquote expandable" if visible_length(body) > EXPANDABLE_OVER else "blockquote"
        markup = f"<{tag}>{RLM}{body}</blockquote>\n{source}"
        visible = visible_length(markup)
        if visible <= room or budget <= 1:
            return Rendered(markup, visible)
        budget -= visible - room  # ellipses and isolates took the difference


# A question asked again gets the service's remembered answer, rendered once (answers and pages
# are immutable values, and so are the HTML and the keyboard made of them).
@functools.lru_cache(maxsize=ANSWERS_REMEMBERED)
def answer_html(answer: Answer, trimmed_question: bool = False) -> str:
    """The whole reply to a question: every passage of the page, within 4096 units."""
    intro = messages.reply_intro(answer)
    if trimmed_question:  # with or without passages: the person should know what was searched
        intro = f"{messages.QUESTION_TRIMMED}\n{intro}"
    if not answer.passages:
        return escape(intro)
    parts = [f"{RLM}{escape(intro)}"]
    room = MESSAGE_LIMIT - visible_length(parts[0])
    for index, passage in enumerate(answer.passages):
        share = (room - 2 * (len(answer.passages) - index)) // (len(answer.passages) - index)
        rendered = passage_html(passage, room=share)
        parts.append(rendered.html)
        room -= rendered.visible + 2  # and the blank line before it
    return "\n\n".join(parts)


def inline_title(passage: Passage) -> str:
    """An inline result's title: the article title, shortened to one line's worth, inside its
    own isolate (a direction control in a title must not reorder the results list)."""
    return display_field(fitting.shorten(passage.source.title, INLINE_TITLE_UNITS) or ELLIPSIS)


def inline_description(passage: Passage, limit: int = INLINE_DESCRIPTION_UNITS) -> str:
    """A short plain excerpt for an inline result's description line, inside its own isolate."""
    return display_field(fitting.shorten(passage.excerpt_text, limit - 2))


def plain_messages(text: str) -> list[str]:
    """A plain-text reply as messages within Telegram's limit (split after lines)."""
    return fitting.split(text, MESSAGE_LIMIT)


def listing_messages(listing: Listing) -> list[str]:
    """A list reply as at most :data:`LIST_MESSAGES` messages, each within the limit, every
    line led right-to-left (a file name or a Latin title first would set it left-to-right)."""
    parts = plain_messages("\n".join(rtl_line(line) for line in listing.lines))
    if len(parts) <= LIST_MESSAGES:
        return parts
    shown = parts[:LIST_MESSAGES]
    left = sum(part.count("\n") for part in parts[LIST_MESSAGES:]) + 1
    note = "\n" + messages.LIST_CUT.format(count=left)
    shown[-1] = fitting.shorten(shown[-1], MESSAGE_LIMIT - utf16_length(note)) + note
    return shown


def callback_text(text: str) -> str:
    """Text for a callback answer (a toast or alert), within Telegram's 200 units."""
    return fitting.shorten(text, CALLBACK_ANSWER_LIMIT)


@functools.lru_cache(maxsize=ANSWERS_REMEMBERED)
def answer_keyboard(page: AnswerPage) -> InlineKeyboardMarkup | None:
    """المزيد (next page) and the source link, then the two feedback buttons."""
    answer = page.answer
    if not answer.found or not answer.passages:
        return None
    first_row = []
    if page.next_offset is not None:
        first_row.append(
            InlineKeyboardButton(
                messages.MORE_BUTTON,
                # With the question: Telegram lets its asker edit it under the answer.
                callback_data=paging.more_token(page.next_offset, page.question),
            )
        )
    url = link_url(answer.passages[0].source.url)
    if url:
        first_row.append(InlineKeyboardButton(messages.SOURCE_BUTTON, url=url))
    feedback = [
        InlineKeyboardButton(messages.HELPFUL_BUTTON, callback_data=paging.feedback_token(True)),
        InlineKeyboardButton(
            messages.UNHELPFUL_BUTTON, callback_data=paging.feedback_token(False)
        ),
    ]
    return InlineKeyboardMarkup([row for row in (first_row, feedback) if row])


def welcome_html(welcome: Welcome, group: bool) -> str:
    """The /start message: who Sanad is, what it knows, and (in groups) how to ask there."""
    # Led by a mark: a bullet and an isolated title hold no strong letter for P2 to find.
    titles = "\n".join(
        f"{RLM}• {_fitted(title, WELCOME_TITLE_UNITS)}" for title in welcome.titles
    )
    text = messages.START.format(
        name=f"<b>{messages.NAME}</b>",
        articles=welcome.articles,
        paragraphs=welcome.paragraphs,
        titles=titles,
    )
    if group:
        text += "\n\n" + escape(messages.START_GROUP_HINT)
    return text


def welcome_keyboard(welcome: Welcome) -> InlineKeyboardMarkup:
    """Example questions that open inline mode, and a button to search from any chat."""
    rows = [
        [InlineKeyboardButton(q, switch_inline_query_current_chat=q)] for q in welcome.examples
    ]
    rows.append(
        [InlineKeyboardButton(messages.INLINE_BUTTON, switch_inline_query_current_chat="")]
    )
    return InlineKeyboardMarkup(rows)
