"""The ``qa-bot update`` and ``qa-bot add`` jobs: fetch feeds and pages into the articles folder, then build.

Never on the answer path: an update writes article files and builds a new index beside the live one;
a running bot keeps answering from the live index and reloads when the new build is published.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from qa_bot.errors import FeedError, UpdateLockedError
from qa_bot.feeds.entries import FeedEntry, parse_feed
from qa_bot.feeds.extract import extract_article
from qa_bot.feeds.feedlist import Feed, check_url
from qa_bot.feeds.fetch import Fetcher, FetchError, RobotsRefusal
from qa_bot.feeds.saved import ArticleVersion, Change, same_article, saved_text, store_article
from qa_bot.feeds.state import STATE_DIR, Failure, FeedState, FetchState, LinkState, PageState
from qa_bot.printable import plural
from qa_bot.records import moment_of

if TYPE_CHECKING:
    from qa_bot.index import BuildSummary

log = logging.getLogger(__name__)
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
Progress = Callable[[str, int, int], None]
"""Called as progress(stage, done, total): stage is "feeds" or "pages"."""


@dataclass(slots=True)
class UpdateSummary:
    """What an update did: feeds read, items new / unchanged / updated / failed / skipped, and the build."""

    feeds: int = 0
    feeds_not_modified: int = 0
    feeds_failed: int = 0
    new: int = 0
    unchanged: int = 0
    updated: int = 0
    failed: int = 0
    skipped: int = 0
    """Links that are not article pages (a PDF, a video page): remembered, never fetched again."""
    kept: int = 0
    """Saved articles whose page now reads as another page (a paywall, a sign-in page): their text was kept."""
    unsaved: int = 0
    """Pages fetched but not saved because the articles folder could not be written: fetched again next run."""
    unsaved_reason: str | None = None
    """Why the articles folder could not be written (a full disk, a read-only folder), when it could not."""
    problems: list[tuple[str, str]] = field(default_factory=list)
    """(URL, why) for each feed or page that failed or was skipped in this run."""
    build: BuildSummary | None = None
    """The build that followed, or None when no article changed (nothing embedded)."""
    note: str | None = None
    """Why no build ran, when it is not that the index is up to date."""

    @property
    def embedded(self) -> int:
        """Texts the build embedded (0 when nothing changed)."""
        return self.build.embedded if self.build else 0

    def count(self, change: Change) -> None:
        """Count one article saved as ``change``."""
        setattr(self, change, getattr(self, change) + 1)


@contextmanager
def update_lock(articles_dir: Path) -> Iterator[None]:
    """Hold the update lock of ``articles_dir`` (one update at a time); raise UpdateLockedError at once if held."""
    folder = Path(articles_dir) / STATE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "update.lock", "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip()  # which process, as a build's lock says
            raise UpdateLockedError(f"another update of {articles_dir} is running"
                                    + (f" ({holder})" if holder else "")) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(slots=True)
class _Item:
    """A link to fetch, and what its feed said of it."""

    link: str
    feed: str | None
    title: str | None = None
    published: str | None = None
    fingerprint: str | None = None

    @classmethod
    def of(cls, entry: FeedEntry, feed: str) -> _Item:
        return cls(untracked(entry.link), feed, entry.title, entry.published, entry.fingerprint)


class Updater:
    """One update of an articles folder: ``fetch_feeds`` and/or ``fetch_links``, with the state loaded."""

    def __init__(
        self, articles_dir: Path, state: FetchState, fetcher: Fetcher, *, recheck_days: float = 2.0,
        max_attempts: int = 5, progress: Progress | None = None, now: Callable[[], datetime] | None = None,
    ) -> None:
        self.articles_dir = Path(articles_dir)
        self.state = state
        self.fetcher = fetcher
        self.recheck = timedelta(days=recheck_days)
        self.max_attempts = max_attempts
        self.progress = progress or (lambda stage, done, total: None)
        self.now = now or (lambda: datetime.now(UTC))
        self.summary = UpdateSummary()
        self._validators: dict[str, tuple[str | None, str | None]] = {}
        """Each feed read in full this run: its new ETag and Last-Modified, kept only once its items are handled."""

    def fetch_feeds(self, feeds: list[Feed]) -> None:
        """Fetch every feed (one failing never stops the others), then the pages of its new or changed
        items, the recent articles (to catch corrections, even when their feed is not modified), and the
        pages that failed in earlier runs (unless their feed is no longer followed)."""
        items: dict[str, _Item] = {}
        for done, feed in enumerate(feeds, start=1):
            for item in self._read_feed(feed):
                items.setdefault(item.link, item)  # the same item in two feeds is fetched once
            self.progress("feeds", done, len(feeds))
        followed = {feed.url for feed in feeds}
        for page in self.state.pages.values():
            if page.link and page.link not in items and self._recent(page):
                items[page.link] = _Item(page.link, page.feed)
        for link, failure in list(self.state.failed.items()):
            if failure.feed is not None and failure.feed not in followed:
                del self.state.failed[link]  # its feed was removed: no longer wanted
            elif link not in items:  # retried even when its feed no longer lists it
                items[link] = _Item(link, failure.feed, failure.entry.get("title"), failure.entry.get("published"))
        self._fetch_items([item for item in items.values() if self._wanted(item)])
        # Only now may the next run be told "not modified": a run cut short (Ctrl-C, SIGTERM, a crash) keeps the
        # old validators, so the next one reads the feeds again and fetches the items this one did not reach.
        for url, (etag, last_modified) in self._validators.items():
            self.state.feeds[url].etag, self.state.feeds[url].last_modified = etag, last_modified

    def fetch_links(self, links: list[str]) -> None:
        """Fetch the pages at ``links`` (``qa-bot add``): always asked again, conditionally when known."""
        self._fetch_items([_Item(untracked(check_url(link)), None) for link in links])

    def _read_feed(self, feed: Feed) -> list[_Item]:
        known = self.state.feeds.setdefault(feed.url, FeedState())
        self.summary.feeds += 1
        known.checked_at = self.now().isoformat(timespec="seconds")
        try:
            response = self.fetcher.get(feed.url, etag=known.etag, last_modified=known.last_modified)
            if response.status == 304:
                self.summary.feeds_not_modified += 1
                known.error = None
                return []
            try:
                _, entries = parse_feed(response.body, response.url)
            except FeedError:  # some servers send a real feed as text/html: only what does not parse is refused
                if response.content_type not in HTML_TYPES:
                    raise
                raise FeedError(f"not an RSS or Atom feed: the URL gives a web page ({response.content_type}); "
                                "give the site's feed (its RSS or Atom link, often /rss.xml or /feed)") from None
        except (FetchError, FeedError) as exc:
            self.summary.feeds_failed += 1
            self.summary.problems.append((feed.url, str(exc)))  # printed once, with the summary
            known.error = str(exc)
            log.debug("feed %s failed: %s", feed.url, exc)
            return []
        known.error, known.items = None, len(entries)
        self._validators[feed.url] = (response.etag, response.last_modified)  # kept once its items are handled
        return [_Item.of(entry, feed.url) for entry in entries]

    def _wanted(self, item: _Item) -> bool:
        """Whether ``item``'s page must be fetched: new, failed before, its entry changed, or recent. A page skipped
        before (no article text yet: a breaking-news stub) is fetched again only when its feed entry changes."""
        if item.link in self.state.ignored:
            skipped = self.state.links.get(item.link)
            return bool(item.fingerprint and skipped and skipped.entry and skipped.entry != item.fingerprint)
        if item.link in self.state.failed:
            return True
        seen = self.state.links.get(item.link)
        page = self.state.pages.get(seen.canonical) if seen else None
        if seen is None or page is None:
            return True
        if item.fingerprint is not None and seen.entry != item.fingerprint:
            return True
        if self._recent(page):
            return True
        self.summary.unchanged += 1
        return False

    def _recent(self, page: PageState) -> bool:
        """Whether the article was published within the recheck window (corrections come early)."""
        published = moment_of(page.date)
        return published is not None and self.now() - published < self.recheck

    def _fetch_items(self, items: list[_Item]) -> None:
        for done, item in enumerate(items, start=1):
            self._fetch_item(item)
            self.progress("pages", done, len(items))
        if self.summary.unsaved:  # one line for the folder, first, not one per page that met it
            pages = plural(self.summary.unsaved, "page")
            self.summary.problems.insert(0, (str(self.articles_dir), (
                f"could not save {pages} into this folder ({self.summary.unsaved_reason}); "
                "they are fetched again by the next update")))

    def _fail(self, item: _Item, reason: str) -> None:
        previous = self.state.failed.get(item.link)
        attempts = (previous.attempts if previous else 0) + 1
        self.summary.failed += 1
        if attempts >= self.max_attempts:  # transient or not: a page may come back (a 404 before it is live)
            self.state.failed.pop(item.link, None)
            seen = self.state.links.get(item.link)
            if seen is None or seen.canonical not in self.state.pages:  # a saved article is never given up
                self.state.ignored[item.link] = f"gave up after {attempts} attempts: {reason}"
                reason = f"{reason}; given up after {attempts} attempts: updates no longer fetch it"
            self._problem(item.link, reason)
            return
        self._problem(item.link, reason)
        self.state.failed[item.link] = Failure(
            reason, attempts, item.feed, {"title": item.title, "published": item.published})

    def _unsaved(self, item: _Item, exc: OSError) -> None:
        """``item``'s page was fetched but the articles folder could not be written (a full disk, a read-only
        folder): the folder's fault, not the page's, so it uses up none of the page's attempts; it stays in
        ``failed`` (with the attempts it had) so the next update fetches it even when its feed is not modified."""
        self.summary.unsaved += 1
        self.summary.unsaved_reason = exc.strerror or str(exc)
        log.debug("%s: cannot save the article in %s: %s", item.link, self.articles_dir, exc)
        self.state.failed.setdefault(item.link, Failure(
            f"not saved: {self.summary.unsaved_reason}", 0, item.feed,
            {"title": item.title, "published": item.published}))

    def _skip(self, item: _Item, reason: str) -> None:
        self.state.failed.pop(item.link, None)
        self.state.ignored[item.link] = reason
        seen = self.state.links.get(item.link)
        if item.fingerprint and (seen is None or not seen.canonical):  # so a changed entry brings the page back
            self.state.links[item.link] = LinkState("", item.fingerprint)
        self.summary.skipped += 1
        self._problem(item.link, f"skipped: {reason}")

    def _problem(self, url: str, why: str) -> None:
        self.summary.problems.append((url, why))
        log.debug("%s: %s", url, why)

    def _fetch_item(self, item: _Item) -> None:
        seen = self.state.links.get(item.link)
        page = self.state.pages.get(seen.canonical) if seen else None
        try:
            response = self.fetcher.get(
                item.link, etag=page.etag if page else None, last_modified=page.last_modified if page else None
            )
        except RobotsRefusal as exc:  # the site's wish, not a failure: skipped, not retried 5 times
            self._skip(item, str(exc))
            return
        except FetchError as exc:
            self._fail(item, str(exc))
            return
        if response.status == 304 and seen is not None and page is not None:
            seen.entry = item.fingerprint or seen.entry
            self.state.failed.pop(item.link, None)
            self.summary.unchanged += 1
            return
        if response.content_type not in HTML_TYPES:
            feed = " (a feed? follow it with `qa-bot feeds add URL`)" if "xml" in response.content_type else ""
            self._skip(item, f"not an HTML page ({response.content_type or 'no content type'}){feed}")
            return
        try:
            article = extract_article(response.text(), response.url)
        except ValueError as exc:
            self._skip(item, str(exc))
            return
        if article is None:
            self._skip(item, "no article text found on the page")
            return
        fetched_at = self.now().isoformat(timespec="seconds")
        version = ArticleVersion(
            url=canonical_url(article.url, response.url), text=article.text, title=article.title or item.title,
            date=self._not_ahead(article.date, fetched_at, item.link),
            fallback_date=self._not_ahead(item.published or article.guessed_date, fetched_at, item.link),
            author=article.author, source=article.site, fetched_at=fetched_at, fetched_from=item.link,
            feed=item.feed, modified=article.modified,
        )
        if seen is not None and page is not None and self._reads_as_another_page(item.link, page, version.text):
            self._keep(item, seen, version.url)
            return
        try:
            change, file, stored = store_article(self.articles_dir, version)
        except OSError as exc:  # a full disk, a folder made read-only: the page is fetched again, the run goes on
            self._unsaved(item, exc)
            return
        self.summary.count(change)
        self.state.failed.pop(item.link, None)
        self.state.ignored.pop(item.link, None)
        if seen is not None and seen.canonical != stored.url:
            self._moved(item.link, seen.canonical)
        self.state.links[item.link] = LinkState(stored.url, item.fingerprint)
        if change == "unchanged" and stored.url in self.state.pages and self.state.pages[stored.url].link != item.link:
            return  # a copy of an article another link holds (an AMP page, the item in another feed)
        self.state.pages[stored.url] = PageState(
            file=file.relative_to(self.articles_dir).as_posix(), fetched_at=fetched_at,
            date=stored.date, etag=response.etag, last_modified=response.last_modified, link=item.link,
            feed=item.feed,
        )

    def _reads_as_another_page(self, link: str, page: PageState, text: str) -> bool:
        """Whether ``text``, fetched from ``link``, is not a version of the article ``link`` saved as ``page`` (a
        paywall, a consent or sign-in page served with a 200, under the same or another canonical URL)."""
        if page.link not in (link, None):  # another link's article (this link is its copy): store_article decides
            return False
        saved = saved_text(self.articles_dir / page.file)
        return saved is not None and not same_article(saved, text)

    def _keep(self, item: _Item, seen: LinkState, canonical: str) -> None:
        """Keep the article ``item`` saved, not the other page its link now gives: neither replaced nor, when that
        page claims another canonical URL, moved (its file would go). Asked again on the next recheck, or when
        its feed entry changes again, with the validators of the saved version (so not told "not modified")."""
        seen.entry = item.fingerprint or seen.entry
        self.state.failed.pop(item.link, None)
        self.summary.kept += 1
        moved = f" (which names {canonical} as its address)" if canonical != seen.canonical else ""
        self._problem(item.link, f"kept the saved text: the page now reads as another page{moved}")

    def _not_ahead(self, date: str | None, fetched_at: str, link: str) -> str | None:
        """``date``, or the fetch time when it is later: an article is not published after it was read (a page or
        feed in the wrong time zone would otherwise keep it out of every answer until that time)."""
        moment, fetched = moment_of(date), moment_of(fetched_at)
        if moment is None or fetched is None or moment <= fetched:
            return date
        log.warning("%s says it was published %s, after it was fetched: dated %s instead", link, date, fetched_at)
        return fetched_at

    def _moved(self, link: str, old_canonical: str) -> None:
        """``link``'s article now has another canonical URL: the file kept under the old one goes (it was this
        link's), so the index does not hold the old version beside the new."""
        old = self.state.pages.get(old_canonical)
        if old is None or old.link not in (link, None):
            return
        del self.state.pages[old_canonical]
        try:
            (self.articles_dir / old.file).unlink()
        except OSError as exc:
            log.warning("could not remove the old version %s: %s", old.file, exc)


TRACKING = frozenset({"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid"})
"""Query parameters that only say where a click came from (and every ``utm_...``)."""


def untracked(link: str) -> str:
    """``link`` without the parameters that only track where it was clicked (``?utm_source=rss``), so a page
    linked with and without them is one article, kept under its plain URL."""
    parts = urlsplit(link)
    given = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in given if not (k.lower().startswith("utm_") or k.lower() in TRACKING)]
    if len(kept) == len(given):
        return link
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), parts.fragment))


def canonical_url(claimed: str | None, final: str) -> str:
    """The URL an article is kept under: the canonical URL the page claims, when it is on the same site as
    the page (so a page cannot replace another site's article) and names more than the site's home page
    (some CMSs give every page the home page as canonical); else the URL the page was fetched from."""
    if not claimed or not claimed.lower().startswith(("http://", "https://")):
        return final
    from courlan import extract_domain

    mine, theirs = urlsplit(final), urlsplit(claimed)
    same_site = (extract_domain(final) or mine.hostname) == (extract_domain(claimed) or theirs.hostname) and (
        extract_domain(final) is not None or mine.port == theirs.port)
    return claimed if same_site and theirs.path.strip("/") else final
