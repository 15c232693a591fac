"""The measurement scripts, run on small inputs."""

from __future__ import annotations

import importlib.util

import numpy as np

from ..conftest import ROOT
from ..unit.index.test_stores import clustered


def test_the_scale_benchmark_measures_both_indexes_and_draws_them(tmp_path):
    spec = importlib.util.spec_from_file_location("bench_scale", ROOT / "scripts" / "bench_scale.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    base = clustered(300, dimension=48)
    synthetic = bench.synthetic(base, 5000, seed=1)
    assert synthetic.shape == (5000, 48) and np.allclose(np.linalg.norm(synthetic, axis=1), 1.0, atol=1e-5)
    assert not np.any(np.isin(synthetic, base).all(axis=1))  # noise added: no real vector is copied
    rows = bench.run(base, bench.synthetic(base, 50, seed=99), [2000, 5000])
    assert [r["passages"] for r in rows] == [2000, 5000] and all(r["approx kind"] == "ivf-sq8" for r in rows)
    assert all(r["recall@10 (questions)"] >= 0.9 and r["approx MB"] < r["exact MB"] for r in rows)
    bench.plot(rows, tmp_path / "scale.png")
    assert (tmp_path / "scale.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_backend_benchmark_builds_and_searches_the_same_data_on_both_backends(tmp_path):
    from qa_bot.index import LOCAL, Backend
    from qa_bot.ingest.read import read_articles

    from ..conftest import ARTICLES, FakeEmbedder

    spec = importlib.util.spec_from_file_location("bench_backends", ROOT / "scripts" / "bench_backends.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    documents = bench.copies_of(read_articles([ARTICLES]).documents, 3)
    assert len({d.doc_id for d in documents}) == len({d.text for d in documents}) == 6
    embedder = bench.CachedEmbedder(FakeEmbedder())
    questions = ["Who is David Schenker?", "Where did the drone crash?", "What did Iran warn?"]
    vectors = embedder.encode_queries(questions)
    rows = [bench.measure(name, backend, documents, embedder, vectors, questions, tmp_path)
            for name, backend in (("local", LOCAL), ("lite", Backend("milvus", str(tmp_path / "lite.db"))))]
    assert rows[0]["passages"] == rows[1]["passages"] > 0
    assert all(r["recall@10"] >= 0.9 and r["dense p50 ms"] >= 0 for r in rows)  # ties among the copies aside
    assert "| backend | articles |" in bench.table([{"articles": 6, **r, "backend": "x"} for r in rows])


def test_the_follow_up_measurement_reads_pairs_alone_and_with_their_thread(tmp_path):
    import json
    import subprocess
    import sys

    from ..helpers import cli_env

    pairs = [json.loads(line) for line in (ROOT / "data/eval/followups/pairs.jsonl").read_text().splitlines()]
    chosen = [p for p in pairs if p["id"] in {"fu-001", "fu-002", "fu-003"}]
    assert [p["corpus"] for p in chosen] == ["bundled"] * 3
    (tmp_path / "pairs.jsonl").write_text("".join(json.dumps(p) + "\n" for p in chosen))
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "followups.py"), "--pairs",
                           str(tmp_path / "pairs.jsonl"), "--show", "--no-standalone"],
                          cwd=tmp_path, env=cli_env(tmp_path), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "| all | 3 | alone |" in done.stdout and "| all | 3 | with the thread |" in done.stdout
    assert "| all | 3 | rewritten by hand |" in done.stdout  # each pair's follow-up rewritten to stand alone
    assert "Standalone news questions" not in done.stdout  # --no-standalone: no news index, no news questions
    shown = {line.split(":")[0]: line for line in done.stderr.splitlines() if line.startswith("fu-00")}
    assert set(shown) == {"fu-001", "fu-002", "fu-003"}
    # "When did it crash?" after "Where did the defective drone crash?": read with it, and answered.
    assert shown["fu-002"].split()[2] == "hit" and "(defective drone crash)" in shown["fu-002"]


def test_the_folding_measurement_shows_one_story_once_on_the_bundled_pair_and_rewrites(tmp_path):
    import subprocess
    import sys
    from types import SimpleNamespace

    from ..conftest import load_script
    from ..helpers import cli_env

    folding = load_script("story_folding")
    assert folding.sentences_of('He said, "It\'s crazy." This was his second. “Quoted” too.') == [
        'He said, "It\'s crazy."', "This was his second.", "“Quoted” too."]
    folding.FACTS.update({"a": [(10, 0), (20, 1)], "a-rw": [(12, 0), (30, 1)]})
    quote = lambda doc, start: SimpleNamespace(doc_id=doc, start=start)  # noqa: E731
    assert folding.repeats(SimpleNamespace(quotes=[quote("a", 0), quote("a", 5)])) == 0  # one article: two facts
    assert folding.repeats(SimpleNamespace(quotes=[quote("a", 0), quote("a-rw", 0)])) == 1  # its rewrite: the same

    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "story_folding.py"), "--articles", "3"],
                          cwd=tmp_path, env=cli_env(tmp_path), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    cells = [line.split(" | ") for line in done.stdout.splitlines() if line.startswith(("| bundled", "| news"))]
    rows = {(row[0].lstrip("| "), row[1]): row for row in cells}
    bundled_off, bundled_on = rows[("bundled pair", "off")], rows[("bundled pair", "on (default)")]
    assert float(bundled_on[7]) < float(bundled_off[7])  # fewer slots: the rewrite's copies folded away
    assert float(bundled_on[8].strip(" |")) > 0.5 > float(bundled_off[8].strip(" |"))  # named under "also in"
    news_on = rows[("news + copies + rewrites", "on (default)")]
    assert float(news_on[8].strip(" |")) == 1.0 and int(news_on[5]) == 0  # no repeated slot


