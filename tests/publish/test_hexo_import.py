"""`newsmill import-hexo` then `newsmill build`: the old posts come back with the same title,
categories, author, date and text; bad posts are named; the posts folder itself is taken over."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hexo_helpers import DATA

from newsmill.clean import html_to_text
from newsmill.cli import main
from newsmill.core import Mill
from newsmill.models import Article
from newsmill.publish.hexo import HexoPost, read_hexo_posts
from newsmill.publish.hexo.files import MANIFEST_NAME
from support.feedserver import FeedServer, Reply

POSTS = DATA / "posts"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _config(folder: Path, posts_dir: str = "site/source/_posts", sources: str = "") -> Path:
    path = folder / "newsmill.toml"
    path.write_text(
        f'[store]\nurl = "sqlite:///newsmill.db"\n\n[hexo]\nposts_dir = "{posts_dir}"\n{sources}',
        encoding="utf-8",
    )
    return path


def _read(folder: Path) -> dict[str, HexoPost]:
    posts = [item for item in read_hexo_posts(folder, timezone=SHANGHAI) if isinstance(item, HexoPost)]
    return {_text(post.body_html)[:20]: post for post in posts}


def _text(body: str) -> str:
    return " ".join(html_to_text(body).split())


def test_import_then_build_gives_the_same_title_categories_author_date_and_text(tmp_path: Path) -> None:
    config = _config(tmp_path)
    assert main(["import-hexo", str(POSTS), "--config", str(config)]) == 0
    assert main(["build", "--config", str(config)]) == 0
    originals, rebuilt = _read(POSTS), _read(tmp_path / "site/source/_posts")
    assert rebuilt.keys() == originals.keys() and len(originals) == 5
    for key, old in originals.items():
        new = rebuilt[key]
        assert new.categories == old.categories, key
        assert new.author == old.author, key
        assert new.thumbnail == old.thumbnail, key
        assert _text(new.body_html) == _text(old.body_html), key
        if old.title:
            assert new.title == old.title, key
        else:  # an untitled post gets the start of its text as its title
            assert new.title and _text(old.body_html).startswith(new.title.rstrip("…"))
        if old.published is not None:
            assert new.published == old.published, key


def test_imported_bodies_are_sanitized_like_fetched_ones(tmp_path: Path) -> None:
    config = _config(tmp_path)
    main(["import-hexo", str(POSTS), "--config", str(config)])
    with Mill.open(config) as mill:
        articles = {article.title: article for article in mill.articles()}
    seed = articles["发布两大基因产业园 上海加码布局生物医药前沿产业"]
    assert ' style="' not in seed.content_html and ' code="' not in seed.content_html
    assert 'href="http://info.stcn.com/dc/stock/?stockcode=SZ000516"' in seed.content_html  # links kept
    assert seed.source == "证券时报网 要闻" and seed.author == "证券时报网"
    assert "{{ version }}" in articles["Python 3.10 发布：It's 结构化模式匹配的时代"].content_text


def test_importing_twice_updates_nothing_and_duplicates_nothing(tmp_path: Path, capsys) -> None:
    config = _config(tmp_path)
    main(["import-hexo", str(POSTS), "--config", str(config)])
    capsys.readouterr()
    assert main(["import-hexo", str(POSTS), "--config", str(config)]) == 0
    assert "0 new, 0 updated, 5 already stored" in capsys.readouterr().err
    with Mill.open(config) as mill:
        assert mill.store.count_articles() == 5


def test_bad_posts_are_named_with_their_reason_the_rest_imported_and_the_exit_status_is_1(
    tmp_path: Path, capsys
) -> None:
    config = _config(tmp_path)
    assert main(["import-hexo", str(DATA), "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "gbk-encoded.md: not UTF-8 text" in err
    assert "unclosed.md: front matter is not closed" in err
    assert "笔记.md: no front matter" in err
    assert "3 could not be read" in err
    with Mill.open(config) as mill:
        assert mill.store.count_articles() == 5  # the seed is there twice: one article


def test_posts_go_to_the_configured_source_with_their_category_path_and_leave_its_state_alone(
    tmp_path: Path,
) -> None:
    source = (
        '\n[[sources]]\nname = "证券时报"\nroute = "/stcn/yw"\ncategories = ["金融", "证券时报网", "要闻"]\n'
    )
    config = _config(tmp_path, sources=source)
    main(["import-hexo", str(POSTS), "--config", str(config)])
    with Mill.open(config) as mill:
        by_source = mill.store.counts_by_source()
        assert mill.due_sources() == list(mill.config.sources)  # still due: never fetched
    assert by_source == {"证券时报": 2, "财联社 电报": 2, "开源中国 资讯": 1}


def test_importing_the_posts_folder_itself_takes_its_posts_over_in_place(tmp_path: Path, capsys) -> None:
    posts_dir = tmp_path / "site/source/_posts"
    shutil.copytree(POSTS, posts_dir)
    names = sorted(path.relative_to(posts_dir) for path in posts_dir.rglob("*.md"))
    config = _config(tmp_path)
    assert main(["import-hexo", str(posts_dir), "--config", str(config)]) == 0
    assert "5 of them are in [hexo] posts_dir" in capsys.readouterr().err
    assert main(["build", "--config", str(config)]) == 0
    assert sorted(path.relative_to(posts_dir) for path in posts_dir.rglob("*.md")) == names
    assert (posts_dir / MANIFEST_NAME).is_file()
    seed = (posts_dir / "金融/证券时报网/要闻/发布两大基因产业园-上海加码布局生物医药前沿产业.md").read_text(
        encoding="utf-8"
    )
    assert "style=" not in seed  # rewritten in newsmill's (sanitized) form


FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>证券时报网 要闻</title><link>https://www.stcn.com/</link>
<item>
  <title>发布两大基因产业园 上海加码布局生物医药前沿产业</title>
  <link>https://www.stcn.com/article/detail/411.html?utm_source=rss&amp;utm_medium=feed</link>{guid}
  <pubDate>Tue, 12 Oct 2021 13:33:00 GMT</pubDate>
  <description><![CDATA[<p>证券时报记者 张淑贤</p><p>张江细胞和基因产业园正式发布。</p>]]></description>
</item>
</channel></rss>
"""
# RSSHub gives every item a guid: its link, as it is.
RSSHUB_GUID = '\n  <guid isPermaLink="false">https://www.stcn.com/article/detail/411.html</guid>'
POST_WITH_LINK = """---
title: '发布两大基因产业园 上海加码布局生物医药前沿产业'
categories:
 - 金融
 - 证券时报网
 - 要闻
author: 证券时报网
date: {date}
link: https://www.stcn.com/article/detail/411.html
---

<div>
<p>证券时报记者 张淑贤</p>
</div>
"""
CATEGORIES = 'categories = ["金融", "证券时报网", "要闻"]\n'
FILE_SOURCE = f'\n[[sources]]\nname = "证券时报网 要闻"\nurl = "feeds/stcn/yw"\n{CATEGORIES}'
RSSHUB_SOURCE = f'\n[[sources]]\nname = "证券时报网 要闻"\nroute = "/stcn/yw"\n{CATEGORIES}'


