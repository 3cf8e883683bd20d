from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.analysis import Analyzer
from retrieval.answer import Span
from retrieval.excerpt import _cut_long_sentence, _strip, choose_excerpt, sentence_spans

ANALYZER = Analyzer()
WORDS = ["شركة", "أرباح", "سهم", "قياسية", "دولار", "اليوم", "السوق", "نمو"]


def quadratic_excerpt(text, tokens, weights, limit):
    """The excerpt rule as first written: every window rescans every token."""
    if len(text) <= limit:
        return Span(0, len(text))
    sentences = sentence_spans(text)
    best = (-1.0, 0, sentences[0])
    for first in range(len(sentences)):
        end_index = first
        while (
            end_index + 1 < len(sentences)
            and sentences[end_index + 1].end - sentences[first].start <= limit
        ):
            end_index += 1
        window = Span(sentences[first].start, sentences[end_index].end)
        terms = {t.term for t in tokens if window.start <= t.start and t.end <= window.end}
        score = sum(weights.get(term, 0.0) for term in terms)
        if (score, -first) > best[:2]:
            best = (score, -first, window)
    window = best[2]
    if window.end - window.start > limit:
        window = _cut_long_sentence(text, window, tokens, weights, limit)
    return _strip(text, window)


sentence = st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join)
paragraph = st.lists(
    st.tuples(sentence, st.sampled_from([". ", "؟ ", "! ", "، ", " "])), min_size=1, max_size=40
).map(lambda parts: "".join(s + end for s, end in parts))


@settings(max_examples=200, deadline=None)
@given(
    text=paragraph,
    weights=st.dictionaries(
        st.sampled_from([ANALYZER.terms(w)[0] for w in WORDS]),
        st.sampled_from([0.5, 1.0, 2.0, 3.0]),
        max_size=4,
    ),
    limit=st.sampled_from([40, 80, 150, 420]),
)
def test_sliding_window_chooses_the_excerpt_the_full_rescan_chose(text, weights, limit):
    tokens = ANALYZER.analyze(text)
    assert choose_excerpt(text, tokens, weights, limit) == quadratic_excerpt(
        text, tokens, weights, limit
    )
