"""The parse stage: the bytes of a fetched feed in, a `FeedData` out.

RSS 0.90–2.0, RSS 1.0 (RDF), Atom 0.3/1.0 and JSON Feed 1.0/1.1, from sites that mislabel their
charsets and write their XML by hand. HTML fields come out raw (the clean stage sanitizes
them); text fields meant as text (Atom type="text", JSON content_text) come out HTML-escaped so
the clean stage can treat every content field as HTML.

>>> body = ('<rss version="2.0"><channel><title>要闻</title><item><title>上海&nbsp;发布</title>'
...         '<pubDate>Tue, 12 Oct 2021 13:33:00 CST</pubDate></item></channel></rss>').encode()
>>> feed = parse_feed(body, source="证券时报网 要闻")
>>> feed.format, feed.title, feed.entries[0].title, feed.entries[0].published.isoformat()
('rss2.0', '要闻', '上海\\xa0发布', '2021-10-12T05:33:00+00:00')
"""

from __future__ import annotations

from datetime import datetime

from newsmill.errors import ParseError
from newsmill.models import FeedData
from newsmill.parse.dates import parse_date
from newsmill.parse.decode import DecodeError, decode_document, utf8_is_first_choice
from newsmill.parse.fallback import (
    find_feed_links,
    is_html_page,
    not_a_feed_message,
    parse_with_feedparser,
)
from newsmill.parse.jsonfeed import NotAJsonFeed, parse_json_feed
from newsmill.parse.repair import prepare_xml
from newsmill.parse.xmlfeed import parse_xml_feed, root_tag

__all__ = ["DecodeError", "decode_document", "find_feed_links", "parse_date", "parse_feed"]

_SPACE = b" \t\r\n"
_BOM = b"\xef\xbb\xbf"


def parse_feed(
    body: bytes,
    *,
    source: str,
    content_type: str | None = None,
    encoding: str | None = None,
    timezone: str = "Asia/Shanghai",
    now: datetime | None = None,
    url: str | None = None,
) -> FeedData:
    """Parse a fetched feed document.

    `source` names the source in errors; `content_type` is the HTTP header (its charset is one
    clue to the encoding); `encoding` is the source's override, which beats every other clue;
    `timezone` is where dates without a zone are; `now` anchors relative dates (`3分钟前`);
    `url` is where the body came from (after redirects), against which the feed link an HTML
    page advertises is made absolute in the error message.
    Raises `ParseError` with a message a person can act on: empty response, undecodable bytes,
    an HTML page instead of a feed (naming the feed it advertises), and so on.
    """
    start = body.lstrip(_SPACE)
    if start.startswith(_BOM):
        start = start[len(_BOM) :].lstrip(_SPACE)
    if not start:
        raise ParseError(source, "empty response")
    if start[:1] in (b"{", b"["):
        return _json(_decode(body, source, content_type, encoding), source, timezone, now)
    text: str | None = None
    prepared = prepare_xml(body) if utf8_is_first_choice(body, content_type, encoding) else None
    if prepared is None:
        text = _decode(body, source, content_type, encoding)
        if text.startswith(("{", "[")):
            return _json(text, source, timezone, now)
        prepared = prepare_xml(text.encode("utf-8"))
    if prepared is None:  # cannot happen: the text was just encoded as UTF-8
        raise ParseError(source, "cannot decode the response")
    feed = parse_xml_feed(prepared, timezone=timezone, now=now)
    if feed is not None:
        return feed
    if text is None:
        text = _decode(body, source, content_type, encoding)
    root_name = root_tag(prepared.data)
    if not is_html_page(text, root_name):  # feedparser is slow, and finds no feed in a page
        feed = parse_with_feedparser(text, timezone=timezone, now=now)
        if feed is not None:
            return feed
    raise ParseError(source, not_a_feed_message(text, root_name, url or ""))


def _decode(body: bytes, source: str, content_type: str | None, encoding: str | None) -> str:
    try:
        return decode_document(body, content_type=content_type, encoding=encoding)
    except DecodeError as error:
        raise ParseError(source, f"cannot decode the response: {error}") from None


def _json(text: str, source: str, timezone: str, now: datetime | None) -> FeedData:
    try:
        return parse_json_feed(text, timezone=timezone, now=now)
    except NotAJsonFeed as error:
        raise ParseError(source, f"not a feed: {error}") from None
