"""Stock mentions: links such as 证券时报's `trsHotWords`, and names learned from them.

证券时报 links a company like `<a class="trsHotWords" href="…?stockcode=SZ000516" code="000516">
国际医学</a>`. The clean stage keeps the href (not the class or code attributes), so mentions are
read from the sanitized HTML. Each link teaches the dictionary a name; later articles from any
source that use the name in plain text are tagged too, but only where the name is made of whole
segments: `国际医学` is found in `上海国际医学园区` (上海/国际/医学/园区) and not in
`国际医学中心` (国际/医学中心).
"""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from newsmill.models import StockMention

EXCHANGES = {"SZ": "SZ", "SH": "SH", "SS": "SH", "BJ": "BJ"}
MAX_NAME_SEGMENTS = 4  # a name is at most this many segments long (之江/生物)
_CODE = re.compile(r"^\s*(?:([A-Za-z]{2})\s*)?(\d{6})(?:\s*\.\s*([A-Za-z]{2}))?\s*$")
_LINK = re.compile(
    r"<a\b[^>]*?\bhref=\"[^\"]*?[?&](?:amp;)?stockcode=([A-Za-z]{0,2}\d{6})[^\"]*\"[^>]*>([^<]{2,20})</a>",
    re.IGNORECASE,
)


def normalise_code(code: str) -> str | None:
    """`SZ000516` → `000516.SZ`; `SS600848` → `600848.SH`; a bare code gets its exchange from
    its first digits (6: Shanghai, 0/2/3: Shenzhen, 4/8/92: Beijing). None if not a code.

    >>> normalise_code("SS688317"), normalise_code("430047"), normalise_code("000516.sz")
    ('688317.SH', '430047.BJ', '000516.SZ')
    """
    found = _CODE.match(code)
    if not found:
        return None
    prefix, digits, suffix = found.groups()
    given = (prefix or suffix or "").upper()
    if given:
        exchange = EXCHANGES.get(given)
        return f"{digits}.{exchange}" if exchange else None
    return f"{digits}.{_exchange_of(digits)}" if _exchange_of(digits) else None


def _exchange_of(digits: str) -> str | None:
    if digits.startswith("92") or digits[0] in "48":
        return "BJ"
    if digits[0] in "69":
        return "SH"
    if digits[0] in "023":
        return "SZ"
    return None


def linked_mentions(content_html: str) -> list[StockMention]:
    """Every stock link of an article, each code once, in order."""
    found: dict[str, StockMention] = {}
    for raw_code, raw_name in _LINK.findall(content_html):
        code = normalise_code(raw_code)
        name = "".join(html.unescape(raw_name).split())
        if code and name and code not in found:
            found[code] = StockMention(code=code, name=name)
    return list(found.values())


class StockNames:
    """The dictionary of company names: learned from links, or read from the user's CSV.

    `is_common(name)` guards plain-text matching: a name that is an everyday word (a company
    called `机器人`) is only ever found through links.
    """

    def __init__(
        self, names: Mapping[str, str] | None = None, *, is_common: Callable[[str], bool] | None = None
    ) -> None:
        self._codes: dict[str, str] = {}
        self._prefixes: set[str] = set()
        self._firsts: set[str] = set()  # names and their prefixes: where a match can start
        self._is_common = is_common or (lambda _name: False)
        for name, code in (names or {}).items():
            self.add(StockMention(code=code, name=name))

    def __len__(self) -> int:
        return len(self._codes)

    def __contains__(self, name: object) -> bool:
        return name in self._codes

    def add(self, mention: StockMention) -> bool:
        """Learn a name; True when it is new (a known name keeps its first code)."""
        if mention.name in self._codes or len(mention.name) < 2:
            return False
        self._codes[mention.name] = mention.code
        self._prefixes.update(mention.name[:i] for i in range(1, len(mention.name)))
        self._firsts.update(mention.name[:i] for i in range(1, len(mention.name) + 1))
        return True

    def code(self, name: str) -> str | None:
        return self._codes.get(name)

    def find(self, words: Sequence[str]) -> list[StockMention]:
        """Names made of 1 to MAX_NAME_SEGMENTS consecutive whole words, each code once."""
        found: dict[str, StockMention] = {}
        codes, prefixes, firsts = self._codes, self._prefixes, self._firsts
        if firsts.isdisjoint(words):  # checked in C: no word can start a name
            return []
        for start, first in enumerate(words):
            if first not in firsts:
                continue
            joined = ""
            for word in words[start : start + MAX_NAME_SEGMENTS]:
                joined += word
                code = codes.get(joined)
                if code is not None and code not in found and not self._is_common(joined):
                    found[code] = StockMention(code=code, name=joined)
                if joined not in prefixes:
                    break
        return list(found.values())


def read_stock_csv(path: Path) -> Iterator[StockMention]:
    """`code,name` rows (a header row and blank or `#` lines are skipped); codes normalised.
    Raises ValueError naming the line of a row that is not a code and a name."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
                continue
            if number == 1 and normalise_code(row[0]) is None and row[0].strip().lower() == "code":
                continue
            yield _csv_mention(path, number, row)


def _csv_mention(path: Path, number: int, row: list[str]) -> StockMention:
    code = normalise_code(row[0]) if len(row) >= 2 else None
    name = "".join(row[1].split()) if len(row) >= 2 else ""
    if code is None or not name:
        raise ValueError(f"{path}:{number}: expected `code,name` such as `000516.SZ,国际医学`")
    return StockMention(code=code, name=name)


def merge_mentions(*groups: Iterable[StockMention]) -> tuple[StockMention, ...]:
    """The mentions of every group, each code once, first one kept."""
    found: dict[str, StockMention] = {}
    for group in groups:
        for mention in group:
            found.setdefault(mention.code, mention)
    return tuple(found.values())
