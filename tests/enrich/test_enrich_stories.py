"""Story grouping: rewrites of one story share its lead's id; other stories stay apart."""

from __future__ import annotations

from datetime import timedelta

from newsmill.enrich import EnrichContext, EnrichSettings, enrich_drafts, new_stock_names
from newsmill.enrich.segment import segmenter
from newsmill.enrich.stories import BANDS, band_keys, minhash, shingles, similarity
from support.enrich_corpus import (
    DAY,
    REWRITE_1_TEXT,
    REWRITE_1_TITLE,
    REWRITE_2_TEXT,
    REWRITE_2_TITLE,
    STORY_TEXT,
    STORY_TITLE,
    UNRELATED_TEXT,
    UNRELATED_TITLE,
    draft,
)


def context() -> EnrichContext:
    return EnrichContext(EnrichSettings(), new_stock_names(), lambda *_: [])


def test_three_rewrites_of_one_story_are_grouped_and_an_unrelated_article_of_the_day_is_not() -> None:
    original = draft(1, STORY_TITLE, STORY_TEXT)
    rewrite_1 = draft(2, REWRITE_1_TITLE, REWRITE_1_TEXT, source="上海证券报")
    rewrite_2 = draft(3, REWRITE_2_TITLE, REWRITE_2_TEXT, source="第一财经")
    unrelated = draft(4, UNRELATED_TITLE, UNRELATED_TEXT, source="第一财经")
    found = enrich_drafts([original, rewrite_1, unrelated, rewrite_2], context(), DAY)
    assert [e.story for e in found] == [original.id, original.id, unrelated.id, original.id]


def test_the_earliest_article_leads_even_when_it_arrives_last() -> None:
    late = draft(1, REWRITE_1_TITLE, REWRITE_1_TEXT, published=DAY + timedelta(hours=2))
    early = draft(2, STORY_TITLE, STORY_TEXT, published=DAY)
    first, second = enrich_drafts([late, early], context(), DAY)
    assert first.story == late.id
    assert second.story == early.id and second.merged == (late.id,)


def test_articles_days_apart_are_not_one_story() -> None:
    original = draft(1, STORY_TITLE, STORY_TEXT)
    weeks_later = draft(2, STORY_TITLE, STORY_TEXT, published=DAY + timedelta(days=20))
    found = enrich_drafts([original, weeks_later], context(), DAY)
    assert found[1].story == weeks_later.id


def test_signatures_estimate_similarity_and_band_keys_are_stable() -> None:
    words = segmenter().words
    a, b = minhash(shingles(words(STORY_TEXT))), minhash(shingles(words(REWRITE_1_TEXT)))
    c = minhash(shingles(words(UNRELATED_TEXT)))
    assert similarity(a, b) > 0.5 > 0.1 > similarity(a, c)
    assert band_keys(a) == band_keys(minhash(shingles(words(STORY_TEXT))))
    assert len(band_keys(a)) == BANDS and all(-(2**63) <= key < 2**63 for key in band_keys(a))
    assert minhash(set()) == () and band_keys(()) == ()
