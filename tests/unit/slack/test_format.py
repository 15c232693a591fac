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
