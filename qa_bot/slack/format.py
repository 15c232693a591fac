"""Answers as Slack Block Kit, with every piece of article or user text escaped for Slack."""

from __future__ import annotations

import re
from typing import Any

from qa_bot.records import Answer, Quote, SourceRef
from qa_bot.render import NO_ANSWER, confidence_words, date_line, quote_text

SECTION_LIMIT = 3000
CONTEXT_LIMIT = 2000
"""Slack's limit on the text of one context element."""
TEXT_LIMIT = 3500
SHARE_ACTION = "share_answer"
SHARE_BLOCK = "share:"
"""How the share button's block id begins; the logged answer's id follows, so a share is not logged again."""
HELPFUL_ACTION = "feedback_helpful"
NOT_HELPFUL_ACTION = "feedback_not_helpful"
WRONG_SOURCE_ACTION = "feedback_wrong_source"
"""The feedback buttons' action ids. Helpful and Not helpful carry the logged answer's id as their value
(``"17"``); each quote's Wrong source button carries the answer's id and the quote's position (``"17:0"``)."""
_MENTION = re.compile(r"<[@#!][^>]*>")
_LINK = re.compile(r"<([^>|]+)(?:\|([^>]*))?>")
_MARKUP_START = re.compile(r"<[@#!]")
_EMOJI = re.compile(r"(?<!\w):(?=[a-z0-9_+'-]*[a-z+])[a-z0-9_+'-]+:(?::skin-tone-\d:)?(?!\w)")
"""An emoji code as Slack sends it (``:thinking_face:``, ``:+1::skin-tone-2:``); a time such as 10:30:15 is not one."""
_QUOTED_LINE = re.compile(r"^(?:[ \t]*>)+[ \t]?", re.MULTILINE)
_WRAPPED = re.compile(r"(?<!\w)([*_])(?=\S)(.+?)(?<=\S)\1(?!\w)")
"""A span made bold or italic (``*David Schenker*``); ``snake_case`` and ``2*3*4`` are left alone."""
_STRUCK = re.compile(r"(?<!\w)~(?=\S)(.+?)(?<=\S)~(?!\w)")
"""A span struck through: the asker took it back (``Who is ~Daniel~ David Schenker?``)."""


