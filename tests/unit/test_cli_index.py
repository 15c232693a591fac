"""`qa-bot index info` and `index verify`, run in-process with click's runner on a fake-embedder index."""

from __future__ import annotations

import json

from click.testing import CliRunner

from qa_bot.cli import main

from .conftest import DOCS, build


def test_index_info_prints_the_whole_manifest_with_its_folders(tmp_path, fake_embedder):
    build(DOCS, fake_embedder, tmp_path / "i")
    result = CliRunner().invoke(main, ["index", "info", "--index", str(tmp_path / "i")])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["index"] == str(tmp_path / "i") and info["build"] == str((tmp_path / "i").resolve())
    assert info["documents"] == 3 and info["format"] == 3 and info["vector_store"] == {"kind": "numpy"}
    assert "documents.jsonl" in info["files"]


def test_index_info_of_a_damaged_index_prints_its_manifest_then_fails_naming_the_file(tmp_path, fake_embedder):
    build(DOCS, fake_embedder, tmp_path / "i")
    (tmp_path / "i" / "sentences.npy").unlink()
    with (tmp_path / "i" / "documents.jsonl").open("a", encoding="utf-8") as handle:
        handle.write("\n")
    result = CliRunner().invoke(main, ["index", "info", "--index", str(tmp_path / "i")])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["documents"] == 3
    assert "is damaged: documents.jsonl has" in result.stderr and "(and 1 more)" in result.stderr
    assert "rebuild it with" in result.stderr and "Traceback" not in result.stderr


def test_index_verify_names_the_search_and_the_files_it_checked(tmp_path, fake_embedder):
    build(DOCS, fake_embedder, tmp_path / "i")
    result = CliRunner().invoke(main, ["index", "verify", "--index", str(tmp_path / "i")])
    assert result.exit_code == 0, result.output
    assert "is sound: 3 documents" in result.output and "(numpy search)" in result.output
    assert "files match their checksums" in result.output


def test_counts_of_one_are_said_in_the_singular(tmp_path, fake_embedder, monkeypatch):
    build(DOCS[:1], fake_embedder, tmp_path / "i", sentences_per_passage=5)
    result = CliRunner().invoke(main, ["index", "verify", "--index", str(tmp_path / "i")])
    assert result.exit_code == 0, result.output
    assert "is sound: 1 document, 1 passage (numpy search), 3 sentences;" in result.output
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "empty.txt").write_text("", encoding="utf-8")  # read, and skipped
    monkeypatch.setattr("qa_bot.build.embedder_from_settings", lambda settings: fake_embedder)
    result = CliRunner().invoke(main, ["index", "build", "--articles", str(tmp_path / "articles"),
                                       "--index", str(tmp_path / "j")])
    assert result.exit_code == 1 and "(1 file read, 1 skipped)" in result.output


def test_index_info_of_a_missing_index_is_one_line(tmp_path):
    result = CliRunner().invoke(main, ["index", "info", "--index", str(tmp_path / "none")])
    assert result.exit_code == 1 and "no index at" in result.output and "Traceback" not in result.output


def test_articles_whose_date_cannot_be_read_are_kept_undated_and_counted_in_the_build(tmp_path, fake_embedder,
                                                                                      monkeypatch):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps({"text": "The harbour reopened after the storm.", "date": "03/01/2020"}),
                                   encoding="utf-8")
    (folder / "b.json").write_text(json.dumps({"text": "The bridge opened in May.", "date": "2020/01/03"}),
                                   encoding="utf-8")
    monkeypatch.setattr("qa_bot.build.embedder_from_settings", lambda settings: fake_embedder)
    monkeypatch.setenv("QA_BOT_VECTOR_STORE", "numpy")
    result = CliRunner().invoke(main, ["index", "build", "--articles", str(folder), "--index", str(tmp_path / "i")])
    assert result.exit_code == 0, result.output
    assert "Indexed 2 documents" in result.output and "1 kept undated (their date could not be read)" in result.output
    manifest = json.loads((tmp_path / "i" / "manifest.json").read_text())
    assert manifest["unreadable_dates"] == 1
    dates = [json.loads(line)["date"] for line in (tmp_path / "i" / "documents.jsonl").read_text().splitlines()]
    assert sorted(dates, key=lambda d: d or "") == [None, "2020-01-03"]  # kept undated, the other one as ISO


