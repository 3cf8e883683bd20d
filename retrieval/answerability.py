"""Whether the best passages answer a question: a calibrated logistic model over lexical evidence.

BM25 always finds *something* that shares a word with a question; whether that something answers
it is a separate decision. It is made from evidence a reader would weigh too: how much of the
question's informative weight the best passage covers, and in one sentence; whether the question
uses words the collection has never seen (a name no article mentions); whether the passage's
article is about the question's subject (its title); whether the question's words stand together
in the passage as they do in the question; and whether the passage holds the kind of answer the
question asks for (a number for «كم»). The model and its two thresholds are fitted by
``bench/fit_answerability.py`` on open-world splits of ARCD (half the articles left out, so their
questions share the collection's vocabulary but have no answer in it) and on questions written for
the seeds, and saved in ``answerability.json`` (figures in BENCHMARKS.md).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, fields
from enum import Enum
from functools import cache
from pathlib import Path

MODEL_FILE = Path(__file__).with_name("answerability.json")


class Confidence(Enum):
    """How an answer is presented: as the answer, as the nearest thing found, or not at all."""

    ANSWER = "answer"
    WEAK = "weak"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the best passages say about a question; every share is in [0, 1].

    Weights are the idf of the question's terms the collection knows; the words it lacks are
    evidence of their own, not a weight no passage could hold.
    """

    coverage: float  # share of the question's weight in the first passage
    best_coverage: float  # the same, best of the top passages
    # 1 when the first passage shares two of the question's terms, or more than half of all its
    # weight, a word the collection lacks weighing the most (the hand rule this model replaced,
    # now one piece of evidence: it keeps «ما عاصمة فرنسا؟» from a passage holding only عاصمة)
    shares_enough: float
    absent: float  # share of the question's words the collection lacks, even one edit away
    corrected: float  # share of them read as a corpus word one edit away (a guess)
    pairs: float  # share of adjacent question-term pairs adjacent in the first passage
    grams: float  # share of all the weight whose letter trigrams the first passage holds
    answer_type: float  # 1 when the question expects nothing or the passage holds it

    def vector(self) -> list[float]:
        """The features in declaration order (the order the model's weights are in)."""
        return [getattr(self, f.name) for f in fields(self)]


FEATURES = tuple(f.name for f in fields(Evidence))
# The direction each feature may push the decision in: more coverage can never count against
# an answer. Fitting within these signs keeps features that move together (coverage, trigrams)
# from taking opposite weights that only fit the training questions.
SIGNS = {
    "coverage": 1,
    "best_coverage": 1,
    "shares_enough": 1,
    "absent": -1,
    "corrected": -1,
    "pairs": 1,
    "grams": 1,
    "answer_type": 1,
}


@dataclass(frozen=True, slots=True)
class Model:
    """Logistic regression over :class:`Evidence`, with the two thresholds on its probability:
    below ``weak_at`` no answer, from ``answer_at`` on a confident one, between them the
    nearest passages shown as such."""

    weights: dict[str, float]
    bias: float
    answer_at: float
    weak_at: float

    def probability(self, evidence: Evidence) -> float:
        """P(the first passage answers), as fitted."""
        z = self.bias + sum(self.weights.get(name, 0.0) * value
                            for name, value in zip(FEATURES, evidence.vector(), strict=True))
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    def decide(self, evidence: Evidence) -> Confidence:
        """How to present the passages this evidence is about."""
        p = self.probability(evidence)
        if p >= self.answer_at:
            return Confidence.ANSWER
        return Confidence.WEAK if p >= self.weak_at else Confidence.NONE

    def to_json(self) -> str:
        """The model as the fitting script saves it."""
        return json.dumps(
            {
                "weights": {k: round(v, 6) for k, v in self.weights.items()},
                "bias": round(self.bias, 6),
                "answer_at": round(self.answer_at, 6),
                "weak_at": round(self.weak_at, 6),
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> Model:
        """Read a saved model; unknown feature names are an error, not silently ignored."""
        data = json.loads(text)
        weights = {str(k): float(v) for k, v in data["weights"].items()}
        unknown = weights.keys() - set(FEATURES)
        if unknown:
            raise ValueError(f"answerability model names unknown features: {sorted(unknown)}")
        return cls(weights, float(data["bias"]), float(data["answer_at"]), float(data["weak_at"]))


@cache
def shipped_model() -> Model:
    """The model fitted by ``bench/fit_answerability.py`` and shipped with Sanad."""
    return Model.from_json(MODEL_FILE.read_text(encoding="utf-8"))
