"""The Milvus passage store: dense vectors and BM25 keywords of every passage in one Milvus collection.

One collection holds a row per passage: a content-addressed ``key`` (primary), the article's id, title,
URL and date (``date``: seconds since 1970, searchable as a filter; ``iso_date`` as written), the text
the BM25 function reads, its sparse BM25 vector, and the dense vector. One :class:`MilvusPassageStore`
serves both store protocols of an index build over it: :class:`~qa_bot.index.stores.VectorStore`
(``search``) and :class:`~qa_bot.index.stores.KeywordStore` (``top``/``scores``).

Rows are found by key; the build's folder keeps the keys in its row order (``keys.npy``) and each row's
date (``dates.npy``), so results come back as the build's row ids. A mask of allowed rows becomes a date
filter pushed down into Milvus whenever it is a date window (as the answer stage's masks are, but for a
follow-up's story, a few articles' rows, and a Slack channel's sources), or a key filter otherwise (past
:data:`KEY_FILTER_LIMIT` rows, the mask is applied to the results). A key this build does not know
(written by a sync still running) is never returned.

Syncing (:func:`sync`, then :func:`finish` once the build is live): when the live build used the same
collection settings, only rows whose key is new are upserted, and the rows no build needs any more are
deleted after the new build is live; otherwise a new collection is written whole and the alias moved
to it in one step. A sync that dies leaves the live build and its collection answering: rows it added
are unknown to that build, and the rows it would have deleted are still there. The build's manifest is
kept in the collection's properties.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa_bot.errors import BackendUnavailableError
from qa_bot.index.milvus_compat import (
    UNDATED,
    Connection,
    analyzer_params,
    bm25_scores,
    date_filter,
    index_params,
    index_wait,
    key_filter,
    search_params,
    vector_index,
)
from qa_bot.index.stores import Entry
from qa_bot.redact import first_line

KEYS = "keys.npy"
DATES = "dates.npy"
RETIRED = "retired.npy"
STATS = "bm25_stats.json"
K1, B = 1.5, 0.75
"""BM25's parameters, as the local keyword store (bm25s) has them."""
OVERFETCH = 2
"""Keyword candidates asked of Milvus per result, before they are scored with the build's statistics."""
MAX_TEXT = 65_535
MAX_LIMIT = 16_384
"""The most rows one Milvus search returns."""
BATCH = 512
MANIFEST_PROPERTY = "qa_bot.manifest"
OWNER_PROPERTY = "qa_bot.owner"
SYNC_PROPERTY = "qa_bot.sync"
KEY_FILTER_LIMIT = 20_000
"""Above this many allowed rows that are no date window, search unfiltered and drop the rest."""
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class Bm25Stats:
    """The corpus statistics BM25 needs: rows, mean row length, and each term's document frequency.

    Kept with the build (a few MB for a large vocabulary), so the keyword candidates Milvus returns are
    scored as Lucene (and the local bm25s store) scores them, whatever the engine's own statistics are:
    Milvus Lite keeps them per segment, and a server counts deleted rows until it compacts.
    """

    rows: int
    mean_length: float
    frequency: dict[str, int]

    @classmethod
    def of(cls, texts: Sequence[str]) -> Bm25Stats:
        """The statistics of ``texts`` (each the project's terms joined by spaces)."""
        frequency: Counter[str] = Counter()
        total = 0
        for text in texts:
            words = text.split()
            total += len(words)
            frequency.update(set(words))
        return cls(len(texts), total / max(1, len(texts)), dict(frequency))

    def score(self, query_terms: Sequence[str], text: str) -> float:
        """The BM25 score of one row's ``text`` (joined terms) for ``query_terms``."""
        words = text.split()
        counts = Counter(words)
        norm = K1 * (1 - B + B * len(words) / (self.mean_length or 1.0))
        total = 0.0
        for term in query_terms:  # a repeated query term counts each time, as in bm25s
            tf, df = counts.get(term, 0), self.frequency.get(term, 0)
            if tf and df:
                total += math.log(1 + (self.rows - df + 0.5) / (df + 0.5)) * tf / (tf + norm)
        return total


@dataclass(frozen=True, slots=True)
class PassageRows:
    """What a build gives the store: per passage its key, article metadata, date, BM25 text and vector."""

    keys: list[str]
    doc_ids: list[str]
    titles: list[str]
    urls: list[str]
    iso_dates: list[str]
    dates: np.ndarray
    """int64 seconds since 1970, :data:`UNDATED` when the article has none."""
    texts: list[str]
    vectors: np.ndarray


