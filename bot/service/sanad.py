"""Sanad, the chat service: the one object every platform adapter calls.

An adapter turns an update into a question, a :class:`Sender` and a :class:`Chat`, calls a method
here, and renders what comes back (an :class:`AnswerPage`, a :class:`Listing`, a sentence) in its
platform's markup. Refusals raise :class:`SanadError` subclasses whose ``text`` is the reply.
Nothing here knows a chat platform: paging, feedback, rate limits, admin checks, reloads,
uploads, statistics and gaps behave the same on all of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from cachetools import LRUCache, TTLCache

from bot.logs import counted
from bot.service import messages, paging, phrases, reasons, uploads
from bot.service.errors import (
    AlreadyVoted,
    EmptyQuestion,
    NotAdmin,
    NotAQuestion,
    PageExpired,
    PrivateOnly,
    QuestionEdited,
    RateLimited,
    ReloadFailed,
    UploadRejected,
)
from bot.service.policy import Chat, Policy, Sender
from bot.service.reloads import Coalescer
from bot.service.searcher import SearchProcess, cpu_count
from bot.service.settings import Settings
from bot.service.stats import BotStats, Gap
from retrieval.answer import Answer
from retrieval.corpus import Corpus
from retrieval.library import Library, ReloadError, ReloadReport
from retrieval.search import SearchEngine
from retrieval.writable import why_unwritable

log = logging.getLogger(__name__)

# Below this many paragraphs an answer takes about a millisecond (BENCHMARKS.md): less than
# handing it to a worker thread or process and back costs the event loop.
INLINE_MAX_PARAGRAPHS = 100_000
# Larger collections search in a second process (bot.service.searcher) when the machine has a
# second core; otherwise, or until that process is ready, in this many threads beside the
# event loop. More threads only fight over the interpreter lock and the memory bus: over 1M
# paragraphs, six threads (asyncio's default executor on two cores) spent 6.5-8 ms of CPU an
# answer where one spends 4.4-4.8, and answered no sooner.
SEARCH_THREADS = 1
# Answers remembered for questions asked again (people repeat questions, and a «المزيد» press
# asks the same question for its next page): a few MB of passages.
ANSWERS_REMEMBERED = 1024
# Answers whose vote is remembered, and for how long: a week covers nearly every press of a
# rating button; past it the oldest answers could be rated again, which costs one extra vote.
VOTE_MEMORY = 20_000
VOTE_SECONDS = 7 * 24 * 3600
GAPS_SHOWN = 20
GAP_QUESTION_CHARS = 200
WELCOME_TITLES = 5


@dataclass(frozen=True, slots=True)
class AnswerPage:
    """One page of an answer to ``question`` (as searched); ``trimmed`` when the question was
    cut to the configured length."""

    answer: Answer
    trimmed: bool = False
    question: str = ""

    @property
    def next_offset(self) -> int | None:
        """Where the next page starts, or None on the last page (paging stops at
        :data:`paging.MAX_OFFSET`)."""
        answer = self.answer
        following = answer.offset + len(answer.passages)
        return following if answer.has_more and following <= paging.MAX_OFFSET else None


@dataclass(frozen=True, slots=True)
class Listing:
    """A list reply as lines (a header first); a renderer packs them into messages."""

    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Welcome:
    """What /start says: the collection's size, a few titles, example questions."""

    articles: int
    paragraphs: int
    titles: tuple[str, ...]
    examples: tuple[str, ...]


