"""Mixed Arabic/Latin text that reads right on every platform, with as few invisible marks as
the Unicode Bidirectional Algorithm (UAX #9) needs, and that no article can use to spoof us.

Where text sits:
- A **line** (UAX #9 paragraph) ends at a paragraph separator (``\\n``, ``\\r``, U+2029 …); the
  algorithm lays each one out on its own, and all embeddings and isolates end with it.
- A line of ours starts with a right-to-left mark (``rtl_line``, Telegram's ``RLM + …``), so
  it is a right-to-left paragraph whatever its first word is. Discord lays every paragraph out
  left-to-right (``rtl_lines_in_ltr_layout``).

A **mixed-direction run** is a stretch of one line that starts and ends with a strong
left-to-right letter (Latin, Cyrillic, …) or a European digit 0-9 and holds at least one such
letter; between those it may hold spaces and any neutral punctuation except the Arabic comma,
the Arabic percent sign and «», which belong to the Arabic sentence around them. So «S&P 500»,
«Sam Altman, OpenAI», «Nvidia H100 GPUs», «GPT-4 Turbo» and URLs are each ONE run. Digits
glued to the first letter (5G, 3.5G) belong to it; a number a space before it does not (it is
an Arabic number). A run also takes a glued leading «/», «@» or «#» (/sources, @user, #tag),
glued trailing «+», «#», «/» (C++, C#, x.org/), a percent or other unit sign glued after a digit
(17%), a closing bracket whose opening one is inside it (f(x)), and an opening bracket just
before it whose closing one is inside it ((Sam) Altman). An Arabic proclitic glued to a Latin
word (وMicrosoft, لـDeepSeek) stays outside the run, where the algorithm puts it on the right.

When a run needs an isolate (LRI … PDI) in a right-to-left line. Without one, UAX #9 already
shows a run as one left-to-right block: its neutrals sit between left-to-right letters or
European numbers (N1, W7), and the punctuation around it takes the line's direction. A run
needs the isolate only when one of these holds (W2, W7, N1, P2 are UAX #9 rules):
1. It starts with a neutral («/», «@», «#», or the «(» of «(Sam) Altman»), which would take the
   Arabic side (N1): /sources would show as sources/.
2. It ends with «+», «#» or «/», which would too: C++ would show as ++C.
3. The first character after it that is not a neutral (skipping isolated text) is a
   left-to-right letter or a European digit: the Arabic punctuation between would turn
   left-to-right and join the two (N1), and the digits would count as Latin (W2, W7):
   «Nvidia، 17» would show as one Latin block.
4. Only where no right-to-left mark leads the line (``isolate_ltr_runs``): no right-to-left
   letter precedes it on its line, so it would set the whole line's direction (P2).
5. It starts with a number that a neutral parts from its first letter (000_af81.txt, 2023-GPT):
   W7 turns digits left-to-right only after a left-to-right letter, so N1 counts these as
   right-to-left and the neutral takes the Arabic side: 000_af81.txt would show as af81.txt_000.
   Signs that W4 and W5 make part of the number (3.5G, 17%) do not part it.
Everything else gets no mark at all: digits inside Arabic (انخفض 17%, 2023-2025, ١٧٪), Latin
words and names between Arabic words, brackets and «» around them. Each later line of a
multi-line text gets a right-to-left mark unless its first strong character is right-to-left.
So a quote without left-to-right letters or direction controls comes out exactly as its source
has it, and one with Latin runs does too unless rule 1, 2 or 3 holds for one of them.

Left as UAX #9 has it: a number range at the very start of a line («2023-2025 شهدت») shows
left-to-right (2023 on the left), because W2 takes only an Arabic letter, not the leading
right-to-left mark, as Arabic context; after an Arabic word it shows 2025-2023, read 2023 first.

What a field or quote may not do. Direction controls in articles are the article's own
business inside their field, never outside it (no spoofed source lines):
- Embeddings/overrides (LRE RLE LRO RLO) and isolates (LRI RLI FSI) still open at the end of a
  line are closed there (PDF, PDI); a PDF or PDI that closes nothing opened in the same text is
  dropped; openers nested deeper than 50 are dropped with their closers (UAX #9 stops at 125
  levels, and overflow changes how later closers match).
- ``display_field`` also turns paragraph and segment separators and other control characters
  (tab, newline, ESC, which a terminal obeys) into spaces and wraps the field in an isolate, so
  neither its strong letters nor its marks (LRM, RLM, ALM) nor its numbers reach the text
  around it (W2, N1 and P2 skip isolates).
- Quotes are not wrapped, so they copy exactly. Once balanced, a quote can only change how the
  neutrals right next to it resolve, and in our lines those (the «1. «» before it, the «»»
  after it) take the right-to-left side whatever the quote starts or ends with; each of its own
  line breaks starts a line that is led right-to-left as above.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeVar

RLM = "\u200f"
LRM = "\u200e"
ALM = "\u061c"
LRE = "\u202a"
RLE = "\u202b"
PDF = "\u202c"
LRO = "\u202d"
RLO = "\u202e"
LRI = "\u2066"
RLI = "\u2067"
FSI = "\u2068"
PDI = "\u2069"

# Every character that sets direction without being a letter (UAX #9 table 4 and the marks).
DIRECTION_CONTROLS = frozenset(
    LRM + RLM + ALM + LRE + RLE + PDF + LRO + RLO + LRI + RLI + FSI + PDI
)

_EMBEDDINGS = {LRE: "L", LRO: "L", RLE: "R", RLO: "R"}  # opener: the direction it acts with
_ISOLATES = frozenset(LRI + RLI + FSI)
_MAX_DEPTH = 50
_PARAGRAPH_SEPARATOR = re.compile("[\n\r\x1c\x1d\x1e\x85\u2029]")  # bidi class B
# The characters that open or close an embedding, override or isolate.
_NESTING = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Control characters (Cc), line and paragraph separators (Zl, Zp): fixed sets in Unicode.
_FIELD_BREAKS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ANSI = re.compile(r"(\x1b\[[0-9;]*m)")
# Neutral by class but written by Arabic sentences: a run never reaches across them.
_ARABIC_PUNCTUATION = frozenset("\u060c\u066a«»")
_NEUTRALS = frozenset({"WS", "ON", "CS", "ES", "ET", "BN", "NSM", "S"})
_JOINERS = frozenset({"WS", "ON", "CS", "ES", "ET", "BN", "NSM"})
_LEADING = frozenset("/@#")
_TRAILING = frozenset("+#/")
_OPENER_OF = {")": "(", "]": "[", "}": "{"}

Mode = Literal["rtl", "none", "fields", "ltr"]
T = TypeVar("T")


@dataclass(slots=True)
class _Plan:
    """Edits by character index: marks to put before and after it, and the characters
    dropped. Sparse: a quote gets a handful of edits, so the text between them is copied in
    slices rather than character by character."""

    dropped: set[int] = field(default_factory=set)
    before: dict[int, str] = field(default_factory=dict)
    after: dict[int, str] = field(default_factory=dict)
    _edited: list[int] | None = None

    def add_before(self, index: int, marks: str) -> None:
        if marks:
            self.before[index] = self.before.get(index, "") + marks

    def add_after(self, index: int, marks: str) -> None:
        if marks:
            self.after[index] = self.after.get(index, "") + marks

    def edited(self) -> list[int]:
        """Every index with an edit, in order (asked once the plan is complete)."""
        if self._edited is None:
            self._edited = sorted(self.dropped | self.before.keys() | self.after.keys())
        return self._edited


@dataclass(slots=True)
class _Item:
    """One character outside the text's own embeddings and isolates, or one such whole span
    (``char`` empty), with the bidi class it shows to its surroundings."""

    start: int
    end: int  # index of the last character covered
    cls: str
    char: str = ""


@dataclass(slots=True)
class _Run:
    """A mixed-direction run as a range of items, ``first`` to ``last`` inclusive."""

    first: int
    last: int
    isolate: bool = False


def _balance(text: str, lo: int, hi: int, plan: _Plan) -> str:
    """Drop unmatched closers and over-deep openers of the line ``text[lo:hi]``; return the
    closers that end what it leaves open, innermost first."""
    stack: list[tuple[str, bool]] = []  # (the closer it needs, kept)
    kept_depth = 0
    isolates = 0
    for match in _NESTING.finditer(text, lo, hi):
        i, char = match.start(), match.group()
        if char in _EMBEDDINGS or char in _ISOLATES:
            kept = kept_depth < _MAX_DEPTH
            closer = PDF if char in _EMBEDDINGS else PDI
            stack.append((closer, kept))
            kept_depth += kept
            isolates += closer == PDI
        elif char == PDF:
            # UAX #9 X7: a PDF never closes anything outside the innermost isolate.
            kept = bool(stack) and stack[-1][0] == PDF and stack[-1][1]
            if stack and stack[-1][0] == PDF:
                kept_depth -= stack.pop()[1]
        else:  # PDI
            kept = False
            if isolates:
                # X6a: a PDI also closes the embeddings opened inside its isolate.
                while True:
                    closer, kept = stack.pop()
                    kept_depth -= kept
                    if closer == PDI:
                        break
                isolates -= 1
        if not kept:
            plan.dropped.add(i)
    return "".join(closer for closer, kept in reversed(stack) if kept)


def _items(text: str, lo: int, hi: int, plan: _Plan) -> list[_Item]:
    """The kept characters of one line as its surroundings see them.

    Without embeddings or isolates in the line, stretches that act as one character are one
    item (:func:`_tokens`); with them, every character is one.
    """
    if not _NESTING.search(text, lo, hi):
        return _tokens(text, lo, hi)
    items: list[_Item] = []
    stack: list[str] = []
    span_start, span_cls = lo, "ON"
    for i in range(lo, hi):
        if i in plan.dropped:
            continue
        char = text[i]
        if char in _EMBEDDINGS or char in _ISOLATES:
            if not stack:
                # An isolate is a neutral to its surroundings; an embedding acts with its
                # direction.
                span_start, span_cls = i, _EMBEDDINGS.get(char, "ON")
            stack.append(PDF if char in _EMBEDDINGS else PDI)
        elif stack:
            if char == PDI:
                while stack.pop() != PDI:
                    pass
            elif char == PDF:
                stack.pop()
            if not stack:
                items.append(_Item(span_start, i, span_cls))
        else:
            items.append(_Item(i, i, unicodedata.bidirectional(char), char))
    if stack:
        items.append(_Item(span_start, hi - 1, span_cls))
    return items


def _tokens(text: str, lo: int, hi: int) -> list[_Item]:
    """The items of a line without embeddings or isolates, a stretch at a time.

    Three kinds of stretch act as one character of their class wherever the rules look:
    - right-to-left text: from a right-to-left letter (class R or AL) to the last one before
      the next left-to-right letter, with whatever lies between (spaces, punctuation, digits,
      marks). A run can reach into it from neither side, since it stops at a right-to-left
      letter; rules 3 and 4 look only at its first and last letters, and treat R as AL;
    - a word of left-to-right letters (class L, not LRM), which no rule looks inside: none
      of them is a bracket or a leading or trailing sign;
    - a number's European digits (class EN).
    Every other character is an item of its own, with its own class.
    """
    items: list[_Item] = []
    for match in _stretches().finditer(text, lo, hi):
        start, end = match.span()
        kind = match.lastgroup
        char = text[start]
        cls = unicodedata.bidirectional(char) if kind == "one" else _STRETCH_CLASS[kind]
        items.append(_Item(start, end - 1, cls, char))
    return items


_STRETCH_CLASS = {"rtl": "AL", "ltr": "L", "digits": "EN"}


def prepare() -> None:
    """Build the layout's tables now rather than in the first text laid out: a bot calls this
    as it starts, so its first answer is as quick as the next ones (about 70 ms saved)."""
    _stretches()


@functools.cache
def _stretches() -> re.Pattern[str]:
    """The pattern of :func:`_tokens`' stretches, from the Basic Multilingual Plane's bidi
    classes (built once, by :func:`prepare` or on first use: about 70 ms). Characters beyond
    it are never part of a stretch, each one stays an item, classified on its own."""
    by_class: dict[str, list[int]] = {}
    for code in range(0x10000):
        by_class.setdefault(unicodedata.bidirectional(chr(code)), []).append(code)
    right_to_left = _char_class(by_class["R"] + by_class["AL"])
    letters = _char_class([c for c in by_class["L"] if chr(c) != LRM])
    digits = _char_class(by_class["EN"])
    # Between right-to-left letters: anything but a left-to-right letter, a paragraph
    # separator, or a character that opens or closes an embedding or isolate.
    between = _char_class(
        [
            code
            for cls, codes in by_class.items()
            if cls not in ("L", "B", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI")
            for code in codes
        ]
    )
    return re.compile(
        f"(?P<rtl>{right_to_left}(?:{between}*{right_to_left})?)"
        f"|(?P<ltr>{letters}+)|(?P<digits>{digits}+)|(?P<one>.)",
        re.DOTALL,
    )


def _char_class(codes: list[int]) -> str:
    """A regular-expression character class of ``codes`` (sorted), as ranges."""
    ranges: list[tuple[int, int]] = []
    for code in sorted(codes):
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return (
        "["
        + "".join(
            re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
            for a, b in ranges
        )
        + "]"
    )


def _is_core(item: _Item) -> bool:
    """A left-to-right letter or a European digit."""
    return item.cls in ("L", "EN") and item.char != "" and item.char not in DIRECTION_CONTROLS


def _is_joiner(item: _Item) -> bool:
    """A neutral that may sit between the words of a run."""
    return (
        item.cls in _JOINERS
        and item.char != ""
        and item.char not in _ARABIC_PUNCTUATION
        and item.char not in DIRECTION_CONTROLS
    )


def _balanced_brackets(items: list[_Item], first: int, last: int) -> list[str]:
    """The opening brackets of ``items[first:last+1]`` that are still open at its end."""
    opened: list[str] = []
    for item in items[first : last + 1]:
        if item.char in _OPENER_OF.values():
            opened.append(item.char)
        elif item.char in _OPENER_OF and opened and opened[-1] == _OPENER_OF[item.char]:
            opened.pop()
    return opened


def _runs(items: list[_Item]) -> list[_Run]:
    """The mixed-direction runs of one line (module docstring), in order."""
    runs: list[_Run] = []
    i = 0
    while i < len(items):
        if not (_is_core(items[i]) and items[i].cls == "L"):
            i += 1
            continue
        floor = runs[-1].last + 1 if runs else 0
        # Back over what is glued to the letter (5G, 3.5G), then off leading punctuation.
        first = i
        while (
            first > floor
            and items[first - 1].cls != "WS"
            and (_is_core(items[first - 1]) or _is_joiner(items[first - 1]))
        ):
            first -= 1
        while first < i and not _is_core(items[first]):
            first += 1
        if first > floor and items[first - 1].char in _LEADING:
            first -= 1
        # On over words and the neutrals between them, up to a bracket closed from outside.
        last = i
        opened: list[str] = []
        closed_from_outside = -1  # "(Sam) Altman": the pair belongs to the run
        j = i + 1
        while j < len(items) and (_is_core(items[j]) or _is_joiner(items[j])):
            char = items[j].char
            if char in _OPENER_OF.values():
                opened.append(char)
            elif char in _OPENER_OF:
                if opened and opened[-1] == _OPENER_OF[char]:
                    opened.pop()
                elif (
                    closed_from_outside < 0
                    and not opened
                    and first > floor
                    and items[first - 1].char == _OPENER_OF[char]
                ):
                    closed_from_outside = j
                else:
                    break
            if _is_core(items[j]):
                last = j
            j += 1
        if last > closed_from_outside >= 0:
            first -= 1
        # Glued signs that end the word: C++, C#, x.org/, 17%, f(x).
        opened = _balanced_brackets(items, first, last)
        while last + 1 < len(items):
            following, char = items[last + 1], items[last + 1].char
            if char in _TRAILING or (
                following.cls == "ET" and items[last].cls in ("EN", "ET") and char
            ):
                last += 1
            elif char in _OPENER_OF and opened and opened[-1] == _OPENER_OF[char]:
                opened.pop()
                last += 1
            else:
                break
        runs.append(_Run(first, last))
        i = last + 1
    return runs


def _number_parted_from_letter(items: list[_Item], run: _Run) -> bool:
    """Rule 5: the run starts with a number and a neutral stands between it and the run's
    first letter. A separator between two digit stretches (W4) and a sign next to digits (W5)
    are part of the number."""
    k = run.first
    while items[k].cls != "L":
        cls = items[k].cls
        if cls in ("CS", "ES"):
            if not (items[k - 1].cls == "EN" and items[k + 1].cls == "EN"):
                return True
        elif cls == "ET":
            if "EN" not in (items[k - 1].cls, items[k + 1].cls):
                return True
        elif cls != "EN":
            return True
        k += 1
    return False


def _decide(items: list[_Item], runs: list[_Run], led: bool) -> None:
    """Mark the runs that need an isolate: rules 1-3 of the module docstring, and rule 4 unless
    the line is ``led`` by a right-to-left mark."""
    for run in runs:
        run.isolate = (
            items[run.first].cls not in ("L", "EN")
            or items[run.last].char in _TRAILING
            or _number_parted_from_letter(items, run)
        )
    starts = {run.first: run for run in runs}
    ends = {run.last: run for run in runs}
    changed = True
    while changed:
        changed = False
        # Rule 3, right to left: what the neutrals after each run lead to.
        following = "ON"
        k = len(items) - 1
        while k >= 0:
            run = ends.get(k)
            if run is None:
                if items[k].cls not in _NEUTRALS:
                    following = items[k].cls
                k -= 1
                continue
            if not run.isolate and following in ("L", "EN"):
                run.isolate = changed = True
            if not run.isolate:
                following = items[run.first].cls
            k = run.first - 1
        if led:
            continue
        # Rule 4, left to right: a run that would set the line's direction (P2).
        preceding = ""
        k = 0
        while k < len(items):
            run = starts.get(k)
            if run is None:
                if items[k].cls in ("L", "R", "AL"):
                    preceding = items[k].cls
                k += 1
                continue
            if not run.isolate and preceding not in ("R", "AL"):
                run.isolate = changed = True
            if not run.isolate:
                preceding = "L"
            k = run.last + 1


def _plan(text: str, mode: Mode) -> _Plan:
    """Every mark to add and control to drop so that ``text`` displays as the module docstring
    says. ``mode``: "rtl" for text that follows a right-to-left mark on its first line, "none"
    for text whose lines start where it does, "fields" for balancing only, "ltr" for layouts
    without right-to-left paragraphs."""
    plan = _Plan()
    lo = 0
    for separator in _PARAGRAPH_SEPARATOR.finditer(text):
        hi = separator.start()
        if hi > lo:
            _plan_line(text, lo, hi, plan, mode, first_line=lo == 0)
        lo = hi + 1
    if len(text) > lo:
        _plan_line(text, lo, len(text), plan, mode, first_line=lo == 0)
    return plan


def _plan_line(text: str, lo: int, hi: int, plan: _Plan, mode: Mode, first_line: bool) -> None:
    closers = _balance(text, lo, hi, plan) if _NESTING.search(text, lo, hi) else ""
    items = _items(text, lo, hi, plan)
    runs = _runs(items)
    right_to_left = any(item.cls in ("R", "AL") for item in items)
    lead = ""
    if mode == "ltr":
        lead = RLM if right_to_left else ""
        for run in runs:
            run.isolate = right_to_left
    elif mode == "rtl":
        first_strong = next((item.cls for item in items if item.cls in ("L", "R", "AL")), "")
        lead = RLM if not first_line and first_strong not in ("R", "AL") else ""
        _decide(items, runs, led=True)
    elif mode == "none":
        _decide(items, runs, led=False)
    plan.add_before(lo, lead)
    for run in runs:
        if run.isolate:
            plan.add_before(items[run.first].start, LRI)
            plan.add_after(items[run.last].end, PDI)
    plan.add_after(hi - 1, closers + (RLM if mode == "ltr" and right_to_left else ""))


def _apply(text: str, plan: _Plan, lo: int = 0, hi: int | None = None) -> str:
    """``text[lo:hi]`` with the plan's edits."""
    hi = len(text) if hi is None else hi
    edited = plan.edited()
    first, last = bisect.bisect_left(edited, lo), bisect.bisect_left(edited, hi)
    if first == last:
        return text[lo:hi]
    out: list[str] = []
    copied = lo
    for i in edited[first:last]:
        out += (text[copied:i], plan.before.get(i, ""))
        if i not in plan.dropped:
            out.append(text[i])
        out.append(plan.after.get(i, ""))
        copied = i + 1
    out.append(text[copied:hi])
    return "".join(out)