def test_the_rebuild_script_builds_rebuilds_and_says_what_it_takes(tmp_path):
    import subprocess
    import sys

    from ..helpers import assert_one_line_error, cli_env

    def rebuild(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(ROOT / "scripts" / "rebuild_index.py"), *args], cwd=tmp_path,
                              env=cli_env(tmp_path), capture_output=True, text=True, timeout=600)

    shown = rebuild("--help")
    assert shown.returncode == 0 and shown.stdout.startswith("Rebuild the index after articles were added")
    assert "Usage: scripts/rebuild_index.py [OPTIONS]" in shown.stdout and "-v (or --verbose)" in shown.stdout
    assert "--articles" in shown.stdout and "index build" not in shown.stdout
    assert rebuild("-h").stdout == shown.stdout
    index = tmp_path / "index"
    first = rebuild("--articles", str(ROOT / "data" / "articles"), "--index", str(index))
    assert first.returncode == 0 and "Indexed 2 documents" in first.stdout + first.stderr
    again = rebuild("--index", str(index), "-v", "--articles", str(ROOT / "data" / "articles"))  # -v anywhere
    assert again.returncode == 0 and "reused" in again.stdout + again.stderr and "embedded 0 texts" in again.stdout
    assert_one_line_error(rebuild("--articles", str(tmp_path / "missing"), "--index", str(index)), "missing")


def test_the_rebuild_script_run_by_a_python_without_the_project_says_which_python_to_use(tmp_path):
    """Cron runs ``python3`` from its own PATH: one line naming the project's Python, not a traceback."""
    import subprocess
    import sys

    from ..helpers import cli_env

    # -S: no site-packages, so neither the project nor its libraries can be imported (as in a system Python).
    ran = subprocess.run([sys.executable, "-S", str(ROOT / "scripts" / "rebuild_index.py"), "--help"], cwd=tmp_path,
                         env=cli_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert ran.returncode == 1 and "Traceback" not in ran.stderr
    assert ran.stderr.strip().splitlines() == [ran.stderr.strip()]
    assert "is not installed for" in ran.stderr and ".venv/bin/python scripts/rebuild_index.py" in ran.stderr