class MilvusPassageStore:
    """The passages of one build in a Milvus collection: dense search, BM25 search, date filters."""

    kind = "milvus"

    def __init__(self, connection: Connection, collection: str, alias: str, analyzer: str,
                 keys: np.ndarray, dates: np.ndarray, stated_recall: float, stats: Bm25Stats | None = None) -> None:
        self._connection = connection
        self.collection = collection
        self.alias = alias
        self.analyzer = analyzer
        self._keys = keys
        self._dates = np.asarray(dates, dtype=np.int64)
        self._row_of = {str(key): row for row, key in enumerate(keys.tolist())}
        self.stated_recall = stated_recall
        self._stats = stats
        self.unknown_rows = 0
        """Rows of the collection this build does not know, as last counted (see :meth:`count_unknown`)."""
        self.retired: frozenset[str] = frozenset()
        """Keys the build before this one had and this one lacks: deleted by the build after this one."""
        self.dirty = False
        """True when a sync into this collection died before finishing (rows it added may linger)."""

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def keys(self) -> frozenset[str]:
        """Every key of this build."""
        return frozenset(self._row_of)

    def count_unknown(self) -> None:
        """Count the collection's rows this build does not know (searches ask for that many more)."""
        try:
            rows = int(self._connection.client.get_collection_stats(self.collection).get("row_count", 0))
        except Exception as exc:
            raise BackendUnavailableError(
                f"cannot read collection {self.collection!r} at {self._connection.describe()}: {first_line(exc)}"
            ) from exc
        self.unknown_rows = max(0, rows - len(self))

    # The vector store.

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(row ids, inner products) of the ``k`` nearest (``allowed``) rows, best first."""
        vector = np.asarray(query, dtype=np.float32).reshape(-1).tolist()
        lite = self._connection.is_lite
        return self._search([vector], "vector", k, allowed, lambda limit: search_params(lite, limit),
                            lambda d: np.asarray(d))

    # The keyword store.

    def top(self, query_terms: Sequence[str], k: int, allowed: np.ndarray | None = None,
            text: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(row ids, BM25 scores) of the ``k`` best rows with a positive score, best first (among ``allowed``).

        With the ``project`` analysis, Milvus's BM25 finds ``OVERFETCH * k`` candidates for the project's terms
        and each is scored with the build's statistics (:class:`Bm25Stats`), so the scores are the local
        store's, and neither Lite's negative scores nor its per-segment statistics reach the fusion.
        Otherwise the query is ``text`` (as written, analysed by Milvus) and Milvus's scores are kept.
        """
        query = " ".join(query_terms) if self.analyzer == "project" or text is None else text
        if not query.strip():
            return _empty()
        lite = self._connection.is_lite
        if self._stats is None:
            rows, scores = self._search([query], "sparse", k, allowed, _bm25_params, lambda d: bm25_scores(d, lite))
        else:
            stats = self._stats
            texts: list[str] = []
            rows, _ = self._search([query], "sparse", OVERFETCH * k, allowed, _bm25_params,
                                   lambda d: bm25_scores(d, lite), output=["text"], texts=texts)
            scores = np.array([stats.score(query_terms, t) for t in texts], dtype=np.float32)
            order = np.lexsort((rows, -scores))[:k]
            rows, scores = rows[order], scores[order]
        keep = scores > 0
        return rows[keep], scores[keep]

    def scores(self, query_terms: Sequence[str]) -> np.ndarray:
        """The BM25 score of every row (zeros where none); one search of up to 16,384 rows."""
        out = np.zeros(len(self), dtype=np.float32)
        rows, scores = self.top(query_terms, min(len(self), MAX_LIMIT))
        out[rows] = scores
        return out

    def _search(self, data: list, field: str, k: int, allowed: np.ndarray | None,
                params: Callable[[int], dict], to_scores: Callable[[list[float]], np.ndarray],
                output: list[str] | None = None, texts: list[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(row ids, scores) of the ``k`` best rows of this build; with ``output``, their texts go to ``texts``.

        Rows of the collection this build does not know (a newer sync's, or ones retired for the build
        before) and rows a mask drops after the search would take places among the results, so the search
        asks for that many more, and again for twice as many while it comes back full but short.
        """
        k = min(k, len(self), MAX_LIMIT)
        expr, post = self._filter(allowed)
        if k <= 0 or expr is None:
            return _empty()
        limit = min(MAX_LIMIT, k + self.unknown_rows + (64 if post is not None else 0))
        while True:
            try:
                hits = self._connection.client.search(
                    self.collection, data=data, anns_field=field, limit=limit, filter=expr,
                    search_params=params(limit), output_fields=output or [],
                )[0]
            except Exception as exc:  # the engine's own errors: one kind for the reader to report
                raise BackendUnavailableError(
                    f"Milvus search failed at {self._connection.describe()}: {first_line(exc)}"
                ) from exc
            found = np.asarray([self._row_of.get(str(hit["id"] if "id" in hit else hit["key"]), -1) for hit in hits],
                               dtype=np.int64)
            keep = found >= 0
            if post is not None:
                keep &= post[np.maximum(found, 0)]
            if int(keep.sum()) >= k or len(hits) < limit or limit >= MAX_LIMIT:
                break
            limit = min(MAX_LIMIT, 2 * limit)
        scores = to_scores([float(hit["distance"]) for hit in hits])
        if texts is not None:
            found_texts = [str(hit.get("entity", {}).get("text", "")) for hit in hits]
            texts.extend(t for t, kept in zip(found_texts, keep, strict=True) if kept)
            del texts[k:]
        return found[keep][:k], np.asarray(scores, dtype=np.float32)[keep][:k]

    def _filter(self, allowed: np.ndarray | None) -> tuple[str | None, np.ndarray | None]:
        """(the Milvus filter for ``allowed``, a mask still to apply after); filter None: nothing is allowed.

        A mask that is a date window (every dated row inside ``[since, until]`` and nothing else, undated
        rows all in or all out) becomes a date filter; any other, a key filter (or, past
        :data:`KEY_FILTER_LIMIT` rows, the mask applied to the results).
        """
        if allowed is None:
            return "", None
        allowed = np.asarray(allowed, dtype=bool)
        if allowed.all():
            return "", None
        if not allowed.any():
            return None, None
        dates = self._dates
        dated = dates != UNDATED
        undated_in = allowed[~dated]
        if undated_in.all() or not undated_in.any():
            inside = allowed & dated
            if not inside.any():
                return f"date == {UNDATED}", None
            since, until = int(dates[inside].min()), int(dates[inside].max())
            if np.array_equal(inside, dated & (dates >= since) & (dates <= until)):
                return date_filter(since, until, bool(undated_in.any())), None
        chosen = np.flatnonzero(allowed)
        if len(chosen) > KEY_FILTER_LIMIT:
            return "", allowed
        return key_filter([str(k) for k in self._keys[chosen].tolist()]), None

    # Saving and reading back.

    def save(self, folder: Path) -> Entry:
        """Write this build's keys and dates into ``folder``; return the manifest entry (no secret in it)."""
        np.save(folder / KEYS, self._keys)
        np.save(folder / DATES, self._dates)
        np.save(folder / RETIRED, np.asarray(sorted(self.retired), dtype=str))
        if self._stats is not None:
            stats = self._stats
            (folder / STATS).write_text(json.dumps({"rows": stats.rows, "mean_length": stats.mean_length,
                                                    "frequency": stats.frequency}), encoding="utf-8")
        return {
            "kind": self.kind,
            "uri": self._connection.describe(),
            "collection": self.collection,
            "alias": self.alias,
            "analyzer": self.analyzer,
            "stated_recall": self.stated_recall,
        }

    @classmethod
    def load(cls, folder: Path, entry: Entry, connection: Connection) -> MilvusPassageStore:
        """The store of a build: its keys and dates from ``folder``, its rows in Milvus at ``connection``."""
        collection = str(entry["collection"])
        try:
            present = connection.client.has_collection(collection)
        except Exception as exc:
            raise BackendUnavailableError(f"cannot reach Milvus at {connection.describe()}: {exc}") from exc
        if not present:
            raise BackendUnavailableError(f"Milvus at {connection.describe()} has no collection {collection!r}")
        try:
            connection.client.load_collection(collection)
        except Exception as exc:
            raise BackendUnavailableError(
                f"Milvus at {connection.describe()} cannot load collection {collection!r}: {first_line(exc)}"
            ) from exc
        keys = np.load(folder / KEYS, allow_pickle=False)
        dates = np.load(folder / DATES, allow_pickle=False)
        stats = None
        if (folder / STATS).exists():
            raw = json.loads((folder / STATS).read_text(encoding="utf-8"))
            stats = Bm25Stats(int(raw["rows"]), float(raw["mean_length"]), dict(raw["frequency"]))
        store = cls(connection, collection, str(entry["alias"]), str(entry["analyzer"]), keys, dates,
                    float(entry.get("stated_recall", 1.0)), stats)  # type: ignore[arg-type]
        if (folder / RETIRED).exists():
            store.retired = frozenset(str(k) for k in np.load(folder / RETIRED, allow_pickle=False).tolist())
        store.count_unknown()
        return store


def _bm25_params(limit: int) -> dict:
    return {"metric_type": "BM25"}


def _empty() -> tuple[np.ndarray, np.ndarray]:
    return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)


# Writing.

def sync(connection: Connection, alias: str, rows: PassageRows, analyzer: str,
         previous: MilvusPassageStore | None, progress: Progress | None = None,
         reusable: bool = True, owner: str = "") -> tuple[MilvusPassageStore, int]:
    """Write ``rows`` to Milvus; (the new build's store, how many rows were written).

    With a ``previous`` store whose vectors are ``reusable`` (same model and chunking: the writer knows),
    of the same alias, analyzer and dimension, and whose collection still exists, only the keys it lacks
    are upserted into its collection; otherwise a new collection is made and every row written. Nothing
    is deleted and the alias is not moved here: see :func:`finish`. ``owner`` (the index folder) is kept in
    the collection's properties; an alias whose collection another folder owns is refused.

    Raises:
        BackendUnavailableError: the alias belongs to another index folder.
    """
    client = connection.client
    _check_owner(connection, alias, owner)
    dimension = int(rows.vectors.shape[1])
    reuse = (
        reusable and previous is not None and previous.alias == alias and previous.analyzer == analyzer
        and client.has_collection(previous.collection)
        and _dimension(connection, previous.collection) == dimension
    )
    if reuse and previous is not None:
        collection, known = previous.collection, previous.keys
    else:
        stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
        collection, known = f"{alias}_{stamp}_{time.monotonic_ns() % 10_000:04d}", frozenset()
        _create(connection, collection, dimension, analyzer)
    todo = [i for i, key in enumerate(rows.keys) if key not in known]
    dirty = reuse and _property(connection, collection, SYNC_PROPERTY) == "running"
    client.alter_collection_properties(collection, properties={SYNC_PROPERTY: "running", OWNER_PROPERTY: owner})
    for start in range(0, len(todo), BATCH):
        batch = todo[start: start + BATCH]
        client.upsert(collection, [_row(rows, i) for i in batch])
        if progress is not None:
            progress("writing to Milvus", start + len(batch), len(todo))
    client.flush(collection)
    client.load_collection(collection)
    _, _, recall = vector_index(connection.is_lite)
    stats = Bm25Stats.of(rows.texts) if analyzer == "project" else None
    store = MilvusPassageStore(connection, collection, alias, analyzer, np.asarray(rows.keys), rows.dates, recall,
                               stats)
    store.dirty = dirty
    if reuse and previous is not None:
        store.retired = previous.keys - store.keys
    store.count_unknown()
    return store, len(todo)


def finish(store: MilvusPassageStore, previous: MilvusPassageStore | None, manifest: dict[str, object]) -> int:
    """After the build of ``store`` went live: delete rows no kept build needs, point the alias, record the manifest.

    Returns how many rows were deleted. The build before this one stays in the index folder (a replica
    may still be reading it, and it is the way back), so its rows stay too: when the collection was
    reused, the rows deleted now are those the previous build retired (the one before it had them), or,
    after a sync that died, every row neither build knows. When the collection is new, the alias moves to
    it and this alias's collections older than the previous one are dropped.
    """
    client = store._connection.client
    deleted: list[str] = []
    if previous is not None and previous.collection == store.collection:
        if store.dirty:
            deleted = sorted(_all_keys(store) - store.keys - previous.keys)
        else:
            deleted = sorted(previous.retired - store.keys)
        for start in range(0, len(deleted), BATCH):
            client.delete(store.collection, filter=key_filter(deleted[start: start + BATCH]))
    _point_alias(client, store.alias, store.collection)
    if previous is None or previous.collection != store.collection:
        keep = {store.collection, previous.collection if previous is not None else ""}
        mine = re.compile(re.escape(store.alias) + r"_\d{14}_\d{4}")
        for name in client.list_collections():
            if mine.fullmatch(name) and name not in keep:
                client.drop_collection(name)
    summary = {k: manifest.get(k) for k in ("model", "dimension", "documents", "passages", "built_at", "format")}
    client.alter_collection_properties(
        store.collection, properties={MANIFEST_PROPERTY: json.dumps(summary), SYNC_PROPERTY: "done"}
    )
    store.count_unknown()
    return len(deleted)


def _check_owner(connection: Connection, alias: str, owner: str) -> None:
    """Refuse to build into an alias whose collection another index folder owns."""
    client = connection.client
    if not owner or not _alias_exists(client, alias):
        return
    target = client.describe_alias(alias).get("collection_name", "")
    theirs = _property(connection, target, OWNER_PROPERTY) if target else ""
    if theirs and theirs != owner:
        raise BackendUnavailableError(
            f"the Milvus alias {alias} belongs to the index at {theirs}: give this index another folder name, "
            "or another QA_BOT_MILVUS_PREFIX"
        )


def _point_alias(client: object, alias: str, collection: str) -> None:
    """Make ``alias`` point at ``collection``: created, moved, or left as it is."""
    if _alias_exists(client, alias):
        if alias not in client.list_aliases(collection_name=collection).get("aliases", []):  # type: ignore[attr-defined]
            client.alter_alias(collection, alias)  # type: ignore[attr-defined]
    else:
        client.create_alias(collection, alias)  # type: ignore[attr-defined]


def _create(connection: Connection, collection: str, dimension: int, analyzer: str) -> None:
    from pymilvus import DataType, Function, FunctionType

    client, lite = connection.client, connection.is_lite
    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("key", DataType.VARCHAR, max_length=64, is_primary=True)
    schema.add_field("doc_id", DataType.VARCHAR, max_length=1024)
    schema.add_field("title", DataType.VARCHAR, max_length=2048)
    schema.add_field("url", DataType.VARCHAR, max_length=2048)
    schema.add_field("iso_date", DataType.VARCHAR, max_length=64)
    schema.add_field("date", DataType.INT64)
    schema.add_field("text", DataType.VARCHAR, max_length=MAX_TEXT, enable_analyzer=True,
                     analyzer_params=analyzer_params(analyzer, lite))
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["text"],
                                 output_field_names=["sparse"]))
    kind, build, _ = vector_index(lite)
    indexes = client.prepare_index_params()
    indexes.add_index(field_name="vector", index_type=kind, metric_type="IP", params=index_params(build, lite))
    indexes.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                      params=index_params({"bm25_k1": 1.5, "bm25_b": 0.75}, lite))
    if not lite:
        indexes.add_index(field_name="date", index_type="STL_SORT")
    client.create_collection(collection, schema=schema)
    # Lite lacks AllocTimestamp, which waiting for an index build calls: it is not waited for there.
    client.create_index(collection, indexes, **index_wait(lite))


