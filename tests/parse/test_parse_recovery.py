"""Ill-formed feeds, read the way feed readers read them: nothing lost that can be kept."""

from __future__ import annotations

from datetime import UTC, datetime

from newsmill.models import EntryData
from newsmill.parse import parse_feed

LINK = "https://www.stcn.com/article/detail/41912.html"
DATE = "Tue, 12 Oct 2021 13:33:00 +0800"
PUBLISHED = datetime(2021, 10, 12, 5, 33, tzinfo=UTC)


def items(*bodies: str, head: str = "") -> tuple[EntryData, ...]:
    xml = (
        f'{head}<rss version="2.0"><channel><title>证券时报网 要闻</title>'
        + "".join(f"<item>{body}</item>" for body in bodies)
        + "</channel></rss>"
    )
    return parse_feed(xml.encode(), source="证券时报网 要闻").entries


def test_html_entities_in_title_are_kept() -> None:
    title = "<title>上海&nbsp;发布 &copy; 2021 &mdash; &ldquo;基因&rdquo;产业园&hellip;</title>"
    (entry,) = items(f"{title}<link>{LINK}</link>")
    assert entry.title == "上海\xa0发布 © 2021 — “基因”产业园…"
    assert entry.link == LINK


def test_html_entities_do_not_truncate_a_description() -> None:
    (entry,) = items(
        "<title>t</title><description>第一句&nbsp;第二句&middot;第三句&yen;100&hellip;完</description>"
    )
    assert entry.summary_html == "第一句\xa0第二句·第三句¥100…完"


def test_xml_entities_are_left_to_the_parser() -> None:
    (entry,) = items("<title>A &amp; B &lt;C&gt; &quot;D&quot; &apos;E&apos; &#20013;&#x6587;</title>")
    assert entry.title == "A & B <C> \"D\" 'E' 中文"


def test_bare_ampersand_is_kept() -> None:
    (entry,) = items("<title>中信 & 招商</title><link>https://www.stcn.com/a?id=1&page=2&copy=3</link>")
    assert entry.title == "中信 & 招商"
    assert entry.link == "https://www.stcn.com/a?id=1&page=2&copy=3"  # "&copy" without ";" is no entity


def test_unknown_entity_is_kept_as_text() -> None:
    (entry,) = items("<title>未知实体 &foo; 保留</title>")
    assert entry.title == "未知实体 &foo; 保留"


def test_entities_inside_cdata_are_left_as_written() -> None:
    (entry,) = items(
        "<title><![CDATA[A &nbsp; B & C]]></title>"
        "<description><![CDATA[<p>x&nbsp;y &amp; z</p>]]></description>"
    )
    assert entry.title == "A &nbsp; B & C"
    assert entry.summary_html == "<p>x&nbsp;y &amp; z</p>"


def test_unclosed_tag_in_title_keeps_link_and_date() -> None:
    first, second = items(
        f"<title>发布两大<b>基因产业园</title><link>{LINK}</link><pubDate>{DATE}</pubDate>",
        "<title>第二条</title><link>https://www.stcn.com/2.html</link>",
    )
    assert first.title == "发布两大<b>基因产业园"  # markup, as written; the clean stage strips tags
    assert first.link == LINK
    assert first.published == PUBLISHED
    assert (second.title, second.link) == ("第二条", "https://www.stcn.com/2.html")


def test_unclosed_tag_in_description_keeps_the_items_other_fields_and_the_next_item() -> None:
    first, second = items(
        f"<title>第一条</title><description><p>上海加码布局生物医药</description><link>{LINK}</link>"
        f"<pubDate>{DATE}</pubDate><category>要闻</category>",
        "<title>第二条</title>",
    )
    assert first.summary_html == "<p>上海加码布局生物医药"
    assert (first.link, first.published, first.categories) == (LINK, PUBLISHED, ("要闻",))
    assert second.title == "第二条"


def test_unescaped_html_inside_description_is_kept_as_html() -> None:
    (entry,) = items(
        '<title>t</title><description><p>hi <a href="/x?a=1&amp;b=2">链接</a><br/>下一行</p></description>'
    )
    assert entry.summary_html == '<p>hi <a href="/x?a=1&amp;b=2">链接</a><br>下一行</p>'


def test_a_less_than_sign_that_starts_no_tag_is_kept() -> None:
    (entry,) = items(f"<title>PMI<50 且 A&B</title><link>{LINK}</link>")
    assert entry.title == "PMI<50 且 A&B"
    assert entry.link == LINK


def test_control_characters_are_stripped() -> None:
    (entry,) = items("<title>上海\x01发布\x08基因\x1b产业园</title><description>a\x00b\x0bc</description>")
    assert entry.title == "上海发布基因产业园"
    assert entry.summary_html == "abc"


def test_control_characters_in_long_cdata_are_stripped() -> None:
    content = "<p>" + "上海加码布局生物医药前沿产业。" * 20 + "\x02</p>"
    (entry,) = items(f"<title>t</title><description><![CDATA[{content}]]></description>")
    assert entry.summary_html == content.replace("\x02", "")


def test_newline_and_bom_before_xml_declaration() -> None:
    (entry,) = items(
        f"<title>t</title><link>{LINK}</link>", head='\n\r\n\ufeff<?xml version="1.0" encoding="utf-8"?>\n'
    )
    assert entry.link == LINK


def test_php_warnings_before_the_feed_are_skipped() -> None:
    junk = "<br />\n<b>Warning</b>:  mysql_connect(): Too many connections in <b>/var/www/rss.php</b><br />\n"
    (entry,) = items(f"<title>t</title><link>{LINK}</link>", head=junk + '<?xml version="1.0"?>')
    assert entry.link == LINK


def test_undeclared_namespace_prefixes_are_understood() -> None:
    (entry,) = items(
        "<title>t</title><dc:creator>证券时报网</dc:creator><content:encoded><![CDATA[<p>正文</p>]]></content:encoded>"
        '<media:thumbnail url="https://static.stcn.com/a.jpg"/>'
    )
    assert (entry.author, entry.content_html, entry.image) == (
        "证券时报网",
        "<p>正文</p>",
        "https://static.stcn.com/a.jpg",
    )


def test_a_truncated_document_keeps_its_complete_items() -> None:
    body = f'<rss version="2.0"><channel><item><title>一</title><link>{LINK}</link></item><item><title>二<'
    entries = parse_feed(body.encode(), source="x").entries
    assert entries[0].title == "一" and entries[0].link == LINK


def test_mixed_text_and_cdata_in_one_element() -> None:
    long = "基因产业园" * 40
    (entry,) = items(f"<title>t</title><description>前言 <![CDATA[<b>{long}</b>]]> 结语</description>")
    assert entry.summary_html == f"前言 <b>{long}</b> 结语"


def test_private_use_characters_in_text_are_not_mistaken_for_lifted_cdata() -> None:
    (entry,) = items("<title>\ue0000\ue001 \ue000x</title>")
    assert entry.title == "\ue0000\ue001 \ue000x"
