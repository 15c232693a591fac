"""Follow-up questions read with the thread they were asked in: "When did it crash?" after "Where did the
defective drone crash?" is asked as "When did the defective drone crash?".

No language model: a follow-up is a question that leans on an earlier one (a pronoun such as he, it,
they, there; an opening "and" or "what about"; or hardly a content word of its own; or only words that the
earlier answer's story holds, see :func:`told_in`), and it is searched with the latest earlier question's
content words added. Replacing the pronoun by the earlier question's
longest name instead was measured too and did worse (it often picks the wrong name: "he" became "Iraq"
for "the prime minister of Iraq"). Measured by ``scripts/followups.py`` on the pairs in
``data/eval/followups/`` (see the README).

The thread's reading finds the story; the follow-up's own words then find the sentence. Read with its
thread, a follow-up often finds first the very sentence that answered the earlier question ("Who did he
beat?" after "How many votes did Boris Johnson win?" finds the vote count again), so the pipeline asks
the follow-up alone inside the thread's story (:func:`story_of`: the articles of the first quotes of the
earlier answer and of the thread reading), where "Who owned it?" finds "The Conception was owned by
Truth Aquatics". When that answer abstains (too few words of its own: "And the first one?"), the thread
reading answers; when its first quote repeats a quote of the earlier answer, a quote that answers the
follow-up read alone clearly better (by the reranker's reading, or by the cosine when the reranker is
off) goes first (:func:`put_new_first`), and the repeated quote stays, second.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from qa_bot.answer.answer_type import wants_following
from qa_bot.answer.quotes import without_order_notice
from qa_bot.records import Answer, Quote
from qa_bot.terms import terms

WORD = re.compile(r"[A-Za-z][\w'’.-]*")
PERSONAL = {"he", "she", "him", "they", "them", "it"}
POSSESSIVE = {"his", "her", "its", "their"}
OTHER_REFERENCES = {"this", "that", "these", "those", "there", "then"}
QUESTION_WORDS = {"who", "what", "when", "where", "which", "why", "how", "whom", "whose", "is", "are", "was",
                  "were", "did", "does", "do", "has", "have", "had", "can", "could", "will", "would", "and", "in",
                  "on", "at", "by", "for", "the", "a", "an", "of", "to", "until"}
FUNCTION_WORDS = QUESTION_WORDS | PERSONAL | POSSESSIVE | OTHER_REFERENCES | {
    "i", "you", "we", "me", "us", "my", "your", "our", "who's", "what's", "how's", "done", "be", "been", "being",
    "should", "may", "might", "must", "shall", "not", "no", "or", "but", "if", "so", "as", "than", "with", "from",
    "into", "over", "about", "after", "before", "during", "since", "up", "out", "off", "any", "some", "all", "other",
    "else", "more", "most", "many", "much", "long", "old", "also", "again", "still", "just", "only", "ever", "here",
    "one", "ones", "get", "got", "happen", "happened", "go", "went"}
"""Words that bring no subject of their own: question words, auxiliaries, pronouns, prepositions and the
like ("How long...", "What happened after that?"). The keyword terms keep most of them (bm25s's English
stop words are 33), so a follow-up's own content is counted without them."""
_LEADS = ("and ", "what about ", "how about ", "also ", "but ")
_ASKING = {"who", "what", "when", "where", "which", "why", "how", "whom", "whose", "is", "are", "was", "were", "did",
           "does", "do", "has", "have", "had", "can", "could", "will", "would"}
"""Words a whole question opens with (a fragment such as "In Iowa?" does not)."""
_DESCRIBING = re.compile(r"(?:ian|ean|ese|ish)$|-", re.IGNORECASE)
"""Capitalised words that describe rather than name ("Iranian", "Chinese", "Kurdish-led"): a pronoun after one
("Which Iranian leader did he appeal to?") still points back to the thread."""
_BE = {"is", "are", "was", "were", "be", "been", "isn't", "aren't", "wasn't", "weren't"}
_AUX = r"(?:is|are|was|were|has|have|had|did|does|do|will|would|can|could)"
_ONE_BEFORE = re.compile(
    rf"(?:\b{_AUX}\s+)?\b(?:(?:the|that|this)\s+(?:first|second|third|last|other|same|earlier|later|new|previous|"
    rf"next)?\s*ones?|the\s+(?:latter|former))(?:\s*[?.!]*\s*$|\s+(?:{_AUX}|says?|said|got|gets?)\b)"
    rf"|\b{_AUX}\s+(?:(?:the|that|this)\s+\w*\s*ones?|the\s+(?:latter|former))\s+\w+\s*[?.!]*\s*$", re.IGNORECASE)
