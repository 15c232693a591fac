"""From a question to an answer: retrieve passages, score their sentences, quote the best ones.

Stages, one module each:

- :mod:`.in_time`: answering as of a moment (no later article, the window the question's time words
  name, read by :mod:`.time_words`, and the fallback outside it);
- :mod:`.retrieve`: dense and keyword passages, fused;
- :mod:`.sentences`: each candidate sentence scored, with the recency prior;
- :mod:`.quotes`: quotes, duplicates, disagreement, abstention;
- :mod:`.confidence`: the calibrated model and its fit;
- :mod:`.answer_type`: what kind of answer a question asks for; :mod:`.rerank`: an optional cross-encoder.

All of them read the index through :class:`qa_bot.index.Index`.
"""
