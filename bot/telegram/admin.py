"""Admin commands: reload, rollback, stats, gaps, and adding an article by sending a file.

Admins are Telegram user ids from the configuration. Every admin action is logged with the id.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from pathlib import Path

from telegram import Message, Update

from bot.service import messages
from bot.service.catalogue import render_sources
from bot.telegram.context import Context
from retrieval.corpus import ArticleError, read_article
from retrieval.library import ReloadError, ReloadReport

log = logging.getLogger(__name__)

SAFE_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,80}\.(txt|md)")


async def admin_message(update: Update, context: Context) -> Message | None:
    """The message of an admin's command, or None (after a polite refusal) for anyone else."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return None
    if user.id not in context.bot_data.settings.admin_ids:
        log.info("refused admin action from user %s", user.id)
        await message.reply_text(messages.NOT_ADMIN)
        return None
    log.info("admin %s: %s", user.id, (message.text or message.caption or "document")[:80])
    return message


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


async def reload_and_report(message: Message, context: Context) -> None:
    """Rebuild off the event loop (questions keep being answered), then say what changed."""
    library = context.bot_data.library
    if library.reloading:
        await message.reply_text(messages.RELOAD_BUSY)
        return
    try:
        report = await asyncio.to_thread(library.reload)
    except ReloadError as exc:
        log.warning("reload failed, previous index still serving: %s", exc)
        await message.reply_text(messages.RELOAD_FAILED.format(reason=exc))
        return
    await message.reply_text(reload_text(report))


async def on_reload(update: Update, context: Context) -> None:
    """/reload: re-read the sources directory and swap the index in."""
    message = await admin_message(update, context)
    if message is not None:
        await reload_and_report(message, context)


async def on_rollback(update: Update, context: Context) -> None:
    """/rollback: serve the index from before the latest reload."""
    message = await admin_message(update, context)
    if message is None:
        return
    engine = context.bot_data.library.rollback()
    if engine is None:
        await message.reply_text(messages.ROLLBACK_NONE)
        return
    corpus = engine.corpus
    await message.reply_text(
        messages.ROLLBACK_DONE.format(
            articles=len(corpus.articles), paragraphs=len(corpus.paragraphs)
        )
    )


async def on_sources(update: Update, context: Context) -> None:
    """/sources: loaded articles and skipped files (open to all: it is the catalogue)."""
    message = update.effective_message
    if message is not None:
        await message.reply_text(render_sources(context.bot_data.library.engine)[:4000])


async def on_stats(update: Update, context: Context) -> None:
    """/stats: traffic, no-answer rate, latency, index size, feedback."""
    message = await admin_message(update, context)
    if message is None:
        return
    stats = context.bot_data.stats
    corpus = context.bot_data.library.engine.corpus
    asked = stats.answered + stats.unanswered
    await message.reply_text(
        messages.STATS.format(
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
    )


async def on_gaps(update: Update, context: Context) -> None:
    """/gaps: recent questions left unanswered or marked unhelpful."""
    message = await admin_message(update, context)
    if message is None:
        return
    gaps = list(context.bot_data.stats.gaps)
    if not gaps:
        await message.reply_text(messages.GAPS_NONE)
        return
    lines = [messages.GAPS_HEADER]
    lines += [
        f"• {'❓' if g.reason == 'unanswered' else '👎'} {g.question[:200]}" for g in gaps[-20:]
    ]
    await message.reply_text("\n".join(lines)[:4000])


def write_atomically(path: Path, data: bytes) -> None:
    """Write via a hidden temp file and rename, so a half-written article is never loaded."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)


async def on_document(update: Update, context: Context) -> None:
    """An admin sends a .txt/.md file: validate it, store it, reload."""
    message = await admin_message(update, context)
    if message is None or message.document is None:
        return
    document = message.document
    settings = context.bot_data.settings
    name = document.file_name or ""
    if not SAFE_FILE_NAME.fullmatch(name):
        await message.reply_text(messages.UPLOAD_BAD_NAME)
        return
    if (document.file_size or 0) > settings.upload_max_bytes:
        await message.reply_text(messages.UPLOAD_TOO_BIG.format(limit=settings.upload_max_bytes))
        return
    data = bytes(await (await document.get_file()).download_as_bytearray())
    if len(data) > settings.upload_max_bytes:
        await message.reply_text(messages.UPLOAD_TOO_BIG.format(limit=settings.upload_max_bytes))
        return
    try:
        read_article(name, data.decode("utf-8"))
    except UnicodeDecodeError:
        await message.reply_text(messages.UPLOAD_NOT_UTF8)
        return
    except ArticleError as exc:
        await message.reply_text(messages.UPLOAD_INVALID.format(reason=exc))
        return
    write_atomically(settings.sources_dir / name, data)
    log.info("admin %s stored %s (%d bytes)", update.effective_user.id, name, len(data))
    await message.reply_text(messages.UPLOAD_SAVED.format(name=name))
    await reload_and_report(message, context)
