"""`clean_entry` and `clean_feed`: from a feed's raw entry to an `ArticleDraft`."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from clean_helpers import SEED_LINK

from newsmill.clean import clean_entry, clean_feed
from newsmill.ids import article_id
from newsmill.models import Enclosure, EntryData, FeedData, Source

TITLE = "发布两大基因产业园 上海加码布局生物医药前沿产业"
PUBLISHED = datetime(2021, 10, 12, 13, 33, tzinfo=UTC)


@pytest.fixture
def seed_entry(seed_html: str) -> EntryData:
    return EntryData(
        guid=SEED_LINK,
        link=SEED_LINK + "?utm_source=rsshub",
        title=TITLE,
        published=PUBLISHED,
        summary_html=seed_html,
        categories=("要闻", "生物医药", " 要闻 ", ""),
    )


def test_seed_entry_becomes_the_seed_article(seed_entry: EntryData, source: Source) -> None:
    draft = clean_entry(seed_entry, source=source)
    assert draft is not None
    assert draft.id == article_id(
        source.name, guid=SEED_LINK, url=SEED_LINK, title=TITLE, published=PUBLISHED
    )
    assert draft.source == "证券时报网 要闻"
    assert draft.url == SEED_LINK
    assert draft.guid == SEED_LINK
    assert draft.title == TITLE
    assert draft.author == "证券时报网"
    assert draft.published == PUBLISHED
    assert draft.categories == ("金融", "证券时报网", "要闻")
    assert draft.tags == ("要闻", "生物医药")
    assert draft.content_html.startswith("<p>证券时报记者 张淑贤</p>")
    assert 'href="http://info.stcn.com/dc/stock/?stockcode=SZ000516"' in draft.content_html
    assert draft.content_text.split("\n")[0] == "证券时报记者 张淑贤"
    assert draft.summary.startswith("证券时报记者 张淑贤 10月12日上午")
    assert draft.summary.endswith("…") and len(draft.summary) <= 200
    assert draft.thumbnail is None
    assert len(draft.content_hash) == 40


def test_ids_are_stable_across_calls(seed_entry: EntryData, source: Source) -> None:
    first = clean_entry(seed_entry, source=source)
    second = clean_entry(seed_entry, source=source)
    assert first is not None and second is not None
    assert first.id == second.id
    assert first == second


def test_without_a_guid_the_id_comes_from_the_canonical_url(source: Source) -> None:
    tracked = clean_entry(EntryData(link=SEED_LINK + "?utm_source=a", title="x"), source=source)
    plain = clean_entry(EntryData(link=SEED_LINK, title="y"), source=source)
    assert tracked is not None and plain is not None
    assert (
        tracked.id
        == plain.id
        == article_id(source.name, guid=None, url=SEED_LINK, title=None, published=None)
    )


def test_without_guid_or_link_the_id_comes_from_title_and_date(source: Source) -> None:
    entry = EntryData(title="快讯", published=PUBLISHED, summary_html="<p>内容</p>")
    draft = clean_entry(entry, source=source, feed_link="https://www.stcn.com/")
    assert draft is not None
    assert draft.id == article_id(source.name, guid=None, url=None, title="快讯", published=PUBLISHED)
    assert draft.url == "https://www.stcn.com/"  # the feed link, since the entry has none


def test_content_hash_changes_only_when_content_changes(seed_entry: EntryData, source: Source) -> None:
    base = clean_entry(seed_entry, source=source)
    same = clean_entry(replace(seed_entry, summary_html=seed_entry.summary_html), source=source)
    changed = clean_entry(
        replace(seed_entry, summary_html=(seed_entry.summary_html or "") + "<p>更正</p>"),
        source=source,
    )
    retagged = clean_entry(replace(seed_entry, categories=("新闻",)), source=source)
    assert base is not None and same is not None and changed is not None and retagged is not None
    assert base.content_hash == same.content_hash
    assert changed.content_hash != base.content_hash
    assert retagged.content_hash != base.content_hash
    assert changed.id == base.id


def test_markup_only_differences_that_sanitize_away_do_not_change_the_hash(
    seed_entry: EntryData, source: Source
) -> None:
    styled = replace(seed_entry, summary_html='<p style="color:red" class="x">' + "正文</p>")
    plain = replace(seed_entry, summary_html="<p>正文</p>")
    a, b = clean_entry(styled, source=source), clean_entry(plain, source=source)
    assert a is not None and b is not None
    assert a.content_hash == b.content_hash


def test_title_markup_and_entities_become_text(source: Source) -> None:
    entry = EntryData(link=SEED_LINK, title="<b>上海</b>加码&amp;布局&nbsp;生物医药")
    draft = clean_entry(entry, source=source)
    assert draft is not None and draft.title == "上海加码&布局 生物医药"


def test_empty_title_is_the_start_of_the_text(source: Source) -> None:
    text = "张江细胞和基因产业园正式发布，打造具有全球影响力的细胞与基因产业集群。"
    draft = clean_entry(EntryData(link=SEED_LINK, summary_html=f"<p>{text}</p>"), source=source)
    assert draft is not None
    assert draft.title == text[:29] + "…"


def test_author_is_the_entry_author_else_the_source_author(source: Source) -> None:
    with_author = clean_entry(EntryData(link=SEED_LINK, author=" 张淑贤 "), source=source)
    without = clean_entry(EntryData(link=SEED_LINK, author="  "), source=source)
    assert with_author is not None and with_author.author == "张淑贤"
    assert without is not None and without.author == "证券时报网"


def test_url_falls_back_to_a_permalink_guid(source: Source) -> None:
    draft = clean_entry(EntryData(guid=SEED_LINK, title="x"), source=source)
    assert draft is not None and draft.url == SEED_LINK


def test_relative_entry_links_resolve_against_the_feed_link(source: Source) -> None:
    entry = EntryData(link="/xw/sd/a.html", summary_html='<img src="img/a.jpg">')
    draft = clean_entry(entry, source=source, feed_link="https://www.stcn.com/xw/")
    assert draft is not None
    assert draft.url == "https://www.stcn.com/xw/sd/a.html"
    assert draft.thumbnail == "https://www.stcn.com/xw/sd/img/a.jpg"


def test_entries_with_nothing_to_show_are_none(source: Source) -> None:
    assert clean_entry(EntryData(), source=source) is None
    assert clean_entry(EntryData(guid="tag:x,2021:1", link="javascript:alert(1)"), source=source) is None
    assert clean_entry(EntryData(summary_html="<script>x</script>", title=" "), source=source) is None


def test_content_is_preferred_to_the_summary(source: Source) -> None:
    entry = EntryData(link=SEED_LINK, summary_html="<p>摘要。</p>", content_html="<p>全文。</p>")
    draft = clean_entry(entry, source=source)
    assert draft is not None
    assert draft.content_html == "<p>全文。</p>"
    assert draft.summary == "摘要。"


def test_empty_content_falls_back_to_the_summary(source: Source) -> None:
    entry = EntryData(link=SEED_LINK, summary_html="<p>摘要</p>", content_html="<p> </p><script>x</script>")
    draft = clean_entry(entry, source=source)
    assert draft is not None and draft.content_html == "<p>摘要</p>"


def test_summary_that_only_starts_the_content_is_rebuilt_from_the_content(source: Source) -> None:
    content = "<p>" + "张江细胞和基因产业园正式发布。" * 20 + "</p>"
    entry = EntryData(
        link=SEED_LINK, summary_html="<p>张江细胞和基因产业园正式发布。张江细胞...</p>", content_html=content
    )
    draft = clean_entry(entry, source=source)
    assert draft is not None
    assert draft.summary.startswith("张江细胞和基因产业园正式发布。张江细胞和基因产业园正式发布。")
    assert draft.summary.endswith("…") and len(draft.summary) <= 200


def test_thumbnail_prefers_the_feed_image(source: Source) -> None:
    entry = EntryData(
        link=SEED_LINK,
        image="/thumb/a.jpg",
        enclosures=(Enclosure("https://img.example/e.jpg", "image/jpeg"),),
        content_html='<img src="https://img.example/c.jpg">',
    )
    draft = clean_entry(entry, source=source)
    assert draft is not None and draft.thumbnail == "http://www.stcn.com/thumb/a.jpg"


def test_thumbnail_falls_back_to_an_image_enclosure_then_the_lead_image(source: Source) -> None:
    entry = EntryData(
        link=SEED_LINK,
        image="javascript:alert(1)",
        enclosures=(
            Enclosure("https://a.example/a.mp3", "audio/mpeg"),
            Enclosure("https://img.example/e.png"),
        ),
        content_html='<img src="https://img.example/c.jpg">',
    )
    draft = clean_entry(entry, source=source)
    assert draft is not None and draft.thumbnail == "https://img.example/e.png"
    no_enclosure = clean_entry(replace(entry, enclosures=()), source=source)
    assert no_enclosure is not None and no_enclosure.thumbnail == "https://img.example/c.jpg"


def test_thumbnail_skips_trackers_and_falls_back_to_the_summary_image(source: Source) -> None:
    entry = EntryData(
        link=SEED_LINK,
        image="http://feeds.feedburner.com/~r/stcn/~4/x",
        content_html='<p>正文</p><img src="https://t.example/p.gif" width="1" height="1">',
        summary_html='<img src="https://img.example/s.jpg">',
    )
    draft = clean_entry(entry, source=source)
    assert draft is not None and draft.thumbnail == "https://img.example/s.jpg"


def test_enclosures_get_canonical_urls_once(source: Source) -> None:
    entry = EntryData(
        link=SEED_LINK,
        title="播客",
        enclosures=(
            Enclosure("/audio/a.mp3?utm_source=rss", " audio/mpeg ", 123),
            Enclosure("http://www.stcn.com/audio/a.mp3"),
            Enclosure("javascript:alert(1)"),
        ),
    )
    draft = clean_entry(entry, source=source)
    assert draft is not None
    assert draft.enclosures == (Enclosure("http://www.stcn.com/audio/a.mp3", "audio/mpeg", 123),)


def test_clean_feed_drops_duplicate_ids_keeping_the_first(source: Source) -> None:
    feed = FeedData(
        format="rss2.0",
        link="https://www.stcn.com/",
        entries=(
            EntryData(guid="1", link="/a.html", title="第一版"),
            EntryData(guid="2", link="/b.html", title="另一篇"),
            EntryData(guid="1", link="/a.html", title="第二版"),
            EntryData(),
        ),
    )
    drafts = clean_feed(feed, source=source)
    assert [d.title for d in drafts] == ["第一版", "另一篇"]
    assert drafts[0].url == "https://www.stcn.com/a.html"
