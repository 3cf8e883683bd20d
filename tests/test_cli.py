"""The sanad command as operators and benchmarks use it (run as a real subprocess)."""

import json
import os
import pty
import random
import re
import signal
import socket
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest
from bidi import get_display
from botapi import BotApiEmulator
from conftest import CITY, CITY_KEY, CITY_PART_LABEL, ROOT, SEEDS, write_articles
from serving import alive, descendants, grandchildren, kill_group, wait_until

from bot.console.render import BOLD, RESET, render_answer
from bot.health import start_health_server
from bot.service import messages
from retrieval.library import Library
from retrieval.search import SearchEngine

BIDI_CONTROLS = "\u200e\u200f\u2066\u2067\u2068\u2069"

SANAD = [sys.executable, "-m", "bot.console.entry"]
SEED_4 = "004_9d75bff426171bc6.txt"


def run(args, stdin="", env=None, cwd=ROOT, prefix=()):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SANAD_")}
    environment["PYTHONPATH"] = str(ROOT)
    environment.update(env or {})
    return subprocess.run(
        [*prefix, *SANAD, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=120,
    )


def test_search_json_prints_the_contract_for_each_argument_query():
    result = run(
        ["search", "--sources", str(SEEDS), "--top", "3", "--json", "بكم انخفض مؤشر ناسداك؟"]
    )
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    payload = json.loads(line)
    assert payload["query"] == "بكم انخفض مؤشر ناسداك؟"
    assert 1 <= len(payload["hits"]) <= 3
    assert payload["decision"] in {"answer", "weak"}
    hit = payload["hits"][0]
    assert set(hit) == {"source", "paragraph", "part", "title", "text", "score"}
    assert hit["source"] == "004_9d75bff426171bc6.txt" and hit["paragraph"] == 15
    assert "ناسداك" in hit["text"] and isinstance(hit["score"], float)


def test_search_json_reads_one_query_per_stdin_line():
    stdin = "من هو مؤسس ديبسيك؟\n\nما هي عاصمة اليابان؟\n"
    result = run(["search", "--sources", str(SEEDS), "--json"], stdin=stdin)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["query"] for r in rows] == ["من هو مؤسس ديبسيك؟", "ما هي عاصمة اليابان؟"]
    assert rows[0]["hits"] and rows[0]["decision"] in {"answer", "weak"}
    assert rows[1]["hits"] == [] and rows[1]["decision"] == "none"


def test_search_reads_stdin_where_a_dash_stands_and_only_there():
    stdin = "من هو مؤسس ديبسيك؟\n\nما هي عاصمة اليابان؟\n"
    first, last = "بكم انخفض مؤشر ناسداك؟", "هل يستخدم الطلاب ديب سيك؟"
    cases = {
        (first, "-", last): [first, "من هو مؤسس ديبسيك؟", "ما هي عاصمة اليابان؟", last],
        ("-",): ["من هو مؤسس ديبسيك؟", "ما هي عاصمة اليابان؟"],
        (first,): [first],  # an argument without "-": stdin is not read
    }
    for queries, expected in cases.items():
        result = run(["search", "--sources", str(SEEDS), "--json", *queries], stdin=stdin)
        assert result.returncode == 0, result.stderr
        assert [json.loads(line)["query"] for line in result.stdout.splitlines()] == expected


def test_search_json_decision_tells_an_answer_from_the_nearest_passages_and_none():
    questions = ["بكم انخفض مؤشر ناسداك؟", "هل يستخدم الطلاب ديب سيك؟", "ما هي عاصمة اليابان؟"]
    result = run(["search", "--sources", str(SEEDS), "--json", *questions])
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["decision"], bool(r["hits"])) for r in rows] == [
        ("answer", True),
        ("weak", True),
        ("none", False),
    ]


def test_search_json_names_the_part_of_a_long_paragraph(tmp_path: Path):
    sources = write_articles(tmp_path / "s", {"city.txt": CITY})
    result = run(["search", "--sources", str(sources), "--json", "--top", "1", "كم عدد السكان؟"])
    [hit] = json.loads(result.stdout)["hits"]
    assert (hit["source"], hit["paragraph"], hit["part"]) == ("city.txt", 2, 2)
    assert CITY_KEY.strip() in hit["text"] and hit["text"] in CITY


def test_ask_prints_quoted_passages_with_sources():
    result = run(["ask", "--sources", str(SEEDS), "كم انخفض مؤشر ناسداك؟"])
    assert result.returncode == 0, result.stderr
    assert "«" in result.stdout and "ناسداك" in result.stdout
    assert "الفقرة 15 من 28" in result.stdout  # digits inside Arabic need no marks
    assert "ديب سيك تغير قواعد الذكاء الاصطناعي للأبد" in result.stdout
    assert "004_9d75bff426171bc6.txt" in result.stdout


