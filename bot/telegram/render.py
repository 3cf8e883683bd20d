"""Answers as Telegram HTML, inside Telegram's limits.

Telegram accepts a small HTML subset and counts 4096 characters *after* entity parsing (in UTF-16
code units), so the message is built from escaped pieces whose visible length is tracked, never
by cutting finished HTML (a cut could land inside a tag or an entity). Corpus and user text is
always escaped; Latin runs are wrapped in isolates so the lines keep their right-to-left order.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.bidi import RLM, isolate_ltr_runs
from bot.service import messages, paging
from bot.service.sanad import AnswerPage, Welcome
from retrieval.answer import ELLIPSIS, Answer, Passage, Source

MESSAGE_LIMIT = 4096
# Room kept for the intro line and separators when budgeting passages.
_RESERVE = 200
# Longer quotes start collapsed (expandable blockquote) so three passages fit on one screen.
EXPANDABLE_OVER = 300
_TAG = re.compile(r"<[^>]+>")


def utf16_length(text: str) -> int:
    """Length as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message as HTML plus its visible length (what Telegram limits)."""

    html: str
    visible: int


def escape(text: str) -> str:
    """Escape corpus or user text for Telegram HTML, isolating Latin runs first."""
    return html.escape(isolate_ltr_runs(text), quote=False)


def plain_text(markup: str) -> str:
    """The visible text of our own HTML, for the plain-text fallback."""
    return html.unescape(_TAG.sub("", markup))


def _quote_body(passage: Passage, budget: int) -> str:
    """The excerpt with bold highlights, shortened at a word boundary to ``budget`` if needed."""
    start, end = passage.excerpt.start, passage.excerpt.end
    trimmed_end = passage.trimmed_end
    if end - start > budget:
        cut = passage.text.rfind(" ", start, start + budget)
        end = cut if cut > start else start + budget
        trimmed_end = True
    body = "".join(
        f"<b>{escape(text)}</b>" if marked else escape(text)
        for text, marked in passage.marked_pieces(end)
    )
    if passage.trimmed_start:
        body = ELLIPSIS + body
    if trimmed_end:
        body += ELLIPSIS
    return body


def source_html(source: Source) -> str:
    """Title — publisher — ¶n, with the title linked when the article has a URL."""
    title = escape(source.title)
    if source.url:
        title = f'<a href="{html.escape(source.url, quote=True)}">{title}</a>'
    parts = [title]
    if source.publisher:
        parts.append(escape(source.publisher))
    elif source.author:
        parts.append(escape(source.author))
    parts.append(escape(messages.PARAGRAPH.format(n=source.paragraph, m=source.paragraph_total)))
    return RLM + "📄 " + " — ".join(parts)


def passage_html(passage: Passage, budget: int = 1200) -> Rendered:
    """One quoted passage and its source line."""
    body = _quote_body(passage, budget)
    tag = (
        "blockquote expandable"
        if utf16_length(plain_text(body)) > EXPANDABLE_OVER
        else "blockquote"
    )
    markup = f"<{tag}>{RLM}{body}</blockquote>\n{source_html(passage.source)}"
    return Rendered(markup, utf16_length(plain_text(markup)))


def answer_html(answer: Answer, trimmed_question: bool = False) -> str:
    """The whole reply to a question, always within Telegram's 4096-character limit."""
    intro = messages.reply_intro(answer)
    if not answer.passages:
        return escape(intro)
    if trimmed_question:
        intro = f"{messages.QUESTION_TRIMMED}\n{intro}"
    parts = [f"{RLM}{escape(intro)}"]
    room = MESSAGE_LIMIT - _RESERVE
    per_passage = room // len(answer.passages)
    used = utf16_length(plain_text(parts[0]))
    for passage in answer.passages:
        rendered = passage_html(passage, budget=max(200, per_passage - 150))
        if used + rendered.visible + 2 > MESSAGE_LIMIT:
            break
        parts.append(rendered.html)
        used += rendered.visible + 2
    return "\n\n".join(parts)


def inline_description(passage: Passage, limit: int = 120) -> str:
    """A short plain excerpt for an inline result's description line."""
    text = passage.excerpt_text
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def answer_keyboard(page: AnswerPage) -> InlineKeyboardMarkup | None:
    """المزيد (next page) and the source link, then the two feedback buttons."""
    answer = page.answer
    if not answer.found or not answer.passages:
        return None
    first_row = []
    if page.next_offset is not None:
        first_row.append(
            InlineKeyboardButton(
                messages.MORE_BUTTON, callback_data=paging.more_token(page.next_offset)
            )
        )
    url = answer.passages[0].source.url
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
    titles = "\n".join(f"• {escape(title)}" for title in welcome.titles)
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
