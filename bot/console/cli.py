"""The ``sanad`` command: ask, chat, search (machine contract), eval, sources, index, run,
telegram, discord, discord-preview, health."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from bot.bidi import rtl_line
from bot.console.progress import TerminalProgress
from bot.console.render import render_answer
from bot.health import Unhealthy, check_health
from bot.logs import configure_logging, counted
from bot.service import messages
from bot.service.errors import SanadError
from bot.service.phrases import is_more
from bot.service.policy import CONSOLE, OPERATOR
from bot.service.sanad import Sanad, load_notes, sources_listing
from bot.service.settings import ConfigError, Settings, load_settings
from bot.service.storage import storage_warning
from retrieval.corpus import Corpus
from retrieval.evaluation import Question, evaluate, load_questions
from retrieval.library import Library, ReloadError, build_snapshot
from retrieval.search import Ranking, SearchEngine

log = logging.getLogger(__name__)


class CliError(Exception):
    """A problem reported to the operator as one line, exit status 2."""


def _settings(args: argparse.Namespace, log_level: str = "WARNING") -> Settings:
    """The configuration, with logging set up from it (``log_level`` unless configured)."""
    overrides = {}
    if getattr(args, "sources", None):
        overrides["sources_dir"] = args.sources
    settings = load_settings(**overrides)
    configure_logging(settings, log_level)
    return settings


def _library(settings: Settings) -> Library:
    """The index of the configured sources; says once what a directory it cannot write costs."""
    try:
        library = Library.open(settings.sources_dir, settings.snapshot_path, TerminalProgress())
    except ReloadError as exc:
        raise CliError(str(exc)) from exc
    if (warning := storage_warning(settings)) is not None:
        log.warning("%s", warning)
    return library


def _service(settings: Settings, bots: bool = False) -> Sanad:
    """The chat service; a search process (``search_process``) only for the bots: a console
    asks one question at a time, and has no event loop to keep free."""
    if not bots:
        settings = settings.model_copy(update={"search_process": False})
    return Sanad(settings, _library(settings))


def cmd_ask(args: argparse.Namespace) -> int:
    """Print the answer to one question."""
    service = _service(_settings(args))
    try:
        page = asyncio.run(service.ask(" ".join(args.question), OPERATOR, CONSOLE, limit=args.top))
    except SanadError as exc:
        say(exc.text)
        return 1
    print(render_answer(page.answer, ansi=sys.stdout.isatty(), trimmed_question=page.trimmed))
    return 0 if page.answer.found else 1


def cmd_chat(args: argparse.Namespace) -> int:
    """Interactive console chat on the configured sources."""
    return run_chat(_service(_settings(args)))


def say(text: str) -> None:
    """Print Arabic text for a terminal: every line right-to-left, and a command or a Latin
    name in it isolated so that it reads as written (``/sources``, not ``sources/``)."""
    print(rtl_line(text))


def run_chat(service: Sanad) -> int:
    """Read questions until EOF; «المزيد» (or another way to say it) pages through the last
    answer."""
    with contextlib.suppress(ImportError):  # arrow-key line editing and history
        import readline  # noqa: F401
    ansi = sys.stdout.isatty()
    service.start()
    say(messages.CHAT_WELCOME)
    last: tuple[str, int] | None = None  # the last question answered, and its page's offset
    with asyncio.Runner() as runner:
        while True:
            try:
                line = input(messages.CHAT_PROMPT).strip()
            except (EOFError, KeyboardInterrupt):
                print()
                say(messages.CHAT_BYE)
                return 0
            if not line:
                continue
            if line.lower() in messages.EXIT_WORDS:
                say(messages.CHAT_BYE)
                return 0
            if line.lower() in messages.HELP_WORDS:
                say(messages.CHAT_HELP)
                continue
            if line == "/sources":
                say("\n".join(service.sources().lines))
                continue
            if is_more(line):
                if last is None:
                    say(messages.EMPTY_QUESTION)
                    continue
                question, offset = last[0], last[1] + service.settings.answer_passages
            else:
                question, offset = line, 0
            try:
                page = runner.run(service.ask(question, OPERATOR, CONSOLE, offset=offset))
            except SanadError as exc:  # also a greeting or an unknown /command: not searched
                say(exc.text)
                continue
            last = question, offset
            print(render_answer(page.answer, ansi=ansi, trimmed_question=page.trimmed))
            print()


def cmd_search(args: argparse.Namespace) -> int:
    """The machine contract: one JSON object per query (README, "Using it")."""
    settings = _settings(args)
    engine = _library(settings).engine
    for query in search_queries(args.query, sys.stdin):
        if args.json:
            ranking = engine.rank(query, limit=args.top)
            print(json.dumps(_search_result(query, ranking), ensure_ascii=False), flush=True)
        else:
            print(render_answer(engine.answer(query, limit=args.top), ansi=sys.stdout.isatty()))
    return 0


def search_queries(arguments: Sequence[str], stdin: Iterable[str]) -> Iterator[str]:
    """The queries of ``sanad search``, in order: each argument, and for an argument ``-`` (or
    when there is none) each non-blank line of stdin, as ``cat`` reads its operands."""
    for argument in arguments or ["-"]:
        if argument != "-":
            yield argument
            continue
        for line in stdin:
            if line.strip():
                yield line.rstrip("\r\n")


def _search_result(query: str, ranking: Ranking) -> dict:
    """One query's object of the JSON contract (README, "Using it")."""
    return {
        "query": query,
        "decision": ranking.confidence.value,
        "hits": [
            {
                "source": hit.paragraph.article.file,
                "paragraph": hit.paragraph.number,
                "part": hit.paragraph.part,
                "title": hit.paragraph.article.title,
                "text": hit.paragraph.text,
                "score": round(hit.score, 6),
            }
            for hit in ranking.hits
        ],
    }


