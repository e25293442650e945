"""Worker processes for the CPU-bound stages: real subprocesses, spoken to over pipes."""

from __future__ import annotations

import asyncio
import math
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsmill import workers
from newsmill.enrich import TextAnalysis, analyse_drafts
from newsmill.errors import ParseError, SourceError
from newsmill.models import Source
from newsmill.prepare import Prepared, prepare_or_error
from newsmill.workers import WorkerLost, WorkerPool

ROOT = Path(__file__).resolve().parents[1]
STCN = (ROOT / "examples" / "feeds" / "stcn-yw.xml").read_bytes()
SOURCE = Source(
    name="证券时报网 要闻",
    url="https://www.stcn.com/",
    categories=("金融", "证券时报网", "要闻"),
    author="证券时报网",
)
NOW = datetime(2021, 10, 13, tzinfo=UTC)


def run(coroutine):
    return asyncio.run(coroutine)


def test_a_worker_parses_and_cleans_a_feed_exactly_as_the_caller_would() -> None:
    async def go() -> Prepared | SourceError:
        async with WorkerPool(2) as pool:
            return await pool.call(prepare_or_error, SOURCE, STCN, "application/rss+xml", NOW)

    in_worker = run(go())
    here = prepare_or_error(SOURCE, STCN, "application/rss+xml", NOW)
    assert isinstance(in_worker, Prepared) and in_worker == here
    assert any(d.title == "发布两大基因产业园 上海加码布局生物医药前沿产业" for d in in_worker.drafts)


def test_prepared_pickles_to_an_equal_value() -> None:
    # Prepared pickles its drafts as tuples of their fields (cheaper to load than frozen
    # dataclasses field by field): what comes back must be equal, enclosures and dates included.
    import pickle
    from dataclasses import replace

    from newsmill.models import Enclosure

    prepared = prepare_or_error(SOURCE, STCN, "application/rss+xml", NOW)
    assert isinstance(prepared, Prepared) and prepared.drafts
    enclosure = Enclosure("https://www.stcn.com/a.mp3", "audio/mpeg", 1234)
    drafts = (replace(prepared.drafts[0], enclosures=(enclosure,)), *prepared.drafts[1:])
    prepared = Prepared(prepared.entries, drafts)

    again = pickle.loads(pickle.dumps(prepared, protocol=pickle.HIGHEST_PROTOCOL))

    assert again == prepared and type(again.drafts) is tuple
    assert again.drafts[0].enclosures == (enclosure,) and again.drafts[0].published is not None


def test_a_worker_analyses_articles_exactly_as_the_store_thread_would() -> None:
    prepared = prepare_or_error(SOURCE, STCN, "application/rss+xml", NOW)
    assert isinstance(prepared, Prepared)

    async def go() -> tuple[TextAnalysis, ...]:
        async with WorkerPool(1) as pool:
            return await pool.call(analyse_drafts, prepared.drafts, 8)

    in_worker = run(go())
    assert in_worker == analyse_drafts(prepared.drafts, 8)
    assert len(in_worker) == len(prepared.drafts) and any(a.linked for a in in_worker)


def test_a_source_error_comes_back_with_its_fields() -> None:
    async def go() -> Prepared | SourceError:
        async with WorkerPool(1) as pool:
            return await pool.call(prepare_or_error, SOURCE, b"\x00\x01 not a feed", "text/plain", NOW)

    error = run(go())
    assert isinstance(error, ParseError)
    assert error.source == "证券时报网 要闻" and error.message and not error.transient


def test_an_exception_in_the_worker_is_raised_in_the_caller() -> None:
    async def go() -> int:
        async with WorkerPool(1) as pool:
            assert await pool.call(math.factorial, 10) == 3628800
            return await pool.call(math.factorial, -1)

    with pytest.raises(ValueError, match="negative"):
        run(go())


def test_what_the_called_code_prints_does_not_break_the_replies(capfd) -> None:
    async def go() -> list[object]:
        async with WorkerPool(1) as pool:
            return [await pool.call(print, "来自工作进程的输出"), await pool.call(math.factorial, 5)]

    assert run(go()) == [None, 120]
    assert "来自工作进程的输出" in capfd.readouterr().err


def test_a_killed_worker_is_reported_and_the_others_go_on() -> None:
    async def go() -> None:
        async with WorkerPool(2) as pool:
            await asyncio.gather(pool.call(math.factorial, 3), pool.call(math.factorial, 4))
            first = pool._all[0]
            os.kill(first.pid, signal.SIGKILL)
            await first.wait()
            results = []
            for _ in range(4):
                try:
                    results.append(await pool.call(math.factorial, 5))
                except WorkerLost:
                    results.append("lost")
            assert results.count("lost") <= 1 and results.count(120) >= 3
            os.kill(pool._all[1].pid, signal.SIGKILL)
            await pool._all[1].wait()
            with pytest.raises(WorkerLost):
                for _ in range(3):
                    await pool.call(math.factorial, 5)

    run(go())


def test_workers_do_not_run_the_callers_script_again(tmp_path: Path) -> None:
    # multiprocessing's spawn re-imports the main script in each worker; a script without a
    # main guard would start its whole job again. These workers never import it.
    marker = tmp_path / "runs.txt"
    script = tmp_path / "unguarded.py"
    script.write_text(
        "import asyncio, math\n"
        "from newsmill.workers import WorkerPool\n"
        f"open({str(marker)!r}, 'a').write('ran\\n')\n"
        "async def go():\n"
        "    async with WorkerPool(2) as pool:\n"
        "        print(await asyncio.gather(*(pool.call(math.factorial, n) for n in range(6))))\n"
        "asyncio.run(go())\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[1, 1, 2, 6, 24, 120]"
    assert marker.read_text() == "ran\n"


def test_the_site_builds_search_worker_speaks_the_workers_header() -> None:
    from newsmill.publish.site import build

    assert build.WORKER_HEADER == workers.HEADER
