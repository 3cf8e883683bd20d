"""Every sentence Sanad says to a person, in one place: Modern Standard Arabic, short, friendly.

Counts are written as "label: number" (الفقرات: 47): a number before an Arabic noun changes the
noun's form (3 فقرات، 11 فقرة، فقرتان), so "{n} فقرات" is wrong for most n.
"""

from __future__ import annotations

from retrieval.answer import Answer, Source

NO_ANSWER = (
    "لم أجد في مصادري ما يجيب عن هذا السؤال. "
    "جرّب صياغة أخرى بكلمات أوضح، أو اطّلع على ما أعرفه عبر /sources."
)
NO_ANSWER_CONSOLE = (
    "لم أجد في مصادري ما يجيب عن هذا السؤال. جرّب صياغة أخرى، أو اكتب /sources لترى ما أعرفه."
)
EMPTY_QUESTION = "اكتب سؤالك بالعربية وسأبحث لك عن الفقرات التي تجيب عنه."
QUESTION_TRIMMED = "سؤالك طويل، فاكتفيت بأوله."
ANSWER_INTRO = "هذا ما وجدته في المصادر:"
# The passages are the nearest the collection holds, not a confident answer (Answer.weak).
WEAK_INTRO = "أقرب ما وجدته في المصادر، وقد لا يجيب عن سؤالك تمامًا:"
MORE_INTRO = "مزيد من الفقرات:"
NO_MORE = "لا توجد فقرات أخرى لهذا السؤال."
PARAGRAPH = "الفقرة {n} من {m}"
# A paragraph too long to quote whole is cited by its part (Source.part): paragraph n of the
# article's m, part k of that paragraph.
PARAGRAPH_PART = "الفقرة {n} (الجزء {part}) من {m}"
PUBLISHER = "الناشر"
AUTHOR = "الكاتب"

CHAT_WELCOME = (
    "مرحبًا! أنا سند، أجيب عن أسئلتك بفقرات مقتبسة حرفيًا من مقالاتي مع ذكر مصدر كل فقرة.\n"
    "اكتب سؤالك، أو «المزيد» لفقرات أخرى، أو /sources للمصادر، أو /help للمساعدة، أو /exit للخروج."
)
CHAT_HELP = (
    "اكتب سؤالك بالعربية، وسأعرض الفقرات التي تجيب عنه مقتبسة حرفيًا مع مصادرها.\n"
    "«المزيد»: فقرات أخرى للسؤال الأخير.\n"
    "/sources: المقالات التي أجيب منها.\n"
    "/help: هذه المساعدة.\n"
    "/exit أو «خروج»: إنهاء المحادثة."
)
HELP_WORDS = frozenset({"/help", "help", "/start", "مساعدة", "؟"})
EXIT_WORDS = frozenset({"/exit", "/quit", "exit", "quit", "خروج"})
CHAT_PROMPT = "سؤالك: "
CHAT_BYE = "إلى اللقاء!"
MORE_LEFT = "(فقرات أخرى: {count}. اكتب «المزيد» لعرضها)"
# Messages that ask for the next page (bot.service.phrases.is_more): whole messages, compared
# after spelling folds and without punctuation («المزيد؟», «مزيـــد» and "/more" match).
MORE_WORDS = frozenset(
    {
        "المزيد",
        "مزيد",
        "أكثر",
        "المزيد من فضلك",
        "المزيد لو سمحت",
        "مزيد من فضلك",
        "هات المزيد",
        "أعطني المزيد",
        "اعرض المزيد",
        "أريد المزيد",
        "مزيد من الفقرات",
        "فقرات أخرى",
        "التالي",
        "more",
        "more please",
        "show more",
        "next",
    }
)
# On Telegram and Discord the next page is a button: it reads the question back from the answer
# message, since no replica remembers a chat's last question.
MORE_AS_TEXT = "لعرض فقرات أخرى اضغط زر «المزيد» تحت الإجابة، أو اكتب سؤالًا جديدًا."

# A message that is only a greeting (bot.service.phrases.greeting), optionally addressed to the
# bot («مرحبا يا سند»); the reply greets back and says how to ask.
GREETING_WORDS = frozenset(
    {
        "مرحبا",
        "مرحبا بك",
        "مرحبتين",
        "أهلا",
        "أهلين",
        "أهلا وسهلا",
        "أهلا بك",
        "هلا",
        "هلا والله",
        "السلام عليكم",
        "سلام عليكم",
        "السلام عليكم ورحمة الله",
        "السلام عليكم ورحمة الله وبركاته",
        "سلام",
        "صباح الخير",
        "مساء الخير",
        "صباح النور",
        "مساء النور",
        "hi",
        "hello",
        "hey",
        "salam",
        "salam alaikum",
        "assalamu alaikum",
        "marhaba",
        "good morning",
        "good evening",
    }
)
ADDRESSING_WORDS = frozenset({"يا", "سند", "sanad", "there"})
SALAM_REPLY = "وعليكم السلام!"
HELLO_REPLY = "أهلًا بك!"
GREETING = (
    "{salutation} أنا سند، أجيب عن أسئلتك بفقرات مقتبسة حرفيًا من مقالاتي مع ذكر مصدر كل فقرة.\n"
    "اكتب سؤالك بالعربية{example}"
)
GREETING_EXAMPLE = "، مثل: {question}"

