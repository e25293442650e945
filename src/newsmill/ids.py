"""Stable identities: the same article fetched twice gets the same id."""

from __future__ import annotations

import hashlib
from datetime import datetime


def article_id(
    source: str,
    *,
    guid: str | None,
    url: str | None,
    title: str | None,
    published: datetime | None,
) -> str:
    """`sha1(source + (guid or canonical url or title+published))`, as DESIGN.md defines.

    >>> article_id("证券时报网 要闻", guid="abc", url=None, title=None, published=None)[:12]
    'c2f25b69eef3'
    """
    if guid:
        key = "guid:" + guid.strip()
    elif url:
        key = "url:" + url
    else:
        key = "title:" + (title or "") + "|" + (published.isoformat() if published else "")
    return hashlib.sha1(f"{source}\x00{key}".encode()).hexdigest()
