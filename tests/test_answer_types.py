"""What a question asks for, and whether a passage holds it."""

import pytest

from retrieval.answer_types import AnswerType, expected_type, holds


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("كم كلّف تدريب نموذج R1؟", AnswerType.QUANTITY),
        ("بكم انخفض مؤشر ناسداك؟", AnswerType.QUANTITY),
        ("في كم سنة بنى الفريق نموذجه؟", AnswerType.QUANTITY),
        ("قديش خسرت انفيديا؟", AnswerType.QUANTITY),  # Levantine
        ("كام رقاقة استخدمت؟", AnswerType.QUANTITY),  # Egyptian
        ("قد ايش سعر السهم؟", AnswerType.QUANTITY),
        ("متى تأسست ديب سيك؟", AnswerType.TIME),
        ("امتى نزل النموذج؟", AnswerType.TIME),
        ("وقتاش طلع التطبيق؟", AnswerType.TIME),  # Maghrebi
        ("من هو مؤسس ديب سيك؟", None),  # a person: not checkable without a list of names
        ("أين يقع مقر الشركة؟", None),
        ("قد يكون النموذج أرخص؟", None),  # قد as a particle asks nothing
        ("لماذا هبطت الأسهم؟", None),
        # After a request and its courtesy, however long.
        ("لو سمحت بدي أعرف كم كلف تدريب نموذج R1", AnswerType.QUANTITY),
        ("ممكن تخبرني متى أطلقت OpenAI نموذج o3؟", AnswerType.TIME),
        ("من فضلك اخبرني امتى نزل التطبيق", AnswerType.TIME),
        ("أخبرني عن تكلفة تدريب نموذج R1 كم كانت", None),  # no question word leads
    ],
)
def test_question_word_says_what_is_asked_for(question, kind):
    assert expected_type(question) is kind


@pytest.mark.parametrize(
    ("text", "quantity", "time"),
    [
        ("تم تطويره بتكلفة أقل من 6 ملايين دولار", True, False),
        ("هبطت الأسهم بنسبة ١٧٪ يوم الاثنين", True, True),
        ("بلغت الخسارة ستمئة مليار دولار", True, False),
        ("وثلاثة نماذج أخرى", True, False),  # a number word behind و
        ("أطلقت الشركة نموذج R1 ونموذج GPT-4 وشريحة H100", False, False),  # names, no numbers
        ("صدر التقرير في مارس عام 2025", True, True),
        ("بشكل عام تراجعت الأسواق", False, False),  # عام is "generally" here
        ("في القرن التاسع عشر", True, True),
    ],
)
def test_passage_holds_a_number_or_a_time_only_when_it_writes_one(text, quantity, time):
    assert holds(text, AnswerType.QUANTITY) is quantity
    assert holds(text, AnswerType.TIME) is time
