"""Follow-up questions read with the thread they were asked in: "When did it crash?" after "Where did the
defective drone crash?" is asked as "When did the defective drone crash?".

No language model: a follow-up is a question that leans on an earlier one (a pronoun such as he, it,
they, there; an opening "and" or "what about"; or hardly a content word of its own), and it is searched
with the latest earlier question's content words added. Replacing the pronoun by the earlier question's
longest name instead was measured too and did worse (it often picks the wrong name: "he" became "Iraq"
for "the prime minister of Iraq"), as did leaving out the sentence the thread already quoted, and so
did searching passages with the thread but scoring sentences on the follow-up alone (0.625 / 0.725)
and adding only the earlier question's names (0.600 / 0.825). Measured
by ``scripts/followups.py`` on the 40 pairs in ``data/eval/followups/`` (see the README).

Read with its thread, a follow-up often finds first the very sentence that answered the earlier question
("Who did he beat?" after "How many votes did Boris Johnson win?" finds the vote count again). So when the
answer's first quote repeats the earlier answer's, the quote that matches the follow-up's own words best
(by the embedding of the follow-up alone) goes first if it matches them better than the repeated one
(:func:`put_new_first`); the repeated quote stays, second.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from qa_bot.answer.answer_type import wants_following
from qa_bot.answer.quotes import DISAGREE
from qa_bot.records import Answer, Quote
from qa_bot.terms import terms

_WORD = re.compile(r"[A-Za-z][\w'’.-]*")
PERSONAL = {"he", "she", "him", "they", "them", "it"}
POSSESSIVE = {"his", "her", "its", "their"}
OTHER_REFERENCES = {"this", "that", "these", "those", "there", "then"}
QUESTION_WORDS = {"who", "what", "when", "where", "which", "why", "how", "whom", "whose", "is", "are", "was",
                  "were", "did", "does", "do", "has", "have", "had", "can", "could", "will", "would", "and", "in",
                  "on", "at", "by", "for", "the", "a", "an", "of", "to", "until"}
_LEADS = ("and ", "what about ", "how about ", "also ", "but ")
_BE = {"is", "are", "was", "were", "be", "been", "isn't", "aren't", "wasn't", "weren't"}


def leans_on_thread(question: str, earlier: str = "") -> bool:
    """True when ``question`` refers to something said before (``earlier``): a personal or possessive pronoun,
    a leading "and", no content of its own, or "there" as a place ("injured there", not "is there"); "this",
    "that" or "then" only when the question brings fewer than two content words of its own that the earlier
    one lacks ("How many died in the flood that hit Texas?" stands alone)."""
    words = [w.lower().strip("'’.") for w in _WORD.findall(question)]
    if any(w in PERSONAL or w in POSSESSIVE for w in words):
        return True
    own = terms([question])[0]
    if question.lower().lstrip().startswith(_LEADS) or len(own) <= 1:
        return True
    # "there" is a place said before, unless it only says something exists ("is there", "were there").
    if any(w == "there" and (i == 0 or words[i - 1] not in _BE) for i, w in enumerate(words)):
        return True
    if any(w in OTHER_REFERENCES - {"there"} for w in words):
        return len(set(own) - set(terms([earlier])[0])) < 2
    return False


def read_in_thread(question: str, earlier: Sequence[str]) -> str | None:
    """``question`` as it reads after ``earlier`` questions of its thread (oldest first); None when it stands alone.

    The latest earlier question's content words (question words, articles and pronouns left out, each
    once) are added to it, so both the keyword and the dense search find what it
    refers to. Callers keep the question that set the subject as ``earlier``, not a follow-up's reading,
    so a chain of follow-ups never grows.
    """
    earlier = [q for q in earlier if q.strip()]
    if not earlier or not leans_on_thread(question, earlier[-1]):
        return None
    skip = QUESTION_WORDS | PERSONAL | POSSESSIVE | OTHER_REFERENCES
    words = list(dict.fromkeys(w for w in _WORD.findall(earlier[-1]) if w.lower() not in skip))
    return f"{question.rstrip()} ({' '.join(words)})" if words else None


def _spans(quote: Quote) -> list[tuple[str, int, int]]:
    """Where a quote stands: its own span and those of the copies and reports folded into it."""
    return [(quote.doc_id, quote.start, quote.end)] + [(r.doc_id, r.start, r.end) for r in (*quote.also_in,
                                                                                          *quote.reported_by)]


def _overlaps(one: Quote, other: Quote) -> bool:
    return any(a == x and s < y_end and t < e for a, s, e in _spans(one) for x, t, y_end in _spans(other))


def put_new_first(
    question: str, answer: Answer, earlier: Callable[[], Answer], similarity: Callable[[list[str]], list[float]]
) -> Answer:
    """``answer`` to the follow-up ``question`` with a new quote first when its first quote repeats the first
    quote of ``earlier()`` (the earlier question's answer, asked for only when it can matter).

    ``similarity(texts)`` says how close each text is to the follow-up read alone. The best of the other
    quotes goes first when it is closer than the repeated one; otherwise nothing changes. A "why" or "was
    anyone hurt" follow-up keeps its order: its answer is the sentence after the earlier answer's, which
    the repeated quote already holds (see :func:`~qa_bot.answer.answer_type.wants_following`). A notice that
    the newest of disagreeing quotes comes first no longer holds once another quote is first: it goes.
    """
    quotes = answer.quotes
    if len(quotes) < 2 or wants_following(question):
        return answer
    before = earlier().quotes
    if not before or not _overlaps(quotes[0], before[0]):
        return answer
    scores = similarity([q.text for q in quotes])
    best = max(range(1, len(quotes)), key=lambda i: scores[i])
    if scores[best] <= scores[0]:
        return answer
    reordered = (quotes[best], quotes[0], *(q for i, q in enumerate(quotes) if i not in (0, best)))
    notice = answer.notice.split(DISAGREE)[0].strip() or None if answer.notice else None
    return replace(answer, quotes=reordered, notice=notice)