def _feed_and_post(tmp_path: Path, *, guid: str = "", date: str = "Tue, 12 Oct 2021 13:33:00 GMT") -> Path:
    """The feed at `feeds/stcn/yw` (a local file, or RSSHub's route when it is the base URL),
    and an old post of its item, with the item's link, in `old-posts/`."""
    (tmp_path / "feeds/stcn").mkdir(parents=True)
    (tmp_path / "feeds/stcn/yw").write_text(FEED.format(guid=guid), encoding="utf-8")
    posts = tmp_path / "old-posts"
    posts.mkdir()
    (posts / "基因产业园.md").write_text(POST_WITH_LINK.format(date=date), encoding="utf-8")
    return posts


def _only_article(config: Path) -> Article:
    with Mill.open(config) as mill:
        (article,) = mill.articles()
    return article


@pytest.mark.parametrize("date", ["Tue, 12 Oct 2021 13:33:00 GMT", "Invalid Date"])
def test_a_post_that_kept_its_link_is_updated_in_place_by_a_later_fetch_of_the_same_item(
    tmp_path: Path, date: str, capsys
) -> None:
    posts = _feed_and_post(tmp_path, date=date)  # the feed's item has no guid: keyed by its URL
    config = _config(tmp_path, sources=FILE_SOURCE)
    _import_then_fetch_updates_one_article(posts, config, capsys)


