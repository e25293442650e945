"""Charset decisions: override, BOM, HTTP, declaration, detection; never silent mojibake."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsmill.errors import ParseError
from newsmill.parse import DecodeError, decode_document, parse_feed
from newsmill.parse import decode as decode_module

FEEDS = Path(__file__).parents[1] / "data" / "feeds"
TITLE = "发布两大基因产业园 上海加码布局生物医药前沿产业"


def rss(title: str = TITLE, declaration: str = '<?xml version="1.0" encoding="utf-8"?>') -> str:
    return (
        f'{declaration}\n<rss version="2.0"><channel><title>证券时报网 要闻</title>'
        f"<item><title>{title}</title><description>上海加码布局生物医药前沿产业，发布两大基因产业园。"
        "细胞和基因治疗等高端生物制品是今年4月上海发布的支持政策之一。</description></item>"
        "</channel></rss>"
    )


def first_title(body: bytes, **options: str) -> str | None:
    return parse_feed(body, source="测试源", **options).entries[0].title


def test_gbk_feed_declared_only_in_xml_declaration_is_decoded() -> None:
    feed = parse_feed((FEEDS / "gb2312-declared.xml").read_bytes(), source="老王的技术小站")
    assert feed.title == "老王的技术小站"
    assert feed.entries[0].title == "为什么旧系统里“镕”字总显示成问号"


def test_gb2312_label_is_read_as_gb18030_so_gbk_and_four_byte_characters_survive() -> None:
    summary = parse_feed((FEEDS / "gb2312-declared.xml").read_bytes(), source="x").entries[0].summary_html
    assert summary is not None
    assert "王镕" in summary  # GBK, not GB2312
    assert "𠮷野家" in summary  # a four-byte GB18030 character


def test_gb18030_bytes_declared_as_utf8_are_detected() -> None:
    feed = parse_feed((FEEDS / "gb18030-declared-utf8.xml").read_bytes(), source="东方财经网")
    assert feed.title == "东方财经网 - 滚动新闻"
    assert feed.entries[0].title == "北向资金全天净买入超过50亿元"


def test_big5_feed() -> None:
    feed = parse_feed((FEEDS / "big5.xml").read_bytes(), source="香港電台")
    assert feed.title == "香港電台 - 本地新聞"
    assert feed.entries[0].title == "天文台：颱風「圓規」吹襲 今晚考慮改發八號風球"
    assert feed.entries[0].summary_html == "市民話：「佢哋話今晚會落大雨㗎。」"  # HKSCS characters


@pytest.mark.parametrize("label", ["gb2312", "GBK", "x-gbk", "cp936", "GB18030", "euc-cn"])
def test_simplified_chinese_labels_all_mean_gb18030(label: str) -> None:
    body = rss(declaration=f'<?xml version="1.0" encoding="{label}"?>').encode("gb18030")
    assert first_title(body) == TITLE


def test_gbk_declared_only_in_the_http_header_is_decoded() -> None:
    body = rss(declaration='<?xml version="1.0"?>').encode("gbk")
    assert first_title(body, content_type="application/rss+xml; charset=GBK") == TITLE


def test_http_charset_beats_the_xml_declaration() -> None:
    body = rss(declaration='<?xml version="1.0" encoding="big5"?>').encode("gb18030")
    assert first_title(body, content_type='text/xml; charset="gb2312"') == TITLE


def test_default_latin1_http_charset_does_not_beat_the_documents_declaration() -> None:
    body = rss(declaration='<?xml version="1.0" encoding="gbk"?>').encode("gbk")
    assert first_title(body, content_type="text/xml; charset=ISO-8859-1") == TITLE


def test_source_encoding_override_wins_over_http_and_declaration() -> None:
    body = rss(declaration='<?xml version="1.0" encoding="utf-8"?>').encode("gb18030")
    title = first_title(body, content_type="text/xml; charset=utf-8", encoding="gbk")
    assert title == TITLE


def test_wrong_source_encoding_override_falls_back_to_the_other_clues() -> None:
    body = rss().encode("utf-8")
    assert first_title(body, encoding="big5") == TITLE


def test_utf8_bytes_declared_as_gbk_are_read_as_utf8() -> None:
    body = rss(declaration='<?xml version="1.0" encoding="gbk"?>').encode("utf-8")
    assert first_title(body) == TITLE


def test_undeclared_gbk_is_detected() -> None:
    body = rss(declaration='<?xml version="1.0"?>').encode("gbk")
    assert first_title(body) == TITLE


def test_undeclared_big5_is_detected_not_read_as_gbk_mojibake() -> None:
    # Big5 bytes also decode as GBK, into nonsense: detection must tell them apart.
    text = "臺灣新聞網 今日要聞：總統府發布新聞稿，行政院會通過預算案，立法院三讀修正條文。"
    body = f'<rss version="2.0"><channel><item><title>{text}</title></item></channel></rss>'
    assert first_title(body.encode("big5")) == text


def test_meta_charset_in_an_html_page_is_a_clue() -> None:
    page = (FEEDS / "html-page-gbk.html").read_bytes()
    assert "证券时报网 - 要闻" in decode_document(page)


def test_meta_charset_attribute_is_a_clue() -> None:
    page = '<html><head><meta charset="gbk"><title>要闻</title></head></html>'.encode("gbk")
    assert decode_document(page) == '<html><head><meta charset="gbk"><title>要闻</title></head></html>'


def test_utf8_bom_and_leading_newlines_are_stripped() -> None:
    body = b"\xef\xbb\xbf\r\n\n  " + rss().encode()
    assert decode_document(body).startswith("<?xml")
    assert first_title(body) == TITLE


def test_newlines_before_a_bom_are_stripped_too() -> None:
    assert first_title(b"\n\n\xef\xbb\xbf" + rss().encode()) == TITLE


def test_utf16_with_bom_is_decoded() -> None:
    body = rss(declaration='<?xml version="1.0" encoding="utf-16"?>').encode("utf-16")
    assert first_title(body) == TITLE


def test_utf16_without_bom_is_recognized_by_its_first_bytes() -> None:
    body = rss(declaration='<?xml version="1.0" encoding="utf-16"?>').encode("utf-16-le")
    assert first_title(body) == TITLE


def test_a_few_invalid_bytes_in_a_long_utf8_feed_are_replaced() -> None:
    body = rss(title=TITLE + "\x00MARK" + "。上海" * 400).encode().replace(b"\x00MARK", b"\xff")
    title = first_title(body)
    assert title is not None and title.startswith(TITLE + "\ufffd。上海")


def test_a_few_invalid_bytes_in_a_long_gb18030_feed_are_replaced() -> None:
    declaration = '<?xml version="1.0" encoding="gb18030"?>'
    body = rss(title=TITLE + "MARK" + "。上海" * 400, declaration=declaration).encode("gb18030")
    title = first_title(body.replace(b"MARK", b"\xff"))
    assert title is not None and title.startswith(TITLE + "\ufffd")


def test_many_invalid_bytes_are_not_tolerated() -> None:
    # A GBK document mostly of ASCII, wrongly labelled UTF-8: replacing its few Chinese
    # characters would lose them all; it must be read as GBK instead.
    body = rss(declaration='<?xml version="1.0" encoding="utf-8"?>', title="要闻 " + "x" * 3000)
    assert first_title(body.encode("gbk"), content_type="text/xml; charset=utf-8") == "要闻 " + "x" * 3000


def test_undecodable_bytes_raise_decode_error_naming_the_charsets_tried() -> None:
    binary = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    with pytest.raises(DecodeError, match=r"tried gb18030 \(the HTTP Content-Type\), utf-8 \(the default\)"):
        decode_document(binary, content_type="text/xml; charset=gbk")


def test_parse_feed_reports_undecodable_bytes_as_a_parse_error() -> None:
    binary = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    with pytest.raises(ParseError, match="测试源: cannot decode the response: no charset decodes it"):
        parse_feed(binary, source="测试源")


def test_utf8_is_decoded_without_detection(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(body: bytes) -> None:
        raise AssertionError("detection ran on a cleanly decoding document")

    monkeypatch.setattr(decode_module, "_detect", refuse)
    assert first_title(rss().encode()) == TITLE
    assert decode_document(rss().encode("gbk"), content_type="text/xml; charset=gbk").endswith("</rss>")


def test_utf7_and_escape_codecs_are_not_charsets() -> None:
    body = b'<?xml version="1.0" encoding="utf-7"?><rss><title>+ADw-script+AD4-</title></rss>'
    assert "+ADw-script+AD4-" in decode_document(body)
