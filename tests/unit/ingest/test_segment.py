from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa_bot.ingest.segment import group_passages, protected_spans, sentence_spans, split_sentences


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


def sentences_of(text):
    return [text[s:e] for s, e in sentence_spans(text)]


def test_slack_broadcast_markup_is_not_split():
    text = "Zorblax Quintavex <!channel> said the plan was final. Officials agreed."
    assert sentences_of(text) == ["Zorblax Quintavex <!channel> said the plan was final.", "Officials agreed."]


def test_user_mention_and_here_stay_whole():
    text = "Ping <@U024BE7LH> and <!here> about it now. Then go."
    assert sentences_of(text) == ["Ping <@U024BE7LH> and <!here> about it now.", "Then go."]


def test_labelled_link_stays_whole():
    text = "Read <https://example.com/a.b|the report> today. It is long."
    assert sentences_of(text) == ["Read <https://example.com/a.b|the report> today.", "It is long."]


def test_url_with_dots_and_query_stays_whole_and_its_final_period_ends_the_sentence():
    text = "See https://example.com/a.b?c=1.d&e=f for details. Next sentence."
    assert sentences_of(text) == ["See https://example.com/a.b?c=1.d&e=f for details.", "Next sentence."]
    text = "see https://example.com/a.b?c=1. Next sentence"
    assert sentences_of(text) == ["see https://example.com/a.b?c=1.", "Next sentence"]
    text = "Visit www.example.org/news/2024.html?id=7. It moved."
    assert sentences_of(text) == ["Visit www.example.org/news/2024.html?id=7.", "It moved."]


def test_email_address_stays_whole():
    text = "Write to first.last@news.example.co.uk with tips. Replies are slow."
    assert sentences_of(text) == ["Write to first.last@news.example.co.uk with tips.", "Replies are slow."]


def test_protected_spans_leave_a_urls_trailing_punctuation_out():
    text = "Links: https://example.com/a.b?c=1. (https://en.wikipedia.org/wiki/A_(b)), a@b.example."
    assert [text[s:e] for s, e in protected_spans(text)] == [
        "https://example.com/a.b?c=1", "https://en.wikipedia.org/wiki/A_(b)", "a@b.example"
    ]


WORD = st.sampled_from(["the", "plan", "was", "final", "Officials", "agreed", "U.S.", "Dr.", "said", "it",
                        "?", "!", "3.5", "Mr.", "e.g.", "(see", "below)", "No.", "1", "St."])
LABEL = st.lists(st.sampled_from(["the", "report", "U.S.", "a.b", "click", "here!"]), min_size=1, max_size=3)
HOST = st.lists(st.sampled_from(["example", "news", "co", "uk", "a", "b-c"]), min_size=2, max_size=4).map(".".join)
PATH = st.lists(st.sampled_from(["a", "b.c", "x.html", "2024", "v1.2"]), max_size=3).map("/".join)
QUERY = st.sampled_from(["", "?c=1", "?c=1.d&e=f", "?q=U.S.&page=2", "#top"])
URL = st.builds(lambda scheme, host, path, query: f"{scheme}{host}/{path}{query}",
                st.sampled_from(["https://", "http://", "www."]), HOST, PATH, QUERY)
EMAIL = st.builds(lambda user, host: f"{user}@{host}", st.sampled_from(["first.last", "a", "j.r.r.t", "x+y"]), HOST)
TOKEN = st.one_of(
    st.sampled_from(["<!channel>", "<!here>", "<!everyone>", "<@U024BE7LH>", "<#C0123|general>"]),
    st.builds(lambda url, label: f"<{url}|{' '.join(label)}>", URL, LABEL),
    st.builds(lambda url: f"<{url}>", URL),
    URL.filter(lambda url: url[-1] not in ".)"),
    EMAIL,
)
SENTENCE = st.tuples(
    st.lists(st.one_of(WORD, TOKEN.map(lambda t: ("token", t))), min_size=1, max_size=12),
    st.sampled_from([".", "?", "!", ". ", ""]),
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(SENTENCE, min_size=1, max_size=5))
def test_no_boundary_inside_inserted_tokens(sentences):
    text, tokens = "", []
    for words_, end in sentences:
        for word in words_:
            if text:
                text += " "
            if isinstance(word, tuple):
                tokens.append((len(text), len(text) + len(word[1])))
                word = word[1]
            text += word
        text += end
    spans = sentence_spans(text)
    for start, end in spans:
        assert text[start:end] == text[start:end].strip() and end > start
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
    for token_start, token_end in tokens:
        assert any(s <= token_start and token_end <= e for s, e in spans), (text[token_start:token_end], spans)