def _keeping_styling(text: str, mode: Mode) -> str:
    """The plan for ``mode`` applied to the visible text, terminal styling (ESC [ … m) left
    where it was: an isolate inside a styling sequence would break it, and a terminal lays out
    only what it shows."""
    parts = _ANSI.split(text)
    visible = "".join(parts[::2])
    plan = _plan(visible, mode)
    out: list[str] = []
    offset = 0
    for index, part in enumerate(parts):
        if index % 2:
            out.append(part)
        else:
            out.append(_apply(visible, plan, offset, offset + len(part)))
            offset += len(part)
    return "".join(out)


def isolate_ltr_runs(text: str) -> str:
    """``text`` with each mixed-direction run that needs it wrapped in a left-to-right isolate
    (rules 1-4 of the module docstring: nothing leads its lines) and its direction controls
    balanced; terminal styling is kept intact."""
    return _keeping_styling(text, "none")


def rtl_line(text: str) -> str:
    """A line that displays right-to-left whatever it starts with: a right-to-left mark first,
    mixed-direction runs isolated only where rules 1-3 need it, direction controls balanced.
    Each later line of ``text`` gets a mark too unless it starts right-to-left already."""
    return RLM + _keeping_styling(text, "rtl")


def display_quote_pieces(pieces: Sequence[tuple[str, T]]) -> list[tuple[str, T]]:
    """A quote in pieces (text, tag), e.g. highlighted or not, ready to follow a right-to-left
    mark: the same pieces with the marks rules 1-3 need, computed over the whole quote, and its
    direction controls balanced. Pieces left empty are dropped."""
    text = "".join(piece for piece, _ in pieces)
    plan = _plan(text, "rtl")
    out: list[tuple[str, T]] = []
    offset = 0
    for piece, tag in pieces:
        shown = _apply(text, plan, offset, offset + len(piece))
        offset += len(piece)
        if shown:
            out.append((shown, tag))
    return out


