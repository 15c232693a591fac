"""What kind of answer a question wants, and whether a sentence offers one it does not merely repeat.

Rules, not a model: the wh-word of the question gives the expected type (``how many`` a number,
``when`` a date, ``who`` a name, ``where`` a place) and patterns find candidates of that type in a
sentence. A candidate that already appears in the question does not count: a sentence that only
repeats the question's words is not an answer.
"""

from __future__ import annotations

import re
from enum import Enum


class AnswerType(Enum):
    """The kinds of answer the rules can recognise."""

    NUMBER = "number"
    DATE = "date"
    PERSON = "person"
    PLACE = "place"


_MONTHS = (  # matched as written: "may require" and "march on" are no months
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|dozens|twenty|thirty|forty|"
    "fifty|sixty|seventy|eighty|ninety|hundred|hundreds|thousand|thousands|million|millions|billion|billions|"
    "half|single|double|once|twice"
)
_PATTERNS: dict[AnswerType, re.Pattern[str]] = {
    AnswerType.NUMBER: re.compile(rf"\b\d[\d,.]*(?:\s*(?:%|percent))?|\b(?:{_NUMBER_WORDS})\b", re.IGNORECASE),
    AnswerType.DATE: re.compile(
        rf"\b(?:1[0-9]{{3}}|20[0-9]{{2}})s?\b|\b(?-i:{_MONTHS})\b\.?(?:\s+\d{{1,2}})?|"
        r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|yesterday|today|century|decade)\b"
        r"|\b\d{1,2}(?:st|nd|rd|th)\b",
        re.IGNORECASE,
    ),
    # A name: capitalised words, possibly joined by particles ("Mohammed Shia Al-Sudani", "Duke of York").
    AnswerType.PERSON: re.compile(r"\b[A-Z][\w'’.-]+(?:\s+(?:of|de|van|von|al|bin)?\s*[A-Z][\w'’.-]+)*"),
    AnswerType.PLACE: re.compile(r"\b[A-Z][\w'’.-]+(?:\s+(?:of|de|upon)?\s*[A-Z][\w'’.-]+)*"),
}
_ROLE_WORDS = re.compile(
    r"\b(?:president|minister|secretary|leader|chief|director|official|officer|spokes\w+|founder|king|queen|"
    r"general|commander|head|chair\w*|governor|mayor|ambassador|author|player|coach|member|team|group)\b",
    re.IGNORECASE,
)
_PLACE_WORDS = re.compile(r"\b(?:in|at|near|from|to|into|across)\s+(?:the\s+)?[A-Z]")


def expected_type(question: str) -> AnswerType | None:
    """The answer type the question asks for, or None when the rules cannot tell."""
    q = question.strip().lower()
    if re.match(r"^(?:how (?:many|much|long|old|far|big|large|tall|high)|"
                r"what (?:percentage|percent|number|amount))\b", q):
        return AnswerType.NUMBER
    if re.match(r"^(?:when|what (?:year|date|month|day|time|decade|century)|in what year|in which year|"
                r"during what|which year|how long ago)\b", q):
        return AnswerType.DATE
    if re.match(r"^(?:who|whom|whose)\b", q):
        return AnswerType.PERSON
    if re.match(r"^(?:where|in what (?:country|city|state|region|place)|which (?:country|city|state|region|place))\b",
                q):
        return AnswerType.PLACE
    return None


def _first_word_of_sentence(sentence: str, start: int) -> bool:
    return not sentence[:start].strip()


def candidates(sentence: str, question: str, wanted: AnswerType) -> set[str]:
    """Answers of type ``wanted`` in ``sentence`` (lower-cased) that the question does not already hold."""
    asked = question.lower()
    found: set[str] = set()
    for match in _PATTERNS[wanted].finditer(sentence):
        text = match.group(0).strip()
        if wanted in (AnswerType.PERSON, AnswerType.PLACE) and _first_word_of_sentence(sentence, match.start()):
            # A capital at the start of a sentence is no sign of a name unless more words follow it.
            if " " not in text:
                continue
        if text.lower() not in asked:
            found.add(text.lower())
    return found


def offers_answer(sentence: str, question: str, wanted: AnswerType) -> bool:
    """True when ``sentence`` holds a candidate of type ``wanted`` that the question does not already hold."""
    if candidates(sentence, question, wanted):
        return True
    asked = question.lower()
    if wanted is AnswerType.PERSON:
        return any(m.group(0).lower() not in asked for m in _ROLE_WORDS.finditer(sentence))
    if wanted is AnswerType.PLACE:
        return bool(_PLACE_WORDS.search(sentence))
    return False


_FOLLOWING = re.compile(
    r"^(?:why|for what reason|what (?:caused|led to|happened (?:next|then|after\w*))|how did (?:it|that|this|the \w+)"
    r" end)\b|\b(?:was|were) (?:anyone|anybody|someone|somebody|any \w+) (?:hurt|injured|killed|harmed|wounded)\b"
    r"|\b(?:was|were) there (?:any )?(?:casualties|injuries|deaths|victims)\b"
    r"|\bwhat (?:was|were) the (?:result|outcome|consequences?)\b",
    re.IGNORECASE,
)


def wants_following(question: str) -> bool:
    """True when the answer usually comes in the sentence after the one that matches the question best.

    A "why" question matches the sentence that tells what happened; the reason or the outcome often follows
    it ("... crashed into an American barracks. Fortunately, the device failed to detonate."). So do "was
    anyone hurt", "what happened next" and "what was the result" questions.
    """
    return bool(_FOLLOWING.search(question.strip()))
