"""Which pages a set of changed articles can reach, so an incremental build computes the keys
of those pages only and keeps the rest as the manifest says.

An article's page shows its card, its story's other articles and the (at most ten) next older
articles of its category. So a changed, new or deleted article reaches its own page, every
page of its story, and the ten newer pages of its category that list it among their older
neighbours. List pages are numbered from the oldest article (see `pages.list_page`): an
article arriving or leaving at some position of a list changes the page holding that
position and every newer one (their articles shift by one), and the list's first page.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from newsmill.publish.site import urls
from newsmill.publish.site.cards import Catalog, Slot

RELATED_WINDOW = 10  # Catalog.related looks at most this many older neighbours


@dataclass
class Reach:
    everything: bool
    articles: set[int] = field(default_factory=set)  # indexes of article pages to recompute
    lists: dict[str, int] = field(default_factory=dict)  # list base -> lowest changed rank
    gone: set[str] = field(default_factory=set)  # article page files that no longer exist

    @classmethod
    def of(cls, catalog: Catalog, changes: Mapping[str, tuple[Slot | None, Slot | None]] | None) -> Reach:
        """`changes`: article id -> (slot before, slot now); None when unknown (all is reached)."""
        if changes is None:
            return cls(everything=True)
        reach = cls(everything=False)
        for before, now in changes.values():
            if now is not None:
                reach._touch(catalog, now, _position(catalog, now), present=True)
            if before is not None:
                reach._touch(catalog, before, _position(catalog, before), present=False)
                if now is None or now.path != before.path:
                    reach.gone.add(urls.file_of(before.path))
        return reach

    def article(self, index: int) -> bool:
        return self.everything or index in self.articles

    def list_from(self, base: str) -> int | None:
        """The lowest rank (0 = the oldest article) of `base`'s list that may have changed;
        None if nothing in it did."""
        return 0 if self.everything else self.lists.get(base)

    def _touch(self, catalog: Catalog, slot: Slot, index: int, *, present: bool) -> None:
        """`slot` is at `index` (present) or was where `index` now is (gone from there)."""
        if present:
            self.articles.add(index)
        if slot.story:
            self.articles.update(catalog.stories.get(slot.story, ()))
        group = catalog.categories.get(slot.categories)
        if group is not None:
            at = bisect_left(group, index)
            self.articles.update(group[max(0, at - RELATED_WINDOW) : at])
        for base, members in _lists_of(catalog, slot):
            at = bisect_left(members, index)
            # present: its own rank; gone: the first rank that shifted (the older ones did not)
            rank = len(members) - at - (1 if present else 0)
            if rank < self.lists.get(base, rank + 1):
                self.lists[base] = max(rank, 0)


def _position(catalog: Catalog, slot: Slot) -> int:
    """Where `slot` is in the catalog, or would be (the slots are in `Slot.order`)."""
    return bisect_left(catalog.slots, slot.order, key=_order)


def _order(slot: Slot) -> tuple[float, str]:
    return slot.order


def _lists_of(catalog: Catalog, slot: Slot) -> Iterator[tuple[str, list[int] | range]]:
    """Every list the slot is on (that still exists), with its members' indexes, newest first."""
    yield "", range(len(catalog.slots))
    for depth in range(1, len(slot.categories) + 1):
        levels = slot.categories[:depth]
        if levels in catalog.categories:
            yield urls.category_path(levels), catalog.categories[levels]
    if slot.source in catalog.sources:
        yield urls.source_path(slot.source), catalog.sources[slot.source]
    for tag in dict.fromkeys(slot.tags):
        if tag in catalog.tags:
            yield urls.tag_path(tag), catalog.tags[tag]
    for code, _ in dict.fromkeys(slot.stocks):
        if code in catalog.stocks:
            yield urls.stock_path(code), catalog.stocks[code]
    if slot.day in catalog.days:
        yield urls.day_path(slot.day), catalog.days[slot.day]
