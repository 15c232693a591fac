#!/usr/bin/env python3
"""Write the 20 article pages of the extraction benchmark and their hand-marked truth (deterministic).

Usage: scripts/make_extraction_pages.py [--out data/eval/extraction]

Each page wraps one English Wikinews article (CC BY 2.5, from data/eval/wikinews/corpus.jsonl) in the
markup of an invented news site: header, navigation, consent banner, share buttons, ads, "Read more" links,
figures, pull quotes, byline, related stories, comments and footer. The site names, authors, captions, ads
and comments are invented; the article paragraphs are Wikinews' own. ``truth.jsonl`` gets one line a page:
the article's paragraphs exactly as the page shows them, and its title, date, author and canonical URL.
Running it again writes the same bytes.
"""

from __future__ import annotations

import argparse
import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.entities import codepoint2name
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "eval" / "wikinews" / "corpus.jsonl"
OUT = ROOT / "data" / "eval" / "extraction"


@dataclass(frozen=True)
class Article:
    """One Wikinews article as a page shows it: its paragraphs, headline, day and source URL."""

    doc_id: str
    title: str
    date: str
    source_url: str
    paragraphs: list[str]
    attributions: list[str]
    """The scrape's pull-quote attribution lines ("—One of the victim's lawyers"): page furniture, not text."""


@dataclass(frozen=True)
class Spec:
    """One page: its number, file slug, article, builder and the truth it is scored against."""

    number: int
    slug: str
    doc_id: str
    build: Callable[[Article, Spec], str]
    page_url: str
    canonical: str | None
    """The URL the page names for itself; None when it names none (the truth is then ``page_url``)."""
    author: str | None
    dated: bool = True
    """False: the page gives no publication date, and the truth date is null."""
    keep: int | None = None
    """Only the first ``keep`` paragraphs are on the page (a paginated article's first page)."""
    notes: str = ""
    extra: dict[str, object] = field(default_factory=dict)


def load_articles(path: Path = CORPUS) -> dict[str, Article]:
    """The corpus' articles by doc_id, paragraphs split on blank lines, attribution lines set apart."""
    articles = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        blocks = [b.strip() for b in row["text"].split("\n\n") if b.strip()]
        paragraphs = [b for b in blocks if not b.startswith(("—", "* "))]
        attributions = [b.removeprefix("—") for b in blocks if b.startswith("—")]
        articles[row["doc_id"]] = Article(row["doc_id"], row["title"], row["date"], row["url"], paragraphs,
                                          attributions)
    return articles


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def attr(text: str) -> str:
    return html.escape(text, quote=True)


def entities(text: str) -> str:
    """``text`` escaped with every non-ASCII character written as an entity (named where HTML has one)."""
    out = []
    for char in esc(text).replace("'", "&#39;"):
        code = ord(char)
        if code < 128:
            out.append(char)
        elif code in codepoint2name:
            out.append(f"&{codepoint2name[code]};")
        else:
            out.append(f"&#{code};" if code % 2 else f"&#x{code:x};")
    return "".join(out)


def slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60].rstrip("-")


def link_terms(paragraph_html: str, terms: dict[str, str]) -> str:
    """The first occurrence of each term wrapped in a link to its ``href`` (inline links, as editors add)."""
    for term, href in terms.items():
        paragraph_html = paragraph_html.replace(esc(term), f'<a href="{attr(href)}">{esc(term)}</a>', 1)
    return paragraph_html


def body(paragraphs: list[str], inserts: dict[int, str], wrap: Callable[[str], str]) -> str:
    """The paragraphs, each made markup by ``wrap``, with ``inserts[i]`` placed after paragraph ``i``."""
    parts = []
    for i, paragraph in enumerate(paragraphs):
        parts.append(wrap(paragraph))
        if i in inserts:
            parts.append(inserts[i])
    return "\n".join(parts)


def quote_of(article: Article, words: str) -> str:
    """A sentence fragment of the article, checked to be there (pull quotes repeat the text)."""
    assert any(words in p for p in article.paragraphs), (article.doc_id, words)
    return words


# Headlines of other Wikinews articles, for related-story lists, "Read more" links and "Most read" boxes.
HEADLINES: list[tuple[str, str]] = []


def others(article: Article, count: int, skip: int = 0) -> list[tuple[str, str]]:
    """``count`` headlines (title, date) of the articles after ``article`` in the corpus, wrapping around."""
    index = next(i for i, (title, _) in enumerate(HEADLINES) if title == article.title)
    picked = [HEADLINES[(index + 1 + skip + k) % len(HEADLINES)] for k in range(count)]
    return picked


def scripts_block(site: str, extra: str = "") -> str:
    return f"""<script>window.dataLayer = window.dataLayer || [];
dataLayer.push({{"site": "{site}", "pageType": "article", "consent": "pending"}});{extra}</script>
<script async src="https://metrics.example.com/tag.js?site={site}"></script>"""


COMMENTS: dict[str, list[tuple[str, str, str]]] = {
    "paris": [
        ("Hélène M.", "February 2, 2019 at 11:02 am",
         "Five years to get here. I hope the appeal court does not undo this."),
        ("rbertrand", "February 2, 2019 at 1:40 pm",
         "The part about her being tested for alcohol and not them says everything about how these cases are "
         "handled."),
        ("Jonas", "February 3, 2019 at 8:15 am",
         "Good reporting. Would be interesting to know how long the appeal will take in France."),
    ],
    "toilet": [
        ("Graham_P", "18/09/2019 14:22", "Flushed with success, the thieves were. Sorry, someone had to."),
        ("Oxon resident", "18/09/2019 16:05",
         "How do you get a plumbed-in gold toilet out of a palace without anyone noticing? Serious question."),
        ("MaryW", "19/09/2019 09:11", "Hope they find it before it is melted down. It is art after all."),
    ],
    "baker": [
        ("drumfan77", "3h", "Saw Cream at the Albert Hall in 2005. He was on fire that night. RIP Ginger."),
        ("Lucia R.", "2h", "Toad on Fresh Cream is still the drum solo every drummer has to learn."),
        ("oldmod", "1h", "Difficult man, genius player. Both things can be true."),
    ],
    "soleimani": [
        ("K. Farahani", "Jan 5, 2020", "This will not end here. Everyone in the region is bracing."),
        ("ptolemy_x", "Jan 5, 2020", "Is there any public evidence of the imminent attacks that were cited?"),
        ("Marc D.", "Jan 6, 2020", "The embassy advice to leave the country is the part that worries me most."),
    ],
    "mugabe": [
        ("Chipo", "9 Sep 2019", "Hero in 1980, tyrant by 2000. History will remember both."),
        ("Farai N.", "9 Sep 2019", "My parents lost their savings in the inflation years. Hard to mourn."),
    ],
    "gdansk": [
        ("Kasia z Wrzeszcza", "14.01.2019 21:40",
         "Cała Polska jest dziś w Gdańsku. The whole country is in Gdańsk tonight."),
        ("T. Nowak", "14.01.2019 22:03", "He was a good mayor for this city. Terrible news."),
        ("jens_k", "15.01.2019 07:30", "How did the attacker get a press badge? That needs answering."),
    ],
    "k2": [
        ("exoplanet_amy", "3 days ago", "Water vapour is exciting but 'potentially habitable' is doing a lot of "
         "work here. It is a mini-Neptune, not an Earth twin."),
        ("Ravi", "2 days ago", "Can't wait for Webb to look at this one. Great write-up."),
        ("stargazer_dan", "1 day ago", "110 light-years. So close and yet so far."),
    ],
    "ibis": [
        ("Nadia", "a week ago", "So the ancient Egyptians managed wild flocks rather than farms. Fascinating."),
        ("bookish_ben", "5 days ago", "Does anyone know if the DNA paper is open access? I'd love to read it."),
    ],
    "vanhalen": [
        ("Rick from Pasadena", "", "Eruption changed my life at 14. Thank you Eddie."),
        ("shredder_sue", "", "Nobody made a guitar sound like that before him. Nobody."),
        ("Tom", "", "Jump was the first single I ever bought. Rest easy."),
    ],
    "samoa": [
        ("Sina L.", "Sat, 07/12/2019 - 11:40", "Our village was visited this morning. The teams are amazing."),
        ("AucklandAunty", "Sat, 07/12/2019 - 13:02", "Thinking of all the families who lost little ones."),
        ("f.taulapapa", "Sun, 08/12/2019 - 08:25",
         "The red flags on the houses were a sad sight on the drive to Apia."),
    ],
    "kosgei": [
        ("RunChicago", "Oct 14, 2019", "I was at mile 24 when she came through. She was flying."),
        ("paula_fan", "Oct 14, 2019", "Sixteen years that record stood. Incredible run."),
        ("Ken M.", "Oct 15, 2019", "What a weekend for Kenyan running. Kipchoge on Saturday, Kosgei on Sunday."),
    ],
    "tippu": [
        ("Shreya", "March 6, 2020 at 6:12 pm", "Proud moment for Mysuru! More of this please."),
        ("Ramesh K", "March 6, 2020 at 8:40 pm", "Took this train every week in college. Great to see."),
    ],
    "tesco": [
        ("Piotr W.", "21 Jun 2020", "My local Tesco in Kraków is already half empty. Netto it is then."),
        ("retail_watcher", "21 Jun 2020", "Hypermarkets are finished in Poland. Biedronka won that war years ago."),
    ],
    "coating": [
        ("Anon", "", "Finally, science tackling the real problems."),
        ("M. Okonkwo", "", "Half the flush water would be a huge saving in drought areas. How long does the "
         "coating last though?"),
        ("chem_grad", "", "Liquid-infused surfaces are clever. Durability is always the catch."),
    ],
    "doris": [
        ("Classic Film Fan", "May 16, 2019", "Calamity Jane was my mother's favourite film. What a voice."),
        ("Jeannie", "May 17, 2019", "Her work for animals was as important as her films. Bless her."),
        ("movieman", "May 17, 2019", "Pillow Talk still holds up. RIP Doris."),
    ],
    "hagia": [
        ("Nikos", "31 March 2019", "This is about the election, nothing else."),
        ("Aylin", "31 March 2019", "It has been a museum since 1934. Leave it as it is."),
    ],
    "magnitogorsk": [
        ("ural_resident", "04.01.2019", "Terrible winter for our city. Thank you to all the rescuers."),
        ("D. Petrov", "05.01.2019", "Gas explosions in old blocks happen every year. When will it change?"),
    ],
}

LAUNCH_THREAD = [
    ("orbital_mechanic", "May 31, 2020 at 8:32 am", 0,
     "I have watched every launch from the Cape since the nineties and I have never felt the crowd like "
     "that. People were crying on the causeway. Nine years is a long time to wait for an American rocket "
     "with people on it, and the landing of the first stage on the drone ship afterwards was the cherry on "
     "top. Whatever you think of the company, this was a good day."),
    ("skeptical_in_ohio", "May 31, 2020 at 8:51 am", 1,
     "A good day, sure, but let us not forget the Commercial Crew program ran years behind schedule and "
     "the taxpayer funded most of it. Private company is a generous description."),
    ("orbital_mechanic", "May 31, 2020 at 9:04 am", 2,
     "It ran late, agreed. But a fixed-price contract is a very different thing from cost-plus. The "
     "overruns were the company's problem, not NASA's. That is the whole point of the model."),
    ("Mei-Ling", "May 31, 2020 at 9:20 am", 0,
     "My daughter is eight and she watched the whole thing with me, including the two hour wait. She now "
     "wants to be an astronaut and a drone ship captain. Both, she says."),
    ("K. Adeyemi", "May 31, 2020 at 9:47 am", 0,
     "Does anyone know when the docking coverage starts? The article says 1429 UTC, but I assume the "
     "stream begins hours before that. I would like to watch the hatch opening live."),
    ("space_pixel", "May 31, 2020 at 9:58 am", 1,
     "The agency stream usually starts about three hours before docking. The approach is slow, and they "
     "hold at several points, so there is plenty to watch before the hatch opens."),
    ("Gunther", "May 31, 2020 at 10:30 am", 0,
     "The touchscreen cockpit still makes me nervous. I know they trained on it for years and there are "
     "manual backups, but give me switches and circuit breakers any day of the week."),
    ("ex_controller", "May 31, 2020 at 10:44 am", 1,
     "Speaking as someone who sat a console for fifteen years: the screens are not the risk. Software "
     "that nobody fully understands is the risk, and that is true whatever the crew presses."),
    ("Gunther", "May 31, 2020 at 10:52 am", 2,
     "Fair point, and thank you for the perspective. Still nervous, though."),
    ("Lauren B.", "May 31, 2020 at 11:15 am", 0,
     "The flag story is lovely. Left on the station in 2011 by the last shuttle crew, to be taken home by "
     "the next crew launched from home. Someone in the press office deserves a raise for that one."),
    ("moonshot_mike", "May 31, 2020 at 12:02 pm", 0,
     "Next up, the other contractor. I hope their capsule flies soon, because having two ways to get "
     "crews up is the real safety margin here. One vehicle is one grounding away from nothing."),
    ("RedPlanetRita", "May 31, 2020 at 12:40 pm", 0,
     "Low Earth orbit today, the Moon in a few years, and then Mars. I know, I know. But let me dream on "
     "a day like this."),
    ("skeptical_in_ohio", "May 31, 2020 at 1:05 pm", 1,
     "Dream away, Rita. Just remember the Moon landing was supposed to be followed by Mars in the 1980s. "
     "Budgets have a way of getting in the way of dreams."),
    ("Paulo", "May 31, 2020 at 2:18 pm", 0,
     "Watching from Portugal. The reflection of the sunset on the exhaust plume was unreal. Congratulations "
     "to everyone who worked on it, and safe travels to the two crew members."),
    ("T. Grant", "May 31, 2020 at 3:33 pm", 0,
     "Can we talk about the suits? They look like something from a film, which I suppose was the point. "
     "Much better than the orange pumpkin suits of the shuttle years."),
    ("space_pixel", "May 31, 2020 at 3:41 pm", 1,
     "They were designed with help from a costume designer, so yes, very much the point. They are also "
     "custom fitted for each astronaut, which is why only these two could fly this mission."),
]


