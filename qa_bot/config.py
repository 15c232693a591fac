"""Settings: one pydantic-settings class, read from ``QA_BOT_*`` variables and an optional ``.env``.

Only entry points build a ``Settings``; every other module takes it, its option groups or plain values
as arguments.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from qa_bot.errors import ConfigError

OFF = frozenset({"", "off", "none", "false", "0", "no", "disabled"})
"""The words that turn an optional part off (``QA_BOT_RERANKER=off``, ``QA_BOT_QUESTION_LOG=off``)."""
ON = frozenset({"on", "true", "1", "yes", "enabled"})
"""Words that would turn a log on, but name no file: refused, so no file named "yes" is made."""

DEFAULT_MODEL = "all-MiniLM-L6-v2"
SLACK_API_URL = "https://slack.com/api/"


class BuildOptions(BaseModel):
    """How articles become passages, and how passages are searched: what an index build takes."""

    sentences_per_passage: int = Field(4, ge=1, le=20, description="Sentences in a passage at most.")
    passage_overlap: int = Field(1, ge=0, le=10, description="Sentences shared by neighbouring passages.")
    approximate_from: int = Field(
        50_000, ge=0, description="Passages from which passage search is approximate (IVF-SQ8); 0: always exact."
    )
    vector_store: str = Field(
        "faiss",
        description="Engine of the passage vector store, a name in qa_bot.index.stores.VECTOR_STORES (the one "
        "list of them, checked when a build starts): faiss, or numpy (brute force, for tests).",
    )


class AnswerOptions(BaseModel):
    """Everything that shapes one answer, from retrieval to the quotes; ``QAPipeline.ask`` takes one."""

    max_quotes: int = Field(3, ge=1, le=10, description="Quotes in an answer at most.")
    max_quote_chars: int = Field(400, ge=80, le=4000, description="Longest quote.")
    candidates: int = Field(40, ge=1, le=1000, description="Passages each retriever returns.")
    fusion: Literal["weighted", "rrf"] = Field("weighted", description="How dense and keyword scores are fused.")
    dense_weight: float = Field(0.6, ge=0.0, le=1.0, description="Dense share of the fused score.")
    passages_for_quotes: int = Field(8, ge=1, le=100, description="Best passages searched for quotes.")
    abstain_threshold: float = Field(
        0.5, ge=0.0, le=1.0, description="Below this confidence the bot says the articles do not answer."
    )
    # Confidence = logistic(a * best-ranked sentence cosine + b * share of question terms in the best passage + c),
    # fitted by scripts/fit_confidence.py on answerable questions (held-out SQuAD train articles on their
    # paragraphs, the news set's dev half) against unanswerable ones (those SQuAD questions asked of the
    # bundled articles, off-topic questions); no test set is read.
    confidence_cosine: float = Field(23.1, ge=0.0, description="Confidence model: weight of the cosine.")
    confidence_coverage: float = Field(11.8, ge=0.0, description="Confidence model: weight of term coverage.")
    confidence_bias: float = Field(-12.2, description="Confidence model: bias.")
    # The same model with the reranker's best probability as an input, used when the reranker read the
    # question; fitted by scripts/fit_confidence.py on held-out SQuAD train articles and the news set's dev
    # half (no test set), on the questions it read.
    confidence_rr_cosine: float = Field(20.1, ge=0.0, description="Confidence with the reranker: cosine weight.")
    confidence_rr_coverage: float = Field(8.5, ge=0.0, description="Confidence with the reranker: coverage weight.")
    confidence_rr_reranker: float = Field(5.8, ge=0.0, description="Confidence with the reranker: its weight.")
    confidence_rr_bias: float = Field(-11.2, description="Confidence with the reranker: bias.")
    duplicate_similarity: float = Field(
        0.85, ge=0.0, description="Cosine from which two sentences count as one, shown once (>1: never)."
    )
    # One story told by several articles (a syndicated copy, a rewrite) gives one quote with its other sources;
    # chosen on the news set's same-story pairs, synthetic rewrites and the bundled pair (qa_bot/answer/stories.py).
    story_match: float = Field(0.7, ge=0.0, le=1.0, description="Cosine from which two articles' sentences match.")
    story_overlap: float = Field(
        0.35, ge=0.0, description="Share of matching sentences from which two articles tell one story (>1: never)."
    )
    story_align: float = Field(
        0.6, ge=0.0, le=1.0,
        description="Cosine from which a sentence's closest one in the other article is its counterpart.",
    )
    sentence_weight: float = Field(0.5, ge=0.0, description="Sentence score: weight of its cosine.")
    keyword_weight: float = Field(0.2, ge=0.0, description="Sentence score: weight of its BM25.")
    passage_weight: float = Field(0.3, ge=0.0, description="Sentence score: weight of its passage's score.")
    type_weight: float = Field(0.1, ge=0.0, description="Sentence score: bonus for the kind of answer asked for.")
    relative_floor: float = Field(
        0.75, ge=0.0, le=1.0, description="A quote must score at least this share of the best one."
    )
    neighbour_ratio: float = Field(
        0.8, ge=0.0, description="A neighbouring sentence joins a quote when it scores this share of it (>1: never)."
    )
    read_in_context: bool = Field(True, description="Also read each sentence together with the one before it.")
    # The recency prior's three values were chosen on the dev half of data/eval/wikinews (split by story);
    # its test half is only reported.
    time_aware: bool = Field(
        True, description="Read the question as of its date: no later articles, time words as a window, recency."
    )
    recency_weight: float = Field(
        0.2, ge=0.0, le=1.0, description="Sentence score: bonus of an article as new as the question (halving)."
    )
    recency_half_life_days: float = Field(
        7.0, gt=0.0, description="Days after which an article's recency bonus is halved."
    )
    latest_weight: float = Field(
        0.5, ge=0.0, le=1.0, description="The recency bonus when the question asks for the latest."
    )
    recent_days: int = Field(30, ge=1, le=3650, description='Days that "recently" reaches back.')
    # Chosen on the held-out SQuAD train articles (scripts/squad_dev_set.py) and the news set's dev half, never
    # on xquad_en: trained on the answer stage's own candidates, the reranker orders 5 of them better than 3
    # (news dev answer_hit@1 0.526 -> 0.572, SQuAD 0.815 -> 0.817), for about 8 ms more at the warm median.
    rerank_top: int = Field(5, ge=1, le=100, description="Best candidate sentences the reranker reads.")
    rerank_weight: float = Field(0.4, ge=0.0, le=1.0, description="Reranker share of a sentence's score.")
    # A lead this clear is kept without asking the reranker: on the tuning sets it skips about 4 questions in
    # 10 for 0.2 points of answer_hit@1 on the SQuAD articles and none on the news dev half.
    rerank_margin: float = Field(
        0.1, ge=0.0, description="The reranker reads only when the best sentence leads the next by less than this."
    )
    # Measured on the tuning sets (held-out SQuAD train articles, the news set's dev half, the follow-ups rewritten
    # to stand alone) and checked on 60 questions about details of news stories, written blind and not tuned on
    # (qa_bot/answer/details.py).
    story_details: bool = Field(
        True, description="A question that describes its story is asked again inside that story, without the words "
                          "its opening holds, for the detail it asks about.",
    )
    # Measured on the follow-up pairs (scripts/followups.py): 0.825 -> 0.850 on the pairs the rules were tuned on;
    # over all 100 pairs margins from 0 to 0.1 read the same.
    followup_margin: float = Field(
        0.1, ge=0.0, le=1.0,
        description="A follow-up's first quote that repeats the thread's answer gives way to a new one only when "
                    "the reranker, reading the follow-up alone, scores that one this much higher.",
    )


def beside_index(index_dir: Path, name: str) -> Path:
    """``name`` in the folder that holds the index folder ``index_dir`` (``index/.models`` for ``index/default``).

    The index folder is a link to its live build once built; the link is not followed, so the path is the same
    before the first build and after it, and every build shares what is kept there.
    """
    return Path(os.path.abspath(index_dir)).parent / name


class Settings(BaseSettings, BuildOptions, AnswerOptions):
    """Every setting of qa-bot, read once by an entry point; CLI flags override these.

    The build and answer options are declared once, in :class:`BuildOptions` and :class:`AnswerOptions`,
    and read here from the same ``QA_BOT_*`` variables as every other setting.
    """

    model_config = SettingsConfigDict(
        env_prefix="QA_BOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    index_dir: Path = Field(Path("index/default"), description="Folder of the index to build or ask.")
    articles_dir: Path = Field(Path("data/articles"),
                               description="Articles `index build` reads by default; where `update` and `add` save.")
    model: str = Field(
        DEFAULT_MODEL,
        description="Sentence-transformers model: a folder, or a name found offline.",
    )
    embed_backend: Literal["torch", "onnx-int8"] = Field(
        "onnx-int8", description="How the model runs: int8-quantised ONNX (about 2x faster on CPUs), or PyTorch."
    )
    model_cache_dir: Path | None = Field(
        None, description="Where exported ONNX models are kept (default: .models beside the index folder)."
    )
    batch_size: int = Field(32, ge=1, le=1024)
    threads: int = Field(0, ge=0, le=256, description="CPU threads of the ONNX model; 0: all cores.")
    # On by default: it quotes the answer first more often on the held-out SQuAD articles and the news set's
    # dev half, at about 15 ms a question (see the README's Quality section).
    reranker: str = Field(
        "bundled",
        description="Reranker: off; bundled (qa_bot/models/reranker, trained by scripts/train_reranker.py); "
        "or a CrossEncoder folder.",
    )

    backend: Literal["local", "milvus"] = Field(
        "local",
        description="Where the index lives: local (FAISS + bm25s in the index folder, the default), or milvus "
        "(a Milvus server or cluster, or Milvus Lite for tests and small teams; see milvus_uri).",
    )
    milvus_uri: str = Field(
        "index/milvus.db",
        description="Milvus to use with backend=milvus: a file path means Milvus Lite, http(s)://host:19530 a server.",
    )
    milvus_token: SecretStr | None = Field(None, description="Milvus token (user:password, or an API key).")
    milvus_prefix: str = Field("qa_bot", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", description="Collection name prefix.")
    milvus_analyzer: Literal["project", "english", "standard"] = Field(
        "project",
        description="How Milvus's BM25 reads passages: project (the project's own terms: stop words out, stemmed, "
        "as the local index; the same on Lite and a server), english (a server's English analyzer), or standard "
        "(lowercase and a stop list; on Lite english becomes this).",
    )
    state_url: SecretStr | None = Field(
        None,
        description="redis://host:6379/0 (Redis or Valkey): the Slack duplicate filter and outbox shared by "
        "bot replicas; unset, each bot keeps them in its own memory.",
    )
    question_log: Path | Literal[False] | None = Field(
        None,
        description="SQLite file of the question log (questions, answers, feedback): set, ask and the REPL log "
        "too; the Slack bot logs by default to questions.sqlite beside the index folder. off (or empty): no "
        "log at all, the Slack bot's neither.",
    )
    question_log_retention_days: int = Field(
        90, ge=1, le=3650, description="Days a question and its feedback are kept in the question log."
    )
    state_prefix: str = Field(
        "qa-bot:slack:", min_length=1, max_length=100,
        description="Put before every key in the shared state server, so several bots can share one.",
    )
    state_claim_after: float = Field(
        30.0, gt=0.0, le=3600.0,
        description="Seconds a dead replica's waiting answer sits in the shared outbox before another takes it over.",
    )

    feeds_timeout: float = Field(
        15.0, gt=0.0, le=300.0, description="Seconds a feed or page fetch may take (connecting, each read, in all)."
    )
    feeds_max_page_mb: float = Field(5.0, gt=0.0, le=100.0, description="Largest feed or page fetched, in MB.")
    feeds_host_interval: float = Field(
        1.0, ge=0.0, le=600.0, description="Seconds between two requests to the same host (robots.txt included)."
    )
    feeds_recheck_days: float = Field(
        2.0, ge=0.0, le=365.0,
        description="Articles published less than this many days ago are fetched again on each update "
        "(a conditional GET) to catch corrections; older ones only when their feed entry changes.",
    )
    feeds_allow_private: bool = Field(
        False, description="Fetch feeds and pages from loopback, private and link-local addresses too (an "
        "intranet's); off, a feed cannot make the bot read and quote an internal page.",
    )
    feeds_max_attempts: int = Field(
        5, ge=1, le=100, description="Updates that retry a page that failed before it is given up."
    )

    slack_bot_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("SLACK_BOT_TOKEN", "QA_BOT_SLACK_BOT_TOKEN", "slack_bot_token")
    )
    slack_app_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("SLACK_APP_TOKEN", "QA_BOT_SLACK_APP_TOKEN", "slack_app_token")
    )
    slack_signing_secret: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "QA_BOT_SLACK_SIGNING_SECRET", "slack_signing_secret"),
    )
    slack_api_url: str = Field(SLACK_API_URL, description="Slack Web API base URL (a proxy, or tests).")
    slack_channels: str = Field("", description="Comma-separated channel ids the bot answers in; empty: all.")
    slack_allow_bots: bool = Field(False, description="Answer messages from other bots too.")
    slack_channels_file: Path | None = Field(
        None, description="TOML file of per-channel settings (answer mode, private, sources, threshold, as-of); "
        "re-read when it changes."
    )
    slack_retry_for: float = Field(
        600.0, ge=0.0, description="Seconds an answer Slack could not take (outage, 5xx, 429) is kept and retried."
    )

    def model_cache(self) -> Path:
        """Where exported models are kept: ``model_cache_dir``, or ``.models`` beside the index folder, which
        every build and rebuild shares."""
        return self.model_cache_dir or beside_index(self.index_dir, ".models")

    @field_validator("slack_channels_file", "model_cache_dir", "slack_bot_token", "slack_app_token",
                     "slack_signing_secret", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """An empty file or folder setting is unset: it never names the current folder. An empty token or secret
        (``SLACK_SIGNING_SECRET=`` in an env file) is unset too, and refused as missing where it is needed."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("slack_api_url")
    @classmethod
    def _slack_by_default(cls, value: str) -> str:
        """An empty Web API URL is Slack's own (whether another is an http(s) URL, ``qa-bot slack`` checks)."""
        return value.strip() or SLACK_API_URL

    @field_validator("question_log", mode="before")
    @classmethod
    def _log_off(cls, value: object) -> object:
        """``QA_BOT_QUESTION_LOG=off`` (or empty, or none) turns every log off, the Slack bot's default one too."""
        if isinstance(value, str) and value.strip().lower() in ON:
            raise ValueError(f"{value.strip()!r} names no file: give the log's path (questions.sqlite), or off")
        return False if isinstance(value, str) and value.strip().lower() in OFF else value

    @field_validator("index_dir", "articles_dir", "model_cache_dir", "question_log", "slack_channels_file",
                     "milvus_uri")
    @classmethod
    def _home(cls, value: object) -> object:
        """``~`` is the home folder, as a shell would read it; an env file or a service's Environment= does not. (A
        Milvus URI is a file, Milvus Lite's, unless it names a scheme.)"""
        if isinstance(value, str) and "://" not in value and value.startswith("~"):
            return str(Path(value).expanduser())
        return value.expanduser() if isinstance(value, Path) else value

    @field_validator("index_dir", "articles_dir", mode="before")
    @classmethod
    def _not_empty(cls, value: object) -> object:
        """An empty folder setting would mean the current folder, and a build there would replace it."""
        if isinstance(value, str) and not value.strip():
            raise ValueError("empty; unset it for the default, or give a folder")
        return value

    def build_options(self) -> BuildOptions:
        """The build options of these settings."""
        return BuildOptions.model_validate(self.model_dump(include=set(BuildOptions.model_fields)))

    def answer_options(self) -> AnswerOptions:
        """The answer options of these settings."""
        return AnswerOptions.model_validate(self.model_dump(include=set(AnswerOptions.model_fields)))

    @property
    def slack_channel_allowlist(self) -> frozenset[str]:
        """The channel ids of ``slack_channels`` (empty: every channel is allowed)."""
        return frozenset(c.strip() for c in self.slack_channels.split(",") if c.strip())


