"""Property-based tests (hypothesis) of the ingest path, Slack text, and generated corpora (fake embedder).

Hundreds of generated article files and corpora: no exception escapes, and every quote is exactly its
document's text at the offsets it states (the real model's question fuzz is in the integration suite).
Examples are derandomised (see conftest) so CI is repeatable; set HYPOTHESIS_PROFILE=explore to search afresh.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa_bot.config import Settings
from qa_bot.index import load_index
from qa_bot.ingest.read import MAX_TEXT_CHARS, read_articles
from qa_bot.ingest.segment import split_sentences
from qa_bot.pipeline import QAPipeline
from qa_bot.records import Answer, Document
from qa_bot.render import answer_json, answer_text
from qa_bot.slack.format import answer_blocks, question_from_event_text

from ..conftest import FakeEmbedder
from .conftest import build

pytestmark = pytest.mark.slow  # thousands of generated cases: in `make test`, not in the `make unit` loop

SLACK_MARKUP = ["<!channel>", "<!here>", "<@U024BE7LH>", "<#C0123|general>", "<https://evil.example|click>",
                "&amp;", "&lt;", "*bold*", "_it_", "`code`", "```block```", ">quote", ":wave:"]
WORDS = ["Who", "is", "David", "Schenker", "Iraq", "prime", "minister", "when", "how", "many", "attacks",
         "US", "troops", "the", "a", "?", "Al-Sudani", "سوداني", "中文", "🙂", "\u202e", "\x00", "\t"]

any_text = st.text(st.characters(codec="utf-8"), max_size=300)
wordy = st.lists(st.sampled_from(WORDS + SLACK_MARKUP), max_size=40).map(" ".join)
long_text = st.tuples(any_text, st.integers(1, 400)).map(lambda pair: pair[0] * pair[1])  # up to ~100 kB
questions = st.one_of(any_text, wordy, long_text, st.just(""), st.just("   \n\t "), st.just("x" * 100_000))

OUR_LINK = re.compile(r"<https?://[^|<>]*\|[^<>]*>")


def check_answer(answer: Answer, documents: dict[str, Document]) -> None:
    """Every quote is its document's text at its offsets, and every renderer takes the answer."""
    assert 0.0 <= answer.confidence <= 1.0
    for quote in answer.quotes:
        assert documents[quote.doc_id].text[quote.start: quote.end] == quote.text
        assert quote.text.strip() and 0.0 <= quote.confidence <= 1.0
        for ref in quote.also_in:
            assert documents[ref.doc_id].text[ref.start: ref.end] == ref.text
    answer_text(answer)
    json.loads(answer_json(answer))
    blocks, fallback = answer_blocks(answer, answer.question)
    for text in [fallback, *texts_in(blocks)]:
        assert "<" not in OUR_LINK.sub("", text)  # nothing can ping or link by itself


def texts_in(tree: object) -> list[str]:
    """Every "text" string anywhere in a Block Kit structure."""
    if isinstance(tree, dict):
        return [v for k, v in tree.items() if k == "text" and isinstance(v, str)] + [
            t for v in tree.values() for t in texts_in(v)
        ]
    if isinstance(tree, list):
        return [t for v in tree for t in texts_in(v)]
    return []


@settings(max_examples=300)
@given(text=st.one_of(wordy, any_text))
def test_any_slack_message_text_becomes_a_plain_question(text):
    question = question_from_event_text(text)
    assert "<@" not in question and "<!" not in question and question == question.strip()


# --- the ingest path ---------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | any_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=12,
)
records = st.fixed_dictionaries(
    {"text": st.one_of(any_text, wordy)},
    optional={"id": st.one_of(any_text, st.just("../../etc/passwd"), st.integers()),
              "title": json_values, "url": json_values, "date": json_values, "path": st.just("../../outside")},
)
html_pages = st.lists(
    st.one_of(st.sampled_from(["<p>", "</p>", "<div>", "</div>", "<script>alert(1)</script>", "<br>",
                               "<title>T</title>", '<meta property="og:title" content="x">', "<!--", "-->",
                               "<a href='javascript:x'>", "</a>", "<h1>", "&amp;", "&#0;", "<![CDATA["]),
              wordy, any_text),
    max_size=30,
).map("".join)


@st.composite
def article_files(draw: st.DrawFn) -> list[tuple[str, bytes]]:
    files = []
    for number in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["txt", "md", "html", "json", "jsonl", "bin"]))
        if kind in ("txt", "md"):
            data = draw(st.one_of(any_text, wordy)).encode("utf-8")
        elif kind == "html":
            data = draw(html_pages).encode("utf-8")
        elif kind == "json":
            data = json.dumps(draw(st.one_of(records, st.lists(records, max_size=4), json_values))).encode()
        elif kind == "jsonl":
            lines = draw(st.lists(st.one_of(records.map(json.dumps), any_text, st.just("{"), st.just("[" * 5000)),
                                  max_size=6))
            data = "\n".join(lines).encode("utf-8")
        else:
            data = draw(st.binary(max_size=400))
        suffix = "txt" if kind == "bin" else kind
        files.append((f"a{number}.{suffix}", data))
    return files


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(files=article_files())
def test_any_article_files_are_read_or_skipped_never_crash(files):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "articles"
        root.mkdir()
        for name, data in files:
            (root / name).write_bytes(data)
        report = read_articles([root])
        assert report.files_read == len(files)
        for document in report.documents:
            assert document.text.strip() and len(document.text) <= MAX_TEXT_CHARS
            assert Path(document.path).resolve().is_relative_to(root.resolve())  # nothing outside was read
            sentences, _ = split_sentences(0, document.text, 40, FakeEmbedder().count_tokens)
            previous_end = 0
            for sentence in sentences:
                assert previous_end <= sentence.start < sentence.end <= len(document.text)
                assert document.text[sentence.start: sentence.end].strip()
                previous_end = sentence.end


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(st.one_of(wordy, any_text), min_size=1, max_size=4), question=questions)
def test_any_documents_build_an_index_whose_quotes_are_exact(texts, question):
    documents = [Document(f"d{i}", t, f"T{i}", None, None) for i, t in enumerate(texts) if t.strip()]
    if not documents:
        return
    embedder = FakeEmbedder()
    with tempfile.TemporaryDirectory() as folder:
        try:
            build(documents, embedder, Path(folder) / "i", sentences_per_passage=2, passage_overlap=1)
        except Exception as exc:  # only the documented refusal is allowed
            assert type(exc).__name__ == "IngestError", exc
            return
        settings_ = Settings(index_dir=Path(folder) / "i", abstain_threshold=0.0)
        pipeline = QAPipeline(settings_, load_index(Path(folder) / "i", embedder), embedder)
        for asked in (question, texts[0][:200]):
            check_answer(pipeline.ask(asked), {d.doc_id: d for d in documents})
