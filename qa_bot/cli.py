"""The ``qa-bot`` command. Heavy libraries are imported inside commands so ``--help`` is instant."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from qa_bot import __version__
from qa_bot.cli_common import (
    GivenPath,
    _console,
    _fail,
    _settings,
    answer_output,
    as_of_option,
    friendly_errors,
    index_option,
    k_option,
    log_handler,
    model_option,
    readable,
    replace_undecodable,
)

if TYPE_CHECKING:
    from datetime import datetime

    from qa_bot.config import Settings
    from qa_bot.pipeline import QAPipeline
    from qa_bot.questionlog import QuestionRecorder
    from qa_bot.slack.channels import ChannelSettings

log = logging.getLogger("qa_bot")


def prepare_process() -> None:
    """Set what the libraries read from the environment, before any of them is imported.

    Called by every entry point (this command, the scripts): no model hub is ever asked for anything,
    the tokenizers do not fork threads of their own, and bm25s draws no progress bars over ours. gRPC
    (under the Milvus client) installs no fork handlers: this process forks only to run another program,
    and with a Milvus connection open those handlers can crash the forked child before it starts it
    ("epoll_wait error: Bad file descriptor").
    """
    for name, value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"),
                        ("TOKENIZERS_PARALLELISM", "false"), ("DISABLE_TQDM", "1"),
                        ("GRPC_ENABLE_FORK_SUPPORT", "false")):
        os.environ.setdefault(name, value)


def history_path() -> Path:
    """Where the REPL keeps its question history (the XDG state folder)."""
    base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return base / "qa-bot" / "history"


def setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.WARNING, handlers=[log_handler()], format="%(message)s")
    logging.getLogger("qa_bot").setLevel(logging.DEBUG if verbose else logging.INFO)
    from qa_bot.redact import install

    install()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="qa-bot")
@click.option("-v", "--verbose", is_flag=True, help="Log details (and tracebacks) to stderr.")
@friendly_errors  # Ctrl-C while this prepares (imports take a moment) is "interrupted", as within a command
def main(verbose: bool) -> None:
    """Ask questions about a folder of news articles; get verbatim quotes with their sources.

    \b
    Quick start:
      qa-bot index build --articles data/articles
      qa-bot ask "Who is David Schenker?"
      qa-bot repl

    \b
    Keep the articles fresh from feeds and links (see `qa-bot update --help`):
      qa-bot feeds add https://news.example.org/rss.xml
      qa-bot update --every 15m
      qa-bot add https://news.example.org/2026/12/03/story.html

    Settings come from QA_BOT_* environment variables (or a .env file); flags override them.
    """
    prepare_process()
    setup_logging(verbose)
    from qa_bot.config import unknown_variables

    for warning in unknown_variables(os.environ):  # a misspelt setting would leave its default in force, unsaid
        log.warning(warning)


def _open_pipeline(settings: Settings) -> QAPipeline:
    from qa_bot.pipeline import QAPipeline

    with _console(stderr=True).status("Loading the model and index…"):
        return QAPipeline.open(settings)


def _question_log(settings: Settings, default: Path | None = None) -> QuestionRecorder:
    """The question log of ``settings`` (``QA_BOT_QUESTION_LOG``, else ``default``); none when neither is set, or
    the setting is off.

    A log that cannot be opened is warned about in one line and answering goes on without it.
    """
    from qa_bot.questionlog import NO_LOG, open_or_warn

    if settings.question_log is False:  # QA_BOT_QUESTION_LOG=off
        return NO_LOG
    # A retention not asked for follows the log's own: `ask` pointed at the bot's log deletes nothing it keeps.
    return open_or_warn(settings.question_log or default, settings.question_log_retention_days,
                        set_retention="question_log_retention_days" in settings.model_fields_set)


def _read_questions(source: str) -> Iterator[tuple[str, datetime | None]]:
    """(question, the moment it is asked as of or None) per line that is not blank: see :func:`_question_of`.

    Raises:
        ConfigError: the file cannot be read, a line is not a question, or no line is (an empty file or stdin would
            print nothing and exit 0, as if every question had been answered).
    """
    from qa_bot.errors import ConfigError

    stream = sys.stdin if source == "-" else None
    if stream is None:
        try:  # a byte that is not UTF-8 becomes U+FFFD: that question is asked as it reads, and the rest too
            stream = open(source, encoding="utf-8", errors="replace")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise ConfigError(f"cannot read questions from {source}: {exc.strerror}") from exc
    else:
        replace_undecodable(stream)
    try:
        asked = 0
        for number, line in enumerate(stream, start=1):
            # A byte order mark (Notepad's UTF-8) is no part of the first question, nor of the JSON it may be.
            text = readable(line.removeprefix("\ufeff") if number == 1 else line).strip()
            if text:
                asked += 1
                yield _question_of(text, f"{source}:{number}")
        if not asked:
            raise ConfigError("no questions on stdin" if stream is sys.stdin else f"no questions in {source}")
    finally:
        if stream is not sys.stdin:
            stream.close()


def _question_of(text: str, where: str) -> tuple[str, datetime | None]:
    """The question a line of a questions file holds, plain text or ``{"question": ..., "as_of": ...}``, and the
    moment it is asked as of (None: --as-of's, or now).

    Raises:
        ConfigError: the line is not a question, or its date cannot be read; ``where`` (``q.txt:7``) starts the
            message, so the line can be found.
    """
    import json

    from qa_bot.answer.in_time import as_of_moment
    from qa_bot.errors import ConfigError

    if not text.startswith("{"):
        return text, None
    try:
        record = json.loads(text)
        question, as_of = str(record["question"]), record.get("as_of") or record.get("question_date")
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ConfigError(f"{where}: not a question (a line of text, or a JSON object "
                          'with "question" and an optional "as_of")') from None
    try:  # read now, so a bad date stops the batch before the model loads
        moment = None if as_of is None else as_of_moment(readable(str(as_of)))
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return readable(question), moment


@main.command()
@click.argument("question", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per question.")
@click.option(
    "--questions", "questions_file", default=None, metavar="FILE",
    help="File of questions, one a line ('-' for stdin): plain text, or JSON {\"question\": ..., \"as_of\": "
    "\"YYYY-MM-DD\"} so that each question carries its own date.",
)
@as_of_option
@index_option
@model_option
@k_option
@friendly_errors
def ask(
    question: tuple[str, ...], as_json: bool, questions_file: str | None, as_of: str | None, index_dir: Path | None,
    model: str | None, max_quotes: int | None,
) -> None:
    """Answer QUESTION (or each line of --questions) from the index, as of now or --as-of.

    Several quoted questions are each answered ("Who is ...?" "Where did ...?"); unquoted words are one question.

    No article dated after the as-of moment is quoted; time words in a question ("last week", "in 2023",
    "latest") are read relative to it. With QA_BOT_QUESTION_LOG set, each question is logged (see qa-bot log).
    """
    from qa_bot.answer.in_time import as_of_moment

    if not question and questions_file is None:
        _fail('give a question (qa-bot ask "Who is ...?") or --questions FILE', 2)
    asked = _command_line_questions(question)
    if question and not asked and questions_file is None:
        _fail('empty question: give one in words (qa-bot ask "Who is ...?")', 2)
    default = as_of_moment(as_of) if as_of else None
    settings = _settings(index_dir=index_dir, model=model, max_quotes=max_quotes)
    questions: list[tuple[str, datetime | None]] = [(text, None) for text in asked]
    if questions_file is not None:
        questions = [*questions, *_read_questions(questions_file)]
    moments = [when or default for _, when in questions]
    pipeline = _open_pipeline(settings)
    logged = _question_log(settings)
    try:
        _answer_all(pipeline, questions, moments, as_json, logged)
    finally:
        logged.close()


def _command_line_questions(words: tuple[str, ...]) -> list[str]:
    """The questions of ``ask``'s command line: the words of one (``qa-bot ask Who is David Schenker?``), or, when
    every argument is a quoted question of its own (holding a space and ending in "?"), each of them
    (``qa-bot ask "Who is David Schenker?" "Where did the drone crash?"``). A byte of the command line that is not
    UTF-8 becomes U+FFFD."""
    parts = [readable(word).strip() for word in words]
    if len(parts) > 1 and all(" " in part and part.endswith("?") for part in parts):
        return parts
    joined = readable(" ".join(words)).strip()
    return [joined] if joined else []


def _answer_all(
    pipeline: QAPipeline, questions: list[tuple[str, datetime | None]], moments: list[Any], as_json: bool,
    logged: QuestionRecorder,
) -> None:
    from rich.text import Text

    from qa_bot.printable import printable
    from qa_bot.render import answer_json, answer_text

    console = _console()
    for number, ((text, _), moment) in enumerate(zip(questions, moments, strict=True)):
        answer = pipeline.ask(text, as_of=moment)
        logged.record(answer, channel="cli")
        with answer_output():
            if as_json:
                click.echo(answer_json(answer))
                continue
            if len(questions) > 1:
                console.print(Text(("\n" if number else "") + f"Q: {printable(text)}", "bold"))
            console.print(answer_text(answer))


@main.command()
@as_of_option
@index_option
@model_option
@k_option
@friendly_errors
def repl(as_of: str | None, index_dir: Path | None, model: str | None, max_quotes: int | None) -> None:
    """Ask questions one after another (type :help inside; :asof DATE changes the date asked as of).

    A question that leans on the one before ("When did it crash?") is read with it, and the answer says
    so. Reads lines when stdin is not a terminal. With QA_BOT_QUESTION_LOG set, questions are logged there.
    """
    from qa_bot.answer.in_time import as_of_moment
    from qa_bot.repl import run_repl

    moment = as_of_moment(as_of) if as_of else None
    settings = _settings(index_dir=index_dir, model=model, max_quotes=max_quotes)
    pipeline = _open_pipeline(settings)
    logged = _question_log(settings)
    try:
        run_repl(pipeline, _console(), history_path(), as_of=moment, questions=logged)
    finally:
        logged.close()


@main.command()
@index_option
@click.option("--http", "http_mode", is_flag=True, help="Serve Slack's HTTP requests instead of Socket Mode.")
@click.option("--port", type=click.IntRange(0, 65535), default=3000, show_default=True, help="HTTP mode port.")
@click.option("--host", default="0.0.0.0", show_default=True, help="HTTP mode address to listen on.")
@friendly_errors
def slack(index_dir: Path | None, http_mode: bool, port: int, host: str) -> None:
    """Run the Slack bot on an index (tokens: SLACK_BOT_TOKEN, SLACK_APP_TOKEN, SLACK_SIGNING_SECRET).

    Socket Mode needs SLACK_APP_TOKEN (xapp-...); --http needs SLACK_SIGNING_SECRET and serves
    Slack's events, slash command and buttons on /slack/events (and GET /health for a load balancer). A
    bare mention gets a line on how to ask. A question in a thread the bot answered
    in is read with the thread's question when it leans on it. QA_BOT_SLACK_CHANNELS_FILE (TOML) gives
    channels their own answer mode, privacy, sources, threshold and as-of, re-read when it changes;
    /ask status and the bot's Home tab show them. Questions, answers and feedback are logged to
    QA_BOT_QUESTION_LOG, by default questions.sqlite beside the index folder, and kept
    QA_BOT_QUESTION_LOG_RETENTION_DAYS (90) days (see qa-bot log). Ctrl-C or SIGTERM stops it once the
    answers waiting for Slack are delivered (or logged as lost), with exit code 0.
    """
    from qa_bot.questionlog import default_log_path
    from qa_bot.slack.run import check_settings, serve
    from qa_bot.slack.status import live_status

    settings = _settings(index_dir=index_dir)
    check_settings(settings, http=http_mode)  # a missing token is reported before the slow model load
    pipeline = _open_pipeline(settings)  # before the log: a missing index leaves no empty log beside it
    channels = _channel_settings(settings, pipeline)
    logged = _question_log(settings, default=default_log_path(settings.index_dir))
    try:
        serve(settings, pipeline.ask, http=http_mode, host=host, port=port, console=_console(stderr=True),
              questions=logged, status=live_status(pipeline), channels=channels)  # the index in service now
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM once serving, after the waiting answers were delivered or
        click.echo("stopped", err=True)  # named: exit 0, as a service manager expects of a clean stop
    finally:
        logged.close()


def _channel_settings(settings: Settings, pipeline: QAPipeline) -> ChannelSettings:
    """The channels file's settings, read now, warning of each source no article of the index in service is from
    (at start, and after each edit while the bot runs)."""
    from qa_bot.slack.channels import ChannelSettings

    return ChannelSettings(settings.slack_channels_file,
                           holds=lambda sources: bool(pipeline.index.source_passages(sources).any()))


@main.command("log")
@click.option("--unanswered", is_flag=True,
              help="Only the questions left unanswered: abstained on, failed, never answered, or answered but "
                   "never delivered by Slack (newest first).")
@click.option("--down-voted", "down_voted", is_flag=True,
              help="Only the answers someone marked Not helpful (newest first), with the votes each way.")
@click.option("--wrong-sources", "wrong_sources", is_flag=True,
              help="Only the articles whose quotes were most often marked Wrong source.")
@click.option("--json", "as_json", is_flag=True,
              help='One JSON object a line, each with "list" (unanswered, down_voted or wrong_sources).')
@click.option("--csv", "as_csv", is_flag=True, help='CSV on stdout, with a "list" column and a header row.')
@click.option("--since", default=None, metavar="DATE",
              help="Only questions asked (and clicks made) since DATE (YYYY-MM-DD, UTC, or an ISO time).")
@click.option("--limit", type=click.IntRange(0), default=50, show_default=True, help="Rows per list at most; 0: all.")
@click.option("--log", "log_path", type=GivenPath(path_type=Path, dir_okay=False), default=None,
              help="The question log (default: QA_BOT_QUESTION_LOG, else questions.sqlite beside the index folder).")
@index_option
@friendly_errors
def log_command(
    unanswered: bool, down_voted: bool, wrong_sources: bool, as_json: bool, as_csv: bool, since: str | None,
    limit: int, log_path: Path | None, index_dir: Path | None,
) -> None:
    """Show what the question log says needs work: unanswered questions, down-voted answers, wrong sources.

    Without --unanswered, --down-voted or --wrong-sources, all three lists are shown. Feedback is only
    recorded here; it never changes the bot's answers. Nothing in the log is deleted, whatever the retention;
    a log of an older schema is first brought up to date (as the bot would), one of this schema is only read.
    """
    from qa_bot.errors import ConfigError
    from qa_bot.log_report import print_reports
    from qa_bot.questionlog import QuestionLog, default_log_path
    from qa_bot.records import moment_of

    if as_json and as_csv:
        raise click.UsageError("give --json or --csv, not both")
    settings = _settings(index_dir=index_dir)
    path = log_path or settings.question_log or default_log_path(settings.index_dir)  # off: the default one
    if not path.is_file():
        raise ConfigError(f"no question log at {path} (give --log PATH, or set QA_BOT_QUESTION_LOG)")
    start = moment_of(since) if since else None
    if since and start is None:
        raise ConfigError(f"--since {since}: not a date (YYYY-MM-DD) or ISO time")
    chosen = [name for name, wanted in (("unanswered", unanswered), ("down_voted", down_voted),
                                        ("wrong_sources", wrong_sources)) if wanted]
    # A report deletes nothing: the bot that writes the log may keep it longer than this process's setting.
    with QuestionLog.open_to_read(path) as questions:
        print_reports(questions, chosen or None, "json" if as_json else "csv" if as_csv else "table", start, limit,
                      _console())


@main.group("index")
def index_group() -> None:
    """Build and inspect indexes."""


@index_group.command("build")
@click.option(
    "--articles", "articles", multiple=True, type=GivenPath(path_type=Path),
    help="Article file or folder (repeatable; default: QA_BOT_ARTICLES_DIR or data/articles).",
)
@index_option
@model_option
@friendly_errors
def index_build(articles: tuple[Path, ...], index_dir: Path | None, model: str | None) -> None:
    """Read articles (txt, md, html, json, jsonl) and build an index of them."""
    from qa_bot.build import build_from_paths, summary_line

    settings = _settings(index_dir=index_dir, model=model)
    summary = build_from_paths(settings, list(articles) or [settings.articles_dir], _console(stderr=True))
    click.echo(summary_line(summary))


@index_group.command("info")
@index_option
@friendly_errors
def index_info(index_dir: Path | None) -> None:
    """Show what an index holds and how it was built, from its manifest.

    Exits 1, after the manifest, when a file it lists is missing or of another size (`qa-bot index verify`
    also checks every checksum, and that the index loads).
    """
    import json

    from qa_bot.index import describe_index

    settings = _settings(index_dir=index_dir)
    info = describe_index(settings.index_dir)
    click.echo(json.dumps(info.to_json(), indent=2))
    info.require_files()


@index_group.command("verify")
@index_option
@friendly_errors
def index_verify(index_dir: Path | None) -> None:
    """Check every file of an index against the checksums in its manifest, and that it loads.

    Exits 0 when the index is sound, 1 with what is wrong otherwise.
    """
    from qa_bot.index import backend_from, load_index
    from qa_bot.printable import plural

    settings = _settings(index_dir=index_dir)
    info = load_index(settings.index_dir, hash_limit=None, backend=backend_from(settings)).describe()
    click.echo(
        f"{settings.index_dir} is sound: {plural(info.documents, 'document')}, {plural(info.passages, 'passage')} "
        f"({info.search} search), {plural(info.sentences, 'sentence')}; {info.files} files match their checksums "
        f"(build {info.build_dir.name})"
    )


@main.command("eval")
@click.option("--corpus", type=GivenPath(path_type=Path, dir_okay=False), required=True, help="Corpus JSONL.")
@click.option(
    "--questions", type=GivenPath(path_type=Path, dir_okay=False), required=True,
    help='Questions JSONL: {"question", "answers": [...], "doc_id", "answerable"?, "as_of"?} a line, each checked '
    "before the model loads.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
@click.option("--markdown", "as_markdown", is_flag=True, help="Print the table as Markdown (for a README).")
@click.option(
    "--baselines/--no-baselines", default=True,
    help="Also measure the baselines: keyword-only, dense-only, and dense best-sentence (default: on).",
)
@click.option(
    "--sweep", "sweep_dir", type=GivenPath(path_type=Path, file_okay=False), default=None,
    help="Also sweep fusion weight and abstention threshold; write sweep.csv and sweep.png into this folder.",
)
@click.option(
    "--by-type", is_flag=True,
    help="Also print, per strategy, the metrics per question type (who, when, where, how many, why, what); "
    "as Markdown with --markdown, under \"by_type\" with --json.",
)
@click.option(
    "--index-root", type=GivenPath(path_type=Path, file_okay=False), default=Path("index"),
    help="Where the corpus's index is built, and reused while the corpus, model and build settings stay the same.",
)
@model_option
@friendly_errors
def eval_command(
    corpus: Path, questions: Path, as_json: bool, as_markdown: bool, baselines: bool, sweep_dir: Path | None,
    by_type: bool, index_root: Path, model: str | None,
) -> None:
    """Measure answer quality on a corpus and question set (xquad_en format)."""
    from qa_bot.eval.run import run_eval

    if as_json and as_markdown:
        raise click.UsageError("give --json or --markdown, not both")
    settings = _settings(model=model)
    if settings.model_cache_dir is None:  # the exported model beside the eval indexes, not in ./index
        settings = settings.model_copy(update={"model_cache_dir": index_root / ".models"})
    run_eval(
        settings, corpus, questions, index_root, as_json, baselines, as_markdown, _console(), _console(stderr=True),
        sweep_dir, by_type,
    )


def _register_feed_commands() -> None:
    """The feed commands live in their own module, which imports this one's helpers."""
    from qa_bot.cli_feeds import add_command, feeds_group, update_command

    for command in (feeds_group, update_command, add_command):
        main.add_command(command)


_register_feed_commands()

if __name__ == "__main__":
    main()
