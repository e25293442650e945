"""What each element of an RSS, RDF or Atom item means: one handler per tag, in one dict.

An item is read in one pass over its children, dispatching on the tag (Clark notation,
`{namespace}local`) with a dict lookup: no XPath, nothing compiled per item. RSS's plain tags,
RSS 1.0/0.90's namespaced ones and Atom's share the table, because feeds mix them (atom:link
and dc:creator in RSS, namespace-less Atom). The first value found for a field wins.
"""

from __future__ import annotations

import base64
import binascii
import html
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from newsmill.models import Enclosure, EntryData
from newsmill.parse.dates import parse_date
from newsmill.parse.repair import restore
from newsmill.parse.urls import join_url

ATOM10 = "http://www.w3.org/2005/Atom"
ATOM03 = "http://purl.org/atom/ns#"
RSS10 = "http://purl.org/rss/1.0/"
RSS090 = "http://my.netscape.com/rdf/simple/0.9/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XHTML = "http://www.w3.org/1999/xhtml"
# Each module's namespace, and the prefix it is read under when a feed forgets to declare it
# (libxml2's recovery then keeps "media:thumbnail" as the tag name).
_DC = ("{http://purl.org/dc/elements/1.1/}", "dc:")
_DCTERMS = ("{http://purl.org/dc/terms/}", "dcterms:")
_CONTENT = ("{http://purl.org/rss/1.0/modules/content/}", "content:")
_MEDIA = ("{http://search.yahoo.com/mrss/}", "{http://search.yahoo.com/mrss}", "media:")
_ITUNES = ("{http://www.itunes.com/dtds/podcast-1.0.dtd}", "itunes:")
_RSS_SPACES = ("", f"{{{RSS10}}}", f"{{{RSS090}}}", "{http://backend.userland.com/rss2}")
_ATOM_SPACES = ("", f"{{{ATOM10}}}", f"{{{ATOM03}}}")
_RDF_ABOUT = f"{{{RDF}}}about"
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
     "track", "wbr"}
)  # fmt: skip
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".bmp")

Element = etree._Element


@dataclass(frozen=True, slots=True)
class Context:
    """What every handler needs besides the element."""

    sections: tuple[str, ...]  # lifted CDATA, see repair.py
    timezone: str
    now: datetime | None
    xml_base: bool  # does the document use xml:base at all?
    rdf: bool = False  # RSS 0.90/1.0: items carry their URI in rdf:about


@dataclass(slots=True)
class Fields:
    """An item (or a channel) while it is being read."""

    guid: str | None = None
    permalink: str | None = None  # a guid that may stand in for the link
    about: str | None = None  # RDF's rdf:about
    link: str | None = None
    title: str | None = None
    author: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    summary: str | None = None
    content: str | None = None
    categories: list[str] = field(default_factory=list)
    enclosures: list[Enclosure] = field(default_factory=list)
    image: str | None = None

    def entry(self, default_author: str | None) -> EntryData:
        """The finished item. Atom and JSON Feed items inherit the feed's author."""
        return EntryData(
            guid=self.guid or self.about,
            link=self.link or self.permalink or self.about,
            title=self.title,
            author=self.author or default_author,
            # Many Atom feeds give only <updated>; it is the best date they have.
            published=self.published or self.updated,
            updated=self.updated,
            summary_html=self.summary,
            content_html=self.content,
            categories=tuple(self.categories),
            enclosures=tuple(self.enclosures),
            image=self.image or _enclosed_image(self.enclosures),
        )


Handler = Callable[[Context, Fields, Element], None]


def read_fields(ctx: Context, element: Element, handlers: dict[str, Handler]) -> Fields:
    """Read the children of an item, entry or channel into `Fields`."""
    fields = Fields()
    if ctx.rdf:
        fields.about = (element.get(_RDF_ABOUT) or "").strip() or None
    for child in element:
        handler = handlers.get(child.tag)
        if handler is not None:
            handler(ctx, fields, child)
    return fields


def local_name(tag: str) -> str:
    """`{namespace}local` -> `local`. (etree.QName raises on the odd names recovery produces.)"""
    return tag.rpartition("}")[2]


def namespace_of(tag: str) -> str | None:
    """`{namespace}local` -> `namespace`; None for a tag in no namespace."""
    return tag[1 : tag.find("}")] if tag.startswith("{") and "}" in tag else None


def text_of(ctx: Context, element: Element) -> str:
    """The element's text, CDATA restored; markup if it has child elements."""
    if len(element):
        return inner_html(ctx, element).strip()
    text = element.text
    if not text:
        return ""
    if "\ue000" in text:  # a lifted CDATA section
        text = restore(text, ctx.sections)
    return text.strip()