def test_a_usage_error_raised_inside_a_command_is_a_usage_error_not_a_crash(tmp_path):
    result = CliRunner().invoke(main, ["log", "--json", "--csv", "--log", str(tmp_path / "q.sqlite")])
    assert result.exit_code == 2 and "Error: give --json or --csv, not both" in result.output
    assert "unexpected" not in result.output
    both = CliRunner().invoke(main, ["eval", "--json", "--markdown", "--corpus", str(tmp_path / "c.jsonl"),
                                     "--questions", str(tmp_path / "q.jsonl")])
    assert both.exit_code == 2 and "Error: give --json or --markdown, not both" in both.output


def test_a_build_over_an_article_is_refused_in_one_line_and_the_article_kept(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("Not an index.", encoding="utf-8")
    result = CliRunner().invoke(main, ["index", "build", "--articles", str(tmp_path), "--index", str(article)])
    assert result.exit_code == 1 and "is a file, not an index folder; nothing was changed" in result.output
    assert article.read_text(encoding="utf-8") == "Not an index." and not article.is_symlink()


def test_an_empty_path_option_is_a_usage_error_not_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for command in (["index", "build", "--articles", str(tmp_path), "--index", ""], ["index", "info", "--index", " "],
                    ["index", "build", "--articles", "", "--index", str(tmp_path / "i")]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 2 and "is empty: give a path" in result.output, command
    assert not any(tmp_path.iterdir())


def test_feeds_list_of_a_folder_that_is_not_there_is_an_error_not_an_empty_list(tmp_path):
    missing = CliRunner().invoke(main, ["feeds", "list", "--articles", str(tmp_path / "typo")])
    assert missing.exit_code == 1 and "no articles folder at" in missing.output
    empty = CliRunner().invoke(main, ["feeds", "list", "--articles", str(tmp_path)])
    assert empty.exit_code == 0 and "No feeds followed" in empty.output


def test_an_unexpected_error_is_one_line_of_bounded_length_that_says_how_to_see_more():
    import click

    from qa_bot.cli_common import MAX_ERROR_CHARS, friendly_errors

    @click.command()
    @friendly_errors
    def failing() -> None:
        raise OSError("start of it\n" + "/deep" * 2000 + "\nend of it")

    result = CliRunner().invoke(failing, [])
    [line] = result.output.splitlines()
    assert result.exit_code == 1 and line.startswith("error: unexpected OSError: start of it /deep")
    assert line.endswith("end of it (run `qa-bot -v COMMAND ...` for details)")
    assert len(line) <= len("error: ") + MAX_ERROR_CHARS + 3


def test_feeds_add_takes_a_name_with_a_byte_that_is_not_utf8_and_leaves_no_stray_file(tmp_path):
    """The shell passes such a byte as a lone surrogate, which no file takes: it was 'unexpected UnicodeEncodeError'
    and a temporary file left in the articles folder."""
    result = CliRunner().invoke(main, ["feeds", "add", "https://a.example/rss.xml", "--name", "Caf\udce9 news",
                                       "--articles", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert 'name = "Caf\ufffd news"' in (tmp_path / "feeds.toml").read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".qa-bot") == ["feeds.toml"]
    empty = CliRunner().invoke(main, ["feeds", "list", "--articles", ""])
    assert empty.exit_code == 2 and "is empty: give a path" in empty.output


def test_add_of_what_is_not_a_page_url_is_a_usage_error_that_makes_nothing(tmp_path):
    """A local article file gets a hint; nothing is made (the articles folder and its state were)."""
    article = tmp_path / "story.txt"
    article.write_text("The bridge opened.", encoding="utf-8")
    articles = tmp_path / "articles"
    for given in (str(article), f"file://{article}", "ftp://example.org/a", "x" * 5000):  # too long for a path
        result = CliRunner().invoke(main, ["add", "https://example.org/fine", given, "--articles", str(articles)])
        assert result.exit_code == 2, result.output
        assert "not an http(s) URL" in result.output
        assert ("copy it into the articles folder and run `qa-bot index build`" in result.output) == (
            "story.txt" in given)
    assert not articles.exists()


def test_eval_refuses_a_malformed_question_in_one_line_before_the_model_is_loaded(tmp_path, monkeypatch):
    def never(settings):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr("qa_bot.eval.run.embedder_from_settings", never)
    corpus, questions = tmp_path / "c.jsonl", tmp_path / "q.jsonl"
    corpus.write_text(json.dumps({"doc_id": "d", "text": "The bridge cost 40 million."}) + "\n", encoding="utf-8")
    questions.write_text(json.dumps({"question": "How much?", "answers": ["40 million"]}) + "\n"
                         + json.dumps({"question": "When?", "answers": ["May"], "as_of": "13/11/2023"}) + "\n",
                         encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", "--corpus", str(corpus), "--questions", str(questions),
                                       "--index-root", str(tmp_path / "idx")])
    assert result.exit_code == 1
    assert result.output == (f"error: {questions}:2: cannot read the as-of date '13/11/2023': give YYYY-MM-DD "
                             "or an ISO time\n")


def test_eval_says_what_it_indexed_and_skipped_and_what_cached_index_it_reuses(tmp_path, monkeypatch, fake_embedder):
    monkeypatch.setattr("qa_bot.eval.run.embedder_from_settings", lambda settings: fake_embedder)
    monkeypatch.setenv("QA_BOT_VECTOR_STORE", "numpy")
    monkeypatch.setenv("QA_BOT_RERANKER", "off")
    corpus, questions = tmp_path / "c.jsonl", tmp_path / "q.jsonl"
    corpus.write_text("".join(json.dumps({"doc_id": d.doc_id, "text": d.text}) + "\n" for d in DOCS)
                      + "not JSON\n" + json.dumps({"doc_id": "empty", "text": ""}) + "\n", encoding="utf-8")
    questions.write_text(json.dumps({"question": "How much did the bridge cost?", "answers": ["40 million"],
                                     "doc_id": "a"}) + "\n", encoding="utf-8")
    args = ["eval", "--corpus", str(corpus), "--questions", str(questions), "--index-root", str(tmp_path / "idx"),
            "--json", "--no-baselines"]
    built = CliRunner().invoke(main, args)
    assert built.exit_code == 0, built.output
    said = built.stderr.splitlines()
    assert "" not in said, built.stderr  # stderr is not a terminal here: no bar, no blank line left behind
    assert any(line.startswith("Indexed 3 documents into ") and " passages (2 skipped) in " in line for line in said)
    reused = CliRunner().invoke(main, args)
    assert reused.exit_code == 0, reused.output
    said = reused.stderr.splitlines()
    assert "" not in said, reused.stderr
    assert any(line.startswith("Using the cached index ") and ": 3 documents, " in line
               and "(2 skipped when it was built)" in line for line in said), reused.stderr


def test_a_build_of_articles_that_are_not_there_leaves_nothing_behind(tmp_path):
    """Not even the index's lock file beside where it would have gone."""
    result = CliRunner().invoke(main, ["index", "build", "--articles", str(tmp_path / "typo"),
                                       "--index", str(tmp_path / "out" / "i")])
    assert result.exit_code == 1 and f"no such file or folder: {tmp_path / 'typo'}" in result.output
    assert not any(tmp_path.iterdir())


def test_help_says_the_defaults_of_flags_that_are_on_or_come_from_a_setting():
    from qa_bot.config import Settings

    shown = CliRunner().invoke(main, ["eval", "--help"], terminal_width=200).output
    assert "Also measure the baselines: keyword-only, dense-only, and dense best-sentence (default: on)." in shown
    quotes = Settings.model_fields["max_quotes"].default
    for command in ("ask", "repl"):
        shown = CliRunner().invoke(main, [command, "--help"], terminal_width=200).output
        assert f"Quotes per answer at most (default: QA_BOT_MAX_QUOTES, {quotes})." in shown
