"""Parse + sanitize throughput: newsmill against feedparser, on the same generated Chinese feeds.

    python bench/parse_clean.py [--feeds 40] [--items 50] [--content-size 3000]

feedparser's default parse sanitizes HTML (and resolves relative links) too, so the goal
(newsmill at least 20x faster) compares the same job: bytes in, entries with safe HTML out
("parse+sanitize": `parse_feed`, then `sanitize_html` on each entry's content and summary).
The whole clean stage does more than feedparser does (canonical URLs without tracking
parameters, plain text, summary, thumbnail, ids, content hashes); its line shows that cost.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import feedparser
from corpus import rss_feed

from newsmill.clean import clean_feed, sanitize_html
from newsmill.models import Source
from newsmill.parse import parse_feed

SOURCE = Source(
    name="证券时报网 要闻",
    url="https://www.stcn.com/rss",
    categories=("金融", "证券时报网", "要闻"),
    author="证券时报网",
)


def newsmill_items(feeds: list[bytes]) -> int:
    count = 0
    for body in feeds:
        feed = parse_feed(body, source=SOURCE.name, content_type="application/rss+xml; charset=utf-8")
        count += len(clean_feed(feed, source=SOURCE))
    return count


def newsmill_sanitized_items(feeds: list[bytes]) -> int:
    count = 0
    for body in feeds:
        feed = parse_feed(body, source=SOURCE.name, content_type="application/rss+xml; charset=utf-8")
        for entry in feed.entries:
            for html in (entry.content_html, entry.summary_html):
                if html:
                    sanitize_html(html, base_url=entry.link)
        count += len(feed.entries)
    return count


def feedparser_items(feeds: list[bytes]) -> int:
    return sum(len(feedparser.parse(body).entries) for body in feeds)


def best_of(runs: int, work: Callable[[list[bytes]], int], feeds: list[bytes]) -> tuple[float, float, int]:
    """Best wall seconds and best CPU seconds (of this process) of `runs` runs, and the count."""
    best, best_cpu, count = float("inf"), float("inf"), 0
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        count = work(feeds)
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best, best_cpu, count


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=40)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--content-size", type=int, default=3000, help="bytes of HTML per item")
    args = parser.parse_args()
    feeds = [rss_feed(n, args.items, content_size=args.content_size) for n in range(args.feeds)]
    size = sum(map(len, feeds)) / len(feeds) / args.items
    print(f"{args.feeds} feeds x {args.items} items, {size / 1024:.1f} KB per item (best of {args.runs})")
    sanitized = best_of(args.runs, newsmill_sanitized_items, feeds)
    cleaned = best_of(args.runs, newsmill_items, feeds)
    theirs = best_of(max(1, args.runs - 2), feedparser_items, feeds)
    rows = (
        ("newsmill parse+sanitize", *sanitized),
        ("newsmill parse+clean", *cleaned),
        ("feedparser parse", *theirs),
    )
    print(
        f"{'':24} {'items':>7} {'seconds':>9} {'CPU s':>7} {'items/s':>10} {'ms/feed':>9} "
        f"{'vs feedparser':>14} {'(CPU)':>7}"
    )
    for name, seconds, cpu, count in rows:
        print(
            f"{name:24} {count:7d} {seconds:9.3f} {cpu:7.3f} {count / seconds:10.0f} "
            f"{1000 * seconds / args.feeds:9.2f} {theirs[0] / seconds:13.1f}x {theirs[1] / cpu:6.1f}x"
        )
    print(
        f"parse+sanitize is {theirs[0] / sanitized[0]:.1f}x faster than feedparser "
        f"({theirs[1] / sanitized[1]:.1f}x in CPU time; goal: >= 20x)"
    )


if __name__ == "__main__":
    main()
