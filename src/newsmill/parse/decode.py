"""Bytes to text, for sites that send GBK, GB18030 or Big5 and often label it wrongly.

The charset is decided from clues in this order: the source's `encoding` setting, a byte order
mark, the HTTP `Content-Type` charset, the document's own XML declaration or `<meta>` tag, then
the default (UTF-8, as XML and JSON say). Each clue must decode the bytes strictly; one that
does not is passed over. If none does, the clues are tried again with a small tolerance (below),
and then charset-normalizer guesses. A wrong label therefore never produces mojibake unless the
wrong charset happens to decode the bytes cleanly.

Four refinements, each because real feeds need it:

* GB2312, GBK, CP936 and friends are read as GB18030, and Big5 as Big5-HKSCS (supersets:
  sites that say GB2312 routinely use characters outside it).
* Bytes that are valid UTF-8 and not plain ASCII are read as UTF-8 whatever the HTTP header or
  the document declares (the source's own setting still wins). GBK or Big5 text that happens to
  be valid UTF-8 is vanishingly rare, while "UTF-8 labelled GBK" is common, and GB18030 can
  decode UTF-8 Chinese bytes without error, into mojibake.
* An HTTP charset of ISO-8859-1 or US-ASCII (read as windows-1252, as browsers do) is what
  servers send by default, so the document's own declaration is believed before it.
* A charset that a clue names (or UTF-8) may decode with a few invalid bytes replaced by U+FFFD
  when nothing decodes cleanly: only if the replacements are under 0.1% of the text and under
  10% of its non-ASCII characters. Real feeds carry the odd broken byte; a wrong charset breaks
  nearly every non-ASCII character, so the second bound tells the two apart even in a mostly
  ASCII document.

Detection leans East Asian: when charset-normalizer also finds a GB18030, Big5, Shift_JIS or
EUC-KR reading no messier than its favourite, that reading wins. With only a few non-ASCII
characters its favourite is otherwise Mac Roman or another European code page, and the sites
newsmill reads are Chinese.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from functools import lru_cache

import charset_normalizer

__all__ = ["DecodeError", "decode_document", "utf8_is_first_choice"]


class DecodeError(ValueError):
    """No charset decodes the document cleanly; the message names the charsets tried."""


@dataclass(frozen=True, slots=True)
class _Clue:
    charset: str  # a Python codec name, normalized
    where: str  # for messages: where the clue came from


_ALIASES = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
    "ms936": "gb18030", "windows-936": "gb18030", "gb_2312": "gb18030", "gb_2312-80": "gb18030",
    "euc-cn": "gb18030", "euccn": "gb18030", "csgb2312": "gb18030", "chinese": "gb18030",
    "iso-ir-58": "gb18030", "x-euc-cn": "gb18030", "gb18030": "gb18030",
    "big5": "big5hkscs", "big-5": "big5hkscs", "cn-big5": "big5hkscs", "csbig5": "big5hkscs",
    "x-x-big5": "big5hkscs", "big5-hkscs": "big5hkscs",
    "utf8": "utf-8", "utf-8": "utf-8", "unicode-1-1-utf-8": "utf-8",
    "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "cp1252",
    "ascii": "cp1252", "iso8859-1": "cp1252",  # as browsers read them (WHATWG)
}  # fmt: skip
# Codecs that are not charsets a document can be in, or that turn text into markup (UTF-7).
_REFUSED = frozenset(
    {"unicode-escape", "raw-unicode-escape", "utf-7", "idna", "punycode", "undefined",
     "palmos", "mbcs", "oem", "charmap"}
)  # fmt: skip
# Detection prefers a reading in one of these when it is no messier than its own best guess:
# with few non-ASCII characters it otherwise favours Mac Roman and friends, and the sites
# newsmill reads are Chinese, Japanese or Korean far more often than Icelandic.
_CJK = frozenset(
    {"gb18030", "gbk", "gb2312", "big5", "big5hkscs", "cp950", "shift_jis", "cp932", "euc_jp",
     "euc_kr", "cp949"}
)  # fmt: skip
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_WIDE_XML = ((b"<\x00?\x00", "utf-16-le"), (b"\x00<\x00?", "utf-16-be"))  # no BOM
_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?([^"';\s]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']+)["']""")
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_META_SCAN = 8192  # a <meta> charset past this point is too late to be believed
_OVERRIDE = "the source's encoding setting"
_BOM = "the byte order mark"
_LEADING_SPACE = " \t\r\n\f\v\ufeff"
_TOLERATED_SHARE = 1000  # replacements must be under 1/1000 of the text ...
_TOLERATED_NON_ASCII = 10  # ... and under 1/10 of its non-ASCII characters


