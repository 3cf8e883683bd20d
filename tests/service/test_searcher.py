"""The search process answers from exactly the engine this process serves, or lets it search.

Real child processes over real snapshots of the seeds (the service sends only collections over
100 000 paragraphs there; :class:`SearchProcess` is driven directly here, whatever the size).
"""

from __future__ import annotations

import ast
import asyncio
import json
import logging
import os
import pickle
import shutil
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS, write_articles
from serving import alive, descendants, kill_group
from serving import wait_until as wait_for

from bot.service import sanad as sanad_module
from bot.service.policy import Chat, Sender
from bot.service.sanad import Sanad
from bot.service.searcher import RESTART_SECONDS, SearchProcess, cpu_count
from bot.service.settings import Settings
from retrieval.library import Library, default_snapshot
from retrieval.search import SearchEngine

USER = Sender("telegram", "telegram:111", 111)
PRIVATE = Chat("telegram", 111, private=True)
WHEAT = "ارتفعت أسعار القمح في مصر هذا العام بسبب الجفاف وقلة الأمطار.\n"
WHEAT_QUESTION = "لماذا ارتفعت أسعار القمح في مصر؟"
QUESTION = "كم انخفض مؤشر ناسداك؟"
DEV_QUESTIONS = [
    json.loads(line)["question"]
    for name in ("seeds-dev.jsonl", "seeds-tune.jsonl")
    for line in (ROOT / "eval" / name).read_text(encoding="utf-8").splitlines()
    if line.strip()
]


async def wait_until(condition: Callable[[], object], what: str, timeout: float = 60) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


async def ready_for(searcher: SearchProcess, engine: SearchEngine) -> None:
    """Ask until the child serves ``engine`` (the first question starts its load)."""
    searcher.prepare(engine)
    await wait_until(lambda: searcher.serves(engine), "the search process to load the engine")


async def remote(searcher: SearchProcess, engine: SearchEngine, question: str, offset: int = 0):
    """The child's answer, which must come (the engine is ready)."""
    answer = await searcher.answer(engine, question, 3, offset)
    assert answer is not None, "searched in this process, not in the search process"
    return answer


@pytest.fixture
def library(seeds_copy: Path) -> Library:
    return Library.open(seeds_copy, default_snapshot(seeds_copy))


@pytest.fixture
async def searcher() -> AsyncIterator[SearchProcess]:
    process = SearchProcess(restart_seconds=0)
    yield process
    process.close()


async def test_answers_from_the_process_equal_answers_in_this_process(library, searcher):
    engine = library.engine
    assert await searcher.answer(engine, QUESTION, 3, 0) is None  # not loaded yet: search here
    await ready_for(searcher, engine)
    assert len(DEV_QUESTIONS) > 90
    for question in DEV_QUESTIONS:
        for offset in (0, 3):
            expected = engine.answer(question, 3, offset)
            assert pickle.loads(pickle.dumps(expected)) == expected
            assert await remote(searcher, engine, question, offset) == expected, question


async def test_an_engine_built_here_and_saved_is_answered_the_same(seeds_copy, searcher):
    # No snapshot yet: this process indexes and saves, and serves the engine it built.
    library = Library.open(seeds_copy, default_snapshot(seeds_copy))
    engine = library.engine
    await ready_for(searcher, engine)
    for question in DEV_QUESTIONS[:20]:
        assert await remote(searcher, engine, question) == engine.answer(question, 3, 0)


