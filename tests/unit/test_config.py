"""Settings: every tunable declared once, read from the same QA_BOT_* names, handed to stages as option groups."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qa_bot.config import AnswerOptions, BuildOptions, Settings, load_settings, unknown_variables
from qa_bot.errors import ConfigError


def test_the_option_groups_are_settings_declared_once():
    declared = [set(cls.__annotations__) - {"model_config"} for cls in (Settings, AnswerOptions, BuildOptions)]
    for i, first in enumerate(declared):
        for second in declared[i + 1:]:
            assert not first & second, f"declared twice: {first & second}"
    for group in (AnswerOptions, BuildOptions):
        assert set(group.model_fields) <= set(Settings.model_fields)
        assert all(field.description for field in group.model_fields.values()), "every option says what it does"


def test_options_are_read_from_the_environment_by_their_plain_names(monkeypatch):
    monkeypatch.setenv("QA_BOT_MAX_QUOTES", "5")
    monkeypatch.setenv("QA_BOT_SENTENCE_WEIGHT", "0.7")
    monkeypatch.setenv("QA_BOT_SENTENCES_PER_PASSAGE", "3")
    settings = load_settings(dense_weight=0.4)
    answer, build = settings.answer_options(), settings.build_options()
    assert (answer.max_quotes, answer.sentence_weight, answer.dense_weight) == (5, 0.7, 0.4)
    assert build.sentences_per_passage == 3 and build.vector_store == "faiss"


def test_a_bad_option_is_one_clear_error(monkeypatch):
    monkeypatch.setenv("QA_BOT_DENSE_WEIGHT", "1.5")
    with pytest.raises(ConfigError, match=r"invalid setting dense_weight \(QA_BOT_DENSE_WEIGHT\)"):
        load_settings()


def test_an_empty_file_setting_is_unset_and_an_empty_folder_setting_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("QA_BOT_QUESTION_LOG", "")
    monkeypatch.setenv("QA_BOT_SLACK_CHANNELS_FILE", " ")
    settings = load_settings()
    assert settings.question_log is False and settings.slack_channels_file is None  # not the current folder
    from qa_bot.cli import _question_log
    from qa_bot.questionlog import NO_LOG

    for off in ("", "off", "OFF", "none", "no", "disabled"):  # no log at all, not even the Slack bot's default one
        monkeypatch.setenv("QA_BOT_QUESTION_LOG", off)
        assert _question_log(load_settings(), default=tmp_path / "questions.sqlite") is NO_LOG
    assert not (tmp_path / "questions.sqlite").exists()
    monkeypatch.delenv("QA_BOT_QUESTION_LOG")
    _question_log(load_settings(), default=tmp_path / "questions.sqlite").close()  # unset: the default log
    assert (tmp_path / "questions.sqlite").is_file()
    monkeypatch.setenv("QA_BOT_INDEX_DIR", "")
    with pytest.raises(ConfigError, match=r"invalid setting index_dir \(QA_BOT_INDEX_DIR\): empty; unset it"):
        load_settings()


def test_the_model_cache_defaults_to_beside_the_index(tmp_path):
    assert Settings(index_dir=tmp_path / "idx").model_cache() == tmp_path / ".models"
    assert Settings(index_dir=tmp_path / "idx", model_cache_dir=tmp_path / "m").model_cache() == tmp_path / "m"
    # a built index is a link to its live build: the cache stays beside the link, before and after the build
    (tmp_path / ".idx.builds" / "b1").mkdir(parents=True)
    (tmp_path / "idx").symlink_to(tmp_path / ".idx.builds" / "b1")
    assert Settings(index_dir=tmp_path / "idx").model_cache() == tmp_path / ".models"


def test_asking_with_other_options_leaves_the_pipeline_as_it_was(tmp_path, fake_embedder):
    from qa_bot.index import load_index
    from qa_bot.pipeline import QAPipeline

    from .conftest import DOCS, build

    build(DOCS, fake_embedder, tmp_path / "i")
    settings = Settings(index_dir=tmp_path / "i", relative_floor=0.0, abstain_threshold=0.0)
    pipeline = QAPipeline(settings, load_index(tmp_path / "i", fake_embedder),
                          fake_embedder)
    before = pipeline.options.model_dump()
    question = "How much did the bridge cost?"
    default = pipeline.ask(question)
    strict = pipeline.ask(question, pipeline.options.model_copy(update={"abstain_threshold": 1.0}))
    short = pipeline.ask(question, pipeline.options.model_copy(update={"max_quotes": 1}))
    assert len(default.quotes) > 1 and not strict.answered and len(short.quotes) == 1
    assert strict.evidence is not None and strict.evidence == default.evidence  # the same evidence either way
    assert pipeline.options.model_dump() == before and pipeline.ask(question).quotes == default.quotes


def test_a_log_setting_that_names_no_file_is_refused_and_a_home_folder_is_read_as_a_shell_would(monkeypatch):
    for on in ("yes", "true", "ON"):  # would have made a file named "yes" in the current folder
        monkeypatch.setenv("QA_BOT_QUESTION_LOG", on)
        with pytest.raises(ConfigError, match=rf"invalid setting question_log \(QA_BOT_QUESTION_LOG\): '{on}' names no "
                                              r"file: give the log's path"):
            load_settings()
    monkeypatch.setenv("HOME", "/home/desk")
    monkeypatch.setenv("QA_BOT_QUESTION_LOG", "~/qa-log.sqlite")
    monkeypatch.setenv("QA_BOT_INDEX_DIR", "~/index")
    monkeypatch.setenv("QA_BOT_MILVUS_URI", "~/passages.db")  # Milvus Lite's file
    settings = load_settings(articles_dir="~/articles")
    assert settings.question_log == Path("/home/desk/qa-log.sqlite") and settings.index_dir == Path("/home/desk/index")
    assert settings.articles_dir == Path("/home/desk/articles") and settings.milvus_uri == "/home/desk/passages.db"
    monkeypatch.setenv("QA_BOT_MILVUS_URI", "http://milvus:19530")
    assert load_settings().milvus_uri == "http://milvus:19530"


def test_an_unknown_qa_bot_variable_is_warned_of_with_the_name_it_was_meant_to_be(monkeypatch, tmp_path, caplog):
    from click.testing import CliRunner

    from qa_bot.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("QA_BOT_MAX_QUOTE=1\nQA_BOT_MAX_QUOTES=2\n", encoding="utf-8")
    assert unknown_variables(["QA_BOT_INDEX", "HOME"]) == [
        "unknown setting QA_BOT_INDEX is ignored (did you mean QA_BOT_INDEX_DIR?)",
        "unknown setting QA_BOT_MAX_QUOTE is ignored (did you mean QA_BOT_MAX_QUOTES?)"]
    (tmp_path / ".env").write_text("QA_BOT_SLACK_BOT_TOKEN=xoxb-2\n", encoding="utf-8")
    # known names, the tokens' own names and the names the benchmarks read are quiet
    assert unknown_variables(["SLACK_BOT_TOKEN", "QA_BOT_MILVUS_TEST_URI", "QA_BOT_INDEX_DIR"]) == []
    for name in [n for n in os.environ if n.startswith("QA_BOT_")]:  # none of this machine's settings
        monkeypatch.delenv(name)
    CliRunner().invoke(main, ["log", "--log", str(tmp_path / "none.sqlite")], env={"QA_BOT_MAX_QOUTES": "5"})
    said = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert said == ["unknown setting QA_BOT_MAX_QOUTES is ignored (did you mean QA_BOT_MAX_QUOTES?)"]


def test_an_env_file_that_is_not_utf8_is_one_error_naming_it(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_bytes(b"QA_BOT_MODEL=\xff\n")
    with pytest.raises(ConfigError, match=r"cannot read \.env: not UTF-8"):
        load_settings()
