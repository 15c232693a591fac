"""The Milvus passage store on Milvus Lite: the store contract, the date push-down, and each Lite difference.

Milvus Lite is the real engine's client and a real (embedded) engine, in-process on a temporary file,
so these run in the unit suite. The same contract as every other store (tests/unit/index/test_stores.py):
results equal brute force within the store's stated recall, read back from the build's folder.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

from qa_bot.errors import BackendUnavailableError
from qa_bot.index import recall_at_k
from qa_bot.index.milvus_compat import (
    UNDATED,
    Connection,
    analyzer_params,
    bm25_scores,
    date_filter,
    index_params,
    index_wait,
    key_filter,
    vector_index,
)
from qa_bot.index.milvus_store import MilvusPassageStore, PassageRows, finish, sync
from qa_bot.terms import terms

from .test_stores import QUERIES, TEXTS, VECTORS, reference_bm25

pymilvus = pytest.importorskip("pymilvus")
DAY = 86_400
START = 1_700_000_000


def rows_of(vectors: np.ndarray, texts: list[str], dates: np.ndarray | None = None, prefix: str = "k") -> PassageRows:
    n = len(vectors)
    return PassageRows(
        keys=[f"{prefix}{i}" for i in range(n)], doc_ids=[f"d{i}" for i in range(n)], titles=["t"] * n,
        urls=[""] * n, iso_dates=[""] * n,
        dates=np.full(n, UNDATED, dtype=np.int64) if dates is None else dates,
        texts=[" ".join(t) for t in terms(texts)], vectors=vectors,
    )


@pytest.fixture(scope="module")
def lite(tmp_path_factory) -> Connection:
    return Connection(str(tmp_path_factory.mktemp("milvus") / "lite.db"))


@pytest.fixture(scope="module")
def vectors_store(lite, tmp_path_factory):
    # Every fifth article undated, the rest one a day: dates as a news corpus has them.
    dates = np.where(np.arange(len(VECTORS)) % 5 == 0, UNDATED, START + np.arange(len(VECTORS)) * DAY)
    store, written = sync(lite, "qa_contract", rows_of(VECTORS, ["x"] * len(VECTORS), dates), "project", None)
    finish(store, None, {"model": "test"})
    folder = tmp_path_factory.mktemp("store")
    entry = store.save(folder)
    return store, MilvusPassageStore.load(folder, entry, lite), written


def test_the_milvus_store_finds_what_brute_force_finds(vectors_store):
    built, loaded, written = vectors_store
    assert written == len(VECTORS)
    exact = np.argsort(-(QUERIES @ VECTORS.T), axis=1, kind="stable")[:, :10]
    for store in (built, loaded):
        assert len(store) == len(VECTORS) and store.stated_recall == 1.0  # FLAT on Lite
        found = np.array([store.search(q, 10)[0] for q in QUERIES[:50]])
        assert recall_at_k(found, exact[:50]) == 1.0
    ids, scores = loaded.search(QUERIES[0], 10)
    assert np.allclose(scores, VECTORS[ids] @ QUERIES[0], atol=1e-5) and np.all(np.diff(scores) <= 1e-6)


def test_a_date_window_is_pushed_down_as_a_filter_and_finds_what_brute_force_finds(vectors_store):
    _, store, _ = vectors_store
    dates = store._dates
    for undated in (True, False):
        allowed = np.where(dates == UNDATED, undated, (dates >= START + 1000 * DAY) & (dates < START + 3000 * DAY))
        expr, after = store._filter(allowed)
        inside = dates[allowed & (dates != UNDATED)]
        assert after is None and expr == date_filter(int(inside.min()), int(inside.max()), undated)  # the tightest
        scores = QUERIES @ VECTORS.T
        exact = np.argsort(-np.where(allowed, scores, -np.inf), axis=1, kind="stable")[:, :10]
        found = np.array([store.search(q, 10, allowed)[0] for q in QUERIES[:30]])
        assert allowed[found].all() and recall_at_k(found, exact[:30]) == 1.0


def test_any_other_mask_becomes_a_key_filter_and_nothing_allowed_finds_nothing(vectors_store):
    _, store, _ = vectors_store
    allowed = np.zeros(len(VECTORS), dtype=bool)
    allowed[::7] = True
    assert store._filter(allowed)[0].startswith("key in [")
    found = np.array([store.search(q, 10, allowed)[0] for q in QUERIES[:20]])
    assert allowed[found].all()
    few = np.zeros(len(VECTORS), dtype=bool)
    few[[3, 99]] = True
    assert sorted(store.search(QUERIES[0], 10, few)[0].tolist()) == [3, 99]
    assert len(store.search(QUERIES[0], 10, np.zeros(len(VECTORS), dtype=bool))[0]) == 0
    assert len(store.search(QUERIES[0], 0)[0]) == 0


@pytest.fixture(scope="module")
def keyword_store(lite):
    vectors = VECTORS[: len(TEXTS)]
    store, _ = sync(lite, "qa_keywords", rows_of(vectors, TEXTS), "project", None)
    return store


@pytest.mark.parametrize("question", ["How much did the bridge cost?", "money for schools", "zebra", ""])
def test_milvus_bm25_over_the_projects_terms_ranks_as_bm25_by_the_book(keyword_store, question):
    query = terms([question])[0]
    expected = reference_bm25(TEXTS, query)
    ids, scores = keyword_store.top(query, 3)
    positive = np.flatnonzero(expected > 0)
    assert len(ids) == min(3, len(positive)) and set(ids.tolist()) <= set(positive.tolist())
    assert np.all(scores > 0) and np.all(np.diff(scores) <= 1e-6)
    best = positive[np.lexsort((positive, -expected[positive]))][:3]
    assert np.allclose(np.sort(expected[ids])[::-1], expected[best])  # the same scores at each rank
    all_scores = keyword_store.scores(query)
    assert np.array_equal(all_scores > 0, expected > 0)
    allowed = np.arange(len(TEXTS)) % 2 == 1
    assert set(keyword_store.top(query, 3, allowed)[0].tolist()) <= set(np.flatnonzero(allowed).tolist())


# Each Lite difference the compatibility layer covers.

def test_lite_returns_bm25_scores_negative_and_the_store_turns_them_positive(keyword_store, lite):
    raw = lite.client.search(keyword_store.collection, data=["bridg"], anns_field="sparse", limit=3,
                             search_params={"metric_type": "BM25"})[0]
    distances = [hit["distance"] for hit in raw]
    assert distances and all(d < 0 for d in distances)  # best first, most negative best
    assert np.all(bm25_scores(distances, lite=True) > 0) and np.all(np.diff(bm25_scores(distances, True)) <= 0)
    assert np.array_equal(bm25_scores([2.0, 1.0], lite=False), [2.0, 1.0])  # a server's are kept


def test_lite_has_no_english_analyzer_so_stems_come_from_the_projects_terms(lite):
    assert analyzer_params("english", lite=False) == {"type": "english"}
    assert analyzer_params("english", lite=True)["tokenizer"] == "standard"  # stop list, no stemming
    texts = ["Cats chased the mice.", "The dog slept."]
    raw, _ = sync(lite, "qa_raw", PassageRows(["a", "b"], ["a", "b"], ["", ""], ["", ""], ["", ""],
                                              np.full(2, UNDATED), texts, VECTORS[:2]), "standard", None)
    assert len(raw.top([], 2, text="cat")[0]) == 0  # Lite's standard analyzer does not stem "Cats"
    project, _ = sync(lite, "qa_project", rows_of(VECTORS[:2], texts), "project", None)
    assert project.top(terms(["cat"])[0], 2)[0].tolist() == [0]


def test_lite_drops_index_build_parameters_unless_nested(lite):
    from pymilvus import DataType

    params = {"M": 8, "efConstruction": 64}
    assert index_params(params, lite=True) == {"params": params} and index_params(params, lite=False) == params
    client = lite.client
    kept = {}
    for nested in (False, True):
        name = f"qa_params_{int(nested)}"
        schema = client.create_schema(auto_id=False)
        schema.add_field("key", DataType.VARCHAR, max_length=8, is_primary=True)
        schema.add_field("v", DataType.FLOAT_VECTOR, dim=4)
        client.create_collection(name, schema=schema)
        indexes = client.prepare_index_params()
        indexes.add_index(field_name="v", index_type="HNSW", metric_type="IP",
                          params=index_params(params, lite=True) if nested else params)
        client.create_index(name, indexes, **index_wait(True))
        kept[nested] = client.describe_index(name, "v").get("params")
    assert kept[False] is None and kept[True] == params


def test_lite_lacks_alloc_timestamp_so_index_builds_are_not_waited_for(lite, caplog):
    assert index_wait(True) == {"sync": False} and index_wait(False) == {}
    with caplog.at_level(logging.ERROR):
        sync(lite, "qa_nowait", rows_of(VECTORS[:3], ["a b", "c d", "e f"]), "project", None)
    assert not [r for r in caplog.records if "AllocTimestamp" in r.getMessage() or "not implemented" in
                r.getMessage()]


def test_lite_is_exact_and_a_server_gets_hnsw():
    assert vector_index(True)[0] == "FLAT" and vector_index(True)[2] == 1.0
    assert vector_index(False)[0] == "HNSW" and vector_index(False)[2] < 1.0


def test_filters_are_plain_expressions_with_keys_escaped(lite):
    texts = ["alpha beta", "gamma delta"]
    rows = PassageRows(['say "hi"', "back\\slash"], ["a", "b"], ["", ""], ["", ""], ["", ""],
                       np.array([START, UNDATED]), [" ".join(t) for t in terms(texts)], VECTORS[:2])
    store, _ = sync(lite, "qa_escape", rows, "project", None)
    assert lite.client.query(store.collection, filter=key_filter(['say "hi"']), output_fields=["key"])[0]["key"] == \
        'say "hi"'
    assert len(lite.client.query(store.collection, filter=date_filter(START, START, False), output_fields=["key"])) == 1
    assert len(lite.client.query(store.collection, filter=date_filter(None, None, True), output_fields=["key"])) == 2


def test_a_second_process_on_one_lite_file_is_refused_in_one_line(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "one.db"
    Connection(str(path)).client.list_collections()
    code = ("from qa_bot.index.milvus_compat import Connection\n"
            f"try:\n    Connection({str(path)!r}).client\nexcept Exception as e:\n    print(type(e).__name__, e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    assert out.startswith("BackendUnavailableError") and "one process at a time" in out
    assert issubclass(BackendUnavailableError, Exception)


def test_an_unreachable_server_is_one_line():
    with pytest.raises(BackendUnavailableError, match="cannot reach Milvus at http://127.0.0.1:9"):
        Connection("http://user:secret@127.0.0.1:9", token="t").client.list_collections()
    assert "secret" not in Connection("http://user:secret@127.0.0.1:9").describe()


# Whole builds through the writer (fake embedder): a full rebuild writes a new collection and moves the alias.

def test_a_full_rebuild_writes_a_new_collection_and_moves_the_alias_in_one_step(tmp_path):
    from qa_bot.config import BuildOptions
    from qa_bot.index import Backend, build_index, load_index
    from qa_bot.records import Document

    from ...conftest import FakeEmbedder

    backend = Backend("milvus", str(tmp_path / "m.db"))
    docs = [Document(f"d{i}", f"Article {i} says the council met on Monday. It voted {i} times. The mayor spoke.",
                     f"T{i}", None, f"2024-01-{i + 1:02d}") for i in range(6)]
    client = backend.connection().client
    seen = []
    for per_passage in (2, 3, 2):  # a chunking change each time: nothing can be reused
        summary = build_index(docs, FakeEmbedder(), tmp_path / "news", BuildOptions(sentences_per_passage=per_passage),
                              backend=backend)
        live = load_index(tmp_path / "news", FakeEmbedder(), backend=backend).describe().search
        collection = live.split("→ ")[1].split(" at ")[0]
        assert summary.written == summary.passages and client.list_aliases(collection)["aliases"] == ["qa_bot_news"]
        assert client.get_collection_stats(collection)["row_count"] == summary.passages
        seen.append(collection)
    assert len(set(seen)) == 3
    kept = sorted(n for n in client.list_collections() if n.startswith("qa_bot_news_"))
    assert kept == sorted(seen[1:])  # the live one and the one before it (a replica may still read it)
    properties = client.describe_collection(seen[-1])["properties"]
    assert json_of(properties["qa_bot.manifest"])["passages"] == summary.passages
    assert properties["qa_bot.sync"] == "done"


def json_of(text: str) -> dict:
    import json

    return json.loads(text)


def test_a_repeated_query_term_counts_twice_as_in_the_local_store(keyword_store):
    from qa_bot.index.stores import build_keyword_store

    local = build_keyword_store("bm25s", TEXTS)
    for question in ("the bridge, the bridge cost", "money money for schools"):
        query = terms([question])[0]
        assert len(query) > len(set(query))  # a term repeated
        ids, scores = keyword_store.top(query, 3)
        local_ids, local_scores = local.top(query, 3)
        assert ids.tolist() == local_ids.tolist() and np.allclose(scores, local_scores, rtol=1e-4)


def test_rows_another_sync_added_never_crowd_out_this_builds_results(lite):
    first = rows_of(VECTORS[:50], [f"alpha beta {i}" for i in range(50)])
    store, _ = sync(lite, "qa_crowd", first, "project", None)
    exact = np.argsort(-(VECTORS[:50] @ QUERIES[0]), kind="stable")[:5]
    assert store.search(QUERIES[0], 5)[0].tolist() == exact.tolist()
    # A newer sync into the same collection: 40 rows this build does not know, nearer the query and all "alpha".
    near = np.repeat(QUERIES[:1], 40, axis=0) + 0.01 * VECTORS[100:140]
    near /= np.linalg.norm(near, axis=1, keepdims=True)
    newer = rows_of(np.vstack([VECTORS[:50], near]), [*(f"alpha beta {i}" for i in range(50)),
                                                      *(["alpha alpha alpha"] * 40)])
    sync(lite, "qa_crowd", PassageRows([*first.keys, *(f"new{i}" for i in range(40))], *[
        getattr(newer, f) for f in ("doc_ids", "titles", "urls", "iso_dates", "dates", "texts", "vectors")]),
        "project", store)
    assert store.search(QUERIES[0], 5)[0].tolist() == exact.tolist()  # still its own five best
    assert len(store.top(terms(["alpha"])[0], 5)[0]) == 5


def test_builds_of_two_folders_never_touch_each_others_collections(tmp_path):
    from qa_bot.config import BuildOptions
    from qa_bot.errors import BackendUnavailableError
    from qa_bot.index import Backend, build_index, load_index
    from qa_bot.records import Document

    from ...conftest import FakeEmbedder

    backend = Backend("milvus", str(tmp_path / "m.db"))
    docs = [Document("a", "The council met on Monday. It voted twice.", "A", None, None)]
    for name in ("news_2024", "news"):  # "qa_bot_news_" is a prefix of news_2024's collections
        for per_passage in (1, 2):  # a full rebuild each time: old collections dropped
            build_index(docs, FakeEmbedder(), tmp_path / name, BuildOptions(sentences_per_passage=per_passage),
                        backend=backend)
    assert load_index(tmp_path / "news_2024", FakeEmbedder(), backend=backend).passage_count == 1
    (tmp_path / "elsewhere").mkdir()
    with pytest.raises(BackendUnavailableError, match="belongs to the index at .*news"):
        build_index(docs, FakeEmbedder(), tmp_path / "elsewhere" / "news", BuildOptions(), backend=backend)
    assert load_index(tmp_path / "news", FakeEmbedder(), backend=backend).passage_count == 1


def test_the_alias_is_put_right_by_the_next_build_when_moving_it_failed(tmp_path, monkeypatch):
    from qa_bot.config import BuildOptions
    from qa_bot.index import Backend, build_index
    from qa_bot.index import milvus_store as store_module
    from qa_bot.records import Document

    from ...conftest import FakeEmbedder

    backend = Backend("milvus", str(tmp_path / "m.db"))
    docs = [Document("a", "The council met on Monday. It voted twice.", "A", None, None)]

    def broken(*args, **kwargs):
        raise OSError("Milvus went away")

    monkeypatch.setattr(store_module, "_point_alias", broken)
    build_index(docs, FakeEmbedder(), tmp_path / "wire", BuildOptions(), backend=backend)  # live, alias missing
    client = backend.connection().client
    assert "qa_bot_wire" not in client.list_aliases()["aliases"]
    monkeypatch.undo()
    docs.append(Document("b", "A second article arrived.", "B", None, None))
    summary = build_index(docs, FakeEmbedder(), tmp_path / "wire", BuildOptions(), backend=backend)
    assert summary.written == 1 and "qa_bot_wire" in client.list_aliases()["aliases"]  # reused, alias made
