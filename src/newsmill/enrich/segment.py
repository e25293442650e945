"""Chinese segmentation (rjieba) and what search makes of it: index text and query expressions.

The full-text index holds, for each field, the segmenter's words followed by the character
bigrams of every run of Chinese characters. Words give whole-word matches a higher term
frequency (better ranking); bigrams give recall: a query word of n ≥ 2 Chinese characters is
looked up as the phrase of its n-1 bigrams, which matches exactly where the word occurs as a
substring, wherever the segmenter happened to cut the article (`基因` inside `细胞和基因产业园`,
`医学` inside `医学中心`). Search-mode segmentation (`cut_for_search`) adds a long word's
dictionary sub-words to the index; every two-character one is a bigram already, and queries are
compiled to bigram phrases, so one accurate-mode `cut` per field is all indexing needs.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Iterable

import rjieba

from newsmill.models import SearchQuery

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_RUN = re.compile(f"[{CJK}]+")
# What a query or an index treats as one term: a run of Chinese, or of letters and digits.
_TERM_PART = re.compile(rf"[{CJK}]+|[0-9A-Za-z\u00c0-\u024f]+")


class Segmenter:
    """One rjieba instance with its default dictionary, never changed: the same text always
    segments the same way, at index time and at query time."""

    def __init__(self) -> None:
        self._jieba = rjieba.Jieba()

    def words(self, text: str) -> list[str]:
        """Accurate-mode words, punctuation and spaces included (they tile the text).

        >>> segmenter().words("张江细胞和基因产业园")
        ['张江', '细胞', '和', '基因', '产业园']
        """
        return self._jieba.cut(text) if text else []


@functools.cache
def segmenter() -> Segmenter:
    """The process's segmenter (building one loads the dictionary: about 0.2 s)."""
    return Segmenter()


def bigrams(text: str) -> list[str]:
    """Overlapping character pairs of each Chinese run; a one-character run is itself."""
    grams: list[str] = []
    for run in CJK_RUN.findall(text):
        if len(run) == 1:
            grams.append(run)
        else:
            grams.extend(map(operator.add, run, run[1:]))
    return grams


def index_text(text: str, words: Iterable[str]) -> str:
    """The text one field contributes to the FTS5 index (the `unicode61` tokenizer splits it
    on spaces and punctuation, and folds case)."""
    return " ".join(words) + " \n " + " ".join(bigrams(text))


def compile_query(text: str, words_of: Segmenter | None = None) -> SearchQuery:
    """Segment a query the way articles are segmented and AND its words together.

    Each Chinese word becomes the phrase of its bigrams; a single character sticks to the word
    before it (`基因岛` stays one phrase; `细胞和基因` is `细胞和` and `基因`), so every piece is
    still a substring of the query. Letters and digits match as a prefix (`iphone` finds
    `iPhone15`).

    >>> compile_query("基因 产业园").match
    '"基因" AND "产业 业园"'
    """
    words_of = words_of or segmenter()
    pieces: dict[str, str] = {}
    for chunk in text.split():
        run: list[str] = []
        for word in [*words_of.words(chunk), " "]:
            if CJK_RUN.fullmatch(word):
                run.append(word)
                continue
            for piece in _join_single_characters(run):
                pieces.setdefault(
                    piece, '"' + " ".join(bigrams(piece)) + '"' + ("*" if len(piece) == 1 else "")
                )
            run = []
            for part in _TERM_PART.findall(word):
                pieces.setdefault(part, f'"{part.lower()}"*')
    return SearchQuery(text=text, match=" AND ".join(pieces.values()), terms=tuple(pieces))


def _join_single_characters(run: list[str]) -> list[str]:
    """Adjacent Chinese words, each single character joined to its neighbour."""
    joined: list[str] = []
    pending = ""
    for word in run:
        if len(word) == 1 and joined:
            joined[-1] += word
        elif len(word) == 1:
            pending += word
        else:
            joined.append(pending + word)
            pending = ""
    if pending:
        joined.append(pending)
    return joined
