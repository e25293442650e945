"""Safe article HTML in one nh3 pass (see docs/design-notes.md, "Cleaning: one nh3 pass").

The allowlist keeps ordinary article markup and nothing that runs, styles or submits. URL
rewriting (absolute URLs, unwrapped redirects, no tracking parameters, no tracker images,
players only from a few hosts, https only for media) happens inside the same nh3 pass through
its `attribute_filter`, so every URL in the output went through both the sanitizer and
`canonical_url`. Around that pass:
- before: control characters are deleted (no XML output can hold them), and so are the tags
  the allowlist would unwrap anyway (`font`, `center`, `o:p`): unwrapped in the tree they can
  leave one that parsing the output would not rebuild (`<h1><font><h2>` gives `<h1><h2>`).
  Neither is a security step: whatever is left still goes through nh3.
- after: regexes on nh3's normalized output (attributes `name="value"` with `"` escaped, `<`
  escaped in text, and, by the filter, no `<` or `>` in any attribute value) pick lazy-load
  image URLs, drop images without a source or of 1x1 pixels, empty iframes, write `rel` into
  links and find the lead image. Trees the parser builds that would not survive a round trip
  (tables, headings in headings) get one more pass, so the result is a fixed point.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial

import nh3

from newsmill.clean._regex import word_alternation
from newsmill.clean.urls import CANONICAL_URL, canonical_url, is_tracker_image

__all__ = ["ALLOWED_TAGS", "SanitizedHtml", "sanitize_html"]

ALLOWED_TAGS: frozenset[str] = frozenset(
    {"p", "br", "hr", "a", "img", "figure", "figcaption", "picture", "video", "audio"}
    | {"source", "iframe", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl"}
    | {"dt", "dd", "blockquote", "pre", "code", "em", "strong", "b", "i", "u", "s", "sub"}
    | {"sup", "small", "mark", "del", "ins", "abbr", "cite", "q", "kbd", "samp", "var"}
    | {"time", "wbr", "span", "div", "section", "article", "header", "footer", "aside"}
    | {"details", "summary", "table", "caption", "thead", "tbody", "tfoot", "tr", "th"}
    | {"td", "col", "colgroup"}
)

# Removed with everything inside: code, styles, raw text that would show as markup, forms'
# option lists, and foreign content (svg/math) whose text is never article text.
DROPPED_WITH_CONTENT: frozenset[str] = frozenset(
    {"script", "style", "noscript", "template", "textarea", "title", "xmp", "noembed"}
    | {"noframes", "plaintext", "svg", "math", "select", "head"}
)

_LAZY_SRC = ("data-actualsrc", "data-original", "data-src", "data-lazy-src")  # best first
_URL_ATTRS = frozenset({"href", "src", "poster", *_LAZY_SRC})
_NUMBER_ATTRS = frozenset({"width", "height", "colspan", "rowspan", "start", "span"})

ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height", *_LAZY_SRC},
    "iframe": {"src", "width", "height", "allowfullscreen", "title"},
    "video": {"src", "poster", "controls", "width", "height"},
    "audio": {"src", "controls"},
    "source": {"src", "type"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "ol": {"start"},
    "col": {"span"},
    "colgroup": {"span"},
}

LINK_REL = "noopener noreferrer nofollow"

# Embedded players worth keeping; anything else in an iframe is dropped.
_VIDEO_EMBED = re.compile(
    r"https://(?:(?:www\.)?youtube(?:-nocookie)?\.com/embed/|player\.bilibili\.com/"
    r"|v\.qq\.com/|player\.youku\.com/)"
)

# Per-call base URL for the attribute filter: nh3 builds its Cleaner once (building one per
# call costs as much as a third of the sanitizing), so the filter cannot close over the base.
# A ContextVar is set and reset around each call, so threads and tasks never see another's.
_BASE: ContextVar[str | None] = ContextVar("newsmill_clean_base", default=None)

# Characters no XML output can hold (and nh3 cannot take lone surrogates).
_JUNK_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_CONTROL_BYTES = bytes([*range(9), 11, 12, *range(14, 32), 127])
_KNOWN_TAGS = ALLOWED_TAGS | DROPPED_WITH_CONTENT
# Cheap test for a tag to delete: any tag whose name is not a known lower-case one (an
# upper-case known tag also matches; the callback then keeps it).
_MAYBE_UNKNOWN_TAG = re.compile(rf"</?(?!{word_alternation(_KNOWN_TAGS)}[\t\n\f\r />])[A-Za-z]")
# A whole start or end tag, read the way the HTML tokenizer reads it: `>` ends the tag except
# inside a quoted value right after `=`. Possessive quantifiers: no backtracking on hostile
# input.
_TAG = re.compile(
    r"</?([A-Za-z][^\t\n\f\r />]*+)"
    r"""(?:[^>"'=]|=[\t\n\f\r ]*+(?:"[^"]*+"|'[^']*+')?|["'])*+>"""
)
_ANGLES = str.maketrans("<>", "＜＞")

_ATTRS = r'((?: [a-z-]+="[^"]*")*)'  # nh3 output: name="value", `"` escaped inside values
_ATTR = re.compile(r'([a-z-]+)="([^"]*)"')
_IMG = re.compile(rf"<img{_ATTRS}>")
_SOURCE = re.compile(rf"<source{_ATTRS}>")
# An iframe's content is raw text that nh3 passes through unescaped; it is never shown by a
# browser but other parsers may read it as markup, so it goes.
_IFRAME = re.compile(rf"<iframe{_ATTRS}>.*?</iframe>", re.DOTALL)
_POST_PASS_TAGS = re.compile(r"<(a[ >]|img|iframe|source|pre>|table|/?h[1-6]>)")
_MIN_LEAD_SIZE = 50  # smaller images (icons, emoji, buttons) are not lead images
_NUMBER = re.compile(r"[0-9]{1,5}%?")
_IS_CANONICAL = CANONICAL_URL.fullmatch
_A_REL = f'<a rel="{LINK_REL}"'  # first, so that a second pass writes it at the same place
_LINK_START = re.compile(r"<a(?=[ >])")
_MAILTO = re.compile(r"(?i:mailto):[^\s<>\"\x00-\x1f\x7f]+")


@dataclass(frozen=True, slots=True)
class SanitizedHtml:
    """Safe HTML and the first real image in it (absolute URL), if any."""

    html: str
    lead_image: str | None


def sanitize_html(html: str, *, base_url: str | None) -> SanitizedHtml:
    """Make untrusted HTML safe to publish, with absolute canonical URLs. Never raises.

    `base_url` resolves relative links and images; without it they are dropped.

    >>> sanitize_html('<p onclick="x()">Hi <a href="/a?utm_source=rss">there</a></p>',
    ...               base_url="https://www.stcn.com/").html
    '<p>Hi <a rel="noopener noreferrer nofollow" href="https://www.stcn.com/a">there</a></p>'
    """
    html = _delete_unknown_tags(_delete_junk(html))
    out, reparse, lead = _finish(_clean(html, base_url))
    if reparse:
        out, _, lead = _finish(_clean(out, base_url))
    if out[:1] == "\ufeff":  # parsing drops a leading byte order mark: drop it now, not later
        out = out.lstrip("\ufeff")
    return SanitizedHtml(out, lead)


def _clean(html: str, base_url: str | None) -> str:
    token = _BASE.set(base_url)
    try:
        return _CLEANER.clean(html)
    except UnicodeEncodeError:  # lone surrogates: rare enough to look for only now
        return _CLEANER.clean(_JUNK_CHARS.sub("", html))
    finally:
        _BASE.reset(token)


def _delete_junk(html: str) -> str:
    # Looking through the ASCII bytes is several times faster than a regex over the text.
    ascii_bytes = html.encode("ascii", "ignore")
    if len(ascii_bytes.translate(None, _CONTROL_BYTES)) == len(ascii_bytes):
        return html
    return _JUNK_CHARS.sub("", html)


def _delete_unknown_tags(html: str) -> str:
    """Delete the tags nh3 would unwrap, before parsing (see the module docstring)."""
    if _MAYBE_UNKNOWN_TAG.search(html) is None:
        return html
    return _TAG.sub(_keep_known_tag, html)


def _keep_known_tag(match: re.Match[str]) -> str:
    return match.group(0) if match.group(1).lower() in _KNOWN_TAGS else ""


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """nh3's per-attribute hook: URLs made canonical (or dropped), sizes made numbers, and no
    `<`, `>` or control characters in other values (so every `<` or `>` of the output is
    markup, which the regex post-passes rely on)."""
    if attribute in _URL_ATTRS:
        if tag == "a" and _IS_CANONICAL(value):  # the most common case, kept short
            return value
        return _filter_url(tag, value, _BASE.get())
    if attribute in _NUMBER_ATTRS:
        return _number(value)
    if "<" in value or ">" in value:
        value = value.translate(_ANGLES)
    return value if value.isprintable() else _JUNK_CHARS.sub("", value)


def _filter_url(tag: str, value: str, base: str | None) -> str | None:
    if tag == "a":
        if _MAILTO.fullmatch(value):
            return value
        return canonical_url(value, base_url=base)
    if tag == "iframe":
        return _video_embed(value, base)
    url = canonical_url(value, base_url=base)  # img, video, audio, source
    if url is None or is_tracker_image(url):
        return None
    if tag != "img" and not url.startswith("https:"):  # video, audio, source: https only
        return None
    return url


def _video_embed(value: str, base: str | None) -> str | None:
    value = value.strip()
    if value.startswith("//"):  # embed codes are protocol-relative; players are https
        value = "https:" + value
    url = canonical_url(value, base_url=base)
    return url if url is not None and _VIDEO_EMBED.match(url) else None


def _number(value: str) -> str | None:
    value = value.strip().lower().removesuffix("px")
    return value if _NUMBER.fullmatch(value) else None


_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(DROPPED_WITH_CONTENT),
    attributes=ATTRIBUTES,
    attribute_filter=_filter_attribute,
    strip_comments=True,
    link_rel=None,  # written by _finish: nh3 would send every rel through the filter
    url_schemes={"http", "https", "mailto"},
)


def _finish(out: str) -> tuple[str, bool, str | None]:
    """Post-passes on nh3's normalized output, each only when its tag is present. Also gives
    the lead image, and whether the tree may be one that parsing the output would not
    rebuild, so that sanitizing once more is needed to reach a fixed point. That happens with
    tables (content foster-parented out of a table into an `<a>`, `<li>` or heading of the
    same kind) and with a heading that the adoption agency moved into another
    (`<h1><b><h2></b>`)."""
    tokens = _POST_PASS_TAGS.findall(out)  # one scan instead of one per tag
    if not tokens:
        return out, False, None
    present = set(tokens)
    if "iframe" in present:
        out = _IFRAME.sub(_fix_iframe, out)
    if "a " in present or "a>" in present:
        # Safe as plain text replacement: with iframes emptied, no attribute value holding a
        # `<` and text `<` escaped, every "<a " or "<a>" left starts a link.
        out = _LINK_START.sub(_A_REL, out)
    leads: list[str] = []
    if "img" in present:
        out = _IMG.sub(partial(_fix_img, leads), out)
    if "source" in present:
        out = _SOURCE.sub(_fix_source, out)
    if "pre>" in present and "<pre>\n" in out:  # after the removals, which may expose one
        # The parser eats one newline after <pre>; nh3 does not write it back.
        out = out.replace("<pre>\n", "<pre>\n\n")
    reparse = "table" in present or _heading_in_heading(tokens, present)
    return out, reparse, leads[0].replace("&amp;", "&") if leads else None


def _heading_in_heading(tokens: list[str], present: set[str]) -> bool:
    if not any(token[0] == "h" for token in present):
        return False
    depth = 0
    for token in tokens:
        if token[0] == "h":
            depth += 1
            if depth > 1:
                return True
        elif token[:2] == "/h":
            depth -= 1
    return False


def _fix_img(leads: list[str], match: re.Match[str]) -> str:
    """The real source first (lazy-load attributes win); nothing for pixels and no-source.
    The source of an image that is not icon-sized goes to `leads`."""
    src = ""
    lazy: dict[str, str] = {}
    rest: list[str] = []
    small = False
    for name, value in _ATTR.findall(match.group(1)):
        if name == "src":
            src = value
        elif name in _URL_ATTRS:
            lazy[name] = value
        else:
            if name in ("width", "height") and value.isdigit():
                if int(value) <= 1:
                    return ""  # a tracking pixel
                small = small or int(value) < _MIN_LEAD_SIZE
            rest.append(f'{name}="{value}"')
    src = next((lazy[name] for name in _LAZY_SRC if name in lazy), src)
    if not src:
        return ""
    if not small and not leads:
        leads.append(src)
    return "<img " + " ".join([f'src="{src}"', *rest]) + ">"


def _fix_iframe(match: re.Match[str]) -> str:
    attrs = match.group(1)
    return f"<iframe{attrs}></iframe>" if _has_src(attrs) else ""


def _fix_source(match: re.Match[str]) -> str:
    return match.group(0) if _has_src(match.group(1)) else ""


def _has_src(attrs: str) -> bool:
    # Not a substring test: a title="x src=" would fool one.
    return any(name == "src" for name, _ in _ATTR.findall(attrs))