def construct(ctx: Context, element: Element, *, as_html: bool) -> str:
    """An Atom text construct (type text, html or xhtml; Atom 0.3's modes) as a string.

    With `as_html`, plain text comes back HTML-escaped so later stages can treat it as HTML.
    """
    # Atom's default type is text; a namespace-less <content> in a home-made RSS dialect holds HTML.
    default = "text" if element.tag.startswith("{") else "html"
    kind = (element.get("type") or default).strip().lower()
    if len(element):
        return inner_html(ctx, element).strip()
    value = restore(element.text or "", ctx.sections).strip()
    if element.get("mode") == "base64":
        value = _unbase64(value)
    if as_html and kind in ("text", "text/plain"):
        return html.escape(value, quote=False)
    return value


def inner_html(ctx: Context, element: Element) -> str:
    """The element's content serialized as HTML, namespaces dropped (unescaped HTML, xhtml)."""
    children = list(element)
    if (
        len(children) == 1
        and children[0].tag == f"{{{XHTML}}}div"
        and not (element.text or "").strip()
        and not (children[0].tail or "").strip()
    ):
        element = children[0]  # Atom's xhtml wrapper div is not part of the content
    parts: list[str] = []
    if element.text:
        parts.append(_escape(ctx, element.text))
    for child in element:
        _serialize(ctx, child, parts)
    return "".join(parts)


def _serialize(ctx: Context, element: Element, parts: list[str]) -> None:
    if isinstance(element.tag, str):  # comments, processing instructions: dropped
        name = local_name(element.tag)
        attributes = "".join(
            f' {local_name(str(key))}="{html.escape(_attribute(ctx, element, str(key), str(value)))}"'
            for key, value in element.attrib.items()
        )
        parts.append(f"<{name}{attributes}>")
        if element.text:
            parts.append(_escape(ctx, element.text))
        for child in element:
            _serialize(ctx, child, parts)
        if name not in _VOID or len(element) or element.text:
            parts.append(f"</{name}>")
    if element.tail:
        parts.append(_escape(ctx, element.tail))


def _attribute(ctx: Context, element: Element, name: str, value: str) -> str:
    if ctx.xml_base and name in ("href", "src"):  # xhtml content under an xml:base
        return _resolve(ctx, element, value)
    return value


def _escape(ctx: Context, text: str) -> str:
    return html.escape(restore(text, ctx.sections), quote=False)


def _unbase64(value: str) -> str:
    try:
        return base64.b64decode(value).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return value


# --- handlers ---------------------------------------------------------------------------


def _title(ctx: Context, fields: Fields, element: Element) -> None:
    if fields.title is None:
        if element.get("type") is None:  # RSS, or Atom's default (text): plain text_of
            fields.title = text_of(ctx, element) or None
        else:
            fields.title = construct(ctx, element, as_html=False) or None


def _link(ctx: Context, fields: Fields, element: Element) -> None:
    href = element.get("href")
    if href is None:  # RSS: the link is the text
        if fields.link is None:
            fields.link = text_of(ctx, element) or None
        return
    href = _resolve(ctx, element, href.strip())
    rel = (element.get("rel") or "alternate").strip().lower()
    if rel == "alternate" and fields.link is None and href:
        fields.link = href
    elif rel == "enclosure" and href:
        kind = element.get("type")
        fields.enclosures.append(Enclosure(href, kind, _length(element.get("length"))))


def _guid(ctx: Context, fields: Fields, element: Element) -> None:
    value = text_of(ctx, element)
    if not value:
        return
    if fields.guid is None:
        fields.guid = value
    permalink = (element.get("isPermaLink") or "true").strip().lower() != "false"
    if permalink and fields.permalink is None and value.startswith(("http://", "https://")):
        fields.permalink = value


def _id(ctx: Context, fields: Fields, element: Element) -> None:
    if fields.guid is None:
        fields.guid = text_of(ctx, element) or None


def _description(ctx: Context, fields: Fields, element: Element) -> None:
    if fields.summary is None:  # RSS: HTML, or plain text that reads fine as HTML
        fields.summary = text_of(ctx, element) or None


def _summary(ctx: Context, fields: Fields, element: Element) -> None:
    if fields.summary is None:
        fields.summary = construct(ctx, element, as_html=True) or None


def _encoded(ctx: Context, fields: Fields, element: Element) -> None:
    if fields.content is None:
        fields.content = text_of(ctx, element) or None


def _content(ctx: Context, fields: Fields, element: Element) -> None:
    if fields.content is None and element.get("src") is None:
        fields.content = construct(ctx, element, as_html=True) or None


