# Quick start: `make run` (bot, or console chat without a token) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test eval quality bench bench-telegram bench-discord clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/sanad run

test: $(STAMP)
	$(BIN)/ruff check bot retrieval tests bench
	$(BIN)/pytest -q

# Every question set of eval/ on the collection it is about.
eval: $(STAMP)
	$(BIN)/sanad eval eval/seeds-dev.jsonl --sources seeds
	$(BIN)/sanad eval eval/seeds-tune.jsonl --sources seeds
	$(BIN)/sanad eval eval/arcd-train.json
	$(BIN)/sanad eval eval/arcd-tune.jsonl --collection eval/arcd-train.json
	$(BIN)/sanad eval eval/seeds-fresh.jsonl --sources seeds
	$(BIN)/sanad eval eval/arcd-fresh.jsonl --collection eval/arcd-train.json
	$(BIN)/sanad eval eval/seeds-fresh2.jsonl --sources seeds
	$(BIN)/sanad eval eval/arcd-fresh2.jsonl --collection eval/arcd-train.json
	$(BIN)/sanad eval eval/seeds-fresh3.jsonl --sources seeds
	$(BIN)/sanad eval eval/arcd-fresh3.jsonl --collection eval/arcd-train.json
	$(BIN)/sanad eval eval/seeds-fresh4.jsonl --sources seeds
	$(BIN)/sanad eval eval/arcd-fresh4.jsonl --collection eval/arcd-train.json
	$(BIN)/sanad eval eval/seeds-fresh5.jsonl --sources seeds
	$(BIN)/sanad eval eval/arcd-fresh5.jsonl --collection eval/arcd-train.json
	$(BIN)/sanad eval eval/seeds-fresh6.jsonl --sources seeds
	$(BIN)/sanad eval eval/arcd-fresh6.jsonl --collection eval/arcd-train.json
	$(BIN)/sanad eval eval/seeds-fresh7.jsonl --sources seeds
	$(BIN)/sanad eval eval/arcd-fresh7.jsonl --collection eval/arcd-train.json
	$(BIN)/sanad eval eval/seeds-fresh8.jsonl --sources seeds
	$(BIN)/sanad eval eval/arcd-fresh8.jsonl --collection eval/arcd-train.json

# Quality beside the anchors; the Lucene 8.7 anchor needs: apt-get install default-jdk-headless liblucene8-java
quality: $(STAMP)
	$(BIN)/python bench/quality.py --record

# Cost growth on synthetic paragraphs (generated under .bench/, never committed) whose
# vocabulary grows like real Arabic text's, beside rank-bm25 and bm25s on the same terms, and
# Lucene 8.7 when Java and its jars are installed (as for `make quality`); then the old
# small-vocabulary collection at 1M, as a labelled comparison.
bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/scale.py 10000 100000 1000000
	$(BIN)/python bench/scale.py --vocabulary small --systems build,serve 1000000

# Whole-stack Telegram throughput vs an echo bot, flood control off: the seeds in a loop and a
# burst, then the generated 1M index in a burst; the dev questions repeated, then all distinct.
bench-telegram: $(STAMP)
	$(BIN)/python bench/telegram_throughput.py --questions dev distinct
	$(BIN)/python bench/telegram_throughput.py --index synthetic --mode burst --questions dev distinct

# Whole-stack Discord throughput vs an echo bot on the same hikari stack: DMs and /ask, plus an
# echo that sends a canned answer's embeds (what the answer's shape costs the stack).
bench-discord: $(STAMP)
	$(BIN)/python bench/discord_throughput.py 1000 16 --questions dev distinct

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
