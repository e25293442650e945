"""The client-side search index: character bigrams, sharded posting lists, fetched on demand.

The archive is cut into segments, oldest first: full ones of `SEGMENT_DOCS` articles, middle
ones of `MIDDLE_DOCS`, then the newest articles in tail segments of `TAIL_DOCS`, so new
articles only change the last small tail segment (see `segment_bounds`). Each segment has
posting files (`search/s3/17.json`: bigram → delta-encoded local document numbers), fewer for
a smaller segment (an incremental build rewrites a tail segment: 8 small files, not 256), and
document chunks (`search/s3/d0.json`: path, title, time, source, summary). `search.js` fetches
the shards of a query's bigrams and intersects them: every word of a query must match (AND),
and a word of two characters or more is found wherever it occurs as a substring, for a page
holding the word holds all of its bigrams. `query_index` does in Python what the script does,
for tests.
"""

from __future__ import annotations

import functools
import hashlib
import json
import operator
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from newsmill.publish.site.cards import Card, Slot

# Articles and posting files of a segment at each level (see `segment_bounds`).
SEGMENT_DOCS, SHARDS = 4096, 256
MIDDLE_DOCS, MIDDLE_SHARDS = 512, 32
TAIL_DOCS, TAIL_SHARDS = 64, 8
CHUNK = 500
FORMAT = "3"  # 2: smaller segments have fewer shards; 3: three levels


# Full-width ASCII (Ａ, １, ＃) and the ideographic space become their plain forms, as in search.js.
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]")


def normalize(text: str) -> str:
    """What the index and the script both do to text: full-width letters half-width, lower case.

    (Not all of NFKC: that costs twice as much and changes nothing in a Chinese news text
    that a reader would type differently.)"""
    if _FULL_WIDTH.search(text):  # (translating char by char costs ten times the search)
        text = text.translate(_HALF_WIDTH)
    return text.lower()


def bigrams(text: str) -> set[str]:
    grams: set[str] = set()
    for word in normalize(text).split():
        grams.update(map(operator.add, word, word[1:]))
    return grams


def shard_of(gram: str, shards: int = SHARDS) -> int:
    """The same hash as `shardOf` in search.js (31-multiplier over code points, 32 bits)."""
    value = 0
    for char in gram:
        value = (value * 31 + ord(char)) & 0xFFFFFFFF
    return value % shards


@dataclass(frozen=True, slots=True)
class Placement:
    segment: int
    local: int


def segment_bounds(total: int) -> tuple[tuple[int, int], ...]:
    """(first rank, size) of each segment of an archive of `total`; rank 0 is the oldest.

    Full segments first, then as many middle ones as fit, then tail segments (the last one
    partly filled): like the levels of a log-structured merge tree, so an article arriving
    changes a tail segment, every `MIDDLE_DOCS` articles one middle segment is made of the
    tails, and every `SEGMENT_DOCS` one full segment of the middle ones."""
    return _bounds(total, SEGMENT_DOCS, MIDDLE_DOCS, TAIL_DOCS)  # (cached: the sizes are read at call time)


@functools.lru_cache(maxsize=8)
def _bounds(total: int, *levels: int) -> tuple[tuple[int, int], ...]:
    bounds: list[tuple[int, int]] = []
    start = 0
    for size in levels[:-1]:
        while total - start >= size:
            bounds.append((start, size))
            start += size
    last = levels[-1]
    bounds += [(first, min(last, total - first)) for first in range(start, total, last)]
    return tuple(bounds)


def place(stream_index: int, total: int) -> Placement:
    """Where the `stream_index`-th newest of `total` articles sits."""
    rank = total - 1 - stream_index
    bounds = segment_bounds(total)
    segment = bisect_right(bounds, rank, key=_first) - 1
    return Placement(segment, rank - bounds[segment][0])


def _first(bound: tuple[int, int]) -> int:
    return bound[0]


def segment_size(segment: int, total: int) -> int:
    return segment_bounds(total)[segment][1]


def shards_of(size: int) -> int:
    """How many posting files a segment of `size` articles has: fewer for the smaller levels,
    which are rewritten more often and hold fewer words."""
    if size == SEGMENT_DOCS:
        return SHARDS
    return MIDDLE_SHARDS if size == MIDDLE_DOCS else TAIL_SHARDS


def segment_indexes(segment: int, total: int) -> range:
    """The stream indexes (newest first) of the articles of `segment`."""
    first, size = segment_bounds(total)[segment]
    return range(total - first - size, total - first)


