"""Story grouping: near-duplicate articles (one wire story, many outlets) share a story id.

Each article's body is shingled into consecutive word pairs; a one-permutation MinHash of
SIGNATURE_SIZE values (one hash per shingle, the shingle's bin chosen by the hash, empty bins
filled from their right-hand neighbour) estimates the Jaccard similarity of two articles'
shingle sets. Locality-sensitive hashing groups the signature into BANDS bands of ROWS values;
articles sharing any band key are candidates (the store looks the keys up with an index, so a
new article never meets the whole archive), and a candidate joins when its estimated similarity
is high enough, or moderate with a similar headline. The earliest article leads the story, and
its id is the story id.

With 20 bands of 3 rows, a pair at similarity 0.5 becomes candidates with probability 0.93, at
0.6 with 0.99, and at 0.2 with 0.15 (then the similarity check turns it away).
"""

from __future__ import annotations

import itertools
import operator
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from newsmill.enrich.segment import bigrams
from newsmill.models import StoryCandidate

SIGNATURE_SIZE = 60
ROWS = 3
BANDS = SIGNATURE_SIZE // ROWS
SAME_STORY = 0.4  # estimated Jaccard similarity of shingles that alone makes two articles one story
SIMILAR_BODY = 0.2  # ... that makes them one story when the headlines are alike too
SIMILAR_TITLE = 0.5  # Jaccard similarity of the headlines' character bigrams
_MASK = (1 << 64) - 1
_EMPTY = 1 << 63  # above every signed 64-bit value

# Finds stored candidates by band keys, published between two moments.
CandidateLookup = Callable[[Sequence[int], datetime, datetime], Sequence[StoryCandidate]]


def _mix(value: int) -> int:
    """splitmix64's finalizer: a stable 64-bit hash of a 64-bit integer."""
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 31)


class _WordHashes(dict[str, int]):
    """crc32 of each content word (two or more characters, not punctuation), -1 for any other
    word; remembered, for a dict lookup is several times cheaper than hashing and news
    vocabularies are small. Cleared when it grows past a bound."""

    LIMIT = 500_000

    def __missing__(self, word: str) -> int:
        if len(self) > self.LIMIT:
            self.clear()
        content = len(word) > 1 and word[0].isalnum()
        value = self[word] = zlib.crc32(word.encode("utf-8", "surrogatepass")) if content else -1
        return value


_word_hash = _WordHashes()


def shingles(words: Sequence[str]) -> set[int]:
    """Signed 64-bit hashes of consecutive pairs of content words (two or more characters, no
    punctuation). Words hash by crc32; a pair by Python's hash of a tuple of two ints, which is
    computed in C and, unlike a string's, the same in every process (xxHash-based since 3.8)."""
    hashes = [value for value in map(_word_hash.__getitem__, words) if value >= 0]
    return set(map(hash, itertools.pairwise(hashes)))


def minhash(shingle_hashes: set[int]) -> tuple[int, ...]:
    """The one-permutation MinHash signature; () when there is nothing to hash."""
    if not shingle_hashes:
        return ()
    # largest first, so the smallest value of each bin is written last and stays
    smallest = {(value >> 32) % SIGNATURE_SIZE: value for value in sorted(shingle_hashes, reverse=True)}
    mins = [smallest.get(slot, _EMPTY) for slot in range(SIGNATURE_SIZE)]
    for slot in range(SIGNATURE_SIZE):
        if mins[slot] == _EMPTY:
            distance = 1
            while mins[(slot + distance) % SIGNATURE_SIZE] == _EMPTY:
                distance += 1
            # the neighbour's value, altered by the distance: two articles borrow alike only
            # when their neighbours and gaps are alike
            borrowed = _mix((mins[(slot + distance) % SIGNATURE_SIZE] + distance) & _MASK)
            mins[slot] = borrowed - (1 << 63)  # signed, like the shingles
    return tuple(mins)