def test_a_post_from_an_rsshub_route_is_keyed_like_rsshub_items_by_their_link(tmp_path: Path, capsys) -> None:
    posts = _feed_and_post(tmp_path, guid=RSSHUB_GUID)
    with FeedServer() as rsshub:
        rsshub.route("/stcn/yw", Reply(body=FEED.format(guid=RSSHUB_GUID).encode()))
        settings = f'\n[fetch]\nallow_private = true\n[rsshub]\nbase_url = "{rsshub.url("")}"\n'
        config = _config(tmp_path, sources=settings + RSSHUB_SOURCE)
        _import_then_fetch_updates_one_article(posts, config, capsys)


def _import_then_fetch_updates_one_article(posts: Path, config: Path, capsys: Any) -> None:
    assert main(["import-hexo", str(posts), "--config", str(config)]) == 0
    imported = _only_article(config)
    assert imported.url == "https://www.stcn.com/article/detail/411.html"
    capsys.readouterr()
    assert main(["fetch", "--config", str(config)]) == 0
    assert "0 new, 1 updated" in capsys.readouterr().err
    fetched = _only_article(config)
    assert fetched.id == imported.id and fetched.source == "证券时报网 要闻"
    assert fetched.url == "https://www.stcn.com/article/detail/411.html"
    assert fetched.published == datetime(2021, 10, 12, 13, 33, tzinfo=UTC)  # the feed's date wins
    assert fetched.first_seen == imported.first_seen


def test_a_post_of_an_item_fetched_before_updates_that_article(tmp_path: Path, capsys) -> None:
    posts = _feed_and_post(tmp_path, guid=RSSHUB_GUID)
    config = _config(tmp_path, sources=FILE_SOURCE)
    assert main(["fetch", "--config", str(config)]) == 0
    fetched = _only_article(config)
    capsys.readouterr()
    assert main(["import-hexo", str(posts), "--config", str(config)]) == 0
    assert "0 new, 1 updated" in capsys.readouterr().err
    assert _only_article(config).id == fetched.id


def test_posts_with_no_valid_date_are_imported_and_named_in_the_report(tmp_path: Path) -> None:
    with Mill.open(_config(tmp_path)) as mill:
        report = mill.import_hexo(POSTS)
        undated = [article for article in mill.articles() if article.title.startswith("财联社10月14日电")]
    assert report.imported == 5 and not report.problems
    assert [(note.path.name, note.reason) for note in report.undated] == [
        ("盘中宝.md", "no valid date (date: Invalid Date): dated with the time it was first imported")
    ]
    assert undated and undated[0].published == undated[0].first_seen  # the time of the import


def test_import_of_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    assert main(["import-hexo", str(tmp_path / "nope"), "--config", str(_config(tmp_path))]) == 2


@pytest.mark.parametrize("name", ["build", "import-hexo"])
def test_publish_commands_have_help_with_an_example(name: str, capsys) -> None:
    assert main([name, "--help"]) == 0
    assert f"Example: newsmill {name}" in capsys.readouterr().out
