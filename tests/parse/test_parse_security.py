"""A feed is hostile input: no entity resolution, no DTD loading, no file or network access."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsmill.errors import ParseError
from newsmill.parse import parse_feed
from newsmill.parse.xmlfeed import _parse

SECRET = "TOP-SECRET-7f3a"


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def everything(body: bytes) -> str:
    """Every string parse_feed gives back, joined, to look for leaked content in."""
    feed = parse_feed(body, source="hostile")
    parts = [feed.title or "", feed.link or ""]
    for entry in feed.entries:
        parts += [entry.title or "", entry.summary_html or "", entry.content_html or "", entry.link or ""]
    return "\n".join(parts)


def test_external_entity_is_not_resolved(secret_file: Path) -> None:
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret_file.as_uri()}">]>'
        '<rss version="2.0"><channel><title>&xxe;</title><item><title>标题 &xxe;</title>'
        "<description>&xxe;</description></item></channel></rss>"
    ).encode()
    text = everything(body)
    assert SECRET not in text
    assert "标题 &xxe;" in text  # kept visible as text, not resolved and not lost


def test_external_parameter_entity_is_not_loaded(secret_file: Path, tmp_path: Path) -> None:
    dtd = tmp_path / "evil.dtd"
    dtd.write_text(f'<!ENTITY leak SYSTEM "{secret_file.as_uri()}">')
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % ext SYSTEM "{dtd.as_uri()}"> %ext;]>'
        '<rss version="2.0"><channel><item><title>a &leak; b</title></item></channel></rss>'
    ).encode()
    assert SECRET not in everything(body)


def test_external_dtd_is_not_loaded(secret_file: Path, tmp_path: Path) -> None:
    dtd = tmp_path / "evil.dtd"
    dtd.write_text(f'<!ENTITY leak SYSTEM "{secret_file.as_uri()}">')
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "{dtd.as_uri()}">'
        '<rss version="2.0"><channel><item><title>a &leak; b</title></item></channel></rss>'
    ).encode()
    assert SECRET not in everything(body)


def test_the_parser_itself_resolves_no_entity_even_without_our_repairs(secret_file: Path) -> None:
    # Defence in depth: the lxml parser settings alone keep the file out.
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret_file.as_uri()}">]>'
        "<rss><channel><title>&xxe;</title></channel></rss>"
    ).encode()
    root, _ = _parse(body)
    assert root is not None
    assert SECRET not in "".join(root.itertext())


def test_entity_expansion_bomb_is_harmless() -> None:
    lol = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    body = (
        f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">{lol}]>'
        '<rss version="2.0"><channel><item><title>&lol9;</title></item></channel></rss>'
    ).encode()
    (entry,) = parse_feed(body, source="hostile").entries
    assert entry.title is not None and len(entry.title) < 100


def test_a_body_naming_a_local_file_is_not_opened(secret_file: Path) -> None:
    # feedparser, the fallback, opens a string that names a file; it is only ever given a stream.
    feed = '<rss version="2.0"><channel><item><title>from the file</title></item></channel></rss>'
    secret_file.write_text(feed)
    with pytest.raises(ParseError, match="not a feed"):
        parse_feed(str(secret_file).encode(), source="hostile")


def test_a_body_that_is_a_url_is_not_fetched() -> None:
    with pytest.raises(ParseError, match="not a feed"):
        parse_feed(b"http://127.0.0.1:9/feed.xml", source="hostile")
