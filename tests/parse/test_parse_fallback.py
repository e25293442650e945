"""When lxml finds no feed: feedparser's loose parser, then errors a person can act on."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsmill.errors import ParseError
from newsmill.parse import find_feed_links, parse_feed
from newsmill.parse.fallback import parse_with_feedparser

FEEDS = Path(__file__).parents[1] / "data" / "feeds"


@pytest.mark.parametrize("body", [b"", b"   \r\n\t", b"\xef\xbb\xbf", b"\n\xef\xbb\xbf\n"])
def test_empty_body_is_an_empty_response(body: bytes) -> None:
    with pytest.raises(ParseError, match=r"^证券时报网 要闻: empty response$"):
        parse_feed(body, source="证券时报网 要闻")


def test_html_page_is_not_a_feed_and_names_the_feed_it_advertises() -> None:
    page = (FEEDS / "html-page-gbk.html").read_bytes()
    with pytest.raises(ParseError) as caught:
        parse_feed(page, source="证券时报网 要闻", content_type="text/html")
    assert caught.value.message == (
        # The relative href is resolved against the page's canonical URL.
        "not a feed: the server sent an HTML page; it advertises a feed at https://www.stcn.com/rss/yw.xml"
    )
    assert caught.value.source == "证券时报网 要闻"


def test_html_page_without_a_feed_link() -> None:
    page = "<!DOCTYPE html><html><head><title>首页</title></head><body><p>欢迎</p></body></html>"
    with pytest.raises(ParseError, match=r"not a feed: the server sent an HTML page$"):
        parse_feed(page.encode(), source="x")


def test_xml_that_is_not_a_feed_names_its_root() -> None:
    with pytest.raises(ParseError, match="not a feed: the document is XML with a <sitemapindex> root"):
        parse_feed(b'<?xml version="1.0"?><sitemapindex><sitemap/></sitemapindex>', source="x")


def test_plain_text_is_not_a_feed() -> None:
    with pytest.raises(ParseError, match="not a feed: the document is neither XML nor JSON"):
        parse_feed("服务暂时不可用，请稍后再试".encode(), source="x")


def test_json_that_is_not_a_json_feed() -> None:
    with pytest.raises(ParseError, match="not a feed: it is JSON, but not a JSON Feed"):
        parse_feed(b'{"code": 403, "msg": "\\u8bbf\\u95ee\\u88ab\\u62d2\\u7edd"}', source="x")


def test_broken_json() -> None:
    with pytest.raises(ParseError, match="not a feed: it looks like JSON but does not parse"):
        parse_feed(b'{"version": "https://jsonfeed.org/version/1.1", "items": [', source="x")


def test_upper_case_rss_is_read_by_the_feedparser_fallback() -> None:
    body = (
        '<?xml version="1.0" encoding="gb2312"?><RSS VERSION="2.0"><CHANNEL><TITLE>老站</TITLE>'
        "<ITEM><TITLE>旧式 CMS 的订阅</TITLE><LINK>http://old.example.cn/1.html</LINK>"
        "<PUBDATE>2021-10-12 13:33:00</PUBDATE></ITEM></CHANNEL></RSS>"
    ).encode("gb18030")
    feed = parse_feed(body, source="老站")
    assert feed.title == "老站"
    (entry,) = feed.entries
    assert entry.title == "旧式 CMS 的订阅"
    assert entry.link == "http://old.example.cn/1.html"
    assert entry.published == datetime(2021, 10, 12, 5, 33, tzinfo=UTC)  # our parse_date: Shanghai


def test_feedparser_result_is_mapped_to_feed_data() -> None:
    text = (FEEDS / "rss20.xml").read_text(encoding="utf-8")
    feed = parse_with_feedparser(text, timezone="Asia/Shanghai", now=None)
    assert feed is not None
    assert (feed.format, feed.title) == ("rss2.0", "证券时报网 - 要闻")
    first = feed.entries[0]
    assert first.title == "发布两大基因产业园 上海加码布局生物医药前沿产业"
    assert first.published == datetime(2021, 10, 12, 5, 33, tzinfo=UTC)  # CST as China time
    assert first.categories == ("要闻", "生物医药")
    assert first.image == "https://static.stcn.com/upload/2021/10/12/gene-thumb.jpg"
    assert first.content_html is not None and "张江细胞和基因产业园" in first.content_html


def test_feedparser_finds_nothing_in_an_html_page() -> None:
    assert parse_with_feedparser("<html><body><p>首页</p></body></html>", timezone="UTC", now=None) is None


def test_find_feed_links_resolves_against_the_base_url() -> None:
    page = """<html><head>
      <link rel="alternate" type="application/rss+xml" href="/rss/yw.xml">
      <link rel="Alternate" type="application/atom+xml; charset=utf-8" href="atom.xml">
      <link rel="alternate" type="application/feed+json" href="https://cdn.stcn.com/feed.json">
      <link rel="alternate" type="text/html" hreflang="en" href="/en/">
      <link rel="stylesheet" type="text/css" href="/a.css">
      <link rel="alternate" type="application/rss+xml" href="/rss/yw.xml">
    </head></html>"""
    assert find_feed_links(page, "https://www.stcn.com/yw/index.html") == [
        "https://www.stcn.com/rss/yw.xml",
        "https://www.stcn.com/yw/atom.xml",
        "https://cdn.stcn.com/feed.json",
    ]


def test_find_feed_links_honours_base_href() -> None:
    page = (
        '<html><head><base href="https://m.stcn.com/">'
        '<link rel="alternate" type="application/rss+xml" href="rss.xml"></head></html>'
    )
    assert find_feed_links(page, "https://www.stcn.com/") == ["https://m.stcn.com/rss.xml"]


def test_find_feed_links_without_any_base_leaves_links_relative() -> None:
    page = '<link rel="alternate" type="application/rss+xml" href="/rss.xml">'
    assert find_feed_links(page, "") == ["/rss.xml"]


def test_find_feed_links_on_nothing() -> None:
    assert find_feed_links("", "https://www.stcn.com/") == []
