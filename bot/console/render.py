"""The answer as a person reads it in a terminal: quoted passages, highlights, source lines.

Text stays in logical order (so it copies and pipes correctly); each line starts with a
right-to-left mark and Latin runs are isolated, which is what bidi-aware terminals need to show
Arabic right-to-left. Highlights are bold on a terminal; piped output quotes the text exactly as
the source has it, since marks added inside a quote (Arabic news uses «» itself) would put
punctuation in the source's mouth.
"""

from __future__ import annotations

from bot.bidi import display_field, display_quote_pieces, rtl_line
from bot.service import messages
from retrieval.answer import ELLIPSIS, Answer, Passage, Source

BOLD = "\033[1m"
DIM = "\033[2m"
RESET = "\033[0m"


def _highlighted(passage: Passage, ansi: bool) -> str:
    """The excerpt with its matched terms marked."""
    body = "".join(
        f"{BOLD}{text}{RESET}" if marked and ansi else text
        for text, marked in display_quote_pieces(passage.marked_pieces())
    )
    return (
        (ELLIPSIS if passage.trimmed_start else "")
        + body
        + (ELLIPSIS if passage.trimmed_end else "")
    )


def source_line(source: Source) -> str:
    """Title — publisher — paragraph n of m (file), and the URL when known."""
    parts = [display_field(source.title)]
    if source.publisher:
        parts.append(display_field(source.publisher))
    if source.author:
        parts.append(f"{messages.AUTHOR}: {display_field(source.author)}")
    parts.append(messages.paragraph_label(source))
    parts.append(display_field(source.file))
    if source.url:
        parts.append(display_field(source.url))
    return " — ".join(parts)


def render_answer(answer: Answer, ansi: bool = False, trimmed_question: bool = False) -> str:
    """The whole reply for ``sanad ask`` and ``sanad chat``; it says first when the question
    was cut to ``max_question_chars`` (``trimmed_question``)."""
    intro = messages.reply_intro(answer, no_answer=messages.NO_ANSWER_CONSOLE)
    if trimmed_question:
        intro = f"{messages.QUESTION_TRIMMED}\n{intro}"
    if not answer.passages:
        return rtl_line(intro)
    lines = [rtl_line(intro), ""]
    for rank, passage in enumerate(answer.passages, start=answer.offset + 1):
        quote = _highlighted(passage, ansi)
        lines.append(rtl_line(f"{rank}. «{quote}»"))
        source = source_line(passage.source)
        lines.append(rtl_line(f"   — {DIM}{source}{RESET}" if ansi else f"   — {source}"))
        lines.append("")
    if answer.has_more:
        left = answer.total - answer.offset - len(answer.passages)
        lines.append(rtl_line(messages.MORE_LEFT.format(count=left)))
    return "\n".join(lines).rstrip()
