"""The interactive REPL: a prompt with history and commands; plain line-by-line when piped."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text

from qa_bot.answer.followup import sets_subject
from qa_bot.cli_common import readable, replace_undecodable
from qa_bot.errors import BackendUnavailableError
from qa_bot.printable import plural, printable
from qa_bot.questionlog import NO_LOG, QuestionRecorder
from qa_bot.render import answer_text

if TYPE_CHECKING:
    from rich.console import Console

    from qa_bot.pipeline import QAPipeline

log = logging.getLogger(__name__)
HELP = """[bold]Ask a question in plain words[/bold], e.g. [cyan]Who is David Schenker?[/cyan]
  :sources   list the articles in the index
  :asof DATE answer as of DATE (YYYY-MM-DD or an ISO time); [cyan]:asof now[/cyan] goes back to now
  :help      show this help
  :quit      leave (Ctrl-D works too)
  Ctrl-C     clears the line, or cancels the answer being worked out"""


def _held(pipeline: QAPipeline) -> str:
    """How many articles the index holds ("1 article", "2 articles")."""
    return plural(len(pipeline.index.documents), "article")


def _sources(pipeline: QAPipeline) -> Text:
    """The articles of the index, one a line; their titles and links shown as they are, never read as markup."""
    lines = [Text.assemble((_held(pipeline), "bold"), f" in {pipeline.index.build_dir}:")]
    for doc in pipeline.index.documents:
        extra = " · ".join(x for x in (doc.date, doc.url) if x)
        lines.append(Text.assemble(f"  • {printable(doc.title)} ",
                                   (printable(f"({doc.doc_id}{' · ' + extra if extra else ''})"), "dim")))
    return Text("\n").join(lines)


def greeting(pipeline: QAPipeline) -> str:
    """The line a session at a terminal starts with (rich markup): what the index holds and how to go on."""
    return f"[bold green]qa-bot[/bold green] — {_held(pipeline)}. Type a question, or :help."


def _typed(line: str) -> str:
    """A line as typed, read as the pipeline reads a question: whitespace folded, a terminal's escapes left out, a
    byte that was not UTF-8 as U+FFFD."""
    return " ".join(printable(readable(line)).split())


@dataclass(slots=True)
class Session:
    """What a REPL session remembers between questions."""

    as_of: datetime | None = None
    """The moment questions are asked as of; None: now."""
    questions: QuestionRecorder = NO_LOG
    """Where each question and its answer are logged (channel ``repl``)."""
    previous: str = ""
    """The question asked before, which a follow-up ("when was that?") is read with."""


def _as_of(argument: str, session: Session, console: Console) -> None:
    from qa_bot.answer.in_time import as_of_moment
    from qa_bot.errors import ConfigError

    if not argument:
        when = session.as_of.isoformat(timespec="seconds") if session.as_of else "now"
        console.print(Text.assemble(f"Questions are asked as of {when}. ",
                                    (":asof YYYY-MM-DD changes it; :asof now resets.", "dim")))
        return
    if argument.lower() == "now":
        session.as_of = None
        console.print("Questions are asked as of now.")
        return
    try:
        session.as_of = as_of_moment(argument)
    except ConfigError as exc:  # it quotes what was typed: shown as it is
        console.print(Text(str(exc), "red"))
        return
    console.print(f"Questions are asked as of {session.as_of.isoformat(timespec='seconds')}: "
                  "no later article is quoted.")


def handle(line: str, pipeline: QAPipeline, console: Console, session: Session | None = None) -> bool:
    """Act on one line of input; False when the user asked to leave.

    Whatever the line holds is shown as typed (never read as markup); a byte that was not UTF-8 is U+FFFD.
    """
    session = session if session is not None else Session()
    text = _typed(line)
    if not text:
        return True
    if text.startswith(":"):
        command = text[1:].split()[0].lower() if len(text) > 1 else ""
        if command in {"q", "quit", "exit"}:
            return False
        if command in {"h", "help", "?"}:
            console.print(HELP)
        elif command in {"sources", "s"}:
            console.print(_sources(pipeline))
        elif command == "asof":
            _as_of(text[1:].split(maxsplit=1)[1] if len(text[1:].split()) > 1 else "", session, console)
        else:
            console.print(Text.assemble((f"unknown command {text}", "red"), "; type :help"))
        return True
    if pipeline.refresh(announce=False):
        console.print(Text(f"The index was rebuilt: now {_held(pipeline)}.", "dim"))
    earlier = [session.previous] if session.previous else []
    try:
        answer = pipeline.ask(text, as_of=session.as_of, thread=earlier)
    except BackendUnavailableError as exc:  # Milvus down for a moment: say so, and keep the session
        console.print(Text.assemble(("error:", "red"), f" {exc}"))
        return True
    session.questions.record(answer, channel="repl")
    if sets_subject(text, earlier, answer):  # a standalone question sets the subject; follow-ups keep it
        session.previous = text
    console.print(answer_text(answer))
    return True


def run_repl(
    pipeline: QAPipeline, console: Console, history: Path | None = None, as_of: datetime | None = None,
    questions: QuestionRecorder = NO_LOG,
) -> None:
    """Read questions and answer them until :quit, Ctrl-D or the end of input; ``history`` keeps past questions.

    Questions are asked as of ``as_of`` (None: now) until ``:asof`` changes it, and logged in ``questions``.
    """
    session = Session(as_of, questions)
    if not sys.stdin.isatty():
        replace_undecodable(sys.stdin)  # a line with a byte that is not UTF-8 is asked with U+FFFD in its place
        for line in sys.stdin:
            shown = _typed(line)
            if shown and not shown.startswith(":"):
                console.print(Text(f"Q: {shown}", "bold"))
            if not handle(line, pipeline, console, session):
                break
            console.print()
        return
    from prompt_toolkit import PromptSession
    from prompt_toolkit.formatted_text import HTML
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    kept: FileHistory | InMemoryHistory = InMemoryHistory()
    if history is not None:
        try:  # opened once here: prompt_toolkit reads and writes it later, where a failure is a traceback
            history.parent.mkdir(parents=True, exist_ok=True)
            with history.open("ab"), history.open("rb"):
                pass
            kept = FileHistory(str(history))
        except OSError as exc:
            log.warning("cannot keep the question history in %s (%s); this session's is kept in memory", history,
                        exc.strerror or type(exc).__name__)
    prompt: PromptSession[str] = PromptSession(history=kept)
    console.print(greeting(pipeline))
    converse(lambda: prompt.prompt(HTML("<ansigreen><b>ask›</b></ansigreen> ")), pipeline, console, session)
    console.print("[dim]bye[/dim]")


def converse(read: Callable[[], str], pipeline: QAPipeline, console: Console, session: Session) -> None:
    """Answer the lines ``read`` returns until :quit or Ctrl-D (``read`` raises EOFError).

    Ctrl-C (KeyboardInterrupt) at the prompt clears the line; while an answer is worked out, it cancels that
    answer ("(cancelled)") and the prompt comes back: the session goes on.
    """
    while True:
        try:
            line = read()
        except KeyboardInterrupt:
            continue
        except EOFError:
            return
        try:
            if not handle(line, pipeline, console, session):
                return
        except KeyboardInterrupt:
            console.print(Text("(cancelled)", "dim"))
        console.print()
