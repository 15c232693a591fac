"""The ``qa-bot feeds``, ``qa-bot update`` and ``qa-bot add`` commands (registered by :mod:`qa_bot.cli`)."""

from __future__ import annotations

import re
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from qa_bot.cli_common import GivenPath, _console, _fail, _settings, friendly_errors, index_option, readable
from qa_bot.printable import printable

if TYPE_CHECKING:
    from qa_bot.config import Settings
    from qa_bot.feeds.update import UpdateSummary

def _articles(what: str) -> Any:
    return click.option("--articles", "articles_dir", type=GivenPath(path_type=Path, file_okay=False), default=None,
                        help=f"Articles folder (default: QA_BOT_ARTICLES_DIR or data/articles){what}.")


articles_option = _articles("; its feed list is feeds.toml in it")
pages_articles_option = _articles(", where the pages are saved")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_MAX_PROBLEMS_SHOWN = 10


def parse_every(text: str) -> float:
    """Seconds in a duration such as ``15m``, ``1h``, ``1h30m``, ``90s`` or ``1d`` (a minute to 30 days).

    Raises:
        click.BadParameter: it is not one, or is shorter than a minute.
    """
    cleaned = text.strip().replace(" ", "")
    if not cleaned or _DURATION.sub("", cleaned):
        raise click.BadParameter(f"{text!r} is not a duration such as 15m, 1h or 1h30m")
    seconds = sum(float(n) * _UNIT_SECONDS[u.lower()] for n, u in _DURATION.findall(cleaned))
    if seconds < 60:
        raise click.BadParameter("updates come at least a minute apart: feeds are fetched politely")
    if seconds > 30 * 86400:
        raise click.BadParameter("updates come at most 30 days apart (use a timer or cron for rarer ones)")
    return seconds


@click.group("feeds")
def feeds_group() -> None:
    """Follow RSS and Atom feeds: `qa-bot update` fetches their new articles into the articles folder.

    The list is feeds.toml in the articles folder (QA_BOT_ARTICLES_DIR). It may be edited by hand too: add
    and remove keep its comments and blank lines.

    \b
      qa-bot feeds add https://news.example.org/rss.xml --name "Example News"
      qa-bot feeds list
      qa-bot feeds remove 1
      qa-bot update
    """


@feeds_group.command("add")
@click.argument("url")
@click.option("--name", default=None, help="A name to show for the feed (default: its URL).")
@articles_option
@friendly_errors
def feeds_add(url: str, name: str | None, articles_dir: Path | None) -> None:
    """Follow the feed at URL (fetched by the next `qa-bot update`)."""
    from qa_bot.feeds.feedlist import add_feed, feeds_path

    settings = _settings(articles_dir=articles_dir)
    feed = add_feed(settings.articles_dir, readable(url), readable(name) if name else None)  # a byte not UTF-8: U+FFFD
    click.echo(f"Following {feed.label} (in {feeds_path(settings.articles_dir)}); run `qa-bot update` to fetch it.")


@feeds_group.command("remove")
@click.argument("feed")
@articles_option
@friendly_errors
def feeds_remove(feed: str, articles_dir: Path | None) -> None:
    """Stop following FEED (its URL, or its number in `qa-bot feeds list`); its articles stay."""
    from qa_bot.feeds.feedlist import remove_feed

    settings = _settings(articles_dir=articles_dir)
    removed = remove_feed(settings.articles_dir, feed)
    click.echo(f"No longer following {removed.label}; the articles fetched from it stay in {settings.articles_dir}.")


@feeds_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per feed.")
@articles_option
@friendly_errors
def feeds_list(as_json: bool, articles_dir: Path | None) -> None:
    """The feeds followed, with how their last fetch went."""
    import json

    from qa_bot.feeds.feedlist import feeds_path, load_feeds, require_articles_dir
    from qa_bot.feeds.state import load_state

    settings = _settings(articles_dir=articles_dir)
    require_articles_dir(settings.articles_dir)
    feeds, state = load_feeds(settings.articles_dir), load_state(settings.articles_dir)
    if not feeds and not as_json:
        click.echo(f"No feeds followed in {feeds_path(settings.articles_dir)}: add one with `qa-bot feeds add URL`.")
        return
    for number, feed in enumerate(feeds, start=1):
        seen = state.feeds.get(feed.url)
        row = {"number": number, "url": feed.url, "name": feed.name, "added": feed.added,
               "checked_at": seen.checked_at if seen else None, "items": seen.items if seen else 0,
               "error": seen.error if seen else None}
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
            continue
        status = ("never fetched" if not seen or not seen.checked_at else
                  f"checked {seen.checked_at}, " + (f"failed: {seen.error}" if seen.error else f"{seen.items} items"))
        click.echo(f"{number:>3}  {feed.label}" + (f" <{feed.url}>" if feed.name else "") + f"  ({status})")


def _report(summary: UpdateSummary, links: list[str] | None, *, exits: bool = True) -> None:
    """Print the summary line and the problems; when ``exits`` and nothing worked, the problems are left to
    the error line that follows (under ``--every`` there is none: the schedule goes on)."""
    from qa_bot.feeds.job import summary_line

    click.echo(summary_line(summary))
    if exits and _all_failed(summary, links):
        return  # said once, as the error line
    for url, why in summary.problems[:_MAX_PROBLEMS_SHOWN]:  # a feed's text: no terminal escapes reach the screen
        click.echo(f"  {printable(url)}: {printable(why)}", err=True)
    if len(summary.problems) > _MAX_PROBLEMS_SHOWN:
        click.echo(f"  … and {len(summary.problems) - _MAX_PROBLEMS_SHOWN} more (qa-bot -v update lists all)", err=True)


