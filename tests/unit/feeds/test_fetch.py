"""The fetcher against a real web site on loopback (tests/site.py): statuses, caps, redirects, robots.txt, pacing."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from qa_bot.errors import QABotError
from qa_bot.feeds.fetch import USER_AGENT, Fetcher, FetchError, FetchPolicy, Response

from ...site import Site

FAST = FetchPolicy(allow_private=True, timeout=2.0, host_interval=0.0)
"""No pacing, short timeouts: what most tests fetch with."""
MB = 1024 * 1024


@pytest.fixture
def site() -> Iterator[Site]:
    with Site() as running:
        yield running


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(FAST) as running:
        yield running


def fails(fetcher: Fetcher, url: str, **kwargs: str) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetcher.get(url, **kwargs)
    assert "\n" not in str(caught.value)
    return caught.value


class FakeClock:
    """A monotonic clock that moves only when slept on; records every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def test_an_answer_carries_its_type_charset_and_validators(site, fetcher):
    site.route("/page", body="Café crème".encode("latin-1"), content_type='Text/HTML; Charset="ISO-8859-1"',
               etag='"v1"', last_modified="Wed, 02 Dec 2026 10:00:00 GMT")
    response = fetcher.get(site.url("/page"))
    assert response == Response(site.url("/page"), 200, "Café crème".encode("latin-1"), "text/html", "iso-8859-1",
                                '"v1"', "Wed, 02 Dec 2026 10:00:00 GMT")
    assert response.text() == "Café crème"


def test_text_falls_back_to_utf8_and_a_missing_type_is_empty(site, fetcher):
    site.route("/bare", body="naïve".encode(), content_type=None)
    site.route("/odd", body="naïve".encode(), content_type="text/plain; charset=no-such-charset")
    bare, odd = fetcher.get(site.url("/bare")), fetcher.get(site.url("/odd"))
    assert (bare.content_type, bare.charset, bare.etag, bare.last_modified) == ("", None, None, None)
    assert bare.text() == odd.text() == "naïve"


@pytest.mark.parametrize(("body", "text"), [
    # The page's own declaration, in either form, when the header gives no charset.
    ('<meta charset="iso-8859-1"><p>Café Müller in Zürich schließt</p>'.encode("latin-1"),
     '<meta charset="iso-8859-1"><p>Café Müller in Zürich schließt</p>'),
    ('<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=windows-1252"><p>the €3 billion</p>'.encode("cp1252"),
     '<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=windows-1252"><p>the €3 billion</p>'),
    # Undeclared: UTF-8 when the bytes are, else windows-1252 (what unlabelled legacy pages are).
    ("<p>Renée Dubois</p>".encode(), "<p>Renée Dubois</p>"),
    ("<p>Renée Dubois said “no”</p>".encode("cp1252"), "<p>Renée Dubois said “no”</p>"),
    ("\ufeff<p>Renée</p>".encode(), "<p>Renée</p>"),  # a byte order mark wins
])
def test_a_page_is_decoded_as_a_browser_would_when_its_header_names_no_charset(site, fetcher, body, text):
    site.route("/legacy", body=body, content_type="text/html")
    assert fetcher.get(site.url("/legacy")).text() == text


def test_a_conditional_get_is_answered_304_until_the_page_changes(site, fetcher):
    stamp = "Wed, 02 Dec 2026 10:00:00 GMT"
    site.route("/feed.xml", body=b"<rss>1</rss>", content_type="application/rss+xml", etag='"v1"', last_modified=stamp)
    first = fetcher.get(site.url("/feed.xml"))
    again = fetcher.get(site.url("/feed.xml"), etag=first.etag, last_modified=first.last_modified)
    assert (again.status, again.body, again.etag) == (304, b"", '"v1"')
    sent = site.requests[-1].headers
    assert (sent["if-none-match"], sent["if-modified-since"]) == ('"v1"', stamp)
    assert "if-none-match" not in site.requests[-2].headers  # the first GET was plain

    site.route("/feed.xml", body=b"<rss>2</rss>", content_type="application/rss+xml", etag='"v2"')
    changed = fetcher.get(site.url("/feed.xml"), etag=first.etag)
    assert (changed.status, changed.body, changed.etag) == (200, b"<rss>2</rss>", '"v2"')


def test_if_modified_since_alone_gets_304(site, fetcher):
    site.route("/a", body=b"x", last_modified="Wed, 02 Dec 2026 10:00:00 GMT")
    assert fetcher.get(site.url("/a"), last_modified="Wed, 02 Dec 2026 10:00:00 GMT").status == 304
    assert fetcher.get(site.url("/a"), last_modified="Tue, 01 Dec 2026 10:00:00 GMT").status == 200


