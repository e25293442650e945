"""Keywords and tags: TF-IDF words, no numbers, single characters or stop words; aliases, blocks."""

from __future__ import annotations

from newsmill.enrich import EnrichContext, EnrichSettings, TagRules, enrich_drafts, new_stock_names
from newsmill.enrich.keywords import extract_keywords
from support.enrich_corpus import DAY, STORY_TEXT, STORY_TITLE, draft


def enrich_one(settings: EnrichSettings, **changes: object):
    article = draft(1, STORY_TITLE, STORY_TEXT, **changes)  # type: ignore[arg-type]
    return enrich_drafts([article], EnrichContext(settings, new_stock_names(), lambda *_: []), DAY)[0]


def test_an_article_gets_up_to_eight_keywords_about_its_subject() -> None:
    keywords = enrich_one(EnrichSettings()).keywords
    assert len(keywords) == 8
    assert {"基因", "产业园", "生物医药"} <= set(keywords)
    assert not any(len(word) == 1 or word.isdigit() for word in keywords)


def test_numbers_single_characters_and_stop_words_are_never_keywords() -> None:
    assert extract_keywords(["2027", "年", "记者", "表示"], ["200", "亿元", "的", "了"]) == ()


def test_tags_are_the_feeds_categories_then_the_keywords() -> None:
    enriched = enrich_one(EnrichSettings(keywords=3), tags=("要闻",))
    assert enriched.tags == ("要闻", *enriched.keywords)
    assert enriched.feed_tags == ("要闻",)


def test_aliases_and_block_lists_apply_globally_and_per_source() -> None:
    settings = EnrichSettings(
        keywords=3,
        rules=TagRules({"要闻": "头条"}, frozenset({"基因"})),
        source_rules={"证券时报网 要闻": TagRules({"产业园": "园区"}, frozenset())},
    )
    enriched = enrich_one(settings, tags=("要闻",))
    assert enriched.tags[0] == "头条"
    assert "基因" not in enriched.tags and "园区" in enriched.tags
    assert "产业园" not in enriched.tags


def test_tag_rules_compare_english_without_case_and_keep_each_tag_once() -> None:
    rules = TagRules({"ai": "人工智能"}, frozenset({"RUST"}))
    assert rules.apply(["AI", "rust", "人工智能", "Go"]) == ("人工智能", "Go")