def test_ask_says_plainly_when_there_is_no_answer():
    result = run(["ask", "--sources", str(SEEDS), "كيف أطبخ المقلوبة؟"])
    assert result.returncode == 1
    assert "لم أجد" in result.stdout


# Past max_question_chars (500): what is kept of the first asks nothing the sources answer;
# what is kept of the second still asks about the Nasdaq.
CUT_UNANSWERED = "بكم انخفض مؤشر ناسداك؟ " + "وأريد أن أعرف التفاصيل الكاملة " * 40
CUT_ANSWERED = "بكم انخفض مؤشر ناسداك؟ " * 30


@pytest.mark.parametrize(("question", "found"), [(CUT_UNANSWERED, False), (CUT_ANSWERED, True)])
def test_ask_and_chat_say_that_a_long_question_was_cut(question, found):
    asked = run(["ask", "--sources", str(SEEDS), question])
    assert asked.returncode == (0 if found else 1), asked.stderr
    first_line = "".join(ch for ch in asked.stdout if ch not in BIDI_CONTROLS).splitlines()[0]
    assert first_line == messages.QUESTION_TRIMMED
    [reply] = chat_replies(question + "\n")
    assert reply.startswith(messages.QUESTION_TRIMMED + "\n")
    assert ("«" in reply) == found


def test_eval_reports_the_figures(tmp_path: Path):
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps(
            {
                "question": "بكم انخفض مؤشر ناسداك؟",
                "relevant": [{"source": "004_9d75bff426171bc6.txt", "paragraph": 15}],
            },
            ensure_ascii=False,
        )
        + "\n"
        + json.dumps({"question": "كيف أطبخ المقلوبة؟", "relevant": []}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    result = run(["eval", "--sources", str(SEEDS), str(questions)])
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["hit@1"] == 1.0 and figures["abstained_on_unanswerable"] == "1/1"


EVAL = ROOT / "eval"


def recorded_figures(name: str) -> dict:
    """What bench/quality.py last recorded for Sanad on ``name`` (the closed world)."""
    rows = json.loads((EVAL / "figures.json").read_text(encoding="utf-8"))
    [row] = [r for r in rows if r["file"] == name and "world" not in r]
    return {k: v for k, v in row.items() if k not in ("file", "system")}


def test_eval_of_arcd_questions_on_the_seeds_stops_with_one_line_naming_the_way():
    result = run(["eval", "--sources", str(SEEDS), str(EVAL / "arcd-tune.jsonl")])
    assert result.returncode == 2 and result.stdout == ""
    line = one_error_line(result)
    assert "none of the sources" in line and "arcd-000" in line and "50 in all" in line
    assert "--collection" in line and "eval/arcd-train.json" in line


def test_eval_on_the_arcd_collection_gives_the_recorded_figures():
    result = run(
        ["eval", "eval/arcd-tune.jsonl", "--collection", "eval/arcd-train.json"], cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert (figures.pop("file"), figures.pop("collection")) == (
        "arcd-tune.jsonl",
        "eval/arcd-train.json",
    )
    assert figures == recorded_figures("arcd-tune.jsonl")


def test_eval_with_some_sources_missing_names_them_in_one_warning(tmp_path: Path):
    questions = tmp_path / "q.jsonl"
    rows = [
        {"question": "بكم انخفض مؤشر ناسداك؟", "relevant": [{"source": SEED_4, "paragraph": 15}]},
        {"question": "متى افتتح المتحف؟", "relevant": [{"source": "gone.txt", "paragraph": 2}]},
    ]
    questions.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = run(["eval", "--sources", str(SEEDS), str(questions)])
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["hit@1"] == 0.5
    assert operator_lines(result.stderr) == [
        f"{questions} names sources that are not in {SEEDS}: gone.txt (1 of 2); questions "
        "about them count as misses"
    ]


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--collection", "eval/seeds-dev.jsonl"], "is no collection"),
        (["--collection", "eval/nope.json"], "collection file not found: eval/nope.json"),
        (["--collection", "eval/arcd-train.json", "--sources", "seeds"], "not both"),
    ],
)
def test_eval_collection_that_cannot_be_one_is_one_line(extra, says):
    result = run(["eval", "eval/arcd-tune.jsonl", *extra], cwd=ROOT)
    assert result.returncode == 2 and says in one_error_line(result)


