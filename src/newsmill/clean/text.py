"""Plain text: of sanitized HTML (for search and summaries), of titles, and short summaries.

Text extraction works with regexes on `sanitize_html` output instead of a second parse: there
every `<` in text is escaped, attribute values hold no `<` or `>` (the sanitizer's filter sees
to it), comments and raw-text contents are gone, so every `<...>` is a tag; and the only
entities are `&amp; &lt; &gt; &nbsp;` (and `&quot;` inside values, which go with their tags).
"""

from __future__ import annotations

import html as htmllib
import re

from newsmill.clean._regex import word_alternation
from newsmill.clean.html import sanitize_html

__all__ = ["html_to_text", "sanitized_html_to_text", "summarize", "title_text"]

_BLOCKS = word_alternation(
    {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote", "pre"}
    | {"figure", "figcaption", "section", "article", "header", "footer", "aside", "table"}
    | {"caption", "thead", "tbody", "tfoot", "ul", "ol", "dl", "dt", "dd", "details"}
    | {"summary", "video", "audio", "picture", "td", "th"}  # a cell per line: one scan less
)
_BLOCK_TAG = re.compile(rf"<(?:/?{_BLOCKS}|br|hr)(?: [^>]*)?>")
_ANY_TAG = re.compile(r"<[^>]*>")
_RAW_TAG = re.compile(r"<[A-Za-z/!?][^>]*>")  # titles: lenient, the result is only text
_JUNK_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff\ud800-\udfff]")
_SENTENCE_MARKS = "。！？!?；;…"
_ELLIPSIS = "…"
_TRAILING_PUNCT = " ，,、；;：:。.…"


def html_to_text(html: str) -> str:
    """Plain text of any HTML fragment: blocks become lines, whitespace is collapsed,
    entities are decoded. Sanitizes first: on `sanitize_html` output use
    `sanitized_html_to_text`, which does not.

    >>> html_to_text("<p>证券时报记者&nbsp; 张淑贤</p><p>10月12日<b>上午</b></p><script>x</script>")
    '证券时报记者 张淑贤\\n10月12日上午'
    """
    return sanitized_html_to_text(sanitize_html(html, base_url=None).html)


def sanitized_html_to_text(html: str) -> str:
    """`html_to_text` for the output of `sanitize_html`, without sanitizing again."""
    # NUL marks line breaks: the sanitizer removed every control character, and unlike "\n"
    # it survives the whitespace collapsing below.
    html = _ANY_TAG.sub("", _BLOCK_TAG.sub("\x00", html))
    if "&" in html:
        html = _unescape_nh3(html)
    if "\u200b" in html:  # zero-width spaces split words for search
        html = html.replace("\u200b", "")
    flat = " ".join(html.split()).replace(" \x00", "\x00").replace("\x00 ", "\x00")
    return "\n".join(filter(None, flat.split("\x00")))


def _unescape_nh3(text: str) -> str:
    # Exactly the entities html5ever's serializer writes; `&amp;` last so `&amp;lt;` stays `&lt;`.
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ")
        .replace("&quot;", '"')
        .replace("&amp;", "&")
    )


def summarize(text: str, limit: int = 200) -> str:
    """`text` on one line, at most `limit` characters; longer text is cut at the last
    sentence end in the second half of the limit (else at a word for spaced scripts, else at a
    character) and ends with "…".

    >>> summarize("第一句话。第二句话很长很长。", limit=10)
    '第一句话…'
    """
    head = limit + 64  # collapsing whitespace only shortens: a prefix is usually enough
    flat = " ".join(text[:head].split())
    if len(flat) <= limit and len(text) > head:
        flat = " ".join(text.split())  # much whitespace: collapse it all after all
    if len(flat) <= limit:
        return flat
    if limit <= 1:
        return _ELLIPSIS[:limit]
    window = flat[: limit - 1]  # room for the ellipsis
    cut = _last_sentence_end(window, limit // 2)
    if cut is None:
        cut = _last_word_end(flat, limit - 1)
    return window[:cut].rstrip(_TRAILING_PUNCT) + _ELLIPSIS


def _last_sentence_end(window: str, earliest: int) -> int | None:
    # One rfind per mark is cheaper than a regex scan of the whole window.
    end = max(map(window.rfind, _SENTENCE_MARKS)) + 1
    end = max(end, window.rfind(". ") + 1)
    return end if end > 0 and end >= earliest else None


def _last_word_end(flat: str, end: int) -> int:
    """Where to cut `flat` at or before `end`: before a word of a spaced script that `end`
    would split; CJK text may be cut anywhere."""
    inside_word = flat[end - 1].isascii() and flat[end - 1].isalnum() and flat[end].isalnum()
    space = flat.rfind(" ", 0, end) if inside_word else -1
    return space if space > end * 3 // 4 else end


def title_text(raw: str) -> str:
    """A title as plain text: tags stripped, entities decoded, whitespace collapsed.

    >>> title_text("发布两大<b>基因</b>产业园 &amp; 上海加码&nbsp;布局\\n")
    '发布两大基因产业园 & 上海加码 布局'
    """
    if "<" in raw:
        raw = _RAW_TAG.sub("", raw)
    if "&" in raw:
        raw = htmllib.unescape(raw)
    return " ".join(_JUNK_CHARS.sub("", raw).split())