def segment_keys(cards: Sequence[Slot]) -> list[str]:
    """One key per segment, oldest first: it changes when any of its articles does."""
    total = len(cards)
    keys = []
    for first, size in segment_bounds(total):
        digest = hashlib.blake2b(f"{FORMAT}|{shards_of(size)}|{CHUNK}|{size}".encode(), digest_size=12)
        for rank in range(first, first + size):
            card = cards[total - 1 - rank]
            digest.update(f"{card.full}|{card.path}\n".encode())
        keys.append(digest.hexdigest())
    return keys


@dataclass
class SegmentBuilder:
    """Collects one segment's articles; they arrive newest first (local numbers falling)."""

    number: int
    key: str
    size: int
    texts: list[tuple[int, str]] = field(default_factory=list)
    docs: list[list[str] | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.docs = [None] * self.size

    def add(self, local: int, card: Card, text: str) -> None:
        self.texts.append((local, card.title + "\n" + text))
        self.docs[local] = [card.path, card.title, card.time, card.source, card.summary]

    def job(self) -> SegmentJob:
        return SegmentJob(self.number, self.size, self.texts, self.docs)

    def paths(self) -> list[str]:
        folder = f"search/s{self.number}/"
        chunks = (self.size + CHUNK - 1) // CHUNK
        shards = range(shards_of(self.size))
        return [f"{folder}{i}.json" for i in shards] + [f"{folder}d{i}.json" for i in range(chunks)]


@dataclass(frozen=True, slots=True)
class SegmentJob:
    """A complete segment to index: plain data, so another process can do it."""

    number: int
    size: int
    texts: list[tuple[int, str]]  # (local number, title and text), local numbers falling
    docs: list[list[str] | None]


def segment_files(job: SegmentJob) -> list[tuple[str, bytes]]:
    """The posting shards and document chunks of one segment."""
    postings: dict[str, list[int]] = {}
    for local, text in job.texts:
        for gram in bigrams(text):
            found = postings.get(gram)
            if found is None:
                postings[gram] = [local]
            else:
                found.append(local)
    folder = f"search/s{job.number}/"
    count = shards_of(job.size)
    shards: list[dict[str, list[int]]] = [{} for _ in range(count)]
    for gram in sorted(postings):
        numbers = postings[gram]
        numbers.sort()
        shards[shard_of(gram, count)][gram] = _deltas(numbers)
    files = [(f"{folder}{index}.json", _dump(shard)) for index, shard in enumerate(shards)]
    for start in range(0, job.size, CHUNK):
        files.append((f"{folder}d{start // CHUNK}.json", _dump(job.docs[start : start + CHUNK])))
    return files


def meta_json(keys: list[str], total: int) -> bytes:
    sizes = [size for _, size in segment_bounds(total)]
    segments = [
        {"id": i, "docs": size, "shards": shards_of(size), "key": key[:10]}
        for i, (key, size) in enumerate(zip(keys, sizes, strict=True))
    ]
    return _dump({"version": FORMAT, "chunk": CHUNK, "segments": segments})


def _deltas(numbers: list[int]) -> list[int]:
    last = 0
    out = []
    for number in numbers:
        out.append(number - last)
        last = number
    return out


def _dump(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def query_index(site: Path, query: str) -> list[str]:
    """The paths of the articles a query finds, newest first, as search.js finds them."""
    meta = json.loads((site / "search" / "meta.json").read_text(encoding="utf-8"))
    words = [word for word in normalize(query).split() if len(word) >= 2]
    grams = sorted({gram for word in words for gram in bigrams(word)})
    if not grams:
        return []
    found: list[str] = []
    for segment in reversed(meta["segments"]):
        folder = site / "search" / f"s{segment['id']}"
        hits: set[int] | None = None
        for gram in grams:
            shard = json.loads(
                (folder / f"{shard_of(gram, segment['shards'])}.json").read_text(encoding="utf-8")
            )
            numbers = set(_undelta(shard.get(gram, [])))
            hits = numbers if hits is None else hits & numbers
        for local in sorted(hits or (), reverse=True):
            chunk = json.loads((folder / f"d{local // meta['chunk']}.json").read_text(encoding="utf-8"))
            found.append(chunk[local % meta["chunk"]][0])
    return found


def _undelta(deltas: list[int]) -> list[int]:
    out, last = [], 0
    for delta in deltas:
        last += delta
        out.append(last)
    return out