async def test_after_a_reload_the_new_article_answers_and_a_rollback_the_old(
    library, searcher, seeds_copy
):
    old = library.engine
    await ready_for(searcher, old)
    before = await remote(searcher, old, WHEAT_QUESTION)
    assert all(p.source.file != "wheat.txt" for p in before.passages)

    write_articles(seeds_copy, {"wheat.txt": WHEAT})
    library.reload()
    new = library.engine
    # Not loaded in the child yet: the caller searches here, never with the old engine.
    assert await searcher.answer(new, WHEAT_QUESTION, 3, 0) is None
    await ready_for(searcher, new)
    after = await remote(searcher, new, WHEAT_QUESTION)
    assert after.passages[0].source.file == "wheat.txt"
    assert after == new.answer(WHEAT_QUESTION, 3, 0)

    assert library.rollback() is old
    # The child let the old engine go: searched here while it loads it again, never the new.
    assert not searcher.serves(old)
    assert await searcher.answer(old, WHEAT_QUESTION, 3, 0) is None
    await ready_for(searcher, old)
    assert await remote(searcher, old, WHEAT_QUESTION) == before
    assert not searcher.serves(new)


async def test_a_snapshot_renamed_over_is_answered_once_the_library_serves_it(
    library, searcher, seeds_copy, tmp_path
):
    old = library.engine
    await ready_for(searcher, old)
    # Another process (sanad index, a replica) renames a snapshot with wheat.txt over ours.
    write_articles(seeds_copy, {"wheat.txt": WHEAT})
    other = tmp_path / "other"  # the same files, to the modification time
    shutil.copytree(seeds_copy, other, ignore=shutil.ignore_patterns(".sanad-index"))
    Library.open(other, default_snapshot(other))
    os.replace(default_snapshot(other), default_snapshot(seeds_copy))
    served: list[SearchEngine] = []

    async def served_anew() -> bool:
        engine = library.engine  # each question looks at the snapshot
        answer = await searcher.answer(engine, WHEAT_QUESTION, 3, 0)
        if answer is not None:  # whichever engine it was, its own answer
            assert answer == engine.answer(WHEAT_QUESTION, 3, 0)
        served.append(engine)
        return engine is not old

    deadline = asyncio.get_running_loop().time() + 60
    while not await served_anew():
        assert asyncio.get_running_loop().time() < deadline, "the new snapshot was never served"
        await asyncio.sleep(0.01)
    new = library.engine
    await ready_for(searcher, new)
    assert (await remote(searcher, new, WHEAT_QUESTION)).passages[0].source.file == "wheat.txt"


async def test_a_snapshot_rewritten_in_place_is_never_answered_from(
    library, searcher, seeds_copy, tmp_path, caplog
):
    engine = library.engine
    await ready_for(searcher, engine)
    expected = await remote(searcher, engine, QUESTION)
    other = tmp_path / "other"
    shutil.copytree(SEEDS, other)
    write_articles(other, {"wheat.txt": WHEAT * 50})
    Library.open(other, default_snapshot(other))
    snapshot = default_snapshot(seeds_copy)
    with open(snapshot, "r+b") as handle:  # cp, rsync --inplace: the same inode, other bytes
        handle.write(default_snapshot(other).read_bytes())
        handle.truncate()
    with caplog.at_level(logging.WARNING, logger="bot.service.searcher"):
        # The child's reads fail as this process's do: it answers nothing from the new bytes.
        assert await searcher.answer(engine, QUESTION, 3, 0) is None
    assert "could not answer (FileChangedError" in caplog.text
    await wait_until(lambda: library.engine is not engine, "the library to reload")
    new = library.engine
    await ready_for(searcher, new)
    assert await remote(searcher, new, QUESTION) == new.answer(QUESTION, 3, 0) == expected


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def search_processes() -> list[int]:
    """This test process's living search processes (spawned pool workers; zombies, dead
    but not yet reaped, are not counted)."""
    pids = []
    for pid in descendants(os.getpid()):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in command:
            pids.append(pid)
    return pids


