"""What an article's own text makes, apart from the store and from the other articles.

Each field is segmented once, and the words serve keywords, the story signature and (later, in
the store thread) stock-name matching; the search index text is made from the text itself.
Nothing here reads the store or depends on the articles before it, and the result is a small
picklable value: big runs compute it in the worker processes beside parse and clean, and the
store thread only adds what needs the store (names learned so far, story candidates).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from newsmill.enrich.keywords import extract_keywords
from newsmill.enrich.segment import Segmenter, index_text, segmenter
from newsmill.enrich.stocks import linked_mentions
from newsmill.enrich.stories import band_keys, minhash, shingles
from newsmill.models import ArticleDraft, StockMention

# Joins a field's words into one string (one cheap pickle, not hundreds of small ones). A NUL
# inside the text becomes a space: stock names hold neither, so matching sees no difference.
_JOIN = "\x00"


@dataclass(frozen=True, slots=True)
class TextAnalysis:
    """One article's keywords (before tag rules), stock links, words, index text and story
    signature."""

    keywords: tuple[str, ...]
    linked: tuple[StockMention, ...]
    title_words: str  # NUL-joined; see `words`
    body_words: str
    index_title: str
    index_body: str
    minhash: tuple[int, ...]
    bands: tuple[int, ...]

    def words(self) -> tuple[list[str], list[str]]:
        """The title's and the body's words, as the segmenter cut them."""
        return _split(self.title_words), _split(self.body_words)


def analyse_text(
    title: str, text: str, html: str, keywords: int = 8, words_of: Segmenter | None = None
) -> TextAnalysis:
    """Analyse one article: its title, its plain text and its sanitized HTML (for stock links).

    >>> analyse_text("基因产业园发布", "张江细胞和基因产业园正式发布。", "").keywords[:2]
    ('产业园', '基因')
    """
    words = (words_of or segmenter()).words
    title_words, body_words = words(title), words(text)
    signature = minhash(shingles(body_words or title_words))
    return TextAnalysis(
        keywords=extract_keywords(title_words, body_words, keywords),
        linked=tuple(linked_mentions(html)) if "stockcode=" in html else (),
        title_words=_join(title_words, title),
        body_words=_join(body_words, text),
        index_title=index_text(title),
        index_body=index_text(text),
        minhash=signature,
        bands=band_keys(signature),
    )


def analyse_drafts(drafts: Sequence[ArticleDraft], keywords: int = 8) -> tuple[TextAnalysis, ...]:
    """Analyse cleaned articles, in order (module-level: a worker process can run it)."""
    words_of = segmenter()
    return tuple(analyse_text(d.title, d.content_text, d.content_html, keywords, words_of) for d in drafts)


def _join(words: list[str], text: str) -> str:
    if _JOIN in text:
        words = [word.replace(_JOIN, " ") for word in words]
    return _JOIN.join(words)


def _split(joined: str) -> list[str]:
    return joined.split(_JOIN) if joined else []
