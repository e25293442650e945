"""Reading Hexo posts as real ones are: every quirk of the old script's posts, bad posts named."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hexo_helpers import DATA, SEED, seed_body

from newsmill.publish.hexo import HexoPost, PostProblem, read_hexo_post, read_hexo_posts
from newsmill.publish.hexo.reader import UnreadablePost, parse_hexo_post, parse_post_date

SHANGHAI = ZoneInfo("Asia/Shanghai")
POSTS = DATA / "posts"


def _read(relative: str) -> HexoPost:
    return read_hexo_post(POSTS / relative, timezone=SHANGHAI)


def _parse(text: str) -> HexoPost:
    return parse_hexo_post(text, Path("post.md"), timezone=SHANGHAI)


def test_the_seed_reads_with_its_blank_first_line_categories_author_thumbnail_and_date() -> None:
    post = read_hexo_post(SEED, timezone=SHANGHAI)
    assert post.title == "发布两大基因产业园 上海加码布局生物医药前沿产业"
    assert post.categories == ("金融", "证券时报网", "要闻")
    assert post.author == "证券时报网"
    assert post.thumbnail == "https://picsum.photos/400/300?random=2427"
    assert post.published == datetime(2021, 10, 12, 13, 33, tzinfo=UTC)
    assert post.body_html == seed_body()  # the `<div>` wrapper and the tail taken off


def test_a_double_quoted_title_with_quotes_inside_that_is_not_yaml_still_reads() -> None:
    post = _read("金融/证券时报网/要闻/央行稳字当头.md")
    assert post.title == '央行：货币政策"稳字当头"，市场\'s 流动性合理充裕'
    assert post.categories == ("金融", "证券时报网", "要闻")
    assert post.published == datetime(2021, 10, 13, 2, 15, tzinfo=UTC)
    assert 'class="trsHotWords"' in post.body_html and "style=" in post.body_html  # raw until cleaned


def test_a_yaml_timestamp_is_in_the_sites_zone_as_hexo_reads_it() -> None:
    post = _read("科技/开源中国/资讯/Python-3.10-发布.md")
    assert post.published == datetime(2021, 6, 16, 3, 5, 36, tzinfo=UTC)
    assert post.title == "Python 3.10 发布：It's 结构化模式匹配的时代"
    assert "&#123;&#123; version &#125;&#125;" in post.body_html


def test_invalid_date_means_no_date_and_a_missing_blank_first_line_is_fine() -> None:
    post = _read("金融/财联社/电报/盘中宝.md")
    assert post.published is None
    assert post.title == "财联社10月14日电，'盘中宝'：光伏板块午后拉升"


def test_an_empty_title_is_read_as_empty() -> None:
    assert _read("金融/财联社/电报/无标题.md").title == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Tue, 12 Oct 2021 13:33:00 GMT", datetime(2021, 10, 12, 13, 33, tzinfo=UTC)),
        ("Tue, 12 Oct 2021 21:33:00 +0800", datetime(2021, 10, 12, 13, 33, tzinfo=UTC)),
        ("2021-10-12T21:33:00+08:00", datetime(2021, 10, 12, 13, 33, tzinfo=UTC)),
        (datetime(2021, 6, 16, 11, 5, 36), datetime(2021, 6, 16, 3, 5, 36, tzinfo=UTC)),
        ("Invalid Date", None),
        ("", None),
        (None, None),
        ("明天", None),
    ],
)
def test_post_dates_in_every_form_the_old_posts_have(value: object, expected: datetime | None) -> None:
    assert parse_post_date(value, SHANGHAI) == expected


def test_categories_as_one_string_and_tags_are_read() -> None:
    post = _parse("---\ntitle: 标题\ncategories: 金融\ntags:\n - 基因\n - 上海\n---\n<p>正文</p>")
    assert post.categories == ("金融",)
    assert post.tags == ("基因", "上海")
    assert post.body_html == "<p>正文</p>"


def test_a_body_without_the_div_wrapper_is_kept_whole() -> None:
    post = _parse("---\ntitle: 标题\n---\n\n<section><p>正文</p></section>\n")
    assert post.body_html == "<section><p>正文</p></section>"


def test_windows_line_endings_and_a_byte_order_mark_are_fine() -> None:
    post = _parse(
        "\ufeff\r\n---\r\ntitle: '标题'\r\nauthor: 新华社\r\n---\r\n\r\n<div>   \r\n<p>正文</p>\r\n</div>"
    )
    assert (post.title, post.author, post.body_html) == ("标题", "新华社", "<p>正文</p>")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("just notes\n", "no front matter"),
        ("---\ntitle: 'x'\n\n<p>正文</p>", "not closed"),
        ("---\n---\n\n", "no `key: value` lines"),
        ("---\ntitle: ''\n---\n\n<div>   \n\n</div>", "no title and no body"),
    ],
)
def test_posts_that_cannot_be_read_say_why(text: str, reason: str) -> None:
    with pytest.raises(UnreadablePost, match=reason):
        _parse(text)


def test_a_folder_yields_every_post_and_names_each_bad_one_with_its_reason() -> None:
    found = list(read_hexo_posts(DATA, timezone=SHANGHAI))
    problems = {item.path.name: item.reason for item in found if isinstance(item, PostProblem)}
    posts = [item for item in found if isinstance(item, HexoPost)]
    assert len(posts) == 6
    assert problems.keys() == {"gbk-encoded.md", "unclosed.md", "笔记.md"}
    assert "UTF-8" in problems["gbk-encoded.md"]


def test_hidden_files_and_drafts_are_skipped_as_hexo_skips_them(tmp_path: Path) -> None:
    (tmp_path / ".newsmill-manifest.json").write_text("{}", encoding="utf-8")
    (tmp_path / ".hidden.md").write_text("---\ntitle: x\n---\nbody", encoding="utf-8")
    (tmp_path / "_draft.md").write_text("---\ntitle: x\n---\nbody", encoding="utf-8")
    (tmp_path / "_drafts").mkdir()
    (tmp_path / "_drafts" / "draft.md").write_text("---\ntitle: x\n---\nbody", encoding="utf-8")
    (tmp_path / "_posts").mkdir()
    (tmp_path / "_posts" / "post.md").write_text("---\ntitle: x\n---\nbody", encoding="utf-8")
    assert [item.path.name for item in read_hexo_posts(tmp_path, timezone=SHANGHAI)] == ["post.md"]


def _with(front: str, body: str = "<p>正文</p>") -> str:
    return (
        f"---\ntitle: '标题'\n{front}date: Tue, 12 Oct 2021 13:33:00 GMT\n---\n\n<div>   \n{body}\n</div>\n"
    )


@pytest.mark.parametrize("key", ["link", "url", "original", "source_url", "original_url"])
def test_the_original_link_is_read_from_the_front_matter(key: str) -> None:
    post = _parse(_with(f"{key}: https://www.stcn.com/article/detail/411.html?utm_source=rss\n"))
    assert post.link == "https://www.stcn.com/article/detail/411.html?utm_source=rss"


def test_the_original_link_is_read_from_a_labelled_link_at_the_end_of_the_body() -> None:
    body = (
        '<p>正文提到<a href="http://info.stcn.com/dc/stock/?stockcode=SZ000516">国际医学</a>。</p>'
        '<p>原文链接：<a href="https://www.stcn.com/article/detail/411.html?a=1&amp;b=2">点此</a></p>'
    )
    assert _parse(_with("", body)).link == "https://www.stcn.com/article/detail/411.html?a=1&b=2"
    anchor = '<p><a href="https://www.stcn.com/article/detail/412.html">阅读原文</a></p>'
    assert _parse(_with("", anchor)).link == "https://www.stcn.com/article/detail/412.html"


def test_a_post_without_an_original_link_has_none_and_links_in_its_text_are_not_taken_for_one() -> None:
    assert read_hexo_post(SEED, timezone=SHANGHAI).link is None  # the seed's links are stock pages
    assert _parse(_with("permalink: https://news.example.com/p/1/\nlink: /relative/\n")).link is None


def test_the_date_as_written_is_kept_for_messages_about_it() -> None:
    post = _read("金融/财联社/电报/盘中宝.md")
    assert post.published is None and post.date_text == "Invalid Date"
