from __future__ import annotations

from qa_bot.ingest.segment import group_passages, sentence_spans, split_sentences


def words(texts):
    return [len(t.split()) for t in texts]


def test_abbreviations_and_names_are_not_split():
    text = (
        "The attacks appear to be aimed at harassing rather than causing mass casualties among U.S. troops, "
        "according to David Schenker, a former U.S. assistant secretary of state. Iraq's Prime Minister "
        "Al-Sudani's plea fell on deaf ears. Tehran said no."
    )
    spans = sentence_spans(text)
    sentences = [text[s:e] for s, e in spans]
    assert len(sentences) == 3
    assert sentences[0].endswith("assistant secretary of state.")
    assert "Al-Sudani's plea" in sentences[1]


def test_offsets_are_exact_and_trimmed():
    text = "  First one here.  Second one?\n\nA new paragraph! And the end."
    for start, end in sentence_spans(text):
        piece = text[start:end]
        assert piece == piece.strip() and piece
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "First one here.", "Second one?", "A new paragraph!", "And the end."
    ]


def test_repeated_sentences_get_their_own_offsets():
    text = "It rained. It rained. It rained."
    assert sentence_spans(text) == [(0, 10), (11, 21), (22, 32)]


def test_long_sentence_is_cut_not_truncated():
    text = " ".join(f"w{i}" for i in range(95)) + "."
    sentences, sizes = split_sentences(0, text, max_tokens=40, count=words)
    assert all(size <= 40 for size in sizes)
    assert " ".join(text[s.start: s.end] for s in sentences) == text  # every word kept, in order


def test_passages_overlap_and_respect_limits():
    text = " ".join(f"Sentence number {i} is here." for i in range(10))
    sentences, sizes = split_sentences(3, text, max_tokens=100, count=words)
    passages = group_passages(sentences, sizes, first_id=100, max_sentences=4, overlap=1, max_tokens=100)
    assert [(p.first_sentence, p.last_sentence) for p in passages] == [(100, 103), (103, 106), (106, 109)]
    assert all(p.doc_index == 3 for p in passages)
    tight = group_passages(sentences, sizes, first_id=0, max_sentences=4, overlap=1, max_tokens=10)
    assert all(sum(sizes[p.first_sentence: p.last_sentence + 1]) <= 10 for p in tight)
    covered = {i for p in tight for i in range(p.first_sentence, p.last_sentence + 1)}
    assert covered == set(range(len(sentences)))