@pytest.mark.parametrize(("status", "transient"), [(500, True), (503, True), (429, True), (408, True),
                                                   (404, False), (403, False), (410, False), (400, False)])
def test_an_error_status_fails_transient_only_when_a_retry_may_help(site, fetcher, status, transient):
    site.route("/x", status=status, body=b"an error page")
    error = fails(fetcher, site.url("/x"))
    assert (str(error), error.transient, error.status, error.url) == (f"HTTP {status}", transient, status,
                                                                     site.url("/x"))
    assert isinstance(error, QABotError)


def test_an_unknown_path_is_404(site, fetcher):
    assert str(fails(fetcher, site.url("/nothing-here"))) == "HTTP 404"


def test_a_slow_host_times_out(site):
    site.route("/slow", body=b"late", delay=5.0)
    started = time.monotonic()
    with Fetcher(FetchPolicy(allow_private=True, timeout=0.5, host_interval=0)) as fetcher:
        error = fails(fetcher, site.url("/slow"))
    assert time.monotonic() - started < 1.5
    assert (str(error), error.transient) == ("timed out after 0.5 s", True)


def test_a_trickling_host_is_cut_off_at_the_deadline(site):
    site.route("/trickle", body=b"x" * 1000, trickle=0.05)  # each byte well within the read timeout
    started = time.monotonic()
    with Fetcher(FetchPolicy(allow_private=True, timeout=0.5, host_interval=0)) as fetcher:
        error = fails(fetcher, site.url("/trickle"))
    assert time.monotonic() - started < 1.5
    assert (str(error), error.transient) == ("timed out after 0.5 s", True)


def test_a_host_trickling_its_headers_is_cut_off_at_the_deadline(site):
    site.route("/headers", header_trickle=0.02)  # 100 header lines would take 2 s, each line within the timeout
    started = time.monotonic()
    with Fetcher(FetchPolicy(allow_private=True, timeout=0.5, host_interval=0)) as fetcher:
        error = fails(fetcher, site.url("/headers"))
        assert time.monotonic() - started < 1.2
        assert (str(error), error.transient) == ("timed out after 0.5 s", True)
        site.route("/ok", body=b"fine")
        assert fetcher.get(site.url("/ok")).body == b"fine"  # the next request on the host is not cut


@pytest.mark.parametrize("route", [
    {"size": 20 * MB},  # Content-Length says so: refused before reading
    {"size": 20 * MB, "content_length": False},  # chunked: cut once the cap is passed
    {"size": 200 * MB, "gzip": True},  # about 0.2 MB on the wire, 200 MB inflated
], ids=["content-length", "chunked", "gzip-bomb"])
def test_a_body_over_the_cap_is_refused(site, route):
    site.route("/huge", **route)
    site.route("/ok", body=b"fine")
    started = time.monotonic()
    with Fetcher(FetchPolicy(allow_private=True, max_bytes=1 * MB, timeout=2.0, host_interval=0)) as fetcher:
        error = fails(fetcher, site.url("/huge"))
        assert (str(error), error.transient) == ("larger than 1 MB", False)
        assert fetcher.get(site.url("/ok")).body == b"fine"  # the cut connection was not reused
    assert time.monotonic() - started < 2


def test_a_compressed_body_arrives_decompressed(site, fetcher):
    site.route("/z", body=b"<p>news</p>" * 1000, gzip=True)
    site.route("/big", size=3 * MB, gzip=True)
    assert fetcher.get(site.url("/z")).body == b"<p>news</p>" * 1000
    assert "gzip" in site.requests[-1].headers["accept-encoding"]
    assert len(fetcher.get(site.url("/big")).body) == 3 * MB  # under the 5 MB default cap


def test_a_body_exactly_at_the_cap_is_accepted(site):
    site.route("/edge", size=1 * MB, content_length=False)
    with Fetcher(FetchPolicy(allow_private=True, max_bytes=1 * MB, host_interval=0)) as fetcher:
        assert len(fetcher.get(site.url("/edge")).body) == 1 * MB


def test_redirects_are_followed_to_the_final_url(site, fetcher):
    site.route("/old", redirect="/moved", status=301)  # relative
    site.route("/moved", redirect=site.url("/new", host="localhost"), status=307)  # absolute, another host
    site.route("/new", body=b"here", etag='"n"')
    response = fetcher.get(site.url("/old"), etag='"n"')
    assert (response.url, response.status) == (site.url("/new", host="localhost"), 304)
    assert all(r.headers.get("if-none-match") == '"n"' for r in site.requests if r.path != "/robots.txt")


