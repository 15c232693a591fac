"""scripts/train_reranker.py end to end on a tiny SQuAD excerpt: pairs, fine-tuning, int8 export, model card."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from qa_bot.answer.rerank import load_reranker

from ..conftest import ROOT

TINY = ROOT / "tests" / "data" / "squad_tiny.json"


def train(out, seed=3, *extra):
    command = [sys.executable, str(ROOT / "scripts" / "train_reranker.py"), "--squad", str(TINY), "--out", str(out),
               "--questions", "70", "--dev-articles", "1", "--dev-questions", "20", "--layers", "1",
               "--batch-size", "16", "--lr", "1e-4", "--seed", str(seed), "--no-progress", *extra]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.run(command, capture_output=True, text=True, timeout=600, env=env, cwd=ROOT)


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    """A tiny reranker trained with the defaults and seed 3 (shared: two tests compare against it)."""
    folder = tmp_path_factory.mktemp("plain") / "model"
    done = train(folder)
    assert done.returncode == 0, done.stderr
    return folder


def test_a_tiny_reranker_trains_exports_and_loads_deterministically(tmp_path, plain):
    folder = plain
    assert {p.name for p in folder.iterdir()} >= {"model.onnx", "tokenizer.json", "reranker.json", "MODEL_CARD.md",
                                                  "LICENSE.md"}
    facts = json.loads((folder / "reranker.json").read_text())
    assert facts["layers"] == 1 and facts["seed"] == 3 and facts["data"]["train_articles"] == 2
    assert 150 <= facts["data"]["pairs"] <= 400  # a few hundred question/sentence pairs
    assert facts["final_loss"] < 0.69  # below a coin's binary cross-entropy: it learned something
    assert 0.0 <= facts["metrics"]["reranker"]["sentence_at_1"] <= 1.0
    card = (folder / "MODEL_CARD.md").read_text()
    assert "CC BY-SA 4.0" in card and "--seed 3" in card
    assert not (folder.parent / ".model.tmp").exists()  # written through a staging folder, renamed at the end

    reranker = load_reranker(str(folder))
    question = "Where is the Grotto at Notre Dame?"
    texts = ["Immediately behind the basilica is the Grotto, a Marian place of prayer and reflection.",
             "Beyoncé Giselle Knowles-Carter is an American singer, songwriter and actress."]
    scores = reranker.score(question, texts)
    assert scores.shape == (2,) and np.all((0 <= scores) & (scores <= 1))

    again = train(tmp_path / "b")  # the same seed: the same model
    assert again.returncode == 0, again.stderr
    assert np.allclose(load_reranker(str(tmp_path / "b")).score(question, texts), scores, atol=1e-6)


def test_a_reranker_can_also_train_on_the_answer_stages_own_candidates(tmp_path):
    plain = train(tmp_path / "plain", 3, "--elsewhere", "0")
    mined = train(tmp_path / "mined", 3, "--elsewhere", "0", "--mined", "3", "--mine-index", str(tmp_path / "mining"))
    assert plain.returncode == 0 and mined.returncode == 0, plain.stderr + mined.stderr
    facts = json.loads((tmp_path / "mined" / "reranker.json").read_text())
    before = json.loads((tmp_path / "plain" / "reranker.json").read_text())["data"]["pairs"]
    # the training articles were indexed (one group: both fit in 40) and each question asked of them
    assert (tmp_path / "mining" / "group-00" / "corpus.jsonl").is_file()
    assert facts["mined"] == 3 and 0 < facts["data"]["mined_readings"] <= 3 * 70
    assert before < facts["data"]["pairs"] <= before + facts["data"]["mined_readings"]  # new readings only
    assert "answer stage's own 3 best candidates" in (tmp_path / "mined" / "MODEL_CARD.md").read_text()


def test_a_reranker_can_also_train_on_questions_asked_as_follow_ups(tmp_path, plain):
    forms = train(tmp_path / "forms", 3, "--followups", "1.0")
    assert forms.returncode == 0, forms.stderr
    before = json.loads((plain / "reranker.json").read_text())
    facts = json.loads((tmp_path / "forms" / "reranker.json").read_text())
    assert facts["followups"] == 1.0 and facts["followup_questions"] >= 1  # Notre Dame's and Beyoncé's questions
    assert facts["data"]["pairs"] > before["data"]["pairs"]
    # Montana's questions, held out, are asked as follow-ups for the card's metrics, with forms trained or not
    assert before["metrics"]["followup_questions"] == facts["metrics"]["followup_questions"] >= 1
    assert "asked as a follow-up" in (tmp_path / "forms" / "MODEL_CARD.md").read_text()