def decode_document(body: bytes, *, content_type: str | None = None, encoding: str | None = None) -> str:
    """Decode a fetched document to text, without leading BOM or whitespace.

    `content_type` is the whole HTTP header; `encoding` the source's override, which wins over
    every other clue. Raises `DecodeError` naming the charsets tried when none fits.

    >>> decode_document('<?xml version="1.0" encoding="gbk"?><rss/>'.encode("gbk"))
    '<?xml version="1.0" encoding="gbk"?><rss/>'
    >>> decode_document("<p>要闻</p>".encode("gb18030"), content_type="text/html; charset=GB2312")
    '<p>要闻</p>'
    """
    clues = _clues(body, content_type, encoding)
    text = _decode_by_clues(body, clues)
    if text is None:
        text = _decode_tolerantly(body, clues)
    if text is None:
        text = _detect(body)
    if text is None:
        tried = ", ".join(f"{clue.charset} ({clue.where})" for clue in clues)
        raise DecodeError(
            f"no charset decodes it cleanly (tried {tried}, then detection)"
            if tried
            else "no charset decodes it cleanly (detection found none)"
        )
    return text.lstrip(_LEADING_SPACE)


def utf8_is_first_choice(body: bytes, content_type: str | None, encoding: str | None) -> bool:
    """Would `decode_document` take these bytes as UTF-8 if they decode strictly as UTF-8?

    Lets the parser skip decoding the whole document up front in the common case.
    """
    clues = _clues(body, content_type, encoding)
    if not clues:
        return True
    first = clues[0]
    if first.where in (_OVERRIDE, _BOM):
        return first.charset in ("utf-8", "utf-8-sig")
    return _ascii_compatible(first.charset)


def _clues(body: bytes, content_type: str | None, encoding: str | None) -> list[_Clue]:
    found: list[_Clue] = []
    _add(found, encoding, _OVERRIDE)
    bom = _bom_charset(body)
    _add(found, bom, _BOM)
    http = _HTTP_CHARSET.search(content_type or "")
    http_clue = _normalize(http.group(1)) if http else None
    weak_http = http_clue == "cp1252"  # what servers send by default; the document knows better
    if not weak_http:
        _add(found, http_clue, "the HTTP Content-Type")
    if bom is None:
        declared = _declared_charset(body)
        # A declaration readable as ASCII cannot be in UTF-16/32, whatever it says.
        if declared and _ascii_compatible(_normalize(declared) or ""):
            _add(found, declared, "the document's declaration")
    if weak_http:
        _add(found, http_clue, "the HTTP Content-Type")
    _add(found, "utf-8", "the default")
    return found


def _add(found: list[_Clue], charset: str | None, where: str) -> None:
    name = _normalize(charset) if charset else None
    if name and all(clue.charset != name for clue in found):
        found.append(_Clue(name, where))


@lru_cache(maxsize=256)
def _normalize(charset: str) -> str | None:
    """The Python codec for a charset label, or None for labels we cannot or will not use."""
    label = charset.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except (LookupError, ValueError):  # ValueError: a NUL in the label
        return None
    if name in _REFUSED or not getattr(codecs.lookup(name), "_is_text_encoding", True):
        return None
    return name


def _bom_charset(body: bytes) -> str | None:
    for bom, charset in _BOMS:
        if body.startswith(bom):
            return charset
    for start, charset in _WIDE_XML:
        if body.startswith(start):
            return charset
    return None


def _declared_charset(body: bytes) -> str | None:
    head = body[:_META_SCAN]
    match = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    if match is None:
        return None
    return match.group(1).decode("ascii", "replace")


def _ascii_compatible(charset: str) -> bool:
    return bool(charset) and not charset.replace("_", "-").startswith(("utf-16", "utf-32"))


def _decode_by_clues(body: bytes, clues: list[_Clue]) -> str | None:
    utf8: str | None = None
    utf8_tried = False
    for clue in clues:
        if clue.where == _OVERRIDE:
            text = _strict(body, clue.charset) or _tolerant(body, clue.charset)
            if text is not None:
                return text
            continue
        if clue.charset != "utf-8" and _ascii_compatible(clue.charset):
            if not utf8_tried:
                utf8_tried = True
                utf8 = None if body.isascii() else _strict(body, "utf-8")
            if utf8 is not None:
                return utf8
        text = _strict(body, clue.charset)
        if text is not None:
            return text
    return None


def _decode_tolerantly(body: bytes, clues: list[_Clue]) -> str | None:
    for clue in clues:
        text = _tolerant(body, clue.charset)
        if text is not None:
            return text
    return None


def _detect(body: bytes) -> str | None:
    matches = list(charset_normalizer.from_bytes(body))
    if not matches:
        return None
    best = matches[0]
    cjk = [match for match in matches if match.encoding in _CJK and match.chaos <= best.chaos]
    charset = _normalize(str((cjk[0] if cjk else best).encoding))
    return _strict(body, charset) if charset else None


def _strict(body: bytes, charset: str) -> str | None:
    try:
        return body.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return None


def _tolerant(body: bytes, charset: str) -> str | None:
    try:
        text = body.decode(charset, "replace")
    except LookupError:
        return None
    replaced = text.count("\ufffd")
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    if replaced * _TOLERATED_SHARE < len(text) and replaced * _TOLERATED_NON_ASCII < non_ascii:
        return text
    return None
