"""Chinese segmentation (rjieba) and what search makes of it: index text and query expressions.

The full-text index holds, for each field, its words of letters and digits (`iPhone15`, `1.22`
as `1` and `22`), then, for every run of Chinese characters, its overlapping character bigrams
followed by its last character. A query word of n ≥ 2 Chinese characters is looked up as the
phrase of its n-1 bigrams, which matches exactly where the word occurs as a substring, wherever
the segmenter would have cut the article (`基因` inside `细胞和基因产业园`, `医学` inside
`医学中心`); a single character is a prefix query, which meets it as the first character of a
bigram or as the last character of a run: every occurrence. The run's last character also keeps
two runs apart, so a phrase never matches across punctuation (`基因，因产` does not hold `基因产`).

The segmenter's words are not indexed: a query never asks for a word of three or more Chinese
characters (it asks for its bigrams), a two-character word is a bigram already, and indexing
the words as well cost a third more tokens, which is a third more FTS5 work on every article
(the words only raised the term frequency of whole-word matches a little in ranking). The
index text is a function of the text alone, not of the segmenter or its dictionary.
"""

from __future__ import annotations

import functools
import operator
import re

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


# A run of letters and digits that is not Chinese: what unicode61 makes a token of, Chinese aside.
_OTHER_WORD = re.compile(f"[^\\W_{CJK}]+")


def index_text(text: str) -> str:
    """The text one field contributes to the full-text index: its words of other scripts, then
    each Chinese run's bigrams and last character (see the module's docstring).

    >>> index_text("Rust 1.22：细胞和基因产业园，上海")
    'Rust 1 22 \\n 细胞 胞和 和基 基因 因产 产业 业园 园  上海 海 '
    """
    # run[1:] + " " pairs the last character with a space: FTS5 sees it as a token of its own
    chinese = [" ".join(map(operator.add, run, run[1:] + " ")) for run in CJK_RUN.findall(text)]
    return " ".join(_OTHER_WORD.findall(text)) + " \n " + " ".join(chinese)


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
