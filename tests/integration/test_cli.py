"""The command line: answers, JSON, and every error path as one clear line."""

from __future__ import annotations

import json
import subprocess
import sys

from ..conftest import ARTICLES
from ..helpers import assert_one_line_error, cli_env, run_cli


def test_help_is_instant_and_imports_no_model_code():
    code = (
        "import sys\nfrom qa_bot.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'faiss', 'bm25s') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in result.stdout
    assert "ask" in result.stdout and "repl" in result.stdout and "index" in result.stdout


def test_ask_answers_schenker_with_its_sources(tmp_path, bundled_index):
    result = run_cli(tmp_path, "ask", "Who is David Schenker?", "--index", str(bundled_index))
    assert result.returncode == 0, result.stderr
    assert "assistant secretary of state" in result.stdout
    # One story shown once: one quote, naming the article it is from and the rewrite that tells it too.
    assert "000_2f9257486780408a" in result.stdout and "also in Reuters: U.S. forces under fire" in result.stdout
    folded = json.loads(run_cli(tmp_path, "ask", "--json", "Who is David Schenker?", "--index",
                                str(bundled_index)).stdout)
    [quote] = folded["quotes"]
    assert {quote["doc_id"], *(copy["doc_id"] for copy in quote["also_in"])} == {
        "000_2f9257486780408a.txt", "001_cd7baeb93980b5b0.txt"}


def test_ask_json_one_object_per_question(tmp_path, bundled_index):
    questions = "Who is David Schenker?\nWho won the 2018 FIFA World Cup?\n\nWhere did the defective drone crash?\n"
    result = run_cli(tmp_path, "ask", "--json", "--questions", "-", "--index", str(bundled_index), "-k", "2",
                     input=questions)
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["question"] for a in answers] == [
        "Who is David Schenker?", "Who won the 2018 FIFA World Cup?", "Where did the defective drone crash?"
    ]
    assert [a["answered"] for a in answers] == [True, False, True]
    assert answers[1]["quotes"] == []
    texts = {p.name: p.read_text(encoding="utf-8") for p in ARTICLES.iterdir()}
    for answer in answers:
        assert len(answer["quotes"]) <= 2
        for quote in answer["quotes"]:
            assert set(quote) >= {"text", "doc_id", "title", "url", "date", "score", "start", "end"}
            assert quote["text"] in texts[quote["doc_id"]]


def test_missing_index(tmp_path):
    result = run_cli(tmp_path, "ask", "Who?", "--index", str(tmp_path / "none"))
    assert_one_line_error(result, "no index at", "qa-bot index build")


def test_index_of_another_model_is_refused(tmp_path, bundled_index, copy_index):
    folder = copy_index(bundled_index)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["model"] = "sentence-transformers/some-other-model"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    result = run_cli(tmp_path, "ask", "Who?", "--index", str(folder))
    assert_one_line_error(result, "some-other-model", "rebuild it with `qa-bot index build")


def test_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    result = run_cli(tmp_path, "index", "build", "--articles", str(tmp_path / "empty"), "--index", str(tmp_path / "i"))
    assert_one_line_error(result, "no readable articles")
    assert not (tmp_path / "i").exists()


def test_missing_articles_path(tmp_path):
    result = run_cli(tmp_path, "index", "build", "--articles", str(tmp_path / "nope"), "--index", str(tmp_path / "i"))
    assert_one_line_error(result, "no such file or folder")


def test_only_bad_files(tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "a.txt").write_bytes(b"\xff\xfe\x00\x00binary")
    (folder / "b.json").write_text("{oops", encoding="utf-8")
    result = run_cli(tmp_path, "index", "build", "--articles", str(folder), "--index", str(tmp_path / "i"))
    assert_one_line_error(result, "no readable articles", "2 skipped")