def display_quote(text: str) -> str:
    """A whole quote ready to follow a right-to-left mark (see ``display_quote_pieces``)."""
    return _apply(text, _plan(text, "rtl"))


def display_field(text: str) -> str:
    """One metadata field (title, publisher, author, file name, URL) ready to sit inside a line
    of ours, unable to change how anything outside it displays.

    Control characters (line breaks, tabs, ESC …) become spaces and direction controls are
    balanced; the field is wrapped in a right-to-left isolate when it holds a right-to-left
    letter (runs inside are then isolated as in a right-to-left line), else in a left-to-right
    one. An empty field stays empty.
    """
    flat = _FIELD_BREAKS.sub(" ", text)
    if not flat:
        return ""
    if any(item.cls in ("R", "AL") for item in _tokens(flat, 0, len(flat))):
        return RLI + display_quote(flat) + PDI
    return LRI + _apply(flat, _plan(flat, "fields")) + PDI


def rtl_lines_in_ltr_layout(text: str) -> str:
    """``text`` for a platform that lays every paragraph out left-to-right (Discord): each line
    that holds a right-to-left letter gets a right-to-left mark at its start and at its end and
    has every mixed-direction run isolated, so it reads right-to-left as one block; other lines
    keep their text. Direction controls are balanced on every line."""
    return _apply(text, _plan(text, "ltr"))