def _author(ctx: Context, fields: Fields, element: Element) -> None:
    if fields.author is not None:
        return
    if len(element):  # Atom: <author><name/><email/></author>
        names = {local_name(child.tag): child for child in element if _is_element(child)}
        person = names.get("name") if "name" in names else names.get("email")
        fields.author = text_of(ctx, person) if person is not None else None
    else:
        fields.author = text_of(ctx, element)
    fields.author = fields.author or None


def _published(ctx: Context, fields: Fields, element: Element) -> None:
    if fields.published is None:
        fields.published = parse_date(text_of(ctx, element), timezone=ctx.timezone, now=ctx.now)


def _updated(ctx: Context, fields: Fields, element: Element) -> None:
    if fields.updated is None:
        fields.updated = parse_date(text_of(ctx, element), timezone=ctx.timezone, now=ctx.now)


def _category(ctx: Context, fields: Fields, element: Element) -> None:
    value = text_of(ctx, element)  # RSS: the text; Atom: an empty element with attributes
    if not value:
        value = (element.get("label") or element.get("term") or "").strip()
    if value and value not in fields.categories:
        fields.categories.append(value)


def _enclosure(ctx: Context, fields: Fields, element: Element) -> None:
    url = (element.get("url") or "").strip()
    if url:
        enclosure = Enclosure(url, element.get("type"), _length(element.get("length")))
        fields.enclosures.append(enclosure)


def _thumbnail(ctx: Context, fields: Fields, element: Element) -> None:
    url = (element.get("url") or "").strip()
    if url and fields.image is None:
        fields.image = url


def _media_content(ctx: Context, fields: Fields, element: Element) -> None:
    url = (element.get("url") or "").strip()
    kind = (element.get("type") or "").lower()
    if url and fields.image is None and (element.get("medium") == "image" or kind.startswith("image/")):
        fields.image = url
    _media_group(ctx, fields, element)  # its own <media:thumbnail>, if any


def _media_group(ctx: Context, fields: Fields, element: Element) -> None:
    for child in element:
        handler = _MEDIA_HANDLERS.get(child.tag)
        if handler is not None:
            handler(ctx, fields, child)


def _itunes_image(ctx: Context, fields: Fields, element: Element) -> None:
    href = (element.get("href") or "").strip()
    if href and fields.image is None:
        fields.image = href


def _resolve(ctx: Context, element: Element, href: str) -> str:
    if ctx.xml_base:
        base = element.base
        if base:
            return join_url(base, href)
    return href


def _length(value: str | None) -> int | None:
    try:
        return int(value.strip()) if value else None
    except ValueError:
        return None


def _is_element(node: Element) -> bool:
    return isinstance(node.tag, str)


def _enclosed_image(enclosures: list[Enclosure]) -> str | None:
    for enclosure in enclosures:
        kind = (enclosure.type or "").lower()
        if kind.startswith("image/") or (
            not kind and enclosure.url.lower().split("?")[0].endswith(_IMAGE_SUFFIXES)
        ):
            return enclosure.url
    return None


def _table(spaces: tuple[str, ...], names: dict[str, Handler]) -> dict[str, Handler]:
    return {space + name: handler for space in spaces for name, handler in names.items()}


_MEDIA_HANDLERS: dict[str, Handler] = {
    **_table(_MEDIA, {"thumbnail": _thumbnail, "content": _media_content}),
}
ITEM_HANDLERS: dict[str, Handler] = {
    **_table(_ATOM_SPACES, {"id": _id, "summary": _summary, "content": _content,
                            "published": _published, "issued": _published,
                            "updated": _updated, "modified": _updated}),
    **_table(_ATOM_SPACES + _RSS_SPACES, {"title": _title, "link": _link, "author": _author,
                                          "category": _category}),
    **_table(_RSS_SPACES, {"guid": _guid, "description": _description,
                           "pubDate": _published, "enclosure": _enclosure}),
    **_table(_DC, {"title": _title, "creator": _author, "date": _published, "subject": _category}),
    **_table(_DCTERMS, {"created": _published, "issued": _published, "modified": _updated}),
    **_table(_CONTENT, {"encoded": _encoded}),
    **_table(_MEDIA, {"group": _media_group}),
    **_MEDIA_HANDLERS,
    **_table(_ITUNES, {"image": _itunes_image}),
}  # fmt: skip
CHANNEL_HANDLERS: dict[str, Handler] = {
    **_table(_ATOM_SPACES + _RSS_SPACES, {"title": _title, "link": _link, "author": _author}),
}
