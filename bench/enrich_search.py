"""Enrich and search: segmentation speed, ingest with indexing, search latency, recall, stories.

    python bench/enrich_search.py [--articles 200000] [--queries 200] [--db /tmp/bench.db]
    python bench/enrich_search.py --only ingest

Generated ~1 KB Chinese articles: words drawn by frequency from the common-words table that
ships with newsmill (so posting lists are longer than real news would give them: a pessimistic
corpus), 10% of them rewrites of an earlier article (trimmed, a sentence replaced, new headline)
so that stories form. Figures on a shared machine are noisy: run it twice.

- segmentation: rjieba and (if installed) jieba, accurate and search mode, MB/s, and whether
  they cut the same.
- ingest: enrich (segment, keywords, stocks, story) + store (article row, FTS5 rows, band keys,
  stock rows) per source transaction of 50 articles, articles/s on one core; then the same with
  the text analysis made beforehand (what is left to the store thread when worker processes
  analyse, as on big fetch runs), and the FTS5 inserts alone, the floor of any indexed ingest.
- search: two-word Chinese queries through `Store.search` (bm25, snippets), p50/p95 ms, beside a
  substring scan (`instr` over title and text) of the same queries.
- recall: every article a substring scan finds for a word (whole words and pieces from the
  middle of compounds) that the FTS5 query finds too.
- stories: signature + band lookup + assignment per new article, ms.
"""

from __future__ import annotations

import argparse
import math
import random
import sqlite3
import sys
import time
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import rjieba

from newsmill.enrich import (
    EnrichContext,
    EnrichSettings,
    analyse_drafts,
    compile_query,
    enrich_drafts,
    new_stock_names,
)
from newsmill.enrich.keywords import idf_table
from newsmill.enrich.segment import segmenter
from newsmill.enrich.stories import StoryGrouper, band_keys, minhash, shingles
from newsmill.models import ArticleDraft, SourceState
from newsmill.store import open_store
from newsmill.store.schema import SEARCH_INDEX, SEARCH_INDEX_DDL
from newsmill.store.search import RANK_WINDOW

START = datetime(2024, 1, 1, tzinfo=UTC)
PUNCTUATION = "，，，。、；："


class Corpus:
    def __init__(self, seed: int = 1) -> None:
        self.rng = random.Random(seed)
        table = idf_table()
        self.words = sorted(table)
        self.weights = [math.exp(-table[word]) for word in self.words]
        self.cumulative = list(_accumulate(self.weights))
        self.nouns = [w for w in self.words if 2 <= len(w) <= 4 and 5.5 < table[w] < 8.8]

    def sentence(self) -> str:
        words = self.rng.choices(self.words, cum_weights=self.cumulative, k=self.rng.randint(6, 14))
        return "".join(words) + self.rng.choice(PUNCTUATION)

    def text(self, size: int = 1000) -> str:
        parts: list[str] = []
        length = 0
        while length < size:
            parts.append(self.sentence())
            length += len(parts[-1].encode())
        return "".join(parts)

    def rewrite(self, text: str) -> str:
        sentences = [s for s in text.split("。") if s]
        kept = sentences[: max(2, int(len(sentences) * 0.8))]
        kept[self.rng.randrange(len(kept))] = self.sentence().rstrip("。")
        return "。".join(kept) + "。"


def _accumulate(values: list[float]) -> list[float]:
    total, out = 0.0, []
    for value in values:
        total += value
        out.append(total)
    return out


def make_drafts(corpus: Corpus, count: int, first: int = 0) -> list[ArticleDraft]:
    drafts: list[ArticleDraft] = []
    for number in range(first, first + count):
        if drafts and corpus.rng.random() < 0.1:
            original = corpus.rng.choice(drafts[-200:])
            text, title = corpus.rewrite(original.content_text), "快讯：" + original.title[2:]
        else:
            text = corpus.text()
            title = corpus.sentence()[:20]
        drafts.append(
            ArticleDraft(
                id=f"{number:040x}",
                source=f"source {number % 97}",
                url=f"https://news.example.com/{number}.html",
                guid=None,
                title=title,
                author="bench",
                published=START + timedelta(seconds=30 * number),
                updated=None,
                summary=text[:100],
                content_html=f"<p>{text}</p>",
                content_text=text,
                thumbnail=None,
                categories=("金融", f"source {number % 97}"),
                tags=(),
                enclosures=(),
                content_hash=f"{number:040x}",
            )
        )
    return drafts