def _all_failed(summary: UpdateSummary, links: list[str] | None) -> bool:
    """Nothing worked: every feed failed, or every link given to add did, or the articles folder could not be
    written and so nothing fetched was saved."""
    if links is not None:
        return summary.new + summary.updated + summary.unchanged == 0
    return (summary.feeds > 0 and summary.feeds_failed == summary.feeds) or _nothing_saved(summary)


def _nothing_saved(summary: UpdateSummary) -> bool:
    """Pages were fetched to be saved, and none could be: the folder cannot be written (a full disk)."""
    return summary.unsaved > 0 and summary.new + summary.updated == 0


def _fail_when_nothing_worked(summary: UpdateSummary, links: list[str] | None) -> None:
    """Exit 1 with one ``error:`` line when every feed (or every link given to add) failed, or nothing fetched
    could be saved."""
    if not _all_failed(summary, links):
        return
    url, why = summary.problems[0]  # the folder's line first, when it could not be written
    more = f" (and {len(summary.problems) - 1} more)" if len(summary.problems) > 1 else ""
    what = ("no page could be saved" if links is not None or _nothing_saved(summary) else "every feed failed")
    _fail(f"{what}: {printable(url)}: {printable(why)}{more}")


def _update_once(settings: Settings, links: list[str] | None, *, exits: bool = True) -> UpdateSummary:
    from qa_bot.feeds.job import run_update

    summary = run_update(settings, links, _console(stderr=True))
    _report(summary, links, exits=exits)
    return summary


@click.command("update")
@click.option(
    "--every", "interval", default=None, metavar="DURATION",
    callback=lambda _ctx, _param, value: None if value is None else parse_every(value),  # an error names --every
    help="Keep going: update again every DURATION (15m, 1h, 1h30m); Ctrl-C or SIGTERM stops. Without it, "
    "update once.",
)
@articles_option
@index_option
@friendly_errors
def update_command(interval: float | None, articles_dir: Path | None, index_dir: Path | None) -> None:
    """Fetch every feed followed, save new and changed articles, and rebuild the index incrementally.

    Fetching is polite: conditional GETs (ETag, Last-Modified), one request per host at a time with a pause
    between (QA_BOT_FEEDS_HOST_INTERVAL), robots.txt honoured, timeouts (QA_BOT_FEEDS_TIMEOUT) and a size
    cap (QA_BOT_FEEDS_MAX_PAGE_MB). A page that fails is retried by the next update. A bot answering from
    the index keeps answering during an update and reloads when it ends.

    Exit status: 0 (also when another update of the folder is still running: this one then does nothing,
    so overlapping timer or cron runs are no failures), or 1 when every feed failed, nothing fetched could
    be saved (the articles folder cannot be written), or no feed is followed yet.
    """
    from qa_bot.errors import UpdateLockedError

    settings = _settings(articles_dir=articles_dir, index_dir=index_dir)
    if interval is None:
        try:
            summary = _update_once(settings, None)
        except UpdateLockedError as exc:
            click.echo(f"{exc}: this run does nothing (that one fetches the feeds)", err=True)
            return
        _fail_when_nothing_worked(summary, None)
        return
    import signal

    from qa_bot.errors import QABotError
    from qa_bot.redact import redact

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # A service manager's stop ends the schedule as Ctrl-C does, mid-update too: what was fetched is kept,
    # a build cut short leaves the live index as it was, and the next update picks up from there.
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        while True:
            started = time.monotonic()
            try:
                _update_once(settings, None, exits=False)
            except QABotError as exc:  # one bad run (a build refused, the folder locked) never stops the schedule
                click.secho(f"error: {redact(str(exc))}", fg="red", err=True)
            wait = max(0.0, started + interval - time.monotonic())
            next_at = datetime.fromtimestamp(time.time() + wait).strftime("%Y-%m-%d %H:%M:%S")
            click.echo(f"Next update at {next_at} (Ctrl-C stops).", err=True)
            time.sleep(wait)
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _page_url(url: str) -> str:
    """``url`` as an http(s) URL; a usage error otherwise, with a hint when it names a file on this machine."""
    from qa_bot.errors import FeedError
    from qa_bot.feeds.feedlist import check_url

    try:
        return check_url(readable(url))
    except FeedError as exc:
        local = Path(url.removeprefix("file://")).expanduser()
        try:
            here = local.exists()
        except (OSError, ValueError):  # a name too long for a path, a NUL byte: not a file here
            here = False
        hint = (f"; {local} is a file here: copy it into the articles folder and run `qa-bot index build`"
                if here else "")
        raise click.UsageError(f"{exc}{hint}") from None


@click.command("add")
@click.argument("urls", nargs=-1, required=True)
@pages_articles_option
@index_option
@friendly_errors
def add_command(urls: tuple[str, ...], articles_dir: Path | None, index_dir: Path | None) -> None:
    """Fetch the article pages at URLS into the articles folder and rebuild the index incrementally.

    A page already saved is fetched again (conditionally): a changed text replaces the old version.
    Exit status: 0, or 1 when no page could be saved.
    """
    links = [_page_url(url) for url in urls]  # all checked before anything is made or fetched
    settings = _settings(articles_dir=articles_dir, index_dir=index_dir)
    _fail_when_nothing_worked(_update_once(settings, links), links)
