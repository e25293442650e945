"""One Hexo post: the seed's exact shape, YAML that means what it says, a body Hexo shows as is."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone

import pytest
import yaml
from hexo_helpers import SEED_PATH, front_matter_lines, make_article, seed_article, seed_text
from hypothesis import given
from hypothesis import strategies as st

from newsmill.config import HexoConfig
from newsmill.publish.hexo.post import placeholder_number, post_body, render_post, yaml_scalar

SEED_THUMBNAIL = "https://picsum.photos/400/300?random=2427"


def test_a_post_from_the_seeds_own_fields_has_the_seeds_front_matter_line_for_line() -> None:
    article = seed_article(thumbnail=SEED_THUMBNAIL)
    written = front_matter_lines(render_post(article, HexoConfig()))
    expected = front_matter_lines(seed_text())
    assert len(written) == len(expected) == 13
    for number, (mine, theirs) in enumerate(zip(written, expected, strict=True), start=1):
        assert mine == theirs, f"line {number}"


def test_with_the_seeds_raw_body_the_whole_file_is_byte_identical_to_the_seed() -> None:
    article = seed_article(sanitize=False, thumbnail=SEED_THUMBNAIL)
    assert render_post(article, HexoConfig()).encode("utf-8") == seed_text().encode("utf-8")


def test_the_sanitized_seed_keeps_the_seeds_whitespace_around_the_body() -> None:
    text = render_post(seed_article(), HexoConfig())
    assert text.startswith("\n---\ntitle: '")
    assert "\ncategories: \n - 金融\n - 证券时报网\n - 要闻\n" in text
    assert "\n---\n\n<div>   \n<p>证券时报记者 张淑贤</p>" in text
    assert text.endswith("</p>\n\n                  \n</div>\n            ")
    assert 'style="' not in text  # inline styles went with the sanitizer


def test_without_a_lead_image_the_placeholder_number_comes_from_the_article_id() -> None:
    article = seed_article()
    text = render_post(article, HexoConfig())
    number = placeholder_number(article.id)
    assert 0 <= number < 10_000
    assert f"headimg: 'https://picsum.photos/400/300?random={number}'\n" in text
    assert f"thumbnail: 'https://picsum.photos/400/300?random={number}'\n" in text
    assert render_post(article, HexoConfig()) == text  # the same on every run


def test_the_placeholder_template_is_configurable() -> None:
    article = seed_article()
    text = render_post(article, HexoConfig(thumbnail_placeholder="https://img.example/{n}.jpg"))
    assert f"thumbnail: 'https://img.example/{placeholder_number(article.id)}.jpg'" in text


def test_a_title_quote_is_doubled_and_the_title_reads_back_exactly() -> None:
    title = "他说'不'：\"涨停\" #1 {{ 价格 }} - 上证: 3500"
    text = render_post(make_article(title), HexoConfig())
    assert "title: '他说''不''：\"涨停\" #1 {{ 价格 }} - 上证: 3500'\n" in text
    assert _front_matter(text)["title"] == title


def test_the_date_is_rfc_2822_in_gmt_whatever_zone_it_came_in() -> None:
    beijing = timezone(timedelta(hours=8))
    article = make_article("收盘", published=datetime(2021, 10, 12, 21, 33, tzinfo=beijing))
    assert "\ndate: Tue, 12 Oct 2021 13:33:00 GMT\n" in render_post(article, HexoConfig())


@pytest.mark.parametrize(
    "author",
    [
        "#1: Reuters",
        "- 某人",
        "true",
        "2021",
        "null",
        "a: b",
        "'单引号'",
        "[新华社]",
        " 空格 ",
        "@财联社",
        "yes",
        "=",
        "<<",
    ],
)
def test_an_author_yaml_would_misread_is_quoted(author: str) -> None:
    text = render_post(make_article("标题", author=author), HexoConfig())
    assert _front_matter(text)["author"] == author


def test_plain_authors_and_categories_stay_plain_like_the_seed() -> None:
    assert yaml_scalar("证券时报网") == "证券时报网"
    assert yaml_scalar("JSON 周报") == "JSON 周报"
    assert yaml_scalar("C#: 入门") == "'C#: 入门'"


@given(st.text(min_size=1, max_size=30))
def test_any_author_or_category_reads_back_as_the_same_text(value: str) -> None:
    """Line breaks become spaces and control characters go; everything else reads back."""
    loaded = yaml.safe_load(f"author: {yaml_scalar(value)}\n")
    flat = re.sub(r"[\t\r\n]+", " ", value)
    expected = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]", "", flat)
    assert loaded["author"] == expected or (expected == "" and loaded["author"] is None)


def test_categories_with_yaml_characters_keep_their_meaning() -> None:
    categories = ("金融", "C#", "观点: 评论")
    text = render_post(make_article("标题", categories=categories), HexoConfig())
    assert _front_matter(text)["categories"] == list(categories)


def test_template_syntax_in_the_text_becomes_entities_hexo_does_not_run() -> None:
    body = post_body("<p>{{ price }} {% raw %} {# note #} `code` ~~~</p>", HexoConfig())
    assert "{" not in body and "}" not in body and "`" not in body and "~~~" not in body
    assert html.unescape(body) == "<p>{{ price }} {% raw %} {# note #} `code` ~~~</p>"


def test_a_blank_line_in_the_body_cannot_end_markdowns_html_block() -> None:
    body = post_body("<pre>第一行\n\n第三行\n   \n第五行</pre>", HexoConfig())
    assert not re.search(r"\n[ \t]*\n", body)
    assert html.unescape(body) == "<pre>第一行\n\n第三行\n   \n第五行</pre>"


def test_http_images_go_through_the_image_proxy_when_one_is_set() -> None:
    hexo = HexoConfig(image_proxy="https://proxy.example/?url={url}")
    article = make_article(
        "配图",
        '<p><img src="http://img.stcn.com/a.jpg?w=1&amp;h=2"><img src="https://img.stcn.com/b.jpg"></p>',
        thumbnail="http://img.stcn.com/a.jpg",
    )
    text = render_post(article, hexo)
    assert "thumbnail: 'https://proxy.example/?url=http%3A%2F%2Fimg.stcn.com%2Fa.jpg'" in text
    assert "headimg: 'https://proxy.example/?url=http%3A%2F%2Fimg.stcn.com%2Fa.jpg'" in text
    assert 'src="https://proxy.example/?url=http%3A%2F%2Fimg.stcn.com%2Fa.jpg%3Fw%3D1%26h%3D2"' in text
    assert 'src="https://img.stcn.com/b.jpg"' in text


def test_without_an_image_proxy_http_images_are_left_alone() -> None:
    article = make_article(
        "配图", '<p><img src="http://img.stcn.com/a.jpg"></p>', thumbnail="http://img.stcn.com/a.jpg"
    )
    text = render_post(article, HexoConfig())
    assert "thumbnail: 'http://img.stcn.com/a.jpg'" in text and 'src="http://img.stcn.com/a.jpg"' in text


def test_every_post_is_in_the_seed_categories_by_default() -> None:
    assert _front_matter(render_post(make_article("标题"), HexoConfig()))["categories"] == list(SEED_PATH)


def _front_matter(text: str) -> dict[str, object]:
    head = "\n".join(front_matter_lines(text)[2:-1])
    loaded = yaml.safe_load(head)
    assert isinstance(loaded, dict)
    return loaded


@given(st.text(alphabet=st.sampled_from("ab {}%#`~<>/\n \t文"), max_size=60))
def test_no_body_can_leave_a_blank_line_inside_the_div_or_change_its_text(text: str) -> None:
    body = post_body(text, HexoConfig())
    assert not re.search(r"\n[ \t]*\n", "<div>   \n" + body)
    assert "{" not in body and "}" not in body
    assert html.unescape(body) == text
