"""What the site knows of every article: a `Slot` each (small, kept between builds), and the
`Card` (title, summary, thumbnail: what a list shows) of the articles whose pages are rendered.

A slot is enough to place an article on every list and to tell whether a page changed; cards
are made as articles stream by in a full build, or read from the store by id when a page is
rendered in an incremental one, so the archive is never held in memory at once.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, Protocol
from zoneinfo import ZoneInfo

from newsmill.models import Enclosure, StockMention
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


class Head(Protocol):
    """What a card is made of: an `ArticleHead`, or a whole `Article`."""

    @property
    def id(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def author(self) -> str: ...
    @property
    def published(self) -> datetime: ...
    @property
    def updated(self) -> datetime | None: ...
    @property
    def summary(self) -> str: ...
    @property
    def thumbnail(self) -> str | None: ...
    @property
    def categories(self) -> tuple[str, ...]: ...
    @property
    def tags(self) -> tuple[str, ...]: ...
    @property
    def enclosures(self) -> tuple[Enclosure, ...]: ...
    @property
    def content_hash(self) -> str: ...
    @property
    def keywords(self) -> tuple[str, ...]: ...
    @property
    def stocks(self) -> tuple[StockMention, ...]: ...
    @property
    def story(self) -> str | None: ...


def make_card(article: Head, timezone: ZoneInfo, share: Callable[[Any], Any] = lambda value: value) -> Card:
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


class Slot(NamedTuple):
    """What the catalog keeps of every article between builds."""

    id: str
    when: float  # published, seconds since the epoch: with the id, the order of every list
    lastmod: float  # updated or published, for the sitemap
    path: str
    key: str  # the card's key: what a list shows of the article
    full: str  # the article page's own key
    day: str
    source: str
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    stocks: tuple[tuple[str, str], ...]  # (code, name)
    story: str | None

    @property
    def order(self) -> tuple[float, str]:
        """Newest first, then by id: the store's order."""
        return (-self.when, self.id)


def slot_of(card: Card) -> Slot:
    return Slot(
        id=card.id, when=card.published.timestamp(), lastmod=(card.updated or card.published).timestamp(),
        path=card.path, key=card.key, full=card.full, day=card.day, source=card.source,
        categories=card.categories, tags=card.tags,
        stocks=tuple((stock.code, stock.name) for stock in card.stocks), story=card.story,
    )  # fmt: skip


class CardShelf:
    """The cards of the articles being shown: put there as articles stream by, or read from
    the store by id (`load`) when a page needs them."""

    def __init__(self, load: Callable[[list[str]], Iterable[Head]], timezone: ZoneInfo) -> None:
        self.load = load
        self.timezone = timezone
        self.cards: dict[str, Card] = {}
        self.shared: dict[Any, Any] = {}

    def share(self, value: Any) -> Any:
        return self.shared.setdefault(value, value)

    def make(self, article: Head) -> Card:
        card = self.cards[article.id] = make_card(article, self.timezone, self.share)
        return card

    def get(self, ids: Sequence[str]) -> list[Card]:
        missing = [i for i in ids if i not in self.cards]
        if missing:
            for head in self.load(missing):
                self.make(head)
        return [self.cards[i] for i in ids]


@dataclass
class Catalog:
    """Every slot, newest first, and the lists each page kind shows (indexes into `slots`)."""

    shelf: CardShelf
    slots: list[Slot] = field(default_factory=list)
    categories: dict[tuple[str, ...], list[int]] = field(default_factory=lambda: defaultdict(list))
    sources: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    tags: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    stocks: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    stock_names: dict[str, str] = field(default_factory=dict)
    days: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    stories: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def of(cls, slots: Iterable[Slot], shelf: CardShelf) -> Catalog:
        """`slots` newest first.

        The lists are filled group by group, not slot by slot: the slots of one (category path,
        source, day) or one set of tags share their lists, so each group's indexes are added to
        them at once and each list sorted once (100,000 slots make ~1,000 groups: a build on a
        big archive spends 60% of the time here that appending slot by slot cost)."""
        catalog = cls(shelf, list(slots))
        places: dict[tuple[tuple[str, ...], str, str], list[int]] = defaultdict(list)
        tag_sets: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for index, slot in enumerate(catalog.slots):
            places[slot.categories, slot.source, slot.day].append(index)
            if slot.tags:
                tag_sets[slot.tags].append(index)
            if slot.stocks:
                catalog._add_stocks(index, slot.stocks)
            if slot.story:
                catalog.stories[slot.story].append(index)
        _fill((catalog._lists_of(*place), members) for place, members in places.items())
        _fill(
            ([catalog.tags[tag] for tag in dict.fromkeys(tags)], members)
            for tags, members in tag_sets.items()
        )
        return catalog

    def _add_stocks(self, index: int, stocks: tuple[tuple[str, str], ...]) -> None:
        for code, name in stocks:
            members = self.stocks[code]
            if not members or members[-1] != index:
                members.append(index)
            self.stock_names.setdefault(code, name)

    def _lists_of(self, categories: tuple[str, ...], source: str, day: str) -> list[list[int]]:
        levels = [self.categories[categories[:depth]] for depth in range(1, len(categories) + 1)]
        return [*levels, self.sources[source], self.days[day]]

    def cards_at(self, indexes: Sequence[int]) -> list[Card]:
        return self.shelf.get([self.slots[i].id for i in indexes])

    def related(self, index: int, limit: int = 5) -> list[int]:
        """Other articles of the same story, then the next older ones of the same category.

        Older neighbours only: new articles arriving do not change an existing page."""
        slot = self.slots[index]
        found: list[int] = []
        if slot.story:
            found = [i for i in self.stories[slot.story] if i != index][:limit]
        group = self.categories.get(slot.categories) if slot.categories else None
        if group is not None:
            start = bisect_left(group, index) + 1
            for other in group[start : start + limit * 2]:  # a slice of at most 10, not the rest
                if len(found) >= limit * 2:
                    break
                if other not in found:
                    found.append(other)
        return found


def _fill(groups: Iterable[tuple[list[list[int]], list[int]]]) -> None:
    """Add each group's indexes (ascending) to each of its lists; a list that got more than one
    group is sorted again (the groups' indexes interleave)."""
    grown: dict[int, list[int]] = {}
    for lists, members in groups:
        for target in lists:
            if target:
                grown[id(target)] = target
            target.extend(members)
    for target in grown.values():
        target.sort()
