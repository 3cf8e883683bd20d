"""The answer / no-answer trade of the shipped answerability model on open-world ARCD.

The splits of ``bench/quality.py`` (half the ARCD train articles left out, seeds 100-103); for
each "no answer" threshold, the share of answerable questions that still get passages and the
share of unanswerable ones that get none (BENCHMARKS.md, issue 12).

    python bench/answerability_curve.py
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import quality  # noqa: E402

from retrieval.answerability import shipped_model  # noqa: E402
from retrieval.evaluation import evaluate, leave_articles_out  # noqa: E402
from retrieval.search import SearchEngine  # noqa: E402

THRESHOLDS = (0.2, 0.3, 0.45, 0.55, 0.65, 0.75)


def main() -> None:
    questions, corpus = quality.collection(quality.ARCD)
    model = shipped_model()
    splits = []
    for seed in quality.OPEN_WORLD_SPLITS:
        indexed, relabelled = leave_articles_out(corpus, questions, seed, 0.5)
        splits.append((SearchEngine.build(indexed), relabelled))
    print(f"shipped: weak_at {model.weak_at:.3f}, answer_at {model.answer_at:.3f}")
    for weak_at in sorted({*THRESHOLDS, round(model.weak_at, 3)}):
        answerable = unanswerable = answered = refused = 0
        for engine, relabelled in splits:
            engine.model = replace(model, weak_at=weak_at, answer_at=max(weak_at, model.answer_at))
            report = evaluate(engine, relabelled)
            answerable += report.answerable
            unanswerable += report.unanswerable
            answered += report.answerable - report.abstained_answerable
            refused += report.unanswerable - report.answered_unanswerable
        print(
            f"weak_at {weak_at:.3f}: answered {answered / answerable:.3f}, "
            f"no answer {refused / unanswerable:.3f}"
        )


if __name__ == "__main__":
    main()