def bench_segmentation(corpus: Corpus) -> None:
    texts = [corpus.text() for _ in range(300)]
    size = sum(len(t.encode()) for t in texts) / 1e6
    print("\nsegmentation of 300 x ~1 KB articles (MB/s, higher is better)")
    rows = [("rjieba cut", rjieba.cut), ("rjieba cut_for_search", rjieba.cut_for_search)]
    try:
        import jieba

        jieba.setLogLevel(60)
        jieba.initialize()
        rows += [("jieba lcut", jieba.lcut), ("jieba lcut_for_search", jieba.lcut_for_search)]
    except ImportError:
        print("  (jieba is not installed: pip install jieba to compare)")
        jieba = None
    speeds = {}
    for name, cut in rows:
        started = time.perf_counter()
        for text in texts:
            cut(text)
        speeds[name] = size / (time.perf_counter() - started)
        print(f"  {name:24} {speeds[name]:8.1f} MB/s")
    if jieba is not None:
        same = sum(rjieba.cut_for_search(t) == jieba.lcut_for_search(t) for t in texts)
        print(
            f"  same tokens (search mode): {same}/{len(texts)} articles; "
            f"rjieba is {speeds['rjieba cut_for_search'] / speeds['jieba lcut_for_search']:.0f}x faster"
        )


def build(
    db: Path,
    drafts: list[ArticleDraft],
    batch: int,
    analysed: bool = False,
    parts: dict[str, float] | None = None,
) -> tuple[float, float]:
    """Enrich and store `drafts`, `batch` per transaction: (wall, CPU) seconds. `analysed`: the
    text analysis is made beforehand and not timed, as when worker processes make it. `parts`,
    if given, gets the CPU seconds of each kind of SQL statement, of the commits, and of the
    enrich stage's own work in Python (tag rules, stock names, story grouping)."""
    store = open_store(f"sqlite:///{db}")
    context = EnrichContext(EnrichSettings(), new_stock_names(), store.story_candidates)
    analyses = analyse_drafts(drafts) if analysed else None
    if parts is not None:
        _time_statements(store.engine, parts)  # type: ignore[attr-defined]
    clock = Clock()
    for start in range(0, len(drafts), batch):
        chunk = drafts[start : start + batch]
        ready = analyses[start : start + batch] if analyses else None
        enriched, sql = time.process_time(), parts["_sql"] if parts is not None else 0.0
        enrichments = enrich_drafts(chunk, context, START, ready)
        if parts is not None:  # its candidate lookup is timed as a statement
            parts["enrich stage in Python (tags, names, stories)"] += (
                time.process_time() - enriched - (parts["_sql"] - sql)
            )
        by_id = {d.id: e for d, e in zip(chunk, enrichments, strict=True)}
        store.save_articles(SourceState(name=chunk[0].source), chunk, START, enrichments=by_id)
        if parts is not None:  # the commit is the last thing save_articles does
            parts["COMMIT (FTS5 flushes and merges its segments; WAL)"] += (
                time.process_time() - parts["_commit"]
            )
    seconds = clock.seconds()
    store.close()
    return seconds


def _time_statements(engine: object, parts: dict[str, float]) -> None:
    """Add each statement's CPU time to `parts`, under its first words."""
    from sqlalchemy import event

    parts["_commit"] = parts["_sql"] = 0.0

    @event.listens_for(engine, "before_cursor_execute")
    def _before(*_: object) -> None:
        parts["_started"] = time.process_time()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(_connection: object, _cursor: object, statement: str, *_: object) -> None:
        seconds = time.process_time() - parts["_started"]
        parts[" ".join(statement.split()[:3])[:40]] += seconds
        parts["_sql"] += seconds

    @event.listens_for(engine, "commit")
    def _commit(_connection: object) -> None:
        parts["_commit"] = time.process_time()