def test_redirects_stop_at_the_limit_and_at_a_loop(site, fetcher):
    for hop in range(6):
        site.route(f"/r{hop}", redirect=f"/r{hop + 1}")
    site.route("/r6", body=b"end")
    assert str(fails(fetcher, site.url("/r0"))) == "too many redirects (more than 5)"
    assert fetcher.get(site.url("/r1")).body == b"end"  # exactly five hops

    site.route("/a", redirect="/b")
    site.route("/b", redirect="/a")
    error = fails(fetcher, site.url("/a"))
    assert str(error).startswith("redirect loop") and not error.transient
    assert site.hits("/a") == 1 and site.hits("/b") == 1


@pytest.mark.parametrize("target", ["ftp://127.0.0.1/file", "file:///etc/passwd", "javascript:alert(1)"])
def test_a_redirect_out_of_http_is_refused(site, fetcher, target):
    site.route("/out", redirect=target)
    error = fails(fetcher, site.url("/out"))
    assert str(error).startswith("redirected to a URL that is not http(s): ")
    assert not error.transient


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/feed.xml", "file:///etc/passwd", "127.0.0.1/feed.xml",
                                 "mailto:news@example.com", "http:///no-host", "http://127.0.0.1:99999/x",
                                 "http://[::1/x", ""])
def test_a_url_that_is_not_http_is_refused_without_a_request(site, fetcher, url):
    error = fails(fetcher, url)
    assert str(error).startswith("not an http(s) URL") and not error.transient
    assert site.requests == []


def test_robots_txt_is_obeyed_and_read_once_per_site(site, fetcher):
    site.route("/robots.txt", body="User-agent: *\nDisallow: /private\n", content_type="text/plain")
    site.route("/private/page", body=b"secret")
    site.route("/public", body=b"open")
    error = fails(fetcher, site.url("/private/page"))
    assert (str(error), error.transient) == ("disallowed by robots.txt", False)
    assert fetcher.get(site.url("/public")).body == b"open"
    assert fetcher.get(site.url("/public?page=2")).body == b"open"
    assert (site.hits("/robots.txt"), site.hits("/private/page")) == (1, 0)
    fetcher.get(site.url("/public", host="localhost"))  # another site: its own robots.txt
    assert site.hits("/robots.txt") == 2


def test_robots_txt_rules_for_qa_bot_apply(site, fetcher):
    site.route("/robots.txt", body="User-agent: qa-bot\nDisallow: /\n\nUser-agent: *\nAllow: /\n")
    site.route("/page", body=b"x")
    assert str(fails(fetcher, site.url("/page"))) == "disallowed by robots.txt"
    assert site.hits("/page") == 0


def test_robots_txt_wildcards_and_the_longest_rule_are_read_as_rfc_9309_says(site, fetcher):
    site.route("/robots.txt", body="User-agent: *\nDisallow: /*.pdf$\nDisallow: /news/\nAllow: /news/public/\n")
    for path in ("/files/report.pdf", "/news/public/story.html", "/news/secret.html", "/report.pdf.html"):
        site.route(path, body=b"<p>x</p>")
    assert str(fails(fetcher, site.url("/files/report.pdf"))) == "disallowed by robots.txt"
    assert str(fails(fetcher, site.url("/news/secret.html"))) == "disallowed by robots.txt"
    assert fetcher.get(site.url("/news/public/story.html")).status == 200  # the longer Allow wins
    assert fetcher.get(site.url("/report.pdf.html")).status == 200  # $ anchors the end
    assert site.hits("/files/report.pdf") == site.hits("/news/secret.html") == 0


def test_a_redirect_into_a_disallowed_path_is_refused(site, fetcher):
    site.route("/robots.txt", body="User-agent: *\nDisallow: /private\n")
    site.route("/go", redirect="/private/x")
    site.route("/private/x", body=b"secret")
    assert str(fails(fetcher, site.url("/go"))) == "disallowed by robots.txt"
    assert site.hits("/private/x") == 0


def test_no_robots_txt_allows_everything(site, fetcher):
    site.route("/page", body=b"x")  # /robots.txt is a 404
    assert fetcher.get(site.url("/page")).body == b"x"
    assert [r.path for r in site.requests] == ["/robots.txt", "/page"]


