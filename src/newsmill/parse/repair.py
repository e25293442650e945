"""Byte-level work on an XML feed before lxml sees it: speed and the repairs feed readers make.

Speed: libxml2 checks every character of a CDATA section, which for a feed of long Chinese
articles costs more than the rest of the parse. CDATA content is opaque to XML, so the large
sections are lifted out, replaced by short placeholders (U+E000 index U+E001, private-use
characters), and put back as text afterwards (`restore`). Decoding the lifted bytes is also the
check that they are UTF-8.

Repairs, each for a way real feeds are broken:

* Control characters other than tab, CR and LF are illegal in XML; libxml2 drops the text around
  them, so they are removed first. U+FFFE and U+FFFF likewise.
* HTML named entities (`&nbsp;`, `&mdash;`, `&ldquo;`, ...) are undefined in XML; libxml2 drops
  them and sometimes the text after them. They become numeric references; a bare `&` becomes
  `&amp;`, as does an unknown name, so `&foo;` reads as the text "&foo;". No entity reference is
  left for the parser to resolve, which also shuts the door on XXE.
* After a parse that reported errors, `repair_markup` escapes stray markup inside text fields
  (`<title>Foo <b>bar</title>`): libxml2's recovery otherwise nests every following element,
  and the following items, inside the unclosed tag. A `<` that starts no tag becomes `&lt;`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.entities import html5

__all__ = ["Prepared", "prepare_xml", "repair_markup", "restore"]

_CDATA_OPEN = b"<![CDATA["
_LIFT_MIN = 128  # bytes: smaller sections cost more to lift than libxml2 spends on them
_PLACEHOLDER = re.compile("\ue000([0-9]+)\ue001")
_CONTROL = bytes(c for c in range(32) if c not in (9, 10, 13))
_CONTROL_CHARS = tuple(bytes([c]) for c in _CONTROL)
_NONCHARACTERS = (b"\xef\xbf\xbe", b"\xef\xbf\xbf")  # U+FFFE, U+FFFF
_LEADING = b" \t\r\n"
_BOM = b"\xef\xbb\xbf"
_BAD_AMP = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#[xX][0-9a-fA-F]+);)")
_NAMED_ENTITY = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos);)([A-Za-z][A-Za-z0-9]{0,40};)")
_BARE_AMP = re.compile(rb"&(?!(?:[A-Za-z][A-Za-z0-9]{0,40}|#[0-9]+|#[xX][0-9a-fA-F]+);)")
_BARE_LT = re.compile(rb"<(?![A-Za-z_:/!?])")
_XML_TYPED = re.compile(rb"""(?:type|mode)\s*=\s*["'][^"']*xml""", re.IGNORECASE)
_TEXT_FIELD = re.compile(
    rb"<(?P<tag>title|description|summary|content|content:encoded|dc:title)(?P<attrs>\s[^>]{0,200})?>"
    rb"(?P<body>(?:(?!</?(?:item|entry|channel|(?P=tag))[\s>/]).)*?)"
    rb"</(?P=tag)\s*>",
    re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class Prepared:
    """UTF-8 XML ready for lxml, with its lifted CDATA sections."""

    data: bytes
    sections: tuple[str, ...]


def prepare_xml(data: bytes) -> Prepared | None:
    """Lift CDATA and make the first repairs; None if the bytes are not valid UTF-8."""
    data = data.lstrip(_LEADING)
    if data.startswith(_BOM):
        data = data[len(_BOM) :].lstrip(_LEADING)
    if any(char in data for char in _CONTROL_CHARS):  # memchr each: far faster than a regex
        data = data.translate(None, _CONTROL)
    lifted: list[bytes] = []
    data = _lift(data, lifted, _LIFT_MIN)
    try:
        data.decode("utf-8")
        sections = [section.decode("utf-8") for section in lifted]
    except UnicodeDecodeError:
        return None
    for bad in _NONCHARACTERS:
        if bad in data:
            data = data.replace(bad, b"")
    if _BAD_AMP.search(data):
        data = _lift(data, lifted, 0)  # entities inside CDATA are text: keep them out of reach
        sections.extend(section.decode("utf-8") for section in lifted[len(sections) :])
        data = _NAMED_ENTITY.sub(_named_entity, data)
        data = _BARE_AMP.sub(b"&amp;", data)  # a literal replacement: no Python call per match
    return Prepared(data, tuple(sections))


def repair_markup(prepared: Prepared) -> Prepared:
    """Escape markup that cannot be markup; for a document whose first parse reported errors."""
    lifted: list[bytes] = []
    data = _lift(prepared.data, lifted, 0, first=len(prepared.sections))
    sections = prepared.sections + tuple(section.decode("utf-8") for section in lifted)
    data = _BARE_LT.sub(b"&lt;", data)  # first, so "PMI<50" alone leaves a title plain text
    data = _TEXT_FIELD.sub(_escape_field, data)
    return Prepared(data, sections)


def restore(text: str, sections: tuple[str, ...]) -> str:
    """Put lifted CDATA content back into text read from the tree."""
    if "\ue000" not in text:
        return text
    whole = text.strip()
    if whole[0] == "\ue000" and whole[-1] == "\ue001" and whole[1:-1].isdigit():
        index = int(whole[1:-1])  # the common case: the element held one CDATA section
        if index < len(sections):
            return sections[index]

    def section(match: re.Match[str]) -> str:
        index = int(match[1])
        return sections[index] if index < len(sections) else match[0]

    return _PLACEHOLDER.sub(section, text)


def _lift(data: bytes, lifted: list[bytes], min_size: int, first: int = 0) -> bytes:
    """Replace CDATA sections of `min_size` bytes or more by placeholders; append their bytes.

    Placeholders are numbered from `first` + the sections already in `lifted`.
    """
    start = data.find(_CDATA_OPEN)
    if start < 0:
        return data
    parts: list[bytes] = []
    position = 0
    while start >= 0:
        end = _cdata_end(data, start + len(_CDATA_OPEN))
        if end < 0:
            break  # unterminated: leave it to the parser's recovery
        if end - start - len(_CDATA_OPEN) >= min_size:
            parts.append(data[position:start])
            parts.append(b"\xee\x80\x80%d\xee\x80\x81" % (first + len(lifted)))
            lifted.append(data[start + len(_CDATA_OPEN) : end])
            position = end + 3
        start = data.find(_CDATA_OPEN, end + 3)
    if not parts:
        return data
    parts.append(data[position:])
    return b"".join(parts)


def _cdata_end(data: bytes, start: int) -> int:
    # Searching for one byte is a memchr; for "]]>" it is several times slower on long text.
    index = data.find(b"]", start)
    while index >= 0 and not data.startswith(b"]]>", index):
        index = data.find(b"]", index + 1)
    return index


def _named_entity(match: re.Match[bytes]) -> bytes:
    """An HTML entity as character references; an unknown name as text ("&foo;")."""
    chars = html5.get(match[1].decode("ascii"))
    if chars:
        return "".join(f"&#{ord(char)};" for char in chars).encode("ascii")
    return b"&amp;" + match[1]


def _escape_field(match: re.Match[bytes]) -> bytes:
    body = match["body"]
    attrs = match["attrs"] or b""
    if b"<" not in body or _XML_TYPED.search(attrs):  # Atom xhtml content is markup by right
        return match[0]
    escaped = body.replace(b"&", b"&amp;").replace(b"<", b"&lt;").replace(b">", b"&gt;")
    tag = match["tag"]
    return b"<" + tag + attrs + b">" + escaped + b"</" + tag + b">"
