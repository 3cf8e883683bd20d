"""Words that carry no topic: Arabic function and question words, and a few English ones.

Listed in their normalised spelling (أ→ا, ى→ي, ة→ه) since they are matched after
:func:`retrieval.normalize.normalize_arabic`. Lucene's Arabic list is the starting point; question
words (ما، ماذا، كيف، هل، متى، أين، لماذا، كم …) are added because every question carries one and
none of them says what the question is about; so are the verbs of "what happened" (ماذا حدث،
ماذا يجري), which the articles seldom use and which otherwise count as a word no article has.
People also ask in their own dialect (شو، ايش، ليش، وين، مين، امتى، ازاي، قديش، كام): its
question words, and the function words around them (رح، بدهم، عشان، اللي، مش، هيك، كده),
are none of the articles' words either, and a word the collection lacks counts against an answer.
Dialect words that are also Modern Standard words are left out (راح "went", تبع "followed",
دول "states", هون "the Huns", هادي "Hadi").
A question is as often a request (أخبرني عن…، اشرح لي…، عرّفني بـ…، بدي أعرف…, a new user's
trial): its verbs of telling and explaining, its courtesy (لو سمحت، من فضلك) and the "to me"
it carries (لي، لنا، like له and لهم above) say nothing of its subject either. Verbs that are
also everyday Modern Standard words are left out (قل "decreased", بين "showed").
"""

from __future__ import annotations

from retrieval.normalize import normalize_arabic

_ARABIC = """
من الي الى إلى عن على علي في مع و ف ثم او أو ام أم بل لكن لكنه لكنها ولكن لان لأن إن ان أن
كان كانت يكون تكون كانوا يكونوا اصبح اصبحت صار ليس ليست لست لسنا
هو هي هم هما هن انا أنا نحن انت أنت انتم أنتم انتن انه أنه انها أنها انهم أنهم
هذا هذه هذان هاتان هؤلاء ذلك تلك ذلكم اولئك أولئك هنا هناك هنالك
الذي التي الذين اللذان اللتان اللاتي اللواتي اللذين
ما ماذا لماذا لما كيف هل متى اين أين أي اي ايه كم بكم لكم منذ مذ
قد لقد لم لن لا ليس سوف كل بعض غير سوى حتى اذا إذا اذ إذ لو لولا
عند عندما بين بينما حيث حين لدى لدي امام أمام خلال بعد قبل فوق تحت دون ضد نحو حول
كما مثل ايضا أيضا فقط جدا تم يتم
به بها بهم بهما له لها لهم لهما منه منها منهم عنه عنها عنهم فيه فيها فيهم عليه عليها عليهم
اليه إليه اليها إليها اليهم إليهم معه معها معهم
وهو وهي وهم وقد ولم ولن ولا وما ومن وفي وعلى وكان وكانت وان وإن وأن وهذا وهذه وذلك وكل
فهو فهي فقد فان فإن فلا فما
يا اما أما الا إلا
ماهو ماهي ماهى بماذا ولماذا وكيف وكم وما ومتى واين وهل وماذا لمن ممن مما عما فيما
حدث يحدث جرى يجري
شو ايش إيش وش ليش ليه وين فين امتى إمتى ازاي إزاي كيفاش علاش شنو منو مين
اش شكون ايمتى وقتاش امتين قديش قداش كام بكام
رح بدك بده بدها بدهم بدنا بدكم أبغى
عشان علشان مشان منشان ديال اللي مش مو مفيش مافي فيش
زي متل هيك كده كدا كدة هلق هلأ دلوقتي دلوقت هسه هسا هنيك
هاد هادا هاي ده دي دا هذي هذول يعني بس طيب كتير شوي
ال
"""

# Requests: the words a question may open with instead of its question word (ممكن تخبرني كم…).
_REQUEST = """
لي لنا لك
اخبرني اخبرنا خبرني خبرنا حدثني حدثنا احكيلي احكيلنا احكي احكيلو
اشرح اشرحي اشرحلي اشرحيلي اشرحوا وضح وضحلي فسر فسرلي عرفني عرفنا عرفيني قللي قوللي قوليلي
اذكر اذكري اذكرلي اعطني اعطيني اديني هات اعرف نعرف اريد نريد اود نود ابي ابغا
تخبرني تخبرنا تحدثني تحكيلي تشرحلي توضحلي تقولي تقوللي تقلي تعرفني تذكرلي تعطيني
ممكن رجاء فضلك سمحت بدي عايز عايزة عاوز عاوزة ابغى ابغي
"""

_ENGLISH = """
a an the of and or in on at to for by with from is are was were be been this that it its as
what who whom which when where why how does do did
"""

REQUEST_WORDS: frozenset[str] = frozenset(normalize_arabic(w) for w in _REQUEST.split())
ARABIC_STOPWORDS: frozenset[str] = (
    frozenset(normalize_arabic(w) for w in _ARABIC.split()) | REQUEST_WORDS
)
ENGLISH_STOPWORDS: frozenset[str] = frozenset(_ENGLISH.split())
STOPWORDS: frozenset[str] = ARABIC_STOPWORDS | ENGLISH_STOPWORDS
