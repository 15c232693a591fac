"""Slack's rendering of one story told by several outlets: corroboration named, every title escaped."""

from __future__ import annotations

import json
import re

import pytest

from qa_bot.records import Answer, Quote, SourceRef
from qa_bot.slack.format import answer_blocks, question_from_event_text


def test_independent_reports_are_named_as_corroboration_and_escaped():
    other = SourceRef("b", "<!channel> Radio & more", "https://ex.com/b", "2024-05-03", 0, 5, "x", "Radio")
    copy = SourceRef("c", "Daily copy", None, "2024-05-01", 0, 5, "x", "Daily")
    quote = Quote("The bridge cost 40 million dollars.", "a", "Wire story", None, "2024-05-01", 0.9, 0, 35,
                  also_in=(copy,), reported_by=(other,), confidence=0.9, source="Wire")
    blocks, _ = answer_blocks(Answer("How much?", quotes=(quote,), confidence=0.9), "How much?")
    shown = json.dumps(blocks)
    assert "reported by 2 outlets" in shown and "Daily copy" in shown
    assert "<!channel>" not in shown and "&lt;!channel&gt; Radio &amp; more" in shown


def test_an_abstention_says_what_to_try_and_carries_votes_unless_nothing_was_asked():
    window = Answer("What did the Pentagon say last week?", confidence=0.1, window="last week",
                    notice="No articles from last week answer this, nor any from another date up to 2023-11-14.")
    blocks, text = answer_blocks(window, window.question, answer_id=7)
    assert text == ("No articles from last week answer this, nor any from another date up to 2023-11-14. "
                    "Try rephrasing it, or ask without the dates.")
    assert any(b["type"] == "actions" for b in blocks)  # Helpful / Not helpful: the articles were searched
    empty = Answer("?!", notice="empty question")
    blocks, text = answer_blocks(empty, "?!", answer_id=8)
    assert text == "Empty question. Ask a question in plain words." and len(blocks) == 1
    plain = Answer("Who won?", confidence=0.1)
    blocks, text = answer_blocks(plain, "Who won?", answer_id=9)
    assert "Try rephrasing it." in text and any(b["type"] == "actions" for b in blocks)


def test_a_story_carried_by_many_outlets_lists_whole_links_then_how_many_more_and_keeps_the_confidence():
    def ref(n: int, kind: str) -> SourceRef:
        url = f"https://outlet{n}.example.com/news/" + "harbor-bridge-closing-" * 12 + f"{n}?a=1&b=2"
        return SourceRef(f"{kind}{n}", f"Outlet {n}: Harbor bridge to close <{n}>", url, "2024-05-01", 0, 5, "x",
                         f"Outlet {n}")
    quote = Quote("The bridge closes in June.", "a", "Wire story", "https://wire.example/a", "2024-05-01", 0.9, 0,
                  26, also_in=tuple(ref(n, "c") for n in range(12)), reported_by=tuple(ref(n, "r") for n in range(12)),
                  confidence=0.9, source="Wire")
    blocks, _ = answer_blocks(Answer("When?", quotes=(quote,), confidence=0.9), "When?")
    [context] = [b for b in blocks if b["type"] == "context" and "confidence" in json.dumps(b)]
    texts = [element["text"] for element in context["elements"]]
    for text in texts:
        assert len(text) <= 2000 and text.count("<") == text.count(">")  # whole links only
    copies, reports = texts
    assert "· confidence: high" in copies and reports.startswith("· reported by 13 outlets: ")
    for text, listed in ((copies, 13), (reports, 12)):
        [more] = re.findall(r"and (\d+) more$", text.removesuffix(" · confidence: high"))
        assert len(re.findall(r"\*<https://[^|<>]+\|[^<>]+>\*", text)) + int(more) == listed, text
    [(title, url)] = {(r.title, r.url) for r in [ref(1, "x")]}
    assert f"<{url.replace('&', '&amp;')}|{title.replace('<', '&lt;').replace('>', '&gt;')}>" in copies


def test_a_source_too_long_to_link_is_named_by_its_cut_title():
    huge = SourceRef("h", "T" * 400, "https://ex.com/" + "x" * 3000, "2024-05-01", 0, 5, "x", "Ex")
    quote = Quote("Text.", "a", "Wire", None, "2024-05-01", 0.9, 0, 5, also_in=(huge,), confidence=0.9)
    blocks, _ = answer_blocks(Answer("Q?", quotes=(quote,), confidence=0.9), "Q?")
    text = json.dumps(blocks, ensure_ascii=False)
    assert "x" * 1001 not in text and "T" * 149 + "…" in text and "and 1 more" not in text


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("<@UBOT> who is *David Schenker*?", "who is David Schenker?"),
        ("who is *_David Schenker_*?", "who is David Schenker?"),
        ("<@UBOT> ```where did the defective drone crash?```", "where did the defective drone crash?"),
        ("<@UBOT> `who` is _David_ Schenker?", "who is David Schenker?"),
        ("Who is ~Daniel~ David Schenker?", "Who is David Schenker?"),  # struck through: taken back
        ("&gt; who is David Schenker?", "who is David Schenker?"),
        ("&gt;&gt; who is David Schenker?", "who is David Schenker?"),  # a quote in a quote
        ("<@UBOT> :thinking_face: where did it crash? :+1::skin-tone-2:", "where did it crash?"),
        ("what is snake_case_name or 2*3*4 at 10:30:15?", "what is snake_case_name or 2*3*4 at 10:30:15?"),
        ("is A &amp;lt; B &amp; C &gt; D?", "is A &lt; B & C > D?"),
        ("<@UBOT> :thinking_face: :rocket:", ""),  # nothing to search for: the how-to-ask line, not a search
        ("<@UBOT> ???", ""),
    ],
)
def test_a_question_is_read_as_a_person_reads_the_message(text, question):
    assert question_from_event_text(text) == question