# A slash command Sanad does not have ({command}), and where its commands are listed.
UNKNOWN_COMMAND = "لا أعرف الأمر {command}. اكتب سؤالك مباشرة، أو {hint}."
COMMANDS_HINT = "اكتب /help لترى ما أستطيع"
# Discord has no /help command: name the commands it has.
DISCORD_COMMANDS_HINT = "استعمل /ask لتسألني أو /sources لترى مصادري"

SOURCES_HEADER = "المصادر المحمّلة (المقالات: {articles}، الفقرات: {paragraphs}):"
SOURCES_SKIPPED = "ملفات لم تُحمَّل:"
# Articles that loaded after their declared attribution was mended (a URL dropped, a title
# shortened): Corpus.warnings, one line each.
SOURCES_MENDED = "مقالات حُمِّلت بعد تصحيح بياناتها:"

NAME = "سند"
# {name} is the bot's name as the platform shows it emphasised (bold on Telegram).
START = (
    "مرحبًا، أنا {name} 👋\n"
    "أجيب عن أسئلتك بالعربية بفقرات مقتبسة حرفيًا من مقالاتي، ومع كل فقرة مصدرها: "
    "المقال ورقم الفقرة والناشر. لا أؤلف نصًا من عندي.\n\n"
    "مصادري الآن (المقالات: {articles}، الفقرات: {paragraphs})، منها:\n{titles}\n\n"
    "اكتب سؤالك، أو جرّب أحد الأمثلة:"
)
START_GROUP_HINT = "في المجموعات: اكتب /ask ثم سؤالك، أو اذكرني، أو ردّ على إحدى رسائلي."
INLINE_BUTTON = "ابحث من أي محادثة"
MORE_BUTTON = "المزيد"
SOURCE_BUTTON = "المصدر"
HELPFUL_BUTTON = "👍 مفيد"
UNHELPFUL_BUTTON = "👎 غير مفيد"
FEEDBACK_THANKS = "شكرًا على رأيك!"
FEEDBACK_ALREADY = "سجّلنا رأيك من قبل، شكرًا."
NOT_TEXT = "أفهم الرسائل النصية فقط. اكتب سؤالك بالعربية من فضلك."
ASK_USAGE = "اكتب سؤالك بعد الأمر، مثل: /ask كم بلغت تكلفة تطوير نموذج R1؟"
# {seconds}: until the sender's next question is allowed (the bucket refills every minute).
RATE_LIMITED = "أسئلة كثيرة في وقت قصير! انتظر {seconds} ثانية ثم أعد المحاولة."
ERROR = "عذرًا، حدث خطأ غير متوقع. حاول مرة أخرى بعد قليل."
PAGE_EXPIRED = "لم أعد أجد هذا السؤال. أرسله من جديد من فضلك."
QUESTION_EDITED = "عُدِّل هذا السؤال بعد الإجابة عنه؛ اضغط «المزيد» تحت إجابته الجديدة."
BUTTON_UNKNOWN = "هذا الزر لم يعد يعمل. أرسل سؤالك من جديد من فضلك."
NOT_ADMIN = "عذرًا، هذا الأمر للمشرفين فقط."
PRIVATE_ONLY = "هذا الأمر يعرض أسئلة المستخدمين، فلا أجيب عنه إلا في محادثة خاصة معي."
CHAT_NOT_ALLOWED = "عذرًا، لا أعمل في هذه المحادثة."

INLINE_HELP_TITLE = "اكتب سؤالك بعد اسم البوت"
INLINE_HELP_TEXT = "اكتب سؤالًا بالعربية بعد اسم البوت، وسأعرض الفقرات التي تجيب عنه مع مصادرها."
INLINE_NO_ANSWER_TITLE = "لم أجد إجابة في المصادر"
INLINE_NO_ANSWER_TEXT = "لم أجد في مصادر سند ما يجيب عن: {question}"

# The command menu: (command, description); admin commands are shown to admins only.
USER_COMMANDS = (
    ("start", "ما سند وما الذي يعرفه"),
    ("help", "طريقة الاستخدام وأمثلة"),
    ("ask", "اطرح سؤالًا (في المجموعات)"),
    ("sources", "المقالات التي أجيب منها"),
)
ADMIN_COMMANDS = (
    *USER_COMMANDS,
    ("reload", "إعادة تحميل المصادر"),
    ("rollback", "الرجوع إلى الفهرس السابق"),
    ("stats", "إحصاءات الاستخدام"),
    ("gaps", "أسئلة بلا إجابة أو غير مفيدة"),
)

