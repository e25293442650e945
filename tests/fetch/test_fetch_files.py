"""file:// sources."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from newsmill.config import FetchConfig
from newsmill.errors import FetchError
from newsmill.fetch.files import file_path, is_file_url
from newsmill.models import FetchResult

Fetch = Callable[..., FetchResult]
RSS = "<rss version='2.0'><channel><title>本地</title></channel></rss>"


def test_reads_a_file(tmp_path: Path, make_request, fetch: Fetch) -> None:
    path = tmp_path / "feed.xml"
    path.write_text(RSS, encoding="utf-8")
    url = path.as_uri()

    result = fetch(make_request(url, allow_private=False))

    assert result.body == RSS.encode()
    assert (result.status, result.not_modified, result.url) == (200, False, url)
    assert result.content_type == "application/xml"
    assert result.etag is None
    modified = parsedate_to_datetime(result.last_modified or "")
    assert abs(modified.timestamp() - path.stat().st_mtime) < 1


def test_always_reads_even_with_the_same_last_modified(tmp_path: Path, make_request, fetch: Fetch) -> None:
    # mtime has one-second resolution: the pipeline's body hash decides, not the date.
    path = tmp_path / "feed.rss"
    path.write_text(RSS, encoding="utf-8")
    first = fetch(make_request(path.as_uri()))
    path.write_text(RSS + " ", encoding="utf-8")

    second = fetch(make_request(path.as_uri(), last_modified=first.last_modified))

    assert not second.not_modified
    assert second.body == (RSS + " ").encode()
    assert second.content_type == "application/rss+xml"


def test_quoted_and_non_ascii_names(tmp_path: Path, make_request, fetch: Fetch) -> None:
    path = tmp_path / "证券 时报.xml"
    path.write_bytes(b"<rss/>")

    assert path.as_uri().count("%") > 0
    assert fetch(make_request(path.as_uri())).body == b"<rss/>"


def test_missing_file(tmp_path: Path, make_request, fetch: Fetch) -> None:
    path = tmp_path / "nope.xml"

    with pytest.raises(FetchError) as caught:
        fetch(make_request(path.as_uri()))

    assert caught.value.message == f"file not found: {path}"
    assert not caught.value.transient


def test_folder(tmp_path: Path, make_request, fetch: Fetch) -> None:
    with pytest.raises(FetchError, match="a folder, not a file"):
        fetch(make_request(tmp_path.as_uri()))


def test_size_cap(tmp_path: Path, make_request, fetch: Fetch, config: FetchConfig) -> None:
    path = tmp_path / "big.xml"
    path.write_bytes(b"x" * 2048)

    with pytest.raises(FetchError, match=r"response larger than 2\.05 kB limit"):
        fetch(make_request(path.as_uri()), replace(config, max_bytes=2047))
    assert len(fetch(make_request(path.as_uri()), replace(config, max_bytes=2048)).body) == 2048


def test_remote_host_in_a_file_url_is_refused(make_request, fetch: Fetch) -> None:
    with pytest.raises(FetchError, match="file URL on another host is not supported"):
        fetch(make_request("file://server/share/feed.xml"))


def test_url_helpers() -> None:
    assert is_file_url("FILE:///tmp/x.xml")
    assert not is_file_url("https://example.com/file:")
    assert file_path("s", "file://localhost/tmp/a%20b.xml") == Path("/tmp/a b.xml")
