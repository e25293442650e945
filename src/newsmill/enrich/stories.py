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
import zlib
from collections.abc import Callable, Sequence
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
    return tuple(
        hash((band, *signature[band * ROWS : (band + 1) * ROWS])) for band in range(len(signature) // ROWS)
    )


def similarity(first: Sequence[int], second: Sequence[int]) -> float:
    """Estimated Jaccard similarity of two signatures' shingle sets."""
    if not first or len(first) != len(second):
        return 0.0
    return sum(a == b for a, b in zip(first, second, strict=True)) / len(first)


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
class StoryGrouper:
    """Assigns stories to new articles one at a time, against the store (through `lookup`) and
    the articles assigned earlier in the same batch, which the store has not seen yet."""

    lookup: CandidateLookup
    window: timedelta = timedelta(days=3)
    _batch: dict[int, list[StoryCandidate]] = field(default_factory=dict)
    _renamed: dict[str, str] = field(default_factory=dict)  # merged story → the story it joined
    _leads: dict[str, datetime] = field(default_factory=dict)  # lead published, when it changed
    _stored: dict[int, list[StoryCandidate]] | None = None  # prefetched candidates by band key

    def prefetch(self, signatures: Sequence[tuple[tuple[int, ...], datetime]]) -> None:
        """Look up the stored candidates of a whole batch at once (one query, not one per
        article); `assign` then finds them here by band key."""
        keys = sorted({key for signature, _ in signatures for key in band_keys(signature)})
        if not keys:
            return
        since = min(when for _, when in signatures) - self.window
        until = max(when for _, when in signatures) + self.window
        self._stored = {}
        for candidate in self.lookup(keys, since, until):
            for key in band_keys(candidate.minhash):
                self._stored.setdefault(key, []).append(candidate)

    def assign(
        self,
        article_id: str,
        title: str,
        published: datetime,
        signature: tuple[int, ...],
        bands: tuple[int, ...],
    ) -> tuple[str, tuple[str, ...]]:
        """The article's story (its lead's id) and the stories it merged into that one."""
        matched: dict[str, datetime] = {}
        for candidate in self._candidates(bands, published):
            if candidate.article_id != article_id and same_story(signature, title, candidate):
                story = self._resolve(candidate.story)
                lead_published = self._leads.get(story, candidate.lead_published)
                matched[story] = min(lead_published, matched.get(story, lead_published))
        contenders = sorted([(when, story) for story, when in matched.items()] + [(published, article_id)])
        lead_published, lead = contenders[0]
        merged = tuple(story for story in sorted(matched) if story != lead)
        for story in merged:
            self._renamed[story] = lead
        self._leads[lead] = lead_published
        remembered = StoryCandidate(article_id, lead, lead_published, published, title, signature)
        for key in bands:
            self._batch.setdefault(key, []).append(remembered)
        return lead, merged

    def _candidates(self, bands: Sequence[int], published: datetime) -> list[StoryCandidate]:
        if not bands:
            return []
        since, until = published - self.window, published + self.window
        if self._stored is None:
            stored: dict[int, list[StoryCandidate]] = {}
            for candidate in self.lookup(bands, since, until):
                for key in band_keys(candidate.minhash):
                    stored.setdefault(key, []).append(candidate)
        else:
            stored = self._stored
        found: list[StoryCandidate] = []
        seen: set[str] = set()
        for source in (stored, self._batch):
            for key in bands:
                for candidate in source.get(key, ()):
                    if candidate.article_id not in seen and since <= candidate.published <= until:
                        seen.add(candidate.article_id)
                        found.append(candidate)
        return found

    def _resolve(self, story: str) -> str:
        while story in self._renamed:
            story = self._renamed[story]
        return story
