"""Plain frozen dataclasses that the pipeline stages pass to each other.

`EntryData` is what a feed said (raw, unsanitized); `ArticleDraft` is what the clean stage
made of it (safe HTML, plain text, canonical URL, stable id); `Article` is what the store
keeps (the draft plus the store's own bookkeeping: first/last seen, resolved date).
Stages never import each other, only this module and `errors`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Literal

SourceKind = Literal["feed", "page"]


@dataclass(frozen=True, slots=True)
class Source:
    """One configured source: a feed (or, later, a page with selector rules)."""

    name: str
    url: str  # http(s):// URL or file:// URL, resolved from `url`, `route` or a path
    categories: tuple[str, ...]
    author: str  # shown on posts; defaults to the name
    kind: SourceKind = "feed"
    encoding: str | None = None  # overrides every other charset clue
    interval: int = 1800  # seconds between fetches
    enabled: bool = True
    timezone: str = "Asia/Shanghai"  # for dates the feed gives without a zone
    allow_private: bool = False  # may this source reach loopback/private addresses?
    tag_aliases: tuple[tuple[str, str], ...] = ()  # (tag, shown instead), on top of [enrich]'s
    tag_block: tuple[str, ...] = ()  # tags never shown for this source, on top of [enrich]'s


class SourceStatus(StrEnum):
    NEW = "new"  # never fetched
    OK = "ok"  # last fetch stored the feed
    NOT_MODIFIED = "not-modified"  # last fetch was a 304 or an identical body
    ERROR = "error"  # last fetch failed; backed off
    GONE = "gone"  # 410: disabled until the config changes its URL


@dataclass(frozen=True, slots=True)
class SourceState:
    """What the store remembers of a source between runs."""

    name: str
    config_url: str = ""  # the URL the config gave when this state was written
    url: str = ""  # where to fetch now: config_url, or where a permanent redirect led
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None  # sha1 of the last body parsed: same bytes, no parsing
    status: SourceStatus = SourceStatus.NEW
    error_count: int = 0
    last_error: str | None = None
    last_fetched: datetime | None = None
    next_fetch: datetime | None = None


@dataclass(frozen=True, slots=True)
class FetchRequest:
    """What the fetch stage needs to fetch one source."""

    source: Source
    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class FetchResult:
    """The bytes of one successful fetch (or the news that nothing changed)."""

    source: str
    url: str  # the final URL, after redirects
    not_modified: bool  # a 304: no body, nothing to parse
    body: bytes = b""
    content_type: str | None = None  # the whole header, charset included
    etag: str | None = None
    last_modified: str | None = None
    permanent_url: str | None = None  # set when every redirect on the way was permanent
    status: int = 200


@dataclass(frozen=True, slots=True)
class Enclosure:
    url: str
    type: str | None = None
    length: int | None = None


@dataclass(frozen=True, slots=True)
class EntryData:
    """One item as the feed gave it. HTML fields are raw and unsafe until cleaned."""

    guid: str | None = None
    link: str | None = None
    title: str | None = None  # may hold markup or entities; the clean stage makes it text
    author: str | None = None
    published: datetime | None = None  # timezone-aware UTC
    updated: datetime | None = None  # timezone-aware UTC
    summary_html: str | None = None  # description / summary, as HTML
    content_html: str | None = None  # content:encoded / atom content / content_html, as HTML
    categories: tuple[str, ...] = ()
    enclosures: tuple[Enclosure, ...] = ()
    image: str | None = None  # media:thumbnail, media:content image, itunes:image, JSON image


@dataclass(frozen=True, slots=True)
class FeedData:
    """A parsed feed document."""

    format: str  # "rss2.0", "rss1.0", "rss0.91", "atom1.0", "atom0.3", "json1.1", ...
    title: str | None = None
    link: str | None = None  # the site's home page
    entries: tuple[EntryData, ...] = ()


@dataclass(frozen=True, slots=True)
class ArticleDraft:
    """A cleaned entry: safe to store and to publish. Dates may still be missing."""

    id: str
    source: str
    url: str
    guid: str | None
    title: str
    author: str
    published: datetime | None  # None: the store uses the time it first saw the article
    updated: datetime | None
    summary: str  # plain text, short
    content_html: str  # sanitized
    content_text: str  # plain text for search
    thumbnail: str | None
    categories: tuple[str, ...]  # the source's category path
    tags: tuple[str, ...]  # the feed's own categories (keywords join them later)
    enclosures: tuple[Enclosure, ...]
    content_hash: str


@dataclass(frozen=True, slots=True)
class StockMention:
    """A listed company an article is about."""

    code: str  # normalised: "000516.SZ", "600848.SH", "430047.BJ"
    name: str  # "国际医学"


@dataclass(frozen=True, slots=True)
class Article:
    """A stored article."""

    id: str
    source: str
    url: str
    guid: str | None
    title: str
    author: str
    published: datetime
    updated: datetime | None
    summary: str
    content_html: str
    content_text: str
    thumbnail: str | None
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    enclosures: tuple[Enclosure, ...]
    content_hash: str
    first_seen: datetime
    last_seen: datetime
    keywords: tuple[str, ...] = ()
    stocks: tuple[StockMention, ...] = ()
    story: str | None = None  # id of the story's lead article; None until enrich groups it
    feed_tags: tuple[str, ...] = ()  # the feed's own categories; `tags` adds keywords to them


@dataclass(frozen=True, slots=True)
class ArticleHead:
    """An article without its body and bookkeeping: what list pages, related links and feed
    indexes show. Reading heads instead of articles keeps a site build off the big columns."""

    id: str
    source: str
    url: str
    title: str
    author: str
    published: datetime
    updated: datetime | None
    summary: str
    thumbnail: str | None
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    enclosures: tuple[Enclosure, ...]
    content_hash: str
    keywords: tuple[str, ...] = ()
    stocks: tuple[StockMention, ...] = ()
    story: str | None = None


@dataclass(frozen=True, slots=True)
class SaveCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True, slots=True)
class SourceOutcome:
    """What one source's turn in a run came to, for reports and exit statuses."""

    source: str
    status: SourceStatus
    counts: SaveCounts = field(default_factory=SaveCounts)
    entries: int = 0
    error: str | None = None
    next_fetch: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoryCandidate:
    """A stored article that story grouping may join a new article to."""

    article_id: str
    story: str  # the id of its story's lead article
    lead_published: datetime  # when that lead was published: the earliest article leads
    published: datetime
    title: str
    minhash: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Enrichment:
    """What the enrich stage adds to one cleaned article; the store keeps it with the article
    (and its search index rows, stock rows and story band keys) in the same transaction."""

    keywords: tuple[str, ...]
    tags: tuple[str, ...]  # the feed's own categories and the keywords, aliased, blocked
    feed_tags: tuple[str, ...]  # the feed's own categories as the clean stage gave them
    stocks: tuple[StockMention, ...]
    learned: tuple[StockMention, ...]  # names the article's stock links taught us
    index_title: str  # segmented text for the full-text index (space-joined tokens)
    index_body: str
    minhash: tuple[int, ...]
    bands: tuple[int, ...]  # LSH band keys (signed 64-bit)
    story: str  # the lead article's id (the article's own id when it starts a story)
    merged: tuple[str, ...] = ()  # stories this article joined into `story`: relabel them


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A compiled search: the FTS5 expression, and the terms to highlight in snippets."""

    text: str  # what the user typed
    match: str  # the FTS5 MATCH expression ("" when the query has no searchable term)
    terms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SearchHit:
    article: Article
    score: float  # bm25: lower is better
    snippet: str  # a stretch of the text around the first match
    highlights: tuple[tuple[int, int], ...] = ()  # (start, end) of each match in `snippet`


@dataclass(frozen=True, slots=True)
class StorySummary:
    """A story (near-duplicate articles across sources) for `newsmill stories`."""

    lead: Article
    size: int
    sources: tuple[str, ...]
    latest: datetime
