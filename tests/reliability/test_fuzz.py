"""Property tests over hostile input: structured feed documents, dates, and HTML built from the
XSS corpus. Nothing escapes but newsmill's own errors, and the outputs keep their promises.

(The parse and clean packages have their own byte- and tag-soup fuzzing in
tests/parse/test_parse_properties.py and tests/clean/test_clean_properties.py; these add
grammar-shaped documents, date round trips, and the two-parser XSS check.)

Example counts stay modest so the suite stays fast; `NEWSMILL_FUZZ_EXAMPLES=5000` digs deeper.
"""

from __future__ import annotations

import html
import os
import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsmill.clean import sanitize_html, title_text
from newsmill.config import HexoConfig
from newsmill.errors import ParseError
from newsmill.models import Article, FeedData
from newsmill.parse import parse_date, parse_feed
from newsmill.publish.hexo.post import BODY_CLOSE, BODY_OPEN, post_thumbnail, render_post
from newsmill.publish.hexo.reader import parse_hexo_post
from support.xss import html_problems, load_corpus

CI = settings(
    max_examples=int(os.environ.get("NEWSMILL_FUZZ_EXAMPLES", "80")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
NOW = datetime(2024, 10, 12, 8, 0, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")

# --- feed documents shaped like feeds ------------------------------------------------------

RSS_FIELDS = ["title", "link", "guid", "description", "pubDate", "author", "category", "comments",
              "content:encoded", "dc:creator", "dc:date", "media:thumbnail", "enclosure", "source"]  # fmt: skip
ATOM_FIELDS = ["title", "id", "link", "summary", "content", "updated", "published", "author", "category"]
ODD_TEXTS = ["<p>正文</p>", "&amp;", "&nbsp;", "&#0;", "&#x110000;", "&undefined;", "]]>",
             "<![CDATA[<b>x</b>]]>", "Tue, 12 Oct 2021 13:33:00 CST", "2021年10月12日 13:33",
             "3分钟前", "javascript:alert(1)", "https://www.stcn.com/a.html", "\ufeff", "\x00"]  # fmt: skip
TEXTS = st.one_of(st.text(max_size=30), st.sampled_from(ODD_TEXTS))


def _escaped(text: str) -> str:
    return escape(text) if not text.startswith("<![CDATA[") else text


@st.composite
def elements(draw: st.DrawFn, names: list[str], depth: int = 0) -> str:
    name = draw(st.sampled_from(names))
    attributes = "".join(
        f" {key}={quoteattr(draw(TEXTS))}"
        for key in draw(
            st.lists(
                st.sampled_from(["href", "url", "type", "rel", "isPermaLink", "xml:base", "xmlns"]),
                max_size=3,
                unique=True,
            )
        )
    )
    if depth < 2 and draw(st.booleans()):
        inner = "".join(draw(st.lists(elements(names, depth + 1), max_size=3)))
    else:
        inner = _escaped(draw(TEXTS))
    closing = draw(st.sampled_from([f"</{name}>", f"</{name}>", f"</{name}>", "", "</wrong>"]))
    return f"<{name}{attributes}>{inner}{closing}"


@st.composite
def feed_documents(draw: st.DrawFn) -> bytes:
    """RSS or Atom with random fields, nesting, broken closings and odd declarations."""
    kind = draw(st.sampled_from(["rss", "atom", "rdf"]))
    fields = ATOM_FIELDS if kind == "atom" else RSS_FIELDS
    items = "".join(
        f"<{'entry' if kind == 'atom' else 'item'}>{''.join(draw(st.lists(elements(fields), max_size=6)))}"
        f"</{'entry' if kind == 'atom' else 'item'}>"
        for _ in range(draw(st.integers(0, 4)))
    )
    if kind == "atom":
        body = (
            f'<feed xmlns="http://www.w3.org/2005/Atom"><title>{_escaped(draw(TEXTS))}</title>{items}</feed>'
        )
    elif kind == "rdf":
        body = (
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">'
            f"<channel><title>x</title></channel>{items}</rdf:RDF>"
        )
    else:
        body = (
            '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/">'
            f"<channel><title>{_escaped(draw(TEXTS))}</title>{items}</channel></rss>"
        )
    declaration = draw(st.sampled_from(["", '<?xml version="1.0"?>', '<?xml version="1.0" encoding="gbk"?>',
                                        '<?xml version="1.1" encoding="utf-8"?>', '<!DOCTYPE rss [<!ENTITY x "y">]>']))  # fmt: skip
    encoding = draw(st.sampled_from(["utf-8", "gb18030", "utf-16"]))
    return (declaration + body).encode(encoding, "replace")


def parsed_or_parse_error(body: bytes, **options: str) -> FeedData | None:
    try:
        feed = parse_feed(body, source="fuzz", now=NOW, **options)
    except ParseError as error:
        assert error.source == "fuzz" and error.message and "\n" not in error.message
        return None
    assert isinstance(feed, FeedData)
    for entry in feed.entries:
        for moment in (entry.published, entry.updated):
            assert moment is None or moment.tzinfo is UTC
        for value in (
            entry.title,
            entry.link,
            entry.guid,
            entry.author,
            entry.summary_html,
            entry.content_html,
        ):
            assert value is None or isinstance(value, str)
    return feed


@CI
@given(feed_documents(), st.sampled_from([None, "text/xml", "application/rss+xml; charset=gbk", "text/html"]))
def test_feed_shaped_documents_parse_or_raise_parse_error(body: bytes, content_type: str | None) -> None:
    parsed_or_parse_error(body, **({"content_type": content_type} if content_type else {}))


@CI
@given(feed_documents(), st.integers(0, 200))
def test_a_feed_cut_anywhere_parses_or_raises_parse_error(body: bytes, cut: int) -> None:
    parsed_or_parse_error(body[: len(body) * cut // 200])


@CI
@given(st.text(max_size=300), st.sampled_from(["<html><head>", "<!doctype html>", "", "{", "["]))
def test_any_text_after_a_telling_start_parses_or_raises_parse_error(text: str, start: str) -> None:
    parsed_or_parse_error((start + text).encode("utf-8", "surrogatepass"))


# --- dates -----------------------------------------------------------------------------------

moments = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(lambda moment: moment.replace(microsecond=0))
offsets = st.integers(-12 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))


@CI
@given(st.text(max_size=120), st.sampled_from(["Asia/Shanghai", "UTC", "America/New_York", "Asia/Kolkata"]))
def test_parse_date_answers_an_aware_utc_time_or_none(text: str, zone: str) -> None:
    parsed = parse_date(text, timezone=zone, now=NOW)
    assert parsed is None or parsed.tzinfo is UTC


@CI
@given(moments, offsets)
def test_rfc_2822_dates_round_trip(moment: datetime, offset: timezone) -> None:
    assert parse_date(format_datetime(moment.astimezone(offset)), now=NOW) == moment


@CI
@given(moments, offsets, st.sampled_from(["T", " "]))
def test_iso_8601_dates_round_trip(moment: datetime, offset: timezone, separator: str) -> None:
    assert parse_date(moment.astimezone(offset).isoformat(separator), now=NOW) == moment


@CI
@given(moments.map(lambda moment: moment.replace(second=0)))
def test_chinese_dates_without_a_zone_are_read_in_the_sources_zone(moment: datetime) -> None:
    local = moment.astimezone(SHANGHAI)
    for text in (f"{local:%Y年%m月%d日 %H:%M}", f"{local:%Y-%m-%d %H:%M}", f"{local:%Y/%m/%d %H:%M}"):
        assert parse_date(text, timezone="Asia/Shanghai", now=NOW) == moment, text


# --- HTML built from the XSS corpus --------------------------------------------------------


PAYLOADS = load_corpus()
payload_soup = st.lists(
    st.one_of(
        st.sampled_from(PAYLOADS),
        st.sampled_from(
            [
                "<p>",
                "</p>",
                "<div><a href='https://ok.example/'>",
                "</a></div>",
                "正文",
                "<table><tr><td>",
                "<svg>",
                "<math>",
                "<!--",
                "-->",
                '"',
                "'",
                "<",
            ]
        ),
    ),
    min_size=1,
    max_size=6,
).map("".join)


@CI
@given(payload_soup, st.sampled_from([None, "https://www.stcn.com/yw/", "http://127.0.0.1/"]))
def test_sanitized_corpus_soup_runs_no_script_in_either_parser(html: str, base: str | None) -> None:
    out = sanitize_html(html, base_url=base).html
    assert html_problems(out) == [], (html, out)
    assert html_problems(sanitize_html(out, base_url=base).html) == []


@CI
@given(payload_soup)
def test_a_title_is_one_line_of_text_whatever_it_held(raw: str) -> None:
    title = title_text(raw)
    assert "\n" not in title and "\x00" not in title
    assert title == title.strip()


# --- Hexo posts: what is written reads back the same -------------------------------------------

HEXO_TRICKS = ["'", '"', ": ", "---", "\n---\n", "{{ x }}", "{% raw %}", "#", " #", "- ", "`", "~~~", "😀",
               "证券时报网", "\x00", "\x1b", "\t", "\r\n", "\u2028", "\ufeff", "\\", "&amp;", "<b>", "</div>", "null"]  # fmt: skip
hexo_text = st.lists(st.one_of(st.sampled_from(HEXO_TRICKS), st.text(max_size=6)), max_size=8).map("".join)
_WRITTEN_AWAY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


def _as_written(text: str) -> str:
    """What a one-line front-matter field can hold: line breaks become spaces, controls go."""
    return _WRITTEN_AWAY.sub("", re.sub(r"[\t\r\n]+", " ", text)).strip()


def _article(title: str, body: str, categories: tuple[str, ...], author: str, published: datetime) -> Article:
    return Article(
        id="0" * 40, source="源", url="https://www.stcn.com/a.html", guid=None, title=title, author=author,
        published=published, updated=None, summary="", content_html=body, content_text="", thumbnail=None,
        categories=categories, tags=(), enclosures=(), content_hash="0" * 40, first_seen=published,
        last_seen=published,
    )  # fmt: skip


@CI
@given(
    hexo_text.filter(lambda t: _as_written(t) != ""),
    hexo_text,
    st.lists(hexo_text.filter(lambda t: _as_written(t) != ""), min_size=1, max_size=3).map(tuple),
    hexo_text.filter(lambda t: _as_written(t) != ""),
    moments,
)
def test_a_hexo_post_reads_back_with_the_fields_it_was_written_with(
    title: str, body: str, categories: tuple[str, ...], author: str, published: datetime
) -> None:
    body = body.strip()  # as the clean stage stores it (see the test below for why it matters)
    article = _article(title, body, categories, author, published)
    text = render_post(article, HexoConfig())
    post = parse_hexo_post(text, Path("post.md"), timezone=UTC)
    assert post.title == _as_written(title)
    assert post.categories == tuple(_as_written(category) for category in categories)
    assert post.author == _as_written(author)
    assert post.published == published
    assert post.thumbnail == post_thumbnail(article, HexoConfig())
    expected = html.unescape(body.replace("\r\n", "\n").replace("\r", "\n"))
    assert html.unescape(post.body_html).strip() == expected.strip()
    assert not _blank_line_in_body(text), "a blank line would end Markdown's HTML block"


def _blank_line_in_body(text: str) -> bool:
    """Is there a blank line from `<div>` to the end of the article's HTML? (The seed's own
    closing lines hold one, before `</div>`, where the block may end.)"""
    inner = text.split(BODY_OPEN, 1)[1].removesuffix(BODY_CLOSE)
    return re.search(r"\n[ \t]*\n", "<div>   \n" + inner) is not None


def test_a_body_starting_with_a_line_break_cannot_end_markdowns_html_block() -> None:
    article = _article("标题", "\n[x](javascript:alert(1))\n<p>正文</p>", ("金融",), "作者", NOW)
    assert not _blank_line_in_body(render_post(article, HexoConfig()))
