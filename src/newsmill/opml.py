"""OPML import and export, compatible with Miniflux, FreshRSS and other feed readers.

Reading: every `<outline>` with an `xmlUrl` is a feed; every outline without one is a folder.
The chain of folder names above a feed is its category path, so
`<outline text="金融"><outline text="证券时报网"><outline text="要闻" xmlUrl="…"/>` gives a feed
named 要闻 in categories ("金融", "证券时报网"). A folder's name is its `text` (else `title`); a
feed's name is its `title` (else `text`, else its URL's host), as Miniflux reads them; folders
without a name add no level. Only http(s) feeds are taken, each URL once, the first one
winning. Readers write what they like, so reading is
lenient: unknown attributes (FreshRSS's `frss:*`, Miniflux's `miniflux:*`) are ignored,
attribute names are matched without regard to case, bare `&` in URLs are repaired, and minor
ill-formedness is recovered from. It is also safe: no DTD, no entities, no network.

Writing: one nested folder per category level, so that export then import gives back the same
names, URLs and category paths.
"""

from __future__ import annotations

import codecs
import html
import html.entities
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from lxml import etree

from newsmill.errors import ConfigError
from newsmill.models import Source

log = logging.getLogger(__name__)

# Chinese exports often say gb2312 and mean GBK; GB18030 reads both, and more.
_WIDER_ENCODINGS = {"gb2312": "gb18030", "gbk": "gb18030", "euc-cn": "gb18030", "x-gbk": "gb18030"}
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_DOCTYPE = re.compile(r"<!DOCTYPE[^\[>]*(\[.*?\]\s*)?>", re.DOTALL | re.IGNORECASE)
_ENTITY = re.compile(r"&(#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9._-]*;)?")
_XML_ENTITIES = {"amp;", "lt;", "gt;", "quot;", "apos;"}
_NOT_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """One feed found in an OPML file."""

    name: str
    url: str
    categories: tuple[str, ...]
    site_url: str | None = None


def read_opml(data: bytes, *, path: str = "<opml>") -> list[OpmlFeed]:
    """The feeds of an OPML document, in document order, each URL once.

    Outlines without a usable http(s) `xmlUrl` are skipped (and logged). Raises `ConfigError`
    naming `path` when the bytes are not an OPML document at all.

    >>> doc = '<opml><body><outline text="科技"><outline text="少数派" xmlUrl="https://sspai.com/feed"/>'
    >>> read_opml((doc + "</outline></body></opml>").encode())
    [OpmlFeed(name='少数派', url='https://sspai.com/feed', categories=('科技',), site_url=None)]
    """
    root = _parse(data, path)
    if _local_name(root) != "opml":
        raise ConfigError(f"not an OPML file: the root element is <{_local_name(root)}>", path=path)
    body = next((child for child in _elements(root) if _local_name(child) == "body"), root)
    feeds: list[OpmlFeed] = []
    seen: set[str] = set()
    for feed in _walk(body, (), path):
        key = _url_key(feed.url)
        if key in seen:
            log.info("%s: %s is listed twice; keeping the first", path, feed.url)
            continue
        seen.add(key)
        feeds.append(feed)
    return feeds


def write_opml(
    sources: Iterable[Source],
    *,
    title: str = "newsmill",
    site_urls: Mapping[str, str] | None = None,
) -> str:
    """An OPML 2.0 document of `sources`, nested by category path.

    `site_urls` maps source names to their sites' home pages, written as `htmlUrl`. Sources that
    are local files are left out: no other reader could fetch them.

    >>> from newsmill.models import Source
    >>> s = Source("少数派", "https://sspai.com/feed", ("科技",), "少数派")
    >>> print(write_opml([s]))  # doctest: +NORMALIZE_WHITESPACE
    <?xml version="1.0" encoding="UTF-8"?>
    <opml version="2.0">
      <head>
        <title>newsmill</title>
      </head>
      <body>
        <outline text="科技" title="科技">
          <outline text="少数派" title="少数派" type="rss" xmlUrl="https://sspai.com/feed"/>
        </outline>
      </body>
    </opml>
    """
    site_urls = site_urls or {}
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = _xml_safe(title)
    body = etree.SubElement(root, "body")
    folders: dict[tuple[str, ...], etree._Element] = {(): body}
    for source in sources:
        if _http_url(source.url) is None:
            log.info("not exporting %r: %s is not an http(s) URL", source.name, source.url)
            continue
        attrib = {"text": _xml_safe(source.name), "title": _xml_safe(source.name), "type": "rss"}
        attrib["xmlUrl"] = _xml_safe(source.url)
        site = site_urls.get(source.name)
        if site:
            attrib["htmlUrl"] = _xml_safe(site)
        etree.SubElement(_folder(folders, source.categories), "outline", attrib)
    etree.indent(root, space="  ")
    text = etree.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n"


# -- reading ---------------------------------------------------------------------------------