def escape(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` so Slack shows ``text`` as text (no pings, no links)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Undo Slack's escaping of incoming message text, once."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def question_from_event_text(text: str) -> str:
    """The question in a Slack message, as a person reads it: mentions and emoji codes (``:rocket:``) dropped,
    links reduced to their labels, formatting marks taken off (code, bold, italics, a quoted line's ``>``), text
    struck through left out, unescaped once.

    What is left of a mention that never closes (``<!``, ``<@``, ``<#``) is dropped too. A question of nothing
    but punctuation reads as empty: there is nothing to search for (see :func:`has_words`).
    """
    text = _MENTION.sub(" ", text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _MARKUP_START.sub(" ", unescape(text))
    text = _QUOTED_LINE.sub("", _EMOJI.sub(" ", _STRUCK.sub(" ", text.replace("`", " "))))
    for _ in range(2):  # bold italic (*_both_*) is two layers of marks
        text = _WRAPPED.sub(lambda m: m.group(2), text)
    question = " ".join(text.split())
    return question if has_words(question) else ""


_THANKS = re.compile(r"(?:(?:ok|okay|great|perfect|cool|nice|awesome|got it|brilliant|super) )?"
                     r"(?:(?:many|big|great) )?(?:thanks?(?: you)?|thank u|thx|ty|cheers|(?:much )?appreciated)"
                     r"(?: (?:so|very) much| a lot| again| all)*", re.IGNORECASE)
_HELLO = re.compile(r"(?:hi|hello|hey|hiya|yo|good (?:morning|afternoon|evening)|morning)(?: there| all| everyone)?",
                    re.IGNORECASE)
WELCOME = "You're welcome."
HELLO = "Hello! Ask me a question about the news, for example: Who is David Schenker? (`/ask status` says what I know.)"


def small_talk(question: str) -> str | None:
    """The line to say to a message that is only thanks or a greeting ("thanks!", "hello bot"), which is no
    question for the articles (they quoted "Thank you." from an interview, at high confidence); None otherwise."""
    said = re.sub(r"[^\w' ]+", " ", question).split()
    said = [w for w in said if w.lower() not in {"bot", "qa", "qa-bot"}]
    text = " ".join(said)
    if _THANKS.fullmatch(text):
        return WELCOME
    if _HELLO.fullmatch(text):
        return HELLO
    return None


def has_words(text: str) -> bool:
    """True when ``text`` holds a letter or a digit: something a search can look for."""
    return any(ch.isalnum() for ch in text)


def _source(ref: Quote | SourceRef, as_of: str | None = None) -> str:
    """One source as Slack shows it: its title, linked to its URL, and its date; at most about 1,850 characters
    (a longer title is cut, a longer URL not linked), so one always fits under its quote."""
    title = escape(_cut(ref.title, 150))
    url = escape(ref.url or "").replace("|", "%7C")
    linked = url.startswith(("http://", "https://")) and len(url) <= 1_000
    name = f"<{url}|{title}>" if linked else title
    return f"*{name}* · {escape(date_line(ref, as_of))}"


def _source_lines(quote: Quote, sources: list[str], as_of: str | None) -> list[dict[str, Any]]:
    """The context elements under a quote: its sources and confidence, then the outlets that report it too.

    Each element holds whole links only, as many as fit Slack's 2,000 characters, then "and N more"; the
    confidence is always shown (a story carried by many outlets once cut it away, in the middle of a link).
    """
    tail = f" · confidence: {confidence_words(quote.confidence)}" + (
        " · _outside the dates asked for_" if quote.outside_window else "")
    lines = [_listed(sources, CONTEXT_LIMIT - len(tail)) + tail]
    if quote.reported_by and quote.outlets > 1:
        head = f"· reported by {quote.outlets} outlets: "
        lines.append(head + _listed([_source(r, as_of) for r in quote.reported_by], CONTEXT_LIMIT - len(head)))
    return [{"type": "mrkdwn", "text": line} for line in lines]


def _listed(items: list[str], room: int) -> str:
    """``items`` joined by " | ", as many whole ones as fit in ``room`` characters, then "and N more"."""
    kept: list[str] = []
    for number, item in enumerate(items):
        left = len(items) - number - 1
        more = f" | and {left} more" if left else ""
        if len(" | ".join([*kept, item])) + len(more) > room:
            break
        kept.append(item)
    left = len(items) - len(kept)
    return " | ".join([*kept, *([f"and {left} more"] if left else [])])


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _button(action_id: str, text: str, value: str) -> dict[str, Any]:
    return {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": text}, "value": value}


def answer_blocks(
    answer: Answer, question: str, share_button: bool = False, answer_id: int | None = None
) -> tuple[list[dict[str, Any]], str]:
    """(blocks, plain-text fallback) for ``answer`` to ``question``.

    With ``answer_id`` (the answer was logged), it carries the feedback buttons: Wrong source beside each
    quote, Helpful and Not helpful at the end; an abstention carries Helpful and Not helpful too (the
    articles may answer what the bot did not find).
    """
    asked = escape(_cut(question, 300))
    if not answer.quotes:
        message = f"{NO_ANSWER} Nothing in the indexed articles answers “{asked}”. Try rephrasing it."
        if answer.window:  # nothing from the dates asked for, nor from any other: the articles were searched
            message = f"{escape(answer.notice or '')} Try rephrasing it, or ask without the dates."
        elif answer.notice:  # nothing was left to search (only punctuation, mentions or emoji)
            said = answer.notice.rstrip(".")
            message = f"{escape(said[:1].upper() + said[1:])}. Ask a question in plain words."
        blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": message}}]
        if answer_id is not None and (answer.window or not answer.notice):
            blocks.append(_votes(answer_id))
        return blocks, _cut(message, TEXT_LIMIT)
    heading = f"Answering “{asked}”" + (f"\n:warning: {escape(answer.notice)}" if answer.notice else "")
    if answer.read_as:
        heading += f"\n_read with the question before:_ {escape(_cut(answer.read_as, 300))}"
    blocks = [{"type": "context", "elements": [{"type": "mrkdwn", "text": heading}]}]
    fallback = [f"Q: {asked}"] + ([escape(answer.notice)] if answer.notice else [])
    for position, quote in enumerate(answer.quotes):
        body = escape(quote_text(quote))
        sources = [_source(quote, answer.as_of), *(_source(ref, answer.as_of) for ref in quote.also_in)]
        section: dict[str, Any] = {"type": "section",
                                   "text": {"type": "mrkdwn", "text": _cut(f">{body}", SECTION_LIMIT)}}
        if answer_id is not None:
            section["accessory"] = _button(WRONG_SOURCE_ACTION, "Wrong source", f"{answer_id}:{position}")
        blocks.append(section)
        blocks.append({"type": "context", "elements": _source_lines(quote, sources, answer.as_of)})
        fallback.append(f"“{body}” — {', '.join(escape(s) for s in [quote.title, *(r.title for r in quote.also_in)])}")
    if share_button:
        blocks.append(
            {
                "type": "actions",
                **({"block_id": f"{SHARE_BLOCK}{answer_id}"} if answer_id is not None else {}),
                "elements": [
                    {
                        "type": "button",
                        "action_id": SHARE_ACTION,
                        "text": {"type": "plain_text", "text": "Share in channel"},
                        "value": _cut(question, 1900),
                    }
                ],
            }
        )
    if answer_id is not None:
        blocks.append(_votes(answer_id))
    return blocks, _cut("\n".join(fallback), TEXT_LIMIT)


def _votes(answer_id: int) -> dict[str, Any]:
    return {"type": "actions", "elements": [_button(HELPFUL_ACTION, "Helpful", str(answer_id)),
                                            _button(NOT_HELPFUL_ACTION, "Not helpful", str(answer_id))]}


def outside_sources_blocks(question: str, sources: list[str]) -> tuple[list[dict[str, Any]], str]:
    """(blocks, fallback) saying that only other sources than this channel's ``sources`` answer ``question``."""
    allowed, asked = escape(_cut(", ".join(sources), 500)), escape(_cut(question, 300))
    message = (f"{NO_ANSWER} The sources this channel allows ({allowed}) do not answer “{asked}”. "
               "Other sources may: ask in a direct message.")
    return [{"type": "section", "text": {"type": "mrkdwn", "text": message}}], _cut(message, TEXT_LIMIT)


def shared_answer_id(block_id: str | None) -> int | None:
    """The logged answer's id in a share button's ``block_id`` (see :data:`SHARE_BLOCK`), if it holds one."""
    if not block_id or not block_id.startswith(SHARE_BLOCK):
        return None
    number = block_id[len(SHARE_BLOCK):]
    return int(number) if number.isdecimal() else None
