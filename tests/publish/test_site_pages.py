"""The static site built from the bundled examples: every page kind, with the right content."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from site_helpers import ExampleSite, ListSource, enriched, example_site

from newsmill.publish.site import SiteReport, build_site


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[ExampleSite, SiteReport]:
    example = example_site(tmp_path_factory.mktemp("examples"))
    example.articles = enriched(example.articles)
    report = build_site(ListSource(example.articles), example.config)
    return example, report


def page(site: Path, path: str) -> str:
    return (site / path / "index.html").read_text(encoding="utf-8")


def seed_article(example: ExampleSite):
    return next(a for a in example.articles if "基因" in a.title)


def test_every_page_kind_is_written(built) -> None:
    example, report = built
    site = example.site
    assert report.articles == len(example.articles) == 36
    for path in [
        "", "categories/金融/", "categories/金融/证券时报网/", "categories/金融/证券时报网/要闻/",
        "sources/证券时报网 要闻/", "stocks/000516.SZ/", "tags/生物医药/", "archives/2021/10/12/",
        "categories/", "sources/", "tags/", "stocks/", "archives/", "search/",
    ]:  # fmt: skip
        assert (site / path / "index.html").is_file(), path
    for name in ["404.html", "robots.txt", "sitemap.xml", "atom.xml", "rss.xml", "feed.json",
                 "static/style.css", "static/search.js", "search/meta.json",
                 "categories/金融/证券时报网/要闻/atom.xml"]:  # fmt: skip
        assert (site / name).is_file(), name


def test_an_article_lives_at_its_day_and_slug_in_the_site_timezone(built) -> None:
    example, _ = built
    seed = seed_article(example)
    # published 13:33 UTC on 12 October is 21:33 in Shanghai, the same day
    html = page(example.site, f"2021/10/12/{seed.id[:10]}/")
    assert "<h1>发布两大基因产业园 上海加码布局生物医药前沿产业</h1>" in html
    assert "2021-10-12 21:33" in html
    assert seed.url in html and "阅读原文" in html
    assert "证券时报网 要闻" in html
    crumbs = re.search(r'<p class="breadcrumbs">(.*?)</p>', html, re.S)
    assert crumbs and all(quote(name) in crumbs.group(1) for name in ("金融", "证券时报网", "要闻"))
    assert 'href="/categories/%E9%87%91%E8%9E%8D/%E8%AF%81%E5%88%B8%E6%97%B6%E6%8A%A5%E7%BD%91/"' in html


def test_an_article_page_shows_stocks_tags_and_an_open_graph_block(built) -> None:
    example, _ = built
    seed = seed_article(example)
    html = page(example.site, f"2021/10/12/{seed.id[:10]}/")
    assert 'href="/stocks/000516.SZ/"' in html and "国际医学" in html
    assert f'href="/tags/{quote("生物医药")}/"' in html
    assert '<meta property="og:title" content="发布两大基因产业园 上海加码布局生物医药前沿产业">' in html
    assert f'<meta property="og:url" content="https://news.example.com/2021/10/12/{seed.id[:10]}/">' in html
    assert '<meta property="og:type" content="article">' in html
    assert "相关文章" in html  # the other articles of 证券时报网 要闻


def test_remote_images_are_lazy_and_send_no_referrer(built) -> None:
    example, _ = built
    for path in example.site.rglob("index.html"):
        for tag in re.findall(r"<img\b[^>]*>", path.read_text(encoding="utf-8")):
            assert 'loading="lazy"' in tag and 'referrerpolicy="no-referrer"' in tag, (path, tag)


def test_pages_carry_a_strict_content_security_policy_and_no_inline_script(built) -> None:
    example, _ = built
    for path in [example.site / "index.html", example.site / "search" / "index.html"]:
        html = path.read_text(encoding="utf-8")
        assert "script-src 'self'" in html and "object-src 'none'" in html
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert '<script src="/static/search.js" defer>' in page(example.site, "search/")


def test_home_page_cards_show_title_source_categories_time_and_summary(built) -> None:
    example, _ = built
    html = page(example.site, "")
    newest = example.articles[0]
    assert newest.title.replace("&", "&amp;") in html
    cards = re.findall(r'<article class="card">.*?</article>', html, re.S)
    assert len(cards) == 20  # per_page
    assert all('<p class="meta"><time' in card for card in cards)
    assert "page/1/" in html  # the older articles are a link away


def test_category_levels_list_their_articles(built) -> None:
    example, _ = built
    stcn = [a for a in example.articles if a.categories[:1] == ("金融",)]
    assert stcn
    for path in ("categories/金融/", "categories/金融/证券时报网/", "categories/金融/证券时报网/要闻/"):
        html = page(example.site, path)
        for article in stcn[:20]:
            assert f"/{article.id[:10]}/" in html
    tech = page(example.site, "categories/科技/")
    assert "开源中国" in tech and stcn[0].id[:10] not in tech


def test_list_pages_are_numbered_from_the_oldest_so_old_pages_keep_their_articles(built) -> None:
    example, _ = built
    oldest_page = page(example.site, "page/1/")
    for article in example.articles[-20:]:
        assert f"/{article.id[:10]}/" in oldest_page


def test_text_is_escaped_and_only_the_sanitized_body_is_raw(tmp_path: Path) -> None:
    from site_helpers import article, site_config

    from newsmill.models import StockMention

    config = site_config(tmp_path)
    from datetime import UTC, datetime

    evil = article("x", "<script>alert(1)</script> & 标题", "正文。", datetime(2021, 10, 12, tzinfo=UTC),
                   ("金融", "<b>证券</b>"), tags=("<i>标签</i>",), stocks=(StockMention("000001.SZ", "<平安>"),))  # fmt: skip
    build_site(ListSource([evil]), config)
    html = (tmp_path / "site" / "2021" / "10" / "12" / evil.id[:10] / "index.html").read_text(
        encoding="utf-8"
    )
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 标题" in html
    assert "&lt;i&gt;标签&lt;/i&gt;" in html and "&lt;平安&gt;" in html
    assert "<p>正文</p>" in html


def test_a_theme_folder_overrides_templates_file_by_file(tmp_path: Path) -> None:
    from site_helpers import generated_articles, site_config

    theme = tmp_path / "mytheme"
    theme.mkdir()
    (theme / "404.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>走丢了</h1>{% endblock %}', encoding="utf-8"
    )
    (theme / "static").mkdir()
    (theme / "static" / "extra.css").write_text("body{}", encoding="utf-8")
    config = site_config(tmp_path, theme_dir="mytheme")
    build_site(ListSource(generated_articles(3)), config)
    site = tmp_path / "site"
    assert "<h1>走丢了</h1>" in (site / "404.html").read_text(encoding="utf-8")
    assert "测试站" in (site / "404.html").read_text(encoding="utf-8")  # the default base.html still
    assert (site / "static" / "extra.css").is_file() and (site / "static" / "style.css").is_file()


def test_robots_and_sitemap_point_at_the_base_url(built) -> None:
    example, _ = built
    robots = (example.site / "robots.txt").read_text(encoding="utf-8")
    assert "Sitemap: https://news.example.com/sitemap.xml" in robots
    index = (example.site / "sitemap.xml").read_text(encoding="utf-8")
    assert "https://news.example.com/sitemaps/articles-1.xml" in index
    articles = (example.site / "sitemaps" / "articles-1.xml").read_text(encoding="utf-8")
    assert articles.count("<url>") == 36
    seed = seed_article(example)
    assert f"https://news.example.com/2021/10/12/{seed.id[:10]}/" in articles


def test_the_404_page_links_home_and_offers_search(built) -> None:
    example, _ = built
    html = (example.site / "404.html").read_text(encoding="utf-8")
    assert "页面不存在" in html and 'action="/search/"' in html


def test_per_page_sets_the_length_of_every_list(tmp_path: Path) -> None:
    from site_helpers import generated_articles

    from newsmill.config import load_config
    from newsmill.errors import ConfigError

    (tmp_path / "newsmill.toml").write_text("[site]\nper_page = 5\n", encoding="utf-8")
    build_site(ListSource(generated_articles(12)), load_config(tmp_path / "newsmill.toml"))
    assert page(tmp_path / "site", "").count('<article class="card">') == 5
    assert page(tmp_path / "site", "page/1/").count('<article class="card">') == 5
    assert page(tmp_path / "site", "page/3/").count('<article class="card">') == 2
    (tmp_path / "newsmill.toml").write_text("[site]\nper_page = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="per_page"):
        load_config(tmp_path / "newsmill.toml")


def test_names_that_look_like_the_files_of_a_folder_get_their_own_folder(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from site_helpers import article, site_config

    one = article(
        "a",
        "标题一",
        "正文。",
        datetime(2021, 10, 12, tzinfo=UTC),
        ("page", "atom.xml"),
        tags=("index.html",),
    )
    build_site(ListSource([one]), site_config(tmp_path))
    site = tmp_path / "site"
    assert (site / "tags" / "index.html").is_file() and (
        site / "tags" / "index.html-" / "index.html"
    ).is_file()
    assert (site / "categories" / "page-" / "atom.xml-" / "index.html").is_file()
