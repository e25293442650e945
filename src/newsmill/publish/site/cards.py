"""The first pass: one light `Card` per article (no body), and the groups the pages list.

A card is what list pages, feeds' indexes, related links and the search results show. Every
article body is read once here and dropped, so the archive is never held in memory at once.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from newsmill.models import Article, StockMention
from newsmill.publish.site import urls

SUMMARY_CHARS = 140


@dataclass(frozen=True, slots=True)
class Card:
    id: str
    path: str  # site-relative, e.g. "2021/10/12/1a2b3c4d5e/"
    title: str
    source: str
    author: str
    url: str  # the original article
    categories: tuple[str, ...]
    published: datetime
    updated: datetime | None
    time: str  # "2021-10-12 21:33" in the site's timezone
    day: str  # "2021/10/12" in the site's timezone
    thumbnail: str | None
    summary: str
    tags: tuple[str, ...]
    stocks: tuple[StockMention, ...]
    story: str | None
    key: str  # hash of what a card shows
    full: str  # hash of everything an article page shows (the card, the body, keywords)


def make_card(
    article: Article, timezone: ZoneInfo, share: Callable[[Any], Any] = lambda value: value
) -> Card:
    """The card of one article. `share` returns one copy of equal values (sources, category
    paths, tags, days repeat across thousands of cards)."""
    local = article.published.astimezone(timezone)
    summary = article.summary.strip()
    if len(summary) > SUMMARY_CHARS:
        summary = summary[: SUMMARY_CHARS - 1].rstrip() + "…"
    shown = (
        article.id, article.title, article.source, article.author, article.url, article.categories,
        article.published.isoformat(), article.updated.isoformat() if article.updated else "",
        article.thumbnail or "", summary, article.tags, article.stocks, article.story,
    )  # fmt: skip
    key = _digest(repr(shown))
    full = _digest(f"{key}|{article.content_hash}|{article.keywords!r}|{article.enclosures!r}")
    return Card(
        id=article.id,
        path=urls.article_path(article.id, article.published, timezone),
        title=article.title,
        source=share(article.source),
        author=share(article.author),
        url=article.url,
        categories=share(article.categories),
        published=article.published,
        updated=article.updated,
        time=f"{local:%Y-%m-%d %H:%M}",
        day=share(f"{local:%Y/%m/%d}"),
        thumbnail=article.thumbnail,
        summary=summary,
        tags=share(article.tags),
        stocks=article.stocks,
        story=article.story,
        key=key,
        full=full,
    )


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


@dataclass
class Catalog:
    """Every card, newest first, and the lists each page kind shows (indexes into `cards`)."""

    cards: list[Card] = field(default_factory=list)
    categories: dict[tuple[str, ...], list[int]] = field(default_factory=lambda: defaultdict(list))
    sources: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    tags: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    stocks: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    stock_names: dict[str, str] = field(default_factory=dict)
    days: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    stories: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    shared: dict[Any, Any] = field(default_factory=dict)

    def share(self, value: Any) -> Any:
        return self.shared.setdefault(value, value)

    def add(self, card: Card) -> None:
        index = len(self.cards)
        self.cards.append(card)
        for depth in range(1, len(card.categories) + 1):
            self.categories[card.categories[:depth]].append(index)
        self.sources[card.source].append(index)
        for tag in dict.fromkeys(card.tags):
            self.tags[tag].append(index)
        for stock in dict.fromkeys(card.stocks):
            self.stocks[stock.code].append(index)
            self.stock_names.setdefault(stock.code, stock.name)
        self.days[card.day].append(index)
        if card.story:
            self.stories[card.story].append(index)

    def related(self, index: int, limit: int = 5) -> list[Card]:
        """Other articles of the same story, then the next older ones of the same category.

        Older neighbours only: new articles arriving do not change an existing page."""
        card = self.cards[index]
        found: list[int] = []
        if card.story:
            found = [i for i in self.stories[card.story] if i != index][:limit]
        group = self.categories.get(card.categories) if card.categories else None
        if group is not None:
            start = _position(group, index) + 1
            for other in group[start : start + limit * 2]:  # a slice of at most 10, not the rest
                if len(found) >= limit * 2:
                    break
                if other not in found:
                    found.append(other)
        return [self.cards[i] for i in found]


def _position(group: list[int], index: int) -> int:
    """Where `index` sits in an ascending list of indexes."""
    from bisect import bisect_left

    return bisect_left(group, index)


def collect(articles: Iterable[Article], timezone: ZoneInfo) -> Catalog:
    catalog = Catalog()
    for article in articles:
        catalog.add(make_card(article, timezone, catalog.share))
    return catalog
