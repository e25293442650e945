"""Site search quality: recall and precision of the bigram index against a substring scan.

    PYTHONPATH=src python bench/site_search.py [--articles 10000]

Builds the site of the bundled examples and of a generated archive, then runs the named
queries of the issue and random substrings (2 to 6 characters, singly and in pairs) through
the index exactly as search.js does, comparing with a scan of every article's title and text.
Prints recall (must be 1.0), precision, index size and what one query downloads.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from site_build import fill_store

from newsmill.core import Mill
from newsmill.publish.site import build_site
from newsmill.publish.site.search import bigrams, normalize, shard_of

NAMED = ["基因", "生物医药", "新能源汽车", "之江生物", "证券 火星殖民", "张江 基因", "Rust", "央行 逆回购"]


def corpus(config: Path) -> tuple[Path, list[tuple[str, str]]]:
    with Mill.open(config) as mill:
        if mill.store.count_articles() == 0:
            mill.fetch()
        build_site(mill.store, mill.config)
        texts = [
            (a.id[:10], normalize(a.title + "\n" + (a.content_text or a.summary)))
            for a in mill.store.iter_articles()
        ]
        return config.parent / "site", texts


def queries(texts: list[tuple[str, str]], count: int) -> list[str]:
    rng = random.Random(7)
    found = []
    while len(found) < count:
        text = rng.choice(texts)[1].replace(" ", "").replace("\n", "")
        if len(text) > 10:
            length = rng.randint(2, 6)
            start = rng.randrange(len(text) - length)
            found.append(text[start : start + length])
    return NAMED + found + [f"{a} {b}" for a, b in zip(found[::2], found[1::2], strict=False)]


class Index:
    """`query_index` with every file read once (the browser caches them the same way)."""

    def __init__(self, site: Path) -> None:
        self.folder = site / "search"
        self.meta = json.loads((self.folder / "meta.json").read_text(encoding="utf-8"))
        self.files: dict[str, object] = {}

    def load(self, name: str) -> object:
        if name not in self.files:
            self.files[name] = json.loads((self.folder / name).read_text(encoding="utf-8"))
        return self.files[name]

    def query(self, query: str) -> set[str]:
        grams = {gram for word in normalize(query).split() for gram in bigrams(word)}
        found: set[str] = set()
        for segment in self.meta["segments"]:
            hits: set[int] | None = None
            for gram in grams:
                shard = self.load(f"s{segment['id']}/{shard_of(gram, segment['shards'])}.json")
                numbers, last = set(), 0
                for delta in shard.get(gram, []):  # type: ignore[attr-defined]
                    last += delta
                    numbers.add(last)
                hits = numbers if hits is None else hits & numbers
            for local in hits or ():
                chunk = self.load(f"s{segment['id']}/d{local // self.meta['chunk']}.json")
                found.add(chunk[local % self.meta["chunk"]][0].rstrip("/").rsplit("/", 1)[-1])  # type: ignore[index]
        return found


def measure(label: str, site: Path, texts: list[tuple[str, str]], count: int) -> None:
    hits = relevant = returned = 0
    fetched: list[int] = []
    index = Index(site)
    meta = index.meta
    for query in queries(texts, count):
        words = normalize(query).split()
        if any(len(word) < 2 for word in words):
            continue
        expected = {key for key, text in texts if all(word in text for word in words)}
        got = index.query(query)
        hits += len(expected & got)
        relevant += len(expected)
        returned += len(got)
        shards = {shard_of(gram) for word in words for gram in bigrams(word)}
        fetched.append(sum((site / "search" / f"s{s['id']}" / f"{n}.json").stat().st_size
                           for s in meta["segments"] for n in shards))  # fmt: skip
    size = sum(p.stat().st_size for p in (site / "search").rglob("*.json"))
    files = sum(1 for _ in (site / "search").rglob("*.json"))
    fetched.sort()
    print(f"{label}: {len(texts):,} articles, {len(fetched)} queries; recall {hits / max(relevant, 1):.4f}, "
          f"precision {hits / max(returned, 1):.4f}; index {size / 1e6:.1f} MB in {files} files; "
          f"posting bytes fetched per query: median {fetched[len(fetched) // 2] / 1e3:.0f} kB, "
          f"max {fetched[-1] / 1e3:.0f} kB")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="newsmill-search-bench-"))
    try:
        examples = work / "examples"
        shutil.copytree(Path(__file__).resolve().parents[1] / "examples", examples)
        measure("examples", *corpus(examples / "newsmill.toml"), args.queries)
        generated = work / "generated"
        generated.mkdir()
        measure("generated", *corpus(fill_store(generated, args.articles)), args.queries)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