def test_bad_files_are_skipped_and_counted_in_a_build(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.txt").write_text("The harbour reopened on Tuesday after the storm.", encoding="utf-8")
    (folder / "bad.txt").write_bytes("caf\xe9".encode("latin-1"))
    (folder / "empty.md").write_text("", encoding="utf-8")
    result = run_cli(tmp_path, "index", "build", "--articles", str(folder), "--index", str(tmp_path / "i"))
    assert result.returncode == 0, result.stderr
    assert "Indexed 1 document into" in result.stdout and "(2 skipped)" in result.stdout
    assert "bad.txt" in result.stderr and "Traceback" not in result.stderr
    manifest = json.loads((tmp_path / "i" / "manifest.json").read_text())
    assert manifest["skipped"] == 2 and manifest["documents"] == 1


def test_ask_without_a_question(tmp_path, bundled_index):
    assert_one_line_error(run_cli(tmp_path, "ask", "--index", str(bundled_index)), "give a question")


def test_invalid_setting_is_one_line(tmp_path, bundled_index):
    result = subprocess.run(
        [sys.executable, "-m", "qa_bot.cli", "ask", "Who?", "--index", str(bundled_index)],
        cwd=tmp_path, capture_output=True, text=True,
        env={**__import__("os").environ, "QA_BOT_MAX_QUOTES": "many"},
    )
    assert_one_line_error(result, "max_quotes")


def test_an_empty_question_on_the_command_line_is_a_usage_error(tmp_path, bundled_index):
    for question in ("", "  "):
        result = run_cli(tmp_path, "ask", question, "--index", str(bundled_index))
        assert result.returncode == 2 and result.stdout == ""
        assert_one_line_error(result, "empty question")
    assert run_cli(tmp_path, "ask", "--index", str(bundled_index)).returncode == 2  # none at all: the same


def test_questions_with_brackets_are_asked_as_typed_and_the_batch_goes_on(tmp_path, bundled_index):
    result = run_cli(tmp_path, "ask", "--questions", "-", "--index", str(bundled_index),
                     input="What is [/bold] this?\nWho is David Schenker? [bold]\n")
    assert result.returncode == 0, result.stderr
    assert "Q: What is [/bold] this?" in result.stdout and "Q: Who is David Schenker? [bold]" in result.stdout
    assert "assistant secretary of state" in result.stdout
    alone = run_cli(tmp_path, "ask", "What is [/bold] this?", "--index", str(bundled_index))
    assert alone.returncode == 0 and "The articles don't say" in alone.stdout, alone.stderr


def test_bytes_that_are_not_utf8_are_asked_as_replacement_characters(tmp_path, bundled_index):
    questions = tmp_path / "questions.txt"
    questions.write_bytes(b"caf\xe9 ?\nWho is David Schenker?\n")
    command = [sys.executable, "-m", "qa_bot.cli", "ask", "--json", "--index", str(bundled_index)]
    env = {**cli_env(tmp_path), "PYTHONIOENCODING": "utf-8:strict"}  # as most UTF-8 locales read a pipe
    for extra, stdin in (([b"caf\xe9 ?"], None), (["--questions", str(questions)], None),
                         (["--questions", "-"], questions.read_bytes())):
        result = subprocess.run([*command, *extra], cwd=tmp_path, env=env, input=stdin, capture_output=True,
                                timeout=300)
        assert result.returncode == 0, result.stderr
        asked = [json.loads(line)["question"] for line in result.stdout.decode("utf-8").splitlines()]
        assert asked[0] == "caf\ufffd ?" and asked[1:] in ([], ["Who is David Schenker?"])


def test_answers_and_log_lines_into_a_file_are_never_wrapped(tmp_path, bundled_index):
    blocked = tmp_path / "a-file-not-a-folder"
    blocked.write_text("", encoding="utf-8")
    log_path = blocked / "logs" / "of" / "the" / "questions" / "asked" / "questions.sqlite"
    result = run_cli(tmp_path, "ask", "Who is David Schenker?", "--index", str(bundled_index),
                     env={"COLUMNS": "40", "QA_BOT_QUESTION_LOG": str(log_path)})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("1. “David Schenker, a former US assistant secretary of state,")
    assert lines[0].endswith("but the risks are escalating.”")
    assert [line for line in lines if line.rstrip() != line] == []
    assert any(line.endswith(" · https://www.reuters.com/world/us/us-forces-under-fire-middle-east-america-slides-"
                             "toward-brink-2022-11-03/") for line in lines)
    [warning] = result.stderr.splitlines()  # one line per log event, however long
    assert warning.startswith("WARNING  cannot open the question log") and str(log_path) in warning
