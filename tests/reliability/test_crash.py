"""SIGKILL `newsmill fetch` at random moments: nothing committed is lost, nothing is half-written.

The feeds are local files (no network, so the run's length is all parsing and writing).
Every round slides each feed's window of items forward, so every round has new articles to
write, then kills the run somewhere in its work. After each kill the database must pass
SQLite's integrity check, keep every article committed before the round, hold each article
whole (its last sentence is there) and once only; a final run must then finish the job.

Most rounds fork this already-imported test process and run the CLI's `main()` in the child,
which is the same code path as the console script without a second of import per kill;
the first rounds run the real `python -m newsmill` to prove the entry point itself.
"""

from __future__ import annotations

import json
import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from newsmill.cli import main

SRC = Path(__file__).resolve().parents[2] / "src"
FEEDS = 30
WINDOW = 10  # items in a feed at once
STEP = 10  # new items per feed per round: every round is as much work as the first
KILLS = 30  # runs killed while still running
MAX_ROUNDS = 50  # a run that beats its timer does not count; give up after this many
EXEC_ROUNDS = 3  # the first rounds go through a fresh `python -m newsmill`
PARAGRAPH = "北向资金全天净买入超过50亿元，消费和医药板块获加仓。" * 12


def item(feed: int, number: int) -> str:
    return (
        f"<item><title>源{feed} 第{number}条</title><guid>f{feed}-i{number}</guid>"
        f"<link>https://news{feed}.example.cn/{number}.html</link>"
        f"<pubDate>Tue, 12 Oct 2021 13:{number % 60:02d}:00 GMT</pubDate>"
        f"<description><![CDATA[<p>{PARAGRAPH}</p><p>结尾 f{feed}-i{number}。</p>]]></description></item>"
    )


def write_feeds(folder: Path, round_: int) -> set[str]:
    """Write every feed for this round; return the guids the feeds now carry."""
    guids = set()
    for feed in range(FEEDS):
        numbers = range(round_ * STEP, round_ * STEP + WINDOW)
        items = "".join(item(feed, n) for n in numbers)
        body = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>源{feed}</title>{items}</channel></rss>'
        target = folder / "feeds" / f"f{feed:02d}.xml"
        temporary = target.with_suffix(".tmp")
        temporary.write_text(body, encoding="utf-8")
        temporary.replace(target)
        guids |= {f"f{feed}-i{n}" for n in numbers}
    return guids


