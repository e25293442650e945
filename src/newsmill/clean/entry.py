"""From a feed's raw entry to an `ArticleDraft`: safe HTML, text, canonical URL, stable id."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from newsmill.clean.html import sanitize_html
from newsmill.clean.text import sanitized_html_to_text, summarize, title_text
from newsmill.clean.urls import canonical_url, is_tracker_image
from newsmill.ids import article_id
from newsmill.models import ArticleDraft, Enclosure, EntryData, FeedData, Source

__all__ = ["clean_entry", "clean_feed"]

SUMMARY_LIMIT = 200
TITLE_FROM_TEXT_LIMIT = 30
_IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".bmp")
_SUMMARY_TAIL = ".…[]"  # how feeds mark a cut-off excerpt: "...", "…", "[…]"
_MEDIA = re.compile(r"<(?:img|iframe|video|audio) ")
_SURROGATES = re.compile("[\ud800-\udfff]")


class _Body(NamedTuple):  # a tuple, not a frozen dataclass: cheaper, and one per HTML field
    """One sanitized HTML field and its text."""

    html: str
    text: str
    lead_image: str | None

    @property
    def empty(self) -> bool:
        """Nothing to show: no text and no image or player."""
        return not self.text and not _MEDIA.search(self.html)


_NO_BODY = _Body("", "", None)


def clean_feed(feed: FeedData, *, source: Source) -> list[ArticleDraft]:
    """Clean every entry of `feed` in order; unusable entries are left out, and of entries
    that share an id only the first is kept."""
    seen: set[str] = set()
    drafts: list[ArticleDraft] = []
    for entry in feed.entries:
        draft = clean_entry(entry, source=source, feed_link=feed.link)
        if draft is not None and draft.id not in seen:
            seen.add(draft.id)
            drafts.append(draft)
    return drafts


def clean_entry(entry: EntryData, *, source: Source, feed_link: str | None = None) -> ArticleDraft | None:
    """Clean one raw entry; None when it has no usable link, no title and no content.

    Relative URLs resolve against the entry's link, else `feed_link`, else the source URL.
    Never raises.
    """
    site = canonical_url(feed_link or "") or canonical_url(source.url)
    guid = _clean_guid(entry.guid)
    own_url = canonical_url(entry.link or "", base_url=site) or _guid_url(guid)
    base = own_url or site
    content = _body(entry.content_html, base)
    summary = _body(entry.summary_html, base)
    main = summary if content.empty else content
    title = title_text(entry.title or "")
    if not own_url and not title and main.empty:
        return None
    title = title or summarize(main.text, TITLE_FROM_TEXT_LIMIT) or own_url or ""
    url = own_url or site or ""
    author = title_text(entry.author or "") or source.author
    summary_text = _summary_text(summary, main)
    thumbnail = _thumbnail(entry, url, content, summary)
    tags = _dedupe(title_text(tag) for tag in entry.categories)
    enclosures = _enclosures(entry.enclosures, url)
    changing = (title, url, author, entry.published, entry.updated, summary_text, main.html)
    return ArticleDraft(
        id=article_id(source.name, guid=guid, url=own_url, title=title, published=entry.published),
        source=source.name,
        url=url,
        guid=guid,
        title=title,
        author=author,
        published=entry.published,
        updated=entry.updated,
        summary=summary_text,
        content_html=main.html,
        content_text=main.text,
        thumbnail=thumbnail,
        categories=source.categories,
        tags=tags,
        enclosures=enclosures,
        content_hash=content_hash(*changing, thumbnail=thumbnail, tags=tags, enclosures=enclosures),
    )


def content_hash(
    title: str,
    url: str,
    author: str,
    published: datetime | None,
    updated: datetime | None,
    summary: str,
    content_html: str,
    *,
    thumbnail: str | None,
    tags: tuple[str, ...],
    enclosures: tuple[Enclosure, ...],
) -> str:
    """sha1 over every stored field that can change between two fetches of one article.

    The lengths of the fields come first, so text moving from one field to the next still
    changes the hash.
    """
    parts = [title, url, author, _iso(published), _iso(updated), summary, content_html]
    parts += [thumbnail or "", "\x1f".join(tags)]
    parts += [f"{e.url}\x1e{e.type or ''}\x1e{e.length}" for e in enclosures]
    digest = hashlib.sha1(",".join(map(str, map(len, parts))).encode())
    payload = "".join(parts)
    try:
        data = payload.encode()  # strict UTF-8 has a fast path no error handler keeps
    except UnicodeEncodeError:  # a lone surrogate in a field the stage does not clean
        data = payload.encode("utf-8", "surrogatepass")
    digest.update(data)
    return digest.hexdigest()


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def _clean_guid(guid: str | None) -> str | None:
    """The guid without surrounding spaces, or None; lone surrogates (which no id can hash)
    are dropped."""
    if not guid:
        return None
    if not guid.isascii():  # O(1): most guids are ASCII and skip the regex
        guid = _SURROGATES.sub("", guid)
    return guid.strip() or None


def _guid_url(guid: str | None) -> str | None:
    """The guid, canonical, when it is an absolute http(s) URL (a permalink)."""
    if guid and guid[:8].lower().startswith(("http://", "https://")):
        return canonical_url(guid)
    return None


def _body(raw: str | None, base: str | None) -> _Body:
    if not raw or raw.isspace():
        return _NO_BODY
    safe = sanitize_html(raw, base_url=base)
    return _Body(safe.html, sanitized_html_to_text(safe.html), safe.lead_image)


def _summary_text(summary: _Body, main: _Body) -> str:
    """The feed's own summary when it says something the content does not start with."""
    if summary.text and summary is not main and not _starts(main.text, summary.text):
        return summarize(summary.text, SUMMARY_LIMIT)
    return summarize(main.text, SUMMARY_LIMIT)


def _starts(text: str, excerpt: str) -> bool:
    """Whether `excerpt` (maybe with a "…" tail) is the start of `text`, spaces ignored."""
    short = "".join(excerpt.split()).rstrip(_SUMMARY_TAIL)
    head = "".join(text[: len(excerpt) * 2 + 64].split())
    return head.startswith(short)


def _thumbnail(entry: EntryData, base: str, content: _Body, summary: _Body) -> str | None:
    """The feed's image, else an image enclosure, else the first image of the content."""
    candidates = [entry.image or ""]
    candidates += [e.url for e in entry.enclosures if _is_image(e)]
    for candidate in candidates:
        url = canonical_url(candidate, base_url=base or None) if candidate else None
        if url is not None and not is_tracker_image(url):
            return url
    return content.lead_image or summary.lead_image


def _is_image(enclosure: Enclosure) -> bool:
    if enclosure.type:
        return enclosure.type.strip().lower().startswith("image/")
    path = enclosure.url.split("?", 1)[0].lower()
    return path.endswith(_IMAGE_EXTENSIONS)


def _enclosures(enclosures: Iterable[Enclosure], base: str) -> tuple[Enclosure, ...]:
    """Enclosures with canonical http(s) URLs, each URL once."""
    kept: dict[str, Enclosure] = {}
    for enclosure in enclosures:
        url = canonical_url(enclosure.url, base_url=base or None)
        if url is not None and url not in kept:
            kind = (enclosure.type or "").strip() or None
            kept[url] = Enclosure(url=url, type=kind, length=enclosure.length)
    return tuple(kept.values())


def _dedupe(items: Iterable[str]) -> tuple[str, ...]:
    """Non-empty items, each once, in their first order."""
    return tuple(dict.fromkeys(item for item in items if item))