def load_settings(**overrides: Any) -> Settings:
    """Read the settings from the environment, then apply non-None ``overrides`` (CLI flags).

    Raises:
        ConfigError: a value does not validate.
    """
    from qa_bot.redact import register_secrets

    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        settings = Settings(**given)
    except UnicodeDecodeError as exc:
        raise ConfigError(f"cannot read .env: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        if where in Settings.model_fields:  # the variable a person set (or the flag that overrides it)
            where = f"{where} (QA_BOT_{where.upper()})"
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigError(f"invalid setting {where}: {message}") from None  # the input may be a token
    tokens = (
        settings.slack_bot_token,
        settings.slack_app_token,
        settings.slack_signing_secret,
        settings.milvus_token,
        settings.state_url,
    )
    register_secrets(*(t.get_secret_value() for t in tokens if t is not None))
    return settings


BENCH_VARIABLES = frozenset({"QA_BOT_MILVUS_TEST_URI", "QA_BOT_MILVUS_TEST_TOKEN"})
"""Read by scripts/bench.py and scripts/bench_backends.py, not by a setting."""


def known_variables() -> set[str]:
    """Every environment variable a setting is read from."""
    names = set()
    for name, field in Settings.model_fields.items():
        names.add(f"QA_BOT_{name.upper()}")
        choices = getattr(field.validation_alias, "choices", ())
        names.update(str(choice).upper() for choice in choices)
    return names


def unknown_variables(names: Iterable[str], env_file: Path = Path(".env")) -> list[str]:
    """A warning for each ``QA_BOT_*`` variable among ``names`` (the environment's) or in ``env_file`` that no
    setting reads: a typo (``QA_BOT_INDEX``) would otherwise leave the default in force without a word."""
    import difflib

    from dotenv import dotenv_values

    given = {name for name in names if name.upper().startswith("QA_BOT_")}
    try:
        given |= {name for name in dotenv_values(env_file) if name.upper().startswith("QA_BOT_")}
    except (OSError, UnicodeDecodeError):
        pass  # said when the settings are read
    known = known_variables() | BENCH_VARIABLES
    warnings = []
    for name in sorted(given):
        if name.upper() not in known:
            close = difflib.get_close_matches(name.upper(), known, n=1, cutoff=0.8)
            warnings.append(f"unknown setting {name} is ignored" + (f" (did you mean {close[0]}?)" if close else ""))
    return warnings
