import pytest

from retrieval.analysis import Analyzer, parse_alias_lines, surface_words

CORPUS = [
    "أعلنت شركة Samsung عن هاتف جديد في سيول.",
    "قالت سامسونج إن المبيعات ارتفعت، وإن شركة نتفليكس تعاقدت معها.",
    "تأسست Netflix في كاليفورنيا، وتنافس أمازون في البث.",
    "تعمل شركة ديب سيك على نماذج مفتوحة، كما تعمل ديبسيك على الرقائق.",
    "ذهب الطالب إلى المكتبة لبرلين.",
]


def test_vowelled_word_stays_one_term():
    analyzer = Analyzer()
    assert analyzer.terms("كَتَبَ") == ["كتب"]


def test_stop_words_and_question_words_are_dropped():
    analyzer = Analyzer()
    assert analyzer.terms("ما هي عاصمة فرنسا؟") == ["عاصم", "فرنسا"]


def test_token_spans_point_at_the_original_text():
    text = "قال جيمْ فان: «إنفيديا» ربحت."
    analyzer = Analyzer()
    for token in analyzer.analyze(text):
        assert analyzer.terms(text[token.start : token.end]) == [token.term]


def test_mixed_script_word_splits_into_scripts():
    assert [w.form for w in surface_words("لـDeepSeek")] == ["ل", "deepseek"]


def test_question_in_latin_finds_arabic_spelling():
    analyzer = Analyzer.from_texts(CORPUS)
    assert analyzer.terms("Samsung") == analyzer.terms("سامسونج")
    assert analyzer.terms("نتفليكس") == analyzer.terms("Netflix")


def test_arabic_name_only_spelled_in_arabic_is_found_from_latin():
    analyzer = Analyzer.from_texts(CORPUS)
    assert analyzer.terms("Amazon") == analyzer.terms("أمازون")


def test_split_spelling_of_a_one_word_name_is_joined():
    analyzer = Analyzer.from_texts(CORPUS)
    assert analyzer.terms("ديب سيك") == analyzer.terms("ديبسيك")


def test_split_spelling_behind_a_proclitic_is_joined():
    analyzer = Analyzer.from_texts(CORPUS)
    assert analyzer.terms("بديب سيك") == analyzer.terms("لديب سيك") == analyzer.terms("ديبسيك")


def test_one_word_alias_spellings_are_the_canonical_name():
    analyzer = Analyzer.from_texts(
        ["باعت Apple هواتف أكثر هذا العام."], parse_alias_lines(["Apple = أبل = آبل"])
    )
    assert analyzer.terms("أبل") == analyzer.terms("لأبل") == analyzer.terms("Apple")


def test_proclitic_on_a_corpus_name_is_stripped():
    analyzer = Analyzer.from_texts([*CORPUS, "أرباح سامسونج"])
    assert analyzer.terms("لسامسونج") == analyzer.terms("سامسونج")


def test_indexing_and_querying_agree():
    analyzer = Analyzer.from_texts(CORPUS)
    for text in CORPUS:
        assert analyzer.terms(text) == [t.term for t in analyzer.analyze(text)]


def test_admin_alias_groups_join_spellings():
    aliases = parse_alias_lines(["OpenAI = أوبن إيه آي  # the lab", "", "# comment only"])
    analyzer = Analyzer.from_texts(CORPUS, aliases)
    assert aliases == [["OpenAI", "أوبن إيه آي"]]
    assert analyzer.terms("أوبن إيه آي") == analyzer.terms("OpenAI")


def test_function_words_do_not_make_letters_look_like_proclitics():
    analyzer = Analyzer.from_texts(["لم يقل كلمة واحدة، لم يفعل، لم يذهب.", "كلمة السر"])
    assert analyzer.terms("كلمة") == ["كلم"]


def test_arabic_word_with_ain_is_never_a_latin_name():
    analyzer = Analyzer.from_texts(["خاضت America حروبا كثيرة.", "أهم معاركه كانت في الشرق."])
    assert analyzer.terms("معارك") != analyzer.terms("America")