def cmd_eval(args: argparse.Namespace) -> int:
    """hit@1, hit@3, MRR@10, answer@3 and abstentions for a question file, on the collection
    its questions are about: ``--collection`` (a SQuAD/ARCD file's paragraphs), else a SQuAD
    file's own paragraphs, else the sources directory."""
    path = Path(args.file)
    questions, own = _question_file(path)
    if not questions:
        raise CliError(f"no questions in {path}")
    if args.collection is not None:
        if args.sources is not None:
            raise CliError("give --collection or --sources, not both")
        corpus = _question_file(args.collection, "collection file")[1]
        if corpus is None:
            raise CliError(
                f"--collection {args.collection} is no collection: it must be a SQuAD/ARCD "
                "JSON file, whose paragraphs are indexed"
            )
        engine, collection = SearchEngine.build(corpus), str(args.collection)
    elif own is not None and args.sources is None:
        engine, collection = SearchEngine.build(own), str(path)
    else:
        settings = _settings(args)
        engine, collection = _library(settings).engine, str(settings.sources_dir)
    _check_sources_named(path, questions, engine.corpus, collection)
    report = evaluate(engine, questions)
    print(
        json.dumps(
            {"file": path.name, "collection": collection, **report.as_dict()}, ensure_ascii=False
        )
    )
    if args.misses:
        for miss in report.misses:
            print(f"miss: {miss}", file=sys.stderr)
    return 0


def _question_file(
    path: Path, what: str = "question file"
) -> tuple[list[Question], Corpus | None]:
    """:func:`load_questions`, with every way it fails as one :class:`CliError` line naming
    ``what`` the file was given as."""
    if not path.is_file():
        raise CliError(f"{what} not found: {path}")
    try:
        return load_questions(path)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        # The reader expects rows of objects (JSONL) or SQuAD's {"data": [articles]}; any
        # other shape fails inside it as one of these.
        raise CliError(
            f"cannot read {path} as seeds-dev JSONL or SQuAD JSON ({type(exc).__name__}: {exc})"
        ) from exc


