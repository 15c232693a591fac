"""Plain text and metadata from an HTML page: visible text only, no tags, no scripts."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain

from selectolax.lexbor import LexborHTMLParser, LexborNode

from qa_bot.ingest.dates import first_date

MAX_DEPTH = 1_000
"""Deeper nesting is refused: the parser's time grows with the square of the depth (100k levels: 20 s),
and real pages stay far below a hundred."""
# Elements that never nest (void) or whose end tag may be left out: they do not count towards the depth.
_NOT_NESTING = frozenset(
    "area base br col embed hr img input link meta param source track wbr"
    " p li dt dd tr td th option optgroup thead tbody tfoot colgroup rb rt rp".split()
)
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*?(/?)>")
_INVISIBLE = ["script", "style", "noscript", "template", "svg", "iframe", "head", "nav", "footer"]
_BLOCKS = frozenset(
    "address article aside blockquote body dd details div dl dt figcaption figure form h1 h2 h3 h4 h5 h6"
    " header hr li main ol p pre section summary table td th tr ul".split()
)
MAX_JSON_LD_CHARS = 1_000_000
"""A JSON-LD block longer than this is not read for the date."""
_ARTICLE_TYPE = re.compile(r"(?:Article|BlogPosting|Report)\Z")
# After article:published_time and JSON-LD, where else a page may say when it was published, most trusted first.
_DATE_SELECTORS = (
    'meta[itemprop="datePublished"]',
    'meta[name="date" i]',
    'meta[name="pubdate" i]',
    "time[pubdate][datetime]",
    "article time[datetime]",
    "main time[datetime]",
    "time[datetime]",
)


@dataclass(frozen=True, slots=True)
class HtmlPage:
    """What an HTML file yields: its text (blocks separated by blank lines) and metadata."""

    text: str
    title: str | None
    url: str | None
    date: str | None
    """ISO 8601 (see :func:`~qa_bot.ingest.dates.normalize_date`), or None."""
    unreadable_date: str | None = None
    """The page's first date when it has dates but none can be read (``date`` is then None)."""


def _meta_values(tree: LexborHTMLParser, *selectors: str) -> Iterator[str]:
    """The value of the first element each selector finds (its ``content``, ``href``, ``datetime`` or text)."""
    for selector in selectors:
        node = tree.css_first(selector)
        if node is None:
            continue
        value = node.attributes.get("content") or node.attributes.get("href") or node.attributes.get("datetime")
        value = value or node.text(strip=True)
        if value and value.strip():
            yield value.strip()


def _meta(tree: LexborHTMLParser, *selectors: str) -> str | None:
    return next(_meta_values(tree, *selectors), None)


def _json_ld_objects(data: object) -> Iterator[dict[str, object]]:
    """The objects of a JSON-LD block: itself or its list's items, and the items of their ``@graph``."""
    for item in data if isinstance(data, list) else [data]:
        if not isinstance(item, dict):
            continue
        yield item
        graph = item.get("@graph")
        for node in graph if isinstance(graph, list) else [graph]:
            if isinstance(node, dict):
                yield node


def _json_ld_dates(tree: LexborHTMLParser, key: str = "datePublished") -> Iterator[str]:
    """``key`` of the page's JSON-LD (``datePublished``): an article's first, then any other object's; bad JSON
    is passed by."""
    found: list[tuple[bool, str]] = []
    for script in tree.css('script[type="application/ld+json" i]'):
        raw = script.text(deep=True, strip=True)
        if len(raw) > MAX_JSON_LD_CHARS:
            continue
        raw = raw.removeprefix("<!--").removesuffix("-->").strip()
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            continue
        for item in _json_ld_objects(data):
            value = item.get(key)
            if isinstance(value, list):
                value = value[0] if value else None
            if isinstance(value, dict):
                value = value.get("@value")
            if not isinstance(value, str) or not value.strip():
                continue
            kinds = item.get("@type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            found.append((any(isinstance(k, str) and _ARTICLE_TYPE.search(k) for k in kinds), value))
    found.sort(key=lambda pair: not pair[0])  # stable: articles first, each group in page order
    return (value for _, value in found)


def _date_candidates(tree: LexborHTMLParser) -> Iterator[str]:
    """The dates a page gives for itself, most trusted first (read lazily: the first that reads wins)."""
    yield from _meta_values(tree, 'meta[property="article:published_time"]')
    yield from _json_ld_dates(tree)
    yield from _meta_values(tree, *_DATE_SELECTORS)


def structured_dates(html: str) -> tuple[str | None, str | None]:
    """When the page says it was published and last modified, from its metadata alone (meta tags, JSON-LD,
    ``<time>``), never from its text: ISO 8601 each, or None. Raises ValueError as :func:`html_to_page`."""
    _check_depth(html)
    tree = LexborHTMLParser(html)
    published, _ = first_date(_date_candidates(tree))
    modified, _ = first_date(
        chain(_meta_values(tree, 'meta[property="article:modified_time"]', 'meta[itemprop="dateModified"]'),
              _json_ld_dates(tree, "dateModified"))
    )
    return published, modified


def _block_id(node: LexborNode) -> int:
    """An id of the nearest block element around ``node`` (text in one block joins without breaks)."""
    parent = node.parent
    while parent is not None and parent.tag not in _BLOCKS:
        parent = parent.parent
    return 0 if parent is None else parent.mem_id


def nesting_depth(html: str, stop_at: int = MAX_DEPTH + 1) -> int:
    """How deep elements nest in ``html``, counted from its tags (stops counting at ``stop_at``)."""
    depth = deepest = 0
    for match in _TAG.finditer(html):
        closing, name, self_closing = match.groups()
        if self_closing or name.lower() in _NOT_NESTING:
            continue
        depth = max(0, depth - 1) if closing else depth + 1
        if depth > deepest:
            deepest = depth
            if deepest >= stop_at:
                break
    return deepest


def _check_depth(html: str) -> None:
    if nesting_depth(html) > MAX_DEPTH:
        raise ValueError(f"HTML nested deeper than {MAX_DEPTH} elements")


def html_to_page(html: str) -> HtmlPage:
    """Extract the visible text of ``html``: one paragraph a block element, whitespace folded.

    Raises:
        ValueError: the elements nest deeper than ``MAX_DEPTH``.
    """
    _check_depth(html)
    tree = LexborHTMLParser(re.sub(r"<br\s*/?>", "\n", html, flags=re.IGNORECASE))
    title = _meta(tree, 'meta[property="og:title"]', "title", "h1")
    url = _meta(tree, 'link[rel="canonical"]', 'meta[property="og:url"]')
    date, unreadable_date = first_date(_date_candidates(tree))
    tree.strip_tags(_INVISIBLE)
    root = tree.body or tree.root
    parts: list[str] = []
    current_block = -1
    if root is not None:
        for node in root.traverse(include_text=True):
            if not node.is_text_node:
                continue
            block = _block_id(node)
            if block != current_block and parts:
                parts.append("\n\n")
            current_block = block
            parts.append(node.text_content or "")
    text = "".join(parts)
    text = re.sub(r"[ \t\r\f\v\u00a0]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return HtmlPage(text=text, title=title, url=url, date=date, unreadable_date=unreadable_date)
