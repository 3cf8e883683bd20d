"""What kind of answer a question asks for, and whether a passage holds one.

«كم» asks for a quantity and «متى» for a time: a passage that shares the question's words but
holds no number cannot answer «كم كلّف تدريب نموذج R1؟», however many words it shares. The
question word is read before stop words remove it, in Modern Standard Arabic and in the dialects
people type (قديش، كام، امتى، وقتاش). «من» and «أين» ask for a person and a place, which a
passage cannot be checked for without a list of names, so they expect nothing here.
"""

from __future__ import annotations

import re
from enum import Enum

from retrieval.normalize import normalize_arabic
from retrieval.stopwords import REQUEST_WORDS


class AnswerType(Enum):
    """What a question asks for, as far as a passage can be checked for it."""

    QUANTITY = "quantity"
    TIME = "time"


# Question words by what they ask, normalised (أ→ا, ى→ي): MSA, then dialects.
_QUESTION_WORDS = {
    AnswerType.QUANTITY: "كم بكم لكم وكم فكم قديش قداش ادي اديش كام بكام قد",
    AnswerType.TIME: "متي ومتي امتي ايمتي وقتاش امتين",
}
_TYPE_OF_WORD = {
    normalize_arabic(word): kind
    for kind, words in _QUESTION_WORDS.items()
    for word in words.split()
}
# «قد» opens many sentences as a particle ("قد يكون"): it asks "how much" only as قد ايش.
_AMBIGUOUS = {"قد"}
# The question word comes first, perhaps after a preposition or a greeting (في كم سنة…؟), and
# after a request and its courtesy («لو سمحت بدي أعرف كم…», «من فضلك قل لي متى…»).
_LEADING_WORDS = 3
_COURTESY = frozenset({"لو", "من"})

_WORD = re.compile(r"[^\W_]+")
# A number standing on its own: the digits of a name (R1, GPT-4, H100, o3) are no quantity.
_NUMBER = re.compile(
    r"(?<![A-Za-z0-9\u0660-\u0669\u06f0-\u06f9-])[0-9\u0660-\u0669\u06f0-\u06f9]+(?![A-Za-z])"
)
_YEAR = re.compile(r"(?<![A-Za-z0-9-])(?:1[0-9]{3}|20[0-9]{2})(?![0-9A-Za-z])")
# Number words and units a quantity is written with when it has no digits.
_NUMBERS = """
نصف ثلث ربع خمس عشر ضعف ضعفي أضعاف واحد اثنان اثنين ثلاث ثلاثة أربع أربعة خمسة ست ستة سبع
سبعة ثمان ثماني ثمانية تسع تسعة عشرة عشرين ثلاثين أربعين خمسين ستين سبعين ثمانين تسعين مئة
مائة مئات مائتي مئتي ألف آلاف ألفا ألفي مليون ملايين مليونا مليار مليارات مليارا تريليون
"""
_NUMBER_WORDS = frozenset(normalize_arabic(word) for word in _NUMBERS.split())
# Months (the Gregorian names of Egypt and the Gulf, and the Levantine ones), weekdays and
# centuries: a time written without a year. (عام and سنة are not here: بشكل عام is "generally".)
_TIMES = """
يناير فبراير مارس أبريل إبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر
كانون شباط آذار نيسان أيار حزيران تموز آب أيلول تشرين القرن قرن
الاثنين الثلاثاء الأربعاء الخميس الجمعة السبت الأحد
"""
_TIME_WORDS = frozenset(normalize_arabic(word) for word in _TIMES.split())
# One-letter proclitics a number or time word may carry (وثلاثة، بمارس، فالقرن، لعام).
_PROCLITICS = "وفبل"


def expected_type(question: str) -> AnswerType | None:
    """The kind of answer ``question`` asks for, read from its leading question word."""
    words = _WORD.findall(normalize_arabic(question))
    start = 0
    while start < len(words) and (words[start] in REQUEST_WORDS or words[start] in _COURTESY):
        start += 1
    words = words[start : start + _LEADING_WORDS]
    for i, word in enumerate(words):
        kind = _TYPE_OF_WORD.get(word)
        if kind is None:
            continue
        if word in _AMBIGUOUS and (i + 1 >= len(words) or words[i + 1] not in {"ايش", "اي"}):
            continue
        return kind
    return None


def holds(text: str, kind: AnswerType) -> bool:
    """Whether ``text`` contains something of that kind: a number for a quantity, a year,
    month or date word for a time."""
    if kind is AnswerType.QUANTITY:
        pattern, words = _NUMBER, _NUMBER_WORDS
    else:
        pattern, words = _YEAR, _TIME_WORDS
    if pattern.search(text):
        return True
    return any(
        word in words or (word[0] in _PROCLITICS and word[1:] in words)
        for word in _WORD.findall(normalize_arabic(text))
    )