@pytest.mark.skipif(cpu_count() < 2, reason="the service searches here on a single CPU")
async def test_a_killed_search_process_loses_no_answer_and_comes_back_later(
    seeds_copy, monkeypatch, caplog
):
    monkeypatch.setattr(sanad_module, "INLINE_MAX_PARAGRAPHS", 0)  # send the seeds there
    clock = Clock()
    settings = Settings(sources_dir=seeds_copy, user_questions_per_minute=1000)
    service = Sanad(settings, Library.open(seeds_copy, settings.snapshot_path), clock=clock)
    try:
        engine = service.engine
        service.start()
        await wait_until(lambda: service.search_process_ready, "the search process")
        (first,) = search_processes()
        questions = DEV_QUESTIONS[:30]
        asking = [asyncio.create_task(service.ask(q, USER, PRIVATE)) for q in questions]
        await asyncio.sleep(0)  # every question is sent to the child
        os.kill(first, signal.SIGKILL)
        with caplog.at_level(logging.WARNING, logger="bot.service.searcher"):
            pages = await asyncio.gather(*asking)
            assert [page.answer for page in pages] == [engine.answer(q, 3, 0) for q in questions]
            await wait_until(lambda: not search_processes(), "the killed process to be reaped")
            # Until RESTART_SECONDS have passed, questions are searched here.
            page = await service.ask(WHEAT_QUESTION, USER, PRIVATE)
            assert page.answer == engine.answer(WHEAT_QUESTION, 3, 0)
            assert not search_processes() and not service.search_process_ready
        assert caplog.text.count("ended unexpectedly") == 1
        clock.now += RESTART_SECONDS
        page = await service.ask(QUESTION, USER, PRIVATE)  # starts a new one, searched here
        assert page.answer == engine.answer(QUESTION, 3, 0)
        await wait_until(lambda: service.search_process_ready, "a new search process")
        (second,) = search_processes()
        assert second != first
    finally:
        service.close()
    assert not search_processes()


async def test_an_index_held_in_memory_is_searched_here(seeds_copy, searcher, caplog):
    engine = Library.open(seeds_copy).engine  # no snapshot
    with caplog.at_level(logging.WARNING, logger="bot.service.searcher"):
        for _ in range(3):
            assert await searcher.answer(engine, QUESTION, 3, 0) is None
    assert searcher.pid is None and not searcher.serves(engine)
    assert caplog.text.count("held in memory") == 1


async def test_closing_leaves_no_search_process(library):
    searcher = SearchProcess()
    await ready_for(searcher, library.engine)
    assert search_processes() == [searcher.pid]
    searcher.close()
    assert not search_processes()
    assert await searcher.answer(library.engine, QUESTION, 3, 0) is None


# Started with ``python -c``: loads the seeds' snapshot, has the search process load it, writes
# the process ids below it to the file named second, then waits to be killed.
SERVING_SCRIPT = """
import asyncio, os, sys
from pathlib import Path
sys.path[:0] = [sys.argv[3], sys.argv[3] + "/tests"]
from serving import alive, descendants, kill_group
from serving import wait_until as wait_for
from bot.service.searcher import SearchProcess
from retrieval.library import Library, default_snapshot

async def main():
    sources = Path(sys.argv[1])
    engine = Library.open(sources, default_snapshot(sources)).engine
    searcher = SearchProcess()
    searcher.prepare(engine)
    while not searcher.serves(engine):
        await asyncio.sleep(0.01)
    # Written then renamed: the test reads it as soon as the name exists.
    Path(sys.argv[2] + ".tmp").write_text(repr(descendants(os.getpid())))
    os.replace(sys.argv[2] + ".tmp", sys.argv[2])
    await asyncio.sleep(3600)

asyncio.run(main())
"""


def test_a_killed_bot_leaves_no_search_process_behind(library, seeds_copy, tmp_path):
    started = tmp_path / "started"
    bot = subprocess.Popen(
        [sys.executable, "-c", SERVING_SCRIPT, str(seeds_copy), str(started), str(ROOT)],
        cwd=ROOT,
        start_new_session=True,  # so that a failed test can end whatever it left
    )
    try:
        wait_for(started.exists, 60, "the search process to start")
        below: dict[int, str] = ast.literal_eval(started.read_text())
        assert alive(below)  # the search process and the resource tracker
        bot.kill()  # SIGKILL: no cleanup runs in the bot
        bot.wait(30)
        wait_for(lambda: not alive(below), 30, "the processes below the bot to end")
    finally:
        kill_group(bot.pid)
        bot.wait(30)
