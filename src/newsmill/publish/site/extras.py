"""Everything but the article pages: list pages, indexes, feeds, sitemap, robots, 404, static."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from html import escape

from newsmill.models import Article
from newsmill.publish.site import search, urls
from newsmill.publish.site.cards import Catalog, Slot
from newsmill.publish.site.feeds import FEED_ITEMS, WRITERS, FeedInfo, FeedItem
from newsmill.publish.site.pages import Listing, Renderer, write_list_pages
from newsmill.publish.site.reach import Reach
from newsmill.publish.site.state import SiteState
from newsmill.publish.site.writer import Writer

SITEMAP_CHUNK = 10_000
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XML = '<?xml version="1.0" encoding="UTF-8"?>\n'


Bodies = Callable[[Collection[str]], Mapping[str, Article]]


def write_extras(
    writer: Writer,
    renderer: Renderer,
    catalog: Catalog,
    bodies: Bodies,
    reach: Reach,
    state: SiteState | None,
    seg_keys: list[str],
) -> dict[str, str]:
    """Everything but the article pages; returns each list's digest for the next build."""
    lists = listings(catalog)
    digests = write_list_pages(writer, renderer, catalog, lists, reach, state.listings if state else {})
    write_indexes(writer, renderer, catalog)
    write_feeds(writer, renderer, catalog, bodies)
    write_sitemaps(writer, renderer, catalog, lists, reach)
    write_fixed(writer, renderer, catalog, seg_keys)
    return digests


def listings(catalog: Catalog) -> list[Listing]:
    found = [Listing("", "", range(len(catalog.slots)), feeds=True)]
    children: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    for levels in sorted(catalog.categories):
        if len(levels) > 1:
            children.setdefault(levels[:-1], []).append((levels[-1], urls.category_path(levels)))
    for levels, indexes in sorted(catalog.categories.items()):
        found.append(Listing(urls.category_path(levels), levels[-1], indexes, trail=levels,
                             children=tuple(children.get(levels, ())), feeds=True))  # fmt: skip
    found += [Listing(urls.source_path(name), name, ix) for name, ix in sorted(catalog.sources.items())]
    found += [Listing(urls.tag_path(name), f"标签：{name}", ix) for name, ix in sorted(catalog.tags.items())]
    for code, indexes in sorted(catalog.stocks.items()):
        heading = f"{catalog.stock_names.get(code, code)}（{code}）"
        found.append(Listing(urls.stock_path(code), heading, indexes))
    found += [
        Listing(urls.day_path(day), day.replace("/", "-"), ix) for day, ix in sorted(catalog.days.items())
    ]
    return found


def write_indexes(writer: Writer, renderer: Renderer, catalog: Catalog) -> None:
    """`categories/`, `sources/`, `tags/`, `stocks/`, `archives/`: every term and its count."""
    categories = [("　" * (len(levels) - 1) + levels[-1], urls.category_path(levels), len(ix))
                  for levels, ix in sorted(catalog.categories.items())]  # fmt: skip
    indexes = {
        "categories/": ("分类", categories),
        "sources/": (
            "来源",
            [(n, urls.source_path(n), len(ix)) for n, ix in sorted(catalog.sources.items())],
        ),
        "tags/": ("标签", [(n, urls.tag_path(n), len(ix)) for n, ix in sorted(catalog.tags.items())]),
        "stocks/": (
            "股票",
            [
                (f"{catalog.stock_names.get(c, c)} {c}", urls.stock_path(c), len(ix))
                for c, ix in sorted(catalog.stocks.items())
            ],
        ),
        "archives/": (
            "归档",
            [
                (d.replace("/", "-"), urls.day_path(d), len(ix))
                for d, ix in sorted(catalog.days.items(), reverse=True)
            ],
        ),
    }
    for path, (heading, terms) in indexes.items():
        renderer.page(writer, path, "terms.html", (heading, terms), heading=heading, terms=terms)


