"""One writing run at a time: a second `newsmill fetch`/`run` waits, then exits 1 naming the holder."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from newsmill.cli import main
from newsmill.config import load_config
from newsmill.lock import LOCK_NAME, LockedError, RunLock
from support.feedserver import FeedServer, Reply
from support.reliability import STCN, config_text

SRC = Path(__file__).resolve().parents[2] / "src"


def newsmill_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), **extra}
    env.pop("NEWSMILL_CONFIG", None)
    return env


def test_a_second_lock_waits_then_fails_naming_the_holder(tmp_path: Path) -> None:
    path = tmp_path / LOCK_NAME
    with RunLock(path):
        started = time.monotonic()
        with pytest.raises(LockedError) as caught:
            RunLock(path, wait=0.3).acquire()
        assert 0.3 <= time.monotonic() - started < 2
    message = str(caught.value)
    assert message.startswith(f"another newsmill run holds the lock (pid {os.getpid()}) on {path}")
    assert "\n" not in message


def test_a_waiting_lock_gets_it_when_the_holder_lets_go(tmp_path: Path) -> None:
    path = tmp_path / LOCK_NAME
    first = RunLock(path)
    first.acquire()
    threading.Timer(0.3, first.release).start()
    with RunLock(path, wait=5) as second:
        assert second.held
    assert not first.held


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    path = tmp_path / LOCK_NAME
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"from newsmill.lock import RunLock; RunLock({str(path)!r}).acquire(); print('held', flush=True); import time; time.sleep(60)",
        ],
        env=newsmill_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(LockedError, match=f"pid {holder.pid}"):
            RunLock(path, wait=0).acquire()
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
        with RunLock(path, wait=1) as lock:
            assert lock.held
    finally:
        holder.kill()
        holder.wait()


def test_fetch_refuses_to_run_while_another_run_holds_the_lock(
    tmp_path: Path,
    feed_server: FeedServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "newsmill.toml"
    config.write_text(config_text({"要闻": feed_server.feed("/feed.xml", STCN)}), encoding="utf-8")
    monkeypatch.setenv("NEWSMILL_LOCK_WAIT", "0.2")
    with RunLock.beside(load_config(config)):
        assert main(["fetch", "--config", str(config)]) == 1
        assert main(["run", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert err.count("another newsmill run holds the lock") == 2
    assert "Traceback" not in err and f"on {tmp_path / LOCK_NAME}" in err.replace("\n", "")
    assert feed_server.requests == [] and not (tmp_path / "news.db").exists()


def test_two_runs_started_at_once_do_not_corrupt_the_store(tmp_path: Path, feed_server: FeedServer) -> None:
    def serve(delay: float) -> dict[str, str]:
        body = {n: STCN.replace(b"stcn.com", f"s{n}.cn".encode()) for n in range(4)}
        return {f"源 {n}": feed_server.route(f"/{n}.xml", Reply(body=body[n], delay=delay)) for n in range(4)}

    sources = serve(0.3)
    config = tmp_path / "newsmill.toml"
    config.write_text(
        config_text(sources, timeout=10).replace("allow_private = false", "allow_private = true")
    )
    command = [sys.executable, "-m", "newsmill", "run", "--config", str(config)]

    def start(wait: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            command, env=newsmill_env(NEWSMILL_LOCK_WAIT=wait), stderr=subprocess.PIPE, text=True
        )

    # At once, with time to wait: both finish, one after the other.
    # One mid-run, the other not willing to wait: it exits 1 at once, naming the holder.
    for case in ("at once", "mid-run"):
        (tmp_path / "news.db").unlink(missing_ok=True)
        feed_server.requests.clear()
        if case == "at once":
            runs = [start("30"), start("30")]
        else:
            serve(3.0)  # slow feeds: the first run holds the lock long enough for the second to try
            runs = [start("30")]
            deadline = time.monotonic() + 30
            while not feed_server.requests and time.monotonic() < deadline:
                time.sleep(0.02)  # the first run holds the lock once it is fetching
            runs.append(start("0"))
        results = [(run.wait(timeout=60), run.stderr.read() if run.stderr else "") for run in runs]
        assert [code for code, _ in results] == ([0, 0] if case == "at once" else [0, 1]), results
        for code, err in results:
            assert "Traceback" not in err
            if code == 1:
                assert f"another newsmill run holds the lock (pid {runs[0].pid})" in err
        with sqlite3.connect(tmp_path / "news.db") as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            total, distinct = db.execute("SELECT count(*), count(DISTINCT url) FROM articles").fetchone()
        db.close()
        assert total == distinct >= 4 * 8


def test_a_read_only_config_folder_locks_in_the_temporary_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "newsmill.toml"
    config.write_text("", encoding="utf-8")
    loaded = load_config(config)
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != tmp_path)
    lock = RunLock.beside(loaded)
    assert lock.path.parent != tmp_path and lock.path.name.startswith("newsmill-")
    assert lock.path == RunLock.beside(loaded).path  # the same config, the same lock
    try:
        with lock, pytest.raises(LockedError):
            RunLock.beside(loaded, wait=0).acquire()
    finally:
        lock.path.unlink(missing_ok=True)
