"""One Hexo post in the seed's exact shape (`shared/seed/stcn-gene-parks.md`), line for line:
a blank first line, `---`, `title: '…'`, `categories: ` (with a trailing space) and ` - 金融`
lines, `headimg`, `author`, `comments: false`, `date` (RFC 2822, GMT), `thumbnail`, `---`, a
blank line, `<div>` and three spaces, the article's HTML, a blank line, a line of 18 spaces,
`</div>`, and 12 spaces with no final newline.

The odd whitespace is the old script's, kept so a switch to newsmill changes no byte of an
unchanged post. Hexo reads the leading blank line fine: its front-matter splitter then takes
everything up to the second `---` as YAML, and YAML reads the first `---` as a document start.
"""

from __future__ import annotations

import hashlib
import html
import re
from datetime import UTC
from email.utils import format_datetime
from urllib.parse import quote

from newsmill.config import HexoConfig
from newsmill.models import Article

HEAD = "\n---\n"
BODY_OPEN = "---\n\n<div>   \n"
BODY_CLOSE = "\n\n                  \n</div>\n            "

# Characters that make a YAML plain scalar mean something else when they start it.
_YAML_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
# Plain scalars that YAML 1.1 or 1.2 (js-yaml, which Hexo uses) reads as something else;
# `=` and `<<` are YAML 1.1's value and merge keys, which PyYAML cannot even load as values.
_YAML_SPECIAL = re.compile(
    r"(?i:y|n|yes|no|on|off|true|false|null|~|\.nan|[-+]?\.inf|=|<<)$|[-+]?[0-9]|[-+]?\.[0-9]|\d{4}-\d"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
_LINE_BREAKS = re.compile(r"[\t\r\n]+")
# A newline followed by a line of nothing but spaces: Markdown would end the HTML block there.
_BLANK_LINE_AHEAD = re.compile(r"\n(?=[ \t]*(?:\n|$))")
_LEADING_BREAK = re.compile(r"\A([ \t]*)\n")
_HTTP_IMG_SRC = re.compile(r'(<img\b[^>]*?\ssrc=")(http://[^"]+)(")', re.IGNORECASE)


def render_post(article: Article, hexo: HexoConfig) -> str:
    """The post file's whole text for `article`.

    >>> from newsmill.config import HexoConfig
    >>> render_post(article, HexoConfig()).startswith("\\n---\\ntitle: '")  # doctest: +SKIP
    True
    """
    image = post_thumbnail(article, hexo)
    lines = [f"title: {single_quoted(article.title)}", "categories: "]
    lines += [f" - {yaml_scalar(category)}" for category in article.categories]
    lines += [
        f"headimg: {single_quoted(image)}",
        f"author: {yaml_scalar(article.author)}",
        "comments: false",
        f"date: {rfc2822_gmt(article)}",
        f"thumbnail: {single_quoted(image)}",
    ]
    return HEAD + "\n".join(lines) + "\n" + BODY_OPEN + post_body(article.content_html, hexo) + BODY_CLOSE


def post_thumbnail(article: Article, hexo: HexoConfig) -> str:
    """The article's lead image, else the placeholder numbered from the article id (so the
    number never changes between runs); `http://` images go through the image proxy."""
    if article.thumbnail:
        return proxied(article.thumbnail, hexo.image_proxy)
    return hexo.thumbnail_placeholder.replace("{n}", str(placeholder_number(article.id)))


def placeholder_number(article_id: str) -> int:
    """A number from 0 to 9999 that is the same for an article on every run."""
    return int(hashlib.sha1(article_id.encode()).hexdigest()[:8], 16) % 10_000


def proxied(url: str, proxy: str | None) -> str:
    """`url` through the `[hexo] image_proxy` template when it is plain `http://` (browsers block
    those on an https site); other URLs as they are."""
    if proxy is None or url[:7].lower() != "http://":
        return url
    return proxy.replace("{url}", quote(url, safe=""))


def rfc2822_gmt(article: Article) -> str:
    """`Tue, 12 Oct 2021 13:33:00 GMT`, whatever zone the date came in."""
    return format_datetime(article.published.astimezone(UTC), usegmt=True)


def single_quoted(text: str) -> str:
    """A YAML single-quoted scalar on one line: `'` doubled, line breaks made spaces."""
    text = _CONTROL.sub("", _LINE_BREAKS.sub(" ", text))
    return "'" + text.replace("'", "''") + "'"


def yaml_scalar(text: str) -> str:
    """`text` plain when YAML reads it back as the same string (`证券时报网`), else quoted
    (`'#1: Reuters'`), so a source named `true`, `- x` or `a: b` keeps its meaning."""
    flat = _CONTROL.sub("", _LINE_BREAKS.sub(" ", text))
    if _is_plain_safe(flat):
        return flat
    return single_quoted(flat)


def _is_plain_safe(text: str) -> bool:
    if not text or text != text.strip() or text[0] in _YAML_INDICATORS:
        return False
    if ": " in text or " #" in text or text.endswith(":"):
        return False
    return _YAML_SPECIAL.match(text) is None


def post_body(content_html: str, hexo: HexoConfig) -> str:
    """Sanitized HTML made safe for Hexo's two passes, shown exactly as it was.

    - Hexo runs every post through Nunjucks first: `{` and `}` become `&#123;`/`&#125;` (as the
      old script's posts have them), so `{{ }}`, `{% %}` and `{# #}` are text, not tags. A
      backtick or `~~~` could open a fenced code block: those become entities too. Entities
      mean the same character in HTML text and in attribute values alike.
    - Markdown then reads the post: an HTML block ends at a blank line, after which Markdown
      would rewrite the rest, so a newline before a blank line becomes `&#10;` (the same
      character, so `<pre>` text keeps its lines).
    """
    body = _HTTP_IMG_SRC.sub(lambda found: _proxied_src(found, hexo.image_proxy), content_html)
    body = body.replace("{", "&#123;").replace("}", "&#125;").replace("`", "&#96;")
    body = body.replace("~~~", "&#126;&#126;&#126;")
    body = _BLANK_LINE_AHEAD.sub("&#10;", body.replace("\r\n", "\n").replace("\r", "\n"))
    # A body that starts with a line break would make the line after `<div>` blank.
    return _LEADING_BREAK.sub(r"\1&#10;", body)


def _proxied_src(found: re.Match[str], proxy: str | None) -> str:
    url = html.unescape(found[2])
    return found[1] + html.escape(proxied(url, proxy), quote=True) + found[3]