@pytest.mark.parametrize("robots", [{"status": 500}, {"status": 429}, {"body": b"", "delay": 5.0}],
                         ids=["500", "429", "timeout"])
def test_an_unreachable_robots_txt_refuses_the_whole_site_for_now(site, robots):
    site.route("/robots.txt", **robots)
    site.route("/page", body=b"x")
    with Fetcher(FetchPolicy(allow_private=True, timeout=0.3, host_interval=0)) as fetcher:
        first, second = fails(fetcher, site.url("/page")), fails(fetcher, site.url("/other"))
    assert str(first).startswith("robots.txt unreachable (") and first.transient
    assert str(first) == str(second)
    assert (site.hits("/robots.txt"), site.hits("/page")) == (1, 0)


def test_robots_can_be_ignored_by_policy(site):
    site.route("/robots.txt", body="User-agent: *\nDisallow: /\n")
    site.route("/page", body=b"x")
    with Fetcher(FetchPolicy(allow_private=True, obey_robots=False, host_interval=0)) as fetcher:
        assert fetcher.get(site.url("/page")).body == b"x"
    assert site.hits("/robots.txt") == 0


def test_every_request_names_qa_bot(site, fetcher):
    site.route("/page", body=b"x")
    fetcher.get(site.url("/page"))
    assert USER_AGENT.startswith("qa-bot/")
    assert [r.headers["user-agent"] for r in site.requests] == [USER_AGENT, USER_AGENT]  # robots.txt and page


def test_requests_to_one_host_are_paced_and_other_hosts_are_not(site):
    site.route("/page", body=b"x")
    site.route("/hop", redirect="/page")
    clock = FakeClock()
    with Fetcher(FetchPolicy(allow_private=True, host_interval=10.0), clock=clock, sleep=clock.sleep) as fetcher:
        fetcher.get(site.url("/page"))  # robots.txt, then the page: one wait
        fetcher.get(site.url("/page"))
        assert clock.sleeps == [10.0, 10.0]
        fetcher.get(site.url("/hop"))  # a redirect hop waits its turn too
        assert clock.sleeps == [10.0, 10.0, 10.0, 10.0]
        clock.now += 25.0  # long after: no wait
        fetcher.get(site.url("/page"))
        assert len(clock.sleeps) == 4
    clock = FakeClock()
    polite = FetchPolicy(allow_private=True, host_interval=10.0, obey_robots=False)
    with Fetcher(polite, clock=clock, sleep=clock.sleep) as fetcher:
        fetcher.get(site.url("/page"))
        fetcher.get(site.url("/page", host="localhost"))
        assert clock.sleeps == []
        fetcher.get(site.url("/page"))
        assert clock.sleeps == [10.0]


def test_pacing_holds_on_the_real_clock(site):
    site.route("/page", body=b"x")
    with Fetcher(FetchPolicy(allow_private=True, host_interval=0.2, obey_robots=False)) as fetcher:
        fetcher.get(site.url("/page"))
        fetcher.get(site.url("/page"))
    first, second = site.arrivals("/page")
    assert second - first >= 0.19


def test_a_refused_connection_is_transient():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    with Fetcher(FetchPolicy(allow_private=True, obey_robots=False, host_interval=0)) as fetcher:
        error = fails(fetcher, f"http://127.0.0.1:{port}/feed.xml")
    assert (str(error), error.transient) == ("connection refused", True)


def test_the_site_closes_fast_with_a_slow_answer_in_flight():
    site = Site()
    site.route("/slow", body=b"late", delay=30.0)
    errors: list[FetchError] = []

    def fetch() -> None:
        with Fetcher(FetchPolicy(allow_private=True, obey_robots=False, timeout=10.0)) as fetcher:
            try:
                fetcher.get(site.url("/slow"))
            except FetchError as exc:
                errors.append(exc)

    worker = threading.Thread(target=fetch)
    worker.start()
    deadline = time.monotonic() + 2
    while not site.hits("/slow") and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    site.close()
    worker.join(timeout=2)
    assert time.monotonic() - started < 0.5
    assert not worker.is_alive() and errors and errors[0].transient


def test_loopback_and_private_addresses_are_refused_unless_allowed(site):
    site.route("/page.html", body=b"<p>internal</p>")
    with Fetcher(FetchPolicy(host_interval=0)) as fetcher:
        for url in (site.url("/page.html"), site.url("/page.html", host="localhost")):
            with pytest.raises(FetchError, match="private, loopback or link-local") as refused:
                fetcher.get(url)
            assert not refused.value.transient
    assert site.hits("/page.html") == 0  # refused before any request
