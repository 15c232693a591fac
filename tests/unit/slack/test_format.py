"""Slack's rendering of one story told by several outlets: corroboration named, every title escaped."""

from __future__ import annotations

import json

from qa_bot.records import Answer, Quote, SourceRef
from qa_bot.slack.format import answer_blocks


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
