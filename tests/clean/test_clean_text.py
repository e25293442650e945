"""Plain text, summaries and titles."""

from __future__ import annotations

import pytest

from newsmill.clean import html_to_text, sanitize_html, sanitized_html_to_text, summarize, title_text


def test_block_elements_become_lines() -> None:
    html = "<h2>标题</h2><p>第一段</p><div>第二段<br>换行</div><ul><li>一</li><li>二</li></ul>"
    assert html_to_text(html) == "标题\n第一段\n第二段\n换行\n一\n二"


def test_inline_elements_do_not_break_lines() -> None:
    html = '<p>上海<a href="https://a.example/">国际医学</a>园区<strong>为主体</strong>承载</p>'
    assert html_to_text(html) == "上海国际医学园区为主体承载"


def test_whitespace_is_collapsed_and_entities_decoded() -> None:
    html = "<p>  张江&nbsp;&nbsp;细胞\n\t和&amp;基因 &lt;产业园&gt;　</p>\n\n<p>\u3000\u3000第二段</p>"
    assert html_to_text(html) == "张江 细胞 和&基因 <产业园>\n第二段"


def test_table_cells_stay_apart() -> None:
    html = "<table><tr><td>营收</td><td>100亿元</td></tr><tr><th>企业</th><td>200家</td></tr></table>"
    assert html_to_text(html) == "营收\n100亿元\n企业\n200家"


def test_scripts_styles_and_comments_give_no_text() -> None:
    html = "<p>正文</p><script>var a = 1;</script><style>p{}</style><!-- 注释 -->"
    assert html_to_text(html) == "正文"


def test_zero_width_spaces_are_removed() -> None:
    assert html_to_text("<p>证\u200b券时报</p>") == "证券时报"


def test_seed_article_text_keeps_every_paragraph(seed_html: str) -> None:
    text = html_to_text(seed_html)
    lines = text.split("\n")
    assert len(lines) == 11  # the eleven <p> of the seed
    assert lines[0] == "证券时报记者 张淑贤"
    assert lines[-1].startswith("“缩短与国际上的差距，意味着要提升发展速度")
    assert "张江细胞和基因产业园以上海国际医学园区为主体承载" in text


def test_sanitized_html_to_text_equals_html_to_text_on_sanitized_input(seed_html: str) -> None:
    safe = sanitize_html(seed_html, base_url=None).html
    assert sanitized_html_to_text(safe) == html_to_text(seed_html)


def test_short_text_is_its_own_summary() -> None:
    assert summarize("证券时报记者 张淑贤") == "证券时报记者 张淑贤"


def test_summary_is_one_line() -> None:
    assert summarize("第一段\n第二段") == "第一段 第二段"


def test_long_text_is_cut_at_a_sentence_end_with_an_ellipsis() -> None:
    text = "一二三四五六七八九十。" * 30
    summary = summarize(text, limit=200)
    assert len(summary) <= 200
    assert summary.endswith("十…")
    assert text.startswith(summary[:-1])


def test_text_without_sentence_ends_is_cut_at_a_character() -> None:
    summary = summarize("张" * 500, limit=200)
    assert summary == "张" * 199 + "…"


def test_english_text_is_cut_between_words() -> None:
    text = "Shanghai launches two gene industry parks to lead biomedicine " * 10
    summary = summarize(text, limit=100)
    assert len(summary) <= 100
    assert summary.endswith("…")
    assert text.startswith(summary[:-1])
    assert text[len(summary) - 1] == " "


def test_seed_summary_is_about_200_characters(seed_html: str) -> None:
    summary = summarize(html_to_text(seed_html))
    assert 100 <= len(summary) <= 200
    assert summary.startswith("证券时报记者 张淑贤 10月12日上午")
    assert summary.endswith("…")


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        ("发布两大基因产业园 上海加码布局", "发布两大基因产业园 上海加码布局"),
        ("<b>上海</b>加码<em>布局</em>", "上海加码布局"),
        ("中信证券&amp;华泰 &quot;十四五&quot; &#8220;规划&#8221;", '中信证券&华泰 "十四五" “规划”'),
        ("  多个\n  空白\t 折叠  ", "多个 空白 折叠"),
        ("A股 &lt;b&gt;不是标签&lt;/b&gt;", "A股 <b>不是标签</b>"),
        ("控制\x00字符\x07", "控制字符"),
        ("", ""),
    ],
)  # fmt: skip
def test_titles_are_plain_text(raw: str, title: str) -> None:
    assert title_text(raw) == title
