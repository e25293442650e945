"""The enrich stage: keywords and tags, stock mentions, story ids and search index text.

It sits between clean and store. What it needs from the store (the stock names learned so far,
and stored articles whose story band keys match) comes in an `EnrichContext` that the pipeline
builds; what it makes (`Enrichment`, one per article) the store writes in the same transaction
as the article. The stage imports no other stage.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from newsmill.enrich.keywords import extract_keywords, is_common_word
from newsmill.enrich.segment import Segmenter, compile_query, index_text, segmenter
from newsmill.enrich.stocks import (
    StockNames,
    linked_mentions,
    merge_mentions,
    normalise_code,
    read_stock_csv,
)
from newsmill.enrich.stories import CandidateLookup, StoryGrouper, band_keys, minhash, shingles
from newsmill.models import Article, ArticleDraft, Enrichment, StockMention

__all__ = [
    "EnrichContext",
    "EnrichSettings",
    "StockNames",
    "TagRules",
    "compile_query",
    "enrich_articles",
    "enrich_drafts",
    "index_fields",
    "linked_mentions",
    "new_stock_names",
    "normalise_code",
    "read_stock_csv",
]


@dataclass(frozen=True, slots=True)
class TagRules:
    """Tag aliases (`新冠肺炎` → `新冠`) and tags never to show; ASCII compared without case."""

    aliases: Mapping[str, str] = field(default_factory=dict)
    block: frozenset[str] = frozenset()

    def merged(self, other: TagRules) -> TagRules:
        """These rules with `other`'s added (a source's rules on top of the global ones)."""
        return TagRules({**self.aliases, **other.aliases}, self.block | other.block)

    def apply(self, tags: Iterable[str]) -> tuple[str, ...]:
        aliases = {key.lower(): value for key, value in self.aliases.items()}
        block = {tag.lower() for tag in self.block}
        kept: dict[str, str] = {}
        for tag in tags:
            tag = aliases.get(tag.lower(), tag).strip()
            if tag and tag.lower() not in block:
                kept.setdefault(tag.lower(), tag)
        return tuple(kept.values())


@dataclass(frozen=True, slots=True)
class EnrichSettings:
    keywords: int = 8  # keywords per article
    story_window: timedelta = timedelta(days=3)  # articles further apart are never one story
    rules: TagRules = TagRules()
    source_rules: Mapping[str, TagRules] = field(default_factory=dict)

    def rules_for(self, source: str) -> TagRules:
        extra = self.source_rules.get(source)
        return self.rules.merged(extra) if extra else self.rules


def new_stock_names(names: Mapping[str, str] | None = None) -> StockNames:
    """A stock-name dictionary whose plain-text matching skips everyday words."""
    return StockNames(names, is_common=is_common_word)


@dataclass
class EnrichContext:
    """What the stage needs from outside, loaded by the pipeline: settings, the stock-name
    dictionary (which grows as links teach it names), and the store's story lookup."""

    settings: EnrichSettings
    names: StockNames
    lookup: CandidateLookup
    segmenter: Segmenter = field(default_factory=segmenter)


@dataclass(frozen=True, slots=True)
class _Item:
    id: str
    source: str
    title: str
    content_html: str
    content_text: str
    feed_tags: tuple[str, ...]
    published: datetime


def enrich_drafts(drafts: Sequence[ArticleDraft], context: EnrichContext, now: datetime) -> list[Enrichment]:
    """Enrich one source's cleaned articles, in order (an undated one counts as published now)."""
    items = [
        _Item(d.id, d.source, d.title, d.content_html, d.content_text, d.tags, d.published or now)
        for d in drafts
    ]
    return _enrich_all(items, context)


def enrich_articles(articles: Sequence[Article], context: EnrichContext) -> list[Enrichment]:
    """Enrich stored articles again (`newsmill enrich --all`), from their feed's own tags."""
    items = [
        _Item(a.id, a.source, a.title, a.content_html, a.content_text, a.feed_tags, a.published)
        for a in articles
    ]
    return _enrich_all(items, context)


def index_fields(title: str, text: str, words_of: Segmenter | None = None) -> tuple[str, str]:
    """The search index text of a title and a body (what `newsmill reindex` writes)."""
    words_of = words_of or segmenter()
    return index_text(title, words_of.words(title)), index_text(text, words_of.words(text))


def _enrich_all(items: Sequence[_Item], context: EnrichContext) -> list[Enrichment]:
    grouper = StoryGrouper(context.lookup, context.settings.story_window)
    words = context.segmenter.words
    segmented = [(words(item.title), words(item.content_text)) for item in items]
    signatures = [minhash(shingles(body or title)) for title, body in segmented]
    grouper.prefetch([(signature, item.published) for signature, item in zip(signatures, items, strict=True)])
    return [
        _enrich(item, context, grouper, title, body, signature)
        for item, (title, body), signature in zip(items, segmented, signatures, strict=True)
    ]


def _enrich(
    item: _Item,
    context: EnrichContext,
    grouper: StoryGrouper,
    title_words: list[str],
    body_words: list[str],
    signature: tuple[int, ...],
) -> Enrichment:
    rules = context.settings.rules_for(item.source)
    keywords = rules.apply(extract_keywords(title_words, body_words, context.settings.keywords))
    linked = linked_mentions(item.content_html) if "stockcode=" in item.content_html else []
    learned = tuple(mention for mention in linked if context.names.add(mention))
    stocks = merge_mentions(linked, _plain_mentions(context.names, title_words, body_words))
    bands = band_keys(signature)
    story, merged = grouper.assign(item.id, item.title, item.published, signature, bands)
    return Enrichment(
        keywords=keywords,
        tags=rules.apply(item.feed_tags + keywords),
        feed_tags=item.feed_tags,
        stocks=stocks,
        learned=learned,
        index_title=index_text(item.title, title_words),
        index_body=index_text(item.content_text, body_words),
        minhash=signature,
        bands=bands,
        story=story,
        merged=merged,
    )


def _plain_mentions(names: StockNames, *word_lists: Sequence[str]) -> list[StockMention]:
    if not len(names):
        return []
    return [mention for words in word_lists for mention in names.find(words)]
