"""The sanad command as operators and benchmarks use it (run as a real subprocess)."""

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from botapi import BotApiEmulator
from conftest import ROOT, SEEDS, write_articles

from bot.console.render import BOLD, RESET, render_answer
from bot.health import start_health_server
from retrieval.library import Library
from retrieval.search import SearchEngine

BIDI_CONTROLS = "\u200e\u200f\u2066\u2067\u2068\u2069"

SANAD = [sys.executable, "-m", "bot.console.cli"]


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


def test_sources_lists_articles_and_skipped_files(tmp_path: Path):
    sources = write_articles(tmp_path / "s", {"a.txt": "فقرة عن القمح والخبز في مصر.\n"})
    (sources / "bad.txt").write_bytes(b"\xff\xfe\x00")
    result = run(["sources", "--sources", str(sources)])
    assert result.returncode == 0, result.stderr
    assert "a.txt" in result.stdout and "bad.txt" in result.stdout


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


def test_ctrl_c_during_ask_exits_without_a_traceback(tmp_path: Path):
    # About 7 MB of varied words: a few seconds of indexing, in this process (under the size
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
    )
    # Wait until it is busy indexing (a second of CPU time), then press Ctrl-C: the terminal
    # sends SIGINT to the whole foreground process group.
    deadline = time.monotonic() + 60
    while cpu_seconds(process.pid) < 1.0 and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert process.poll() is None, "the command finished before it could be interrupted"
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr


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


def test_unreachable_bot_api_is_retried_then_one_line(tmp_path: Path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run(
        ["telegram", "--sources", str(SEEDS)],
        env={
            "SANAD_TELEGRAM_TOKEN": "123456:TEST-token",
            "SANAD_TELEGRAM_BASE_URL": f"http://127.0.0.1:{port}/bot",
            "SANAD_TELEGRAM_CONNECT_ATTEMPTS": "3",
        },
    )
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
    assert f"cannot save the index snapshot in {foreign_sources.path}" in line


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
