"""Rendering: the Jinja2 environment, page keys, and the list pages every taxonomy shares.

List pages are numbered from the oldest article, so page 3 of a category holds the same
articles forever and new articles only change the newest pages: an incremental build does
not rewrite a whole archive because its pages shifted by one article.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from newsmill.publish.site import urls
from newsmill.publish.site.cards import Card, Catalog
from newsmill.publish.site.feeds import FEEDS
from newsmill.publish.site.reach import Reach
from newsmill.publish.site.theme import Theme
from newsmill.publish.site.writer import Writer


@dataclass(frozen=True, slots=True)
class SiteInfo:
    title: str
    base_url: str
    language: str
    root: str  # "/" or "/news/": the prefix of every link
    nav: tuple[tuple[str, str], ...]  # (top-level category, path)
    per_page: int


@dataclass(frozen=True, slots=True)
class Chrome:
    """What every page shares (`_head.html`, `_header.html`, `_footer.html`), rendered once."""

    head: Markup
    header: Markup
    footer: Markup


class Renderer:
    def __init__(self, theme: Theme, site: SiteInfo) -> None:
        self.theme = theme
        self.site = site
        self.base_key = _digest(f"{theme.fingerprint}|{site!r}")
        env = theme.env
        env.filters["href"] = lambda path: urls.href(site.root, path)
        env.filters["source_path"] = urls.source_path
        env.filters["tag_path"] = urls.tag_path
        env.filters["stock_path"] = urls.stock_path
        env.filters["category_links"] = category_links
        env.globals["site"] = site
        env.globals["card_html"] = self.card_html
        env.globals["related_html"] = self.related_html
        env.globals["trail_html"] = self.trail_html
        self.pages = 0
        # Bounded: at 100,000 articles, every card's HTML at once would be 150 MB.
        self._cards: OrderedDict[str, Markup] = OrderedDict()
        self._related: OrderedDict[str, Markup] = OrderedDict()
        self._trails: dict[tuple[str, ...], Markup] = {}
        self._templates: dict[str, Any] = {}
        macros = theme.template("_macros.html").module
        self._card_macro: Any = macros.card  # type: ignore[attr-defined]
        self._related_macro: Any = macros.related_item  # type: ignore[attr-defined]
        self._trail_macro: Any = macros.trail  # type: ignore[attr-defined]
        env.globals["chrome"] = Chrome(
            head=Markup(theme.template("_head.html").render()),
            header=Markup(theme.template("_header.html").render()),
            footer=Markup(theme.template("_footer.html").render()),
        )

    def forget(self) -> None:
        """Drop the cached card HTML (the build is done rendering)."""
        self._cards.clear()
        self._related.clear()

    def card_html(self, card: Card) -> Markup:
        """A card is the same on every list it appears on: rendered once per build."""
        return _cached(self._cards, card.id, lambda: self._card_macro(card), CARD_CACHE)

    def related_html(self, card: Card) -> Markup:
        return _cached(self._related, card.id, lambda: self._related_macro(card), RELATED_CACHE)

    def cards_html(self, cards: Sequence[Card]) -> Markup:
        return Markup("\n".join(self.card_html(card) for card in cards))

    def related_list(self, cards: Sequence[Card]) -> Markup:
        return Markup("".join(self.related_html(card) for card in cards))

    def trail_html(self, categories: Sequence[str]) -> Markup:
        levels = tuple(categories)
        html = self._trails.get(levels)
        if html is None:
            html = self._trails[levels] = Markup(self._trail_macro(levels).strip())
        return html

    def key(self, *parts: object) -> str:
        return _digest(self.base_key + "|" + repr(parts))

    def render(self, template: str, **context: Any) -> str:
        self.pages += 1
        context.setdefault("canonical", None)
        compiled = self._templates.get(template)
        if compiled is None:
            compiled = self._templates[template] = self.theme.template(template)
        return str(compiled.render(**context))

    def page(
        self,
        writer: Writer,
        path: str,
        template: str,
        key_parts: tuple[object, ...],
        lazy: Callable[[], dict[str, Any]] | None = None,
        **context: Any,
    ) -> None:
        """Declare a page; `lazy` gives the costly part of the context, only if it is rendered."""

        def render() -> str:
            return self.render(template, **context, **(lazy() if lazy else {}))

        writer.write(urls.file_of(path), self.key(template, path, *key_parts), render)


CARD_CACHE = 20_000
RELATED_CACHE = 5_000


def _cached(cache: OrderedDict[str, Markup], key: str, make: Callable[[], str], limit: int) -> Markup:
    html = cache.get(key)
    if html is None:
        html = cache[key] = Markup(make())
        if len(cache) > limit:
            cache.popitem(last=False)
    else:
        cache.move_to_end(key)
    return html


def category_links(categories: Sequence[str]) -> list[tuple[str, str]]:
    return [(name, urls.category_path(tuple(categories[: i + 1]))) for i, name in enumerate(categories)]


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


@dataclass(frozen=True, slots=True)
class Listing:
    """One paginated list: a home page, a category, a source, a tag, a stock or a day."""

    base: str  # "" or "categories/金融/"
    heading: str
    indexes: Sequence[int]  # into the catalog's slots, newest first
    trail: tuple[str, ...] = ()  # category breadcrumbs
    children: tuple[tuple[str, str], ...] = ()
    feeds: bool = False

    def digest(self) -> str:
        """What every page of the list shows besides its cards."""
        return _digest(repr((self.heading, self.trail, self.children, self.feeds)))


@dataclass(frozen=True, slots=True)
class ListPage:
    listing: Listing
    number: int  # 0: the listing's first page (newest articles); 1 holds the oldest
    indexes: Sequence[int]
    newer: str | None
    older: str | None


def page_count(total: int, per_page: int) -> int:
    """How many numbered pages (`page/N/`) a list of `total` has besides its first page."""
    return (total + per_page - 1) // per_page if total > per_page else 0


def list_page(listing: Listing, number: int, per_page: int) -> ListPage:
    """Page `number` of a list: 0 the newest articles, then `page/N/` numbered from the oldest."""
    total = len(listing.indexes)
    pages = page_count(total, per_page)
    if number == 0:
        older = urls.page_path(listing.base, (total - 1 - per_page) // per_page + 1) if pages else None
        return ListPage(listing, 0, listing.indexes[:per_page], None, older)
    start, end = max(0, total - number * per_page), total - (number - 1) * per_page
    newer = urls.page_path(listing.base, number + 1) if number < pages else listing.base
    older = urls.page_path(listing.base, number - 1) if number > 1 else None
    return ListPage(listing, number, listing.indexes[start:end], newer, older)


def write_list_pages(
    writer: Writer,
    renderer: Renderer,
    catalog: Catalog,
    listings: Iterable[Listing],
    reach: Reach,
    previous: Mapping[str, str],
) -> dict[str, str]:
    """The pages of every list that the changes reach (see `reach`), the others kept; returns
    each list's digest for the next build. Rendered in the order of their newest article: a
    card appears on about eight lists, and in this order its HTML is still in the cache."""
    per_page = renderer.site.per_page
    digests: dict[str, str] = {}
    pages: list[ListPage] = []
    for listing in listings:
        digest = digests[listing.base] = listing.digest()
        first = 0 if previous.get(listing.base) != digest else reach.list_from(listing.base)
        count = page_count(len(listing.indexes), per_page)
        if first is None:  # nothing on this list changed: keep every page
            kept, checked = list(range(count + 1)), []
        else:  # the first page, and the pages from the one before the first change up
            start = max(1, first // per_page)
            kept, checked = list(range(1, min(start, count + 1))), [0, *range(start, count + 1)]
        paths = {_page_file(listing.base, n): n for n in kept}
        checked += [paths[path] for path in writer.keep_previous(list(paths))]  # any the manifest lacks
        pages += [list_page(listing, number, per_page) for number in checked]
    pages.sort(key=lambda page: page.indexes[0] if page.indexes else -1)
    if len(catalog.shelf.cards) < len(catalog.slots):  # an incremental build: one read for all
        catalog.cards_at(sorted({i for page in pages for i in page.indexes}))
    for page in pages:
        write_list_page(writer, renderer, catalog, page)
    return digests


def _page_file(base: str, number: int) -> str:
    """`urls.file_of(urls.page_path(base, number))`, inlined: called for every kept list page."""
    return f"{base}page/{number}/index.html" if number else f"{base}index.html"


def write_list_page(writer: Writer, renderer: Renderer, catalog: Catalog, page: ListPage) -> None:
    listing = page.listing
    slots = [catalog.slots[i] for i in page.indexes]
    feeds = (
        [(kind, kind_type, listing.base + name) for kind, kind_type, name in FEEDS] if listing.feeds else []
    )
    path = urls.page_path(listing.base, page.number)
    parts = (listing.heading, listing.trail, listing.children, listing.feeds, page.newer, page.older,
             page.number, [slot.key for slot in slots])  # fmt: skip

    def lazy() -> dict[str, Any]:
        breadcrumbs = renderer.trail_html(listing.trail) if listing.trail else Markup("")
        items = catalog.cards_at(page.indexes)
        return {"cards": renderer.cards_html(items), "breadcrumbs": breadcrumbs, "items": items}

    renderer.page(
        writer, path, "list.html", parts, lazy, heading=listing.heading, number=page.number,
        newer=page.newer, older=page.older, trail=listing.trail, children=listing.children, feeds=feeds,
        canonical=urls.absolute(renderer.site.base_url, path),
    )  # fmt: skip


_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_LAZY = (("loading", 'loading="lazy"'), ("decoding", 'decoding="async"'),
         ("referrerpolicy", 'referrerpolicy="no-referrer"'))  # fmt: skip


def lazy_images(html: str) -> str:
    """Every image loads lazily and sends no Referer (many Chinese image hosts refuse hot-links)."""

    def fix(match: re.Match[str]) -> str:
        tag = match.group(0)
        lowered = tag.lower()
        extra = " ".join(attr for name, attr in _LAZY if f" {name}=" not in lowered)
        return f"<img {extra}{tag[4:]}" if extra else tag

    return _IMG.sub(fix, html) if "<img" in html.lower() else html


def article_content(html: str) -> Markup:
    """The body, sanitized by the clean stage already: the one thing marked safe."""
    return Markup(lazy_images(html))
