"""Where every page of the site lives: stable, readable paths, percent-encoded in links.

Paths are site-relative and end in `/` for pages (`2021/10/12/1a2b3c4d5e/`) or name a file
(`atom.xml`); `href` adds the base URL's path prefix and percent-encodes them.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

SLUG_LENGTH = 10  # hex digits of the article id: stable across builds, unique in practice
_FILE_LIKE = re.compile(r"\.(html?|xml|json)\Z", re.IGNORECASE)
_UNSAFE = re.compile(r'[/\\\x00-\x1f\x7f?#%"<>|*:]')


@lru_cache(maxsize=65536)
def segment(name: str) -> str:
    """A category, source, tag or stock name as one path segment (no `/`, no leading dot)."""
    cleaned = (_UNSAFE.sub("-", name.strip()).strip(" .") or "-")[:80]
    # A tag named `index.html` or `atom.xml` must not collide with the files a folder holds.
    return cleaned + "-" if _FILE_LIKE.search(cleaned) or cleaned.lower() == "page" else cleaned


def article_path(article_id: str, published: datetime, timezone: ZoneInfo) -> str:
    local = published.astimezone(timezone)
    return f"{local:%Y/%m/%d}/{article_id[:SLUG_LENGTH]}/"


@lru_cache(maxsize=65536)
def category_path(levels: tuple[str, ...]) -> str:
    return "categories/" + "".join(segment(level) + "/" for level in levels)


@lru_cache(maxsize=65536)
def source_path(name: str) -> str:
    return f"sources/{segment(name)}/"


@lru_cache(maxsize=65536)
def tag_path(name: str) -> str:
    return f"tags/{segment(name)}/"


@lru_cache(maxsize=65536)
def stock_path(code: str) -> str:
    return f"stocks/{segment(code)}/"


def day_path(day: str) -> str:
    """`day` is `2021/10/12`."""
    return f"archives/{day}/"


def page_path(base: str, number: int) -> str:
    return base if number == 0 else f"{base}page/{number}/"


def file_of(path: str) -> str:
    """The file a path is written to: pages are `…/index.html`."""
    return path + "index.html" if path == "" or path.endswith("/") else path


def root_prefix(base_url: str) -> str:
    """`https://x.com/news/` → `/news/`: the prefix every site link starts with."""
    path = urlsplit(base_url).path or "/"
    return path if path.endswith("/") else path + "/"


_PLAIN = re.compile(r"[A-Za-z0-9/._~-]*\Z")


def href(prefix: str, path: str) -> str:
    return prefix + (path if _PLAIN.match(path) else _quoted(path))


@lru_cache(maxsize=65536)
def _quoted(path: str) -> str:
    return quote(path, safe="/")


def absolute(base_url: str, path: str) -> str:
    base = base_url if base_url.endswith("/") else base_url + "/"
    return base + quote(path, safe="/")