def write_config(folder: Path) -> Path:
    lines = ['[store]\nurl = "sqlite:///news.db"']
    for feed in range(FEEDS):
        lines.append(f'[[sources]]\nname = "源{feed}"\nurl = "feeds/f{feed:02d}.xml"\ncategories = ["测试"]')
    path = folder / "newsmill.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def stored(db_path: Path) -> dict[str, tuple[str, str, str]]:
    """guid → (id, title, content_text) of every stored article, after checking the file."""
    if not db_path.exists():
        return {}
    with sqlite3.connect(db_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = db.execute("SELECT guid, id, title, content_text FROM articles").fetchall()
        (total,) = db.execute("SELECT count(*) FROM articles").fetchone()
    db.close()
    found = {guid: (id_, title, text) for guid, id_, title, text in rows}
    assert len(found) == total, "an article was stored twice"
    return found


def check_whole(found: dict[str, tuple[str, str, str]]) -> None:
    for guid, (_id, title, text) in found.items():
        feed, number = guid[1:].split("-i")
        assert title == f"源{feed} 第{number}条"
        assert text.endswith(f"结尾 {guid}。"), f"{guid} is cut short"
        assert PARAGRAPH in text


def start_forked(argv: list[str]) -> tuple[int, int]:
    """Fork; the child runs the CLI with its stderr on a pipe. Returns (pid, read end)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.close(read)
            os.dup2(write, 2)
            # rich's stderr console writes to whatever sys.stderr is when it prints.
            sys.stderr = os.fdopen(2, "w", encoding="utf-8", buffering=1, closefd=False)
            os._exit(main(argv))
        finally:
            os._exit(99)
    os.close(write)
    return pid, read


def wait_for_first_source(fd: int, limit: float) -> bool:
    """Block until the run reports its first finished source (it is then mid-work)."""
    deadline = time.monotonic() + limit
    seen = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                return False  # the run ended
            seen += chunk
            if "✓".encode() in seen:
                return True
    return False


def reap(pid: int) -> int:
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def run_unkilled(argv: list[str]) -> tuple[float, float]:
    """Run once to the end; return (seconds to the first finished source, seconds in all)."""
    started = time.monotonic()
    pid, fd = start_forked(argv)
    wait_for_first_source(fd, limit=30)
    first = time.monotonic() - started
    assert reap(pid) == 0
    os.close(fd)
    return first, time.monotonic() - started


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_sigkill_at_random_moments_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    rng = random.Random(20261125)
    config = write_config(tmp_path)
    (tmp_path / "feeds").mkdir()
    db_path = tmp_path / "news.db"
    argv = ["fetch", "--config", str(config), *[f"源{feed}" for feed in range(FEEDS)]]
    write_feeds(tmp_path, 0)
    first, whole = run_unkilled(argv)  # how long a round takes here, to aim the kills
    killed = mid_write = round_ = 0
    while killed < KILLS and round_ < MAX_ROUNDS:
        round_ += 1
        write_feeds(tmp_path, round_)
        before = stored(db_path)
        if round_ <= EXEC_ROUNDS:  # a fresh interpreter: it spends its first second importing
            process = subprocess.Popen(
                [sys.executable, "-m", "newsmill", *argv],
                env={**os.environ, "PYTHONPATH": str(SRC)},
                stderr=subprocess.PIPE,
            )
            assert process.stderr is not None
            wait_for_first_source(process.stderr.fileno(), limit=30)
            os.kill(process.pid, signal.SIGKILL)
            status = process.wait()
            process.stderr.close()
        else:
            pid, fd = start_forked(argv)
            time.sleep(rng.uniform(first * 0.7, whole * 0.95))
            os.kill(pid, signal.SIGKILL)
            status = reap(pid)
            os.close(fd)
        if status == -signal.SIGKILL:
            killed += 1
        else:  # the run beat the timer (fine, but no test): aim earlier from now on
            whole *= 0.9
        after = stored(db_path)
        check_whole(after)
        lost = {guid for guid, (id_, *_rest) in before.items() if after.get(guid, ("",))[0] != id_}
        assert not lost, f"round {round_}: committed articles vanished: {sorted(lost)[:5]}"
        mid_write += len(before) < len(after) < len(before) + FEEDS * STEP
    assert killed >= KILLS, f"only {killed} of {round_} runs were still running when killed"
    assert mid_write >= KILLS // 4, f"only {mid_write} kills landed while articles were being written"

    guids = write_feeds(tmp_path, round_ + 1)
    assert main(argv) == 0
    final = stored(db_path)
    check_whole(final)
    assert guids <= set(final), "the run after the crashes completes the work"


# --- newsmill build ------------------------------------------------------------------------------

BUILD_FEEDS = 6
BUILD_KILLS = 30


def write_build_config(folder: Path) -> Path:
    lines = ['[store]\nurl = "sqlite:///news.db"\n[hexo]\nposts_dir = "hexo/source/_posts"']
    for feed in range(BUILD_FEEDS):
        lines.append(
            f'[[sources]]\nname = "源{feed}"\nurl = "feeds/f{feed:02d}.xml"\ncategories = ["金融", "源{feed}"]'
        )
    path = folder / "newsmill.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def truncated_outputs(folder: Path) -> list[str]:
    """Published files (hidden temporary files aside) that are not whole."""
    broken = []
    for path in [*(folder / "site").rglob("*"), *(folder / "hexo").rglob("*")]:
        if not path.is_file() or path.name.startswith("."):
            continue
        data = path.read_bytes()
        whole = True
        if path.suffix == ".html":
            whole = data.rstrip().endswith(b"</html>")
        elif path.suffix == ".md":
            whole = data.endswith(b"\n</div>\n            ")
        elif path.suffix == ".json":
            whole = _parses(json.loads, data)
        elif path.suffix == ".xml":
            whole = _parses(etree.fromstring, data)
        if not whole or not data:
            broken.append(str(path.relative_to(folder)))
    return broken


def _parses(parse: Callable[[bytes], object], data: bytes) -> bool:
    try:
        parse(data)
    except ValueError:  # json.JSONDecodeError and lxml's XMLSyntaxError are both ValueErrors
        return False
    return True


def test_sigkill_during_build_never_leaves_a_truncated_published_file(tmp_path: Path) -> None:
    rng = random.Random(20261126)
    config = write_build_config(tmp_path)
    (tmp_path / "feeds").mkdir()
    fetch = ["fetch", "--config", str(config), *[f"源{feed}" for feed in range(BUILD_FEEDS)]]
    build = ["build", "--config", str(config)]
    global FEEDS  # write_feeds writes FEEDS feeds; a smaller site builds faster
    saved, FEEDS = FEEDS, BUILD_FEEDS
    try:
        write_feeds(tmp_path, 0)
        assert main(fetch) == 0
        _first, whole = run_unkilled(build)
        killed = round_ = 0
        while killed < BUILD_KILLS and round_ < MAX_ROUNDS:
            round_ += 1
            if round_ % 3 == 1:  # new articles; a killed build also leaves work for the next
                write_feeds(tmp_path, round_)
                assert main(fetch) == 0
            pid, fd = start_forked(build)
            time.sleep(rng.uniform(0.05, whole * 0.9))
            os.kill(pid, signal.SIGKILL)
            status = reap(pid)
            os.close(fd)
            if status == -signal.SIGKILL:
                killed += 1
            else:
                whole *= 0.9
            assert truncated_outputs(tmp_path) == [], f"round {round_}"
        assert killed >= BUILD_KILLS
        assert main(build) == 0
    finally:
        FEEDS = saved
    assert truncated_outputs(tmp_path) == []
    posts = list((tmp_path / "hexo").rglob("*.md"))
    with sqlite3.connect(tmp_path / "news.db") as db:
        (articles,) = db.execute("SELECT count(*) FROM articles").fetchone()
    db.close()
    assert len([p for p in posts if not p.name.startswith(".")]) == articles
    # A killed build leaves its temporary files behind (hidden, so neither Hexo nor a web
    # server shows them); the build that ran last, unkilled, swept every one of them away.
    leftovers = [
        p for p in tmp_path.rglob(".*") if ".tmp" in p.name or p.name.startswith(".newsmill-building")
    ]
    assert leftovers == []
