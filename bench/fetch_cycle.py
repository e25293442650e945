"""A whole fetch cycle: N feeds of 50 items served on 127.0.0.1, fetched, parsed, cleaned, stored.

    python bench/fetch_cycle.py [--feeds 1000] [--items 50]

The server runs in its own process (the other core), with ETag support. Prints the cold run
(every article new) and the warm run (every feed answers 304). Goals: cold < 15 s for
1,000 x 50, warm < 0.5 s. `--warm-only` skips the cold run: the sources' states get the
server's ETags directly, so only the 304 cycle runs (and is measured `--runs` times).
`--no-enrich` stores the articles without the enrich stage (segmentation, keywords, stocks,
stories, search index), which measures the ingest engine alone.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

if TYPE_CHECKING:
    from newsmill.core import Mill
    from newsmill.models import SourceOutcome


def serve(feeds: int, items: int, content_size: int) -> None:
    """Run in the child process: generate the feeds, then serve them until killed."""
    from aiohttp import web
    from corpus import rss_feed

    bodies = [rss_feed(n, items, content_size=content_size, varied=True) for n in range(feeds)]
    etags = [f'"{hashlib.sha1(body).hexdigest()[:16]}"' for body in bodies]

    async def handle(request: web.Request) -> web.Response:
        number = int(request.match_info["number"])
        if request.headers.get("If-None-Match") == etags[number]:
            return web.Response(status=304, headers={"ETag": etags[number]})
        return web.Response(
            body=bodies[number],
            content_type="application/rss+xml",
            charset="utf-8",
            headers={"ETag": etags[number]},
        )

    app = web.Application()
    app.router.add_get("/feed/{number}.xml", handle)
    runner = web.AppRunner(app, access_log=None)
    import asyncio

    async def start() -> None:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=2048)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        print(f"ready {port} {sum(map(len, bodies))}", flush=True)
        print(" ".join(etags), flush=True)
        await asyncio.Event().wait()

    asyncio.run(start())


def write_config(folder: Path, port: int, feeds: int, concurrency: int) -> Path:
    lines = [
        "[store]",
        'url = "sqlite:///bench.db"',
        "[fetch]",
        f"concurrency = {concurrency}",
        f"per_host = {concurrency}",
        "allow_private = true",
        "retries = 0",
    ]
    for number in range(feeds):
        lines += [
            "[[sources]]",
            f'name = "证券时报网 {number}"',
            f'url = "http://127.0.0.1:{port}/feed/{number}.xml"',
            f'categories = ["金融", "证券时报网", "频道{number % 20}"]',
        ]
    path = folder / "newsmill.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def timed_fetch(config: Path, names: list[str], *, enrich: bool = True) -> tuple[float, float, int, int]:
    """Wall seconds, CPU seconds (this process and its worker processes), new, failed."""
    from newsmill.core import Mill
    from newsmill.models import SourceStatus

    with Mill.open(config) as mill:
        cpu_before = _cpu_seconds()
        started = time.perf_counter()
        outcomes = mill.fetch(names) if enrich else _fetch_without_enrich(mill, names)
        seconds = time.perf_counter() - started
        cpu = _cpu_seconds() - cpu_before
    new = sum(outcome.counts.new for outcome in outcomes)
    failed = sum(outcome.status is SourceStatus.ERROR for outcome in outcomes)
    return seconds, cpu, new, failed


def _fetch_without_enrich(mill: Mill, names: list[str]) -> list[SourceOutcome]:
    """What `Mill.fetch` does, with the enrich stage off: the ingest engine's own cost."""
    import asyncio

    from newsmill.pipeline import fetch_sources, plan_fetch, utcnow

    planned = plan_fetch(mill.config, mill.store.source_states(), utcnow(), names)
    return asyncio.run(fetch_sources(mill.config, mill.store, planned, enrich=False))


def prime_states(config: Path, etags: list[str]) -> None:
    """Give every source the state a cold run would leave: its ETag, fetched, due now."""
    from newsmill.core import Mill
    from newsmill.models import SourceState, SourceStatus

    with Mill.open(config) as mill:
        states = [
            SourceState(
                name=source.name,
                config_url=source.url,
                url=source.url,
                etag=etag,
                status=SourceStatus.OK,
            )
            for source, etag in zip(mill.config.sources, etags, strict=True)
        ]
        mill.store.save_states(states)


def _cpu_seconds() -> float:
    # Worker processes have exited (and been waited for) when `fetch` returns, so their time
    # is in the children's fields. The server's process is not waited for: it is not counted.
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--content-size", type=int, default=1500, help="bytes of HTML per article")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--warm-only", action="store_true", help="only the 304 cycle")
    parser.add_argument("--runs", type=int, default=1, help="304 cycles to run (with --warm-only)")
    parser.add_argument(
        "--no-enrich", action="store_true", help="store without the enrich stage (the ingest engine alone)"
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.feeds, args.items, args.content_size)
        return
    command = [sys.executable, __file__, "--serve", f"--feeds={args.feeds}", f"--items={args.items}"]
    command.append(f"--content-size={args.content_size}")
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        _, port, total = server.stdout.readline().split()
        etags = server.stdout.readline().split()
        with tempfile.TemporaryDirectory() as folder:
            config = write_config(Path(folder), int(port), args.feeds, args.concurrency)
            names = [f"证券时报网 {n}" for n in range(args.feeds)]
            print(
                f"{args.feeds} feeds x {args.items} items, {int(total) / 1e6:.0f} MB served, concurrency {args.concurrency}"
            )
            if args.warm_only:
                prime_states(config, etags)
            else:
                cold, cpu, new, failed = timed_fetch(config, names, enrich=not args.no_enrich)
                print(
                    f"cold: {cold:6.2f} s ({cpu:5.1f} CPU s)  {new} new articles ({new / cold:.0f}/s), "
                    f"{failed} failed   goal < 15 s"
                )
            for _ in range(args.runs if args.warm_only else 1):
                warm, cpu, new, failed = timed_fetch(config, names, enrich=not args.no_enrich)
                print(
                    f"304s: {warm:6.2f} s ({cpu:5.2f} CPU s)  {new} new articles, {failed} failed"
                    "                 goal < 0.5 s"
                )
    finally:
        server.kill()


if __name__ == "__main__":
    main()
