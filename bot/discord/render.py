"""Replies as Discord message payloads (the JSON body Discord receives), within Discord's limits.

An answer is one message: its content holds the question (a small grey line, so paging and
feedback can read it back from the message itself) and the intro sentence; each passage is one
embed whose description is the exact quote with matched terms in bold (a description, unlike a
field, can be selected and copied on phones), whose title is the article's title linked to its
URL (so the URL never sits inside Arabic text) and whose footer names the publisher and the
paragraph. Embeds rather than plain markdown because one message's content holds 2000 code
points, too few for three quotes of a news paragraph each, while its embeds hold 6000 with up to
4096 per quote; and because each quote then sits in its own box with its source under it.

Discord's limits, all counted in code points (discord-api-docs, message.mdx "Create Message" and
"Embed Limits", components/reference.mdx "Button"): content 2000; 10 embeds; embed title 256,
description 4096, footer 2048, and 6000 over all embeds' text; 5 action rows of 5 buttons;
button label 80, custom_id 100, link URL 512. Every payload here is built within them, and
:func:`problems` checks one before it is sent.

Corpus and user text is escaped for Discord markdown, and every payload carries
``allowed_mentions`` that parse nothing, so no quote or question can ping anyone: not
@everyone/@here, a role, a user, nor the author of the message replied to.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

import regex

from bot.bidi import rtl_lines_in_ltr_layout
from bot.service import messages, paging
from bot.service.sanad import ANSWERS_REMEMBERED, AnswerPage
from retrieval.answer import ELLIPSIS, Answer, Passage, Source

Payload = dict[str, Any]

CONTENT_LIMIT = 2000
EMBEDS_LIMIT = 10
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FOOTER_LIMIT = 2048
EMBEDS_TOTAL_LIMIT = 6000
ROWS_LIMIT = 5
ROW_WIDTH = 5
LABEL_LIMIT = 80
CUSTOM_ID_LIMIT = 100
URL_LIMIT = 512

EPHEMERAL = 1 << 6  # message.mdx, Message Flags: only the person who used the command sees it
# allowed_mentions that parse nothing: no user, role, @everyone/@here, nor the replied author.
NO_PINGS: dict[str, list] = {"parse": []}
ROW, BUTTON = 1, 2  # component types
PRIMARY, SECONDARY = 1, 2  # button styles
ANSWER_COLOR = 0x2F80ED
WEAK_COLOR = 0xF2994A  # the nearest passages, not a confident answer

# The first line of every answer: Discord's subtext markdown ("-# ", small grey text), a mark,
# and the question. The question is read back from it when a button is pressed.
QUESTION_PREFIX = "-# "
QUESTION_MARK = "❓"
# Room for the question line in the content; the intro lines take at most a few hundred more.
QUESTION_BUDGET = 1500
# A footer's share: publishers' names are short, and what it leaves goes to the quotes.
SOURCE_BUDGET = 256
# A feedback row, once rated, becomes one disabled button thanking the person.
RATED_ID = f"{paging.FEEDBACK_PREFIX}done"

_DIRECTION_CONTROLS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
# Discord markdown: inline styles, spoilers, code, masked links, and <@…>/<#…>/<t:…> tokens.
_INLINE = re.compile(r"([\\*_~`|<\[\]])")
# Headings, quotes, subtext, lists and numbered lists start a line.
_LINE_MARK = re.compile(r"^([ \t]*)([#>+\-])", re.MULTILINE)
_LINE_NUMBER = re.compile(r"^([ \t]*[0-9]+)\.", re.MULTILINE)
_GRAPHEME = regex.compile(r"\X")
_MARKDOWN = re.compile(r"[\\*_~`|<\[\]]|^[ \t]*(?:[#>+\-]|[0-9]+\.)", re.MULTILINE)
# escape_markdown's escapes, and escape_user_text's ("\:" and "\." in links).
_ESCAPED = re.compile(r"\\([\\*_~`|<\[\]#>+\-.:])")
# Where Discord's client could start a link: "://" after a scheme's letters (it links http
# and https; others cost nothing to cover), and invites and www. addresses without a scheme.
_LINK_COLON = re.compile(r"(?<=[A-Za-z0-9+.\-])://")
_LINK_DOT = re.compile(r"(discord(?:app)?|www)\.", re.IGNORECASE)


def rtl_lines(text: str) -> str:
    """``text`` laid out for Discord, which shows every paragraph left-to-right: each line that
    holds an Arabic letter gets a right-to-left mark at its start and its end, and its
    mixed-direction runs are isolated as whole runs, so it reads right-to-left as one block
    (:func:`bot.bidi.rtl_lines_in_ltr_layout`, which also balances the text's own direction
    controls on every line, so none reaches past the line).

    The only place Discord's line treatment lives. It is applied to finished markdown, and a
    mark the layout puts between a backslash and the character it escapes (an isolate before
    an escaped «#tag») is moved before the backslash, or Discord would show the backslash.
    """
    return _escapes_first(rtl_lines_in_ltr_layout(text))


# Titles, footers and the service's sentences recur in answer after answer: they are laid out
# once. Quotes and questions are not cached: each answer has its own.
_recurring_rtl_lines = functools.lru_cache(maxsize=4096)(rtl_lines)


def _escapes_first(text: str) -> str:
    """``text`` with the direction marks found between an escaping backslash and the character
    it escapes moved before the backslash (every backslash of escaped text starts a pair)."""
    if "\\" not in text:
        return text
    out, i = [], 0
    while i < len(text):
        if text[i] != "\\":
            out.append(text[i])
            i += 1
            continue
        j = i + 1
        while j < len(text) and _DIRECTION_CONTROLS.match(text, j):
            j += 1
        out += [text[i + 1 : j], "\\", text[j : j + 1]]
        i = j + 1
    return "".join(out)


def escape_markdown(text: str) -> str:
    """``text`` shown as written: a backslash before every character Discord reads as markdown
    (Discord drops a backslash before any ASCII punctuation, so the text is unchanged)."""
    if not _MARKDOWN.search(text):  # most Arabic text: nothing to escape
        return text
    text = _INLINE.sub(r"\\\1", text)
    text = _LINE_MARK.sub(r"\1\\\2", text)
    return _LINE_NUMBER.sub(r"\1\\.", text)


def unescape_markdown(text: str) -> str:
    """The inverse of :func:`escape_markdown`."""
    return _ESCAPED.sub(r"\1", text)


def escape_user_text(text: str) -> str:
    """Text a person wrote, shown as written (:func:`escape_markdown`) and without a live
    link: the ``:`` of each ``scheme://`` and the ``.`` of ``discord.gg``, ``discord.com``
    and ``www.`` get a backslash too. Discord's markdown takes a backslash and a punctuation
    character as that character, as text, before it looks for links, so what shows is the
    address as typed, but no link, and no preview is fetched; wrapping it in ``<…>`` would
    only stop the preview, the link stays. Sanad's own message must not carry a link someone
    else typed (a phishing address, an invite). :func:`unescape_markdown` undoes it."""
    escaped = escape_markdown(text)
    if "://" not in escaped and "." not in escaped:
        return escaped
    return _LINK_DOT.sub(r"\1\\.", _LINK_COLON.sub(r"\\://", escaped))


def one_line(text: str) -> str:
    """``text`` with every run of whitespace (line breaks too) as one space."""
    return " ".join(text.split())


# ----- the question line ------------------------------------------------------------------------


def question_line(question: str) -> str:
    """The first line of an answer: the question, small and grey."""
    return QUESTION_PREFIX + rtl_lines(f"{QUESTION_MARK} {escape_user_text(one_line(question))}")


# A question's line is measured before the question is asked (fit_question) and shown in its
# answer, and people ask the same questions again: each is laid out once.
_asked_question_line = functools.lru_cache(maxsize=ANSWERS_REMEMBERED)(question_line)


def fit_question(text: str) -> str:
    """The question as one line, cut at a word if its line would pass :data:`QUESTION_BUDGET`.

    Adapters ask with this text, so the question searched is the question shown, and a
    «المزيد» press that reads it back from the answer pages through the same question.
    """
    question = one_line(text)
    if len(_asked_question_line(question)) <= QUESTION_BUDGET:
        return question
    end = _longest(question, lambda cut: len(question_line(question[:cut])) <= QUESTION_BUDGET)
    return question[:end].rstrip()


def question_of_answer(content: str) -> str | None:
    """The question an answer message was given for, read back from its first line (None when
    the message is not one of our answers)."""
    first = content.split("\n", 1)[0]
    if not first.startswith(QUESTION_PREFIX):
        return None
    text = _DIRECTION_CONTROLS.sub("", first.removeprefix(QUESTION_PREFIX)).strip()
    if not text.startswith(QUESTION_MARK):
        return None
    question = unescape_markdown(text.removeprefix(QUESTION_MARK).strip())
    return question or None


# ----- answers ----------------------------------------------------------------------------------


def answer_payload(page: AnswerPage, *, trimmed: bool = False, ephemeral: bool = False) -> Payload:
    """One page of an answer: question and intro in the content, one embed per passage, and
    the «المزيد» and 👍/👎 buttons.

    A question asked again gets the service's remembered answer, rendered once: the payload's
    parts are shared between the replies that send it, and none of them changes it.
    """
    return dict(_answer_payload(page, trimmed, ephemeral))


@functools.lru_cache(maxsize=ANSWERS_REMEMBERED)
def _answer_payload(page: AnswerPage, trimmed: bool, ephemeral: bool) -> Payload:
    answer = page.answer
    lines = [_asked_question_line(answer.question)]
    if trimmed:
        lines.append(_sentence(messages.QUESTION_TRIMMED))
    lines.append(_sentence(messages.reply_intro(answer)))
    payload: Payload = {"content": "\n".join(lines)}
    if answer.passages:
        payload["embeds"] = passage_embeds(answer)
        payload["components"] = answer_components(page.next_offset)
    return _finish(payload, ephemeral)


def passage_embeds(answer: Answer) -> list[Payload]:
    """One embed per passage, sharing the 6000 code points of all embeds between the quotes."""
    color = WEAK_COLOR if answer.weak else ANSWER_COLOR
    embeds = [_source_embed(p.source, color) for p in answer.passages[:EMBEDS_LIMIT]]
    room = EMBEDS_TOTAL_LIMIT - sum(_embed_size(e) for e in embeds)
    for left, (embed, passage) in enumerate(zip(embeds, answer.passages, strict=False)):
        budget = min(DESCRIPTION_LIMIT, room // (len(embeds) - left))
        embed["description"] = quote(passage, budget)
        room -= len(embed["description"])
    return embeds


def _source_embed(source: Source, color: int) -> Payload:
    """An embed without its quote: the article's title (linked) and the footer."""
    embed: Payload = {"title": _fitted_field(source.title, TITLE_LIMIT, escape=True)}
    url = link_url(source.url)
    if url is not None:
        embed["url"] = url
    embed["footer"] = {"text": _fitted_field(footer_text(source), SOURCE_BUDGET)}
    embed["color"] = color
    return embed


def footer_text(source: Source) -> str:
    """Publisher (or «الكاتب: author») — paragraph n of m. A footer shows no markdown, so it
    is plain."""
    parts = []
    if source.publisher:
        parts.append(source.publisher)
    elif source.author:  # labelled, as in the console: a bare name could be a publisher's
        parts.append(f"{messages.AUTHOR}: {source.author}")
    parts.append(messages.paragraph_label(source))
    return " — ".join(one_line(p) for p in parts)


def link_url(url: str | None) -> str | None:
    """``url`` when Discord accepts it as a link: http(s), no spaces, at most 512 characters."""
    if url and re.fullmatch(r"https?://[^\s<>\"\x00-\x1f\x7f]+", url) and len(url) <= URL_LIMIT:
        return url
    return None


def quote(passage: Passage, budget: int) -> str:
    """The excerpt in markdown, matched terms bold, cut at a word so it fits ``budget``."""
    start, end = passage.excerpt.start, passage.excerpt.end
    return _fit(passage.text[start:end], lambda n: _quote_markdown(passage, start + n), budget)


def _quote_markdown(passage: Passage, end: int) -> str:
    pieces: list[tuple[str, bool]] = []
    for text, marked in passage.marked_pieces(end):
        if pieces and pieces[-1][1] and marked:  # two bold runs side by side: one run
            pieces[-1] = (pieces[-1][0] + text, True)
        else:
            pieces.append((text, marked))
    body = "".join(
        f"**{escape_markdown(text)}**" if marked and text.strip() else escape_markdown(text)
        for text, marked in pieces
    )
    if passage.trimmed_start:
        body = ELLIPSIS + body
    if end < len(passage.text):
        body += ELLIPSIS
    return rtl_lines(body)


def answer_components(next_offset: int | None, rated: bool = False) -> list[Payload]:
    """«المزيد» when there is a next page, then 👍/👎 (or, once rated, a disabled thank-you).

    Stateless: a custom_id carries only the action and the offset (:mod:`bot.service.paging`).
    """
    buttons = []
    if next_offset is not None:
        buttons.append(_button(messages.MORE_BUTTON, paging.more_token(next_offset), PRIMARY))
    if rated:
        buttons.append(_button(messages.FEEDBACK_THANKS, RATED_ID, disabled=True))
    else:
        buttons.append(_button(messages.HELPFUL_BUTTON, paging.feedback_token(True)))
        buttons.append(_button(messages.UNHELPFUL_BUTTON, paging.feedback_token(False)))
    return [{"type": ROW, "components": buttons}]


def rated_payload(next_offset: int | None) -> Payload:
    """The edit of an answer just rated: its feedback buttons become one disabled thank-you,
    so nobody rates it again (content and embeds stay as they are)."""
    return _finish({"components": answer_components(next_offset, rated=True)}, ephemeral=False)


def _button(label: str, custom_id: str, style: int = SECONDARY, disabled: bool = False) -> Payload:
    return {
        "type": BUTTON,
        "style": style,
        "disabled": disabled,
        "label": label[:LABEL_LIMIT],
        "custom_id": custom_id[:CUSTOM_ID_LIMIT],
    }


# ----- sentences and lists ----------------------------------------------------------------------


def text_payload(text: str, *, ephemeral: bool = False) -> Payload:
    """A sentence or a list (admin replies, refusals) line by line; a list too long for one
    message keeps its first lines and says how many were left out."""
    lines = [_fitted_line(line, CONTENT_LIMIT // 2) for line in text.split("\n")]
    kept = lines
    if len("\n".join(lines)) > CONTENT_LIMIT:
        kept = []
        for line in lines:
            left = _sentence(messages.LIST_CUT.format(count=len(lines) - len(kept)))
            if len("\n".join([*kept, line, left])) > CONTENT_LIMIT:
                break
            kept.append(line)
        kept.append(_sentence(messages.LIST_CUT.format(count=len(lines) - len(kept))))
    content = "\n".join(kept)
    # Discord refuses an empty message; a text of invisible controls alone would be one.
    return _finish({"content": content if content.strip() else ELLIPSIS}, ephemeral)


def _sentence(text: str) -> str:
    """A line of a service reply; it may hold people's questions (/gaps), so no live link."""
    return _recurring_rtl_lines(escape_user_text(text))


def _fitted_line(text: str, limit: int) -> str:
    """One line of a sentence, cut at a word (with an ellipsis) to ``limit`` code points."""
    return _fit(text, lambda n: _sentence(text[:n] + (ELLIPSIS if n < len(text) else "")), limit)


def _fitted_field(text: str, limit: int, escape: bool = False) -> str:
    """A one-line embed field (title, footer) cut at a word to ``limit`` code points."""
    text = one_line(text)

    def shown(n: int) -> str:
        part = text[:n] + (ELLIPSIS if n < len(text) else "")
        return _recurring_rtl_lines(escape_markdown(part) if escape else part)

    return _fit(text, shown, limit)


def _finish(payload: Payload, ephemeral: bool) -> Payload:
    payload["allowed_mentions"] = NO_PINGS
    if ephemeral:
        payload["flags"] = EPHEMERAL
    return payload


def _fit(text: str, shown: Callable[[int], str], limit: int) -> str:
    """``shown(n)`` for the whole of ``text`` if it fits ``limit`` code points (the usual case,
    rendered once), else for the longest prefix that does, cut before a space if one is near."""
    whole = shown(len(text))
    if len(whole) <= limit:
        return whole
    return shown(_longest(text, lambda n: len(shown(n)) <= limit))


def _longest(text: str, fits: Callable[[int], bool]) -> int:
    """The longest prefix length of ``text`` that ``fits``, ending between two grapheme
    clusters (UAX #29: never inside an emoji sequence, nor between a letter and its marks),
    before a space if one is near (``fits`` grows no looser as the prefix grows: a longer
    text renders no shorter; the whole text is known not to fit)."""
    ends = [0, *(match.end() for match in _GRAPHEME.finditer(text))]
    lo, hi = 0, len(ends) - 1  # fits(ends[lo]) is assumed, fits(ends[hi]) is false
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(ends[mid]) else (lo, mid)
    cut = ends[lo]
    space = text.rfind(" ", 0, cut + 1)
    return space if space > cut // 2 and fits(space) else cut


# ----- checks -----------------------------------------------------------------------------------


def _embed_size(embed: Payload) -> int:
    """What Discord counts of an embed toward the 6000 of a message."""
    footer = (embed.get("footer") or {}).get("text") or ""
    return sum(len(embed.get(key) or "") for key in ("title", "description")) + len(footer)


def problems(payload: Payload) -> list[str]:
    """Every way ``payload`` breaks Discord's limits or could ping someone (empty: none)."""
    found = []
    content = payload.get("content")
    if content is not None and len(content) > CONTENT_LIMIT:
        found.append(f"content has {len(content)} code points")
    embeds: Sequence[Payload] = payload.get("embeds") or []
    if len(embeds) > EMBEDS_LIMIT:
        found.append(f"{len(embeds)} embeds")
    for i, embed in enumerate(embeds):
        for key, limit in (("title", TITLE_LIMIT), ("description", DESCRIPTION_LIMIT)):
            if len(embed.get(key) or "") > limit:
                found.append(f"embed {i} {key} over {limit}")
        if len((embed.get("footer") or {}).get("text") or "") > FOOTER_LIMIT:
            found.append(f"embed {i} footer over {FOOTER_LIMIT}")
        if "url" in embed and link_url(embed["url"]) is None:
            found.append(f"embed {i} url is not a link Discord takes")
    if sum(_embed_size(e) for e in embeds) > EMBEDS_TOTAL_LIMIT:
        found.append(f"embeds over {EMBEDS_TOTAL_LIMIT}")
    rows: Sequence[Payload] = payload.get("components") or []
    if len(rows) > ROWS_LIMIT:
        found.append(f"{len(rows)} action rows")
    ids = []
    for row in rows:
        buttons = row.get("components") or []
        if not 1 <= len(buttons) <= ROW_WIDTH:
            found.append(f"a row of {len(buttons)} buttons")
        for button in buttons:
            if len(button.get("label") or "") > LABEL_LIMIT:
                found.append(f"button label over {LABEL_LIMIT}")
            if "custom_id" in button:
                ids.append(button["custom_id"])
                if not 1 <= len(button["custom_id"]) <= CUSTOM_ID_LIMIT:
                    found.append(f"custom_id of {len(button['custom_id'])} characters")
    if len(ids) != len(set(ids)):
        found.append("duplicate custom_id")
    if payload.get("allowed_mentions") != NO_PINGS:
        found.append("allowed_mentions could ping")
    if not (content or "").strip() and not embeds and "components" not in payload:
        found.append("empty message")
    return found