def comments_html(key: str, style: str = "wp") -> str:
    """A comment section of ``COMMENTS[key]`` in one of several CMS markups."""
    items = COMMENTS[key]
    if style == "wp":
        lis = "\n".join(
            f"""<li class="comment even thread-even depth-1" id="comment-{4100 + i}">
  <article class="comment-body">
    <footer class="comment-meta"><div class="comment-author vcard"><b class="fn">{esc(name)}</b>
      <span class="says">says:</span></div>
      <div class="comment-metadata"><a href="#comment-{4100 + i}">{esc(when)}</a></div></footer>
    <div class="comment-content"><p>{esc(text)}</p></div>
    <div class="reply"><a rel="nofollow" class="comment-reply-link" href="#respond">Reply</a></div>
  </article>
</li>"""
            for i, (name, when, text) in enumerate(items))
        return f"""<div id="comments" class="comments-area">
<h2 class="comments-title">{len(items)} thoughts on this story</h2>
<ol class="comment-list">
{lis}
</ol>
<div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title">Leave a Reply</h3>
<form action="/wp-comments-post.php" method="post" id="commentform" class="comment-form">
<p class="comment-notes">Your email address will not be published. Required fields are marked *</p>
<p class="comment-form-comment"><label for="comment">Comment</label> <textarea id="comment" name="comment"></textarea>
</p>
<p class="form-submit"><input name="submit" type="submit" id="submit" class="submit" value="Post Comment"></p>
</form></div>
</div>"""
    if style == "plain":
        divs = "\n".join(
            f"""<div class="user-comment"><div class="user-comment__head"><strong>{esc(name)}</strong>
<span class="user-comment__time">{esc(when)}</span></div>
<div class="user-comment__text">{esc(text)}</div>
<div class="user-comment__actions"><button>Like</button> <button>Reply</button> <button>Report</button></div></div>"""
            for name, when, text in items)
        return f"""<section class="reader-comments" id="reader-comments" aria-label="Comments">
<h3>Comments ({len(items)})</h3>
<p class="reader-comments__rules">Comments are moderated. Please keep it civil.</p>
{divs}
<a class="reader-comments__more" href="#">Load more comments</a>
</section>"""
    # "drupal"
    divs = "\n".join(
        f"""<article class="comment js-comment by-anonymous clearfix" role="article">
  <footer class="comment__meta"><p class="comment__author"><span>{esc(name)}</span></p>
  <p class="comment__time">{esc(when)}</p></footer>
  <div class="comment__content"><div class="field field--name-comment-body field--type-text-long field__item">
  <p>{esc(text)}</p></div>
  <ul class="links inline"><li class="comment-reply"><a href="#">Reply</a></li></ul></div>
</article>"""
        for name, when, text in items)
    return f"""<section class="comment-wrapper"><h2 class="title comment-section-title">Comments</h2>
{divs}
<h2 class="title comment-form__title">Add new comment</h2>
<form class="comment-comment-form comment-form"><textarea name="comment_body"></textarea>
<input type="submit" value="Save"></form></section>"""


def cookie_banner(site: str, variant: int = 0) -> str:
    texts = [
        (f"We and our partners use cookies to personalise content and ads, to provide social media features "
         f"and to analyse our traffic. By clicking \u201cAccept all\u201d you agree to {site} storing cookies "
         f"on your device."),
        "This website uses cookies to ensure you get the best experience on our website.",
        (f"{site} values your privacy. We use cookies and similar technologies to measure audiences and show "
         "relevant advertising. You can change your choice at any time in Privacy settings."),
    ]
    return f"""<div id="consent-banner" class="consent consent--bottom" role="dialog" aria-live="polite">
<p class="consent__text">{esc(texts[variant % len(texts)])} <a href="/privacy">Learn more</a></p>
<div class="consent__buttons"><button class="btn-accept">Accept all</button>
<button class="btn-manage">Manage preferences</button></div></div>"""


def newsletter(site: str, pitch: str) -> str:
    return f"""<div class="newsletter-signup">
<h4>Get {esc(site)} in your inbox</h4>
<p>{esc(pitch)}</p>
<form action="/newsletter/subscribe" method="post"><input type="email" name="email" placeholder="Your email address">
<button type="submit">Sign up</button></form>
<small>You can unsubscribe at any time. See our privacy notice.</small></div>"""


def ad(slot: str, label: str = "Advertisement", copy: str = "") -> str:
    inner = f'<a class="ad-copy" href="https://ads.example.net/click?s={slot}">{esc(copy)}</a>' if copy else ""
    return (f'<div class="ad ad-inline" id="ad-{slot}" data-ad-slot="{slot}"><span class="ad-label">{label}</span>'
            f"{inner}</div>")


def share_buttons(url: str, style: int = 0) -> str:
    names = ["Facebook", "Twitter", "WhatsApp", "Email", "Copy link"]
    if style == 0:
        lis = "".join(f'<li><a class="share-{n.lower().replace(" ", "-")}" href="https://share.example.com/'
                      f'?u={attr(url)}&amp;via={n.lower()}">Share on {n}</a></li>' for n in names)
        return f'<ul class="share-buttons" aria-label="Share this article">{lis}</ul>'
    links = "".join(f'<a class="sd-button share-{n.lower()}" href="#" title="Click to share on {n}">'
                    f"<span>{n}</span></a>" for n in names[:4])
    return f'<div class="sharedaddy sd-sharing-enabled"><h3 class="sd-title">Share this:</h3>{links}</div>'


def figure(src: str, caption: str, credit: str, style: str = "wp") -> str:
    if style == "wp":
        return (f'<figure class="wp-block-image size-large"><img src="{src}" alt="" width="1024" height="683" '
                f'loading="lazy"><figcaption>{esc(caption)} <span class="credit">{esc(credit)}</span>'
                "</figcaption></figure>")
    return (f'<figure class="media"><picture><source srcset="{src}.webp" type="image/webp"><img src="{src}" alt="'
            f'{attr(caption)}"></picture><figcaption class="media__caption"><span>{esc(caption)}</span>'
            f'<span class="media__credit">{esc(credit)}</span></figcaption></figure>')


def json_ld(data: dict[str, object], ascii_only: bool = False) -> str:
    return f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=ascii_only, indent=1)}</script>'


def news_article_ld(article: Article, spec: Spec, published: str, modified: str | None, site: str,
                    logo: str) -> dict[str, object]:
    data: dict[str, object] = {
        "@context": "https://schema.org", "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": spec.canonical or spec.page_url},
        "headline": article.title, "image": [f"{logo.rsplit('/', 1)[0]}/lead.jpg"],
        "datePublished": published,
    }
    if modified:
        data["dateModified"] = modified
    if spec.author:
        data["author"] = [{"@type": "Person", "name": n} for n in spec.author.split("; ")]
    data["publisher"] = {"@type": "Organization", "name": site, "logo": {"@type": "ImageObject", "url": logo}}
    return data


# --- the pages ----------------------------------------------------------------------------------------------