def _check_sources_named(
    path: Path, questions: list[Question], corpus: Corpus, collection: str
) -> None:
    """Say when the sources the questions name are not in the collection: every question
    about one is a miss, which measures the wrong collection, not the retrieval.

    Raises:
        CliError: none of them is there (the figures would all be 0).
    """
    named = sorted({source for question in questions for source, _ in question.relevant})
    loaded = {article.file for article in corpus.articles}
    missing = [source for source in named if source not in loaded]
    if not missing:
        return
    shown = ", ".join(missing[:3]) + (", …" if len(missing) > 3 else "")
    if len(missing) == len(named):
        raise CliError(
            f"none of the sources {path} names is in {collection} ({shown}; {len(named)} in "
            "all): evaluate it on its own collection, with --collection FILE (a SQuAD/ARCD "
            "file, e.g. eval/arcd-train.json for arcd-NNN) or --sources DIR"
        )
    log.warning(
        "%s names sources that are not in %s: %s (%d of %d); questions about them count as "
        "misses",
        path,
        collection,
        shown,
        len(missing),
        len(named),
    )


def cmd_sources(args: argparse.Namespace) -> int:
    """List what is loaded, what was skipped and what attribution was mended: right-to-left
    lines on a terminal, the plain lines for a pipe or a file (scripts read file names)."""
    lines = sources_listing(_library(_settings(args)).engine).lines
    shown = [rtl_line(line) for line in lines] if sys.stdout.isatty() else lines
    print("\n".join(shown))
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    """Build the index from the sources and save its snapshot (the old one serves until then)."""
    settings = _settings(args)
    snapshot = settings.snapshot_path
    started = time.perf_counter()
    try:
        engine = build_snapshot(settings.sources_dir, snapshot, TerminalProgress())
    except ReloadError as exc:
        raise CliError(str(exc)) from exc
    print(
        f"indexed {counted(len(engine.corpus.articles), 'article')}, "
        f"{counted(len(engine.corpus.paragraphs), 'paragraph')} "
        f"in {time.perf_counter() - started:.1f} s -> {snapshot} "
        f"({snapshot.stat().st_size / 1e6:.1f} MB)"
    )
    for line in load_notes(engine.corpus):
        print(line)
    return 0


def cmd_telegram(args: argparse.Namespace) -> int:
    """Run the Telegram bot (needs a token)."""
    settings = _settings(args, "INFO")
    if settings.telegram_token is None:
        raise CliError("no Telegram token: set SANAD_TELEGRAM_TOKEN in the environment")
    from bot.telegram.app import TelegramStartError, run_telegram

    service = _service(settings, bots=True)
    try:
        return run_telegram(service)
    except TelegramStartError as exc:
        raise CliError(str(exc)) from exc


