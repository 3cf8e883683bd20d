"""Fit the answerability model (retrieval/answerability.json) and report it held out.

Examples are questions with what the engine's best passages say about them (their evidence) and
whether the collection answers them:

- ARCD train, open world: half the articles (seeded) are indexed and every question is asked,
  so the questions of the left-out half share the collection's vocabulary but have no answer;
- the seeds with one article left out, and whole, for seeds-dev and the questions new readers
  wrote for the seeds (eval/seeds-tune.jsonl, eval/seeds-fresh.jsonl), whose unanswerable
  questions are asked on purpose;
- the questions new readers wrote for ARCD (eval/arcd-tune.jsonl, eval/arcd-fresh.jsonl) on all
  of ARCD.

The -fresh sets were held out until issue 12's first model was measured on them; they are
training data since (the held-out set that judges this fit is a newer one, kept outside the
repository until it is measured).

Each source weighs the same in the fit (a logistic regression, L2, every weight kept to the sign
``SIGNS`` gives it). The "no answer" threshold keeps ``ANSWER_RATE`` of the answerable questions
of every source with at least ``THRESHOLD_SOURCE_MIN`` of them; the "confident" one keeps
``CONFIDENT_RATE`` of them (the rest are shown as the nearest passages found, not as the
answer: a hedge on most answers would be read as noise). Figures
are first reported held out (two folds of ARCD articles and of the seed questions, each fitted
on the other), then the model is fitted on everything and saved.

    python bench/fit_answerability.py          # report and save
    python bench/fit_answerability.py --dry    # report only
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.answerability import FEATURES, MODEL_FILE, SIGNS, Model  # noqa: E402
from retrieval.corpus import Corpus, load_corpus  # noqa: E402
from retrieval.evaluation import Question, leave_articles_out, load_questions  # noqa: E402
from retrieval.search import SearchEngine  # noqa: E402

EVAL = ROOT / "eval"
OPEN_WORLD_SEEDS = range(6)
ANSWER_RATE = 0.95
CONFIDENT_RATE = 0.85
THRESHOLD_SOURCE_MIN = 200
L2 = 1.0
# Evidence does not depend on the model: engines are built with one that answers everything,
# so a stale saved model never stands in the way of fitting a new one.
ALWAYS = Model({}, 50.0, 0.0, 0.0)


@dataclass
class Example:
    source: str
    group: int  # fold of the held-out report
    answerable: bool
    features: list[float] | None  # None: BM25 found nothing at all


def examples(engine: SearchEngine, questions: list[Question], source: str, group: int):
    for question in questions:
        evidence = engine.rank(question.text, 10).evidence
        yield Example(
            source, group, bool(question.relevant), None if evidence is None else evidence.vector()
        )


def arcd_examples(folds: int = 2) -> list[Example]:
    """Open-world splits of ARCD within each fold of its articles."""
    questions, corpus = load_questions(EVAL / "arcd-train.json")
    assert corpus is not None
    files = [a.file for a in corpus.articles]
    random.Random(0).shuffle(files)
    found = []
    for group in range(folds):
        fold = set(files[group::folds])
        part = Corpus(
            [a for a in corpus.articles if a.file in fold],
            [p for p in corpus.paragraphs if p.article.file in fold],
        )
        asked = [q for q in questions if next(iter(q.relevant))[0] in fold]
        for seed in OPEN_WORLD_SEEDS:
            indexed, relabelled = leave_articles_out(part, asked, seed)
            engine = SearchEngine.build(indexed, model=ALWAYS)
            found += examples(engine, relabelled, "arcd-open", group)
    return found


def seed_examples(folds: int = 2) -> list[Example]:
    """seeds-dev and the questions written for the seeds, on all seeds and each article out."""
    corpus = load_corpus(ROOT / "seeds")
    questions = []
    for name in ("seeds-dev.jsonl", "seeds-tune.jsonl", "seeds-fresh.jsonl"):
        questions += load_questions(EVAL / name)[0]
    found = []
    groups = {q.text: i % folds for i, q in enumerate(questions)}
    engine = SearchEngine.build(corpus, model=ALWAYS)
    for example, question in zip(examples(engine, questions, "seeds", 0), questions, strict=True):
        example.group = groups[question.text]
        found.append(example)
    for seed, _ in enumerate(corpus.articles):
        indexed, relabelled = leave_articles_out(corpus, questions, seed, share=0.2)
        built = SearchEngine.build(indexed, model=ALWAYS)
        for example, question in zip(
            examples(built, relabelled, "seeds-open", 0), relabelled, strict=True
        ):
            example.group = groups[question.text]
            found.append(example)
    return found


def arcd_tune_examples(folds: int = 2) -> list[Example]:
    _, corpus = load_questions(EVAL / "arcd-train.json")
    assert corpus is not None
    engine = SearchEngine.build(corpus, model=ALWAYS)
    questions = []
    for name in ("arcd-tune.jsonl", "arcd-fresh.jsonl"):
        questions += load_questions(EVAL / name)[0]
    found = list(examples(engine, questions, "arcd-tune", 0))
    for i, example in enumerate(found):
        example.group = i % folds
    return found


def fit(rows: list[Example]) -> tuple[np.ndarray, float]:
    """Logistic regression, sources weighing the same, L2 on the weights, each weight kept to
    its sign (:data:`SIGNS`): (weights, bias)."""
    usable = [r for r in rows if r.features is not None]
    x = np.array([r.features for r in usable], dtype=np.float64)
    x = np.hstack([x, np.ones((len(x), 1))])
    y = np.array([r.answerable for r in usable], dtype=np.float64)
    counts: dict[str, int] = {}
    for r in usable:
        counts[r.source] = counts.get(r.source, 0) + 1
    weight = np.array([len(usable) / (len(counts) * counts[r.source]) for r in usable])

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        p = 1 / (1 + np.exp(-np.clip(x @ w, -50, 50)))
        value = -np.sum(weight * (y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12)))
        gradient = x.T @ (weight * (p - y))
        value += 0.5 * L2 * float(w[:-1] @ w[:-1])
        gradient[:-1] += L2 * w[:-1]
        return value, gradient

    bounds = [(0, None) if SIGNS[name] > 0 else (None, 0) for name in FEATURES] + [(None, None)]
    result = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B", bounds=bounds)
    return result.x[:-1], float(result.x[-1])


def probabilities(model: Model, rows: list[Example]) -> np.ndarray:
    weights = np.array([model.weights.get(name, 0.0) for name in FEATURES])
    out = np.zeros(len(rows))
    for i, row in enumerate(rows):
        if row.features is not None:
            z = model.bias + float(np.dot(weights, row.features))
            out[i] = 1 / (1 + np.exp(-np.clip(z, -50, 50)))
    return out


def thresholds(model: Model, rows: list[Example]) -> tuple[float, float]:
    """(weak_at, answer_at): the probabilities above which ANSWER_RATE and CONFIDENT_RATE of
    the answerable questions lie, in every source large enough to say so (a few dozen
    questions are too noisy a quantile)."""
    p = probabilities(model, rows)
    large = [
        answerable
        for source in sorted({r.source for r in rows})
        if len(
            answerable := [
                p[i] for i, r in enumerate(rows) if r.source == source and r.answerable
            ]
        )
        >= THRESHOLD_SOURCE_MIN
    ]
    weak = min(float(np.quantile(a, 1 - ANSWER_RATE)) for a in large)
    confident = min(float(np.quantile(a, 1 - CONFIDENT_RATE)) for a in large)
    return weak, max(weak, confident)


def fitted(rows: list[Example]) -> Model:
    w, bias = fit(rows)
    model = Model(dict(zip(FEATURES, w.tolist(), strict=True)), bias, 1.0, 0.0)
    weak, confident = thresholds(model, rows)
    return Model(model.weights, bias, confident, weak)


def report(model: Model, rows: list[Example], label: str) -> None:
    p = probabilities(model, rows)
    for source in sorted({r.source for r in rows}):
        picked = [i for i, r in enumerate(rows) if r.source == source]
        answerable = [i for i in picked if rows[i].answerable]
        unanswerable = [i for i in picked if not rows[i].answerable]
        answered = np.mean([p[i] >= model.weak_at for i in answerable]) if answerable else 0
        confident = np.mean([p[i] >= model.answer_at for i in answerable]) if answerable else 0
        refused = np.mean([p[i] < model.weak_at for i in unanswerable]) if unanswerable else 0
        leaked = np.mean([p[i] >= model.answer_at for i in unanswerable]) if unanswerable else 0
        print(
            json.dumps(
                {
                    "fit": label,
                    "source": source,
                    "answerable": len(answerable),
                    "answered": round(float(answered), 3),
                    "confident": round(float(confident), 3),
                    "unanswerable": len(unanswerable),
                    "no_answer": round(float(refused), 3),
                    "confident_unanswerable": round(float(leaked), 3),
                }
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry", action="store_true", help="report only, save nothing")
    args = parser.parse_args()
    rows = arcd_examples() + seed_examples() + arcd_tune_examples()
    for group in (0, 1):
        train = [r for r in rows if r.group != group]
        test = [r for r in rows if r.group == group]
        report(fitted(train), test, f"held-out fold {group}")
    model = fitted(rows)
    report(model, rows, "all (in sample)")
    print(model.to_json())
    if not args.dry:
        MODEL_FILE.write_text(model.to_json() + "\n", encoding="utf-8")
        print(f"saved {MODEL_FILE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