"""A thing named before by its place: "the first one", "that one", "the latter", ending the question, or with
a verb next to it ("Did the latter say so?", "When was the latter signed?"). Elsewhere such words name a thing
of their own ("the first one to land", "the former prime minister", "the latter half")."""


def leans_on_thread(question: str, earlier: str = "") -> bool:
    """True when ``question`` refers to something said before (``earlier``): a personal or possessive pronoun,
    "the first one", "that one" or "the latter", a leading "and", no content of its own, or "there" as a
    place ("injured there", not "is there"); "this", "that" or "then" only when the question brings fewer
    than two content words of its own that the earlier one lacks ("How many died in the flood that hit
    Texas?" stands alone). A question naming its own subject stands alone: a subject or possessive pronoun
    after a name it gives points to that name ("How old was Kobe Bryant when he died?"), and a whole question
    with one content word that is a name has content enough ("Who was Soleimani?")."""
    raw = [w.strip("'’.") for w in WORD.findall(question)]
    words = [w.lower() for w in raw]
    named = [i for i, w in enumerate(raw) if i and w[:1].isupper() and w.lower() not in FUNCTION_WORDS
             and not _DESCRIBING.search(w)]
    # A pronoun after a name the question gives points back to that name ("How old was Kobe Bryant when he
    # died?"), not to the thread; an object pronoun ("What did Trump tell them?") still may.
    if any((w in PERSONAL - {"him", "them"} or w in POSSESSIVE) and not any(n < i for n in named)
           or w in {"him", "them"} for i, w in enumerate(words)) or _ONE_BEFORE.search(question):
        return True
    own = content_terms(question)
    if question.lower().lstrip().startswith(_LEADS):
        return True
    # Hardly a word of its own leans on the thread ("Why?", "Who won?"), unless it is a question naming its
    # subject ("Who was Soleimani?"; "In Iowa?" is a fragment, and leans).
    if len(own) <= 1 and not (named and words and words[0] in _ASKING):
        return True
    # "there" is a place said before, unless it only says something exists ("is there", "were there").
    if any(w == "there" and (i == 0 or words[i - 1] not in _BE) for i, w in enumerate(words)):
        return True
    if any(w in OTHER_REFERENCES - {"there"} for w in words):
        return len(set(own) - set(content_terms(earlier))) < 2
    return False


_WHO_IS = re.compile(r"\s*(?:(?i:who)(?:'s|’s|\s+(?i:is|was|are|were))\s+(?P<who>[^?.!]+?)"
                     r"|(?i:what)(?:'s|’s|\s+(?i:is|was|are|were))\s+(?i:the\s+)?(?P<what>[A-Z][\w'’.-]*"
                     r"(?:\s+[A-Z][\w'’.-]*)*))\s*[?.!]*\s*")
"""A question asking who someone is, however it is written ("who is david schenker?", "Who is the former US
assistant secretary of state?"), or what a name is ("What is Hezbollah?", not "What is the death toll?")."""


