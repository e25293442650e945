"""When lxml finds no feed: feedparser's loose parser, then a message a person understands.

feedparser (a dependency already) reads some tag soup that lxml's recovery cannot turn into a
feed, such as upper-case `<RSS><CHANNEL>` from old CMSes. It is slow, so it only runs when the
fast parser has failed. If that fails too and the document is an HTML page, the error says so
and names the feed the page advertises, if any: usually the source's URL is the site, not its
feed, and that is the fix.
"""

from __future__ import annotations

import html
import io
import re
import time
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from newsmill.models import Enclosure, EntryData, FeedData
from newsmill.parse.dates import parse_date
from newsmill.parse.urls import join_url

__all__ = ["find_feed_links", "is_html_page", "not_a_feed_message", "parse_with_feedparser"]

_VERSIONS = {
    "rss090": "rss0.90", "rss091n": "rss0.91", "rss091u": "rss0.91", "rss092": "rss0.92",
    "rss093": "rss0.93", "rss094": "rss0.94", "rss20": "rss2.0", "rss10": "rss1.0",
    "rss": "rss2.0", "atom01": "atom0.3", "atom02": "atom0.3", "atom03": "atom0.3",
    "atom10": "atom1.0", "atom": "atom1.0", "json1": "json1.0", "json11": "json1.1",
}  # fmt: skip
_FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/feed+json",
     "application/rdf+xml"}
)  # fmt: skip
_HTML_HINT = re.compile(r"<html[\s>]|<!doctype\s+html|<head[\s>]|<body[\s>]", re.IGNORECASE)
_HTML_SCAN = 65536


def parse_with_feedparser(text: str, *, timezone: str, now: datetime | None) -> FeedData | None:
    """Read the text with feedparser; None if it finds no feed either."""
    import feedparser  # here, not at the top: a rare path, and the import takes a while

    try:
        # A stream, never a string: feedparser would fetch a string that looks like a URL and
        # open one that names a local file.
        result = feedparser.parse(
            io.BytesIO(text.encode("utf-8")),
            response_headers={"content-type": "application/xml; charset=utf-8"},
            resolve_relative_uris=False,
            sanitize_html=False,
        )
    except Exception:  # third-party code fed hostile input: its failure means "no feed"
        return None
    version = str(result.get("version") or "")
    entries = result.get("entries") or []
    if not version and not entries:
        return None
    head = result.get("feed") or {}
    return FeedData(
        format=_VERSIONS.get(version, version or "unknown"),
        title=_string(head.get("title")),
        link=_string(head.get("link")),
        entries=tuple(_entry(entry, timezone, now) for entry in entries),
    )


def find_feed_links(html_text: str, base_url: str) -> list[str]:
    """The feeds an HTML page advertises (`<link rel="alternate" type="application/rss+xml">`,
    Atom, JSON Feed), as absolute URLs in page order.

    Relative links are resolved against the page's `<base href>`, else `base_url`, else the
    URL the page gives for itself (canonical link or og:url); with none of those they stay
    relative.

    >>> find_feed_links('<link rel="alternate" type="application/rss+xml" href="/rss.xml">',
    ...                 "https://www.stcn.com/yw/")
    ['https://www.stcn.com/rss.xml']
    """
    root = _parse_html(html_text)
    if root is None:
        return []
    base = _base_url(root, base_url)
    found: dict[str, None] = {}  # ordered, and no quadratic search on a page of 10,000 links
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().partition(";")[0].strip()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and kind in _FEED_TYPES and href:
            found[join_url(base, href) if base else href] = None
    return list(found)


def is_html_page(text: str, root_name: str | None) -> bool:
    """Is the document a web page? (Then feedparser need not be tried: it finds no feed there.)"""
    return root_name == "html" or _HTML_HINT.search(text, 0, _HTML_SCAN) is not None


def not_a_feed_message(text: str, root_name: str | None, url: str = "") -> str:
    """Why the document is not a feed, for the source's error message; a feed link the page
    advertises is made absolute against `url`, the page's own address."""
    if is_html_page(text, root_name):
        message = "not a feed: the server sent an HTML page"
        feeds = find_feed_links(text, url)
        if feeds:
            more = f" (and {len(feeds) - 1} more)" if len(feeds) > 1 else ""
            message += f"; it advertises a feed at {feeds[0]}{more}"
        return message
    if root_name:
        return f"not a feed: the document is XML with a <{root_name}> root, not RSS, RDF or Atom"
    return "not a feed: the document is neither XML nor JSON"


def _entry(entry: Any, timezone: str, now: datetime | None) -> EntryData:
    contents = entry.get("content") or []
    enclosures = [
        Enclosure(str(item["href"]), _string(item.get("type")), _length(item.get("length")))
        for item in entry.get("enclosures") or []
        if item.get("href")
    ]
    return EntryData(
        guid=_string(entry.get("id")),
        link=_string(entry.get("link")),
        title=_string(entry.get("title")),
        author=_string(entry.get("author")),
        published=_date(entry, "published", timezone, now),
        updated=_date(entry, "updated", timezone, now),
        summary_html=_html(entry.get("summary_detail")) or _string(entry.get("summary")),
        content_html=_html(contents[0]) if contents else None,
        categories=tuple(t for tag in entry.get("tags") or [] if (t := _string(tag.get("term")))),
        enclosures=tuple(enclosures),
        image=_image(entry),
    )


def _date(entry: Any, key: str, timezone: str, now: datetime | None) -> datetime | None:
    # dict.get, not entry.get: feedparser's own get() answers "updated" with the published date.
    raw = dict.get(entry, key)
    if isinstance(raw, str) and (parsed := parse_date(raw, timezone=timezone, now=now)):
        return parsed
    fields = dict.get(entry, f"{key}_parsed")
    if isinstance(fields, time.struct_time):  # feedparser's own reading, in UTC
        return datetime(*fields[:6], tzinfo=UTC)
    return None


def _html(detail: Any) -> str | None:
    if not detail:
        return None
    value = _string(detail.get("value"))
    if value and detail.get("type") == "text/plain":
        return html.escape(value, quote=False)
    return value


def _image(entry: Any) -> str | None:
    for thumbnail in entry.get("media_thumbnail") or []:
        if url := _string(thumbnail.get("url")):
            return url
    for media in entry.get("media_content") or []:
        is_image = media.get("medium") == "image" or str(media.get("type", "")).startswith("image/")
        if is_image and (url := _string(media.get("url"))):
            return url
    image = entry.get("image")
    return _string(image.get("href")) if image else None


def _string(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _length(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _parse_html(text: str) -> etree._Element | None:
    parser = etree.HTMLParser(recover=True, no_network=True, remove_comments=True, encoding="utf-8")
    try:
        return etree.fromstring(text.encode("utf-8", "replace"), parser)
    except etree.XMLSyntaxError:  # an empty document
        return None


def _base_url(root: etree._Element, base_url: str) -> str:
    for base in root.iter("base"):
        if href := (base.get("href") or "").strip():
            return join_url(base_url, href)
    if base_url:
        return base_url
    for link in root.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            return (link.get("href") or "").strip()
    for meta in root.iter("meta"):
        if meta.get("property") == "og:url" and meta.get("content"):
            return (meta.get("content") or "").strip()
    return ""
