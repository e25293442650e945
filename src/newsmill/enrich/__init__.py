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

from newsmill.enrich.analysis import TextAnalysis, analyse_drafts, analyse_text
from newsmill.enrich.keywords import is_common_word
from newsmill.enrich.segment import Segmenter, compile_query, index_text, segmenter
from newsmill.enrich.stocks import (
    StockNames,
    linked_mentions,
    merge_mentions,
    normalise_code,
    read_stock_csv,
)
from newsmill.enrich.stories import CandidateLookup, StoryGrouper
from newsmill.models import Article, ArticleDraft, Enrichment, StockMention

__all__ = [
    "EnrichContext",
    "EnrichSettings",
    "StockNames",
    "TagRules",
    "TextAnalysis",
    "analyse_drafts",
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
    # both lower-cased, once (not twice for every article)
    _folded: tuple[dict[str, str], frozenset[str]] = field(init=False, repr=False, compare=False)
    # what the rules made of each tag seen: (folded, shown), or None for a blocked tag
    _seen: dict[str, tuple[str, str] | None] = field(init=False, repr=False, compare=False)

    SEEN_LIMIT = 100_000

    def __post_init__(self) -> None:
        aliases = {key.lower(): value for key, value in self.aliases.items()}
        object.__setattr__(self, "_folded", (aliases, frozenset(tag.lower() for tag in self.block)))
        object.__setattr__(self, "_seen", {})

    def merged(self, other: TagRules) -> TagRules:
        """These rules with `other`'s added (a source's rules on top of the global ones)."""
        return TagRules({**self.aliases, **other.aliases}, self.block | other.block)

    def apply(self, tags: Iterable[str]) -> tuple[str, ...]:
        kept: dict[str, str] = {}
        seen = self._seen
        for tag in tags:
            if tag in seen:
                rule = seen[tag]
            else:
                if len(seen) > self.SEEN_LIMIT:
                    seen.clear()
                rule = seen[tag] = self._rule(tag)
            if rule is not None:
                kept.setdefault(*rule)
        return tuple(kept.values())

    def _rule(self, tag: str) -> tuple[str, str] | None:
        aliases, block = self._folded
        tag = aliases.get(tag.lower(), tag).strip()
        folded = tag.lower()
        return (folded, tag) if tag and folded not in block else None


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


def enrich_drafts(
    drafts: Sequence[ArticleDraft],
    context: EnrichContext,
    now: datetime,
    analyses: Sequence[TextAnalysis] | None = None,
) -> list[Enrichment]:
    """Enrich one source's cleaned articles, in order (an undated one counts as published now).
    `analyses`, one per draft, were made already (in a worker process): they are not made again."""
    items = [
        _Item(d.id, d.source, d.title, d.content_html, d.content_text, d.tags, d.published or now)
        for d in drafts
    ]
    return _enrich_all(items, context, analyses)


def enrich_articles(articles: Sequence[Article], context: EnrichContext) -> list[Enrichment]:
    """Enrich stored articles again (`newsmill enrich --all`), from their feed's own tags."""
    items = [
        _Item(a.id, a.source, a.title, a.content_html, a.content_text, a.feed_tags, a.published)
        for a in articles
    ]
    return _enrich_all(items, context)


def index_fields(title: str, text: str) -> tuple[str, str]:
    """The search index text of a title and a body (what `newsmill reindex` writes)."""
    return index_text(title), index_text(text)


def _enrich_all(
    items: Sequence[_Item], context: EnrichContext, analyses: Sequence[TextAnalysis] | None = None
) -> list[Enrichment]:
    if analyses is None:
        limit, words_of = context.settings.keywords, context.segmenter
        analyses = [analyse_text(i.title, i.content_text, i.content_html, limit, words_of) for i in items]
    elif len(analyses) != len(items):
        raise ValueError(f"{len(analyses)} analyses for {len(items)} articles")
    grouper = StoryGrouper(context.lookup, context.settings.story_window)
    # one candidate query for the whole batch, not one per article
    grouper.prefetch([(a.bands, item.published) for a, item in zip(analyses, items, strict=True)])
    rules = {source: context.settings.rules_for(source) for source in {item.source for item in items}}
    return [
        _enrich(item, rules[item.source], context, grouper, a)
        for item, a in zip(items, analyses, strict=True)
    ]


def _enrich(
    item: _Item, rules: TagRules, context: EnrichContext, grouper: StoryGrouper, analysis: TextAnalysis
) -> Enrichment:
    """What the store adds to an article's analysis: tag rules, the names learned so far (its
    own links first), its story among the stored articles and the batch's earlier ones."""
    keywords = rules.apply(analysis.keywords)
    learned = tuple(mention for mention in analysis.linked if context.names.add(mention))
    plain = _plain_mentions(context.names, analysis) if len(context.names) else []
    story, merged = grouper.assign(item.id, item.title, item.published, analysis.minhash, analysis.bands)
    return Enrichment(
        keywords=keywords,
        tags=rules.apply(item.feed_tags + keywords),
        feed_tags=item.feed_tags,
        stocks=merge_mentions(analysis.linked, plain),
        learned=learned,
        index_title=analysis.index_title,
        index_body=analysis.index_body,
        minhash=analysis.minhash,
        bands=analysis.bands,
        story=story,
        merged=merged,
    )


def _plain_mentions(names: StockNames, analysis: TextAnalysis) -> list[StockMention]:
    return [mention for words in analysis.words() for mention in names.find(words)]
