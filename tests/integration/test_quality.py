"""Integration tests with the real model and FAISS: search correctness and answer quality."""

from __future__ import annotations

import json

import numpy as np

from qa_bot.answer.retrieve import dense_search, make_query
from qa_bot.eval.metrics import fold

from ..conftest import TEST_DATA, XQUAD
from ..helpers import run_cli


def test_dense_search_matches_brute_force_cosine(bundled_pipeline, real_embedder):
    index = bundled_pipeline.index
    texts = index.texts(index.passage_spans(range(index.passage_count)))
    vectors = real_embedder.encode(texts)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    for question in ("Who is David Schenker?", "drone attack on Erbil", "What did Iran warn?"):
        qv = real_embedder.encode_queries([question])[0]
        ids, scores = dense_search(index, make_query(question, qv), 5)
        brute = vectors @ qv
        expected = np.argsort(-brute, kind="stable")[:5]
        assert list(ids) == list(expected)
        assert np.allclose(scores, brute[expected], atol=1e-4)


def test_schenker_is_a_former_assistant_secretary_of_state(bundled_pipeline):
    answer = bundled_pipeline.ask("Who is David Schenker?")
    assert answer.answered
    top = answer.quotes[0]
    assert "former" in top.text and "assistant secretary of state" in top.text
    doc = next(d for d in bundled_pipeline.index.documents if d.doc_id == top.doc_id)
    assert doc.text[top.start: top.end] == top.text


def test_bundled_articles_own_questions_are_answered(bundled_pipeline):
    items = [json.loads(line) for line in (TEST_DATA / "bundled_questions.jsonl").read_text().splitlines()]
    assert len(items) >= 20
    abstained = 0
    found = 0
    for item in items:
        answer = bundled_pipeline.ask(item["question"])
        abstained += not answer.answered
        texts = [fold(q.text) for q in answer.quotes]
        found += any(fold(a) in t for a in item["answers"] for t in texts)
    assert abstained / len(items) <= 0.05
    assert found / len(items) >= 0.85


def test_off_topic_questions_are_abstained_on(bundled_pipeline):
    questions = [q for q in (TEST_DATA / "offtopic_questions.txt").read_text().splitlines() if q.strip()]
    answered = [q for q in questions if bundled_pipeline.ask(q).answered]
    assert answered == []


def test_xquad_questions_asked_of_the_bundled_articles_are_abstained_on(bundled_pipeline):
    from qa_bot.eval.metrics import read_questions

    questions = read_questions(XQUAD / "questions.jsonl")
    abstained = sum(not bundled_pipeline.ask(q.question).answered for q in questions)
    assert abstained / len(questions) >= 0.95


def test_xquad_eval_beats_the_baselines(tmp_path):
    result = run_cli(
        tmp_path, "eval", "--corpus", str(XQUAD / "corpus.jsonl"), "--questions", str(XQUAD / "questions.jsonl"),
        "--json", "--index-root", str(tmp_path / "indexes"), timeout=900,
    )
    assert result.returncode == 0, result.stderr
    reports = {r["name"]: r for r in json.loads(result.stdout)["reports"]}
    ours = reports.pop("qa-bot")
    assert ours["questions"] == 1190
    assert ours["answer_hit@1"] >= 0.80 and ours["doc_hit@1"] >= 0.94
    for baseline in reports.values():
        assert ours["answer_hit@1"] > baseline["answer_hit@1"]
        assert ours["doc_hit@1"] > baseline["doc_hit@1"]


