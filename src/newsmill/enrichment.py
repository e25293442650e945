"""The enrich stage wired to the config and the store: its context for a run, re-enriching
the stored archive (`newsmill enrich --all`) and rebuilding the search index (`reindex`).

Like `prepare`, this composes a stage with what it needs, so that `pipeline` and `core` stay
small and the stage itself imports neither config nor store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from itertools import islice
from typing import TypeVar

from newsmill.config import Config
from newsmill.enrich import (
    EnrichContext,
    EnrichSettings,
    TagRules,
    TextAnalysis,
    analyse_drafts,
    enrich_articles,
    enrich_drafts,
    index_fields,
    linked_mentions,
    new_stock_names,
    read_stock_csv,
)
from newsmill.errors import ConfigError
from newsmill.models import Article, ArticleDraft, SaveCounts, SourceState, StockMention
from newsmill.store import Store

BATCH = 500
Progress = Callable[[int], None]  # told how many articles are done so far
T = TypeVar("T")


def enrich_settings(config: Config) -> EnrichSettings:
    section = config.enrich
    source_rules = {
        source.name: TagRules(dict(source.tag_aliases), frozenset(source.tag_block))
        for source in config.sources
        if source.tag_aliases or source.tag_block
    }
    return EnrichSettings(
        keywords=section.keywords,
        story_window=timedelta(days=section.story_window),
        rules=TagRules(dict(section.tag_aliases), frozenset(section.tag_block)),
        source_rules=source_rules,
    )


def user_stocks(config: Config) -> list[StockMention]:
    """The rows of `[enrich] stocks_csv`, if one is configured."""
    if config.enrich.stocks_csv is None:
        return []
    path = config.root / config.enrich.stocks_csv
    try:
        return list(read_stock_csv(path))
    except OSError as exc:
        raise ConfigError(
            f"[enrich] stocks_csv: cannot read {path}: {exc.strerror}", path=str(config.path)
        ) from exc
    except ValueError as exc:
        raise ConfigError(f"[enrich] stocks_csv: {exc}", path=str(config.path)) from exc


def enrich_context(config: Config, store: Store) -> EnrichContext:
    """What the enrich stage needs for a run: settings, the stock names the store has learned
    (the user's CSV first: its names win), and the store's story lookup."""
    names = new_stock_names()
    for mention in user_stocks(config):
        names.add(mention)
    for name, code in store.stock_names().items():
        names.add(StockMention(code=code, name=name))
    return EnrichContext(enrich_settings(config), names, store.story_candidates)


def fresh_drafts(store: Store, drafts: Sequence[ArticleDraft]) -> list[ArticleDraft]:
    """The new and changed articles (those whose content hash the store does not have): the
    ones to enrich, for a feed repeats most of its items on every fetch."""
    known = store.content_hashes([draft.id for draft in drafts])
    return [draft for draft in drafts if known.get(draft.id) != draft.content_hash]


def save_enriched(
    store: Store,
    context: EnrichContext,
    state: SourceState,
    drafts: Sequence[ArticleDraft],
    now: datetime,
    analyses: Mapping[str, TextAnalysis] | None = None,
) -> SaveCounts:
    """Enrich a source's new and changed articles, then store them, what enrich made of them and
    the source's state in one transaction. Unchanged articles are not enriched again.

    `analyses` (by article id) are what worker processes made of the articles' text already
    (`analyse_drafts`); an article without one is analysed here.
    """
    fresh = fresh_drafts(store, drafts)
    analyses = analyses or {}
    made = {draft.id: draft for draft in fresh if draft.id not in analyses}
    made_here = dict(zip(made, analyse_drafts(list(made.values()), context.settings.keywords), strict=True))
    in_order = [analyses.get(draft.id) or made_here[draft.id] for draft in fresh]
    enrichments = enrich_drafts(fresh, context, now, in_order)
    by_id = {draft.id: enrichment for draft, enrichment in zip(fresh, enrichments, strict=True)}
    return store.save_articles(state, drafts, now, enrichments=by_id)


def enrich_missing(config: Config, store: Store, progress: Progress | None = None) -> int:
    """Enrich the stored articles the enrich stage has not seen (stored before it existed)."""
    context = enrich_context(config, store)
    return _enrich_stored(store.iter_articles(oldest_first=True, unenriched=True), context, store, progress)


def enrich_all(config: Config, store: Store, progress: Progress | None = None) -> int:
    """Enrich every stored article again, oldest first, and regroup the stories; returns how
    many. Running it twice gives the same result: names are learned from every link first,
    and stories are rebuilt from nothing in publication order."""
    learned: dict[str, StockMention] = {}
    for article in store.iter_articles():
        if "stockcode=" in article.content_html:
            for mention in linked_mentions(article.content_html):
                learned.setdefault(mention.name, mention)
    store.learn_stock_names(list(learned.values()))
    store.clear_stories()
    context = enrich_context(config, store)
    return _enrich_stored(store.iter_articles(oldest_first=True), context, store, progress)


def _enrich_stored(
    stored: Iterator[Article], context: EnrichContext, store: Store, progress: Progress | None
) -> int:
    done = 0
    # The archive streams from a read transaction (WAL: a snapshot) while batches commit.
    for batch in _batches(stored, BATCH):
        enrichments = enrich_articles(batch, context)
        store.save_enrichments([(a.id, e) for a, e in zip(batch, enrichments, strict=True)])
        done += len(batch)
        if progress is not None:
            progress(done)
    return done


def reindex(store: Store, progress: Progress | None = None) -> int:
    """Rebuild the full-text index from the stored articles; returns how many were indexed."""
    store.clear_search_index()
    done = 0
    for batch in _batches(store.iter_articles(oldest_first=True), BATCH):
        store.write_search_index([(a.id, *index_fields(a.title, a.content_text)) for a in batch])
        done += len(batch)
        if progress is not None:
            progress(done)
    return done


def _batches(items: Iterator[T], size: int) -> Iterator[Sequence[T]]:
    while batch := list(islice(items, size)):
        yield batch
