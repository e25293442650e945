"""One wire story as three outlets printed it, and an unrelated article of the same day: the
drafts that the story tests of the enrich stage and of the store both group."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from newsmill.enrich import EnrichContext, EnrichSettings, new_stock_names
from newsmill.enrich.stories import CandidateLookup
from newsmill.models import ArticleDraft, StoryCandidate
from support.enrich_corpus import (
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

ORIGINAL_SOURCE = "证券时报网 要闻"
REWRITE_SOURCES = ("上海证券报 快讯", "第一财经 新闻")


@dataclass(frozen=True)
class OneStory:
    """证券时报网's original, two rewrites (new headline, trimmed, reworded) and an unrelated
    article published the same morning by the second rewrite's outlet."""

    original: ArticleDraft
    rewrite_1: ArticleDraft
    rewrite_2: ArticleDraft
    unrelated: ArticleDraft

    @property
    def same_story(self) -> tuple[ArticleDraft, ArticleDraft, ArticleDraft]:
        return self.original, self.rewrite_1, self.rewrite_2


def one_story(first: int = 1) -> OneStory:
    """The four drafts, numbered from `first` (their ids and publication minutes follow)."""
    return OneStory(
        original=draft(first, STORY_TITLE, STORY_TEXT, source=ORIGINAL_SOURCE),
        rewrite_1=draft(first + 1, REWRITE_1_TITLE, REWRITE_1_TEXT, source=REWRITE_SOURCES[0]),
        rewrite_2=draft(first + 2, REWRITE_2_TITLE, REWRITE_2_TEXT, source=REWRITE_SOURCES[1]),
        unrelated=draft(first + 3, UNRELATED_TITLE, UNRELATED_TEXT, source=REWRITE_SOURCES[1]),
    )


def nothing_stored(_bands: Sequence[int], _since: datetime, _until: datetime) -> list[StoryCandidate]:
    """A story lookup for an empty store."""
    return []


def grouping_context(lookup: CandidateLookup = nothing_stored) -> EnrichContext:
    """The enrich stage's context with default settings, no stock names and `lookup` as the
    store's candidates."""
    return EnrichContext(EnrichSettings(), new_stock_names(), lookup)
