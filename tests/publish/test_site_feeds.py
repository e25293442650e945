"""Feeds out: Atom 1.0, RSS 2.0 and JSON Feed 1.1, site-wide and per category, absolute URLs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import feedparser
import pytest
from site_helpers import ExampleSite, ListSource, example_site

from newsmill.publish.site import build_site


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> ExampleSite:
    example = example_site(tmp_path_factory.mktemp("feeds"))
    build_site(ListSource(example.articles), example.config)
    return example


@pytest.mark.parametrize("name, version", [("atom.xml", "atom10"), ("rss.xml", "rss20")])
def test_site_feeds_parse_and_carry_the_newest_twenty_articles(
    example: ExampleSite, name: str, version: str
) -> None:
    parsed = feedparser.parse((example.site / name).read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == version
    assert parsed.feed.title == "财经与科技新闻"
    assert [entry.title for entry in parsed.entries] == [a.title for a in example.articles[:20]]
    newest = example.articles[0]
    entry = parsed.entries[0]
    assert entry.link.startswith("https://news.example.com/") and newest.id[:10] in entry.link
    assert entry.published_parsed[:5] == newest.published.utctimetuple()[:5]
    # feedparser re-serializes the HTML it reads (attribute order), so compare the text
    assert _text(entry.content[0].value) == _text(newest.content_html)


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


@pytest.mark.parametrize("name", ["atom.xml", "rss.xml"])
def test_each_category_level_has_its_own_feed(example: ExampleSite, name: str) -> None:
    for levels in [("金融",), ("金融", "证券时报网", "要闻"), ("科技", "开源中国", "资讯")]:
        folder = example.site / "categories" / Path(*levels)
        parsed = feedparser.parse((folder / name).read_bytes())
        assert not parsed.bozo
        expected = [a.title for a in example.articles if a.categories[: len(levels)] == levels][:20]
        assert [entry.title for entry in parsed.entries] == expected
        assert " › ".join(levels) in parsed.feed.title


def test_json_feed_has_every_required_field_of_version_1_1(example: ExampleSite) -> None:
    for path in [example.site / "feed.json", example.site / "categories" / "科技" / "feed.json"]:
        feed = json.loads(path.read_text(encoding="utf-8"))
        assert feed["version"] == "https://jsonfeed.org/version/1.1"
        assert isinstance(feed["title"], str) and feed["title"]
        assert feed["feed_url"].startswith("https://news.example.com/")
        assert feed["home_page_url"].startswith("https://news.example.com/")
        assert feed["items"]
        for item in feed["items"]:
            assert isinstance(item["id"], str) and item["id"]
            assert "content_html" in item or "content_text" in item
            assert item["url"].startswith("https://news.example.com/")
            assert item["date_published"].endswith("Z")
            assert all(isinstance(author["name"], str) for author in item["authors"])
    site = json.loads((example.site / "feed.json").read_text(encoding="utf-8"))
    assert [item["title"] for item in site["items"]] == [a.title for a in example.articles[:20]]


def test_feeds_keep_a_base_url_with_a_path(tmp_path: Path) -> None:
    from site_helpers import generated_articles, site_config

    config = site_config(tmp_path, base_url="https://example.org/news/")
    build_site(ListSource(generated_articles(3)), config)
    parsed = feedparser.parse((tmp_path / "site" / "atom.xml").read_bytes())
    assert all(entry.link.startswith("https://example.org/news/2021/") for entry in parsed.entries)
    home = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert 'href="/news/static/style.css"' in home


def test_rss_descriptions_are_html_so_markup_in_names_stays_text(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from site_helpers import article, site_config

    evil = article(
        "e",
        "标题",
        "<img src=x onerror=alert(1)> 正文。",
        datetime(2021, 10, 12, tzinfo=UTC),
        ("<img src=x onerror=alert(1)>",),
    )
    build_site(ListSource([evil]), site_config(tmp_path))
    feed = next((tmp_path / "site" / "categories").rglob("rss.xml")).read_text(encoding="utf-8")
    assert "<description>&amp;lt;img src=x onerror=alert(1)&amp;gt; · 测试站</description>" in feed
    parsed = feedparser.parse(feed.encode())
    assert "<img" not in parsed.feed.subtitle and "<img" not in parsed.entries[0].summary