def page_wordpress(article: Article, spec: Spec) -> str:
    """01: a WordPress theme (Yoast-free), JSON-LD NewsArticle, pull quotes as blocks, WP comments."""
    site = "The Riverside Ledger"
    quotes = [quote_of(article, "Basic investigations weren't done."),
              quote_of(article, "Women in France who have been raped don't have to justify their private life.")]
    pull = [f'<figure class="wp-block-pullquote"><blockquote><p>\u201c{esc(q)}\u201d</p><cite>\u2014{esc(a)}</cite>'
            "</blockquote></figure>" for q, a in zip(quotes, article.attributions, strict=True)]
    related = others(article, 3)
    inserts = {
        0: pull[0],
        1: figure("https://riversideledger.example.com/wp-content/uploads/2019/02/quai-des-orfevres.jpg",
                  "The former police headquarters at 36 Quai des Orf\u00e8vres, on the \u00cele de la Cit\u00e9.",
                  "Photo: Pierre Lemaire / Riverside Ledger"),
        2: ad("in-article-1", copy="Sponsored: Compare the best travel insurance deals for 2019"),
        4: f'<p class="read-more"><strong>Read more:</strong> <a href="/2019/02/03/{slugify(related[0][0])}/">'
           f"{esc(related[0][0])}</a></p>",
        5: pull[1],
        7: ad("in-article-2"),
    }
    text = body(article.paragraphs, inserts, lambda p: f"<p>{esc(p)}</p>")
    ld = news_article_ld(article, spec, "2019-02-02T09:14:00+01:00", "2019-02-03T18:40:12+01:00", site,
                         "https://riversideledger.example.com/wp-content/uploads/logo.png")
    rel = "\n".join(f'<li class="jp-relatedposts-post"><a href="/{d[:4]}/{d[5:7]}/{d[8:]}/{slugify(t)}/">'
                    f'{esc(t)}</a> <span class="jp-relatedposts-post-date">{d}</span></li>' for t, d in related)
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(article.title)} &#8211; {site}</title>
<link rel="canonical" href="{spec.canonical}">
<link rel="stylesheet" id="ledger-style-css" href="/wp-content/themes/ledger/style.css?ver=2.4.1" media="all">
<style id="ledger-inline-css">.site-header{{background:#0b3d59}}.entry-content
p{{font-size:1.1rem;line-height:1.6}}</style>
{json_ld(ld)}
{scripts_block("riversideledger")}
</head>
<body class="post-template-default single single-post postid-88412 single-format-standard">
{cookie_banner(site)}
<div id="page" class="site">
<a class="skip-link screen-reader-text" href="#content">Skip to content</a>
<header id="masthead" class="site-header">
<div class="site-branding"><a href="/" rel="home"><img src="/wp-content/uploads/logo.png" alt="{site}"></a>
<p class="site-description">News from the river towns and the world</p></div>
<nav id="site-navigation" class="main-navigation"><ul id="primary-menu" class="menu">
<li><a href="/">Home</a></li><li><a href="/category/local/">Local</a></li><li><a href="/category/world/">World</a></li>
<li><a href="/category/business/">Business</a></li><li><a href="/category/sport/">Sport</a></li>
<li><a href="/category/opinion/">Opinion</a></li></ul></nav>
</header>
<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">
<nav class="breadcrumbs"><a href="/">Home</a> &raquo; <a href="/category/world/">World</a> &raquo; <span>Europe</span>
</nav>
<article id="post-88412"
class="post-88412 post type-post status-publish format-standard has-post-thumbnail category-world">
<header class="entry-header"><span class="cat-links"><a href="/category/world/" rel="category tag">World</a></span>
<h1 class="entry-title">{esc(article.title)}</h1>
<div class="entry-meta"><span class="byline">By <span class="author vcard">
<a class="url fn n" href="/author/claire-dumont/">{spec.author}</a></span></span>
<span class="posted-on"><a href="{spec.canonical}" rel="bookmark">
<time class="entry-date published" datetime="2019-02-02T09:14:00+01:00">February 2, 2019</time>
<time class="updated" datetime="2019-02-03T18:40:12+01:00">February 3, 2019</time></a></span></div>
</header>
{share_buttons(spec.page_url, 1)}
<div class="entry-content">
{text}
</div>
<footer class="entry-footer">
<span class="tags-links">Tagged <a href="/tag/france/" rel="tag">France</a>, <a href="/tag/police/"
rel="tag">Police</a>, <a href="/tag/courts/" rel="tag">Courts</a></span></footer>
<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-headline"><em>Related</em></h3><ul>
{rel}
</ul></div>
</article>
{comments_html("paris", "wp")}
</main></div>
<aside id="secondary" class="widget-area">
<section class="widget widget_mc4wp_form_widget">
{newsletter(site, "The day's top stories every morning at 7am.")}</section>
<section class="widget">{ad("sidebar-mpu", copy="Advertise with the Ledger: reach 40,000 readers a week")}</section>
</aside></div>
<footer id="colophon" class="site-footer"><div class="footer-links"><a href="/about/">About</a> |
<a href="/contact/">Contact</a> | <a href="/privacy/">Privacy policy</a> | <a href="/advertise/">Advertise</a></div>
<div class="site-info">&copy; 2019 {site}. Proudly powered by WordPress.</div></footer>
</div>
<script src="/wp-includes/js/wp-embed.min.js?ver=5.0.3"></script>
</body>
</html>
"""


def page_amp(article: Article, spec: Spec) -> str:
    """02: an AMP page (amp-img, amp-ad, amp-consent), JSON-LD, canonical pointing at the non-AMP page."""
    site = "Orbit Daily"
    related = others(article, 4)
    inserts = {
        0: '<amp-ad width="300" height="250" type="example" data-slot="/orbit/amp/inline1" layout="responsive">'
           '<div placeholder>Advertisement</div></amp-ad>',
        2: '<figure class="amp-fig"><amp-img src="https://orbitdaily.example.net/img/crew-dragon-iss.jpg" '
           'width="1200" height="800" layout="responsive" alt="Crew Dragon approaching the station"></amp-img>'
           "<figcaption>Crew Dragon approaches the International Space Station ahead of docking. "
           "<small>Image: NASA TV via Orbit Daily</small></figcaption></figure>",
        4: '<blockquote class="pull">\u201c' + esc(quote_of(article, "that's really neat.")) + "\u201d</blockquote>",
        5: f'<p class="related-inline">Read more: <a href="/space/{slugify(related[0][0])}">{esc(related[0][0])}'
           "</a></p>",
        7: '<amp-ad width="300" height="250" type="example" data-slot="/orbit/amp/inline2">'
           '<div placeholder>Advertisement</div></amp-ad>',
    }
    text = body(article.paragraphs, inserts, lambda p: f"<p>{esc(p)}</p>")
    ld = news_article_ld(article, spec, "2019-03-05T16:20:00Z", "2019-03-05T18:02:00Z", site,
                         "https://orbitdaily.example.net/img/logo-amp.png")
    rel = "".join(f'<li><a href="/space/{slugify(t)}">{esc(t)}</a></li>' for t, _ in related[1:])
    return f"""<!doctype html>
<html amp lang="en">
<head>
<meta charset="utf-8">
<script async src="https://cdn.ampproject.example.org/v0.js"></script>
<script async custom-element="amp-ad" src="https://cdn.ampproject.example.org/v0/amp-ad-0.1.js"></script>
<script async custom-element="amp-consent" src="https://cdn.ampproject.example.org/v0/amp-consent-0.1.js"></script>
<script async custom-element="amp-sidebar" src="https://cdn.ampproject.example.org/v0/amp-sidebar-0.1.js"></script>
<title>{esc(article.title)} | {site}</title>
<link rel="canonical" href="{spec.canonical}">
<meta name="viewport" content="width=device-width,minimum-scale=1,initial-scale=1">
<meta property="og:title" content="{attr(article.title)}">
<meta property="og:type" content="article">
<meta property="og:site_name" content="{site}">
{json_ld(ld)}
<style amp-boilerplate>body{{-webkit-animation:-amp-start 8s steps(1,end) 0s 1 normal both;animation:-amp-start 8s
steps(1,end) 0s 1 normal both}}</style>
<noscript><style amp-boilerplate>body{{-webkit-animation:none;animation:none}}</style></noscript>
<style amp-custom>header{{background:#111;color:#fff}}.pull{{font-size:1.4em;border-left:4px solid #f60}}</style>
</head>
<body>
<amp-consent id="consent" layout="nodisplay">
<script type="application/json">{{"consentInstanceId": "orbit", "promptUI": "consent-ui"}}</script>
<div id="consent-ui" class="consent-ui"><p>We use cookies to measure our audience. Is that OK with you?</p>
<button on="tap:consent.accept">Accept</button><button on="tap:consent.reject">Reject</button></div></amp-consent>
<amp-sidebar id="sidebar" layout="nodisplay" side="left"><ul><li><a href="/">Home</a></li><li><a href="/space">Space</a>
</li>
<li><a href="/science">Science</a></li><li><a href="/tech">Tech</a></li><li><a href="/newsletter">Newsletter</a></li>
</ul></amp-sidebar>
<header class="amp-header"><button on="tap:sidebar.toggle" class="menu-btn">&#9776; Menu</button>
<a href="/" class="logo"><amp-img src="/img/logo-amp.png" width="160" height="40" alt="{site}"></amp-img></a></header>
<main>
<div class="crumbs"><a href="/">Orbit Daily</a> / <a href="/space">Space</a></div>
<article>
<h1>{esc(article.title)}</h1>
<p class="byline">By <a href="/authors/marcus-webb">{spec.author}</a> &middot; Space correspondent</p>
<amp-social-share type="twitter" width="40" height="40"></amp-social-share>
<amp-social-share type="facebook" width="40" height="40" data-param-app_id="1234"></amp-social-share>
<amp-social-share type="email" width="40" height="40"></amp-social-share>
<div class="article-body">
{text}
</div>
</article>
<section class="related"><h2>More from Space</h2><ul>{rel}</ul></section>
<section class="signup"><h2>Launch alerts</h2><p>Never miss a launch: our free alerts arrive an hour before liftoff.</p>
<a class="btn" href="/newsletter">Sign up</a></section>
</main>
<footer><a href="/about">About {site}</a> &middot; <a href="/privacy">Privacy</a> &middot; <a
href="{spec.canonical}">View non-AMP version</a>
<p>&copy; 2019 Orbit Daily Media</p></footer>
</body>
</html>
"""


def page_table(article: Article, spec: Spec) -> str:
    """03: a table-layout page from an old CMS: font tags, spacer gifs, ``<br><br>`` paragraphs, a dateline."""
    related = others(article, 4)
    paragraphs = "<br><br>\n".join(esc(p) for p in article.paragraphs[:3])
    rest = "<br><br>\n".join(esc(p) for p in article.paragraphs[3:])
    rel = "<br>\n".join(f'&bull; <a href="story.php?id={4412 + i}">{esc(t)}</a>' for i, (t, _) in enumerate(related))
    return f"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>The Shire Courier :: {esc(article.title)}</title>
<script language="JavaScript" type="text/javascript">
function popUp(u) {{ window.open(u, 'print', 'width=600,height=500'); }}
</script>
<style type="text/css">a:link {{ color: #003399 }} td.nav {{ background: #dde6f3 }}</style>
</head>
<body bgcolor="#ffffff" topmargin="0" leftmargin="0">
<table width="780" border="0" cellspacing="0" cellpadding="0" align="center">
<tr><td colspan="3" bgcolor="#003399"><a href="index.php">
<img src="images/courier_logo.gif" width="400" height="60" border="0" alt="The Shire Courier"></a></td></tr>
<tr><td colspan="3" bgcolor="#ffcc00">
<font face="Verdana" size="1">&nbsp;<a href="index.php">Home</a> | <a href="section.php?s=news">News</a> |
<a href="section.php?s=sport">Sport</a> | <a href="section.php?s=whatson">What's On</a> | <a
href="classifieds.php">Classifieds</a> |
<a href="section.php?s=letters">Letters</a> | <a href="contact.php">Contact Us</a></font></td></tr>
<tr>
<td width="150" valign="top" class="nav"><font face="Verdana" size="1">
<b>SECTIONS</b><br><a href="section.php?s=news">Local News</a><br><a href="section.php?s=county">County</a><br>
<a href="section.php?s=crime">Crime</a><br><a href="section.php?s=business">Business</a><br>
<a href="section.php?s=obits">Obituaries</a><br>
<br><b>SEARCH</b><br><form action="search.php"><input type="text" name="q" size="12"><input type="submit" value="Go">
</form>
<br><img src="images/spacer.gif" width="1" height="20"><br>
<b>Weather</b><br>Oxford: 17&deg;C, cloudy</font></td>
<td width="480" valign="top"><img src="images/spacer.gif" width="10" height="10"><br>
<font face="Verdana" size="1"><a href="index.php">Home</a> &gt; <a href="section.php?s=crime">Crime</a></font><br><br>
<font face="Georgia" size="5"><b>{esc(article.title)}</b></font><br>
<font face="Verdana" size="1" color="#666666">Posted on 18 September 2019 by {spec.author}</font><br><br>
<table align="right" width="200" cellpadding="4"><tr><td bgcolor="#eeeeee">
<img src="images/stories/blenheim.jpg" width="200" height="140"><br>
<font face="Verdana" size="1">Blenheim Palace, where the artwork was on display. Picture: Courier library</font></td>
</tr></table>
<font face="Georgia" size="3">
{paragraphs}<br><br>
<center><font face="Verdana" size="1" color="#999999">- Advertisement -</font><br>
<a href="http://ads.example.net/click.php?id=77">
<img src="images/ads/garden_centre_468x60.gif" width="468" height="60" border="0"
alt="Woodstock Garden Centre - 20% off bulbs this week"></a></center><br>
{rest}
</font><br><br>
<font face="Verdana" size="1">
<a href="javascript:popUp('print.php?id=4411')">Print this story</a> | <a href="mailto:?subject=Courier%20story">Email
to a friend</a></font>
<br><br><table width="100%" bgcolor="#dde6f3" cellpadding="4"><tr><td><font face="Verdana" size="2"><b>Other stories</b>
<br>
{rel}</font></td></tr></table>
<br><font face="Verdana" size="2"><b>Your comments</b></font><br>
<font face="Verdana" size="1"><b>{esc(COMMENTS["toilet"][0][0])}</b> wrote: {esc(COMMENTS["toilet"][0][2])}<br><br>
<b>{esc(COMMENTS["toilet"][1][0])}</b> wrote: {esc(COMMENTS["toilet"][1][2])}<br><br>
<b>{esc(COMMENTS["toilet"][2][0])}</b> wrote: {esc(COMMENTS["toilet"][2][2])}</font>
</td>
<td width="150" valign="top"><font face="Verdana" size="1"><b>ADVERTISEMENT</b></font><br>
<a href="http://ads.example.net/click.php?id=78">
<img src="images/ads/estate_agent_120x600.gif" width="120" height="600" border="0" alt="Cotswold Homes estate agents">
</a><br><br>
<font face="Verdana" size="1"><b>Subscribe</b>
<br>Get the Courier delivered to your door every Thursday. <a href="subscribe.php">Click here</a></font></td>
</tr>
<tr><td colspan="3" bgcolor="#003399" align="center"><font face="Verdana" size="1" color="#ffffff">
Copyright The Shire Courier. All rights reserved. | <a href="terms.php"><font color="#ffffff">Terms</font></a> |
<a href="privacy.php"><font color="#ffffff">Privacy</font></a></font></td></tr>
</table>
</body>
</html>
"""


def page_divs(article: Article, spec: Spec) -> str:
    """04: a client-rendered page: every paragraph a ``<div>`` of hashed classes, no ``<p>``; og:url, OG date."""
    related = others(article, 3)
    terms = {"Cream": "/tags/cream", "Eric Clapton": "/artists/eric-clapton", "Fela Kuti": "/artists/fela-kuti"}

    def wrap(p: str) -> str:
        sentences = re.split(r"(?<=\.) (?=[A-Z])", p)
        spans = " ".join(f'<span class="css-1ydz5bh">{link_terms(esc(s), terms)}</span>' for s in sentences)
        return f'<div class="css-138we98 e1wiw8pm0"><div class="css-53u6y8">{spans}</div></div>'

    inserts = {
        0: '<div class="css-ad9z1 ad-container"><div class="css-lbl">Advertisement</div>'
           '<div id="gpt-ad-mid1"></div></div>',
        2: '<div class="css-fig7" role="figure">'
           '<div class="css-img" style="background-image:url(/media/baker-1970.jpg)"></div>'
           '<div class="css-cap">Ginger Baker on stage in the early 1970s.</div>'
           '<div class="css-credit">Photo: Archive / '
           "SoundCheck Weekly</div></div>",
        4: f'<div class="css-rm"><span>Read more:</span> <a href="/news/{slugify(related[0][0])}">'
           f"{esc(related[0][0])}</a></div>",
        6: '<div class="css-quote" aria-hidden="true">\u201c' + esc(quote_of(article, "Bloody hell, I'm a drummer"))
           + "\u201d</div>",
        8: '<div class="css-ad9z1 ad-container"><div class="css-lbl">Advertisement</div>'
           '<div id="gpt-ad-mid2"></div></div>',
    }
    text = body(article.paragraphs, inserts, wrap)
    comments = "".join(f'<div class="css-cmt"><div class="css-cmt-name">{esc(n)}</div>'
                       f'<div class="css-cmt-time">{w}</div>'
                       f'<div class="css-cmt-body">{esc(t)}</div></div>' for n, w, t in COMMENTS["baker"])
    rel = "".join(f'<a class="css-card" href="/news/{slugify(t)}"><div class="css-card-title">{esc(t)}</div></a>'
                  for t, _ in related)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charSet="utf-8"/>
<meta name="viewport" content="width=device-width"/>
<title>{esc(article.title)} - SoundCheck Weekly</title>
<meta property="og:url" content="{spec.canonical}"/>
<meta property="og:type" content="article"/>
<meta property="og:title" content="{attr(article.title)}"/>
<meta property="og:description" content="The Cream co-founder was one of rock's most influential drummers."/>
<meta property="og:site_name" content="SoundCheck Weekly"/>
<meta property="article:published_time" content="2019-10-07T08:02:11Z"/>
<meta property="article:section" content="News"/>
<meta name="twitter:card" content="summary_large_image"/>
<style data-emotion="css 138we98 53u6y8">.css-138we98{{margin:0 0
1.2em}}.css-53u6y8{{font-family:Georgia,serif;font-size:19px}}</style>
{scripts_block("soundcheck")}
</head><body><div id="root"><div class="css-app">
<div class="css-consent" role="dialog">
<div>{esc("We use cookies to improve your experience and for marketing. Read our cookie policy.")}</div>
<button class="css-btn">OK</button><button class="css-btn-2">Settings</button></div>
<div class="css-hdr"><a href="/" class="css-logo">SOUNDCHECK<span>WEEKLY</span></a>
<div class="css-nav"><a href="/news">News</a><a href="/reviews">Reviews</a><a href="/features">Features</a>
<a href="/gear">Gear</a><a href="/tickets">Tickets</a></div>
<div class="css-search"><input placeholder="Search"/></div></div>
<div class="css-main"><div class="css-crumb"><a href="/">Home</a><span>/</span><a href="/news">News</a></div>
<div class="css-headline"><h1 class="css-h1">{esc(article.title)}</h1></div>
<div class="css-standfirst">The Cream co-founder was one of rock&#x27;s most influential drummers.</div>
<div class="css-byline">Words by <a href="/contributors/dana-okafor">{spec.author}</a></div>
<div class="css-share"><a href="#">Facebook</a><a href="#">Twitter</a><a href="#">Reddit</a><a href="#">Email</a></div>
<div class="css-body">
{text}
</div>
<div class="css-newsletter"><div class="css-nl-title">The SoundCheck newsletter</div>
<div>New music, reviews and tour news, every Friday.</div>
<input placeholder="Email address"/><button>Subscribe</button></div>
<div class="css-related"><div class="css-rel-title">You might also like</div>{rel}</div>
<div class="css-comments"><div class="css-cmt-title">Join the conversation</div>{comments}</div>
</div>
<div class="css-footer"><a href="/about">About us</a><a href="/contact">Contact</a><a href="/terms">Terms</a>
<a href="/privacy">Privacy</a>
<div>&copy; 2019 SoundCheck Media Ltd</div></div>
</div></div>
<script src="/static/js/main.4f2a1c.chunk.js"></script>
</body></html>
"""


def page_liveblog(article: Article, spec: Spec) -> str:
    """05: a live blog: each paragraph one timestamped entry, key events, only ``<time datetime>`` dates."""
    times = ["08:58", "09:21", "09:47", "10:15", "10:52", "11:30", "12:04", "12:41", "13:26", "14:10", "14:55",
             "15:32", "16:18", "17:05"]
    # Every state named is linked to its results page, as election live blogs do (a link-dense paragraph).
    states = {s: f"/elections/2020/results/{slugify(s)}" for s in (
        "Alabama", "Arkansas", "California", "Colorado", "Maine", "Massachusetts", "Minnesota", "North Carolina",
        "Oklahoma", "Tennessee", "Texas", "Utah", "Vermont", "Virginia", "American Samoa")}
    entries = []
    for i, p in enumerate(article.paragraphs):
        hh = times[i]
        entries.append(f"""<div class="live-entry" id="entry-{5501 + i}">
<div class="live-entry__meta"><time datetime="2020-03-06T{hh}:00-05:00">{hh} EST</time>
<a class="live-entry__permalink" href="#entry-{5501 + i}" aria-label="Link to this post">&#128279;</a></div>
<div class="live-entry__body"><p>{link_terms(esc(p), states)}</p></div>
</div>""")
        if i == 3:
            entries.append('<div class="live-ad"><span>Advertisement</span></div>')
        if i == 7:
            entries.append('<div class="live-entry live-entry--embed"><div class="embed-card">Read more: '
                           '<a href="/2020/03/04/biden-super-tuesday-results">Super Tuesday results, state by state</a>'
                           "</div></div>")
    return f"""<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="utf-8">
<title>Live: {esc(article.title)} &mdash; Capitol Wire</title>
<link rel="canonical" href="{spec.canonical}">
<meta name="description" content="Live updates on the Democratic primary race after Super Tuesday.">
<style>.live-entry{{border-top:1px solid #ddd;padding:12px 0}}.live-badge{{background:#c00;color:#fff}}</style>
{scripts_block("capitolwire", " setInterval(function(){fetch('/live/poll?since=5514')}, 30000);")}
</head>
<body class="liveblog">
{cookie_banner("Capitol Wire", 2)}
<header class="masthead"><a class="masthead__logo" href="/">CAPITOL WIRE</a>
<nav class="masthead__nav"><a href="/politics">Politics</a><a href="/congress">Congress</a>
<a href="/white-house">White House</a>
<a href="/elections/2020">Election 2020</a><a href="/live">Live</a><a href="/podcasts">Podcasts</a></nav>
<a class="masthead__subscribe" href="/subscribe">Subscribe</a></header>
<main class="liveblog__main">
<nav class="breadcrumb"><a href="/">Home</a> &rsaquo; <a href="/elections/2020">Election 2020</a> &rsaquo; Live</nav>
<header class="liveblog__header"><span class="live-badge">LIVE</span>
<h1>{esc(article.title)}</h1>
<p class="liveblog__byline">Live coverage by <a href="/staff/priya-raman">Priya Raman</a> and <a
href="/staff/owen-blake">Owen Blake</a></p>
<p class="liveblog__updated">Last updated <time datetime="2020-03-06T17:05:00-05:00">17:05 EST</time></p>
<div class="share"><a href="#">Share</a> <a href="#">Tweet</a> <a href="#">Email</a></div>
</header>
<section class="key-events"><h2>Key events</h2><ul>
<li><a href="#entry-5501">Warren and Bloomberg out of the race</a></li>
<li><a href="#entry-5506">Delegate count after Super Tuesday</a></li>
<li><a href="#entry-5509">Bloomberg endorses Biden</a></li>
<li><a href="#entry-5514">What comes next: March 10 primaries</a></li></ul></section>
<div class="liveblog__sort">Showing <b>oldest first</b> | <a href="?sort=newest">Newest first</a></div>
<div class="liveblog__entries">
{chr(10).join(entries)}
</div>
<div class="liveblog__end">This live blog has ended. Follow our coverage of the March 10 primaries <a
href="/live">here</a>.</div>
<aside class="newsletter">{newsletter("Capitol Wire", "The Campaign Trail: one email a day until November.")}</aside>
</main>
<footer class="site-footer"><ul><li><a href="/about">About</a></li><li><a href="/ethics">Ethics policy</a></li>
<li><a href="/corrections">Corrections</a></li><li><a href="/privacy">Privacy</a></li></ul>
<p>&copy; 2020 Capitol Wire LLC</p></footer>
</body>
</html>
"""


def page_long_comments(article: Article, spec: Spec) -> str:
    """06: the article in ``<article>``, then a threaded comment section longer than the article."""
    related = others(article, 3)
    inserts = {
        1: figure("https://launchpad.example.com/images/2020/05/demo2-liftoff.jpg",
                  "The Falcon 9 rocket lifts off from Launch Complex 39A with the Crew Dragon capsule.",
                  "Photo: Launchpad Journal / R. Alvarez", "media"),
        3: ad("mid-1", "ADVERTISEMENT", "Telescopes for every budget \u2014 shop the spring sale"),
        4: '<aside class="pullquote"><p>\u201cSpaceX we\u2019re go for launch. Let\u2019s light this candle.\u201d</p>'
           "<footer>Doug Hurley</footer></aside>",
    }
    text = body(article.paragraphs, inserts, lambda p: f"<p>{esc(p)}</p>")
    thread = []
    for i, (name, when, depth, comment) in enumerate(LAUNCH_THREAD):
        thread.append(f"""<li class="comment depth-{depth + 1}" style="margin-left:{depth * 2}em" id="c{9100 + i}">
<div class="comment__header">
<span class="comment__author">{esc(name)}</span> <span class="comment__date">{esc(when)}</span></div>
<div class="comment__body"><p>{esc(comment)}</p></div>
<div class="comment__footer">
<a href="#reply-{9100 + i}">Reply</a> &middot; <span class="votes">{(i * 7) % 23 + 1} likes</span></div></li>""")
    rel = "".join(f'<li><a href="/news/{slugify(t)}">{esc(t)}</a></li>' for t, _ in related)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(article.title)} | Launchpad Journal</title>
<link rel="canonical" href="{spec.canonical}">
<meta name="description" content="The Crew Dragon launch returned crewed spaceflight to US soil.">
<link rel="stylesheet" href="/assets/css/site.min.css">
{scripts_block("launchpad")}
</head>
<body>
<header class="site-header"><div class="container"><a class="logo" href="/">Launchpad <em>Journal</em></a>
<nav><ul><li><a href="/news">News</a></li><li><a href="/launches">Launch schedule</a></li><li><a href="/iss">ISS</a>
</li>
<li><a href="/mars">Mars</a></li><li><a href="/forum">Forum</a></li></ul></nav></div></header>
<div class="container">
<ol class="breadcrumb"><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li>Human spaceflight</li></ol>
<article class="story">
<h1 class="story__title">{esc(article.title)}</h1>
<div class="story__meta">By <span class="story__author">{spec.author}</span> &middot; <time
datetime="2020-05-31T08:10:00-04:00">May 31, 2020</time></div>
{share_buttons(spec.canonical or "")}
<div class="story__body">
{text}
</div>
<div class="story__tags">Tags: <a href="/tag/crew-dragon">Crew Dragon</a> <a href="/tag/falcon-9">Falcon 9</a> <a
href="/tag/iss">ISS</a></div>
</article>
<section class="more-stories"><h2>More stories</h2><ul>{rel}</ul></section>
<section class="comments" id="comments">
<h2>{len(LAUNCH_THREAD)} comments</h2>
<p class="comments__policy">Please read our community guidelines before posting.</p>
<ol class="comment-thread">
{chr(10).join(thread)}
</ol>
<form class="comment-form"><textarea placeholder="Join the discussion"></textarea><button>Post</button></form>
</section>
</div>
<footer class="site-footer"><div class="container"><p><a href="/about">About</a> &middot; <a href="/contact">Contact</a>
&middot; <a href="/privacy">Privacy</a> &middot; <a href="/rss">RSS</a></p><p>&copy; 2020 Launchpad Journal</p></div>
</footer>
</body>
</html>
"""


def page_most_read(article: Article, spec: Spec) -> str:
    """07: a broadsheet layout with a "Most read" sidebar of ten headlines; OG dates; URL with tracking."""
    most_read = others(article, 10, skip=3)
    related = others(article, 3)
    inserts = {
        1: figure("https://cdn.meridianpost.example.com/2020/01/baghdad-airport.jpg",
                  "Baghdad International Airport, where the airstrike took place.", "Photograph: Meridian Post",
                  "media"),
        2: ad("article-2", copy=""),
        4: f'<p class="inline-related"><b>Read more:</b> <a href="/world/{slugify(related[0][0])}">'
           f"{esc(related[0][0])}</a></p>",
        7: ad("article-3", copy="Sponsored content: Five destinations for your winter break"),
    }
    # The first paragraph is the bold lede, above the byline and outside the body container.
    lede = f'<p class="content__lede"><strong>{esc(article.paragraphs[0])}</strong></p>'
    text = body(article.paragraphs[1:], {k - 1: v for k, v in inserts.items()}, lambda p: f"<p>{esc(p)}</p>")
    most = "\n".join(f'<li><span class="rank">{i + 1}</span><a href="/world/{slugify(t)}">{esc(t)}</a></li>'
                     for i, (t, _) in enumerate(most_read))
    rel = "".join(f'<li><a href="/world/{slugify(t)}">{esc(t)}</a></li>' for t, _ in related[1:])
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{esc(article.title)} | World news | The Meridian Post</title>
<link rel="canonical" href="{spec.canonical}">
<meta property="og:url" content="{spec.canonical}">
<meta property="og:title" content="{attr(article.title)}">
<meta property="og:type" content="article">
<meta property="og:site_name" content="The Meridian Post">
<meta property="article:published_time" content="2020-01-05T06:30:00+00:00">
<meta property="article:modified_time" content="2020-01-06T11:12:00+00:00">
<meta property="article:author" content="https://meridianpost.example.com/profile/samir-haddad">
<meta name="author" content="{spec.author}">
<style>.most-read li{{list-style:none}}.rank{{font-size:2em;color:#c70000}}</style>
{scripts_block("meridian")}
</head>
<body>
{cookie_banner("The Meridian Post", 0)}
<div class="top-bar"><a href="/subscribe">Support the Meridian Post</a> <a href="/signin">Sign in</a></div>
<header class="masthead"><a href="/" class="masthead__logo"><img src="/static/logo.svg" alt="The Meridian Post"></a>
</header>
<nav class="pillars"><a href="/news">News</a><a href="/world">World</a><a href="/uk">UK</a>
<a href="/opinion">Opinion</a>
<a href="/sport">Sport</a><a href="/culture">Culture</a><a href="/lifestyle">Lifestyle</a></nav>
<nav class="subnav"><a href="/world/middleeast">Middle East</a><a href="/world/iran">Iran</a>
<a href="/world/iraq">Iraq</a><a href="/us-news">US</a></nav>
<div class="layout">
<main class="content">
<div class="content__labels"><a href="/world/iran">Iran</a></div>
<h1 class="content__headline">{esc(article.title)}</h1>
<div class="content__standfirst">
<p>Head of the Quds Force killed in airstrike at Baghdad airport ordered by Donald Trump</p></div>
<div class="content__intro">{lede}</div>
<div class="content__meta"><p class="byline">{spec.author} <span>in Beirut</span></p>
<div class="meta__social">{share_buttons(spec.canonical or "")}</div></div>
<div class="content__article-body">
{text}
</div>
<div class="submeta">
<span>Topics</span> <a href="/world/iran">Iran</a> <a href="/world/iraq">Iraq</a> <a href="/us-news/trump">Donald
Trump</a></div>
<aside class="related"><h2>Related stories</h2><ul>{rel}</ul></aside>
<div class="contributions">
{newsletter("the Meridian Post", "First Edition: the day's essential news, every weekday morning.")}</div>
</main>
<aside class="right-col">
<section class="most-read"><h2>Most read</h2><ol>
{most}
</ol></section>
{ad("right-mpu", copy="")}
</aside>
</div>
<footer class="footer"><ul><li><a href="/about">About us</a></li><li><a href="/help">Help</a></li><li>
<a href="/complaints">Complaints &amp; corrections</a></li>
<li><a href="/jobs">Work for us</a></li><li><a href="/privacy">Privacy policy</a></li><li>
<a href="/cookies">Cookie policy</a></li></ul>
<p>&copy; 2020 Meridian Post News &amp; Media Limited or its affiliated companies. All rights reserved.</p></footer>
</body>
</html>
"""


def page_paginated(article: Article, spec: Spec) -> str:
    """08: page 1 of 3 of an obituary: a teaser of the first paragraphs, pagination, a visible dateline only."""
    shown = article.paragraphs[: spec.keep]
    inserts = {
        0: figure("/media/2019/09/mugabe-1980.jpg", "Robert Mugabe at independence celebrations in 1980.",
                  "Photo: Southern Horizon archive", "media"),
        2: '<div class="adbox"><p class="adbox__label">Advertisement</p></div>',
    }
    text = body(shown, inserts, lambda p: f'<p class="para">{esc(p)}</p>')
    related = others(article, 4)
    rel = "".join(f'<li><a href="/africa/{slugify(t)}">{esc(t)}</a></li>' for t, _ in related)
    comments = comments_html("mugabe", "plain")
    return f"""<!DOCTYPE html>
<html lang="en-ZA">
<head>
<meta charset="utf-8">
<title>{esc(article.title)} (Page 1 of 3) - Southern Horizon</title>
<link rel="canonical" href="{spec.canonical}">
<link rel="next" href="{spec.canonical}?page=2">
<meta name="keywords" content="Mugabe, Zimbabwe, obituary, ZANU-PF">
<style>.pagination a{{padding:4px 8px;border:1px solid #ccc}}.dateline{{color:#777;font-size:.85em}}</style>
{scripts_block("southernhorizon")}
</head>
<body>
<div class="cookie-notice">{esc("This website uses cookies to ensure you get the best experience on our website.")} <a
href="/cookies">More info</a> <button>Got it!</button></div>
<header><div class="brand"><a href="/">Southern <strong>Horizon</strong></a>
<span class="tagline">Africa's independent news magazine</span></div>
<nav class="menu"><a href="/">Home</a> <a href="/africa">Africa</a> <a href="/politics">Politics</a> <a
href="/economy">Economy</a>
<a href="/obituaries">Obituaries</a> <a href="/culture">Culture</a></nav></header>
<div class="wrap">
<div class="crumbs"><a href="/">Home</a> / <a href="/obituaries">Obituaries</a> / Robert Mugabe</div>
<div class="story">
<h1>{esc(article.title)}</h1>
<div class="dateline">Published Monday 9 September 2019, 14:32 CAT &middot; {spec.author}, Harare</div>
<div class="sharethis">
<span>Share:</span> <a href="#">Facebook</a> <a href="#">Twitter</a> <a href="#">WhatsApp</a> <a href="#">LinkedIn</a>
</div>
<div class="story-body">
{text}
</div>
<div class="pagination">
<span class="current">1</span> <a href="{spec.canonical}?page=2">2</a> <a href="{spec.canonical}?page=3">3</a>
<a class="next" href="{spec.canonical}?page=2">Next page: Land reform and the MDC years &raquo;</a></div>
</div>
<div class="sidebar"><h3>More obituaries</h3><ul>{rel}</ul>
<div class="subscribe-box"><h3>Subscribe to Southern Horizon</h3><p>Weekly analysis from across the continent.</p>
<a href="/subscribe">Subscribe now</a></div></div>
{comments}
</div>
<footer><p><a href="/about">About us</a> | <a href="/advertise">Advertise</a> | <a href="/contact">Contact</a> | <a
href="/privacy">Privacy</a></p>
<p>&copy; 2019 Southern Horizon Media (Pty) Ltd</p></footer>
</body>
</html>
"""


def page_entities(article: Article, spec: Spec) -> str:
    """09: every non-ASCII character as an HTML entity, Polish names, og:url only, JSON-LD date."""
    site = "Baltic Dispatch"
    related = others(article, 3)
    inserts = {
        0: '<blockquote class="quote-box"><p>&bdquo;' + entities(quote_of(article, "We couldn\u2019t win,"))
           + '&rdquo;</p><p class="quote-box__who">&mdash; ' + entities(article.attributions[0])
           + "</p></blockquote>",
        2: '<div class="reklama"><small>Advertisement / Reklama</small></div>',
        4: '<figure class="foto"><img src="/img/2019/01/gdansk-vigil.jpg" alt=""><figcaption>'
           + entities("Residents light candles on Długi Targ in Gdańsk.")
           + ' <span class="foto__autor">' + entities("Fot. Michał Żurek / Baltic Dispatch")
           + "</span></figcaption></figure>",
        6: f'<p class="zobacz"><strong>Read more:</strong> <a href="/news/{slugify(related[0][0])}">'
           f"{entities(related[0][0])}</a></p>",
    }
    text = body(article.paragraphs, inserts, lambda p: f"<p>{entities(p)}</p>")
    ld = news_article_ld(article, spec, "2019-01-14T19:45:00+01:00", None, site,
                         "https://balticdispatch.example.org/img/logo.png")
    # JSON-LD is not HTML, entities there would be read literally: its non-ASCII is written as JSON escapes.
    ld_html = json_ld(ld, ascii_only=True)
    rel = "".join(f'<li><a href="/news/{slugify(t)}">{entities(t)}</a></li>' for t, _ in related[1:])
    comments = "".join(f'<div class="komentarz"><b>{entities(n)}</b> <span>{w}</span><p>{entities(t)}</p></div>'
                       for n, w, t in COMMENTS["gdansk"])
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{entities(article.title)} &ndash; {site}</title>
<meta property="og:url" content="{spec.canonical}">
<meta property="og:title" content="{attr(article.title)}">
<meta property="og:site_name" content="{site}">
<meta property="og:locale" content="en_GB">
{ld_html}
<style>.reklama{{text-align:center;color:#888}}.foto__autor{{font-style:italic}}</style>
{scripts_block("balticdispatch")}
</head>
<body>
<div class="rodo-popup">
{entities("We process your data in line with the GDPR (RODO). By clicking “I agree” you consent to cookies.")}
<button>I agree</button></div>
<header class="top"><a class="logo" href="/">Baltic&nbsp;Dispatch</a>
<ul class="nav"><li><a href="/news">News</a></li><li><a href="/poland">Poland</a></li><li><a href="/baltics">Baltics</a>
</li>
<li><a href="/business">Business</a></li><li><a href="/pl">Wersja polska</a></li></ul></header>
<div class="page">
<p class="crumbs"><a href="/">Home</a> &rsaquo; <a href="/poland">Poland</a> &rsaquo; {entities("Gdańsk")}</p>
<h1>{entities(article.title)}</h1>
<p class="meta">By <a href="/autor/malgorzata-wisniewska">{entities(spec.author or "")}</a> &middot;
{entities("Gdańsk")}</p>
<p class="share"><a href="#">Facebook</a> &middot; <a href="#">Twitter</a> &middot; <a href="#">E-mail</a></p>
<div class="tresc">
{text}
</div>
<div class="powiazane"><h3>Related</h3><ul>{rel}</ul></div>
<div class="komentarze"><h3>Comments</h3>{comments}</div>
</div>
<footer><p><a href="/o-nas">About us</a> &middot; <a href="/kontakt">Contact</a> &middot; <a
href="/polityka-prywatnosci">Privacy</a></p>
<p>&copy; 2019 Baltic Dispatch Sp. z o.o.</p></footer>
</body>
</html>
"""


def page_undated_blog(article: Article, spec: Spec) -> str:
    """10: a science blog with no date anywhere (no year in the footer either), relative comment times."""
    inserts = {
        1: figure("/images/k2-18b-artist.jpg", "An artist's impression of K2-18b and its red dwarf star.",
                  "Illustration: Starfield Notes"),
        3: '<div class="callout"><p>\u201c'
           + esc(quote_of(article, "It's the best candidate for habitability right now."))
           + "\u201d</p></div>",
        4: ad("blog-1", "Advertisement", "Star charts and planispheres \u2014 free shipping"),
    }
    text = body(article.paragraphs, inserts, lambda p: f"<p>{esc(p)}</p>")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{esc(article.title)} \u2014 Starfield Notes</title>
<link rel="canonical" href="{spec.canonical}">
<meta name="description" content="Water vapour found in the atmosphere of a planet in its star's habitable zone.">
<meta name="generator" content="Hugo">
<style>body{{font-family:system-ui;max-width:42em;margin:auto}}.callout{{border-left:3px solid #447}}</style>
<script>if (localStorage.theme === 'dark') document.documentElement.classList.add('dark');</script>
</head>
<body>
<header class="blog-header"><a href="/" class="blog-title">&#10022; Starfield Notes</a>
<nav><a href="/">Posts</a> <a href="/tags/">Tags</a> <a href="/about/">About</a> <a href="/index.xml">RSS</a></nav>
</header>
<main>
<article class="post">
<h1 class="post-title">{esc(article.title)}</h1>
<p class="post-meta">Posted by <a href="/about/">{spec.author}</a> &middot; 4 min read &middot; Tags: <a
href="/tags/exoplanets/">exoplanets</a>, <a href="/tags/hubble/">hubble</a></p>
<div class="post-content">
{text}
</div>
<div class="post-share">Share: <a href="#">Mastodon</a> <a href="#">Twitter</a> <a href="#">Email</a></div>
</article>
<nav class="post-nav"><a href="/posts/tess-first-earth-sized-planet/">&larr; TESS finds its first Earth-sized planet</a>
<a href="/posts/betelgeuse-dimming/">Why is Betelgeuse dimming? &rarr;</a></nav>
<section class="newsletter"><p>Get new posts by email. No spam, ever.</p>
<input type="email" placeholder="you@example.com"><button>Subscribe</button></section>
{comments_html("k2", "plain")}
</main>
<footer class="blog-footer">Starfield Notes &middot; Text by the author unless stated &middot; Built with Hugo</footer>
</body>
</html>
"""


def page_undated_museum(article: Article, spec: Spec) -> str:
    """11: a museum magazine page: no date, no canonical, no byline, a "further reading" list."""
    inserts = {
        0: figure("/media/ibis-mummy.jpg", "A mummified ibis from Saqqara in the museum's collection.",
                  "Image courtesy of the collection", "media"),
        3: '<div class="sponsor-strip">Advertisement</div>',
        5: '<p class="see-also">Read more: <a href="/articles/cat-mummies-bast">The cats of Bubastis</a></p>',
    }
    text = body(article.paragraphs, inserts, lambda p: f'<div class="text-block"><p>{esc(p)}</p></div>')
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(article.title)} | Museum Notes</title>
<meta name="description" content="DNA from mummified ibises suggests the birds were taken from the wild.">
<link rel="stylesheet" href="/css/museum.css">
<script>var _museumVisit = {{ section: "articles" }};</script>
</head>
<body class="page-article">
<div class="cookie-bar">{esc("We use cookies to help us understand how visitors use our site.")} <a
href="/cookies">Cookie settings</a> <button>Accept</button></div>
<header class="museum-header"><a href="/" class="museum-logo">Museum Notes</a>
<nav><a href="/visit">Visit</a> <a href="/exhibitions">Exhibitions</a> <a href="/collection">Collection</a> <a
href="/articles">Articles</a>
<a href="/shop">Shop</a> <a href="/donate" class="btn-donate">Donate</a></nav></header>
<main class="article-layout">
<div class="breadcrumbs">
<a href="/">Home</a> / <a href="/articles">Articles</a> / <a href="/articles/ancient-egypt">Ancient Egypt</a></div>
<h1>{esc(article.title)}</h1>
<p class="intro-tag">Research news &middot; Ancient Egypt</p>
<div class="article-text">
{text}
</div>
<section class="further"><h2>Further reading</h2><ul><li>
<a href="/articles/animal-mummies">Animal mummies: an introduction</a></li>
<li><a href="/articles/thoth-god-of-writing">Thoth, god of writing and wisdom</a></li><li>
<a href="/articles/saqqara-catacombs">Inside the Saqqara catacombs</a></li></ul></section>
<section class="membership"><h2>Become a member</h2>
<p>Free entry to every exhibition, members' evenings and the magazine.</p><a href="/membership">Join today</a></section>
{comments_html("ibis", "plain")}
</main>
<footer class="museum-footer"><p>Museum Notes is published by the museum's learning team.</p>
<p><a href="/accessibility">Accessibility</a> &middot; <a href="/privacy">Privacy</a> &middot; <a
href="/contact">Contact</a></p></footer>
</body>
</html>
"""


def page_url_date(article: Article, spec: Spec) -> str:
    """12: a music site whose only date is the one in the URL path."""
    related = others(article, 3)
    inserts = {
        1: figure("/uploads/evh-5150.jpg", "Eddie Van Halen with his striped \u201cFrankenstrat\u201d guitar.",
                  "Photo: Riffs archive"),
        3: f'<p class="rm"><em>Read more:</em> <a href="/news/{slugify(related[0][0])}/">{esc(related[0][0])}</a></p>',
        4: ad("riffs-inline", "Advertisement", "Guitar strings from $4.99 \u2014 shop now"),
    }
    text = body(article.paragraphs, inserts, lambda p: f"<p>{esc(p)}</p>")
    rel = "".join(f'<li><a href="/news/{slugify(t)}/">{esc(t)}</a></li>' for t, _ in related[1:])
    return f"""<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="UTF-8">
<title>{esc(article.title)} | Riffs</title>
<link rel="canonical" href="{spec.canonical}">
<meta property="og:title" content="{attr(article.title)}">
<meta property="og:site_name" content="Riffs">
<meta property="og:type" content="article">
<link rel="stylesheet" href="/themes/riffs/main.css">
{scripts_block("riffs")}
</head>
<body class="single">
{cookie_banner("Riffs", 1)}
<header class="header"><a class="logo" href="/">RIFFS</a><ul class="menu"><li><a href="/news/">News</a></li><li>
<a href="/gear/">Gear</a></li>
<li><a href="/lessons/">Lessons</a></li><li><a href="/interviews/">Interviews</a></li></ul></header>
<div class="main-wrap"><div class="post-wrap">
<div class="crumbs"><a href="/">Riffs</a> &gt; <a href="/news/">News</a></div>
<h1 class="post-title">{esc(article.title)}</h1>
<div class="post-byline">by <a href="/writers/jake-moreno/">{spec.author}</a></div>
{share_buttons(spec.canonical or "")}
<div class="post-body">
{text}
</div>
<div class="rel"><h4>Related news</h4><ul>{rel}</ul></div>
{comments_html("vanhalen", "plain")}
</div>
<div class="sidebar">{newsletter("Riffs", "Gear deals and new lessons every week.")}</div></div>
<footer class="foot"><p>
<a href="/about/">About Riffs</a> | <a href="/contact/">Contact</a> | <a href="/privacy/">Privacy</a></p>
<p>&copy; Riffs Media</p></footer>
</body>
</html>
"""


def page_yoast_graph(article: Article, spec: Spec) -> str:
    """13: JSON-LD as a Yoast-style ``@graph`` (WebSite, WebPage, Article, Person), a different modified day."""
    site = "Eurasia Monitor"
    base = "https://eurasiamonitor.example.com"
    graph = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebSite", "@id": f"{base}/#website", "url": f"{base}/", "name": site},
        {"@type": "WebPage", "@id": f"{spec.canonical}#webpage", "url": spec.canonical, "name": article.title,
         "isPartOf": {"@id": f"{base}/#website"}, "datePublished": "2019-01-04T05:40:00+03:00",
         "dateModified": "2019-01-06T10:05:00+03:00"},
        {"@type": "Article", "@id": f"{spec.canonical}#article", "isPartOf": {"@id": f"{spec.canonical}#webpage"},
         "author": {"@id": f"{base}/#/schema/person/5f1c"}, "headline": article.title,
         "datePublished": "2019-01-04T05:40:00+03:00", "dateModified": "2019-01-06T10:05:00+03:00",
         "articleSection": ["Russia", "Disasters"], "inLanguage": "en-US"},
        {"@type": "Person", "@id": f"{base}/#/schema/person/5f1c", "name": spec.author},
    ]}
    related = others(article, 3)
    inserts = {
        0: figure("/wp-content/uploads/2019/01/magnitogorsk-rescue.jpg",
                  "Rescuers search the rubble in temperatures below \u221220\u00b0C.", "Photo: Eurasia Monitor"),
        3: '<figure class="wp-block-pullquote is-style-solid-color"><blockquote><p>\u201c'
           + esc(quote_of(article, "impossible to continue working in such conditions"))
           + f"\u201d</p><cite>{esc(article.attributions[0])}</cite></blockquote></figure>",
        # The theme closes the content block around each mid-article box and opens a new one after it.
        5: f'</div>\n{ad("content-1")}\n<div class="td-post-content td-post-content--continued">',
        7: f'</div>\n<div class="td-post-related-inline"><p><strong>Read more: </strong>'
           f'<a href="/{slugify(related[0][0])}/">{esc(related[0][0])}</a></p></div>\n'
           '<div class="td-post-content td-post-content--continued">',
    }
    text = body(article.paragraphs, inserts, lambda p: f"<p>{esc(p)}</p>")
    rel = "".join(f'<article class="related-post"><a href="/{slugify(t)}/"><h3>{esc(t)}</h3></a>'
                  f'<span class="date">{d}</span></article>' for t, d in related)
    return f"""<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="UTF-8">
<title>{esc(article.title)} - {site}</title>
<meta name="robots" content="index, follow, max-image-preview:large">
<link rel="canonical" href="{spec.canonical}">
<meta property="og:locale" content="en_US">
<meta property="og:type" content="article">
<meta property="og:title" content="{attr(article.title)}">
<meta property="og:url" content="{spec.canonical}">
<meta property="og:site_name" content="{site}">
<script type="application/ld+json" class="yoast-schema-graph">{json.dumps(graph, ensure_ascii=False)}</script>
{scripts_block("eurasiamonitor")}
</head>
<body class="post-template-default single single-post">
{cookie_banner(site, 2)}
<header class="td-header"><div class="td-logo"><a href="/">{site}</a></div>
<div class="td-menu">
<a href="/russia/">Russia</a> <a href="/caucasus/">Caucasus</a> <a href="/central-asia/">Central Asia</a>
<a href="/energy/">Energy</a> <a href="/analysis/">Analysis</a></div></header>
<div class="td-container">
<div class="entry-crumbs"><span><a href="/">Home</a></span> <i class="sep"></i> <span><a href="/russia/">Russia</a>
</span></div>
<article class="post type-post">
<header class="td-post-title"><h1 class="entry-title">{esc(article.title)}</h1>
<div class="td-module-meta-info"><div class="td-post-author-name">By <a href="/author/irina-sokolova/">{spec.author}</a>
</div>
<div class="td-post-views"><span>2,431</span> views</div></div></header>
{share_buttons(spec.canonical or "", 1)}
<div class="td-post-content">
{text}
</div>
<div class="td-post-source-tags"><ul class="td-tags"><li><span>TAGS</span></li><li>
<a href="/tag/magnitogorsk/">Magnitogorsk</a></li><li><a href="/tag/gas-explosion/">gas explosion</a></li></ul></div>
</article>
<div class="td-related"><h4>Related articles</h4>{rel}</div>
{comments_html("magnitogorsk", "wp")}
</div>
<footer class="td-footer"><div>{site} &mdash; independent reporting on Russia and its neighbours.</div>
<div><a href="/about/">About</a> &middot; <a href="/donate/">Donate</a> &middot; <a href="/privacy-policy/">Privacy
Policy</a></div>
<div>&copy; Copyright 2019 {site}</div></footer>
</body>
</html>
"""


def page_drupal(article: Article, spec: Spec) -> str:
    """14: Drupal 8 markup (field--name-body, shortlink), ``<time datetime>`` only, late local time zone (UTC+13)."""
    related = others(article, 3)
    inserts = {
        1: '<div class="field field--name-field-image field--type-image"><figure>'
           '<img src="/sites/default/files/2019-12/red-flag.jpg" '
           'alt=""><figcaption>A red flag outside a home in Apia marks a household still to be vaccinated. '
           "<em>Photo: Moana Times</em></figcaption></figure></div>",
        3: '<div class="block block-ads"><div class="ad-label">Advertisement</div></div>',
        6: f'<p class="related-link"><strong>Read more:</strong> <a href="/news/{slugify(related[0][0])}">'
           f"{esc(related[0][0])}</a></p>",
    }
    text = body(article.paragraphs, inserts, lambda p: f"<p>{esc(p)}</p>")
    rel = "".join(f'<div class="views-row"><a href="/news/{slugify(t)}">{esc(t)}</a></div>' for t, _ in related[1:])
    return f"""<!DOCTYPE html>
<html lang="en" dir="ltr">
<head>
<meta charset="utf-8" />
<meta name="Generator" content="Drupal 8 (https://www.drupal.org)" />
<title>{esc(article.title)} | Moana Times</title>
<link rel="canonical" href="{spec.canonical}" />
<link rel="shortlink" href="https://moanatimes.example.org/node/88213" />
<meta name="MobileOptimized" content="width" />
<link rel="stylesheet" media="all" href="/sites/default/files/css/css_QVbd.css" />
<script type="application/json"
data-drupal-selector="drupal-settings-json">{{"path":{{"baseUrl":"\\/","currentPath":"node\\/88213"}},"ajaxPageState":{{"theme":"moana"}}}}</script>
</head>
<body class="path-node page-node-type-article">
<a href="#main-content" class="visually-hidden focusable skip-link">Skip to main content</a>
<div class="eu-cookie-compliance-banner"><div class="popup-content info"><div id="popup-text">
<p>{esc("We use cookies on this site to enhance your user experience.")}</p></div>
<div id="popup-buttons"><button type="button" class="agree-button">OK, I agree</button>
<button type="button" class="decline-button">No, thanks</button></div></div></div>
<div class="dialog-off-canvas-main-canvas">
<header role="banner"><div class="region region-header"><a href="/" rel="home" class="site-logo">
<img src="/themes/moana/logo.svg" alt="Home" /></a>
<div class="site-name">Moana Times</div></div>
<nav role="navigation" class="menu--main"><ul class="menu"><li><a href="/samoa">Samoa</a></li><li>
<a href="/pacific">Pacific</a></li>
<li><a href="/health">Health</a></li><li><a href="/sport">Sport</a></li><li><a href="/opinion">Opinion</a></li></ul>
</nav></header>
<div class="region region-breadcrumb"><nav class="breadcrumb"><ol><li><a href="/">Home</a></li><li>
<a href="/health">Health</a></li></ol></nav></div>
<main role="main"><a id="main-content" tabindex="-1"></a>
<div class="region region-content">
<article role="article" about="/news/samoa-shuts-down-for-measles-vaccination-drive"
class="node node--type-article node--view-mode-full">
<h1 class="page-title"><span class="field field--name-title">{esc(article.title)}</span></h1>
<div class="node__meta"><span class="field field--name-uid"><span>{spec.author}</span></span>,
<span class="field field--name-created"><time datetime="2019-12-07T10:15:00+13:00">Sat, 07/12/2019 - 10:15</time></span>
</div>
<div class="node__content">
<div class="clearfix text-formatted field field--name-body field--type-text-with-summary field--label-hidden
 field__item">
{text}
</div>
<div class="field field--name-field-tags field--type-entity-reference"><div class="field__label">Tags</div>
<div class="field__items"><div class="field__item"><a href="/taxonomy/term/12">Measles</a></div>
<div class="field__item"><a href="/taxonomy/term/31">Vaccination</a></div></div></div>
{comments_html("samoa", "drupal")}
</div>
</article>
<div class="views-element-container block"><h2>Latest news</h2>{rel}</div>
</div></main>
<footer role="contentinfo"><div class="region region-footer"><p>
<a href="/about">About the Moana Times</a> | <a href="/contact">Contact</a> | <a href="/privacy">Privacy</a></p>
<p>&copy; 2019 Moana Times</p></div></footer>
</div>
<script src="/core/assets/vendor/jquery/jquery.min.js?v=3.2.1"></script>
</body>
</html>
"""


def page_microdata(article: Article, spec: Spec) -> str:
    """15: a Bootstrap sports portal with schema.org microdata (itemprop datePublished, author, articleBody)."""
    related = others(article, 4)
    inserts = {
        0: '<div class="text-center my-3 ad-wrapper"><small class="text-muted">Advertisement</small>'
           '<div class="ad-300x250"></div></div>',
        1: '<figure class="figure" itemprop="image" itemscope itemtype="https://schema.org/ImageObject">'
           '<img class="figure-img img-fluid" src="/img/2019/kosgei-finish.jpg" itemprop="url">'
           '<figcaption class="figure-caption">Brigid Kosgei crosses the finish line in Grant Park. '
           "Photo: Stride Sports/ J. Hall</figcaption></figure>",
        2: '<aside class="card factbox float-right"><div class="card-body"><h5 class="card-title">Top three women</h5>'
           '<table class="table table-sm"><tr><td>1</td><td>Kosgei (KEN)</td><td>2:14:04</td></tr>'
           "<tr><td>2</td><td>Yeshaneh (ETH)</td><td>2:20:51</td></tr><tr><td>3</td><td>Burka (ETH)</td>"
           "<td>2:20:55</td></tr></table></div></aside>",
        3: f'<p class="lead-related"><strong>Read more:</strong> <a href="/athletics/{slugify(related[0][0])}">'
           f"{esc(related[0][0])}</a></p>",
    }
    text = body(article.paragraphs, inserts, lambda p: f"<p>{esc(p)}</p>")
    rel = "".join(f'<a class="list-group-item list-group-item-action" href="/athletics/{slugify(t)}">{esc(t)}</a>'
                  for t, _ in related[1:])
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, shrink-to-fit=no">
<link rel="stylesheet" href="https://cdn.example.net/bootstrap/4.3.1/css/bootstrap.min.css">
<title>{esc(article.title)} - Stride Sports</title>
<link rel="canonical" href="{spec.canonical}">
{scripts_block("stridesports")}
</head>
<body>
<nav class="navbar navbar-expand-lg navbar-dark bg-dark"><a class="navbar-brand" href="/">Stride<b>Sports</b></a>
<div class="collapse navbar-collapse"><ul class="navbar-nav mr-auto"><li class="nav-item">
<a class="nav-link" href="/athletics">Athletics</a></li>
<li class="nav-item"><a class="nav-link" href="/football">Football</a></li><li class="nav-item">
<a class="nav-link" href="/cycling">Cycling</a></li>
<li class="nav-item"><a class="nav-link" href="/results">Results</a></li></ul></div></nav>
<div class="alert alert-info cookie-alert fixed-bottom"
role="alert">{esc("By using this site you agree to our use of cookies.")} <button
class="btn btn-sm btn-primary">OK</button></div>
<div class="container mt-4"><div class="row">
<div class="col-lg-8">
<nav aria-label="breadcrumb"><ol class="breadcrumb"><li class="breadcrumb-item"><a href="/">Home</a></li>
<li class="breadcrumb-item"><a href="/athletics">Athletics</a></li>
<li class="breadcrumb-item active">Marathon</li></ol></nav>
<article itemscope itemtype="https://schema.org/NewsArticle">
<meta itemprop="datePublished" content="2019-10-14T07:00:00-05:00">
<meta itemprop="mainEntityOfPage" content="{spec.canonical}">
<h1 class="display-5" itemprop="headline">{esc(article.title)}</h1>
<p class="text-muted small">By <span itemprop="author" itemscope itemtype="https://schema.org/Person">
<span itemprop="name">{spec.author}</span></span></p>
<div class="btn-group btn-group-sm mb-3" role="group"><a class="btn btn-outline-secondary" href="#">Share</a>
<a class="btn btn-outline-secondary" href="#">Tweet</a><a class="btn btn-outline-secondary" href="#">Email</a></div>
<div itemprop="articleBody">
{text}
</div>
</article>
{comments_html("kosgei", "plain")}
</div>
<div class="col-lg-4"><div class="list-group mb-4"><div class="list-group-item active">Latest athletics</div>{rel}</div>
<div class="card"><div
class="card-body">{newsletter("Stride Sports", "Race results and training tips every Monday.")}</div></div></div>
</div></div>
<footer class="bg-dark text-white-50 py-4 mt-5"><div class="container">
<a href="/about">About</a> &middot; <a href="/contact">Contact</a> &middot; <a href="/privacy">Privacy</a>
<p>&copy; 2019 Stride Sports</p></div></footer>
<script src="https://cdn.example.net/jquery/3.3.1/jquery.slim.min.js"></script>
</body>
</html>
"""


def page_posted_on(article: Article, spec: Spec) -> str:
    """16: a local news site whose only date is the visible "Posted on 6 March 2020 by ..." line; no canonical."""
    inserts = {
        1: figure("/wp-content/uploads/2020/03/tippu-express-crew.jpg",
                  "The crew of the Tippu Express at Mysuru Junction before departure.", "Photo: City Line Mysuru"),
        2: ad("local-1", "Advertisement", "Mysuru Silk House \u2014 Women's Day offers up to 30% off"),
        3: '<p class="also-read"><strong>Read more:</strong> <a href="/news/mysuru-dasara-special-trains/">'
           "Railways to run Dasara special trains from Mysuru</a></p>",
    }
    text = body(article.paragraphs, inserts, lambda p: f"<p>{esc(p)}</p>")
    return f"""<!DOCTYPE html>
<html lang="en-IN">
<head>
<meta charset="UTF-8">
<title>{esc(article.title)} &#8211; City Line Mysuru</title>
<meta name="description" content="An all-women crew ran the Tippu Express from Mysuru to Bengaluru.">
<link rel="stylesheet" href="/wp-content/themes/newsup/style.css?ver=1.0">
{scripts_block("citylinemysuru")}
</head>
<body class="single-post">
{cookie_banner("City Line Mysuru", 1)}
<div class="top-strip"><span>Mysuru | Mandya | Chamarajanagar</span> <a href="/e-paper/">E-Paper</a></div>
<header class="site-header"><h2 class="site-title"><a href="/">City Line Mysuru</a></h2>
<p class="site-tagline">Your city, your news</p>
<nav class="primary-menu">
<a href="/">Home</a> <a href="/category/city/">City</a> <a href="/category/district/">District</a>
<a href="/category/state/">State</a> <a href="/category/sports/">Sports</a> <a href="/category/cinema/">Cinema</a></nav>
</header>
<div class="container"><div class="content">
<div class="breadcrumb-trail"><a href="/">Home</a> / <a href="/category/city/">City</a> / {esc(article.title)}</div>
<article class="post">
<h1 class="entry-title">{esc(article.title)}</h1>
<div class="entry-meta">Posted on 6 March 2020 by <a href="/author/kavya/">{spec.author}</a> &middot; <a
href="#comments">2 Comments</a></div>
{share_buttons(spec.page_url)}
<div class="entry-content">
{text}
</div>
</article>
<div class="post-navigation">
<a href="/news/krs-dam-water-level/">&laquo; KRS dam water level rises</a> <a href="/news/zoo-new-arrivals/">Mysuru zoo
welcomes new arrivals &raquo;</a></div>
{comments_html("tippu", "wp")}
</div>
<div class="sidebar"><div class="widget"><h3>Trending</h3><ul><li>
<a href="/news/ring-road-traffic/">Ring road traffic diversions this weekend</a></li>
<li><a href="/news/palace-illumination/">Palace illumination timings extended</a></li><li>
<a href="/news/heritage-walk/">Heritage walk on Sunday</a></li></ul></div>
<div class="widget">{newsletter("City Line Mysuru", "Morning headlines on WhatsApp and email.")}</div></div>
</div>
<footer class="site-footer"><p>
<a href="/about-us/">About Us</a> | <a href="/contact/">Contact</a> | <a href="/advertise/">Advertise with us</a></p>
<p>&copy; City Line Mysuru. All rights reserved.</p></footer>
</body>
</html>
"""


def page_nextjs(article: Article, spec: Spec) -> str:
    """17: a Next.js page: rendered markup plus the article again as ``__NEXT_DATA__`` JSON; mobile URL fetched."""
    site = "Retail Brief"
    related = others(article, 3)
    inserts = {
        1: '<div class="Ad_slot__3kd2"><p class="Ad_label__1ZtP">Advertisement</p></div>',
        3: '<figure class="Figure_root__9x1"><img src="/_next/image?url=%2Fimg%2Ftesco-poland.jpg&amp;w=1200" alt="">'
           '<figcaption class="Figure_caption__2Lp">A Tesco hypermarket in Kraków. <span class="Figure_credit__Qq1">'
           "Photo: Retail Brief</span></figcaption></figure>",
        5: f'<p class="Related_inline__aa1"><b>Read more:</b> <a href="/europe/{slugify(related[0][0])}">'
           f"{esc(related[0][0])}</a></p>",
    }
    text = body(article.paragraphs, inserts, lambda p: f'<p class="Body_paragraph__x8Qm">{esc(p)}</p>')
    ld = news_article_ld(article, spec, "2020-06-21T07:45:00+02:00", "2020-06-22T09:00:00+02:00", site,
                         "https://www.retailbrief.example.com/logo.png")
    next_data = {"props": {"pageProps": {"article": {
        "id": "rb-20200621-0042", "headline": article.title, "byline": spec.author,
        "published": "2020-06-21T07:45:00+02:00",
        "body": [{"type": "paragraph", "text": p} for p in article.paragraphs],
        "tags": ["Tesco", "Poland", "Salling Group", "Netto"]}}}, "page": "/[section]/[slug]",
        "query": {"section": "europe", "slug": "tesco-poland-salling"}, "buildId": "x9Yq2aLk", "isFallback": False}
    rel = "".join(f'<li class="Rail_item__7Hh"><a href="/europe/{slugify(t)}">{esc(t)}</a></li>'
                  for t, _ in related[1:])
    return f"""<!DOCTYPE html><html lang="en"><head><meta charSet="utf-8"/>
<meta name="viewport" content="width=device-width"/>
<title>{esc(article.title)} | {site}</title>
<link rel="canonical" href="{spec.canonical}"/>
<meta property="og:title" content="{attr(article.title)}"/><meta property="og:site_name" content="{site}"/>
{json_ld(ld)}
<link rel="preload" href="/_next/static/css/8d1e.css" as="style"/>
<link rel="stylesheet" href="/_next/static/css/8d1e.css"/>
<noscript data-n-css=""></noscript></head>
<body><div id="__next"><div class="Layout_root__1x">
<div class="Consent_banner__4r">
<p>{esc("We use cookies and similar technologies. Choose Accept to allow all, or Settings to decide.")}</p>
<button>Accept</button><button>Settings</button></div>
<header class="Header_root__z"><a class="Header_logo__q" href="/">RETAIL<span>BRIEF</span></a>
<nav class="Header_nav__p"><a href="/uk">UK</a><a href="/europe">Europe</a><a href="/grocery">Grocery</a>
<a href="/ecommerce">E-commerce</a><a href="/people">People</a></nav></header>
<main class="Article_root__6">
<nav class="Breadcrumbs_root__b"><a href="/">Home</a> › <a href="/europe">Europe</a></nav>
<h1 class="Article_headline__s">{esc(article.title)}</h1>
<div class="Byline_root__3"><span class="Byline_name__g">{spec.author}</span>
<span class="Byline_role__k">Central Europe editor</span></div>
<div class="Share_root__m"><button>Share on LinkedIn</button><button>Share on Twitter</button><button>Copy link</button>
</div>
<div class="Body_root__2">
{text}
</div>
<div class="Paywall_nudge__n"><p>Enjoying Retail Brief? Get unlimited access for £1 a week.</p>
<a href="/subscribe">Subscribe</a></div>
</main>
<aside class="Rail_root__w"><h2>More from Europe</h2><ul>{rel}</ul></aside>
<footer class="Footer_root__r"><a href="/about">About</a><a href="/events">Events</a><a href="/privacy">Privacy</a>
<span>© 2020 Retail Brief Ltd</span></footer>
</div></div>
<script id="__NEXT_DATA__" type="application/json">{json.dumps(next_data, ensure_ascii=False)}</script>
<script src="/_next/static/chunks/main-7a1b.js" async=""></script>
</body></html>
"""


def page_copyright_only(article: Article, spec: Spec) -> str:
    """18: no publication date, but a "© 2019" footer: a date must not be made of the copyright year."""
    inserts = {
        1: figure("/images/toilet-coating-test.jpg", "A coated (left) and uncoated toilet bowl in the lab test.",
                  "Image: Bench & Beaker"),
        3: '<div class="ad-unit"><span>Advertisement</span></div>',
        5: '<blockquote class="pq">\u201c' + esc(quote_of(article, "can essentially make a toilet self-cleaning"))
           + "\u201d</blockquote>",
        6: '<p class="rm">Read more: <a href="/stories/lotus-leaf-surfaces/">'
           "What lotus leaves teach materials scientists</a></p>",
    }
    text = body(article.paragraphs, inserts, lambda p: f"<p>{esc(p)}</p>")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{esc(article.title)} &middot; Bench &amp; Beaker</title>
<link rel="canonical" href="{spec.canonical}">
<meta property="og:title" content="{attr(article.title)}">
<meta property="og:site_name" content="Bench &amp; Beaker">
<style>.pq{{font:italic 1.5em Georgia}}</style>
{scripts_block("benchbeaker")}
</head>
<body>
{cookie_banner("Bench & Beaker", 0)}
<header class="bb-header"><a href="/" class="bb-logo">Bench &amp; Beaker</a>
<nav><a href="/stories/">Stories</a> <a href="/topics/chemistry/">Chemistry</a> <a
href="/topics/materials/">Materials</a>
<a href="/topics/biology/">Biology</a> <a href="/podcast/">Podcast</a></nav></header>
<main class="bb-main">
<p class="bb-crumbs"><a href="/">Home</a> &rsaquo; <a href="/topics/materials/">Materials</a></p>
<h1>{esc(article.title)}</h1>
<p class="bb-byline">By <a href="/people/rosa-lindgren/">{spec.author}</a>, staff writer</p>
{share_buttons(spec.canonical or "")}
<div class="bb-story">
{text}
</div>
<section class="bb-newsletter">
{newsletter("Bench & Beaker", "The week's best science stories, every Sunday.")}</section>
{comments_html("coating", "plain")}
</main>
<footer class="bb-footer"><p>
<a href="/about/">About</a> &middot; <a href="/contact/">Contact</a> &middot; <a href="/privacy/">Privacy</a></p>
<p>&copy; 2019 Bench &amp; Beaker Media. All rights reserved.</p></footer>
</body>
</html>
"""


def page_wire(article: Article, spec: Spec) -> str:
    """19: an entertainment site: JSON-LD dated late in the evening (UTC is the next day), modified days later."""
    site = "Marquee"
    related = others(article, 4)
    inserts = {
        0: figure("/photos/2019/05/doris-day-1950s.jpg", "Doris Day in a studio portrait from the 1950s.",
                  "Photo: Marquee archive", "media"),
        2: ad("ent-1", "ADVERTISEMENT", ""),
        5: '<aside class="pull-quote"><p>\u201c' + esc(quote_of(article, "Doris Day was America.")) + "\u201d</p>"
           "<p class=\"pull-quote__who\">Mary Quant</p></aside>",
        7: f'<p class="read-next">READ MORE: <a href="/film/{slugify(related[0][0])}">{esc(related[0][0])}</a></p>',
        10: ad("ent-2", "ADVERTISEMENT", "Stream the classics: first month free"),
    }
    # The first paragraph is a summary box between the dek and the byline; the body starts with the figure.
    lede = f'<div class="mq-summary"><p>{esc(article.paragraphs[0])}</p></div>'
    rest = {k - 1: v for k, v in inserts.items() if k}
    text = inserts[0] + "\n" + body(article.paragraphs[1:], rest, lambda p: f"<p>{esc(p)}</p>")
    ld = news_article_ld(article, spec, "2019-05-16T22:45:00-07:00", "2019-05-20T08:10:00-07:00", site,
                         "https://marquee.example.com/logo.png")
    rel = "".join(f'<li><a href="/film/{slugify(t)}">{esc(t)}</a></li>' for t, _ in related[1:])
    return f"""<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="utf-8">
<title>{esc(article.title)} | {site}</title>
<link rel="canonical" href="{spec.canonical}">
<meta property="og:title" content="{attr(article.title)}">
<meta property="og:type" content="article">
<meta property="article:modified_time" content="2019-05-20T08:10:00-07:00">
<meta property="article:section" content="Film">
{json_ld(ld)}
{scripts_block("marquee")}
</head>
<body class="article-page">
{cookie_banner(site, 0)}
<header class="mq-header"><a class="mq-logo" href="/">MARQUEE</a><nav><a href="/film">Film</a><a href="/tv">TV</a>
<a href="/music">Music</a>
<a href="/awards">Awards</a><a href="/obituaries">Obituaries</a></nav><a class="mq-sub" href="/subscribe">Subscribe</a>
</header>
<main class="mq-main">
<div class="mq-crumbs"><a href="/">Home</a> / <a href="/obituaries">Obituaries</a></div>
<h1 class="mq-headline">{esc(article.title)}</h1>
<p class="mq-dek">The singer and actor starred in Pillow Talk and Calamity Jane</p>
{lede}
<div class="mq-byline">By <a href="/author/lillian-hart">{spec.author}</a></div>
{share_buttons(spec.canonical or "")}
<div class="mq-article-body">
{text}
</div>
<div class="mq-related"><h3>More obituaries</h3><ul>{rel}</ul></div>
{comments_html("doris", "plain")}
</main>
<aside class="mq-rail">{newsletter(site, "Breaking entertainment news, straight to your inbox.")}{ad("rail-1")}</aside>
<footer class="mq-footer">
<a href="/about">About</a> <a href="/contact">Contact</a> <a href="/privacy">Privacy</a> <a href="/terms">Terms of
use</a>
<p>&copy; 2019 Marquee Media Group</p></footer>
</body>
</html>
"""


def page_print(article: Article, spec: Spec) -> str:
    """20: a print-friendly version: og:url names the article page, OG published time, little furniture."""
    inserts = {
        2: '<p class="print-hide">Read more: <a href="/politics/turkey-local-elections-results">'
           "Turkey local elections: "
           "the results</a></p>",
        4: '<div class="print-hide ad">Advertisement</div>',
    }
    text = body(article.paragraphs, inserts, lambda p: f"<p>{esc(p)}</p>")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Print: {esc(article.title)}</title>
<meta name="robots" content="noindex, follow">
<meta property="og:url" content="{spec.canonical}">
<meta property="og:title" content="{attr(article.title)}">
<meta property="og:site_name" content="Bosphorus Review">
<meta property="article:published_time" content="2019-03-31T10:00:00+03:00">
<style>@media print {{ .print-hide {{ display:none }} }} body {{ font-family: Georgia, serif; }}</style>
<script>window.addEventListener('load', function () {{ if (location.hash === '#autoprint') window.print(); }});</script>
</head>
<body class="print-view">
<div class="print-hide toolbar">
<a href="javascript:window.print()">Print this page</a> | <a href="{spec.canonical}">Back to article</a></div>
<div class="print-masthead"><img src="/img/bosphorus-review-print.png" alt="Bosphorus Review"></div>
<h1>{esc(article.title)}</h1>
<p class="print-byline">{spec.author}, Istanbul</p>
{text}
<hr>
<p class="print-footer">This article was printed from Bosphorus Review. Source: {spec.canonical}<br>
&copy; 2019 Bosphorus Review. For personal, non-commercial use only.</p>
</body>
</html>
"""


SPECS = [
    Spec(1, "paris-police-rape-trial", "wn-2019-02-02-paris-court-jails-two-police-in-high-profile-rap", page_wordpress,
         "https://riversideledger.example.com/2019/02/02/paris-court-jails-two-police-in-high-profile-rape-case/",
         "https://riversideledger.example.com/2019/02/02/paris-court-jails-two-police-in-high-profile-rape-case/",
         "Claire Dumont", notes="WordPress theme; JSON-LD NewsArticle; pull-quote blocks; date also in URL."),
    Spec(2, "crew-dragon-docks-amp", "wn-2019-03-05-spacex-crew-dragon-capsule-docks-with-internatio", page_amp,
         "https://orbitdaily.example.net/amp/space/spacex-crew-dragon-docks-iss",
         "https://orbitdaily.example.net/space/spacex-crew-dragon-docks-iss", "Marcus Webb",
         notes="AMP page; JSON-LD; canonical is the non-AMP page."),
    Spec(3, "gold-toilet-table-layout", "wn-2019-09-18-arrests-made-in-theft-of-gold-toilet-in-england", page_table,
         "http://www.shirecourier.example.org/story.php?id=4411", None, "Tom Harwell",
         notes="Table layout, <br><br> paragraphs; visible dateline only; no canonical."),
    Spec(4, "ginger-baker-div-soup", "wn-2019-10-07-influential-rock-drummer-ginger-baker-dies-at-ag", page_divs,
         "https://soundcheck.example.com/news/ginger-baker-dies-aged-80?ref=homepage",
         "https://soundcheck.example.com/news/ginger-baker-dies-aged-80", "Dana Okafor",
         notes="Paragraphs as nested <div>/<span>, no <p>; og:url; article:published_time."),
    Spec(5, "super-tuesday-live-blog", "wn-2020-03-06-bloomberg-warren-end-us-presidential-campaigns-f", page_liveblog,
         "https://capitolwire.example.org/live/super-tuesday-aftermath-warren-bloomberg",
         "https://capitolwire.example.org/live/super-tuesday-aftermath-warren-bloomberg", "Priya Raman; Owen Blake",
         notes="Live blog, one timestamped entry a paragraph, every state name linked; <time datetime> only."),
    Spec(6, "crew-dragon-launch-long-comments", "wn-2020-05-31-spacex-successfully-launches-its-first-crewed-sp",
         page_long_comments, "https://launchpad.example.com/news/spacex-demo-2-launch",
         "https://launchpad.example.com/news/spacex-demo-2-launch", "Hannah Lindqvist",
         notes="<article>, then a threaded comment section longer than the article; <time datetime> only."),
    Spec(7, "soleimani-most-read", "wn-2020-01-05-united-states-military-kills-qasem-soleimani", page_most_read,
         "https://meridianpost.example.com/world/2020/jan/05/qasem-soleimani-killed-us-airstrike"
         "?utm_source=twitter&utm_medium=social",
         "https://meridianpost.example.com/world/2020/jan/05/qasem-soleimani-killed-us-airstrike", "Samir Haddad",
         notes="'Most read' sidebar; bold lede paragraph outside the body; OpenGraph dates; tracking URL."),
    Spec(8, "mugabe-paginated-teaser", "wn-2019-09-09-longtime-leader-of-zimbabwe-robert-mugabe-dies-a", page_paginated,
         "https://southernhorizon.example.net/obituaries/robert-mugabe-dies-aged-95",
         "https://southernhorizon.example.net/obituaries/robert-mugabe-dies-aged-95", "Tendai Moyo", keep=5,
         notes="Page 1 of 3: the first 5 paragraphs only; visible 'Published Monday 9 September 2019' only."),
    Spec(9, "gdansk-mayor-entities", "wn-2019-01-14-arrest-made-as-mayor-of-gdansk-poland-stabbed-on", page_entities,
         "https://balticdispatch.example.org/news/gdansk-mayor-adamowicz-stabbed",
         "https://balticdispatch.example.org/news/gdansk-mayor-adamowicz-stabbed", "Małgorzata Wiśniewska",
         notes="All non-ASCII as HTML entities; og:url only; JSON-LD date."),
    Spec(10, "k2-18b-undated-blog", "wn-2019-09-14-astronomers-find-water-vapour-in-atmosphere-of-e",
         page_undated_blog, "https://starfieldnotes.example.com/posts/k2-18b-water-vapour/",
         "https://starfieldnotes.example.com/posts/k2-18b-water-vapour/", "Leo Marchetti", dated=False,
         notes="Blog; no date anywhere (comments say '3 days ago')."),
    Spec(11, "ibis-undated-museum", "wn-2019-11-16-ancient-egyptians-collected-wild-ibis-birds-for",
         page_undated_museum, "https://museumnotes.example.org/articles/ibis-mummies-wild-birds", None, None,
         dated=False, notes="Museum magazine; no date, no canonical, no byline."),
    Spec(12, "van-halen-url-date", "wn-2020-10-08-guitarist-eddie-van-halen-dies-aged-65", page_url_date,
         "https://riffs.example.net/2020/10/08/eddie-van-halen-dies-aged-65/",
         "https://riffs.example.net/2020/10/08/eddie-van-halen-dies-aged-65/", "Jake Moreno",
         notes="The only date is in the URL path."),
    Spec(13, "magnitogorsk-yoast-graph", "wn-2019-01-04-magnitogorsk-apartment-building-collapses-after",
         page_yoast_graph, "https://eurasiamonitor.example.com/magnitogorsk-building-collapse/?amp_markup=0",
         "https://eurasiamonitor.example.com/magnitogorsk-building-collapse/", "Irina Sokolova",
         notes="JSON-LD @graph (Yoast style), modified two days later; body split in 3 blocks around boxes."),
    Spec(14, "samoa-measles-drupal", "wn-2019-12-07-samoan-government-temporarily-shuts-down-for-nat", page_drupal,
         "https://moanatimes.example.org/node/88213",
         "https://moanatimes.example.org/news/samoa-shuts-down-for-measles-vaccination-drive", "Mele Tuiasosopo",
         notes="Drupal 8; <time datetime> at UTC+13 (the previous day in UTC); page fetched by its node URL."),
    Spec(15, "kosgei-record-microdata", "wn-2019-10-14-kenya-s-brigid-kosgei-sets-new-world-record-at-c",
         page_microdata, "https://stridesports.example.com/athletics/kosgei-chicago-marathon-world-record",
         "https://stridesports.example.com/athletics/kosgei-chicago-marathon-world-record", "Grace Wanjiru",
         notes="Bootstrap; schema.org microdata (itemprop datePublished, author, articleBody); fact-box table."),
    Spec(16, "tippu-express-posted-on", "wn-2020-03-06-indian-railway-all-women-crew-steers-tippu-expre",
         page_posted_on, "https://citylinemysuru.example.net/news/all-women-crew-tippu-express/", None, "Kavya Rao",
         notes="Visible 'Posted on 6 March 2020 by ...' only; no canonical."),
    Spec(17, "tesco-poland-nextjs", "wn-2020-06-21-british-supermarket-chain-tesco-to-sell-its-poli", page_nextjs,
         "https://m.retailbrief.example.com/europe/tesco-poland-salling",
         "https://www.retailbrief.example.com/europe/tesco-poland-salling", "Tomasz Lewandowski",
         notes="Next.js: rendered markup and __NEXT_DATA__ JSON; JSON-LD; fetched on the mobile host."),
    Spec(18, "toilet-coating-copyright-year", "wn-2019-11-21-slippery-business-materials-scientists-invent-ne",
         page_copyright_only, "https://benchbeaker.example.org/stories/slippery-toilet-coating/",
         "https://benchbeaker.example.org/stories/slippery-toilet-coating/", "Rosa Lindgren", dated=False,
         notes="No publication date; only a '© 2019' footer."),
    Spec(19, "doris-day-late-evening", "wn-2019-05-16-actor-doris-day-dies-at-97", page_wire,
         "https://marquee.example.com/obituaries/doris-day-dies-at-97",
         "https://marquee.example.com/obituaries/doris-day-dies-at-97", "Lillian Hart",
         notes="First paragraph in a summary box above the byline; JSON-LD 22:45 at UTC-7; only modified_time in OG."),
    Spec(20, "hagia-sophia-print", "wn-2019-03-31-turkey-s-president-erdogan-proposes-converting-h", page_print,
         "https://bosphorusreview.example.net/print/erdogan-hagia-sophia-mosque",
         "https://bosphorusreview.example.net/politics/erdogan-hagia-sophia-mosque", "Elif Şahin",
         notes="Print view; og:url names the article page; article:published_time."),
]


def write(out: Path) -> list[dict[str, object]]:
    """Write the pages into ``out/pages`` and ``out/truth.jsonl``; returns the truth records."""
    articles = load_articles()
    HEADLINES[:] = [(a.title, a.date) for a in articles.values()]
    pages = out / "pages"
    pages.mkdir(parents=True, exist_ok=True)
    truths: list[dict[str, object]] = []
    for spec in SPECS:
        article = articles[spec.doc_id]
        shown = article.paragraphs[: spec.keep] if spec.keep else article.paragraphs
        name = f"{spec.number:02d}-{spec.slug}.html"
        (pages / name).write_text(spec.build(article, spec), encoding="utf-8")
        truths.append({
            "page": name, "page_url": spec.page_url, "text": "\n\n".join(shown), "title": article.title,
            "date": article.date if spec.dated else None, "author": spec.author,
            "url": spec.canonical or spec.page_url, "source": article.source_url, "doc_id": article.doc_id,
            "notes": spec.notes,
        })
    lines = "".join(json.dumps(t, ensure_ascii=False) + "\n" for t in truths)
    (out / "truth.jsonl").write_text(lines, encoding="utf-8")
    return truths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder to write pages/ and truth.jsonl into")
    args = parser.parse_args(argv)
    truths = write(args.out)
    print(f"{len(truths)} pages written to {args.out / 'pages'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
