"""JSON Feed 1.0 and 1.1 (https://www.jsonfeed.org/version/1.1/).

Every field is checked for its type: a feed is untrusted input, and a wrong type in one item
should cost that field, not the feed.
"""

from __future__ import annotations

import html
import json
from datetime import datetime
from typing import Any

from newsmill.models import Enclosure, EntryData, FeedData
from newsmill.parse.dates import parse_date

__all__ = ["NotAJsonFeed", "parse_json_feed"]

_VERSIONS = {
    "https://jsonfeed.org/version/1": "json1.0",
    "https://jsonfeed.org/version/1.1": "json1.1",
}


class NotAJsonFeed(ValueError):
    """The text is not JSON, or JSON that is not a JSON Feed; the message says which."""


def parse_json_feed(text: str, *, timezone: str, now: datetime | None) -> FeedData:
    """Read a JSON Feed. Raises `NotAJsonFeed` for anything else."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as error:  # JSONDecodeError is a ValueError
        raise NotAJsonFeed(f"it looks like JSON but does not parse ({error})") from None
    if not isinstance(document, dict):
        raise NotAJsonFeed("it is JSON, but not a JSON Feed (no feed object)")
    version = _string(document.get("version")) or ""
    items = document.get("items")
    if "jsonfeed.org/version/" not in version or not isinstance(items, list):
        raise NotAJsonFeed("it is JSON, but not a JSON Feed (no JSON Feed version and items)")
    format_ = _VERSIONS.get(version.rstrip("/").replace("http://", "https://"), "json1.1")
    default_author = _author(document)
    entries = tuple(_entry(item, default_author, timezone, now) for item in items if isinstance(item, dict))
    return FeedData(
        format=format_,
        title=_string(document.get("title")),
        link=_string(document.get("home_page_url")),
        entries=entries,
    )


def _entry(
    item: dict[str, Any], default_author: str | None, timezone: str, now: datetime | None
) -> EntryData:
    published = _date(item.get("date_published"), timezone, now)
    updated = _date(item.get("date_modified"), timezone, now)
    content = _string(item.get("content_html")) or _escaped(item.get("content_text"))
    guid = item.get("id")
    return EntryData(
        guid=str(guid).strip() or None if isinstance(guid, str | int | float) else None,
        link=_string(item.get("url")) or _string(item.get("external_url")),
        title=_string(item.get("title")),
        author=_author(item) or default_author,
        published=published or updated,  # as for Atom: the best date the item has
        updated=updated,
        summary_html=_escaped(item.get("summary")),  # plain text, by the spec
        content_html=content,
        categories=tuple(_unique(tag.strip() for tag in _strings(item.get("tags")))),
        enclosures=tuple(_attachments(item.get("attachments"))),
        image=_string(item.get("image")) or _string(item.get("banner_image")),
    )


def _author(holder: dict[str, Any]) -> str | None:
    """`authors[].name` (1.1), else `author.name` (1.0)."""
    authors = holder.get("authors")
    people = authors if isinstance(authors, list) else [holder.get("author")]
    names = [_string(person.get("name")) for person in people if isinstance(person, dict)]
    found = [name for name in names if name]
    return ", ".join(found) if found else None


def _attachments(value: Any) -> list[Enclosure]:
    if not isinstance(value, list):
        return []
    found = []
    for attachment in value:
        if isinstance(attachment, dict) and (url := _string(attachment.get("url"))):
            size = attachment.get("size_in_bytes")
            length = int(size) if isinstance(size, int | float) and 0 <= size < 2**63 else None
            found.append(Enclosure(url, _string(attachment.get("mime_type")), length))
    return found


def _date(value: Any, timezone: str, now: datetime | None) -> datetime | None:
    return parse_date(value, timezone=timezone, now=now) if isinstance(value, str) else None


def _escaped(value: Any) -> str | None:
    text = _string(value)
    return html.escape(text, quote=False) if text else None


def _string(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _unique(values: Any) -> list[str]:
    found: list[str] = []
    for value in values:
        if value and value not in found:
            found.append(value)
    return found
