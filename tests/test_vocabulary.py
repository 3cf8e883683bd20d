"""One chain for documents and questions: the vocabulary built once per collection gives every
word the term the filters give it, saved and loaded it reads questions the same, and the bulk
indexer indexes what the analyser reads paragraph by paragraph."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retrieval.analysis import Analyzer, Vocabulary, building, parse_alias_lines
from retrieval.analysis.steps import DEFAULT_SETTINGS
from retrieval.bm25 import BM25Index
from retrieval.corpus import Article, corpus_from_articles
from retrieval.indexing import Tokens, index_tokens, indexed_text, tokenize
from retrieval.transliteration import arabic_skeleton, vowel_mask

# Words that exercise every step: clitics on names and words, names in both scripts and split,
# letter names and numbers (acronyms), function words, hamza seats, a ة before a pronoun.
POOL = (
    "إنفيديا لإنفيديا وبإنفيديا Nvidia NVIDIA ديب سيك ديبسيك بديب DeepSeek غوغل جوجل Google "
    "جي بي تي GPT ChatGPT شات أوبن إيه آي OpenAI آر 1 R1 GPUs او 3 أوسكار Oscar الصغيرة "
    "إلى من اليمن الكتاب والكتاب بالكتاب كتابها سلطته مسؤول مسئول قرائة قراءة في على هو "
    "سيحتاج يحتاج فرنسا لبنان الطالبان السرطانية ١٢٬٥٠٠ 12.5 تسلا Tesla أبل Apple علي بابا"
).split()
WORD = st.one_of(
    st.sampled_from(POOL),
    st.text(st.sampled_from("وفبلكالسيتناهةمرعدقصجغ"), min_size=1, max_size=9),
    st.text(st.sampled_from("abcdegiklnoprstuvy"), min_size=1, max_size=8),
)
TEXT = st.lists(WORD, min_size=1, max_size=25).map(" ".join)
ALIASES = parse_alias_lines(["Apple = أبل = آبل", "Open AI = أوبن إيه آي", "Alibaba = علي بابا"])


def loaded(vocabulary: Vocabulary) -> Analyzer:
    """The analyser a snapshot would give: the tables through their arrays and header."""
    arrays = {name: np.asarray(a[0 : len(a)]) for name, a in vocabulary.arrays().items()}
    return Analyzer(Vocabulary.from_arrays(arrays, vocabulary.header(), DEFAULT_SETTINGS))


def postings(index: BM25Index) -> dict[str, tuple[list[int], list[float]]]:
    return {
        term: tuple(part.tolist() for part in index.postings(term_id))
        for term, term_id in index.vocabulary.items()
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TEXT, min_size=1, max_size=8), st.lists(TEXT, max_size=6), st.booleans())
def test_indexing_and_questions_agree_on_random_text(paragraphs, questions, with_aliases):
    corpus = corpus_from_articles([(Article("a.txt", "مقال"), paragraphs)])
    if with_aliases:
        corpus.aliases = ALIASES
    part = tokenize(list(corpus.articles), corpus.paragraphs)
    analyzer, index = index_tokens(Tokens.of(part), corpus.aliases)
    texts = [indexed_text(p) for p in corpus.paragraphs]
    assert postings(index) == postings(BM25Index.build([analyzer.terms(t) for t in texts]))

    vocabulary = analyzer.vocabulary
    for form in vocabulary.forms.keys.strings:  # every corpus word, as a question word
        assert vocabulary.entry(form)[0] == vocabulary.computed_term(form)
    arabic = vocabulary.name_tables[2]  # the Arabic words by consonants, their vowels as masks
    spellings, masks = arabic.columns["spelling"], np.asarray(arabic.columns["mask"])
    for spelling, mask in zip(spellings, masks.tolist(), strict=True):
        assert mask == vowel_mask(arabic_skeleton(spelling))
    again = loaded(vocabulary)
    for text in [*questions, *paragraphs]:
        assert again.terms(text) == analyzer.terms(text)
        assert again.analyze(text) == analyzer.analyze(text)


def test_a_question_word_the_corpus_lacks_is_read_over_the_tables():
    analyzer = Analyzer.from_texts(["ارتفعت أسهم إنفيديا", "قالت Nvidia إن الرقائق نفدت"])
    again = loaded(analyzer.vocabulary)
    # Not corpus words: a new clitic stack on a name, a new inflection, a new Latin plural.
    for word in ("فلإنفيديا", "الرقائقية", "nvidias", "وسيرتفع"):
        assert word not in analyzer.vocabulary.forms.keys.strings
        assert again.terms(word) == analyzer.terms(word)
    assert again.terms("فلإنفيديا") == again.terms("Nvidia")


def test_a_vocabulary_larger_than_a_chunk_gives_each_spelling_its_vowels(monkeypatch):
    """Vowel masks are computed in chunks of spellings (memory): each as on its own."""
    monkeypatch.setattr(building, "_CHUNK", 3)
    vocabulary = Analyzer.from_texts([" ".join(POOL)]).vocabulary
    arabic = vocabulary.name_tables[2]
    spellings, masks = arabic.columns["spelling"], np.asarray(arabic.columns["mask"])
    assert len(spellings) > 3 * 3
    for spelling, mask in zip(spellings, masks.tolist(), strict=True):
        assert mask == vowel_mask(arabic_skeleton(spelling))