def write_feeds(writer: Writer, renderer: Renderer, catalog: Catalog, bodies: Bodies) -> None:
    site = renderer.site
    groups: list[tuple[str, str, Sequence[int]]] = [("", site.title, range(len(catalog.slots)))]
    for levels, members in sorted(catalog.categories.items()):
        groups.append((urls.category_path(levels), f"{' › '.join(levels)} · {site.title}", members))
    for folder, title, indexes in groups:
        newest = indexes[:FEED_ITEMS]
        info = FeedInfo(title=title, base_url=site.base_url, language=site.language, folder=folder)
        key = renderer.key("feed", info, [catalog.slots[i].full for i in newest])
        stale = [name for name in WRITERS if writer.declare(folder + name, key)]
        if not stale:  # the bodies are read only for feeds that must be written
            continue
        cards = catalog.cards_at(newest)
        found = bodies([card.id for card in cards])
        items = [FeedItem(card, found[card.id].content_html if card.id in found else "") for card in cards]
        for name in stale:
            writer.put(folder + name, WRITERS[name](info, items))


def write_sitemaps(
    writer: Writer, renderer: Renderer, catalog: Catalog, lists: Sequence[Listing], reach: Reach
) -> None:
    """A sitemap index; article sitemaps hold 10,000 articles each, oldest first, so old ones stay
    (those wholly older than the oldest change are kept without a look)."""
    base = renderer.site.base_url
    slots = catalog.slots[::-1]
    changed_from = reach.list_from("")  # the oldest rank any change moved, None: no change
    names: list[str] = []
    for start in range(0, len(slots), SITEMAP_CHUNK):
        chunk = slots[start : start + SITEMAP_CHUNK]
        name = f"sitemaps/articles-{start // SITEMAP_CHUNK + 1}.xml"
        names.append(name)
        unchanged = changed_from is None or changed_from >= start + len(chunk)
        if len(chunk) == SITEMAP_CHUNK and unchanged and not writer.keep_previous([name]):
            continue
        key = renderer.key("sitemap", name, [(s.path, s.key) for s in chunk])
        writer.write(name, key, partial(_article_urlset, base, chunk))
    pages = [""] + [listing.base for listing in lists[1:]]
    pages += ["categories/", "sources/", "tags/", "stocks/", "archives/"]
    newest = datetime.fromtimestamp(catalog.slots[0].when, UTC) if catalog.slots else None
    entries = [(urls.absolute(base, path), newest) for path in pages]
    names.append("sitemaps/pages.xml")
    writer.write(names[-1], renderer.key("sitemap", entries), partial(_urlset, entries))
    index = "".join(
        f"<sitemap><loc>{escape(urls.absolute(base, n), quote=False)}</loc></sitemap>\n" for n in names
    )
    text = f'{XML}<sitemapindex xmlns="{SITEMAP_NS}">\n{index}</sitemapindex>\n'
    writer.write("sitemap.xml", renderer.key("sitemap.xml", text), lambda: text)


def _article_urlset(base: str, slots: Sequence[Slot]) -> str:
    return _urlset([(urls.absolute(base, s.path), datetime.fromtimestamp(s.lastmod, UTC)) for s in slots])


def _urlset(entries: Sequence[tuple[str, datetime | None]]) -> str:
    lines = []
    for loc, moment in entries:
        lastmod = f"<lastmod>{moment.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}</lastmod>" if moment else ""
        lines.append(f"<url><loc>{escape(loc, quote=False)}</loc>{lastmod}</url>\n")
    return f'{XML}<urlset xmlns="{SITEMAP_NS}">\n{"".join(lines)}</urlset>\n'


def write_fixed(writer: Writer, renderer: Renderer, catalog: Catalog, seg_keys: list[str]) -> None:
    """The search page and index metadata, 404, robots.txt and the theme's static files."""
    renderer.page(writer, "search/", "search.html", ())
    renderer.page(writer, "404.html", "404.html", ())
    sitemap = urls.absolute(renderer.site.base_url, "sitemap.xml")
    robots = f"User-agent: *\nAllow: /\nDisallow: {renderer.site.root}search/\n\nSitemap: {sitemap}\n"
    writer.write("robots.txt", renderer.key("robots", robots), lambda: robots)
    total = len(catalog.slots)
    meta = search.meta_json(seg_keys, total)
    writer.write("search/meta.json", renderer.key("search", meta), lambda: meta)
    for path, file in renderer.theme.static_files().items():
        data = file.read_bytes()
        writer.write(path, hashlib.blake2b(data, digest_size=12).hexdigest(), partial(bytes, data))