def _row(rows: PassageRows, i: int) -> dict[str, object]:
    return {
        "key": rows.keys[i], "doc_id": rows.doc_ids[i][:1024], "title": rows.titles[i][:2048],
        "url": rows.urls[i][:2048], "iso_date": rows.iso_dates[i][:64], "date": int(rows.dates[i]),
        "text": rows.texts[i][:MAX_TEXT], "vector": rows.vectors[i].astype(np.float32).tolist(),
    }


def _dimension(connection: Connection, collection: str) -> int:
    for field in connection.client.describe_collection(collection).get("fields", []):
        if field.get("name") == "vector":
            return int(field.get("params", {}).get("dim", 0))
    return 0


def _property(connection: Connection, collection: str, name: str) -> str:
    properties = connection.client.describe_collection(collection).get("properties", {})
    return str(properties.get(name, ""))


def _all_keys(store: MilvusPassageStore) -> frozenset[str]:
    """Every key in the store's collection, read in batches (after a sync that died, to find its leftovers)."""
    iterator = store._connection.client.query_iterator(store.collection, batch_size=1000, filter='key != ""',
                                                       output_fields=["key"])
    found: set[str] = set()
    try:
        while batch := iterator.next():
            found.update(str(row["key"]) for row in batch)
    finally:
        iterator.close()
    return frozenset(found)


def _alias_exists(client: object, alias: str) -> bool:
    return alias in client.list_aliases().get("aliases", [])  # type: ignore[attr-defined]
