"""OPML import and export: Miniflux and FreshRSS exports read, nested folders, safe and lenient."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsmill.errors import ConfigError
from newsmill.models import Source
from newsmill.opml import OpmlFeed, read_opml, write_opml

DATA = Path(__file__).parent / "data" / "opml"


def read(name: str) -> list[OpmlFeed]:
    path = DATA / name
    return read_opml(path.read_bytes(), path=str(path))


def opml(body: str) -> bytes:
    """A minimal OPML document around some outlines."""
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0"><body>{body}</body></opml>'.encode()


def source(name: str, url: str, *categories: str) -> Source:
    return Source(name=name, url=url, categories=categories, author=name)


# -- reading real exports ------------------------------------------------------------------------


def test_miniflux_export_gives_every_feed_with_its_category() -> None:
    feeds = read("miniflux.opml")

    assert [(f.categories, f.name) for f in feeds] == [
        (("All",), "Hacker News: Front Page"),
        (("金融",), "证券时报网 - 要闻"),
        (("金融",), "华尔街见闻 - 资讯"),
        (("金融",), "东方财富 策略研报"),
        (("科技",), "少数派"),
        (("科技",), "开源中国-综合资讯"),
        (("科技",), "阮一峰的网络日志"),
    ]
    assert feeds[1] == OpmlFeed(
        name="证券时报网 - 要闻",
        url="https://rsshub.app/stcn/yw",
        categories=("金融",),
        site_url="https://www.stcn.com/",
    )


def test_miniflux_escaped_ampersand_in_url_is_unescaped() -> None:
    feeds = {f.name: f for f in read("miniflux.opml")}

    assert feeds["东方财富 策略研报"].url == (
        "https://rsshub.app/eastmoney/report/strategyreport?limit=20&filterout=%E5%B9%BF%E5%91%8A"
    )


def test_freshrss_export_tolerates_its_namespaced_attributes() -> None:
    feeds = read("freshrss.opml")

    assert [(f.categories, f.name, f.url) for f in feeds] == [
        (("未分类",), "Linux 中国", "https://linux.cn/rss.xml"),
        (("财经",), "财新网 - 最新文章", "https://rsshub.app/caixin/latest"),
        (("财经",), "证券时报网 快讯", "https://rsshub.app/stcn/kx"),
        (("网页抓取",), "36氪 快讯", "https://36kr.com/feed-newsflash"),
    ]
    assert feeds[0].site_url == "https://linux.cn/"


def test_freshrss_xpath_scraping_outlines_are_not_feeds() -> None:
    urls = [f.url for f in read("freshrss.opml")]

    assert "https://www.example.com/disclosure/list.html" not in urls


# -- folders and names ---------------------------------------------------------------------------


def test_nested_chinese_folders_become_category_paths() -> None:
    feeds = {f.name: f for f in read("nested-zh.opml")}

    assert feeds["要闻"].categories == ("金融", "证券时报网")
    assert feeds["要闻"].url == "https://rsshub.app/stcn/yw"
    assert feeds["快讯"].categories == ("金融", "证券时报网")
    assert feeds["国家统计局 数据发布"].categories == ("金融", "宏观")  # folder named by title only
    assert feeds["老王的技术小站"].categories == ("科技", "博客", "旧站")
    assert feeds["顶层订阅"].categories == ()


def test_folder_without_a_name_adds_no_level() -> None:
    feeds = {f.name: f for f in read("nested-zh.opml")}

    assert feeds["无名文件夹里的源"].categories == ()


def test_feed_without_title_or_text_is_named_after_its_host() -> None:
    feeds = {f.url: f for f in read("nested-zh.opml")}

    assert feeds["https://www.solidot.org/index.rss"].name == "www.solidot.org"


def test_feed_title_is_preferred_to_text_and_whitespace_is_collapsed() -> None:
    feeds = read_opml(
        opml(
            '<outline text="显示名" title="标题" xmlUrl="https://a.example.com/rss"/>'
            '<outline text="  少数派\n   精选 " xmlUrl="https://b.example.com/rss"/>'
        )
    )

    assert [f.name for f in feeds] == ["标题", "少数派 精选"]


def test_outlines_without_xmlurl_are_folders_and_add_no_feed() -> None:
    names = [f.name for f in read("nested-zh.opml")]

    assert "空文件夹" not in names
    assert "没有地址的源" not in names  # xmlUrl="" is no feed
    assert len(names) == 8


def test_encoded_html_and_html_entities_in_names_become_text() -> None:
    feeds = read_opml(
        opml(
            '<outline text="&lt;b&gt;Ars&lt;/b&gt; Technica" xmlUrl="https://a.example.com/rss"/>'
            '<outline text="Q&amp;amp;A&nbsp;周刊" xmlUrl="https://b.example.com/rss"/>'
            '<outline text="R&amp;D &lt;实验室&gt;" xmlUrl="https://c.example.com/rss"/>'
        )
    )

    assert [f.name for f in feeds] == ["Ars Technica", "Q&A 周刊", "R&D <实验室>"]


def test_attribute_names_are_matched_without_regard_to_case() -> None:
    feeds = read_opml(
        opml('<outline text="旧阅读器" xmlurl="https://a.example.com/rss" HTMLURL="https://a.example.com/"/>')
    )

    assert feeds == [OpmlFeed("旧阅读器", "https://a.example.com/rss", (), "https://a.example.com/")]


def test_default_namespace_on_the_document_is_tolerated() -> None:
    data = (
        b'<opml xmlns="http://opml.org/spec2" version="2.0"><body>'
        b'<outline text="t"><outline text="f" xmlUrl="https://a.example.com/rss"/></outline>'
        b"</body></opml>"
    )

    assert read_opml(data) == [OpmlFeed("f", "https://a.example.com/rss", ("t",))]


# -- URLs ----------------------------------------------------------------------------------------


def test_duplicate_feeds_are_kept_once_first_wins() -> None:
    feeds = read_opml(
        opml(
            '<outline text="金融"><outline text="要闻" xmlUrl="https://rsshub.app/stcn/yw"/></outline>'
            '<outline text="科技"><outline text="again" xmlUrl="https://rsshub.app/stcn/yw"/>'
            '<outline text="upper" xmlUrl="HTTPS://RSSHub.app/stcn/yw"/></outline>'
        )
    )

    assert feeds == [OpmlFeed("要闻", "https://rsshub.app/stcn/yw", ("金融",))]


def test_only_http_urls_are_imported_and_feed_scheme_is_unwrapped() -> None:
    urls = [f.url for f in read("nested-zh.opml")]

    assert "http://sspai.com/feed" in urls  # from feed://sspai.com/feed
    assert not [u for u in urls if not u.startswith(("http://", "https://"))]
    feeds = read_opml(opml('<outline text="x" xmlUrl="feed:https://a.example.com/rss"/>'))
    assert feeds[0].url == "https://a.example.com/rss"


def test_site_url_that_is_not_http_is_dropped() -> None:
    feeds = read_opml(
        opml('<outline text="x" xmlUrl="https://a.example.com/rss" htmlUrl="javascript:alert(1)"/>')
    )

    assert feeds[0].site_url is None


def test_bare_ampersand_in_url_is_repaired_not_truncated() -> None:
    feeds = read_opml(opml('<outline text="A&B" xmlUrl="https://a.example.com/rss?x=1&y=2&amp;z=3"/>'))

    assert feeds == [OpmlFeed("A&B", "https://a.example.com/rss?x=1&y=2&z=3", ())]


# -- encodings -----------------------------------------------------------------------------------


def test_gbk_opml_declared_as_gb2312_is_decoded() -> None:
    feeds = read("gbk.opml")

    assert [f.name for f in feeds] == ["王镕的财经笔记", "阿喆的博客"]
    assert feeds[0].categories == ("人物专栏",)


def test_undeclared_gbk_is_decoded() -> None:
    data = '<opml><body><outline text="财经" xmlUrl="https://a.example.com/rss"/></body></opml>'

    assert read_opml(data.encode("gbk"))[0].name == "财经"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_byte_order_mark_decides_the_encoding(encoding: str) -> None:
    data = '<?xml version="1.0"?><opml><body><outline text="少数派" xmlUrl="https://sspai.com/feed"/></body></opml>'

    assert read_opml(data.encode(encoding))[0].name == "少数派"


# -- safety and errors ---------------------------------------------------------------------------


def test_external_entities_are_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    data = (
        f'<?xml version="1.0"?>\n<!DOCTYPE opml [\n<!ENTITY xxe SYSTEM "{secret.as_uri()}">\n'
        '<!ENTITY inner "INNER">\n]>\n'
        '<opml><body><outline text="&xxe;&inner;" xmlUrl="https://a.example.com/&xxe;"/></body></opml>'
    ).encode()

    feeds = read_opml(data)

    assert "TOP-SECRET" not in repr(feeds)
    assert "INNER" not in repr(feeds)
    assert feeds[0].url == "https://a.example.com/&xxe;"


def test_entity_expansion_bomb_is_not_expanded() -> None:
    lol = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    data = (
        f'<!DOCTYPE opml [<!ENTITY l0 "lol">{lol}]>'
        '<opml><body><outline text="&l9;" xmlUrl="https://a.example.com/rss"/></body></opml>'
    ).encode()

    assert read_opml(data)[0].name == "&l9;"


def test_truncated_file_still_gives_the_feeds_before_the_cut() -> None:
    data = (DATA / "miniflux.opml").read_bytes()
    cut = data[: data.index(b'<outline text="\xe7\xa7\x91\xe6\x8a\x80">')]  # before 科技

    assert [f.name for f in read_opml(cut)][-1] == "东方财富 策略研报"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "not an OPML file"),
        (b"   \n", "not an OPML file"),
        (b"this is not xml at all", "not an OPML file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not an OPML file"),
        (b"<html><body><p>hello</p></body></html>", "root element is <html>"),
        (b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>', "root element is <rss>"),
    ],
)
def test_bad_input_raises_config_error_naming_the_file(data: bytes, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        read_opml(data, path="subscriptions.opml")

    assert caught.value.path == "subscriptions.opml"
    assert problem in caught.value.message
    assert str(caught.value).startswith("subscriptions.opml")


def test_opml_without_feeds_is_an_empty_list() -> None:
    assert read_opml('<opml version="2.0"><head><title>空</title></head><body/></opml>'.encode()) == []


# -- writing -------------------------------------------------------------------------------------

SOURCES = [
    source("证券时报网 要闻", "https://rsshub.app/stcn/yw", "金融", "证券时报网", "要闻"),
    source("证券时报网 快讯", "https://rsshub.app/stcn/kx", "金融", "证券时报网", "快讯"),
    source("少数派", "https://sspai.com/feed", "科技", "少数派"),
    source("开源中国 资讯", "https://www.oschina.net/news/rss", "科技", "开源中国", "资讯"),
    source("没有分类", "https://top.example.com/rss"),
    source("东方财富 研报", "https://rsshub.app/eastmoney/report?a=1&b=<2>", "金融"),
]


def test_export_then_import_round_trips_chinese_names_and_paths() -> None:
    feeds = read_opml(write_opml(SOURCES).encode("utf-8"))

    # feeds come back grouped by folder, so compare by URL
    assert {f.url: (f.name, f.categories) for f in feeds} == {s.url: (s.name, s.categories) for s in SOURCES}
    assert len(feeds) == len(SOURCES)


def test_export_nests_one_folder_per_category_level() -> None:
    root = ET.fromstring(write_opml(SOURCES, title="我的订阅").encode("utf-8"))

    assert root.get("version") == "2.0"
    assert root.findtext("head/title") == "我的订阅"
    top = [o.get("text") for o in root.findall("body/outline")]
    assert top == ["金融", "科技", "没有分类"]
    finance = root.find("body/outline[@text='金融']")
    assert finance is not None and finance.get("title") == "金融"
    stcn = finance.find("outline[@text='证券时报网']")
    assert stcn is not None
    assert [o.get("text") for o in stcn] == ["要闻", "快讯"]
    feed = stcn.find("outline[@text='要闻']/outline")
    assert feed is not None
    assert feed.attrib == {
        "text": "证券时报网 要闻",
        "title": "证券时报网 要闻",
        "type": "rss",
        "xmlUrl": "https://rsshub.app/stcn/yw",
    }


def test_export_writes_htmlurl_when_the_site_is_known() -> None:
    text = write_opml(SOURCES[:1], site_urls={"证券时报网 要闻": "https://www.stcn.com/"})

    assert read_opml(text.encode())[0].site_url == "https://www.stcn.com/"
    assert 'htmlUrl="https://www.stcn.com/"' in text


def test_export_leaves_out_local_files() -> None:
    local = source("示例", "file:///work/examples/feeds/stcn-yw.xml", "金融")

    feeds = read_opml(write_opml([local, *SOURCES[:1]]).encode())

    assert [f.name for f in feeds] == ["证券时报网 要闻"]


def test_export_is_deterministic_and_declares_utf8() -> None:
    first = write_opml(SOURCES)

    assert first == write_opml(SOURCES)
    assert first.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')


def test_export_of_nothing_is_a_valid_empty_document() -> None:
    assert read_opml(write_opml([]).encode()) == []


def test_export_can_be_read_back_from_the_example_config() -> None:
    from newsmill.config import load_config

    config = load_config(Path(__file__).parents[1] / "examples" / "newsmill.toml")
    routed = [source(s.name, "https://rsshub.app/" + s.name, *s.categories) for s in config.sources]

    feeds = read_opml(write_opml(routed).encode())

    assert sorted(f.categories for f in feeds) == sorted(s.categories for s in config.sources)


_NAME = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"),
        blacklist_characters="<&\ufffe\uffff",
    ),
    min_size=1,
    max_size=12,
)


@given(
    st.lists(
        st.tuples(_NAME, st.lists(_NAME, max_size=3)),
        max_size=6,
    )
)
def test_any_names_and_paths_round_trip(entries: list[tuple[str, list[str]]]) -> None:
    sources = [
        source(name, f"https://feeds.example.com/{i}", *path) for i, (name, path) in enumerate(entries)
    ]

    feeds = read_opml(write_opml(sources).encode())

    assert {f.url: (f.name, f.categories) for f in feeds} == {s.url: (s.name, s.categories) for s in sources}
