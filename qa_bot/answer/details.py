"""Questions that describe their story and ask one detail of it: "Who owned the boat that caught fire off Santa
Cruz Island?", "What did the former CIA agent behind the Argo rescue die of?".

Such a question finds its story, and in it the story's opening again: the opening holds most of the question's
words ("A deadly boat fire earlier this week near Santa Cruz Island ..."), while the sentence that answers says
the detail in its own words ("The Conception was owned by Truth Aquatics"). The reranker, trained on SQuAD, reads
word overlap too: it gives the opening 0.78 and the answer 0.22.

So, as a follow-up is asked inside its thread's story (:mod:`qa_bot.answer.followup`), what the question asks
beyond its story's opening (:func:`asked_beyond`: the words of "Who owned the boat that caught fire off Santa Cruz
Island?" that the title and first two sentences of the first quote's article lack, "Who owned ...?") is asked
inside that story, and the reranker, reading that, judges the quotes found there against the first quote
(:func:`detail_first`). Measured in docs/quality.md ("Questions about a detail of a story").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from qa_bot.answer.followup import FUNCTION_WORDS, WORD, content_terms, overlaps
from qa_bot.answer.quotes import without_order_notice
from qa_bot.records import Answer
from qa_bot.terms import terms

OPENING_SENTENCES = 2
"""How much of an article names its story: its title and this many first sentences."""
ANSWERED = 0.15
"""A first quote that the reranker, reading the detail, gives this much already answers it, and stays first: such a
question asked the story's main fact, which the opening holds ("Which mathematician famous for the Game of Life died
after getting COVID-19?"). Chosen between 0.15 and 0.25 on the tuning sets (see :data:`DETAIL_MARGIN`)."""
DETAIL_MARGIN = 0.1
"""How much better (in the reranker's probability, reading what is asked beyond the opening) a quote from inside
the story must answer for it to go before the first quote: the follow-ups' margin, and the best of 0, 0.1 and 0.2
on the tuning sets."""


def asked_beyond(question: str, opening: str) -> str | None:
    """``question`` without the content words its story's ``opening`` holds: what it asks about the story ("Who
    owned the that off?" for "Who owned the boat that caught fire off Santa Cruz Island?"); None when the opening
    holds none of them (the question does not describe this story) or all of them (it asks nothing beyond it)."""
    own = content_terms(question)
    held = set(terms([opening])[0])
    described = {t for t in own if t in held}
    if not described or described == set(own):
        return None
    kept = [w for w in WORD.findall(question)
            if w.lower().strip("'’.") in FUNCTION_WORDS or not set(terms([w])[0]) <= described]
    return " ".join(kept).rstrip("?") + "?"


def detail_first(
    answer: Answer, inside: Answer, scores: Callable[[list[str]], list[float]], max_quotes: int,
    margin: float = DETAIL_MARGIN, answered: float = ANSWERED,
) -> Answer:
    """``answer`` with a quote of ``inside`` (the detail asked inside the first quote's story) first, when
    ``scores`` (the reranker reading the detail) reads it more than ``margin`` above the first quote, and the first
    quote under ``answered``; the first quote stays, second. Otherwise ``answer`` as it was.

    A quote outside the dates the question asks for never goes before one inside them. A notice that the newest
    of disagreeing quotes comes first no longer holds once another quote is first: it goes.
    """
    if not answer.quotes:
        return answer
    first = answer.quotes[0]
    candidates = [q for q in inside.quotes
                  if not overlaps(q, first) and (first.outside_window or not q.outside_window)]
    if not candidates:
        return answer
    read = scores([first.text, *(q.text for q in candidates)])
    best = max(range(len(candidates)), key=lambda i: read[i + 1])
    if read[0] >= answered or read[best + 1] <= read[0] + margin:
        return answer
    new = candidates[best]
    quotes = (new, *(q for q in answer.quotes if not overlaps(q, new)))[:max_quotes]
    return replace(answer, quotes=quotes, notice=without_order_notice(answer.notice))
