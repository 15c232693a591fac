#!/usr/bin/env python3
"""Extraction quality on the 20 saved article pages: main text, date, title, author and canonical URL.

Usage: scripts/extraction_quality.py [--pages data/eval/extraction] [--only NAME ...] [--repeat 5] [--json]
       [--per-page]

Runs each extractor on every page of ``pages/`` (given the page's own URL, ``page_url``) and scores it
against ``truth.jsonl`` (see data/eval/extraction/SOURCE.md):

  * main text: the multiset of lowercased word tokens of the extracted text against the hand-marked text;
    precision, recall and F1 micro-averaged over pages (tokens pooled) and as the mean of the per-page scores;
    the pages with recall under 0.9. A page with nothing extracted scores 0.
  * date right: the same calendar day as the truth, as the page writes it (no time-zone conversion); on a page
    with no date, right means no date was given. Wrong: a different day, or a date invented on a no-date page.
  * title right: equal to the headline, ignoring case, spacing and the kind of quotation marks.
  * author right: the same set of names (``;``, ``,`` and "and" separate them); no author when none is given.
  * URL right: the canonical URL (or the page URL, where the page names none), ignoring a trailing slash.
  * ms per page: the mean over pages of the median wall time of ``--repeat`` extractions, after a warm-up call.

Extractors: ``product`` is :func:`qa_bot.feeds.extract.extract_article` as the feeds use it, and
``product+guessed-date`` the same with its ``guessed_date`` (trafilatura's date search) where ``date`` is None;
``html_to_page`` is the articles folder's HTML reader (:func:`qa_bot.ingest.htmltext.html_to_page`: all visible
text, no author; a caller falls back to the page URL when it names no canonical URL, and so does this script);
``trafilatura-precision`` and ``trafilatura-recall`` call trafilatura directly with the product's arguments
plus ``favor_precision`` or ``favor_recall``, so the product's choice of settings is measured too.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "data" / "eval" / "extraction"
LOW_RECALL = 0.9
_WORD = re.compile(r"\w+")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})


@dataclass(frozen=True)
class Truth:
    """One page's hand-marked answer (a line of truth.jsonl)."""

    page: str
    page_url: str
    text: str
    title: str
    date: str | None
    author: str | None
    url: str


@dataclass(frozen=True)
class Extraction:
    """What an extractor gave for a page; ``author`` is None for an extractor that reads no author."""

    text: str
    title: str | None
    date: str | None
    author: str | None
    url: str | None


Extractor = Callable[[str, str], Extraction]


@dataclass(frozen=True)
class PageScore:
    """One extractor on one page."""

    page: str
    common: int
    """Tokens in both the extracted and the true text (multiset intersection)."""
    extracted: int
    true: int
    precision: float
    recall: float
    f1: float
    date: str | None
    date_right: bool
    date_wrong: bool
    title_right: bool
    author_right: bool
    url_right: bool
    ms: float


@dataclass(frozen=True)
class Summary:
    """One extractor over all pages."""

    extractor: str
    pages: int
    precision: float
    recall: float
    f1: float
    mean_precision: float
    mean_recall: float
    mean_f1: float
    low_recall_pages: list[str]
    dates_right: int
    dates_wrong: int
    invented_dates: list[str]
    """No-date pages given a date."""
    titles_right: int
    authors_right: int | None
    """None for an extractor that reads no author."""
    urls_right: int
    ms_per_page: float
    per_page: list[PageScore]


def load_truth(folder: Path = PAGES) -> list[Truth]:
    """The records of ``folder/truth.jsonl``, in file order."""
    fields = Truth.__dataclass_fields__
    lines = (folder / "truth.jsonl").read_text(encoding="utf-8").splitlines()
    return [Truth(**{k: v for k, v in json.loads(line).items() if k in fields}) for line in lines if line.strip()]


