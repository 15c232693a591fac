"""What a person sees of an answer: every text from an article or a person shown as it is."""

from __future__ import annotations

import io

from rich.console import Console

from qa_bot.records import Answer, Quote, SourceRef
from qa_bot.render import answer_text

HOSTILE = "[/red] [bold]x[/bold] :fire: \\"
"""Text that rich would read as a closing tag, a style, an emoji code and an escape if it were markup."""


def shown(renderable: object, width: int = 300) -> str:
    console = Console(record=True, width=width, force_terminal=True, highlight=False)
    console.print(renderable)
    return console.export_text()


def test_quotes_titles_links_and_notes_are_shown_as_they_are_never_read_as_markup():
    other = SourceRef("b", f"The {HOSTILE} wire", "https://ex.com/b?q=[/link]]", "2023-11-10", 0, 4, "text", "Wire")
    radio = SourceRef("c", "Radio [/dim]", None, None, 0, 4, "text", "Radio")
    quote = Quote(f"The mayor said {HOSTILE} twice.", "a", f"The {HOSTILE} mayor", "https://ex.com/a]b[/link]",
                  "2023-11-13", 0.9, 0, 10, also_in=(other,), confidence=0.95, reported_by=(other, radio),
                  source="Daily")
    answer = Answer("q", quotes=(quote,), notice=f"Notice {HOSTILE}", as_of="2023-11-15T23:59:59+00:00",
                    read_as=f"When? ({HOSTILE})")
    text = shown(answer_text(answer))
    assert f"“The mayor said {HOSTILE} twice.”" in text
    assert f"The {HOSTILE} mayor · 2023-11-13, 2 days earlier · https://ex.com/a]b[/link]" in text
    assert f"also in The {HOSTILE} wire" in text and "https://ex.com/b?q=[/link]]" in text
    assert "reported by 3 outlets; also" in text and "Radio [/dim] · undated" in text
    assert f"Notice {HOSTILE}" in text and f"read with the question before: When? ({HOSTILE})" in text
    assert "🔥" not in text
    assert shown(answer_text(Answer("q", notice=f"only {HOSTILE}"))).strip() == f"only {HOSTILE}"


def test_terminal_escapes_and_direction_overrides_in_an_article_never_reach_the_terminal():
    link = "\x1b]8;;https://evil.example\x07click here\x1b]8;;\x07"  # a link of the article's choosing
    quote = Quote(f"The mayor \x1b[31msaid\x1b[0m {link} \u202eenolb\u202c.", "a", "Title\x1b[2J",
                  "https://ex.com/a\x1b]8;;x\x07", "2023-11-13", 0.9, 0, 10, confidence=0.95)
    console = Console(file=io.StringIO(), width=300, force_terminal=True, highlight=False)
    console.print(answer_text(Answer("q", quotes=(quote,), as_of="2023-11-15T23:59:59+00:00")))
    written = console.file.getvalue()  # type: ignore[attr-defined]
    assert "evil.example" in written and "\x1b]8;;https://evil" not in written and "\x1b[2J" not in written
    assert "\u202e" not in written and "]8;;https://evil.exampleclick here]8;;" in written  # the words stay


def test_a_table_into_a_file_or_a_pipe_is_printed_whole_not_cut_to_80_columns():
    import io

    from rich.console import Console
    from rich.table import Table

    from qa_bot.eval.metrics import TABLE_HEADER
    from qa_bot.printable import print_whole

    table = Table(title="xquad_en")
    for heading in TABLE_HEADER:
        table.add_column(heading)
    table.add_row("weighted fusion + reranker (default)", *["0.880"] * (len(TABLE_HEADER) - 1))
    out = io.StringIO()
    print_whole(Console(file=out, highlight=False), table)  # not a terminal: rich assumes 80 columns
    shown = out.getvalue()
    assert all(heading in shown for heading in TABLE_HEADER), shown
    assert "weighted fusion + reranker (default)" in shown and "…" not in shown
