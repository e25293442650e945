"""Articles for the Hexo publisher's tests, made the way the pipeline makes them, and the seed."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path

from newsmill.clean import sanitize_html, sanitized_html_to_text
from newsmill.ids import article_id
from newsmill.models import Article

DATA = Path(__file__).resolve().parents[1] / "data" / "hexo"
SEED = DATA / "stcn-gene-parks.md"  # a copy of shared/seed/stcn-gene-parks.md
SEED_PATH = ("金融", "证券时报网", "要闻")


def make_article(
    title: str,
    html: str = "<p>正文</p>",
    *,
    categories: tuple[str, ...] = SEED_PATH,
    author: str = "证券时报网",
    published: datetime = datetime(2021, 10, 12, 13, 33, tzinfo=UTC),
    thumbnail: str | None = None,
    source: str = "证券时报网 要闻",
    url: str | None = None,
    sanitize: bool = True,
) -> Article:
    """A stored article as the clean stage would have made it (`sanitize=False` keeps `html`
    byte for byte, to compare with the seed)."""
    link = (
        url or f"https://www.stcn.com/article/{hashlib.sha1((source + title).encode()).hexdigest()[:10]}.html"
    )
    content = sanitize_html(html, base_url=link).html if sanitize else html
    return Article(
        id=article_id(source, guid=None, url=link, title=title, published=published),
        source=source,
        url=link,
        guid=None,
        title=title,
        author=author,
        published=published,
        updated=None,
        summary="",
        content_html=content,
        content_text=sanitized_html_to_text(content),
        thumbnail=thumbnail,
        categories=categories,
        tags=(),
        enclosures=(),
        content_hash="0" * 40,
        first_seen=published,
        last_seen=published,
    )


def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def seed_body() -> str:
    """The HTML between the seed's `<div>   ` line and its tail, as the old script wrote it."""
    found = re.search(r"<div>   \n(.*)\n\n {18}\n</div>\n {12}\Z", seed_text(), re.DOTALL)
    assert found is not None
    return found[1]


def seed_article(*, sanitize: bool = True, thumbnail: str | None = None) -> Article:
    """An article built from the seed's own title, date, body and categories."""
    return make_article(
        "发布两大基因产业园 上海加码布局生物医药前沿产业",
        seed_body(),
        published=datetime(2021, 10, 12, 13, 33, tzinfo=UTC),
        thumbnail=thumbnail,
        sanitize=sanitize,
    )


def front_matter_lines(text: str) -> list[str]:
    """The lines from the start of the file to the closing `---`, inclusive."""
    lines = text.split("\n")
    closing = lines.index("---", lines.index("---") + 1)
    return lines[: closing + 1]
