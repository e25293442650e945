"""RSS 0.90–2.0, RSS 1.0 (RDF) and Atom 0.3/1.0, read with lxml.

The parser never resolves entities, never loads a DTD and never touches the network, so XXE and
entity expansion are impossible; repair.py has already turned every entity reference into a
character reference. It runs in recover mode, the way feed readers must: a document that
reported errors is repaired (repair.py) and parsed again, and a document with junk before its
root (PHP warnings, an HTML wrapper) is parsed again from the root's start tag.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

from lxml import etree

from newsmill.models import FeedData
from newsmill.parse.repair import Prepared, repair_markup
from newsmill.parse.xmlfields import (
    ATOM03,
    ATOM10,
    CHANNEL_HANDLERS,
    ITEM_HANDLERS,
    RSS090,
    RSS10,
    Context,
    Element,
    namespace_of,
    read_fields,
)

__all__ = ["parse_xml_feed"]

_ROOT_START = re.compile(rb"<(?:rss|feed|rdf:RDF|RDF)[\s>]")
_RSS_VERSIONS = {"0.91": "rss0.91", "0.92": "rss0.92", "0.93": "rss0.93", "0.94": "rss0.94"}
_ITEM_TAGS = ("item", f"{{{RSS10}}}item", f"{{{RSS090}}}item", "{http://backend.userland.com/rss2}item")
_ENTRY_TAGS = ("entry", f"{{{ATOM10}}}entry", f"{{{ATOM03}}}entry")


def parse_xml_feed(prepared: Prepared, *, timezone: str, now: datetime | None) -> FeedData | None:
    """Read the feed in `prepared`; None if the document has no RSS, RDF or Atom root."""
    found = _find_feed_root(prepared)
    if found is None:
        return None
    root, format_, prepared = found
    rdf = format_ in ("rss1.0", "rss0.90")
    ctx = Context(prepared.sections, timezone, now, b"xml:base" in prepared.data, rdf)
    atom = format_.startswith("atom")
    channel = root if atom else _channel(root)
    head = read_fields(ctx, channel, CHANNEL_HANDLERS)
    default_author = head.author if atom else None  # Atom entries inherit the feed's author
    entries = tuple(
        read_fields(ctx, item, ITEM_HANDLERS).entry(default_author)
        for item in root.iter(*(_ENTRY_TAGS if atom else _ITEM_TAGS))
    )
    return FeedData(format=format_, title=head.title, link=head.link, entries=entries)


def root_tag(data: bytes) -> str | None:
    """The local name of the document's root element, if it parses at all (for messages)."""
    root, _ = _parse(data)
    return None if root is None else _local(root)


def _find_feed_root(prepared: Prepared) -> tuple[Element, str, Prepared] | None:
    for candidate in _candidates(prepared):
        root, broken = _parse(candidate.data)
        if broken:
            repaired = repair_markup(candidate)
            fixed, _ = _parse(repaired.data)
            format_ = _format(fixed)
            if fixed is not None and format_ is not None:
                return fixed, format_, repaired
        format_ = _format(root)
        if root is not None and format_ is not None:
            return root, format_, candidate
    return None


def _candidates(prepared: Prepared) -> Iterator[Prepared]:
    yield prepared
    start = _ROOT_START.search(prepared.data, 1)
    if start is not None:
        yield Prepared(prepared.data[start.start() :], prepared.sections)


def _parse(data: bytes) -> tuple[Element | None, bool]:
    """The root element (None if nothing parsed) and whether the parser reported errors."""
    parser = etree.XMLParser(
        recover=True,
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        encoding="utf-8",  # repair.py hands over UTF-8, whatever the XML declaration says
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:  # recover mode still gives up on, e.g., no element at all
        return None, True
    return root, len(parser.error_log) > 0


def _format(root: Element | None) -> str | None:
    if root is None:
        return None
    local = _local(root)
    if local == "rss":
        version = (root.get("version") or "").strip()
        return _RSS_VERSIONS.get(version, "rss0.90" if version == "0.90" else "rss2.0")
    if local == "RDF":
        spaces = {namespace_of(child.tag) for child in root if isinstance(child.tag, str)}
        return "rss0.90" if RSS090 in spaces else "rss1.0"
    if local == "feed":
        return "atom0.3" if namespace_of(root.tag) == ATOM03 else "atom1.0"
    return None


def _local(element: Element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rpartition("}")[2].rpartition(":")[2]  # "rdf:RDF" when the prefix is undeclared


def _channel(root: Element) -> Element:
    for child in root:
        if isinstance(child.tag, str) and _local(child) == "channel":
            return child
    return root