def band_keys(signature: Sequence[int]) -> tuple[int, ...]:
    """One signed 64-bit key per band (the band's number is hashed in, so bands never collide)."""
    rows = [signature[row::ROWS] for row in range(ROWS)]  # zip pairs them up band by band, in C
    return tuple(map(hash, zip(range(len(signature) // ROWS), *rows, strict=False)))  # drops a partial band


def similarity(first: Sequence[int], second: Sequence[int]) -> float:
    """Estimated Jaccard similarity of two signatures' shingle sets."""
    if not first or len(first) != len(second):
        return 0.0
    same: int = sum(map(operator.eq, first, second))  # compared in C
    return same / len(first)


def title_similarity(first: str, second: str) -> float:
    """Jaccard similarity of two headlines' character bigrams (Chinese) and words (others)."""
    a, b = _title_grams(first), _title_grams(second)
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _title_grams(title: str) -> set[str]:
    return set(bigrams(title)) | {word.lower() for word in title.split() if word.isascii() and word.isalnum()}


def same_story(signature: Sequence[int], title: str, candidate: StoryCandidate) -> bool:
    body = similarity(signature, candidate.minhash)
    if body >= SAME_STORY:
        return True
    return body >= SIMILAR_BODY and title_similarity(title, candidate.title) >= SIMILAR_TITLE


@dataclass
class _Group:
    """The candidates of one story under one band key, and the earliest lead time among them."""

    earliest_lead: datetime
    candidates: list[StoryCandidate] = field(default_factory=list)


# band key → story → its candidates with that key
_Index = dict[int, dict[str, _Group]]


def _add(index: _Index, keys: Sequence[int], candidate: StoryCandidate) -> None:
    for key in keys:
        groups = index.setdefault(key, {})
        group = groups.get(candidate.story)
        if group is None:
            groups[candidate.story] = _Group(candidate.lead_published, [candidate])
        else:
            group.candidates.append(candidate)
            if candidate.lead_published < group.earliest_lead:
                group.earliest_lead = candidate.lead_published


@dataclass
class _Probe:
    """A new article looking for its story: the candidates it has met, and its window."""

    title: str
    signature: tuple[int, ...]
    since: datetime
    until: datetime
    seen: set[str]  # article ids

    def earliest_match(self, group: _Group, lead: datetime | None, known: datetime | None) -> datetime | None:
        """The earliest lead time of `known` and those of the group's similar candidates (all
        of them led by `lead`, when the batch changed their story's lead)."""
        floor = group.earliest_lead if lead is None else lead
        for candidate in group.candidates:
            if known is not None and known <= floor:
                break  # matched already, and no candidate here has an earlier lead
            if candidate.article_id in self.seen or not self.since <= candidate.published <= self.until:
                continue
            self.seen.add(candidate.article_id)
            lead_published = candidate.lead_published if lead is None else lead
            if (known is None or lead_published < known) and same_story(
                self.signature, self.title, candidate
            ):
                known = lead_published
        return known


@dataclass
class StoryGrouper:
    """Assigns stories to new articles one at a time, against the store (through `lookup`) and
    the articles assigned earlier in the same batch, which the store has not seen yet.

    Candidates are kept by band key and story: once an article matched a story, the rest of
    that story's candidates are skipped, so a story of hundreds of articles costs about one
    comparison per new article, not hundreds.
    """

    lookup: CandidateLookup
    window: timedelta = timedelta(days=3)
    _batch: _Index = field(default_factory=dict)
    _renamed: dict[str, str] = field(default_factory=dict)  # merged story → the story it joined
    _leads: dict[str, datetime] = field(default_factory=dict)  # lead published, when it changed
    _stored: _Index | None = None  # prefetched candidates
    _shared: set[int] | None = None  # after a prefetch: the keys of two or more of the batch's articles

    def prefetch(self, batch: Sequence[tuple[Sequence[int], datetime]]) -> None:
        """Look up the stored candidates of a whole batch, given as (band keys, published) of
        each article, at once (one query, not one per article); `assign`, given the articles of
        that batch, then finds them here, exactly those a lookup of its own would have found."""
        counts = Counter(key for bands, _ in batch for key in bands)
        # an article is only looked for under keys another one of the batch has
        self._shared = {key for key, count in counts.items() if count > 1}
        keys = sorted(counts)
        if not keys:
            return
        since = min(when for _, when in batch) - self.window
        until = max(when for _, when in batch) + self.window
        self._stored = self._index(self.lookup(keys, since, until), set(keys))

    def assign(
        self,
        article_id: str,
        title: str,
        published: datetime,
        signature: tuple[int, ...],
        bands: tuple[int, ...],
    ) -> tuple[str, tuple[str, ...]]:
        """The article's story (its lead's id) and the stories it merged into that one."""
        matched = self._matches(article_id, title, published, signature, bands)
        contenders = sorted([(when, story) for story, when in matched.items()] + [(published, article_id)])
        lead_published, lead = contenders[0]
        merged = tuple(story for story in sorted(matched) if story != lead)
        for story in merged:
            self._renamed[story] = lead
        self._leads[lead] = lead_published
        keys = bands if self._shared is None else [key for key in bands if key in self._shared]
        _add(self._batch, keys, StoryCandidate(article_id, lead, lead_published, published, title, signature))
        return lead, merged

    def _matches(
        self,
        article_id: str,
        title: str,
        published: datetime,
        signature: tuple[int, ...],
        bands: tuple[int, ...],
    ) -> dict[str, datetime]:
        """Each story with a similar candidate in the window, and its earliest lead time."""
        if not bands:
            return {}
        since, until = published - self.window, published + self.window
        stored = self._stored
        if stored is None:
            stored = self._index(self.lookup(bands, since, until), set(bands))
        indexes = [index for index in (stored, self._batch) if not index.keys().isdisjoint(bands)]
        if not indexes:  # checked in C: most articles share no key with anything
            return {}
        probe = _Probe(title, signature, since, until, {article_id})
        matched: dict[str, datetime] = {}
        for index in indexes:
            for key in bands:
                for raw_story, group in index.get(key, {}).items():
                    story = self._resolve(raw_story)
                    earliest = probe.earliest_match(group, self._leads.get(story), matched.get(story))
                    if earliest is not None:
                        matched[story] = earliest
        return matched

    @staticmethod
    def _index(candidates: Iterable[StoryCandidate], wanted: set[int]) -> _Index:
        """Candidates by band key and story, under the `wanted` keys only."""
        index: _Index = {}
        for candidate in candidates:
            _add(index, [key for key in band_keys(candidate.minhash) if key in wanted], candidate)
        return index

    def _resolve(self, story: str) -> str:
        while story in self._renamed:
            story = self._renamed[story]
        return story
