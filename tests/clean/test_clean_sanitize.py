"""`sanitize_html` keeps article markup, makes URLs absolute and canonical, drops junk images."""

from __future__ import annotations

import lxml.html
from clean_helpers import clean, fragment

from newsmill.clean import sanitize_html

REL = 'rel="noopener noreferrer nofollow"'
STOCKS = ["国际医学", "上海临港", "之江生物", "艾德生物", "诺禾致源", "硕世生物", "恩华药业"]


def test_seed_article_keeps_every_paragraph_and_stock_link(seed_html: str) -> None:
    out = clean(seed_html)
    before = lxml.html.fragment_fromstring(seed_html, create_parent="div")
    after = fragment(out)
    assert [p.text_content() for p in after.iter("p")] == [p.text_content() for p in before.iter("p")]
    links = list(after.iter("a"))
    assert [a.text for a in links] == [a.text for a in before.iter("a")]
    assert set(STOCKS) == {a.text for a in links}
    assert links[0].get("href") == "http://info.stcn.com/dc/stock/?stockcode=SZ000516"
    assert all(a.get("rel") == "noopener noreferrer nofollow" for a in links)


def test_seed_article_loses_inline_styles_classes_targets_and_codes(seed_html: str) -> None:
    out = clean(seed_html)
    for attribute in (" style=", " class=", " target=", " code=", "trsHotWords"):
        assert attribute not in out
    assert out.startswith("<p>证券时报记者 张淑贤</p><p>10月12日上午，2021上海国际生物医药产业周")


def test_ordinary_article_markup_is_kept() -> None:
    html = (
        "<h2>小标题</h2><p>一段<strong>加粗</strong><em>强调</em><sub>1</sub><sup>2</sup></p>"
        "<blockquote>引用</blockquote><ul><li>一</li><li>二</li></ul><ol><li>三</li></ol>"
        "<pre><code>code()</code></pre><hr><figure><figcaption>图注</figcaption></figure>"
        '<table><thead><tr><th colspan="2">表头</th></tr></thead>'
        "<tbody><tr><td>1</td><td>2</td></tr></tbody></table>"
        "<dl><dt>词</dt><dd>释义</dd></dl><section><div><span>块</span></div></section>"
    )
    assert clean(html) == html


def test_relative_links_and_images_become_absolute() -> None:
    out = clean('<a href="../202109/a.html">上一篇</a><img src="/img/chart.png">')
    assert out == (
        f'<a {REL} href="http://www.stcn.com/xw/sd/202109/a.html">上一篇</a>'
        '<img src="http://www.stcn.com/img/chart.png">'
    )


def test_protocol_relative_urls_take_the_scheme_of_the_base() -> None:
    out = clean('<img src="//img.stcn.com/a.jpg">', base_url="https://www.stcn.com/a.html")
    assert out == '<img src="https://img.stcn.com/a.jpg">'


def test_without_a_base_relative_urls_are_dropped() -> None:
    assert clean('<a href="/x">站内</a><img src="/a.jpg">', base_url=None) == f"<a {REL}>站内</a>"


def test_redirect_wrappers_are_unwrapped() -> None:
    out = clean(
        '<a href="https://www.oschina.net/action/GoToLink?url=https%3A%2F%2Fgithub.com%2Fnh3%2Fnh3">项目</a>'
    )
    assert out == f'<a {REL} href="https://github.com/nh3/nh3">项目</a>'


def test_utm_parameters_are_stripped_and_other_parameters_kept() -> None:
    out = clean('<a href="https://example.com/p?id=42&utm_source=rss&utm_medium=feed&page=2">x</a>')
    assert 'href="https://example.com/p?id=42&amp;page=2"' in out


def test_links_get_noopener_noreferrer_nofollow() -> None:
    assert clean('<a href="https://example.com/" rel="opener" target="_blank">x</a>') == (
        f'<a {REL} href="https://example.com/">x</a>'
    )


def test_mailto_links_are_kept() -> None:
    assert 'href="mailto:editor@stcn.com"' in clean('<a href="mailto:editor@stcn.com">来信</a>')


def test_one_pixel_images_are_dropped() -> None:
    out = clean(
        '<p>正文<img src="https://t.example/open.gif" width="1" height="1">'
        '<img src="https://t.example/b.gif" width="0"><img src="https://t.example/c.gif" '
        'height="1px"></p>'
    )
    assert out == "<p>正文</p>"


def test_known_tracker_images_are_dropped() -> None:
    html = (
        '<img src="http://feeds.feedburner.com/~r/stcn/~4/abc">'
        '<img src="https://feeds.feedburner.com/~ff/stcn?d=yIl2AUoC8zA">'
        '<img src="https://stats.wordpress.com/b.gif?host=x&blog=1">'
        '<img src="https://example.com/pixel?id=1"><img src="https://example.com/spacer.gif">'
    )
    assert clean(html) == ""


