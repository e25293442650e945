"""File names for posts: `<category path>/<slug>.md`, safe on every filesystem, stable per title.

Hexo makes a post's URL from its file name, so names keep the title's own words (Chinese
included) and drop only what breaks a path or a URL. Hexo skips files and folders whose name
starts with `_` or `.`, so no name may start with either.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath

SLUG_BYTES = 120  # UTF-8 bytes: 40 Chinese characters; ext4 allows 255 for a whole name
FOLDER_BYTES = 120
SUFFIX_CHARS = 7  # of the article id, when two titles make the same name
UNCATEGORIZED = "uncategorized"

# Path separators, characters Windows forbids, and characters that end or break a URL path.
_UNSAFE = re.compile(r"[/\\:*?\"<>|#%&{}\[\]^`]+|[\x00-\x1f\x7f-\x9f]+|\s+")
_DASHES = re.compile(r"-{2,}")
_EDGE = "-._ ~'"
_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"] + [f"com{n}" for n in range(1, 10)] + [f"lpt{n}" for n in range(1, 10)]
)


def slugify(text: str, *, limit: int = SLUG_BYTES) -> str:
    """A file-name-safe form of `text`, at most `limit` UTF-8 bytes; "" when nothing is left.

    >>> slugify("发布两大基因产业园 上海加码布局生物医药前沿产业")
    '发布两大基因产业园-上海加码布局生物医药前沿产业'
    >>> slugify("A/B: 50% off? #1")
    'A-B-50-off-1'
    """
    text = unicodedata.normalize("NFC", text)
    slug = _DASHES.sub("-", _UNSAFE.sub("-", text)).strip(_EDGE)
    slug = _cut(slug, limit).strip(_EDGE)
    return "" if slug.lower() in _RESERVED else slug


def post_folder(categories: tuple[str, ...]) -> PurePosixPath:
    """`金融/证券时报网/要闻`: one folder per category level, each made safe like a slug."""
    parts = [slugify(category, limit=FOLDER_BYTES) for category in categories]
    parts = [part for part in parts if part]
    return PurePosixPath(*parts) if parts else PurePosixPath(UNCATEGORIZED)


def post_path(categories: tuple[str, ...], title: str, article_id: str, *, suffixed: bool) -> PurePosixPath:
    """Where an article's post goes, relative to `posts_dir`. `suffixed` adds a short piece of
    the id, for the second of two articles whose titles make the same name."""
    slug = slugify(title) or article_id[:12]
    if suffixed:
        slug = f"{slug}-{article_id[:SUFFIX_CHARS]}"
    return post_folder(categories) / f"{slug}.md"


def _cut(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-8 bytes, never inside a character."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore")