def test_make_eval_evaluates_every_question_set_on_its_collection():
    planned = subprocess.run(
        ["make", "-n", "eval"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    evals = [line.split("sanad eval ", 1)[1] for line in planned.splitlines() if "sanad eval" in line]
    sets = sorted(p.name for p in EVAL.glob("*.json*") if p.name != "figures.json")
    assert sorted(Path(e.split()[0]).name for e in evals) == sets
    for line in evals:
        if "arcd-tune" in line or "seeds-" in line:
            assert "--collection eval/arcd-train.json" in line or "--sources seeds" in line


def test_sources_lists_articles_and_skipped_files(tmp_path: Path):
    sources = write_articles(tmp_path / "s", {"a.txt": "فقرة عن القمح والخبز في مصر.\n"})
    (sources / "bad.txt").write_bytes(b"\xff\xfe\x00")
    result = run(["sources", "--sources", str(sources)])
    assert result.returncode == 0, result.stderr
    assert "a.txt" in result.stdout and "bad.txt" in result.stdout


def test_sources_reads_right_to_left_on_a_terminal_and_stays_plain_in_a_pipe(seeds_copy: Path):
    leader, follower = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SANAD_")}
    with subprocess.Popen(
        [*SANAD, "sources", "--sources", str(seeds_copy)],
        stdout=follower,
        stderr=subprocess.PIPE,
        env={**environment, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    ) as process:
        os.close(follower)
        shown = b""
        while chunk := _read_pty(leader):
            shown += chunk
        assert process.wait(timeout=120) == 0, process.stderr.read()
    os.close(leader)
    lines = shown.decode().splitlines()
    assert lines and all(line.startswith("\u200f") for line in lines), lines
    piped = run(["sources", "--sources", str(seeds_copy)]).stdout.splitlines()
    assert [line.lstrip("\u200f") for line in lines] != piped  # isolates around file names
    assert not any(c in BIDI_CONTROLS for line in piped for c in line)
    assert [line for line in piped if line.startswith("- 000_")]


def _read_pty(fd: int) -> bytes:
    """What the process wrote to its terminal, b"" once it closed it (EIO on Linux)."""
    try:
        return os.read(fd, 65536)
    except OSError:
        return b""


def mended_sources(directory: Path) -> Path:
    """An article whose URL is dropped at read time, and a file that is skipped."""
    sources = write_articles(
        directory,
        {"a.txt": '+++\nurl = "www.example.org/a"\n+++\nفقرة عن القمح والخبز في مصر.\n'},
    )
    (sources / "bad.txt").write_bytes(b"\xff\xfe\x00")
    return sources


MENDED = "url dropped (not an absolute http(s) address): 'www.example.org/a'"


def test_sources_lists_mended_attribution_beside_skipped_files(tmp_path: Path):
    result = run(["sources", "--sources", str(mended_sources(tmp_path / "s"))])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-4:] == [
        "ملفات لم تُحمَّل:",
        "- bad.txt: ليس نصًا بترميز UTF-8",
        "مقالات حُمِّلت بعد تصحيح بياناتها:",
        "- a.txt: حذفت الرابط \u200e'www.example.org/a'\u200e: ليس عنوان \u200ehttp(s)\u200e كاملًا",
    ]
    assert result.stderr == ""  # listed, not also logged


def test_index_names_skipped_files_and_mended_attribution(tmp_path: Path):
    result = run(["index", "--sources", str(mended_sources(tmp_path / "s"))])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [
        "skipped bad.txt: not UTF-8 text",
        f"attribution mended in a.txt: {MENDED}",
    ]


def test_wrong_config_value_stops_with_one_line_naming_the_key(tmp_path: Path):
    result = run(["sources"], env={"SANAD_ANSWER_PASSAGES": "many"})
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "answer_passages" in line and "Traceback" not in result.stderr


def test_config_file_key_typo_is_reported(tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text('sources_dirr = "x"\n', encoding="utf-8")
    result = run(["sources"], env={"SANAD_CONFIG": str(config)})
    assert result.returncode == 2
    assert "sources_dirr" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_missing_sources_directory_is_one_line(tmp_path: Path):
    result = run(["ask", "--sources", str(tmp_path / "nope"), "سؤال"])
    assert result.returncode == 2
    assert "sources directory not found" in result.stderr


def test_chat_answers_and_pages_until_eof():
    result = run(
        ["chat", "--sources", str(SEEDS)], stdin="تأثير ديب سيك على أسهم إنفيديا\nالمزيد\n"
    )
    assert result.returncode == 0, result.stderr
    assert "هذا ما وجدته" in result.stdout and "مزيد من الفقرات" in result.stdout


def test_index_command_saves_a_snapshot_that_later_commands_use(seeds_copy):
    result = run(["index", "--sources", str(seeds_copy)])
    assert result.returncode == 0, result.stderr
    assert "paragraphs" in result.stdout and "MB" in result.stdout
    assert (seeds_copy / ".sanad-index").is_file()
    asked = run(["ask", "--sources", str(seeds_copy), "كم انخفض مؤشر ناسداك؟"])
    assert asked.returncode == 0 and "ناسداك" in asked.stdout


def test_piped_answer_quotes_the_source_exactly_and_a_terminal_shows_highlights():
    answer = SearchEngine.from_sources(SEEDS).answer("كم انخفض مؤشر ناسداك؟")
    passage = answer.passages[0]
    quoted = passage.text[passage.excerpt.start : passage.excerpt.end]
    piped = render_answer(answer, ansi=False)
    assert f"«{quoted}" in "".join(ch for ch in piped if ch not in BIDI_CONTROLS)
    assert f"{BOLD}ناسداك{RESET}" in render_answer(answer, ansi=True)


def test_a_part_of_a_long_paragraph_is_cited_with_its_part(split_answer):
    for ansi in (False, True):
        source = render_answer(split_answer, ansi=ansi).splitlines()[3]
        assert f"— {CITY_PART_LABEL} — \u2066city.txt" in source


# README, "What is exact, where": questions whose quotes hold Latin runs, digits and «».
EXACTNESS_QUESTIONS = [
    "كم انخفض مؤشر ناسداك؟",
    "ما هو نموذج DeepSeek R1؟",
    "ما موقف OpenAI من ديب سيك؟",
    "كم بلغت تكلفة تطوير نموذج R1؟",
    "لماذا هبطت أسهم إنفيديا؟",
]
# What the README tells a reader to remove from a copied quote.
ADDED_MARKS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")


def test_search_json_text_is_byte_exact_paragraph_text():
    result = run(["search", "--sources", str(SEEDS), "--json", *EXACTNESS_QUESTIONS])
    files = {p.name: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}
    hits = [hit for line in result.stdout.splitlines() for hit in json.loads(line)["hits"]]
    assert len(hits) >= 20
    for hit in hits:
        assert hit["text"] in files[hit["source"]].splitlines()


def test_piped_quotes_are_the_source_once_the_direction_marks_are_removed():
    engine = SearchEngine.from_sources(SEEDS)
    for question in EXACTNESS_QUESTIONS:
        answer = engine.answer(question)
        piped = render_answer(answer, ansi=False)
        assert "\x1b" not in piped
        quotes = re.findall(r"^\d+\. «(.*)»$", ADDED_MARKS.sub("", piped), re.MULTILINE)
        assert len(quotes) == len(answer.passages) > 0
        for quote, passage in zip(quotes, answer.passages, strict=True):
            assert quote.strip("…") in passage.text


LOG_PREFIX = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ [\w.]+: ")


def operator_lines(stderr: str) -> list[str]:
    """What stderr says to an operator, one item a line, without the log records' prefix."""
    return [LOG_PREFIX.sub("", line) for line in stderr.splitlines()]


def one_error_line(result) -> str:
    """The operator's one line: no traceback, nothing else on stderr but log lines."""
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("sanad: error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("list.json", "[1, 2, 3]"),
        ("data-text.json", '{"data": "x"}'),
        ("rows.jsonl", "[1, 2]\n"),
        ("missing-key.jsonl", '{"question": "س"}\n'),
        ("not-json.json", "{oops"),
    ],
)
def test_eval_on_a_file_of_the_wrong_shape_is_one_line(tmp_path: Path, name, content):
    questions = tmp_path / name
    questions.write_text(content, encoding="utf-8")
    result = run(["eval", "--sources", str(SEEDS), str(questions)])
    assert result.returncode == 2
    assert name in one_error_line(result)


@pytest.mark.parametrize("name", ["empty.jsonl", "empty.json", "blank.jsonl"])
def test_eval_on_a_file_without_questions_fails_with_one_line(tmp_path: Path, name):
    questions = tmp_path / name
    questions.write_text("\n\n" if name.startswith("blank") else "", encoding="utf-8")
    if name == "empty.json":
        questions.write_text('{"data": []}', encoding="utf-8")
    result = run(["eval", "--sources", str(SEEDS), str(questions)])
    assert result.returncode == 2
    assert "no questions" in one_error_line(result)


@pytest.mark.parametrize("top", ["0", "-3", "x"])
def test_top_must_be_a_positive_number(top):
    for command in (["ask", "سؤال"], ["search", "--json", "سؤال"]):
        result = run([*command[:1], "--sources", str(SEEDS), "--top", top, *command[1:]])
        assert result.returncode == 2 and "--top" in result.stderr
        assert "Traceback" not in result.stderr


# Ctrl-C while the command's modules are still being imported (about 0.4 s of CPU on a cold
# start) and while it indexes (the whole run takes about 1.6 s of CPU).
@pytest.mark.parametrize("cpu_before_ctrl_c", [0.1, 0.8])
def test_ctrl_c_during_ask_exits_without_a_traceback(tmp_path: Path, cpu_before_ctrl_c: float):
    # About 7 MB of varied words: a second or two of indexing, in this process (under the size
    # at which indexing moves to a child process).
    rng = random.Random(1)
    letters = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
    vocabulary = ["".join(rng.choices(letters, k=rng.randint(3, 8))) for _ in range(30_000)]
    articles = {
        f"a{n:03d}.txt": "\n\n".join(
            " ".join(rng.choices(vocabulary, k=40)) + "." for _ in range(100)
        )
        for n in range(150)
    }
    sources = write_articles(tmp_path / "big", articles)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SANAD_")}
    environment["PYTHONPATH"] = str(ROOT)
    process = subprocess.Popen(
        [*SANAD, "ask", "--sources", str(sources), "ما أثر الذكاء الاصطناعي؟"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        cwd=ROOT,
        start_new_session=True,
        # As a terminal starts it: Ctrl-C not ignored, whatever the test runner inherited.
        preexec_fn=_default_ctrl_c,
    )
    # Wait until it has used that much CPU time as sanad (the forked copy of this big test
    # process spends CPU of its own before it executes sanad), then press Ctrl-C: the terminal
    # sends SIGINT to the whole foreground process group.
    deadline = time.monotonic() + 60
    while not has_executed(process.pid, b"bot.console.entry") and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    started = cpu_seconds(process.pid)
    while cpu_seconds(process.pid) - started < cpu_before_ctrl_c and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert process.poll() is None, "the command finished before it could be interrupted"
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    # Status 130 either way a shell sees it: sanad's own exit(130), or, when Ctrl-C lands while
    # the interpreter is still starting (its site-packages, before any of sanad runs), Python's
    # death by SIGINT, which a shell also reports as 130 (128 + 2).
    assert process.returncode in (130, -signal.SIGINT), stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr


def _default_ctrl_c() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def has_executed(pid: int, marker: bytes) -> bool:
    """Whether process ``pid`` now runs a command line holding ``marker`` (Linux /proc)."""
    try:
        return marker in Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError):
        return False


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a running process (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_rejected_telegram_token_is_one_line_without_the_token(bot_api):
    result = run(
        ["telegram", "--sources", str(SEEDS)],
        env={
            "SANAD_TELEGRAM_TOKEN": "999:WRONG-secret-value",
            "SANAD_TELEGRAM_BASE_URL": bot_api.base_url,
        },
    )
    assert result.returncode == 2
    line = one_error_line(result)
    assert "token" in line.lower()
    assert "WRONG-secret-value" not in result.stderr + result.stdout


def telegram_without_a_bot_api(attempts: int) -> subprocess.CompletedProcess[str]:
    """``sanad telegram`` pointed at a loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return run(
        ["telegram", "--sources", str(SEEDS)],
        env={
            "SANAD_TELEGRAM_TOKEN": "123456:TEST-token",
            "SANAD_TELEGRAM_BASE_URL": f"http://127.0.0.1:{port}/bot",
            "SANAD_TELEGRAM_CONNECT_ATTEMPTS": str(attempts),
        },
    )


def test_a_bot_api_tried_once_says_one_attempt():
    result = telegram_without_a_bot_api(1)
    assert result.returncode == 2
    assert "cannot reach the Bot API after 1 attempt: " in one_error_line(result)


def test_index_of_one_article_counts_it_in_the_singular(tmp_path: Path):
    sources = write_articles(tmp_path / "s", {"a.txt": "فقرة واحدة عن القمح والخبز في مصر.\n"})
    result = run(["index", "--sources", str(sources)])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("indexed 1 article, 1 paragraph in ")


def test_unreachable_bot_api_is_retried_then_one_line(tmp_path: Path):
    result = telegram_without_a_bot_api(3)
    assert result.returncode == 2
    line = one_error_line(result)
    assert "Bot API" in line and "3 attempts" in line
    retries = [row for row in result.stderr.splitlines() if "retrying in" in row]
    assert len(retries) == 2
    assert "TEST-token" not in result.stderr + result.stdout


@pytest.fixture
def bot_api():
    emulator = BotApiEmulator()
    emulator.start()
    yield emulator
    emulator.stop()


def test_search_json_prints_one_object_per_argument():
    questions = ["بكم انخفض مؤشر ناسداك؟", "من هو مؤسس ديبسيك؟", "ما هي عاصمة اليابان؟"]
    result = run(["search", "--sources", str(SEEDS), "--top", "3", "--json", *questions])
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["query"] for r in rows] == questions
    assert rows[0]["hits"] and rows[1]["hits"] and rows[2]["hits"] == []


@pytest.mark.parametrize("command", ["/help", "help", "مساعدة", "/start"])
def test_chat_help_is_shown_not_searched(command):
    result = run(["chat", "--sources", str(SEEDS)], stdin=f"{command}\n")
    assert result.returncode == 0, result.stderr
    assert "لم أجد" not in result.stdout
    for listed in ("/sources", "/exit", "«المزيد»"):
        assert listed in result.stdout.split("سؤالك:", 1)[1]


def chat_replies(stdin: str) -> list[str]:
    """What the console chat printed after each prompt, without its bidi marks."""
    result = run(["chat", "--sources", str(SEEDS)], stdin=stdin)
    assert result.returncode == 0, result.stderr
    shown = "".join(ch for ch in result.stdout if ch not in BIDI_CONTROLS)
    return [reply.strip() for reply in shown.split("سؤالك: ")[1:-1]]


def test_every_chat_line_shows_its_commands_and_names_as_typed_in_a_bidi_terminal():
    # A terminal lays each line out by its first strong letter: unmarked, «أو /sources
    # للمصادر» shows as "sources/", and the sources listing's lines start left-to-right.
    result = run(["chat", "--sources", str(SEEDS)], stdin="/help\n/sources\n/stats\n")
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    commands = re.compile(r"/[a-z]+")
    checked = 0
    for line in lines:
        shown = "".join(c for c in get_display(line) if c not in BIDI_CONTROLS)
        assert sorted(commands.findall(shown)) == sorted(commands.findall(line)), (line, shown)
        if re.search("[\u0600-\u06ff]", line):  # its first strong character sets it RTL
            strong = [unicodedata.bidirectional(c) for c in line]
            assert next(k for k in strong if k in ("L", "R", "AL")) in ("R", "AL"), line
            checked += 1
    assert checked >= 10  # welcome, help, the listing and the unknown command's reply


def test_chat_says_an_unknown_command_is_unknown_instead_of_searching_it():
    [reply] = chat_replies("/stats\n")
    assert reply == "لا أعرف الأمر /stats. اكتب سؤالك مباشرة، أو اكتب /help لترى ما أستطيع."


@pytest.mark.parametrize("more", ["مزيد", "المزيد؟", "أكثر", "المزيد من فضلك", "/more", "more"])
def test_chat_pages_on_every_way_of_saying_more(more):
    first, second = chat_replies(f"تأثير ديب سيك على أسهم إنفيديا\n{more}\n")
    assert first.startswith("هذا ما وجدته في المصادر:\n\n1. «")
    assert second.startswith("مزيد من الفقرات:\n\n4. «")


def test_chat_greets_back_and_more_after_a_greeting_pages_nothing():
    greeted, more = chat_replies("السلام عليكم\nالمزيد\n")
    assert greeted.startswith("وعليكم السلام! أنا سند")
    assert "لم أجد" not in greeted and more == "اكتب سؤالك بالعربية وسأبحث لك عن الفقرات التي تجيب عنه."


def test_sources_that_cannot_be_written_cost_one_line_and_answers_still_come(foreign_sources):
    directory = foreign_sources.path
    result = run(
        ["ask", "--sources", str(directory), "بكم انخفض مؤشر ناسداك؟"],
        prefix=foreign_sources.prefix,
    )
    assert result.returncode == 0, result.stderr
    assert "ناسداك" in result.stdout
    [line] = result.stderr.splitlines()
    assert "Traceback" not in line and " WARNING " in line
    assert f"sources directory {directory} cannot be written (no write permission" in line
    assert "memory only" in line and "uploaded by admins are refused" in line
    assert sorted(p.name for p in directory.iterdir()) == sorted(
        p.name for p in SEEDS.iterdir() if not p.name.startswith(".")
    )


def test_index_into_a_directory_that_cannot_be_written_is_one_line(foreign_sources):
    result = run(["index", "--sources", str(foreign_sources.path)], prefix=foreign_sources.prefix)
    assert result.returncode == 2
    line = one_error_line(result)
    snapshot = foreign_sources.path / ".sanad-index"
    assert line == f"sanad: error: could not write the index snapshot {snapshot}: Permission denied"


def test_no_token_points_at_the_environment_never_at_a_file():
    result = run(["telegram", "--sources", str(SEEDS)])
    assert result.returncode == 2
    line = one_error_line(result)
    assert "SANAD_TELEGRAM_TOKEN" in line and "environment" in line
    assert "config" not in line.lower() and "toml" not in line.lower()


def test_health_asks_the_configured_port_and_says_healthy_or_not():
    server = start_health_server(Library.open(SEEDS), "0.0.0.0", 0)
    port = server.server_address[1]
    try:
        healthy = run(["health"], env={"SANAD_HEALTH_PORT": str(port)})
        assert healthy.returncode == 0, healthy.stderr
        assert json.loads(healthy.stdout)["articles"] == 5
    finally:
        server.shutdown()
        server.server_close()
    # The same port with nothing listening any more: unhealthy is 1 (Docker reserves 2).
    gone = run(["health"], env={"SANAD_HEALTH_PORT": str(port)})
    assert gone.returncode == 1 and gone.stdout == ""
    [line] = gone.stderr.splitlines()
    assert line.startswith("sanad: unhealthy: no answer from") and f":{port}/health" in line


@pytest.mark.parametrize(
    ("env", "reason"),
    [({}, "health_port is not set"), ({"SANAD_HEALTH_PORT": "ninety"}, "health_port")],
)
def test_health_without_a_usable_port_is_unhealthy_with_one_line(env, reason):
    result = run(["health"], env=env)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("sanad: unhealthy:") and reason in line


# The snapshot and the processes around `sanad index` (real processes, bounded in time).

ARTICLE = "ارتفعت أسعار القمح في مصر هذا العام بسبب الجفاف وقلة الأمطار.\n"


def environment(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANAD_")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(overrides)
    return env


def temp_files(directory: Path) -> list[Path]:
    return sorted(directory.glob(".*.tmp"))


def start_index(sources: Path) -> subprocess.Popen:
    """`sanad index` in a process group of its own (see ``kill_group``)."""
    return subprocess.Popen(
        [*SANAD, "index", "--sources", str(sources)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=environment(),
        cwd=ROOT,
        start_new_session=True,
    )


def test_killed_index_command_keeps_the_old_snapshot_and_its_temp_file_goes(large_copy: Path):
    snapshot = large_copy / ".sanad-index"
    before = snapshot.read_bytes()
    fifo = large_copy / "zz-still-arriving.txt"
    os.mkfifo(fifo)  # a source still being written: the build waits for it, mid-way
    build = start_index(large_copy)
    try:
        wait_until(
            lambda: temp_files(large_copy) and grandchildren(build.pid), 60, "the build to read"
        )
        tree = descendants(build.pid)
        kill_group(build.pid)  # kill -9 of the whole build (OOM, a reboot)
        build.wait(30)
        wait_until(lambda: not alive(tree), 30, "the build's processes to end")
    finally:
        kill_group(build.pid)
        build.wait(30)
    fifo.unlink()
    assert snapshot.read_bytes() == before
    started = run(["sources", "--sources", str(large_copy)])  # the next start
    assert started.returncode == 0, started.stderr
    assert not temp_files(large_copy)
    assert snapshot.read_bytes() == before  # served from it, not rebuilt


def test_killed_index_command_leaves_no_indexing_process_behind(large_copy: Path):
    os.mkfifo(large_copy / "zz-still-arriving.txt")
    build = start_index(large_copy)
    try:
        wait_until(lambda: grandchildren(build.pid), 60, "the indexing child's reading workers")
        tree = descendants(build.pid)
        build.kill()  # kill -9 of `sanad index` alone
        build.wait(30)
        wait_until(lambda: not alive(tree), 30, f"the orphans {alive(tree)} to end")
    finally:
        kill_group(build.pid)
        build.wait(30)


def test_index_command_on_a_full_disk_keeps_the_old_snapshot_and_says_so_in_one_line(
    seeds_copy: Path,
):
    snapshot = seeds_copy / ".sanad-index"
    assert run(["index", "--sources", str(seeds_copy)]).returncode == 0
    before = snapshot.read_bytes()
    write_articles(seeds_copy, {"wheat.txt": ARTICLE})
    # RLIMIT_FSIZE: a write past 64 KB fails (EFBIG), as on a disk with 64 KB left.
    limited = (
        "import resource, sys; resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536)); "
        "from bot.console.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", limited, "index", "--sources", str(seeds_copy)],
        capture_output=True,
        text=True,
        env=environment(),
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"sanad: error: could not write the index snapshot {snapshot}: File too large"
    ]
    assert snapshot.read_bytes() == before
    assert not temp_files(seeds_copy)


def unshared(script: str) -> list[str]:
    """``sh -c script`` as root of a new user and mount namespace (no real privilege: lets a
    test mount a tmpfs of its own), or a skip where the system forbids those namespaces."""
    probe = subprocess.run(["unshare", "-r", "-m", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("unprivileged user namespaces are not available here")
    return ["unshare", "-r", "-m", "sh", "-c", script]


def test_index_command_on_a_really_full_disk(seeds_copy: Path, tmp_path: Path):
    disk = tmp_path / "disk"
    disk.mkdir()
    snapshot = disk / ".sanad-index"
    index = f"{sys.executable} -m bot.console.cli index --sources {seeds_copy}"
    # 600 KB: room for one snapshot of the seeds (380 KB with its vocabulary tables), not for a
    # second one beside it.
    script = (
        f"mount -t tmpfs -o size=600k tmpfs {disk} && {index} >/dev/null && "
        f"cp {snapshot} {tmp_path}/before && echo first-done >&2 && {index}; "
        f"echo status=$? >&2; ls -A {disk} >&2; cmp {snapshot} {tmp_path}/before >&2 && echo same >&2"
    )
    result = subprocess.run(
        unshared(script),
        capture_output=True,
        text=True,
        env=environment(SANAD_INDEX_FILE=str(snapshot)),
        cwd=ROOT,
        timeout=120,
    )
    assert result.stderr.splitlines() == [
        "first-done",
        f"sanad: error: could not write the index snapshot {snapshot}: No space left on device",
        "status=2",
        ".sanad-index",  # and no temporary file beside it
        "same",
    ]


def test_snapshot_path_that_is_a_directory_is_one_line(seeds_copy: Path, tmp_path: Path):
    in_the_way = tmp_path / "index"
    in_the_way.mkdir()
    env = {"SANAD_INDEX_FILE": str(in_the_way)}
    index = run(["index", "--sources", str(seeds_copy)], env=env)
    assert index.returncode == 2
    assert index.stderr.splitlines() == [
        f"sanad: error: could not write the index snapshot {in_the_way}: Is a directory"
    ]
    asked = run(["ask", "--sources", str(seeds_copy), "كم انخفض مؤشر ناسداك؟"], env=env)
    assert asked.returncode == 0 and "ناسداك" in asked.stdout
    assert operator_lines(asked.stderr) == [
        f"could not write the index snapshot {in_the_way}: Is a directory; "
        "serving an index held in memory"
    ]
    assert not temp_files(tmp_path)


COMMANDS = [
    ["ask", "سؤال"],
    ["search", "--json", "سؤال"],
    ["sources"],
    ["index"],
    ["chat"],
    ["run"],
    ["telegram"],
]


def run_unprivileged(args: list[str], env: dict[str, str] | None = None):
    """``run`` as a user without the power to read past permissions (root reads everything:
    as root, the command runs as uid 1000 of a user namespace, or the test is skipped)."""
    if os.geteuid() != 0:
        return run(args, env=env)
    if subprocess.run(["unshare", "--user", "--map-user=1000", "true"]).returncode != 0:
        pytest.skip("running as root without user namespaces: permissions do not apply")
    return subprocess.run(
        ["unshare", "--user", "--map-user=1000", "--map-group=1000", *SANAD, *args],
        capture_output=True,
        text=True,
        env=environment(**(env or {})),
        cwd=ROOT,
        timeout=120,
    )


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_unreadable_sources_directory_is_one_line_for_every_command(seeds_copy: Path, command):
    seeds_copy.chmod(0)
    try:
        result = run_unprivileged(
            [command[0], "--sources", str(seeds_copy), *command[1:]],
            env={"SANAD_TELEGRAM_TOKEN": "123:never-used"},
        )
    finally:
        seeds_copy.chmod(0o755)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"sanad: error: cannot read the sources directory {seeds_copy}: Permission denied"
    ]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_sources_path_that_is_a_file_is_one_line_for_every_command(tmp_path: Path, command):
    not_a_directory = write_articles(tmp_path, {"a.txt": ARTICLE}) / "a.txt"
    result = run(
        [command[0], "--sources", str(not_a_directory), *command[1:]],
        env={"SANAD_TELEGRAM_TOKEN": "123:never-used"},
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"sanad: error: sources directory is not a directory: {not_a_directory}"
    ]


def unsaveable_line(directory: Path, reason: str, uid: int) -> str:
    """The start-up line of a process (as ``uid``) whose snapshot directory cannot be written."""
    return (
        f"index snapshot directory {directory} cannot be written ({reason}): new index "
        "snapshots cannot be saved, so an index built at start or reload lives in memory only; "
        f"make it writable by uid {uid} (chown, or docker run --user), or set index_file "
        "elsewhere"
    )


def test_snapshot_directory_without_write_permission(seeds_copy: Path, tmp_path: Path):
    locked = tmp_path / "locked"
    locked.mkdir()
    snapshot = locked / ".sanad-index"
    env = {"SANAD_INDEX_FILE": str(snapshot)}
    locked.chmod(0o555)
    try:
        index = run_unprivileged(["index", "--sources", str(seeds_copy)], env=env)
        asked = run_unprivileged(["ask", "--sources", str(seeds_copy), "كم انخفض مؤشر ناسداك؟"], env=env)
    finally:
        locked.chmod(0o755)
    assert index.returncode == 2
    assert index.stderr.splitlines() == [
        f"sanad: error: could not write the index snapshot {snapshot}: Permission denied"
    ]
    assert asked.returncode == 0 and "ناسداك" in asked.stdout
    assert operator_lines(asked.stderr) == [unsaveable_line(locked, "no write permission for uid 1000", 1000)]


def test_snapshot_on_a_read_only_filesystem(seeds_copy: Path, tmp_path: Path):
    disk = tmp_path / "disk"
    disk.mkdir()
    snapshot = disk / ".sanad-index"
    script = (
        f"mount -t tmpfs -o ro tmpfs {disk} && "
        f"{sys.executable} -m bot.console.cli index --sources {seeds_copy}; echo status=$? >&2; "
        f"{sys.executable} -m bot.console.cli ask --sources {seeds_copy} 'كم انخفض مؤشر ناسداك؟'"
    )
    result = subprocess.run(
        unshared(script),
        capture_output=True,
        text=True,
        env=environment(SANAD_INDEX_FILE=str(snapshot)),
        cwd=ROOT,
        timeout=120,
    )
    assert operator_lines(result.stderr) == [
        f"sanad: error: could not write the index snapshot {snapshot}: Read-only file system",
        "status=2",
        unsaveable_line(disk, "Read-only file system", os.geteuid()),
    ]
    assert "ناسداك" in result.stdout
