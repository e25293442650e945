"""Feeds out: Atom 1.0, RSS 2.0 and JSON Feed 1.1, with absolute URLs from `[site] base_url`."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

from newsmill.publish.site import urls
from newsmill.publish.site.cards import Card

FEED_ITEMS = 20
GENERATOR = "newsmill"
# XML 1.0 forbids these characters even when escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# An attribute value keeps its whitespace characters only as references (XML normalizes them).
_ATTRIBUTE_SPACE = str.maketrans({"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


@dataclass(frozen=True, slots=True)
class FeedItem:
    card: Card
    content_html: str


@dataclass(frozen=True, slots=True)
class FeedInfo:
    title: str
    base_url: str
    language: str
    folder: str  # the page the feed belongs to: "" for the site, "categories/金融/" for one

    def link(self, name: str) -> str:
        return urls.absolute(self.base_url, self.folder + name)


def _x(text: str) -> str:
    # (html.escape, not xml.sax.saxutils: the same three replacements, without importing urllib)
    return html.escape(_NOT_XML.sub("", text), quote=False)


def _h(text: str) -> str:
    """Plain text where RSS readers expect HTML (`<description>`): HTML-escaped, then XML-escaped,
    so `<img src=x onerror=…>` in a category name or summary stays text in the reader."""
    return _x(html.escape(text, quote=False))


def _a(text: str) -> str:
    """A double-quoted XML attribute value."""
    return '"' + html.escape(_NOT_XML.sub("", text)).translate(_ATTRIBUTE_SPACE) + '"'


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _updated(items: list[FeedItem]) -> datetime:
    moments = [item.card.updated or item.card.published for item in items]
    return max(moments) if moments else datetime(1970, 1, 1, tzinfo=UTC)


def atom(info: FeedInfo, items: list[FeedItem]) -> bytes:
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={_a(info.language)}>\n',
        f"<title>{_x(info.title)}</title>\n",
        f"<id>{_x(info.link(''))}</id>\n",
        f'<link rel="alternate" type="text/html" href={_a(info.link(""))}/>\n',
        f'<link rel="self" type="application/atom+xml" href={_a(info.link("atom.xml"))}/>\n',
        f"<updated>{_iso(_updated(items))}</updated>\n",
        f"<generator>{GENERATOR}</generator>\n",
    ]
    for item in items:
        card = item.card
        link = urls.absolute(info.base_url, card.path)
        out.append("<entry>\n")
        out.append(f"<title>{_x(card.title)}</title>\n<id>urn:newsmill:{card.id}</id>\n")
        out.append(f'<link rel="alternate" type="text/html" href={_a(link)}/>\n')
        out.append(f'<link rel="via" href={_a(card.url)}/>\n')
        out.append(f"<published>{_iso(card.published)}</published>\n")
        out.append(f"<updated>{_iso(card.updated or card.published)}</updated>\n")
        out.append(f"<author><name>{_x(card.author or card.source)}</name></author>\n")
        out.extend(f"<category term={_a(name)}/>\n" for name in card.categories + card.tags)
        if card.summary:
            out.append(f'<summary type="text">{_x(card.summary)}</summary>\n')
        out.append(f'<content type="html">{_x(item.content_html)}</content>\n')
        out.append("</entry>\n")
    out.append("</feed>\n")
    return "".join(out).encode()


def rss(info: FeedInfo, items: list[FeedItem]) -> bytes:
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n',
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/">\n<channel>\n',
        f"<title>{_x(info.title)}</title>\n<link>{_x(info.link(''))}</link>\n",
        f"<description>{_h(info.title)}</description>\n<language>{_x(info.language)}</language>\n",
        f'<atom:link rel="self" type="application/rss+xml" href={_a(info.link("rss.xml"))}/>\n',
        f"<lastBuildDate>{format_datetime(_updated(items), usegmt=True)}</lastBuildDate>\n",
        f"<generator>{GENERATOR}</generator>\n",
    ]
    for item in items:
        card = item.card
        link = urls.absolute(info.base_url, card.path)
        out.append("<item>\n")
        out.append(f"<title>{_x(card.title)}</title>\n<link>{_x(link)}</link>\n")
        out.append(f'<guid isPermaLink="false">urn:newsmill:{card.id}</guid>\n')
        out.append(f"<pubDate>{format_datetime(card.published.astimezone(UTC), usegmt=True)}</pubDate>\n")
        out.append(f"<source url={_a(info.link('rss.xml'))}>{_x(info.title)}</source>\n")
        out.extend(f"<category>{_x(name)}</category>\n" for name in card.categories + card.tags)
        out.append(f"<description>{_h(card.summary)}</description>\n")
        out.append(f"<content:encoded>{_x(item.content_html)}</content:encoded>\n")
        out.append("</item>\n")
    out.append("</channel>\n</rss>\n")
    return "".join(out).encode()


def json_feed(info: FeedInfo, items: list[FeedItem]) -> bytes:
    feed: dict[str, object] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": info.title,
        "home_page_url": info.link(""),
        "feed_url": info.link("feed.json"),
        "language": info.language,
        "items": [_json_item(info, item) for item in items],
    }
    return json.dumps(feed, ensure_ascii=False, indent=1).encode()


def _json_item(info: FeedInfo, item: FeedItem) -> dict[str, object]:
    card = item.card
    entry: dict[str, object] = {
        "id": f"urn:newsmill:{card.id}",
        "url": urls.absolute(info.base_url, card.path),
        "external_url": card.url,
        "title": card.title,
        "content_html": item.content_html,
        "summary": card.summary,
        "date_published": _iso(card.published),
        "authors": [{"name": card.author or card.source}],
        "tags": list(card.categories + card.tags),
    }
    if card.updated:
        entry["date_modified"] = _iso(card.updated)
    if card.thumbnail:
        entry["image"] = card.thumbnail
    return entry


FEEDS = (("Atom", "application/atom+xml", "atom.xml"), ("RSS", "application/rss+xml", "rss.xml"),
         ("JSON Feed", "application/feed+json", "feed.json"))  # fmt: skip
WRITERS = {"atom.xml": atom, "rss.xml": rss, "feed.json": json_feed}
