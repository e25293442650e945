"""Story grouping: rewrites of one story share its lead's id; other stories stay apart."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from newsmill.enrich import analyse_drafts, enrich_drafts
from newsmill.enrich.segment import segmenter
from newsmill.enrich.stories import BANDS, ROWS, StoryGrouper, band_keys, minhash, shingles, similarity
from newsmill.models import StoryCandidate
from support.enrich_corpus import DAY, REWRITE_1_TEXT, STORY_TEXT, UNRELATED_TEXT
from support.stories import grouping_context, one_story


def test_three_rewrites_of_one_story_are_grouped_and_an_unrelated_article_of_the_day_is_not() -> None:
    story = one_story()
    batch = [story.original, story.rewrite_1, story.unrelated, story.rewrite_2]
    found = enrich_drafts(batch, grouping_context(), DAY)
    original, unrelated = story.original.id, story.unrelated.id
    assert [e.story for e in found] == [original, original, unrelated, original]


def test_the_earliest_article_leads_even_when_it_arrives_last() -> None:
    story = one_story()
    late = replace(story.rewrite_1, published=DAY + timedelta(hours=2))
    early = replace(story.original, published=DAY)
    first, second = enrich_drafts([late, early], grouping_context(), DAY)
    assert first.story == late.id
    assert second.story == early.id and second.merged == (late.id,)


def test_articles_days_apart_are_not_one_story() -> None:
    story = one_story()
    weeks_later = replace(story.rewrite_1, published=story.original.published + timedelta(days=20))
    found = enrich_drafts([story.original, weeks_later], grouping_context(), DAY)
    assert found[1].story == weeks_later.id


def test_signatures_estimate_similarity_and_band_keys_are_stable() -> None:
    words = segmenter().words
    a, b = minhash(shingles(words(STORY_TEXT))), minhash(shingles(words(REWRITE_1_TEXT)))
    c = minhash(shingles(words(UNRELATED_TEXT)))
    assert similarity(a, b) > 0.5 > 0.1 > similarity(a, c)
    assert band_keys(a) == band_keys(minhash(shingles(words(STORY_TEXT))))
    assert len(band_keys(a)) == BANDS and all(-(2**63) <= key < 2**63 for key in band_keys(a))
    assert minhash(set()) == () and band_keys(()) == ()


def test_a_band_key_hashes_the_band_number_with_its_rows() -> None:
    signature = tuple(range(100, 100 + BANDS * ROWS))
    assert band_keys(signature)[1] == hash((1, *signature[ROWS : 2 * ROWS]))
    assert len(band_keys((*signature, 7))) == BANDS  # a partial band is left out


def test_a_batch_looked_up_at_once_gets_the_stories_one_lookup_per_article_gets() -> None:
    story = one_story()
    stored_drafts = [story.original, story.unrelated]
    stored = [
        StoryCandidate(d.id, d.id, d.published, d.published, d.title, a.minhash)
        for d, a in zip(stored_drafts, analyse_drafts(stored_drafts), strict=True)
    ]
    lookups: list[int] = []

    def lookup(bands, since, until):  # what the store does: shared band key, within the window
        lookups.append(len(bands))
        return [c for c in stored if set(band_keys(c.minhash)) & set(bands) and since <= c.published <= until]

    later = replace(story.rewrite_2, published=DAY + timedelta(days=5))  # outside the window
    new = [story.rewrite_1, later, story.rewrite_2]
    analyses = analyse_drafts(new)

    def stories(prefetch: bool) -> list[tuple[str, tuple[str, ...]]]:
        grouper = StoryGrouper(lookup)
        if prefetch:
            grouper.prefetch([(a.bands, d.published) for d, a in zip(new, analyses, strict=True)])
        return [
            grouper.assign(d.id, d.title, d.published, a.minhash, a.bands)
            for d, a in zip(new, analyses, strict=True)
        ]

    one_by_one = stories(prefetch=False)
    assert len(lookups) == 3
    assert stories(prefetch=True) == one_by_one and len(lookups) == 4
    assert [lead for lead, _ in one_by_one] == [story.original.id, later.id, story.original.id]