def _parse(data: bytes, path: str) -> etree._Element:
    """Parse leniently but safely: no DTD, no entity expansion, no network."""
    text = _repair(_decode(data))
    parser = etree.XMLParser(
        encoding="utf-8",
        recover=True,
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(text.encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        raise ConfigError(f"not an OPML file: {exc.msg}", path=path, line=exc.lineno) from exc
    if root is None:
        raise ConfigError("not an OPML file: no XML element found", path=path)
    return root


def _decode(data: bytes) -> str:
    """Text from bytes: a BOM first, then the XML declaration, then UTF-8, then GB18030."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    candidates = ["utf-8", "gb18030"]
    declared = _DECLARED.match(data[:400])
    if declared:
        name = declared.group(1).decode("ascii").lower()
        candidates.insert(0, _WIDER_ENCODINGS.get(name, name))
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")


def _repair(text: str) -> str:
    """Drop the declaration and any DTD; make every `&` well-formed.

    The DTD goes because its entities are the XXE and billion-laughs doors. HTML entities
    (`&nbsp;`) become their characters; a bare `&` (as in `?a=1&b=2`, common in exports)
    becomes `&amp;`, which lxml's recovery would otherwise drop along with what follows.
    Line breaks are kept so that error line numbers still point into the file.
    """
    text = _DECLARATION.sub(lambda m: "\n" * m.group().count("\n"), text, count=1)
    text = _DOCTYPE.sub(lambda m: "\n" * m.group().count("\n"), text)
    return _ENTITY.sub(_fix_entity, _NOT_XML_CHARS.sub("", text))


def _fix_entity(match: re.Match[str]) -> str:
    ref = match.group(1)
    if ref is None:
        return "&amp;"
    if ref.startswith("#") or ref in _XML_ENTITIES:
        return match.group()
    value = html.entities.html5.get(ref)
    if value is None:
        return "&amp;" + ref
    return value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def _walk(parent: etree._Element, path: tuple[str, ...], where: str) -> Iterator[OpmlFeed]:
    for outline in _elements(parent):
        if _local_name(outline) != "outline":
            continue
        attrs = _attributes(outline)
        raw_url = attrs.get("xmlurl", "").strip()
        if not raw_url:
            name = _name(attrs.get("text")) or _name(attrs.get("title"))
            yield from _walk(outline, (*path, name) if name else path, where)
            continue
        feed = _feed(attrs, raw_url, path, where)
        if feed is not None:
            yield feed
        yield from _walk(outline, path, where)  # a feed outline with children: keep them too


def _feed(attrs: Mapping[str, str], raw_url: str, path: tuple[str, ...], where: str) -> OpmlFeed | None:
    kind = attrs.get("type", "").lower()
    if "xpath" in kind:  # FreshRSS web scraping rules: a page, not a feed
        log.info("%s: skipping %s: type %r is not a feed", where, raw_url, kind)
        return None
    url = _http_url(raw_url)
    if url is None:
        log.info("%s: skipping %r: not an http(s) URL", where, raw_url)
        return None
    name = _name(attrs.get("title")) or _name(attrs.get("text")) or urlsplit(url).hostname or url
    site = _http_url(attrs.get("htmlurl", "").strip())
    return OpmlFeed(name=name, url=url, categories=path, site_url=site)


def _elements(parent: etree._Element) -> Iterator[etree._Element]:
    return (child for child in parent if isinstance(child.tag, str))


def _local_name(element: etree._Element) -> str:
    return etree.QName(element).localname.lower()


def _attributes(element: etree._Element) -> dict[str, str]:
    """Un-namespaced attributes by lower-case name (`xmlUrl`, `xmlurl` and `XMLURL` alike)."""
    return {str(k).lower(): str(v) for k, v in element.attrib.items() if not str(k).startswith("{")}


def _name(value: str | None) -> str:
    """A display name: OPML allows encoded HTML in `text`, so strip tags and entities."""
    if not value:
        return ""
    if "<" in value:
        value = _TAG.sub("", value)
    if "&" in value:
        value = html.unescape(value)
    return _SPACE.sub(" ", value).strip()


def _http_url(value: str) -> str | None:
    """The URL if it is http(s) with a host (`feed://` and `feed:https://` are unwrapped)."""
    if value.lower().startswith("feed:"):
        rest = value[5:]
        value = rest if rest.lower().startswith(("http://", "https://")) else "http:" + rest
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return value


def _url_key(url: str) -> str:
    """Two spellings of one URL compare equal: scheme and host are case-insensitive."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))


# -- writing ---------------------------------------------------------------------------------


def _folder(folders: dict[tuple[str, ...], etree._Element], path: tuple[str, ...]) -> etree._Element:
    """The outline for a category path, made (with its parents) on first use."""
    if path not in folders:
        parent = _folder(folders, path[:-1])
        name = _xml_safe(path[-1])
        folders[path] = etree.SubElement(parent, "outline", {"text": name, "title": name})
    return folders[path]


def _xml_safe(value: str) -> str:
    return _NOT_XML_CHARS.sub("", value)
