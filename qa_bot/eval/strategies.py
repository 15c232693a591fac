"""The strategies an eval compares: the shipped pipeline and three baselines, run interleaved and timed."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from qa_bot.answer.in_time import as_of_moment
from qa_bot.answer.retrieve import Query, dense_search, keyword_search, make_query
from qa_bot.config import AnswerOptions
from qa_bot.eval.metrics import EvalQuestion, Prediction, Strategy
from qa_bot.index import Index
from qa_bot.pipeline import QAPipeline


def pipeline_strategy(pipeline: QAPipeline, options: AnswerOptions | None = None, max_quotes: int = 5) -> Strategy:
    """The shipped pipeline with ``options`` (default: its own), asked for up to ``max_quotes`` quotes."""
    options = (options or pipeline.options).model_copy(update={"max_quotes": max_quotes})

    def run(item: EvalQuestion) -> Prediction:
        answer = pipeline.ask(item.question, options, as_of=as_of_moment(item.as_of) if item.as_of else None)
        return Prediction(
            tuple((q.text, frozenset({q.doc_id, *(s.doc_id for s in q.also_in)})) for q in answer.quotes),
            confidence=answer.confidence,
        )

    return run


def _quoted(index: Index, sentence_ids: np.ndarray) -> Prediction:
    """Each sentence quoted whole, with its document."""
    texts = index.sentence_texts(sentence_ids)
    docs = [index.document(d).doc_id for d in index.sentence_spans(sentence_ids)[:, 0].tolist()]
    return Prediction(tuple((text, frozenset({doc})) for text, doc in zip(texts, docs, strict=True)))


def first_sentence_strategy(
    index: Index, encode: Callable[[str], object], search: Callable[[Index, Query, int], tuple], k: int = 5
) -> Strategy:
    """A baseline: the first sentence of each of the ``k`` best passages of one retriever."""

    def run(item: EvalQuestion) -> Prediction:
        query = make_query(item.question, encode(item.question))  # type: ignore[arg-type]
        ids, _ = search(index, query, k)
        return _quoted(index, index.passage_sentences(ids)[:, 0])

    return run


def best_sentence_strategy(index: Index, encode: Callable[[str], object], k: int = 5) -> Strategy:
    """A stronger baseline: the ``k`` sentences of the whole corpus nearest the question (dense only)."""

    def run(item: EvalQuestion) -> Prediction:
        ids, _ = index.search_sentences(np.asarray(encode(item.question), dtype=np.float32), k)
        return _quoted(index, ids)

    return run


def baseline_strategies(pipeline: QAPipeline) -> dict[str, Strategy]:
    """The baselines on the pipeline's index and model: keyword-only and dense-only passage search
    quoting each passage's first sentence, and dense search over all sentences quoting the best ones."""

    def encode(question: str) -> object:
        return pipeline.embedder.encode_queries([question])[0]

    return {
        "keyword-only baseline": first_sentence_strategy(pipeline.index, encode, keyword_search),
        "dense-only baseline": first_sentence_strategy(pipeline.index, encode, dense_search),
        "dense best-sentence baseline": best_sentence_strategy(pipeline.index, encode),
    }


def predict_interleaved(
    strategies: dict[str, Strategy], questions: list[EvalQuestion], on_question: Callable[[], None] | None = None
) -> dict[str, list[Prediction]]:
    """Run every strategy on every question, question by question in rotating order, timing each.

    Interleaving makes the latency ratios fair on a machine whose speed drifts: each strategy meets
    the same slow and fast moments, rather than one strategy having the machine at its best.
    """
    names = list(strategies)
    found: dict[str, list[Prediction]] = {name: [] for name in names}
    for number, item in enumerate(questions):
        for offset in range(len(names)):
            name = names[(number + offset) % len(names)]
            began = time.perf_counter()
            prediction = strategies[name](item)
            latency = (time.perf_counter() - began) * 1000
            found[name].append(Prediction(prediction.quotes, prediction.confidence, latency))
        if on_question is not None:
            on_question()
    return found


def predict(
    strategy: Strategy, questions: list[EvalQuestion], on_question: Callable[[], None] | None = None
) -> list[Prediction]:
    """Run ``strategy`` on every question, timing each."""
    return predict_interleaved({"only": strategy}, questions, on_question)["only"]