def test_images_without_a_source_are_dropped() -> None:
    assert clean('<p>a<img alt="空"><img src=""><img src="javascript:x">b</p>') == "<p>ab</p>"


def test_lazy_loaded_image_gets_its_real_source() -> None:
    out = clean(
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="/uploads/real.jpg" '
        'alt="图">'
        '<img src="/static/loading.gif" data-original="https://img.example/b.jpg">'
        '<img data-actualsrc="https://pic1.zhimg.com/c.jpg" src="https://pic1.zhimg.com/c_b.jpg">'
    )
    assert out == (
        '<img src="http://www.stcn.com/uploads/real.jpg" alt="图">'
        '<img src="https://img.example/b.jpg"><img src="https://pic1.zhimg.com/c.jpg">'
    )


def test_srcset_is_dropped_and_src_kept() -> None:
    out = clean('<img src="https://img.example/a.jpg" srcset="https://img.example/a2.jpg 2x">')
    assert out == '<img src="https://img.example/a.jpg">'


def test_picture_keeps_its_img_and_drops_sources_without_src() -> None:
    out = clean(
        '<picture><source srcset="a.webp" type="image/webp"><img src="https://img.example/a.jpg"></picture>'
    )
    assert out == '<picture><img src="https://img.example/a.jpg"></picture>'


def test_lead_image_is_the_first_real_image() -> None:
    result = sanitize_html(
        '<img src="http://feeds.feedburner.com/~r/x/~4/y"><img src="/t.gif" width="1" height="1">'
        '<img src="/icons/share.png" width="16" height="16"><p>正文</p>'
        '<img src="/photos/a.jpg?w=600&amp;h=400" width="600"><img src="/photos/b.jpg">',
        base_url="https://www.stcn.com/",
    )
    assert result.lead_image == "https://www.stcn.com/photos/a.jpg?w=600&h=400"


def test_no_image_no_lead_image() -> None:
    assert sanitize_html("<p>只有文字</p>", base_url=None).lead_image is None


def test_youtube_and_bilibili_players_are_kept() -> None:
    out = clean(
        '<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ" width="560" height="315" '
        'frameborder="0" allowfullscreen></iframe>'
        '<iframe src="//player.bilibili.com/player.html?aid=1&amp;bvid=BV1" '
        'scrolling="no"></iframe>'
    )
    assert out == (
        '<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ" width="560" height="315" '
        'allowfullscreen=""></iframe>'
        '<iframe src="https://player.bilibili.com/player.html?aid=1&amp;bvid=BV1"></iframe>'
    )


def test_other_iframes_and_plain_http_players_are_dropped() -> None:
    out = clean(
        '<iframe src="https://ads.example/frame.html"></iframe>'
        '<iframe src="http://www.youtube.com/embed/x"></iframe>'
        '<iframe src="https://www.youtube.com/watch?v=x"></iframe><p>正文</p>'
    )
    assert out == "<p>正文</p>"


def test_media_needs_https() -> None:
    out = clean(
        '<video src="https://v.example/a.mp4" poster="http://v.example/p.jpg" controls></video>'
        '<audio src="http://v.example/a.mp3"></audio>'
    )
    assert out == '<video src="https://v.example/a.mp4" controls=""></video><audio></audio>'


def test_unknown_tags_are_unwrapped_keeping_their_text() -> None:
    out = clean('<center><font color="red">证券</font><o:p>时报</o:p></center><P>网</P>')
    assert out == "证券时报<p>网</p>"


def test_comments_are_removed() -> None:
    assert clean("<p>正<!-- 广告 -->文</p>") == "<p>正文</p>"


def test_entities_and_chinese_text_survive() -> None:
    assert clean("<p>张江&nbsp;“基因岛”&amp;细胞　产业</p>") == ("<p>张江&nbsp;“基因岛”&amp;细胞　产业</p>")


def test_heading_moved_into_heading_is_settled_in_one_call() -> None:
    out = clean("<h1><b><h2>副标题</b></h2></h1>")
    assert clean(out) == out


def test_content_foster_parented_out_of_a_table_is_settled_in_one_call() -> None:
    out = clean('<a href="/a"><table><a href="/b">x</a></table></a>')
    assert clean(out) == out


def test_pre_keeps_its_leading_newline_through_a_second_pass() -> None:
    # An HTML parser drops one newline right after <pre>: the text here is "\n  缩进\n".
    out = clean("<pre>\n\n  缩进\n</pre>")
    assert out == "<pre>\n\n  缩进\n</pre>"
    assert clean(out) == out


def test_a_leading_byte_order_mark_is_dropped_at_once() -> None:
    out = clean("</div>\ufeff\ufeff<p>正文</p>")
    assert out == "<p>正文</p>"
    assert clean(out) == out