def cmd_health(args: argparse.Namespace) -> int:
    """Exit 0 when the running bot's ``/health`` (on ``health_port``) answers "ok", else 1.

    Docker's HEALTHCHECK reads exactly these: 0 healthy, 1 unhealthy (2 is reserved), so every
    failure, a missing or wrong setting included, is 1 with one line.
    """
    try:
        port = load_settings().health_port
        if port is None:
            raise Unhealthy("health_port is not set (SANAD_HEALTH_PORT): nothing to check")
        body = check_health(port)
    except (ConfigError, Unhealthy) as exc:
        print(f"sanad: unhealthy: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(body, ensure_ascii=False))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """The main job: every platform whose token is configured, in one process over one index;
    the console chat when none is."""
    from bot.platforms import configured

    platforms = configured(_settings(args))
    if not platforms:
        print(
            "No chat platform token configured (SANAD_TELEGRAM_TOKEN, SANAD_DISCORD_TOKEN): "
            "starting the console chat."
        )
        # At INFO, as the bots: the operator of `make run` reads what is served.
        return run_chat(_service(_settings(args, "INFO")))
    if platforms == ["telegram"]:
        return cmd_telegram(args)
    return _serve(_service(_settings(args, "INFO"), bots=True), platforms)


def cmd_discord(args: argparse.Namespace) -> int:
    """Run the Discord bot (needs a token): the gateway, or HTTP interactions if configured."""
    settings = _settings(args, "INFO")
    if settings.discord_token is None:
        raise CliError("no Discord token: set SANAD_DISCORD_TOKEN in the environment")
    return _serve(_service(settings, bots=True), ["discord"])


def _serve(service: Sanad, platforms: list[str]) -> int:
    """Serve ``platforms`` until SIGINT/SIGTERM."""
    from bot.platforms import StartError, serve

    try:
        asyncio.run(serve(service, platforms))
    except StartError as exc:
        raise CliError(str(exc)) from exc
    return 0


def cmd_discord_preview(args: argparse.Namespace) -> int:
    """Print the exact JSON payload Discord receives for the answer to one question (paste it
    into a webhook to see it as people will)."""
    from bot.discord.handlers import ask

    service = _service(_settings(args))
    payload = asyncio.run(ask(service, " ".join(args.question), OPERATOR, CONSOLE))
    print(json.dumps(payload, ensure_ascii=False, indent=2))
    return 0


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """All subcommands; ``--sources`` overrides the configured directory everywhere."""
    parser = argparse.ArgumentParser(prog="sanad", description="Arabic QA with quoted sources.")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func, help_text: str, **extra: str) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text, **extra)
        command.add_argument("--sources", type=Path, help="sources directory (default: config)")
        command.set_defaults(func=func)
        return command

    ask = add("ask", cmd_ask, "answer one question")
    ask.add_argument("question", nargs="+")
    ask.add_argument("--top", type=positive_int, default=None, help="passages to show")
    add("chat", cmd_chat, "interactive console chat")
    search = add("search", cmd_search, "ranked passages (JSON lines with --json)")
    search.add_argument(
        "query",
        nargs="*",
        help="a question; '-' (or no QUERY at all) reads one question per line of stdin",
    )
    search.add_argument("--top", type=positive_int, default=10, help="hits per query")
    search.add_argument(
        "--json",
        action="store_true",
        help='one JSON object per query: {"query", "decision": answer|weak|none, "hits": '
        '[{"source", "paragraph", "part", "title", "text", "score"}]}',
    )
    evaluate_cmd = add(
        "eval",
        cmd_eval,
        "retrieval quality on a question file",
        description="hit@1, hit@3, MRR@10, answer@k and abstentions of a question file (JSONL "
        "as eval/seeds-dev.jsonl, or SQuAD/ARCD JSON) on the collection its questions are "
        "about: --collection or --sources, else a SQuAD file's own paragraphs, else the "
        "configured sources directory. "
        "Example: sanad eval eval/arcd-tune.jsonl --collection eval/arcd-train.json",
    )
    evaluate_cmd.add_argument("file", help="the question file")
    evaluate_cmd.add_argument(
        "--collection",
        type=Path,
        metavar="FILE",
        help="a SQuAD/ARCD JSON file whose paragraphs are the collection (its articles are "
        "named arcd-000, arcd-001, … in order, as in JSONL question files about it)",
    )
    evaluate_cmd.add_argument("--misses", action="store_true", help="list misses on stderr")
    add("sources", cmd_sources, "loaded articles, skipped files and mended attribution")
    add("index", cmd_index, "build and save the index snapshot")
    add("telegram", cmd_telegram, "run the Telegram bot")
    add("discord", cmd_discord, "run the Discord bot")
    preview = add("discord-preview", cmd_discord_preview, "the JSON Discord gets for an answer")
    preview.add_argument("question", nargs="+")
    add("run", cmd_run, "every chat platform with a token set, else console chat")
    health = sub.add_parser("health", help="exit 0 if the running bot's /health answers ok")
    health.set_defaults(func=cmd_health)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sanad`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BrokenPipeError:
        return 0
    except (ConfigError, CliError, OSError) as exc:  # an operator's I/O error: one line too
        print(f"sanad: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: the operator knows; a traceback tells them nothing
        print(file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