class Votes:
    """Answers already rated: one vote per answer, remembered for a bounded time and number."""

    def __init__(
        self,
        max_answers: int = VOTE_MEMORY,
        seconds: float = VOTE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._seen: TTLCache[str, bool] = TTLCache(maxsize=max_answers, ttl=seconds, timer=clock)

    def __len__(self) -> int:
        """Answers currently remembered."""
        self._seen.expire()
        return len(self._seen)

    def add(self, answer_id: str) -> bool:
        """Record a vote on ``answer_id``; False when it already had one."""
        if answer_id in self._seen:
            return False
        self._seen[answer_id] = True
        return True


class AnswerCache:
    """The answers of the serving engine, by question, page size and offset: the
    :data:`ANSWERS_REMEMBERED` most recently used. Answers are immutable, so one can be handed
    out any number of times. An answer is only ever given by the engine that found it: a
    reload, a rollback or a replaced snapshot serves another engine, and everything
    remembered is forgotten at its first question."""

    def __init__(self, size: int = ANSWERS_REMEMBERED) -> None:
        self._engine: SearchEngine | None = None
        self._answers: LRUCache[tuple[str, int, int], Answer] = LRUCache(maxsize=size)

    def get(self, engine: SearchEngine, key: tuple[str, int, int]) -> Answer | None:
        """What ``engine`` answered to ``key``, if remembered."""
        if engine is not self._engine:
            self._engine = engine
            self._answers.clear()
            return None
        return self._answers.get(key)

    def put(self, engine: SearchEngine, key: tuple[str, int, int], answer: Answer) -> None:
        """Remember ``answer``, unless another engine started serving while it was found."""
        if engine is self._engine:
            self._answers[key] = answer


class Sanad:
    """The chat service over one :class:`Library`, configured by :class:`Settings`."""

    def __init__(
        self, settings: Settings, library: Library, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.settings = settings
        self.library = library
        self.stats = BotStats()
        self.policy = Policy(settings, clock)
        # Answers already rated here: one vote per answer and replica.
        self._votes = Votes(clock=clock)
        self._reloads: Coalescer[ReloadReport] = Coalescer(
            lambda: asyncio.to_thread(self.library.reload)
        )
        # Threads and the search process start on the first search that needs one.
        self._searches = ThreadPoolExecutor(SEARCH_THREADS, thread_name_prefix="search")
        self._process = (
            SearchProcess(clock=clock) if settings.search_process and cpu_count() > 1 else None
        )
        self._answers = AnswerCache()
        log_load_notes(library.engine.corpus)

    @property
    def engine(self) -> SearchEngine:
        """The serving engine (take it once per request)."""
        return self.library.engine

    # ----- questions --------------------------------------------------------------------------

    def read_question(self, text: str) -> tuple[str, bool]:
        """The question to search and whether it was cut to ``max_question_chars``.

        Raises:
            EmptyQuestion: nothing to search for (no letter or digit).
        """
        question = text.strip()
        if not any(ch.isalnum() for ch in question):
            raise EmptyQuestion()
        limit = self.settings.max_question_chars
        return question[:limit], len(question) > limit

    async def ask(
        self,
        question: str,
        sender: Sender,
        chat: Chat | None = None,
        *,
        offset: int = 0,
        limit: int | None = None,
        inline: bool = False,
        unprompted: bool = False,
    ) -> AnswerPage:
        """Answer one page of ``question`` (``limit`` passages from ``offset``).

        A first page counts against the sender's rate limit and in the statistics (inline
        queries only by latency and number, see :meth:`BotStats.record_inline`). An
        ``unprompted`` message (:meth:`Policy.unprompted`) that finds no passage gets no
        reply, so it is not counted against the sender: talking in a group answered in full
        must not use up the questions they later put to the bot.

        Raises:
            EmptyQuestion: nothing to search for.
            NotAQuestion: a greeting, «المزيد» typed out or an unknown command; its text is
                the reply.
            RateLimited: the sender asked too often this minute (``repeated`` after the
                first refusal of a window).
        """
        text, trimmed = self.read_question(question)
        self._reply_to_chatter(text, sender.platform)
        if offset == 0 and not self.policy.may_ask(sender):
            wait = self.policy.wait(sender)
            repeated = self.policy.refused_before(sender, wait)
            raise RateLimited(messages.RATE_LIMITED.format(seconds=wait), repeated)
        started = time.perf_counter()
        answer = await self._answer(text, limit or self.settings.answer_passages, offset)
        if offset == 0:
            seconds = time.perf_counter() - started
            if unprompted and not answer.found:  # no reply is posted
                self.policy.give_back(sender)
                self.stats.record_unheard(seconds)
            elif inline:
                self.stats.record_inline(seconds)
            else:
                self.stats.record_answer(text, answer.found, seconds)
        return AnswerPage(answer, trimmed, text)

    def _reply_to_chatter(self, text: str, platform: str) -> None:
        """Answer chat text that asks no question (:mod:`bot.service.phrases`) with a sentence
        rather than a search, the same on every platform.

        Raises:
            NotAQuestion: with the reply.
        """
        if phrases.is_more(text):
            raise NotAQuestion(messages.MORE_AS_TEXT)
        if (name := phrases.command(text)) is not None:
            discord = platform == "discord"
            hint = messages.DISCORD_COMMANDS_HINT if discord else messages.COMMANDS_HINT
            raise NotAQuestion(messages.UNKNOWN_COMMAND.format(command=name, hint=hint))
        if (salutation := phrases.greeting(text)) is not None:
            examples = self.settings.example_questions
            example = messages.GREETING_EXAMPLE.format(question=examples[0]) if examples else "."
            raise NotAQuestion(messages.GREETING.format(salutation=salutation, example=example))

    async def more(
        self,
        question: str,
        token: str,
        sender: Sender,
        chat: Chat | None = None,
        *,
        limit: int | None = None,
    ) -> AnswerPage:
        """The page a "more" token names, for the question the answer replied to.

        Raises:
            PageExpired: the token is not a "more" token, or the question is gone.
            QuestionEdited: the token was made for another wording of the question.
        """
        offset = paging.parse_more(token)
        if offset is None or not question.strip():
            raise PageExpired()
        if not paging.asked_with(token, self.read_question(question)[0]):
            raise QuestionEdited()
        return await self.ask(question, sender, chat, offset=offset, limit=limit)

    async def _answer(self, question: str, limit: int, offset: int) -> Answer:
        """The remembered answer, else a search: on the loop for small collections; for large
        ones in the search process (on another core), else in the search thread, so the loop
        keeps serving (and can show "typing…") meanwhile."""
        engine = self.engine
        key = (question, limit, offset)
        answer = self._answers.get(engine, key)
        if answer is not None:
            return answer
        if len(engine.store) <= INLINE_MAX_PARAGRAPHS:
            answer = engine.answer(question, limit, offset)
        else:
            answer = await self._search_large(engine, question, limit, offset)
        self._answers.put(engine, key, answer)
        return answer

    async def _search_large(
        self, engine: SearchEngine, question: str, limit: int, offset: int
    ) -> Answer:
        if self._process is not None:
            answer = await self._process.answer(engine, question, limit, offset)
            if answer is not None:
                return answer
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._searches, engine.answer, question, limit, offset)

    def start(self) -> None:
        """Say what is served (:func:`serving_line`, once, at INFO) and have the search
        process load a large serving index ahead of the first question (when the bots or the
        console chat start; a question does the same). Returns at once."""
        log.info("%s", serving_line(self.library))
        engine = self.engine
        if self._process is not None and len(engine.store) > INLINE_MAX_PARAGRAPHS:
            self._process.prepare(engine)

    @property
    def search_process(self) -> SearchProcess | None:
        """The search process of large collections (None: searched in this process)."""
        return self._process

    @property
    def search_process_ready(self) -> bool:
        """Whether questions to the serving index are answered by the search process now."""
        return self._process is not None and self._process.serves(self.engine)

    def close(self) -> None:
        """Stop the search process, if one runs (when the bots stop)."""
        if self._process is not None:
            self._process.close()

    def feedback(self, answer_id: str, question: str | None, helpful: bool) -> str:
        """Count a 👍/👎 once per answer; an unhelpful answer's question becomes a gap.

        ``answer_id`` names the answer message on its platform (chat and message ids).

        Raises:
            AlreadyVoted: this answer was rated before.
        """
        if not self._votes.add(answer_id):
            raise AlreadyVoted()
        self.stats.record_feedback(question, helpful=helpful)
        return messages.FEEDBACK_THANKS

    # ----- what the bot knows ---------------------------------------------------------------

    def welcome(self) -> Welcome:
        """The /start summary."""
        corpus = self.engine.corpus
        return Welcome(
            articles=len(corpus.articles),
            paragraphs=len(corpus.paragraphs),
            titles=tuple(a.title for a in corpus.articles[:WELCOME_TITLES]),
            examples=tuple(self.settings.example_questions),
        )

    def sources(self) -> Listing:
        """Loaded articles with paragraph counts, skipped files and mended attribution."""
        return sources_listing(self.engine)

    # ----- admin ------------------------------------------------------------------------------

    def require_admin(self, sender: Sender, action: str) -> None:
        """Log an admin action with the sender, or refuse it.

        Raises:
            NotAdmin: ``sender`` is not an admin.
        """
        if not self.policy.is_admin(sender):
            # The operator finds their own user id here, to put it among the admins.
            log.info("refused %s from %s: not an admin", action, sender.key)
            raise NotAdmin()
        log.info("admin %s: %s", sender.key, action)

    async def reload(self, sender: Sender) -> str | None:
        """Rebuild off the event loop (questions keep being answered); say what changed.

        Requests that arrive during a reload share one more reload after it (an album of
        files: each stored file asks for one). The request that started a reload gets its
        report; the others get None, since that report already lists their files.

        Raises:
            NotAdmin: ``sender`` is not an admin.
            ReloadFailed: the sources could not be indexed (the previous index keeps serving);
                raised to the request that started the reload.
        """
        self.require_admin(sender, "reload")
        run, started = self._reloads.submit()
        try:
            report = await asyncio.shield(run)
        except ReloadError as exc:
            if not started:
                return None
            log.warning("reload failed, previous index still serving: %s", exc)
            raise ReloadFailed(messages.RELOAD_FAILED.format(reason=reasons.arabic(exc))) from exc
        if not started:
            return None
        log_load_notes(self.engine.corpus)
        return reload_text(report)

    def rollback(self, sender: Sender) -> str:
        """Serve the index from before the latest reload again."""
        self.require_admin(sender, "rollback")
        engine = self.library.rollback()
        if engine is None:
            return messages.ROLLBACK_NONE
        corpus = engine.corpus
        return messages.ROLLBACK_DONE.format(
            articles=len(corpus.articles), paragraphs=len(corpus.paragraphs)
        )

    def check_upload(self, sender: Sender, name: str, size: int | None) -> None:
        """What can be refused before downloading an upload: who, the file name, the size.

        Raises:
            NotAdmin, UploadRejected
        """
        self.require_admin(sender, f"upload {name[:80]}")
        with _logged_refusal(sender, name):
            uploads.check_name_and_size(name, size, self.settings.upload_max_bytes)
            self._check_sources_writable()

    def add_article(self, sender: Sender, name: str, data: bytes) -> str:
        """Validate an uploaded article and store it atomically (then call :meth:`reload`).

        Raises:
            NotAdmin, UploadRejected: nothing was written.
        """
        self.require_admin(sender, f"store {name[:80]}")
        with _logged_refusal(sender, name):
            mended = uploads.check_article(name, data, self.settings.upload_max_bytes)
            self._check_sources_writable()
            path = self.settings.sources_dir / name
            try:
                kept = uploads.keep_replaced(path)
                uploads.write_atomically(path, data)
            except OSError as exc:  # the disk filled up, or the volume changed under us
                reason = f"could not store it: {exc}"
                raise UploadRejected(messages.UPLOAD_NOT_WRITABLE, reason) from exc
        log.info("admin %s stored %s (%s)", sender.key, name, counted(len(data), "byte"))
        saved = messages.UPLOAD_SAVED.format(name=name)
        if kept is not None:  # never lost: a mistaken upload can be undone by hand
            log.info("admin %s replaced %s; the earlier one is kept as %s", sender.key, name, kept)
            saved += "\n" + messages.UPLOAD_REPLACED.format(kept=kept)
        if mended:  # the article loads, but its uploader should hear what was changed
            lines = [messages.UPLOAD_MENDED, *(f"- {reasons.arabic(m)}" for m in mended)]
            saved += "\n" + "\n".join(lines)
        return saved

    def _check_sources_writable(self) -> None:
        """Refuse an upload the sources directory cannot take, before downloading it.

        Asked at each upload, not once at start, so fixing the volume's owner takes effect
        without a restart.

        Raises:
            UploadRejected: with :data:`messages.UPLOAD_NOT_WRITABLE`.
        """
        sources = self.settings.sources_dir
        reason = why_unwritable(sources)
        if reason is not None:
            raise UploadRejected(
                messages.UPLOAD_NOT_WRITABLE,
                f"sources directory {sources} cannot be written ({reason})",
            )

    def stats_text(self, sender: Sender) -> str:
        """Traffic, no-answer rate, latency, index size, feedback."""
        self.require_admin(sender, "stats")
        stats = self.stats
        corpus = self.engine.corpus
        asked = stats.answered + stats.unanswered
        return messages.STATS.format(
            uptime=stats.uptime,
            answered=asked,
            unanswered=stats.unanswered,
            no_answer_rate=stats.unanswered / asked if asked else 0.0,
            inline=stats.inline_queries,
            p50=stats.percentile(0.5),
            p95=stats.percentile(0.95),
            articles=len(corpus.articles),
            paragraphs=len(corpus.paragraphs),
            helpful=stats.helpful,
            unhelpful=stats.unhelpful,
        )

    def gaps(self, sender: Sender, chat: Chat) -> Listing:
        """Recent questions left unanswered or marked unhelpful.

        Raises:
            NotAdmin: ``sender`` is not an admin.
            PrivateOnly: ``chat`` is not private (the list shows other people's questions).
        """
        self.require_admin(sender, "gaps")
        if not self.policy.may_show_questions(chat):
            raise PrivateOnly()
        gaps = self.stats.gaps.most_asked(GAPS_SHOWN)
        if not gaps:
            return Listing((messages.GAPS_NONE,))
        return Listing((messages.GAPS_HEADER, *map(gap_line, gaps)))


@contextlib.contextmanager
def _logged_refusal(sender: Sender, name: str) -> Iterator[None]:
    """Log an upload refused in the block, once: who sent it, the file, and why (the admin
    reads the Arabic reason in the reply). The name is quoted: it is the sender's text."""
    try:
        yield
    except UploadRejected as exc:
        log.warning("refused the upload %r from %s: %s", name[:80], sender.key, exc.reason)
        raise


def sources_listing(engine: SearchEngine) -> Listing:
    """What ``engine`` serves: articles with paragraph counts and publisher, then the files
    that were skipped and the articles whose attribution was mended, one line each."""
    corpus = engine.corpus
    lines = [
        messages.SOURCES_HEADER.format(
            articles=len(corpus.articles), paragraphs=len(corpus.paragraphs)
        )
    ]
    counts = engine.store.paragraph_counts()
    for article, count in zip(corpus.articles, counts, strict=True):
        publisher = f" — {article.source}" if article.source else ""
        lines.append(f"- {article.file}: {article.title}{publisher} ({count})")
    for header, notes in (
        (messages.SOURCES_SKIPPED, corpus.skipped),
        (messages.SOURCES_MENDED, corpus.warnings),
    ):
        if notes:
            lines.append(header)
            lines.extend(f"- {note.file}: {reasons.arabic(note.reason)}" for note in notes)
    return Listing(tuple(lines))


def serving_line(library: Library) -> str:
    """The operator's line about what starts serving: articles, paragraphs, the sources
    directory, and whether the index snapshot was loaded or the index built, in how long."""
    corpus = library.engine.corpus
    served = (
        f"serving {counted(len(corpus.articles), 'article')} and "
        f"{counted(len(corpus.paragraphs), 'paragraph')} from {library.sources_dir.resolve()}"
    )
    opening = library.opening
    if opening is None:
        return served
    if opening.snapshot_loaded:
        return f"{served}: index snapshot {library.snapshot} loaded in {opening.seconds:.1f} s"
    return f"{served}: index built from the sources in {opening.seconds:.1f} s"


def load_notes(corpus: Corpus) -> list[str]:
    """The operator's lines about a load: each skipped file and each mended attribution."""
    return [f"skipped {s.file}: {s.reason}" for s in corpus.skipped] + [
        f"attribution mended in {w.file}: {w.reason}" for w in corpus.warnings
    ]


def log_load_notes(corpus: Corpus) -> None:
    """Log each of :func:`load_notes` once, when an index starts serving."""
    for line in load_notes(corpus):
        log.warning("%s", line)


def gap_line(gap: Gap) -> str:
    """One line of /gaps: ❓ unanswered, 👎 marked unhelpful (both when both happened), the
    question, and how many times when more than once."""
    marks = ("❓" if gap.unanswered else "") + ("👎" if gap.unhelpful else "")
    line = f"• {marks} {gap.question[:GAP_QUESTION_CHARS]}"
    if gap.asked > 1:
        line += " " + messages.GAP_ASKED.format(count=gap.asked)
    return line


def _names(names: list[str]) -> str:
    return "، ".join(names) if names else messages.NONE


def reload_text(report: ReloadReport) -> str:
    """What a reload changed, in Arabic."""
    return messages.RELOAD_DONE.format(
        seconds=report.seconds,
        articles=report.articles,
        paragraphs=report.paragraphs,
        added=_names(report.added),
        removed=_names(report.removed),
        changed=_names(report.changed),
    )