RELOAD_STARTED = "جارٍ إعادة تحميل المصادر…"
RELOAD_DONE = (
    "تمت إعادة التحميل في {seconds:.1f} ث.\n"
    "المقالات: {articles}، الفقرات: {paragraphs}.\n"
    "أضيف: {added}\nحُذف: {removed}\nتغيّر: {changed}"
)
RELOAD_FAILED = "فشلت إعادة التحميل، وما زلت أجيب من الفهرس السابق.\nالسبب: {reason}"
# A reload request that joined one another request started (that one reports it).
RELOAD_JOINED = "تجري إعادة تحميل الآن، وستشمل طلبك؛ يصل تقريرها إلى من بدأها."
# A rollback swaps indexes, not files: the next reload reads the sources directory as it is.
ROLLBACK_DONE = (
    "أعدت الفهرس السابق (المقالات: {articles}، الفقرات: {paragraphs}).\n"
    "لم أغيّر ملفات المصادر، فإعادة التحميل التالية تقرؤها كما هي."
)
ROLLBACK_NONE = "لا يوجد فهرس سابق للرجوع إليه."
NONE = "لا شيء"
UPLOAD_BAD_NAME = (
    "اسم الملف غير مقبول. استخدم حروفًا لاتينية وأرقامًا و - _ فقط، بامتداد ‎.txt أو ‎.md."
)
UPLOAD_TOO_BIG = "الملف أكبر من الحد المسموح ({limit} بايت)."
UPLOAD_NOT_UTF8 = "الملف ليس نصًا بترميز UTF-8."
UPLOAD_INVALID = "لا يمكن قراءة الملف مقالًا: {reason}"
UPLOAD_SAVED = "حفظت ‎{name}‎ في المصادر."
# One file of an album of uploads: its name, then what became of it (UPLOAD_SAVED or why not).
ALBUM_FILE = "‎{name}‎: {outcome}"
# After UPLOAD_SAVED when the upload replaced an article of the same name.
UPLOAD_REPLACED = "واستبدلت به مقالًا بالاسم نفسه، واحتفظت بالسابق في ‎{kept}‎."
# After UPLOAD_SAVED, one "- reason" line per mend of the file's attribution (Article.warnings).
UPLOAD_MENDED = "وصحّحت بياناته:"
# The sources directory cannot be written (a read-only or foreign-owned volume): the operator
# has the start-up line saying why; the admin learns that nothing was saved and who can fix it.
UPLOAD_NOT_WRITABLE = (
    "لم أحفظ الملف: لا أستطيع الكتابة في مجلد المصادر على الخادم. "
    "اطلب من مشغّل البوت منحي صلاحية الكتابة فيه. ما زلت أجيب من المصادر الحالية."
)

STATS = (
    "📊 الإحصاءات\n"
    "مدة التشغيل: {uptime}\n"
    "أسئلة أُجيب عنها: {answered} (بلا إجابة: {unanswered}، نسبة {no_answer_rate:.0%})\n"
    "استعلامات مضمّنة: {inline}\n"
    "زمن الإجابة: الوسيط {p50:.0f} م.ث، p95 {p95:.0f} م.ث\n"
    "الفهرس: المقالات {articles}، الفقرات {paragraphs}\n"
    "التقييمات: 👍 {helpful} / 👎 {unhelpful}"
)
GAPS_HEADER = "أسئلة لم تجد إجابة أو قُيّمت بأنها غير مفيدة (أضف مصادر تغطيها):"
# After a /gaps question asked (or marked unhelpful) more than once.
GAP_ASKED = "(المرات: {count})"
LIST_CUT = "(وسطور أخرى لم تُعرض: {count})"
GAPS_NONE = "لا توجد فجوات مسجّلة حتى الآن."

# Discord's application commands: descriptions are shown in every client language (Discord has
# no Arabic locale), so the Arabic text is the base description.
DISCORD_ASK = "اسأل سند سؤالًا بالعربية"
DISCORD_ASK_QUESTION = "سؤالك"
DISCORD_ASK_PRIVATE = "أن تظهر الإجابة لك وحدك"
DISCORD_ASK_MESSAGE = "اسأل سند"
DISCORD_UPLOAD = "أضف مقالًا أو استبدله (ملف ‎.txt أو ‎.md)"
DISCORD_UPLOAD_FILE = "ملف المقال"
DISCORD_UPLOAD_MORE_FILE = "ملف مقال آخر (اختياري)"


def reply_intro(answer: Answer, no_answer: str = NO_ANSWER) -> str:
    """The sentence that opens a reply; for an answer without passages, the whole reply."""
    if not answer.found:
        return no_answer
    if not answer.passages:
        return NO_MORE
    if answer.offset:
        return MORE_INTRO
    return WEAK_INTRO if answer.weak else ANSWER_INTRO


def paragraph_label(source: Source) -> str:
    """Where a passage is in its article: «الفقرة n من m», and the part when the paragraph was
    cut into parts at read time (``Source.part`` > 0)."""
    if source.part:
        n, part, m = source.paragraph, source.part, source.paragraph_total
        return PARAGRAPH_PART.format(n=n, part=part, m=m)
    return PARAGRAPH.format(n=source.paragraph, m=source.paragraph_total)
