"""Reload requests during a reload share one more reload after it, and none is lost."""

from __future__ import annotations

import asyncio

from conftest import write_articles

from bot.service.policy import Chat, Sender
from bot.service.reloads import Coalescer
from bot.service.sanad import Sanad
from bot.service.settings import Settings
from retrieval.library import Library

ADMIN = Sender("telegram", "telegram:999", 999)
USER = Sender("telegram", "telegram:111", 111)
PRIVATE = Chat("telegram", 111, private=True)


async def test_requests_during_a_run_share_exactly_one_more_run():
    gate = asyncio.Event()
    runs: list[int] = []

    async def job() -> int:
        runs.append(len(runs) + 1)
        await gate.wait()
        return len(runs)

    coalescer = Coalescer(job)
    first, started_first = coalescer.submit()
    await asyncio.sleep(0)  # let the first run begin
    later = [coalescer.submit() for _ in range(4)]
    gate.set()
    assert await first == 1 and started_first
    assert [started for _, started in later] == [True, False, False, False]
    assert {await run for run, _ in later} == {2}
    assert runs == [1, 2]
    again, started = coalescer.submit()  # after both finished: a run of its own
    assert started and await again == 3


async def wait_until(condition, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition never came true"
        await asyncio.sleep(0.005)


async def test_files_stored_during_a_reload_are_indexed_and_reported(seeds_copy):
    service = Sanad(Settings(sources_dir=seeds_copy, admin_ids=[999]), Library.open(seeds_copy))
    articles = {
        "wheat.txt": "ارتفعت أسعار القمح في مصر هذا العام بسبب الجفاف.\n",
        "rice.txt": "انخفض إنتاج الأرز في آسيا بعد موسم الفيضانات.\n",
        "olive.txt": "تضاعف محصول الزيتون في تونس بعد أمطار الربيع الغزيرة.\n",
    }

    async def upload(name: str) -> str | None:
        service.add_article(ADMIN, name, articles[name].encode())
        return await service.reload(ADMIN)

    first = asyncio.create_task(upload("wheat.txt"))
    await wait_until(lambda: service.library.reloading)  # the slower downloads land now
    later = asyncio.gather(upload("rice.txt"), upload("olive.txt"))
    reports = [await first, *await later]
    texts = [report for report in reports if report is not None]
    assert len(texts) == 2  # the first reload, and one more for both files stored during it
    assert all(any(name in text for text in texts) for name in articles)
    for question in ("أسعار القمح في مصر", "إنتاج الأرز في آسيا", "محصول الزيتون في تونس"):
        assert (await service.ask(question, USER, PRIVATE)).answer.found, question


async def test_a_failed_reload_is_reported_once_per_run_and_the_old_index_serves(tmp_path):
    sources = write_articles(tmp_path / "s", {"wheat.txt": "أسعار القمح في مصر ارتفعت.\n"})
    service = Sanad(Settings(sources_dir=sources, admin_ids=[999]), Library.open(sources))
    before = service.engine
    (sources / "wheat.txt").write_bytes(b"\xff\xfe broken")
    outcomes = await asyncio.gather(
        service.reload(ADMIN), service.reload(ADMIN), service.reload(ADMIN), return_exceptions=True
    )
    # Two runs (the first, and one for the requests made during it): one report of each.
    assert [type(o).__name__ for o in outcomes] == ["ReloadFailed", "ReloadFailed", "NoneType"]
    assert service.engine is before
