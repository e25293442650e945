"""Each feed format newsmill reads, from a real-looking Chinese feed in tests/data/feeds/."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from newsmill.models import Enclosure, FeedData
from newsmill.parse import parse_feed

FEEDS = Path(__file__).parents[1] / "data" / "feeds"


def parse(name: str) -> FeedData:
    return parse_feed((FEEDS / name).read_bytes(), source=name)


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


def test_rss_091_feed() -> None:
    feed = parse("rss091.xml")
    assert feed.format == "rss0.91"
    assert (feed.title, feed.link) == ("新华网 - 时政频道", "http://www.news.cn/politics/")
    first = feed.entries[0]
    assert first.title == "国务院常务会议部署进一步做好稳外贸稳外资工作"
    assert first.link == "http://www.news.cn/politics/2021-10/12/c_1127949011.htm"
    assert first.summary_html is not None and first.summary_html.startswith("国务院总理主持召开")
    assert first.published is None
    assert len(feed.entries) == 2


def test_rss_092_feed_with_enclosure_and_an_item_without_title() -> None:
    feed = parse("rss092.xml")
    assert feed.format == "rss0.92"
    first, second = feed.entries
    assert first.categories == ("新闻纵横",)
    assert first.enclosures == (Enclosure("http://audio.cnr.cn/xwzh/20211012.mp3", "audio/mpeg", 12216320),)
    assert first.summary_html == "<p>央广网北京10月12日消息，眼下东北地区秋粮收获进入高峰期。</p>"
    assert second.title is None
    assert second.link == "http://china.cnr.cn/xwzh/20211012/t20211012_525630002.shtml"


def test_rss_20_feed() -> None:
    feed = parse("rss20.xml")
    assert feed.format == "rss2.0"
    assert (feed.title, feed.link) == ("证券时报网 - 要闻", "https://www.stcn.com/")
    first = feed.entries[0]
    assert first.title == "发布两大基因产业园 上海加码布局生物医药前沿产业"
    assert first.link == "https://www.stcn.com/article/detail/41912.html"
    assert first.guid == "stcn-41912"
    assert first.author == "证券时报网"
    assert first.published == utc(2021, 10, 12, 5, 33)
    assert first.categories == ("要闻", "生物医药")
    assert first.summary_html == "<p>10月12日，上海发布两大基因产业园。</p>"
    assert first.content_html is not None
    assert first.content_html.startswith('<p style="text-indent:2em">10月12日，<a href=')
    assert first.content_html.endswith('<img src="/upload/2021/10/12/gene.jpg"></p>')
    assert first.image == "https://static.stcn.com/upload/2021/10/12/gene-thumb.jpg"


def test_rss_20_guid_that_is_a_permalink_stands_in_for_the_link() -> None:
    second = parse("rss20.xml").entries[1]
    assert second.link == second.guid == "https://www.stcn.com/article/detail/41907.html"
    assert second.author == "editor@stcn.com (刘晓宇)"
    assert second.published == utc(2021, 10, 13, 0, 15)
    assert second.image == "https://static.stcn.com/upload/2021/10/13/battery.png"  # from media:group


def test_rss_20_images_from_itunes_and_image_enclosures() -> None:
    third = parse("rss20.xml").entries[2]
    assert third.published == utc(2021, 10, 13, 1, 31)  # "GMT+8"
    assert third.enclosures == (
        Enclosure("https://static.stcn.com/upload/2021/10/13/market.jpg", "image/jpeg", 48213),
    )
    assert third.image == "https://static.stcn.com/podcast/cover.jpg"  # itunes:image comes first


def test_rss_10_rdf_feed() -> None:
    feed = parse("rss10.xml")
    assert feed.format == "rss1.0"
    assert (feed.title, feed.link) == ("开源镜像站公告", "https://mirrors.example.edu.cn/")
    first, second = feed.entries
    assert first.guid == first.link == "https://mirrors.example.edu.cn/news/ubuntu-21-10.html"
    assert first.author == "镜像站管理员"
    assert first.published == utc(2021, 10, 15, 1, 30)
    assert first.categories == ("Ubuntu",)
    assert first.content_html == (
        '<p>Ubuntu 21.10 已发布，<a href="/ubuntu-releases/21.10/">ISO 镜像</a>与软件源均已同步。</p>'
    )
    # No <link>: rdf:about is the item's address.
    assert second.link == "https://mirrors.example.edu.cn/news/maintenance-1016.html"
    assert second.published == utc(2021, 10, 14, 10, 0)  # "2021-10-14 18:00", Shanghai time
    assert second.categories == ("维护", "公告")


def test_atom_03_feed() -> None:
    feed = parse("atom03.xml")
    assert feed.format == "atom0.3"
    assert (feed.title, feed.link) == ("科技爱好者周刊", "https://weekly.example.com/")
    first, second = feed.entries
    assert first.guid == "tag:weekly.example.com,2021:issue-178"
    assert first.link == "https://weekly.example.com/issue-178.html"
    assert first.published == utc(2021, 10, 15, 0, 0)  # <issued>
    assert first.updated == utc(2021, 10, 15, 1, 30)  # <modified>
    assert first.author == "周刊编辑部"  # the feed's author
    assert (
        first.summary_html == "这里记录每周值得分享的科技内容，周五发布。本期讨论 &lt;光伏&gt; 的投资回报。"
    )
    assert first.content_html == "<p>本期封面：屋顶上的光伏板。</p>"  # mode="escaped"
    assert second.author == "客座编辑 小林"
    assert second.content_html == "<p>高刷新率显示器<strong>值得买吗</strong>？</p>"  # mode="xml"


def test_atom_10_feed() -> None:
    feed = parse("atom10.xml")
    assert feed.format == "atom1.0"
    assert (feed.title, feed.link) == ("少数派", "https://sspai.com/")
    first = feed.entries[0]
    assert first.guid == "https://sspai.com/post/69120"
    assert first.title == "在 Mac 上用快捷指令自动整理下载文件夹"
    assert first.published == utc(2021, 10, 27, 1, 0)
    assert first.updated == utc(2021, 10, 27, 2, 30)
    assert first.author == "阿树"
    assert first.categories == ("macOS", "效率")  # label when there is one, else term
    assert first.summary_html == "<p>macOS Monterey 把快捷指令带到了 Mac 上。</p>"
    assert first.enclosures == (
        Enclosure("https://cdn.sspai.com/2021/10/27/shortcuts.png", "image/png", 204800),
    )
    assert first.image == "https://cdn.sspai.com/2021/10/27/shortcuts.png"


def test_atom_10_xml_base_resolves_links_and_xhtml_content() -> None:
    first = parse("atom10.xml").entries[0]
    assert first.link == "https://sspai.com/post/69120"  # href="post/69120" under xml:base
    assert first.content_html == (  # the xhtml div unwrapped, its namespace dropped
        '<p>正式推送后，<a href="https://sspai.com/post/69120/#step-1">第一步</a>：打开「快捷指令」。</p>'
        '<p><img src="https://sspai.com/post/69120/shortcuts.png" alt="截图"></p>'
    )


def test_atom_10_html_title_text_summary_and_inherited_author() -> None:
    second = parse("atom10.xml").entries[1]
    assert second.title == "播客 | 第 42 期：<em>挑选</em>效率工具"  # type="html": the markup
    assert second.summary_html == "三位主播聊聊各自的工具箱 &amp; 付费心得。"  # text, escaped
    assert second.author == "少数派编辑部"
    assert second.link == "https://sspai.com/post/68893"  # a link without rel is the alternate
    assert second.published == second.updated == utc(2021, 10, 13, 2, 15)  # only <updated>
    assert second.image == "https://cdn.sspai.com/podcast/042-cover.jpg"


def test_json_feed_10() -> None:
    feed = parse("jsonfeed10.json")
    assert feed.format == "json1.0"
    assert (feed.title, feed.link) == ("开发者早报", "https://daily.example.org/")
    first, second = feed.entries
    assert first.guid == "2021-10-12"
    assert first.author == "早报编辑部"  # the feed's author
    assert first.published == utc(2021, 10, 12, 0, 0)
    assert first.categories == ("Python", "发布")
    assert first.summary_html == "Python 3.10 发布"
    assert first.content_html == (  # content_text, escaped
        "Python 3.10 带来结构化模式匹配（match 语句）。\n更多细节见 &lt;官方公告&gt; &amp; 发行说明。"
    )
    assert second.guid == "20211011"  # a number in the wild
    assert second.author == "客座作者"
    assert second.published == utc(2021, 10, 11, 0, 0)  # no zone: Shanghai time
    assert second.content_html == "<p>Go 1.17.2 修复了 <code>net/http</code> 的一个安全问题。</p>"


def test_json_feed_11() -> None:
    feed = parse("jsonfeed11.json")
    assert feed.format == "json1.1"
    first, second = feed.entries
    assert first.author == "林编辑, 王编辑"
    assert first.published == utc(2021, 10, 8, 0, 0)
    assert first.updated == utc(2021, 10, 9, 4, 0)
    assert first.categories == ("静态网站", "Hexo")  # duplicates dropped
    assert first.image == "https://weekly.example.org/images/issue-41.png"
    assert first.enclosures == (Enclosure("https://weekly.example.org/audio/41.mp3", "audio/mpeg", 9216000),)
    assert second.link == "https://longreads.example.com/gb18030-history"  # external_url
    assert second.author == "周报编辑部"
    assert second.image == "https://weekly.example.org/images/issue-40-banner.png"
    assert second.published == second.updated == utc(2021, 10, 1, 0, 0)


def test_bundled_example_feeds_all_parse() -> None:
    examples = Path(__file__).parents[2] / "examples" / "feeds"
    for path in sorted(p for p in examples.iterdir() if p.suffix in (".xml", ".atom", ".rdf", ".json")):
        feed = parse_feed(path.read_bytes(), source=path.name)
        assert feed.entries, path.name
        assert all(entry.title and entry.link for entry in feed.entries), path.name