def test_eval_sweep_writes_a_table_and_a_plot(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    questions = tmp_path / "questions.jsonl"
    docs = [
        {"doc_id": "bridge", "title": "Bridge", "text": "The new bridge cost 40 million dollars. It opened in May."},
        {"doc_id": "storm", "title": "Storm", "text": "A storm cut power to 3,000 homes. Crews worked overnight."},
    ]
    corpus.write_text("\n".join(json.dumps(d) for d in docs) + "\n", encoding="utf-8")
    items = [
        {"id": "1", "question": "How much did the bridge cost?", "answers": ["40 million dollars"], "doc_id": "bridge"},
        {"id": "2", "question": "How many homes lost power?", "answers": ["3,000"], "doc_id": "storm"},
        {"id": "3", "question": "Who won the 2018 FIFA World Cup?", "answers": [], "doc_id": None,
         "answerable": False},
    ]
    questions.write_text("\n".join(json.dumps(q) for q in items) + "\n", encoding="utf-8")
    result = run_cli(tmp_path, "eval", "--corpus", str(corpus), "--questions", str(questions), "--json",
                     "--index-root", str(tmp_path / "idx"), "--sweep", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    reports = {r["name"]: r for r in json.loads(result.stdout)["reports"]}
    assert reports["qa-bot"]["answer_hit@1"] == 1.0 and reports["qa-bot"]["abstain_rate"] == round(1 / 3, 4)
    rows = (tmp_path / "out" / "sweep.csv").read_text().splitlines()
    assert rows[0] == "fusion,threshold,answer_hit@1,doc_hit@1,abstain_rate" and len(rows) == 1 + 6 * 11
    assert (tmp_path / "out" / "sweep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_eval_warns_when_the_corpus_holds_none_of_the_questions_articles(tmp_path):
    corpus, questions = tmp_path / "corpus.jsonl", tmp_path / "questions.jsonl"
    corpus.write_text(json.dumps({"doc_id": "bridge", "title": "Bridge", "text": "The bridge cost 40 million."}) + "\n",
                      encoding="utf-8")
    asked = {"id": "1", "question": "How many homes lost power?", "answers": ["3,000"], "doc_id": "storm"}
    questions.write_text(json.dumps(asked) + "\n", encoding="utf-8")
    result = run_cli(tmp_path, "eval", "--corpus", str(corpus), "--questions", str(questions), "--json",
                     "--index-root", str(tmp_path / "idx"))
    assert result.returncode == 0, result.stderr
    assert "warning: none of the 1 articles the questions name (doc_id) is in" in result.stderr
    assert "Indexed 1 document into 1 passage (0 skipped) in " in result.stderr
    assert "" not in result.stderr.splitlines(), result.stderr  # stderr is a pipe: no bar, so no blank line
    asked["doc_id"] = "bridge"
    questions.write_text(json.dumps(asked) + "\n", encoding="utf-8")
    matched = run_cli(tmp_path, "eval", "--corpus", str(corpus), "--questions", str(questions), "--json",
                      "--index-root", str(tmp_path / "idx"))
    assert matched.returncode == 0 and "warning: none of" not in matched.stderr
    assert "Using the cached index " in matched.stderr and "" not in matched.stderr.splitlines(), matched.stderr


def test_every_quote_shown_is_itself_likely_to_answer(bundled_pipeline):
    answer = bundled_pipeline.ask("Who is David Schenker?")
    threshold = bundled_pipeline.settings.abstain_threshold
    assert answer.quotes and all(q.confidence >= threshold for q in answer.quotes)
    assert all("Schenker" in q.text or q.text.startswith("He ") for q in answer.quotes)


def test_an_elliptical_follow_up_quotes_what_it_names_not_the_earlier_answer_again(bundled_pipeline):
    from qa_bot.slack.format import answer_blocks

    first = "Where did the defective drone crash?"
    earlier = bundled_pipeline.ask(first).quotes[0]
    answer = bundled_pipeline.ask("and the Pentagon?", thread=[first])
    assert answer.read_as and "Pentagon" in answer.quotes[0].text and answer.quotes[0].text != earlier.text
    assert answer.confidence == answer.quotes[0].confidence  # as sure as what it leads with, and logged so
    again = bundled_pipeline.ask("and the drone?", thread=[first])  # nothing of its own: about the drone still
    assert "drone" in again.quotes[0].text
    for nowhere in ("and Ukraine?", "and Ukraine last week?"):  # no article names it: not the drone again
        abstained = bundled_pipeline.ask(nowhere, thread=[first])
        assert abstained.read_as and not abstained.quotes and not abstained.window
        assert answer_blocks(abstained, nowhere)[1].startswith("The articles don't say. Nothing in the indexed")
    hurt = bundled_pipeline.ask("and was anyone hurt?", thread=[first])  # its answer follows the drone sentence
    assert hurt.quotes and "drone" in hurt.quotes[0].text


def test_a_question_about_a_detail_of_a_described_story_quotes_the_detail_not_the_opening(tmp_path, real_embedder):
    """Real Wikinews articles, the real model and the bundled reranker: each question describes its story in the
    opening's words and asks what a later sentence says (data/eval/wikinews/details.jsonl)."""
    from qa_bot.build import build_from_paths
    from qa_bot.config import Settings
    from qa_bot.pipeline import QAPipeline
    from qa_bot.records import moment_of

    from ..conftest import ROOT

    asked = {"dq-004", "dq-005", "dq-008", "dq-011"}  # Mahan Air, Mokha, the border wall lawsuit, Ford
    questions = [q for q in map(json.loads, (ROOT / "data/eval/wikinews/details.jsonl").read_text().splitlines())
                 if q["id"] in asked]
    wanted = {q["doc_id"] for q in questions}
    corpus = [line for line in (ROOT / "data/eval/wikinews/corpus.jsonl").read_text().splitlines()
              if json.loads(line)["doc_id"] in wanted or json.loads(line)["date"] < "2019-05"]  # and their rivals
    (tmp_path / "news.jsonl").write_text("\n".join(corpus) + "\n")
    settings = Settings(index_dir=tmp_path / "index")
    build_from_paths(settings, [tmp_path / "news.jsonl"], embedder=real_embedder)
    pipeline = QAPipeline.open(settings, real_embedder)
    plain = pipeline.options.model_copy(update={"story_details": False})

    def hit(answer, question) -> bool:
        return bool(answer.quotes) and any(fold(a) in fold(answer.quotes[0].text) for a in question["answers"])

    detailed = [hit(pipeline.ask(q["question"], as_of=moment_of(q["as_of"])), q) for q in questions]
    alone = [hit(pipeline.ask(q["question"], options=plain, as_of=moment_of(q["as_of"])), q) for q in questions]
    missed = [q["question"] for q, h in zip(questions, detailed, strict=True) if not h]
    assert len(questions) == 4 and not missed, missed
    assert not any(alone)  # without it, each quotes its story's opening
