"""The ``sanad`` command: ask, chat, search (machine contract), eval, sources, run, telegram."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bot import messages
from bot.catalogue import render_sources
from bot.progress import TerminalProgress
from bot.settings import ConfigError, Settings, load_settings
from bot.terminal import render_answer
from retrieval.evaluation import evaluate, load_questions
from retrieval.library import Library, ReloadError, build_snapshot
from retrieval.search import SearchEngine


class CliError(Exception):
    """A problem reported to the operator as one line, exit status 2."""


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {}
    if getattr(args, "sources", None):
        overrides["sources_dir"] = args.sources
    return load_settings(**overrides)


def _library(settings: Settings) -> Library:
    try:
        return Library.open(settings.sources_dir, settings.snapshot_path, TerminalProgress())
    except ReloadError as exc:
        raise CliError(str(exc)) from exc


def cmd_ask(args: argparse.Namespace) -> int:
    """Print the answer to one question."""
    settings = _settings(args)
    engine = _library(settings).engine
    question = " ".join(args.question).strip()
    if not question:
        print(messages.EMPTY_QUESTION)
        return 1
    answer = engine.answer(question, limit=args.top or settings.answer_passages)
    print(render_answer(answer, ansi=sys.stdout.isatty()))
    return 0 if answer.found else 1


def cmd_chat(args: argparse.Namespace) -> int:
    """Interactive console chat on the configured sources."""
    settings = _settings(args)
    return run_chat(_library(settings), settings)


def run_chat(library: Library, settings: Settings) -> int:
    """Read questions until EOF; «المزيد» pages through the last answer."""
    with contextlib.suppress(ImportError):  # arrow-key line editing and history
        import readline  # noqa: F401
    ansi = sys.stdout.isatty()
    print(messages.CHAT_WELCOME)
    last_question: str | None = None
    offset = 0
    while True:
        try:
            line = input(messages.CHAT_PROMPT).strip()
        except (EOFError, KeyboardInterrupt):
            print()
            print(messages.CHAT_BYE)
            return 0
        if not line:
            continue
        if line in {"/exit", "/quit", "خروج"}:
            print(messages.CHAT_BYE)
            return 0
        if line == "/sources":
            print(render_sources(library.engine))
            continue
        engine = library.engine
        if line in messages.MORE_WORDS:
            if last_question is None:
                print(messages.EMPTY_QUESTION)
                continue
            offset += settings.answer_passages
            answer = engine.answer(last_question, limit=settings.answer_passages, offset=offset)
        else:
            last_question, offset = line, 0
            answer = engine.answer(line, limit=settings.answer_passages)
        print(render_answer(answer, ansi=ansi))
        print()


def cmd_search(args: argparse.Namespace) -> int:
    """The machine contract: one JSON object per query (stdin lines when no QUERY given)."""
    settings = _settings(args)
    engine = _library(settings).engine
    queries: Sequence[str] = [" ".join(args.query)] if args.query else sys.stdin
    for raw in queries:
        query = raw.rstrip("\n")
        if not args.query and not query.strip():
            continue
        hits = engine.search(query, limit=args.top)
        if args.json:
            print(json.dumps(_search_result(query, hits), ensure_ascii=False), flush=True)
        else:
            print(render_answer(engine.answer(query, limit=args.top), ansi=sys.stdout.isatty()))
    return 0


def _search_result(query: str, hits: list) -> dict:
    return {
        "query": query,
        "hits": [
            {
                "source": hit.paragraph.article.file,
                "paragraph": hit.paragraph.number,
                "title": hit.paragraph.article.title,
                "text": hit.paragraph.text,
                "score": round(hit.score, 6),
            }
            for hit in hits
        ],
    }


def cmd_eval(args: argparse.Namespace) -> int:
    """hit@1, hit@3, MRR@10, answer@3 and abstentions for a question file."""
    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"question file not found: {path}")
    try:
        questions, corpus = load_questions(path)
    except (ValueError, KeyError) as exc:
        raise CliError(f"cannot read {path} as seeds-dev JSONL or SQuAD JSON: {exc}") from exc
    engine = SearchEngine.build(corpus) if corpus else _library(_settings(args)).engine
    report = evaluate(engine, questions)
    print(json.dumps({"file": path.name, **report.as_dict()}, ensure_ascii=False))
    if args.misses:
        for miss in report.misses:
            print(f"miss: {miss}", file=sys.stderr)
    return 0


def cmd_sources(args: argparse.Namespace) -> int:
    """List what is loaded and what was skipped."""
    print(render_sources(_library(_settings(args)).engine))
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
        f"indexed {len(engine.corpus.articles)} articles, {len(engine.corpus.paragraphs)} "
        f"paragraphs in {time.perf_counter() - started:.1f} s -> {snapshot} "
        f"({snapshot.stat().st_size / 1e6:.1f} MB)"
    )
    return 0


def cmd_telegram(args: argparse.Namespace) -> int:
    """Run the Telegram bot (needs a token)."""
    settings = _settings(args)
    if settings.telegram_token is None:
        raise CliError(
            "no Telegram token: set SANAD_TELEGRAM_TOKEN or telegram_token in config.toml"
        )
    from bot.telegram_app import run_telegram

    return run_telegram(settings, _library(settings))


def cmd_run(args: argparse.Namespace) -> int:
    """The main job: the Telegram bot when a token is configured, else the console chat."""
    settings = _settings(args)
    if settings.telegram_token is None:
        print("No Telegram token configured (SANAD_TELEGRAM_TOKEN): starting the console chat.")
        return run_chat(_library(settings), settings)
    return cmd_telegram(args)


def build_parser() -> argparse.ArgumentParser:
    """All subcommands; ``--sources`` overrides the configured directory everywhere."""
    parser = argparse.ArgumentParser(prog="sanad", description="Arabic QA with quoted sources.")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func, help_text: str) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text)
        command.add_argument("--sources", type=Path, help="sources directory (default: config)")
        command.set_defaults(func=func)
        return command

    ask = add("ask", cmd_ask, "answer one question")
    ask.add_argument("question", nargs="+")
    ask.add_argument("--top", type=int, default=None, help="passages to show")
    add("chat", cmd_chat, "interactive console chat")
    search = add("search", cmd_search, "ranked passages (JSON lines with --json)")
    search.add_argument("query", nargs="*")
    search.add_argument("--top", type=int, default=10)
    search.add_argument("--json", action="store_true")
    evaluate_cmd = add("eval", cmd_eval, "retrieval quality on a question file")
    evaluate_cmd.add_argument("file")
    evaluate_cmd.add_argument("--misses", action="store_true", help="list misses on stderr")
    add("sources", cmd_sources, "loaded articles and skipped files")
    add("index", cmd_index, "build and save the index snapshot")
    add("telegram", cmd_telegram, "run the Telegram bot")
    add("run", cmd_run, "Telegram bot if a token is set, else console chat")
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


if __name__ == "__main__":
    sys.exit(main())