def sets_subject(question: str, earlier: Sequence[str], answer: Answer) -> bool:
    """True when ``question`` becomes what its conversation is about, so the next follow-up leans on it: an
    answered question read alone, or one asking who someone or what a name the earlier question did not give is
    ("Who is David Schenker?" asked in a thread about a drone crash: "What did he say?" then means him), even
    when the story it was read in holds all its words. Another question naming something ("What did the
    Pentagon say?", "How many Americans were hurt?") leaves the subject as it was; so does one the articles do
    not answer ("ok thanks" would make the next follow-up read "(ok thanks)")."""
    if not answer.quotes:
        return False
    if answer.read_as is None:
        return True
    asked = _WHO_IS.fullmatch(question)
    if asked is None or leans_on_thread(question, earlier[-1] if earlier else ""):  # "Who was behind it?"
        return False
    name = (asked.group("who") or asked.group("what")).strip()
    return not any(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", e, re.IGNORECASE) for e in earlier)


def told_in(question: str, texts: Sequence[str]) -> bool:
    """True when ``question`` has content words of its own and ``texts`` (the articles of a thread's story)
    hold every one of them: "How many people were on board?" after a question about a passenger jet asks
    about that jet, though no word of it points back. A question that names anything the story lacks
    ("How many seats did the Conservatives win?" after a question about a jet) stands alone."""
    own = set(content_terms(question))
    return bool(own) and own <= {term for found in terms(list(texts)) for term in found}


def misses_own_words(question: str, earlier: str, quote: str) -> bool:
    """True when ``question`` is an elliptical follow-up ("and the Pentagon?", "what about Iran?"), whose own
    content words (ones ``earlier`` lacks) are what it asks about, and ``quote`` holds none of them: the earlier
    answer's sentence, which never names the Pentagon. (A follow-up of another form may be answered in other
    words: "What position did he hold?" by "a former assistant secretary of state".)"""
    if not question.lower().lstrip().startswith(_LEADS):
        return False
    own = set(content_terms(question)) - set(content_terms(earlier))
    return bool(own) and not own & set(terms([quote])[0])


def content_terms(text: str) -> list[str]:
    """The keyword terms of ``text``'s content words (see :data:`FUNCTION_WORDS`)."""
    return terms([" ".join(w for w in WORD.findall(text) if w.lower().strip("'’.") not in FUNCTION_WORDS)])[0]


def read_in_thread(question: str, earlier: Sequence[str], leans: bool = False) -> str | None:
    """``question`` as it reads after ``earlier`` questions of its thread (oldest first); None when it stands alone
    (see :func:`leans_on_thread`; ``leans`` says it leans on them whatever its words, see :func:`told_in`), or
    already holds every word the thread would lend (the same question asked again).

    The latest earlier question's content words (question words, articles and pronouns left out, each
    once) are added to it, so both the keyword and the dense search find what it
    refers to. Callers keep the question that set the subject as ``earlier``, not a follow-up's reading,
    so a chain of follow-ups never grows.
    """
    earlier = [q for q in earlier if q.strip()]
    if not earlier or not (leans or leans_on_thread(question, earlier[-1])):
        return None
    skip = QUESTION_WORDS | PERSONAL | POSSESSIVE | OTHER_REFERENCES | {"who's", "what's", "how's"}
    words = list(dict.fromkeys(w for w in WORD.findall(earlier[-1]) if w.lower() not in skip))
    own = {w.lower() for w in WORD.findall(question)}
    if all(w.lower() in own for w in words):  # the question already says all the thread would lend: asked again
        return None
    return f"{question.rstrip()} ({' '.join(words)})"


def story_of(*answers: Answer) -> set[str]:
    """The articles a thread is about: those of each answer's first quote, with the copies and reports folded
    into it. A later quote may come from another story (a third quote from an article that shares a word)."""
    return {doc for answer in answers for quote in answer.quotes[:1] for doc, _, _ in quote.spans}


def overlaps(one: Quote, other: Quote) -> bool:
    """True when the two quotes share text of one article (the same sentence, or a part of it)."""
    return any(a == x and s < y_end and t < e for a, s, e in one.spans for x, t, y_end in other.spans)


def put_new_first(
    question: str, answer: Answer, earlier: Answer, similarity: Callable[[list[str]], list[float]],
    alone: Callable[[], Answer] | None = None, max_quotes: int = 3, margin: float = 0.0,
) -> Answer:
    """``answer`` to the follow-up ``question`` with a new quote first when its first quote repeats one the
    thread has already shown: a quote of ``earlier``, the earlier question's answer.

    The candidates for first place are the answer's other quotes and the quotes of ``alone()`` (the follow-up
    asked alone) from the articles the thread has quoted (in this answer or the earlier one); a quote the
    earlier answer showed may be one, since it can answer the follow-up too. Read alone, a
    follow-up misses its subject, but inside its subject's articles its own words find what it asks ("Who
    owned it?" finds "The Conception was owned by Truth Aquatics"), where the words the thread lends it find
    the earlier answer again.

    ``similarity(texts)`` says how well each text answers the follow-up read alone. The best candidate goes
    first when it scores more than ``margin`` above the repeated quote, which stays second (when there is room
    for two); otherwise nothing changes. A "why" or "was anyone hurt" follow-up keeps its order: its answer is
    the sentence after the earlier answer's, which the repeated quote already holds (see
    :func:`~qa_bot.answer.answer_type.wants_following`). A notice that the newest of disagreeing quotes comes
    first no longer holds once another quote is first: it goes. The answer keeps at most ``max_quotes``
    quotes (or as many as it had).
    """
    quotes = answer.quotes
    if not quotes or wants_following(question):
        return answer
    before = earlier.quotes
    if not any(overlaps(quotes[0], shown) for shown in before):
        return answer
    subject = {doc for quote in (*quotes, *before) for doc, _, _ in quote.spans}
    candidates = [*quotes[1:], *(q for q in (alone().quotes if alone else ())
                                 if any(doc in subject for doc, _, _ in q.spans)
                                 and not any(overlaps(q, other) for other in quotes))]
    if not candidates:
        return answer
    scores = similarity([quotes[0].text, *(q.text for q in candidates)])
    best = max(range(len(candidates)), key=lambda i: scores[i + 1])
    if scores[best + 1] <= scores[0] + margin:
        return answer
    new = candidates[best]
    reordered = (new, quotes[0], *(q for q in quotes[1:] if q is not new))[: max(max_quotes, len(quotes))]
    return replace(answer, quotes=reordered, notice=without_order_notice(answer.notice))