def test_words_sharing_a_names_consonants_are_not_that_name():
    analyzer = Analyzer.from_texts(
        [
            "فاز الفيلم بجائزة Oscar هذا العام.",
            "حصلت الممثلة على جائزة الأوسكار لأول مرة.",
            "القطط الصغيرة تلعب مع الذكور في الحديقة.",
        ]
    )
    oscar = analyzer.terms("Oscar")
    assert analyzer.terms("أوسكار") == oscar
    assert analyzer.terms("الصغيرة") != oscar
    assert analyzer.terms("الذكور") != oscar


def test_function_word_and_its_neighbour_are_never_one_name():
    analyzer = Analyzer.from_texts(
        ["زار الوفد اليمن.", "فاز الفيلم بجائزة Oscar.", "حصلت على الأوسكار."]
    )
    asked = analyzer.terms("إلى من ينتمي؟ أو صغيرة")
    assert not {*analyzer.terms("اليمن"), *analyzer.terms("Oscar")} & set(asked)


def test_acronyms_and_names_spelled_in_arabic_letter_names_are_the_latin_word():
    analyzer = Analyzer.from_texts(
        ["قدمت OpenAI نموذجي GPT-4 و o3 ثم ChatGPT، وردت الصين بنموذج R1 في المدينة."]
    )
    assert analyzer.terms("جي بي تي") == analyzer.terms("GPT")
    assert analyzer.terms("آر 1") == analyzer.terms("R1")
    assert analyzer.terms("أوبن إيه آي") == analyzer.terms("OpenAI")
    assert analyzer.terms("شات جي بي تي") == analyzer.terms("تشات جي بي تي") == ["chatgpt"]
    # Letter names that are also words keep their meaning outside an acronym.
    assert analyzer.terms("في المدينة") == analyzer.terms("المدينة")
    assert "o3" not in analyzer.terms("بعد يومين او 3 أيام")


def test_word_memory_is_bounded_without_changing_any_term(monkeypatch):
    import itertools

    from retrieval import analysis

    texts = ["أعلنت شركة ديبسيك نموذجها الجديد وتراجعت أسهم إنفيديا في بورصة ناسداك"]
    letters = "بتثجحخدذرزسشصضطظعغفقكلمنهوي"
    words = ["".join(p) for p in itertools.islice(itertools.permutations(letters, 4), 300)]
    question = " ".join(words)
    expected = Analyzer.from_texts(texts).terms(question)
    monkeypatch.setattr(analysis, "TERM_CACHE_SIZE", 16)
    small = Analyzer.from_texts(texts)
    assert small.terms(question) == expected
    assert len(small._cache) <= 16


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("١٢٬٥٠٠", ["12500"]),  # Arabic thousands separator U+066C
        ("۱۲٬۵۰۰", ["12500"]),  # Persian digits
        ("12٬500", ["12500"]),
        ("12,500", ["12500"]),
        ("١٢,٥٠٠", ["12500"]),
        ("1,234,567", ["1234567"]),
        ("١٢٫٥", ["12.5"]),  # Arabic decimal separator U+066B
        ("12.5", ["12.5"]),
        ("١٢٬٥٠٠٫٧٥", ["12500.75"]),
        ("12,5", ["12", "5"]),  # a decimal comma or a list: not guessed
        ("12345,678", ["12345", "678"]),  # not thousands grouping
        ("عام 2025.", ["عام", "2025"]),  # a full stop after a number
    ],
)
def test_number_with_separators_is_one_term(text, terms):
    assert Analyzer().terms(text) == terms


def test_number_keeps_its_span_in_the_quoted_text():
    text = "بلغ الدين ١٢٬٥٠٠ دينار"
    (number,) = [t for t in Analyzer().analyze(text) if t.term == "12500"]
    assert text[number.start : number.end] == "١٢٬٥٠٠"
