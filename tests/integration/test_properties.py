"""Property-based test of the question path with the real model: 2,000 generated questions, no crash,
every quote exactly its document's text (the generators are shared with the unit suite's property tests)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from ..unit.test_properties import check_answer, questions


@settings(max_examples=1000, suppress_health_check=[HealthCheck.too_slow])
@given(question=questions)
def test_any_question_gets_an_answer_or_a_refusal_never_a_crash(bundled_pipeline, question):
    answer = bundled_pipeline.ask(question)
    check_answer(answer, {d.doc_id: d for d in bundled_pipeline.index.documents})
    if not question.strip():
        assert not answer.quotes and answer.notice
