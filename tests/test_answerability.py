"""The answerability decision: its evidence, its thresholds and what an answer says of it."""

import json
import math
from pathlib import Path

import pytest
from conftest import write_articles

from bot.console.render import render_answer
from bot.service import messages
from bot.telegram.render import answer_html, plain_text
from retrieval.answerability import FEATURES, SIGNS, Confidence, Evidence, Model, shipped_model
from retrieval.corpus import load_corpus
from retrieval.search import SearchEngine

WHEAT = {
    "a.txt": "ارتفعت أسعار القمح في مصر هذا العام بسبب الجفاف.\n"
    "تراجع إنتاج الأرز في آسيا بعد موسم الأمطار.\n"
    "قالت الحكومة إن مخزون الخبز يكفي ستة أشهر.\n",
}


def engine(tmp_path: Path, model: Model | None = None) -> SearchEngine:
    return SearchEngine.build(load_corpus(write_articles(tmp_path / "s", WHEAT)), model=model)


def evidence(tmp_path: Path, question: str) -> Evidence:
    found = engine(tmp_path).rank(question).evidence
    assert found is not None
    return found


def test_a_passage_holding_the_whole_question_covers_all_of_it(tmp_path: Path):
    found = evidence(tmp_path, "ارتفعت أسعار القمح في مصر")
    assert found.coverage == pytest.approx(1.0)
    assert found.best_coverage == pytest.approx(1.0)
    assert found.shares_enough == 1.0
    assert found.absent == 0.0 and found.corrected == 0.0
    assert found.pairs == pytest.approx(1.0)  # every adjacent pair stands together there too
    assert found.grams == pytest.approx(1.0)
    assert found.answer_type == 1.0  # no question word asks for a kind of answer


def test_a_word_no_article_uses_is_absent_and_holds_no_weight(tmp_path: Path):
    # زلزال (earthquake) is in no article: a quarter of the question's distinct terms.
    found = evidence(tmp_path, "زلزال أسعار القمح مصر")
    assert found.absent == pytest.approx(1 / 4)
    assert found.coverage == pytest.approx(1.0)  # of the weight the collection knows
    assert found.grams == pytest.approx(sum_known_share(tmp_path, "زلزال أسعار القمح مصر"))


def sum_known_share(tmp_path: Path, question: str) -> float:
    """The share of all the question's weight held by its known terms (the absent one weighs
    the largest idf)."""
    built = engine(tmp_path / "again")
    weights = built.read(question).weights
    known = sum(w for t, w in weights.items() if t in built.index.vocabulary)
    return known / sum(weights.values())


def test_a_quantity_question_on_a_passage_without_a_number_lacks_its_answer_type(tmp_path):
    assert evidence(tmp_path, "كم ارتفعت أسعار القمح في مصر؟").answer_type == 0.0
    assert evidence(tmp_path, "كم شهرا يكفي مخزون الخبز؟").answer_type == 1.0  # ستة أشهر


def test_the_model_decides_by_its_two_thresholds():
    model = Model({"coverage": 4.0}, bias=-2.0, answer_at=0.8, weak_at=0.3)
    full, half, none = (Evidence(c, c, 0, 0, 0, 0, c, 1) for c in (1.0, 0.5, 0.0))
    assert model.probability(full) == pytest.approx(1 / (1 + math.exp(-2)))  # 0.881
    assert model.probability(half) == pytest.approx(0.5)
    assert [model.decide(e) for e in (full, half, none)] == [
        Confidence.ANSWER,
        Confidence.WEAK,
        Confidence.NONE,
    ]


def test_a_saved_model_naming_an_unknown_feature_is_refused():
    text = json.dumps({"weights": {"title": 1.0}, "bias": 0, "answer_at": 0.5, "weak_at": 0.5})
    with pytest.raises(ValueError, match="title"):
        Model.from_json(text)


def test_the_shipped_model_keeps_every_weight_to_its_sign_and_orders_its_thresholds():
    model = shipped_model()
    assert set(model.weights) == set(FEATURES) == set(SIGNS)
    assert all(weight * SIGNS[name] >= 0 for name, weight in model.weights.items())
    assert 0 < model.weak_at <= model.answer_at < 1


@pytest.mark.parametrize(
    ("bias", "weak", "passages"),
    [(5.0, False, True), (0.0, True, True), (-5.0, False, False)],
)
def test_an_answer_says_whether_its_passages_are_only_the_nearest(tmp_path, bias, weak, passages):
    """p = 0.99 answers, p = 0.5 shows the nearest passages as such, p = 0.01 says no answer."""
    model = Model({}, bias=bias, answer_at=0.9, weak_at=0.1)
    answer = engine(tmp_path, model).answer("أسعار القمح في مصر")
    assert answer.weak is weak
    assert bool(answer.passages) is passages and answer.found is passages


@pytest.mark.parametrize("weak", [False, True])
def test_weak_passages_are_introduced_as_the_nearest_found_on_every_renderer(tmp_path, weak):
    model = Model({}, bias=0.0 if weak else 5.0, answer_at=0.9, weak_at=0.1)
    answer = engine(tmp_path, model).answer("أسعار القمح في مصر")
    intro = messages.WEAK_INTRO if weak else messages.ANSWER_INTRO
    for rendered in (render_answer(answer), plain_text(answer_html(answer))):
        first_line = rendered.splitlines()[0]
        assert intro in first_line
        assert (messages.ANSWER_INTRO in rendered) is not weak
