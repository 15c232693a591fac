"""From a question to an answer: retrieve passages, score their sentences, quote the best ones.

Stages, one module each: :mod:`.retrieve` (dense + keyword passages, fused), :mod:`.sentences` (each
candidate sentence scored), :mod:`.quotes` (quotes, duplicates, abstention), :mod:`.confidence` (the
calibrated model and its fit), :mod:`.answer_type` (what kind of answer a question asks for) and
:mod:`.rerank` (an optional cross-encoder). All of them read the index through :class:`qa_bot.index.Index`.
"""
