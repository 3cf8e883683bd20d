"""The chat service on its own, with no platform: what every adapter relies on."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SEEDS, write_articles

from bot.service import messages, paging
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
from bot.service.policy import CONSOLE, OPERATOR, Chat, RateLimit, Sender
from bot.service.sanad import Sanad, Votes
from bot.service.settings import Settings
from retrieval.library import Library

ADMIN = Sender("telegram", "telegram:999", 999)
USER = Sender("telegram", "telegram:111", 111)
PRIVATE = Chat("telegram", 111, private=True)
ADMIN_CHAT = Chat("telegram", 999, private=True)
QUESTION = "بكم انخفض مؤشر ناسداك؟"
BROAD = "تأثير ديب سيك على أسهم إنفيديا"
WHEAT = "ارتفعت أسعار القمح في مصر هذا العام بسبب الجفاف وقلة الأمطار.\n"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_service(sources: Path, clock=None, **extra) -> Sanad:
    settings = Settings(sources_dir=sources, admin_ids=[999], **extra)
    return Sanad(settings, Library.open(sources), **({"clock": clock} if clock else {}))


@pytest.fixture(scope="module")
def seeds_service() -> Sanad:
    return make_service(SEEDS)


async def test_ask_returns_a_page_with_the_next_offset(seeds_service):
    page = await seeds_service.ask(BROAD, USER, PRIVATE)
    assert len(page.answer.passages) == 3 and page.next_offset == 3
    second = await seeds_service.more(BROAD, paging.more_token(3), USER, PRIVATE)
    assert second.answer.offset == 3
    assert {p.text for p in second.answer.passages}.isdisjoint(
        p.text for p in page.answer.passages
    )


async def test_question_without_letters_is_refused_with_its_sentence(seeds_service):
    with pytest.raises(EmptyQuestion) as refused:
        await seeds_service.ask("؟؟!!...", USER, PRIVATE)
    assert refused.value.text == messages.EMPTY_QUESTION


GREETING = (
    "{} أنا سند، أجيب عن أسئلتك بفقرات مقتبسة حرفيًا من مقالاتي مع ذكر مصدر كل فقرة.\n"
    "اكتب سؤالك بالعربية، مثل: كم كلّف تدريب نموذج R1؟"
)


@pytest.mark.parametrize(
    ("text", "platform", "reply"),
    [
        ("مرحبا", "telegram", GREETING.format("أهلًا بك!")),
        ("hi!", "discord", GREETING.format("أهلًا بك!")),
        ("السلام عليكم ورحمة الله", "console", GREETING.format("وعليكم السلام!")),
        ("مزيد", "telegram", messages.MORE_AS_TEXT),
        ("المزيد من فضلك", "discord", messages.MORE_AS_TEXT),
        (
            "/foo",
            "telegram",
            "لا أعرف الأمر /foo. اكتب سؤالك مباشرة، أو اكتب /help لترى ما أستطيع.",
        ),
        (
            "/help",
            "discord",
            "لا أعرف الأمر /help. اكتب سؤالك مباشرة، أو استعمل /ask لتسألني أو /sources "
            "لترى مصادري.",
        ),
    ],
)
async def test_chat_text_that_asks_nothing_gets_its_reply_and_is_not_searched(
    text, platform, reply
):
    service = make_service(SEEDS, user_questions_per_minute=1)
    sender = Sender(platform, f"{platform}:111", 111)
    for _ in range(2):  # neither rate-limited nor counted
        with pytest.raises(NotAQuestion) as replied:
            await service.ask(text, sender, Chat(platform, 111, private=True))
        assert replied.value.text == reply
    assert (service.stats.answered, service.stats.unanswered, list(service.stats.gaps)) == (
        0,
        0,
        [],
    )
    await service.ask(QUESTION, sender, PRIVATE)  # the one question of the minute


async def test_greeting_without_example_questions_still_says_how_to_ask(tmp_path):
    service = make_service(SEEDS, example_questions=[])
    with pytest.raises(NotAQuestion) as replied:
        await service.ask("أهلا", USER, PRIVATE)
    assert replied.value.text.endswith("\nاكتب سؤالك بالعربية.")


async def test_a_greeting_with_a_question_is_answered(seeds_service):
    page = await seeds_service.ask("مرحبا، بكم انخفض مؤشر ناسداك؟", USER, PRIVATE)
    assert "ناسداك" in page.answer.passages[0].text


async def test_long_question_is_cut_and_flagged(seeds_service):
    page = await seeds_service.ask("ناسداك " * 200, USER, PRIVATE)
    assert page.trimmed and len(page.answer.question) == seeds_service.settings.max_question_chars


async def test_rate_limit_is_per_sender_key_and_refills(tmp_path):
    clock = Clock()
    service = make_service(SEEDS, clock, user_questions_per_minute=2)
    other = Sender("telegram", "telegram:222", 222)
    await service.ask(QUESTION, USER, PRIVATE)
    await service.ask(QUESTION, USER, PRIVATE)
    with pytest.raises(RateLimited) as limited:
        await service.ask(QUESTION, USER, PRIVATE)
    # Two a minute: the bucket gets a question back every 30 s, and the refusal says so.
    assert limited.value.text == messages.RATE_LIMITED.format(seconds=30)
    clock.now += 20
    with pytest.raises(RateLimited) as limited:
        await service.ask(QUESTION, USER, PRIVATE)
    assert limited.value.text == messages.RATE_LIMITED.format(seconds=10)
    await service.ask(QUESTION, other, PRIVATE)  # another sender has a bucket of its own
    await service.more(BROAD, paging.more_token(3), USER, PRIVATE)  # paging is not counted
    clock.now += 61
    await service.ask(QUESTION, USER, PRIVATE)


GROUP = Chat("telegram", -5, private=False)
TALK = ("كيف أطبخ المقلوبة باللحم؟", "هههههه", "مين جاي على العشاء بكرة؟")


async def test_group_talk_that_finds_nothing_uses_no_question_and_is_no_gap():
    clock = Clock()
    service = make_service(SEEDS, clock, user_questions_per_minute=2)
    for talk in TALK * 2:
        page = await service.ask(talk, USER, GROUP, unprompted=True)
        assert not page.answer.found
    # Six messages of talk later, the sender still has both questions of the minute.
    await service.ask(QUESTION, USER, GROUP)
    called = await service.ask(TALK[0], USER, GROUP)  # called by name: a real "no answer"
    assert not called.answer.found
    with pytest.raises(RateLimited):
        await service.ask(QUESTION, USER, GROUP)
    assert service.stats.unanswered == 1
    assert [gap.question for gap in service.stats.gaps] == [TALK[0]]


async def test_group_talk_that_finds_passages_counts_like_a_question():
    service = make_service(SEEDS, Clock(), user_questions_per_minute=2)
    for _ in range(2):
        page = await service.ask(QUESTION, USER, GROUP, unprompted=True)
        assert page.answer.found
    with pytest.raises(RateLimited):
        await service.ask(QUESTION, USER, GROUP, unprompted=True)
    assert service.stats.answered == 2


async def test_a_burst_over_the_rate_limit_is_told_once_per_window(tmp_path):
    clock = Clock()
    service = make_service(SEEDS, clock, user_questions_per_minute=2)
    await service.ask(QUESTION, USER, PRIVATE)
    await service.ask(QUESTION, USER, PRIVATE)
    repeats = []
    for _ in range(3):
        with pytest.raises(RateLimited) as limited:
            await service.ask(QUESTION, USER, PRIVATE)
        repeats.append(limited.value.repeated)
    assert repeats == [False, True, True]
    clock.now += 30  # one question back: asked, then the next refusal opens a new window
    await service.ask(QUESTION, USER, PRIVATE)
    with pytest.raises(RateLimited) as limited:
        await service.ask(QUESTION, USER, PRIVATE)
    assert not limited.value.repeated
    assert limited.value.text == messages.RATE_LIMITED.format(seconds=30)


async def test_console_operator_is_never_rate_limited(tmp_path):
    service = make_service(SEEDS, user_questions_per_minute=1)
    for _ in range(3):
        await service.ask(QUESTION, OPERATOR, CONSOLE)


async def test_inline_questions_share_the_rate_limit_and_count_latency(tmp_path):
    service = make_service(SEEDS, user_questions_per_minute=1)
    await service.ask(QUESTION, USER, None, limit=10, inline=True)
    assert service.stats.inline_queries == 1 and len(service.stats.latencies_ms) == 1
    with pytest.raises(RateLimited):
        await service.ask(QUESTION, USER, PRIVATE)


async def test_unanswered_and_unhelpful_questions_become_gaps_for_admins(tmp_path):
    service = make_service(SEEDS)
    await service.ask("كيف أطبخ المقلوبة باللحم؟", USER, PRIVATE)
    service.feedback("telegram:111:5", QUESTION, helpful=False)
    gaps = service.gaps(ADMIN, ADMIN_CHAT).lines
    assert gaps[0] == messages.GAPS_HEADER
    assert "كيف أطبخ المقلوبة باللحم؟" in gaps[1] and "❓" in gaps[1]
    assert QUESTION in gaps[2] and "👎" in gaps[2]
    with pytest.raises(NotAdmin):
        service.gaps(USER, PRIVATE)


async def test_a_question_asked_again_in_other_spellings_is_one_gap_with_its_count(tmp_path):
    service = make_service(SEEDS)
    spellings = [
        "كيف أطبخ المقلوبة باللحم؟",
        "كيف اطبخ المقلوبـــة  باللحم",  # alef without hamza, tatweel, two spaces
        "  كيف إطبخ المقلوبه باللحم؟!",
    ]
    await service.ask("ما عاصمة منغوليا؟", USER, PRIVATE)
    for question in spellings:
        await service.ask(question, USER, PRIVATE)
    service.feedback("telegram:111:7", spellings[1], helpful=False)
    service.feedback("telegram:111:8", QUESTION, helpful=False)
    service.feedback("telegram:111:9", QUESTION + "..", helpful=False)
    assert service.gaps(ADMIN, ADMIN_CHAT).lines == (
        messages.GAPS_HEADER,
        f"• ❓👎 {spellings[0]} " + messages.GAP_ASKED.format(count=4),
        f"• 👎 {QUESTION} " + messages.GAP_ASKED.format(count=2),
        "• ❓ ما عاصمة منغوليا؟",
    )


async def test_gaps_list_the_twenty_most_asked_of_the_fifty_remembered(tmp_path):
    service = make_service(SEEDS)
    for n in range(60):  # the first ten are forgotten
        service.feedback(f"telegram:1:{n}", f"سؤال رقم {n}", helpful=False)
    for vote, n in enumerate((5, 30, 30, 59)):
        service.feedback(f"telegram:2:{vote}", f"سؤال رقم {n}؟", helpful=False)
    lines = service.gaps(ADMIN, ADMIN_CHAT).lines
    assert len(lines) == 1 + 20
    assert lines[1:3] == (
        "• 👎 سؤال رقم 30 " + messages.GAP_ASKED.format(count=3),
        "• 👎 سؤال رقم 59 " + messages.GAP_ASKED.format(count=2),
    )
    # Asked once: the most recent, in the order they came (5 was forgotten, then came again).
    assert lines[3:] == (*(f"• 👎 سؤال رقم {n}" for n in range(42, 59)), "• 👎 سؤال رقم 5؟")


def test_one_vote_per_answer(tmp_path):
    service = make_service(SEEDS)
    assert service.feedback("telegram:111:5", QUESTION, helpful=True) == messages.FEEDBACK_THANKS
    with pytest.raises(AlreadyVoted):
        service.feedback("telegram:111:5", QUESTION, helpful=False)
    service.feedback("telegram:111:6", QUESTION, helpful=False)
    assert (service.stats.helpful, service.stats.unhelpful) == (1, 1)


@pytest.mark.parametrize(
    "token",
    [
        "fb:1",
        "more:",
        "more:x",
        "more:-3",
        "",
        "more: 3",
        "more:²",
        "more:٣",
        "more:3\n",
        "more:99999999999999999999",
        "more:+3",
        "more:3.0",
        "more:۳",
        "more:3:",
        "more:3:abc",
        "more:3:ABCDEF12",
        "more:3:0123456789",
        "more:3:zzzzzzzz",
        "more::0123abcd",
    ],
)
async def test_a_bad_more_token_is_a_polite_refusal(seeds_service, token):
    with pytest.raises(PageExpired) as refused:
        await seeds_service.more(BROAD, token, USER, PRIVATE)
    assert refused.value.text == messages.PAGE_EXPIRED


@pytest.mark.parametrize("token", ["²", "٣", "۳", "³", "-1", "1e3", " 1", "1 ", "", "0x1", "201"])
def test_offsets_are_ascii_digits_in_range(token):
    assert paging.parse_offset(token) is None


def test_offsets_in_range_are_read():
    assert [paging.parse_offset(t) for t in ("0", "7", "200")] == [0, 7, 200]


def test_paging_tokens_round_trip():
    assert paging.parse_more(paging.more_token(6)) == 6
    assert paging.parse_feedback(paging.feedback_token(True)) is True
    assert paging.parse_feedback(paging.feedback_token(False)) is False
    assert paging.parse_feedback("fb:2") is None
    assert all(len(paging.more_token(n).encode()) <= 64 for n in (0, paging.MAX_OFFSET))
    token = paging.more_token(paging.MAX_OFFSET, "سؤال طويل " * 100)
    assert paging.parse_more(token) == paging.MAX_OFFSET and len(token.encode()) <= 64


async def test_more_with_the_token_of_another_wording_says_the_question_was_edited(
    seeds_service,
):
    page = await seeds_service.ask(BROAD, USER, PRIVATE)
    token = paging.more_token(page.next_offset, page.question)
    second = await seeds_service.more(f"  {BROAD}  ", token, USER, PRIVATE)  # spacing aside
    assert second.answer.offset == 3
    with pytest.raises(QuestionEdited) as refused:
        await seeds_service.more(QUESTION, token, USER, PRIVATE)
    assert refused.value.text == messages.QUESTION_EDITED


def test_policy_admins_chats_and_every_message_groups():
    settings = Settings(
        admin_ids=[999], allowed_chat_ids=[111, -5], answer_every_group_message=[-5]
    )
    service = Sanad(settings, Library.open(SEEDS))
    policy = service.policy
    assert policy.is_admin(ADMIN) and not policy.is_admin(USER) and policy.is_admin(OPERATOR)
    assert not policy.is_admin(Sender("discord", "discord:999", 999))  # ids are per platform
    assert not policy.is_admin(Sender("telegram", "telegram:chat:-5"))
    assert policy.chat_allowed(PRIVATE, USER)
    assert not policy.chat_allowed(Chat("telegram", 222, True), Sender("telegram", "t:222", 222))
    assert policy.chat_allowed(Chat("telegram", -5, False), USER)
    assert not policy.chat_allowed(Chat("telegram", -6, False), USER)
    # The admin's own private chat always; other chats only when listed, for admins too.
    assert policy.chat_allowed(Chat("telegram", 999, True), ADMIN)
    assert not policy.chat_allowed(Chat("telegram", -6, False), ADMIN)
    # Inline queries come from no chat: answered for admins only while the list is set.
    assert policy.chat_allowed(None, ADMIN) and not policy.chat_allowed(None, USER)
    open_policy = Sanad(Settings(admin_ids=[999]), Library.open(SEEDS)).policy
    assert open_policy.chat_allowed(None, USER)
    assert open_policy.chat_allowed(Chat("telegram", -6, False), USER)
    assert policy.answers_every_message(Chat("telegram", -5, private=False))
    assert not policy.answers_every_message(Chat("telegram", -6, private=False))
    assert policy.answers_every_message(PRIVATE)
    # Chatter: read only because the group answers every message, so passages or nothing.
    assert policy.unprompted(Chat("telegram", -5, private=False), called=False)
    assert not policy.unprompted(Chat("telegram", -5, private=False), called=True)
    assert not policy.unprompted(Chat("telegram", -6, private=False), called=False)
    assert not policy.unprompted(PRIVATE, called=False)
    assert not policy.unprompted(None, called=False)


def test_discord_admins_and_every_message_channels_are_discord_ids():
    settings = Settings(
        admin_ids=[999], discord_admin_ids=[4242], discord_answer_every_message=[77]
    )
    policy = Sanad(settings, Library.open(SEEDS)).policy
    assert policy.is_admin(Sender("discord", "discord:4242", 4242))
    assert not policy.is_admin(Sender("telegram", "telegram:4242", 4242))
    assert not policy.is_admin(Sender("discord", "discord:999", 999))
    assert policy.answers_every_message(Chat("discord", 77, private=False))
    assert not policy.answers_every_message(Chat("telegram", 77, private=False))
    assert not policy.answers_every_message(Chat("discord", 78, private=False))


async def test_reload_reports_changes_and_serves_new_articles(seeds_copy):
    service = make_service(seeds_copy)
    write_articles(seeds_copy, {"wheat.txt": WHEAT})
    report = await service.reload(ADMIN)
    assert "wheat.txt" in report
    page = await service.ask("لماذا ارتفعت أسعار القمح في مصر؟", USER, PRIVATE)
    assert "القمح" in page.answer.passages[0].text


async def test_a_question_asked_again_is_answered_by_the_index_serving_now(seeds_copy):
    service = make_service(seeds_copy)
    wheat = "لماذا ارتفعت أسعار القمح في مصر؟"
    before = await service.ask(wheat, USER, PRIVATE)
    assert all("القمح" not in p.text for p in before.answer.passages)
    write_articles(seeds_copy, {"wheat.txt": WHEAT})
    await service.reload(ADMIN)
    after = await service.ask(wheat, USER, PRIVATE)
    assert "القمح" in after.answer.passages[0].text
    service.rollback(ADMIN)
    rolled_back = await service.ask(wheat, USER, PRIVATE)
    assert rolled_back.answer == before.answer
    # Each asking counts, whether the answer was found again or remembered.
    assert service.stats.answered + service.stats.unanswered == 3


async def test_failed_reload_keeps_the_old_index_serving(seeds_copy):
    service = make_service(seeds_copy)
    before = service.engine
    for path in seeds_copy.glob("*.txt"):
        path.write_bytes(b"\xff\xfe broken")
    with pytest.raises(ReloadFailed) as failed:
        await service.reload(ADMIN)
    # Why, in Arabic and file by file, without the server's path.
    reason = "000_af81419499bc971b.txt\u200e: ليس نصًا بترميز UTF-8"
    assert "فشلت" in failed.value.text and reason in failed.value.text
    assert str(seeds_copy) not in failed.value.text
    assert service.engine is before
    assert (await service.ask(QUESTION, USER, PRIVATE)).answer.found


async def test_only_admins_reload_roll_back_upload_and_read_stats(seeds_copy):
    service = make_service(seeds_copy)
    with pytest.raises(NotAdmin):
        await service.reload(USER)
    with pytest.raises(NotAdmin):
        service.rollback(USER)
    with pytest.raises(NotAdmin):
        service.add_article(USER, "a.txt", WHEAT.encode())
    with pytest.raises(NotAdmin):
        service.stats_text(USER)
    assert service.rollback(ADMIN) == messages.ROLLBACK_NONE
    assert not (seeds_copy / "a.txt").exists()


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("../evil.txt", b"text", "اسم الملف"),
        (".hidden.txt", b"text", "اسم الملف"),
        ("notes.pdf", b"text", "اسم الملف"),
        ("latin.txt", "café".encode("latin-1"), "UTF-8"),
        ("empty.txt", b"   \n", "لا يمكن قراءة الملف"),
        ("big.txt", b"x" * 2_000, "أكبر من الحد"),
    ],
)
def test_upload_validation_refuses_and_writes_nothing(seeds_copy, name, data, reason):
    service = make_service(seeds_copy, upload_max_bytes=1_000)
    before = sorted(p.name for p in seeds_copy.iterdir())
    with pytest.raises(UploadRejected) as refused:
        service.add_article(ADMIN, name, data)
    assert reason in refused.value.text
    assert sorted(p.name for p in seeds_copy.iterdir()) == before


def refusal_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("refused the")]


@pytest.mark.parametrize(
    ("name", "data", "logged"),
    [
        ("../evil.txt", b"text", "unsafe file name (Latin letters, digits, - and _ with"),
        ("latin.txt", "café".encode("latin-1"), "not UTF-8 (unexpected end of data at byte 3)"),
        ("empty.txt", b"   \n", "not readable as an article: no text"),
        ("big.txt", b"x" * 2_000, "2000 bytes, over upload_max_bytes (1000)"),
    ],
)
def test_a_refused_upload_is_one_log_line_with_the_admin_the_file_and_why(
    seeds_copy, caplog, name, data, logged
):
    service = make_service(seeds_copy, upload_max_bytes=1_000)
    with caplog.at_level("INFO", logger="bot.service.sanad"), pytest.raises(UploadRejected):
        service.add_article(ADMIN, name, data)
    [line] = refusal_lines(caplog)
    assert line.startswith(f"refused the upload {name!r} from telegram:999: {logged}")


def test_refusals_for_unwritable_sources_are_logged_once_before_download_and_at_store(
    seeds_copy, tmp_path, caplog
):
    service = make_service(seeds_copy)
    (seeds_copy / "rice.md").mkdir()  # the rename onto it fails after the data is written
    with caplog.at_level("INFO", logger="bot.service.sanad"), pytest.raises(UploadRejected):
        service.add_article(ADMIN, "rice.md", WHEAT.encode())
    seeds_copy.rename(tmp_path / "elsewhere")
    seeds_copy.write_text("not a directory", encoding="utf-8")
    with caplog.at_level("INFO", logger="bot.service.sanad"), pytest.raises(UploadRejected):
        service.check_upload(ADMIN, "wheat.md", 500)
    stored, checked = refusal_lines(caplog)
    assert stored.startswith("refused the upload 'rice.md' from telegram:999: could not store it")
    assert checked == (
        f"refused the upload 'wheat.md' from telegram:999: sources directory {seeds_copy} "
        "cannot be written (not a directory)"
    )


def test_stored_upload_is_logged_with_its_size_in_words(seeds_copy, caplog):
    service = make_service(seeds_copy)
    with caplog.at_level("INFO", logger="bot.service.sanad"):
        service.add_article(ADMIN, "a.txt", b"a")
        service.add_article(ADMIN, "b.txt", WHEAT.encode())
    stored = [r.getMessage() for r in caplog.records if " stored " in r.getMessage()]
    assert stored == [
        "admin telegram:999 stored a.txt (1 byte)",
        f"admin telegram:999 stored b.txt ({len(WHEAT.encode())} bytes)",
    ]


def test_declared_size_is_refused_before_download(seeds_copy):
    service = make_service(seeds_copy, upload_max_bytes=1_000)
    with pytest.raises(UploadRejected, match="أكبر"):
        service.check_upload(ADMIN, "rice.md", 5_000)
    service.check_upload(ADMIN, "rice.md", 500)


async def test_upload_to_sources_that_cannot_be_written_is_refused_and_answers_go_on(
    seeds_copy, tmp_path
):
    service = make_service(seeds_copy)
    # The volume is gone from under the running bot: a file stands where the directory was,
    # which no user, root included, can write into (a read-only mount cannot be made here).
    seeds_copy.rename(tmp_path / "elsewhere")
    seeds_copy.write_text("not a directory", encoding="utf-8")
    with pytest.raises(UploadRejected) as before_download:
        service.check_upload(ADMIN, "rice.md", 500)
    with pytest.raises(UploadRejected) as at_store:
        service.add_article(ADMIN, "rice.md", WHEAT.encode())
    assert before_download.value.text == at_store.value.text == messages.UPLOAD_NOT_WRITABLE
    assert (await service.ask(QUESTION, USER, PRIVATE)).answer.found


def test_upload_that_fails_while_being_stored_is_refused_and_leaves_no_temp_file(seeds_copy):
    service = make_service(seeds_copy)
    (seeds_copy / "rice.md").mkdir()  # the rename onto it fails after the data is written
    with pytest.raises(UploadRejected) as refused:
        service.add_article(ADMIN, "rice.md", WHEAT.encode())
    assert refused.value.text == messages.UPLOAD_NOT_WRITABLE
    assert not list(seeds_copy.glob(".*.tmp"))
    assert not list((seeds_copy / "rice.md").iterdir())


async def test_uploaded_article_is_stored_atomically_and_served_after_reload(seeds_copy):
    service = make_service(seeds_copy)
    content = '+++\ntitle = "أسعار الأرز"\n+++\nانخفض إنتاج الأرز في آسيا بعد الفيضانات.\n'
    saved = service.add_article(ADMIN, "rice.md", content.encode())
    assert "rice.md" in saved
    assert (seeds_copy / "rice.md").read_text(encoding="utf-8") == content
    assert not list(seeds_copy.glob(".*.tmp"))
    assert "rice.md" in await service.reload(ADMIN)
    assert (await service.ask("إنتاج الأرز في آسيا", USER, PRIVATE)).answer.found


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\u2028"])
async def test_an_upload_saved_with_other_line_breaks_reads_as_its_lf_copy(seeds_copy, newline):
    lf = (
        '+++\ntitle = "أسعار الأرز"\nsource = "وكالة الأنباء"\n+++\n'
        "انخفض إنتاج الأرز في آسيا بعد الفيضانات.\n\nارتفعت أسعار الأرز في الأسواق المحلية.\n"
    )
    service = make_service(seeds_copy)
    service.add_article(ADMIN, "rice.md", lf.replace("\n", newline).encode())
    await service.reload(ADMIN)
    listed = [line for line in service.sources().lines if line.startswith("- rice.md")]
    assert len(listed) == 1 and "أسعار الأرز" in listed[0] and "+++" not in listed[0]
    page = await service.ask("ارتفعت أسعار الأرز في الأسواق", USER, PRIVATE)
    best = page.answer.passages[0]
    assert best.text == "ارتفعت أسعار الأرز في الأسواق المحلية."
    assert (best.source.title, best.source.publisher, best.source.paragraph) == (
        "أسعار الأرز",
        "وكالة الأنباء",
        2,
    )


def test_sources_lists_articles_and_skipped_files(tmp_path):
    sources = write_articles(tmp_path / "s", {"a.txt": WHEAT})
    (sources / "bad.txt").write_bytes(b"\xff\xfe\x00")
    lines = make_service(sources).sources().lines
    assert "المقالات: 1" in lines[0]
    assert any(line.startswith("- a.txt:") for line in lines)
    assert lines[-2] == messages.SOURCES_SKIPPED and lines[-1].startswith("- bad.txt:")


BAD_URL = '+++\ntitle = "القمح"\nurl = "javascript:alert(1)"\n+++\n' + WHEAT
LONG_TITLE = "عنوان " * 60  # 359 characters once stripped: shortened to 200


def mended_sources(directory: Path) -> Path:
    sources = write_articles(
        directory,
        {"a.txt": BAD_URL, "b.md": f'+++\ntitle = "{LONG_TITLE}"\n+++\n{WHEAT}'},
    )
    (sources / "bad.txt").write_bytes(b"\xff\xfe\x00")
    return sources


def test_sources_lists_mended_attribution_beside_skipped_files(tmp_path):
    lines = make_service(mended_sources(tmp_path / "s")).sources().lines
    assert lines[-5:] == (
        messages.SOURCES_SKIPPED,
        "- bad.txt: ليس نصًا بترميز UTF-8",
        messages.SOURCES_MENDED,
        "- a.txt: حذفت الرابط \u200e'javascript:alert(1)'\u200e: ليس عنوان \u200ehttp(s)\u200e كاملًا",
        "- b.md: قصّرت العنوان من 359 إلى 200 حرفًا",
    )


async def test_skipped_files_and_mended_attribution_are_logged_once_per_load(tmp_path, caplog):
    sources = mended_sources(tmp_path / "s")
    expected = [
        "skipped bad.txt: not UTF-8 text",
        "attribution mended in a.txt: url dropped (not an absolute http(s) address): "
        "'javascript:alert(1)'",
        "attribution mended in b.md: title shortened from 359 to 200 characters",
    ]
    with caplog.at_level("WARNING", logger="bot.service.sanad"):
        service = make_service(sources)
        await service.ask("أسعار القمح في مصر", USER, PRIVATE)
        service.sources()
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", line) for line in expected
    ]
    caplog.clear()
    (sources / "bad.txt").unlink()
    with caplog.at_level("WARNING", logger="bot.service.sanad"):
        await service.reload(ADMIN)
    assert [r.getMessage() for r in caplog.records] == expected[1:]


def test_uploaded_article_with_mended_attribution_says_what_was_mended(seeds_copy):
    saved = make_service(seeds_copy).add_article(ADMIN, "wheat.txt", BAD_URL.encode())
    assert saved.splitlines() == [
        messages.UPLOAD_SAVED.format(name="wheat.txt"),
        messages.UPLOAD_MENDED,
        "- حذفت الرابط \u200e'javascript:alert(1)'\u200e: ليس عنوان \u200ehttp(s)\u200e كاملًا",
    ]
    clean = make_service(seeds_copy).add_article(ADMIN, "rice.txt", WHEAT.encode())
    assert clean == messages.UPLOAD_SAVED.format(name="rice.txt")


def test_welcome_summarises_the_collection(seeds_service):
    welcome = seeds_service.welcome()
    assert (welcome.articles, welcome.paragraphs) == (5, 114)
    assert len(welcome.titles) == 5 and welcome.examples


async def test_users_questions_are_shown_only_in_a_private_chat(seeds_copy):
    service = make_service(seeds_copy)
    await service.ask("كيف أطبخ المقلوبة باللحم؟", USER, PRIVATE)
    group = Chat("telegram", -100, private=False)
    with pytest.raises(PrivateOnly) as refused:
        service.gaps(ADMIN, group)
    assert refused.value.text == messages.PRIVATE_ONLY and "المقلوبة" not in refused.value.text
    assert any("المقلوبة" in line for line in service.gaps(ADMIN, ADMIN_CHAT).lines)


def test_rate_limit_remembers_a_bounded_number_of_senders_and_forgets_idle_ones():
    clock = Clock()
    limit = RateLimit(per_minute=2, clock=clock, max_senders=100)
    for n in range(1_000):
        assert limit.allow(f"telegram:{n}")
    assert len(limit) == 100
    assert limit.allow("telegram:999") and not limit.allow("telegram:999")  # still limited
    clock.now += 61  # a minute refills any bucket: idle senders are forgotten
    assert limit.allow("telegram:new")
    assert len(limit) == 1
    assert limit.allow("telegram:999")


def test_votes_are_bounded_and_expire():
    clock = Clock()
    votes = Votes(max_answers=100, seconds=3600, clock=clock)
    for n in range(1_000):
        assert votes.add(f"telegram:1:{n}")
    assert len(votes) == 100
    assert not votes.add("telegram:1:999")  # recent answers keep their one vote
    clock.now += 3601
    assert votes.add("telegram:1:1000") and len(votes) == 1


async def test_an_upload_replacing_an_article_keeps_the_earlier_one_and_says_where(seeds_copy):
    service = make_service(seeds_copy)
    name = "000_af81419499bc971b.txt"
    before = (seeds_copy / name).read_bytes()
    saved = service.add_article(ADMIN, name, WHEAT.encode())
    [kept] = (seeds_copy / ".sanad-replaced").iterdir()
    assert kept.name.startswith(name + ".") and kept.read_bytes() == before
    assert (seeds_copy / name).read_text(encoding="utf-8") == WHEAT
    assert saved.splitlines()[-1] == messages.UPLOAD_REPLACED.format(
        kept=f".sanad-replaced/{kept.name}"
    )
    # The kept copy is never loaded: the reload sees five articles, the new one among them.
    await service.reload(ADMIN)
    assert len(service.engine.corpus.articles) == 5
    fresh = service.add_article(ADMIN, "rice.txt", WHEAT.encode())
    assert messages.UPLOAD_REPLACED.split("{")[0] not in fresh


async def test_a_rollback_says_the_files_stay_as_they_are(seeds_copy):
    service = make_service(seeds_copy)
    service.add_article(ADMIN, "rice.txt", WHEAT.encode())
    await service.reload(ADMIN)
    said = service.rollback(ADMIN)
    assert said == messages.ROLLBACK_DONE.format(articles=5, paragraphs=114)
    assert "لم أغيّر ملفات المصادر" in said