def tokens(text: str) -> Counter[str]:
    """The multiset of lowercased word tokens of ``text`` (NFKC-normalised, so entities and ligatures agree)."""
    return Counter(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _plain(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFKC", text or "").translate(_QUOTES).casefold().split())


def _names(author: str | None) -> frozenset[str]:
    parts = re.split(r";|,|\band\b|&", unicodedata.normalize("NFC", author or ""))
    return frozenset(_plain(p) for p in parts if _plain(p))


def _day(date: str | None) -> str | None:
    match = re.match(r"\d{4}-\d{2}-\d{2}", date or "")
    return match.group(0) if match else None


def _url(url: str | None) -> str:
    return (url or "").strip().rstrip("/")


def score_page(truth: Truth, got: Extraction, ms: float, reads_author: bool = True) -> PageScore:
    """Score one extraction against its truth."""
    want, have = tokens(truth.text), tokens(got.text)
    common = sum((want & have).values())
    extracted, true = sum(have.values()), sum(want.values())
    precision = common / extracted if extracted else 0.0
    recall = common / true if true else 0.0
    day = _day(got.date)
    if truth.date is None:
        date_right, date_wrong = got.date is None, got.date is not None
    else:
        date_right, date_wrong = day == truth.date, got.date is not None and day != truth.date
    return PageScore(
        page=truth.page, common=common, extracted=extracted, true=true, precision=precision, recall=recall,
        f1=_f1(precision, recall), date=got.date, date_right=date_right, date_wrong=date_wrong,
        title_right=_plain(got.title) == _plain(truth.title),
        author_right=reads_author and _names(got.author) == _names(truth.author),
        url_right=_url(got.url) == _url(truth.url), ms=ms,
    )


def run(name: str, extractor: Extractor, truths: list[Truth], folder: Path = PAGES,
        reads_author: bool = True, repeat: int = 1) -> Summary:
    """Run ``extractor`` on every page of ``truths`` (``repeat`` times, for the timing) and summarise its scores."""
    pages = [(t, (folder / "pages" / t.page).read_text(encoding="utf-8")) for t in truths]
    if pages:
        extractor(pages[0][1], pages[0][0].page_url)  # warm-up: imports and caches are not timed
    scores = []
    for truth, html in pages:
        times = []
        for _ in range(max(1, repeat)):
            began = time.perf_counter()
            got = extractor(html, truth.page_url)
            times.append((time.perf_counter() - began) * 1000)
        scores.append(score_page(truth, got, statistics.median(times), reads_author))
    common, extracted, true = (sum(getattr(s, k) for s in scores) for k in ("common", "extracted", "true"))
    precision = common / extracted if extracted else 0.0
    recall = common / true if true else 0.0
    mean = statistics.fmean if scores else (lambda _: 0.0)
    no_date = {t.page for t in truths if t.date is None}
    return Summary(
        extractor=name, pages=len(scores), precision=precision, recall=recall, f1=_f1(precision, recall),
        mean_precision=mean([s.precision for s in scores]), mean_recall=mean([s.recall for s in scores]),
        mean_f1=mean([s.f1 for s in scores]),
        low_recall_pages=[s.page for s in scores if s.recall < LOW_RECALL],
        dates_right=sum(s.date_right for s in scores), dates_wrong=sum(s.date_wrong for s in scores),
        invented_dates=[s.page for s in scores if s.page in no_date and s.date is not None],
        titles_right=sum(s.title_right for s in scores),
        authors_right=sum(s.author_right for s in scores) if reads_author else None,
        urls_right=sum(s.url_right for s in scores), ms_per_page=mean([s.ms for s in scores]), per_page=scores,
    )


# --- the extractors -----------------------------------------------------------------------------------------


def product_extractor(with_guess: bool = False) -> Extractor:
    """:func:`qa_bot.feeds.extract.extract_article`, as the feeds call it (None scores as nothing found).
    With ``with_guess``, its ``guessed_date`` (trafilatura's date search of the text and URL) stands in for a
    missing ``date``."""
    from qa_bot.feeds.extract import extract_article

    def extract(html: str, url: str) -> Extraction:
        article = extract_article(html, url)
        if article is None:
            return Extraction("", None, None, None, None)
        date = article.date or (getattr(article, "guessed_date", None) if with_guess else None)
        return Extraction(article.text, article.title, date, article.author, article.url)

    return extract


def html_to_page_extractor() -> Extractor:
    """The articles folder's HTML reader: all visible text; the page URL where the page names no canonical."""
    from qa_bot.ingest.htmltext import html_to_page

    def extract(html: str, url: str) -> Extraction:
        page = html_to_page(html)
        return Extraction(page.text, page.title, page.date, None, page.url or url)

    return extract


def trafilatura_extractor(favor_precision: bool = False, favor_recall: bool = False) -> Callable[[], Extractor]:
    """trafilatura's ``bare_extraction`` with the product's arguments and ``favor_precision`` or ``favor_recall``."""

    def make() -> Extractor:
        import trafilatura

        def extract(html: str, url: str) -> Extraction:
            found = trafilatura.bare_extraction(
                html, url=url, with_metadata=True, include_comments=False, deduplicate=False,
                date_extraction_params={"extensive_search": True, "original_date": True},
                favor_precision=favor_precision, favor_recall=favor_recall,
            )
            if found is None:
                return Extraction("", None, None, None, None)
            doc = found if isinstance(found, dict) else found.as_dict()
            return Extraction(doc.get("text") or "", doc.get("title"), doc.get("date"), doc.get("author"),
                              doc.get("url") or url)

        return extract

    return make


EXTRACTORS: dict[str, tuple[Callable[[], Extractor], bool]] = {
    "product": (product_extractor, True),
    "product+guessed-date": (lambda: product_extractor(with_guess=True), True),
    "html_to_page": (html_to_page_extractor, False),
    "trafilatura-precision": (trafilatura_extractor(favor_precision=True), True),
    "trafilatura-recall": (trafilatura_extractor(favor_recall=True), True),
}
"""Each extractor's factory (imports happen when it is made) and whether it reads an author."""
LABELS = {
    "product": "trafilatura, as the product uses it (`extract_article`)",
    "product+guessed-date": "the same, `guessed_date` where `date` is None",
    "html_to_page": "`html_to_page` (current HTML reader)",
    "trafilatura-precision": "trafilatura, `favor_precision=True`",
    "trafilatura-recall": "trafilatura, `favor_recall=True`",
}


def evaluate(names: list[str] | None = None, folder: Path = PAGES, repeat: int = 1) -> list[Summary]:
    """Run the named extractors (all by default) on the pages of ``folder``."""
    truths = load_truth(folder)
    summaries = []
    for name in names or list(EXTRACTORS):
        factory, reads_author = EXTRACTORS[name]
        summaries.append(run(name, factory(), truths, folder, reads_author, repeat))
    return summaries


def table(summaries: list[Summary]) -> str:
    """The summaries as a Markdown table."""
    head = ("| extractor | precision | recall | F1 | per-page P / R / F1 | pages recall < 0.9 | dates right "
            "| wrong dates | titles right | authors right | URLs right | ms/page |")
    rows = [head, "|" + " --- |" * head.count(" | ") + " --- |"]
    for s in summaries:
        authors = "n/a" if s.authors_right is None else f"{s.authors_right}/{s.pages}"
        rows.append(
            f"| {LABELS.get(s.extractor, s.extractor)} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} "
            f"| {s.mean_precision:.3f} / {s.mean_recall:.3f} / {s.mean_f1:.3f} | {len(s.low_recall_pages)} "
            f"| {s.dates_right}/{s.pages} | {s.dates_wrong} | {s.titles_right}/{s.pages} | {authors} "
            f"| {s.urls_right}/{s.pages} | {s.ms_per_page:.1f} |"
        )
    return "\n".join(rows)


def per_page_table(summary: Summary) -> str:
    """One extractor's page-by-page scores, as a Markdown table."""
    rows = [f"#### {summary.extractor}", "", "| page | P | R | date | date ok | title | author | URL |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for s in summary.per_page:
        rows.append(f"| {s.page} | {s.precision:.2f} | {s.recall:.2f} | {s.date} | {'y' if s.date_right else 'n'} "
                    f"| {'y' if s.title_right else 'n'} | {'y' if s.author_right else 'n'} "
                    f"| {'y' if s.url_right else 'n'} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=Path, default=PAGES, help="folder with pages/ and truth.jsonl")
    parser.add_argument("--only", nargs="+", choices=list(EXTRACTORS), help="run only these extractors")
    parser.add_argument("--repeat", type=int, default=5, help="extractions a page, for the timing (median)")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    parser.add_argument("--per-page", action="store_true", help="also print each extractor's page-by-page scores")
    args = parser.parse_args(argv)
    summaries = evaluate(args.only, args.pages, args.repeat)
    if args.json:
        records = [asdict(s) for s in summaries]
        if not args.per_page:
            for record in records:
                record.pop("per_page")
        json.dump(records, sys.stdout, indent=2)
        print()
        return 0
    print(table(summaries))
    for s in summaries:
        details = [f"low recall: {', '.join(s.low_recall_pages) or 'none'}",
                   f"dates invented: {', '.join(s.invented_dates) or 'none'}"]
        print(f"\n{s.extractor}: " + "; ".join(details))
    if args.per_page:
        for s in summaries:
            print("\n" + per_page_table(s))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
