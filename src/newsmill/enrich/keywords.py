"""Keywords: TF-IDF over segmented words, stop words, numbers and single characters dropped."""

from __future__ import annotations

import functools
import operator
import re
from collections import Counter
from collections.abc import Sequence
from importlib import resources

from newsmill.enrich.segment import CJK

# The median IDF of jieba's table: what a word gets that the (common-words-only) table lacks.
DEFAULT_IDF = 11.95
TITLE_WEIGHT = 3  # a word of the title counts as this many of the body
_KEYWORD = re.compile(rf"[{CJK}]{{2,}}|[A-Za-z][A-Za-z0-9+#.\-]*[A-Za-z0-9+#]")
# Words that the IDF table does not know to be common but that say nothing about a story.
STOP_WORDS = frozenset(
    """
    记者 表示 认为 介绍 指出 获悉 今年 去年 明年 目前 近日 日前 此前 以来 其中 同时 另外 此外 以及 我们
    他们 这些 那些 一个 一些 没有 已经 可以 进行 通过 对于 由于 因为 所以 但是 而且 如果 还是 相关 方面
    情况 问题 工作 有关 有限公司 公司 集团 亿元 万元 元 年 月 日 上午 下午 记者 报道 本报 证券时报
    证券时报网 中新网 新华社 据悉 来源 编辑 责任编辑 原标题 点击 查看 更多 全文 文章 the and for with
    that this from are was were has have not but you your our their its
    """.split()  # noqa: SIM905 - a list of words reads better as text
)


@functools.cache
def idf_table() -> dict[str, float]:
    """Common words' IDF (from jieba's table, MIT licence); rarer words get DEFAULT_IDF."""
    table: dict[str, float] = {}
    text = resources.files("newsmill.enrich").joinpath("idf.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line and not line.startswith("#"):
            word, value = line.split(" ")
            table[word] = float(value)
    return table


def is_common_word(word: str) -> bool:
    """Whether a word is everyday language (its IDF is in the common-words table)."""
    return word in idf_table() or word.lower() in STOP_WORDS


def extract_keywords(
    title_words: Sequence[str], body_words: Sequence[str], limit: int = 8
) -> tuple[str, ...]:
    """Up to `limit` words by TF-IDF; title words weigh more; ties keep the first seen.

    >>> extract_keywords(["上海", "基因", "产业园"], ["基因", "产业园", "细胞", "基因"], 3)
    ('产业园', '基因', '上海')
    """
    counts: Counter[str] = Counter(title_words)
    for word in counts:
        counts[word] *= TITLE_WEIGHT
    counts.update(body_words)
    words = list(counts)
    # map and sort run in C: a Python loop over the distinct words cost more than segmenting
    scores = list(map(operator.mul, counts.values(), map(_weights().__getitem__, words)))
    best = sorted(range(len(words)), key=scores.__getitem__, reverse=True)[:limit]  # stable: ties keep order
    return tuple(words[index] for index in best if scores[index])


class _Weights(dict[str, float]):
    """Each word's IDF, or 0.0 for a word that can never be a keyword; remembered."""

    LIMIT = 500_000

    def __missing__(self, word: str) -> float:
        if len(self) > self.LIMIT:
            self.clear()
        keep = len(word) > 1 and word.lower() not in STOP_WORDS and _KEYWORD.fullmatch(word) is not None
        value = self[word] = idf_table().get(word, DEFAULT_IDF) if keep else 0.0
        return value


@functools.cache
def _weights() -> _Weights:
    return _Weights()
