"""The quality figures BENCHMARKS.md quotes stay what `make quality` last recorded.

Closed and open-world figures on every question set of eval/: a change to analysis, ranking or
the answerability model that moves any of them fails here until `make quality` records the new
figures (and BENCHMARKS.md says why they moved).
"""

import json
import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

import quality


def test_quality_figures_are_the_recorded_ones():
    recorded = json.loads(quality.RECORD.read_text(encoding="utf-8"))
    assert quality.figures(anchors=False) == recorded
