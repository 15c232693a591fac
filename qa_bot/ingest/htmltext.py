"""Plain text and metadata from an HTML page: visible text only, no tags, no scripts."""

from __future__ import annotations

import re
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

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


@dataclass(frozen=True, slots=True)
class HtmlPage:
    """What an HTML file yields: its text (blocks separated by blank lines) and metadata."""

    text: str
    title: str | None
    url: str | None
    date: str | None


def _meta(tree: LexborHTMLParser, *selectors: str) -> str | None:
    for selector in selectors:
        node = tree.css_first(selector)
        if node is None:
            continue
        value = node.attributes.get("content") or node.attributes.get("href") or node.attributes.get("datetime")
        value = value or node.text(strip=True)
        if value and value.strip():
            return value.strip()
    return None


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


def html_to_page(html: str) -> HtmlPage:
    """Extract the visible text of ``html``: one paragraph a block element, whitespace folded.

    Raises:
        ValueError: the elements nest deeper than ``MAX_DEPTH``.
    """
    if nesting_depth(html) > MAX_DEPTH:
        raise ValueError(f"HTML nested deeper than {MAX_DEPTH} elements")
    tree = LexborHTMLParser(re.sub(r"<br\s*/?>", "\n", html, flags=re.IGNORECASE))
    title = _meta(tree, 'meta[property="og:title"]', "title", "h1")
    url = _meta(tree, 'link[rel="canonical"]', 'meta[property="og:url"]')
    date = _meta(tree, 'meta[property="article:published_time"]', 'meta[name="date"]', "time[datetime]")
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
    if date:
        match = re.match(r"\d{4}-\d{2}-\d{2}", date)
        date = match.group(0) if match else date
    return HtmlPage(text=text, title=title, url=url, date=date)