class Clock:
    """Wall and CPU time since it was made (CPU time varies less on a shared machine)."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def seconds(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def _fresh(db: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return db


def bench_ingest(corpus: Corpus, db: Path, count: int = 5000) -> None:
    drafts = make_drafts(corpus, count, first=10**9)
    rows: list[tuple[str, tuple[float, float]]] = []
    plain = open_store(f"sqlite:///{_fresh(db)}")
    clock = Clock()
    for start in range(0, len(drafts), 50):
        plain.save_articles(SourceState(name="x"), drafts[start : start + 50], START)
    rows.append(("store only (no enrich, no index)", clock.seconds()))
    plain.close()
    words = segmenter().words
    clock = Clock()
    for draft in drafts:
        words(draft.title), words(draft.content_text)
    rows.append(("segmentation only", clock.seconds()))
    clock = Clock()
    analyse_drafts(drafts)
    rows.append(("text analysis only (a worker's part)", clock.seconds()))
    rows.append(("enrich + store + FTS5 + bands", build(_fresh(db), drafts, 50)))
    rows.append(("  the same, text analysed in workers", build(_fresh(db), drafts, 50, analysed=True)))
    rows.append(("  FTS5 inserts alone (its floor)", fts5_only(_fresh(db), drafts)))
    parts: defaultdict[str, float] = defaultdict(float)
    _, total = build(_fresh(db), drafts, 50, analysed=True, parts=parts)
    _fresh(db)
    print(
        f"\ningest of {len(drafts)} ~1 KB articles, 50 per transaction (articles/s, one core; goal >= 5000)"
    )
    print(f"  {'':40} {'wall':>8} {'CPU':>8}")
    for label, (wall, cpu) in rows:
        print(f"  {label:40} {len(drafts) / wall:8.0f} {len(drafts) / cpu:8.0f}")
    print("\nwhere the store thread's CPU goes, text analysed in workers (µs per article, one more run)")
    timed = {label: seconds for label, seconds in parts.items() if not label.startswith("_")}
    for label, seconds in sorted(timed.items(), key=lambda item: -item[1]):
        print(f"  {label:52} {1e6 * seconds / len(drafts):7.1f}")
    rest = total - sum(timed.values())
    print(f"  {'the rest (the store in Python, SQLAlchemy)':52} {1e6 * rest / len(drafts):7.1f}")
    print(f"  {'total':52} {1e6 * total / len(drafts):7.1f}")


def fts5_only(db: Path, drafts: list[ArticleDraft]) -> tuple[float, float]:
    """Only the search index rows, 50 per transaction, straight through the sqlite3 module."""
    texts = [(a.index_title, a.index_body) for a in analyse_drafts(drafts)]
    connection = sqlite3.connect(db, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(SEARCH_INDEX_DDL)
    insert = f"INSERT INTO {SEARCH_INDEX} (rowid, title, body) VALUES (?, ?, ?)"
    clock = Clock()
    for start in range(0, len(texts), 50):
        connection.execute("BEGIN")
        connection.executemany(
            insert, [(start + i + 1, *row) for i, row in enumerate(texts[start : start + 50])]
        )
        connection.execute("COMMIT")
    seconds = clock.seconds()
    connection.close()
    return seconds


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def bench_search(corpus: Corpus, db: Path, count: int, queries: int) -> None:
    if not db.exists():
        print(f"\nbuilding {count} articles in {db} ...", flush=True)
        drafts = make_drafts(corpus, count)
        seconds, _ = build(db, drafts, 500)
        print(f"  built in {seconds:.0f} s: {count / seconds:.0f} articles/s (500 per transaction)")
    store = open_store(f"sqlite:///{db}")
    rng = random.Random(5)
    pairs = [" ".join(rng.sample(corpus.nouns, 2)) for _ in range(queries)]
    table = idf_table()
    frequent = sorted(corpus.nouns, key=lambda word: table[word])[:40]
    common = [" ".join(rng.sample(frequent, 2)) for _ in range(queries // 4)]
    for query in pairs[:5]:
        store.search(compile_query(query))  # warm the page cache
    fts, hits = timed_searches(store, pairs)
    fts_common, hits_common = timed_searches(store, common)
    engine = store.engine  # type: ignore[attr-defined]
    scan = []
    sql = (
        "SELECT id FROM articles WHERE (instr(title, ?) OR instr(content_text, ?)) "
        "AND (instr(title, ?) OR instr(content_text, ?)) ORDER BY published DESC LIMIT 20"
    )
    with engine.connect() as connection:
        for query in pairs[: max(5, queries // 20)]:
            a, b = query.split()
            started = time.perf_counter()
            connection.exec_driver_sql(sql, (a, a, b, b)).fetchall()
            scan.append(1000 * (time.perf_counter() - started))
    print(f"\nsearch, {store.count_articles()} articles, two-word Chinese queries (ms; goal p95 < 30)")
    print(f"  {'':46} {'p50':>8} {'p95':>8} {'max':>8}")
    rows = (
        (f"Store.search, {len(pairs)} random word pairs", fts),
        (f"Store.search, {len(common)} pairs of frequent words", fts_common),
        (f"substring scan (instr), {len(scan)} of the pairs", scan),
    )
    for label, values in rows:
        print(
            f"  {label:46} {percentile(values, 0.5):8.1f} {percentile(values, 0.95):8.1f} {max(values):8.1f}"
        )
    many = sum(1 for h in hits_common if h >= RANK_WINDOW)
    print(
        f"  random pairs with results: {sum(1 for h in hits if h)}/{len(hits)}; "
        f"frequent pairs with {RANK_WINDOW}+ matches: {many}/{len(hits_common)}"
    )
    bench_recall(store, engine, corpus, rng)
    bench_stories(store, corpus, count)
    store.close()


def timed_searches(store: object, queries: list[str]) -> tuple[list[float], list[int]]:
    """Milliseconds per `Store.search` (top 20), and how many articles each query matches."""
    times, matches = [], []
    engine = store.engine  # type: ignore[attr-defined]
    count = f"SELECT count(*) FROM (SELECT 1 FROM {SEARCH_INDEX} WHERE {SEARCH_INDEX} MATCH ? LIMIT {RANK_WINDOW})"
    for query in queries:
        compiled = compile_query(query)
        started = time.perf_counter()
        store.search(compiled, limit=20)  # type: ignore[attr-defined]
        times.append(1000 * (time.perf_counter() - started))
        with engine.connect() as connection:
            matches.append(connection.exec_driver_sql(count, (compiled.match,)).scalar())
    return times, matches


def bench_recall(store: object, engine: object, corpus: Corpus, rng: random.Random) -> None:
    with engine.connect() as connection:  # type: ignore[attr-defined]
        rows = connection.exec_driver_sql(
            "SELECT content_text FROM articles ORDER BY random() LIMIT 40"
        ).fetchall()
        words = set()
        for (text,) in rows:
            for _ in range(3):
                start = rng.randrange(len(text) - 4)
                piece = text[start : start + rng.randint(2, 4)]
                if all("\u4e00" <= ch <= "\u9fff" for ch in piece):
                    words.add(piece)  # often across segment boundaries: the hard case
        words.update(rng.sample(corpus.nouns, 30))
        expected_total = found_total = 0
        for word in sorted(words):
            expected = {
                row[0]
                for row in connection.exec_driver_sql(
                    "SELECT id FROM articles WHERE instr(title, ?) OR instr(content_text, ?)", (word, word)
                )
            }
            match = compile_query(word).match
            got = {
                row[0]
                for row in connection.exec_driver_sql(
                    f"SELECT d.article_id FROM {SEARCH_INDEX} JOIN article_index d ON d.docid = {SEARCH_INDEX}.rowid "
                    f"WHERE {SEARCH_INDEX} MATCH ?",
                    (match,),
                )
            }
            expected_total += len(expected)
            found_total += len(expected & got)
    recall = 100 * found_total / max(1, expected_total)
    print(
        f"\nrecall vs substring scan: {found_total}/{expected_total} = {recall:.2f}% over {len(words)} words (goal >= 99%)"
    )


def bench_stories(store: object, corpus: Corpus, count: int) -> None:
    """Grouping 1,000 new articles (10% rewrites) against the stored ones, as the pipeline does
    it (one band lookup per batch of 50) and one lookup per article."""
    drafts = make_drafts(corpus, 1000, first=count)
    drafts = [
        replace(d, published=START + timedelta(seconds=30 * (count - 500 + i))) for i, d in enumerate(drafts)
    ]
    words = segmenter().words
    prepared = [(d, words(d.content_text)) for d in drafts]
    lookup = store.story_candidates  # type: ignore[attr-defined]
    print("\nstory grouping of 1,000 new articles against the store (ms per article; goal < 1 ms)")
    for label, batch in (("batches of 50 (the pipeline)", 50), ("one lookup per article", 1)):
        joined = 0
        started = time.perf_counter()
        for first in range(0, len(prepared), batch):
            chunk = prepared[first : first + batch]
            grouper = StoryGrouper(lookup)
            signatures = [minhash(shingles(body)) for _, body in chunk]
            bands = [band_keys(signature) for signature in signatures]
            if batch > 1:  # by band keys (it was given the signatures, and found nothing)
                grouper.prefetch([(keys, d.published) for keys, (d, _) in zip(bands, chunk, strict=True)])
            for signature, keys, (draft, _) in zip(signatures, bands, chunk, strict=True):
                story, _ = grouper.assign(draft.id, draft.title, draft.published, signature, keys)
                joined += story != draft.id
        per = 1000 * (time.perf_counter() - started) / len(prepared)
        print(f"  {label:32} {per:6.3f} ms  ({joined} joined a story)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--db", type=Path, default=Path("/tmp/newsmill-bench-enrich.db"))
    parser.add_argument("--rebuild", action="store_true", help="build the search database afresh")
    parts = ["segmentation", "ingest", "search"]
    parser.add_argument("--skip", nargs="*", default=[], choices=parts)
    parser.add_argument("--only", choices=parts, help="run this part alone (--only ingest: about a minute)")
    parser.add_argument("--ingest-articles", type=int, default=5000, help="articles the ingest part stores")
    args = parser.parse_args()
    run = [args.only] if args.only else [part for part in parts if part not in args.skip]
    corpus = Corpus()
    if args.rebuild:
        _fresh(args.db)
    if "segmentation" in run:
        bench_segmentation(corpus)
    if "ingest" in run:
        bench_ingest(corpus, args.db.with_suffix(".ingest.db"), args.ingest_articles)
    if "search" in run:
        bench_search(corpus, args.db, args.articles, args.queries)
    print("\n(one run on a shared machine: figures vary by tens of percent between runs)")


if __name__ == "__main__":
    main()
