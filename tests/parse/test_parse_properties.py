"""Whatever the bytes, parse_feed answers with a FeedData or a ParseError, nothing else."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsmill.errors import ParseError
from newsmill.models import FeedData
from newsmill.parse import decode_document, parse_feed
from newsmill.parse.decode import DecodeError

FEEDS = Path(__file__).parents[1] / "data" / "feeds"
SAMPLES = [path.read_bytes() for path in sorted(FEEDS.iterdir())]
NOW = datetime(2024, 10, 12, 8, 0, tzinfo=UTC)
# What breaks feeds: markup, entities, CDATA edges, bad bytes, half a UTF-8 character, a BOM.
CHUNKS = [b"<", b">", b"&", b"]]>", b"<![CDATA[", b"\x00", b"\xff", b"\xe4\xb8", b"</item>", b"<item>",
          b"&nbsp;", b'"', b"<title>", b"&#0;", b"{", b"\xef\xbb\xbf"]  # fmt: skip
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse_or_parse_error(body: bytes, **options: str) -> None:
    try:
        feed = parse_feed(body, source="fuzz", now=NOW, **options)
    except ParseError as error:
        assert error.source == "fuzz" and error.message
        return
    assert isinstance(feed, FeedData)
    for entry in feed.entries:
        assert entry.published is None or entry.published.tzinfo is UTC


@st.composite
def mutated_feeds(draw: st.DrawFn) -> bytes:
    """A valid sample feed with a few bytes replaced, inserted or cut out."""
    body = bytearray(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(1, 8))):
        position = draw(st.integers(0, len(body)))
        action = draw(st.sampled_from(["replace", "insert", "delete", "truncate"]))
        chunk = draw(st.sampled_from(CHUNKS))
        if action == "replace":
            body[position : position + len(chunk)] = chunk
        elif action == "insert":
            body[position:position] = chunk
        elif action == "delete":
            del body[position : position + draw(st.integers(1, 40))]
        else:
            del body[position:]
    return bytes(body)


@FUZZ
@given(st.binary(max_size=2000))
def test_parse_feed_on_arbitrary_bytes_raises_nothing_but_parse_error(body: bytes) -> None:
    parse_or_parse_error(body)


@FUZZ
@given(mutated_feeds())
def test_parse_feed_on_mutated_feeds_raises_nothing_but_parse_error(body: bytes) -> None:
    parse_or_parse_error(body)


@FUZZ
@given(mutated_feeds(), st.sampled_from([None, "gbk", "big5", "utf-16", "latin-1", "rot13", "nonsense"]))
def test_parse_feed_with_any_encoding_setting_raises_nothing_but_parse_error(
    body: bytes, encoding: str | None
) -> None:
    options = {"encoding": encoding} if encoding else {}
    parse_or_parse_error(body, content_type="text/xml; charset=gb2312", **options)


@FUZZ
@given(st.text(max_size=500))
def test_parse_feed_on_arbitrary_text_raises_nothing_but_parse_error(text: str) -> None:
    parse_or_parse_error(text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(st.binary(max_size=500))
def test_decode_document_returns_text_or_raises_decode_error(body: bytes) -> None:
    with contextlib.suppress(DecodeError):
        assert isinstance(decode_document(body), str)
