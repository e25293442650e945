"""Properties that hold for any input: the clean stage never raises, and its output is stable."""

from __future__ import annotations

from clean_helpers import SEED_LINK
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsmill.clean import canonical_url, clean_entry, sanitize_html, summarize, title_text
from newsmill.clean.urls import CANONICAL_URL
from newsmill.clean.urls import _canonical as full_canonical_url
from newsmill.models import Enclosure, EntryData, Source

TAGS = [
    "p", "div", "span", "a", "img", "h1", "h2", "li", "ul", "table", "tr", "td", "pre", "b",
    "em", "code", "font", "center", "o:p", "script", "style", "iframe", "svg", "math", "form",
    "object", "embed", "select", "textarea", "noscript", "title", "template", "source", "video",
    "picture", "base", "meta", "br", "xmp", "plaintext", "body", "annotation-xml", "mglyph",
]  # fmt: skip
ATTRIBUTES = [
    "",
    ' href="javascript:alert(1)"',
    ' href="/x?utm_source=a&amp;id=1"',
    ' src="x.png"',
    " src=data:text/html,x",
    ' data-src="//cdn.example/a.jpg"',
    ' width="1"',
    " onerror=alert(1)",
    ' style="x:expression(1)"',
    ' src="https://www.youtube.com/embed/x"',
    ' title="a<b>c"',
    " alt='x src=\"'",
    ' href="jav&#x09;ascript:1"',
]
PIECES = [
    "x", "中文", " ", "\n", "&amp;", "&lt;", "&nbsp;", "<", ">", "&", "<!--", "-->",
    "<![CDATA[", "]]>", '"', "'", "=", "/", "\x00", "\x01", "\u3000", "\ud800",
]  # fmt: skip

tag_soup = st.lists(
    st.one_of(
        st.builds("<{}{}>".format, st.sampled_from(TAGS), st.sampled_from(ATTRIBUTES)),
        st.builds("</{}>".format, st.sampled_from(TAGS)),
        st.sampled_from(PIECES),
        st.text(max_size=8),
    ),
    max_size=40,
).map("".join)

PROPERTY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(html=tag_soup, base=st.sampled_from([None, SEED_LINK, "https://www.stcn.com/a/"]))
def test_sanitized_output_is_a_fixed_point_without_scripts(html: str, base: str | None) -> None:
    out = sanitize_html(html, base_url=base).html
    assert "<script" not in out.lower()
    assert sanitize_html(out, base_url=base).html == out


@PROPERTY
@given(html=st.text())
def test_sanitizing_any_text_never_raises(html: str) -> None:
    out = sanitize_html(html, base_url=SEED_LINK).html
    assert sanitize_html(out, base_url=SEED_LINK).html == out


@PROPERTY
@given(url=st.one_of(st.text(), st.from_regex(r"\Ahttps?://[a-zA-Z0-9.:@\[\]-]{0,20}/[ -~]{0,30}\Z")))
def test_canonical_urls_never_raise_and_are_fixed_points(url: str) -> None:
    once = canonical_url(url, base_url=SEED_LINK)
    if once is not None:
        assert once.startswith(("http://", "https://"))
        assert canonical_url(once) == once


@PROPERTY
@given(text=st.text(), limit=st.integers(min_value=1, max_value=300))
def test_summaries_fit_their_limit(text: str, limit: int) -> None:
    summary = summarize(text, limit)
    assert len(summary) <= limit
    assert "\n" not in summary


@PROPERTY
@given(raw=st.text())
def test_titles_are_one_trimmed_line(raw: str) -> None:
    title = title_text(raw)
    assert title == title.strip()
    assert "\n" not in title


optional_text = st.one_of(st.none(), st.text(max_size=30), tag_soup)
entries = st.builds(
    EntryData,
    guid=optional_text,
    link=st.one_of(optional_text, st.sampled_from([SEED_LINK, "/a.html", "//x.example/a"])),
    title=optional_text,
    author=optional_text,
    summary_html=optional_text,
    content_html=optional_text,
    categories=st.lists(st.text(max_size=10), max_size=3).map(tuple),
    enclosures=st.lists(st.builds(Enclosure, url=st.text(max_size=30)), max_size=2).map(tuple),
    image=optional_text,
)


@PROPERTY
@given(entry=entries, feed_link=st.one_of(st.none(), st.text(max_size=20)))
def test_clean_entry_never_raises(entry: EntryData, feed_link: str | None) -> None:
    source = Source(name="源", url="https://rsshub.app/stcn/yw", categories=("金融",), author="源")
    draft = clean_entry(entry, source=source, feed_link=feed_link)
    if draft is not None:
        assert "<script" not in draft.content_html.lower()
        assert len(draft.summary) <= 200
        assert draft == clean_entry(entry, source=source, feed_link=feed_link)


@PROPERTY
@given(
    url=st.from_regex(
        r"\Ahttps?://[a-z0-9.-]{1,12}/[a-zA-Z0-9/._~%&=+-]{0,12}(\?[a-zA-Z0-9_.=&%-]{0,16})?(#[a-z]{0,4})?\Z"
    )
)
def test_the_fast_path_agrees_with_the_full_canonicalization(url: str) -> None:
    # `CANONICAL_URL` lets most URLs skip the full work: only if that work would not change them.
    if CANONICAL_URL.fullmatch(url):
        assert full_canonical_url(url, None, 3) == url
