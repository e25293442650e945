"""A Hexo build killed between writing a temporary file and renaming it leaves the temporary
file; the next build removes it, and nothing else: not a live writer's, not a foreign file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from hexo_helpers import make_article

from newsmill.config import HexoConfig
from newsmill.publish.hexo import write_hexo_posts
from newsmill.publish.hexo.files import MANIFEST_NAME, TEMP_NAME
from newsmill.publish.tempfiles import is_leftover, pid_is_alive, sweep_temp_files

HEXO = HexoConfig()
SRC = Path(__file__).resolve().parents[2] / "src"
TESTS = Path(__file__).resolve().parent

# A build that SIGKILLs itself at its first rename: its temporary file stays, as after `kill -9`.
KILLED_BUILD = textwrap.dedent(
    """
    import os, signal, sys
    from hexo_helpers import make_article
    from newsmill.config import HexoConfig
    from newsmill.publish.hexo import write_hexo_posts

    def killed(*_args):
        os.kill(os.getpid(), signal.SIGKILL)

    os.replace = killed
    write_hexo_posts([make_article("被杀掉的写入")], HexoConfig(), __import__("pathlib").Path(sys.argv[1]))
    """
)


def _temporary_files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.name.endswith(".tmp"))


def _dead_pid() -> int:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    pid = int(finished.stdout)
    assert not pid_is_alive(pid)
    return pid


def test_the_next_build_removes_what_a_killed_build_left(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), str(TESTS)])}
    killed = subprocess.Popen([sys.executable, "-c", KILLED_BUILD, str(tmp_path)], env=env)
    assert killed.wait(timeout=60) == -signal.SIGKILL
    assert _temporary_files(tmp_path) == [f"金融/证券时报网/要闻/.被杀掉的写入.md.{killed.pid}.tmp"]

    report = write_hexo_posts([make_article("被杀掉的写入")], HEXO, tmp_path)

    assert report.swept == 1 and report.written == 1
    assert _temporary_files(tmp_path) == []
    assert (tmp_path / "金融/证券时报网/要闻/被杀掉的写入.md").is_file()


def test_only_leftovers_of_dead_writers_in_the_hexo_naming_are_removed(tmp_path: Path) -> None:
    dead, folder = _dead_pid(), tmp_path / "金融" / "要闻"
    folder.mkdir(parents=True)
    swept = [folder / f".旧文章.md.{dead}.tmp", tmp_path / f".{MANIFEST_NAME}.{dead}.tmp"]
    kept = [
        folder / f".正在写.md.{os.getppid()}.tmp",  # a live process: maybe a run writing now
        folder / f".刚写的.md.{os.getpid()}.tmp",  # this process's own, made just now
        folder / f".tmp-{dead}-index.html",  # the static site's naming, not the Hexo writer's
        folder / f"笔记.md.{dead}.tmp",  # not hidden: a person's file
        folder / f".草稿.txt.{dead}.tmp",  # not a post
        folder / f".草稿.md.{dead}x.tmp",
        tmp_path / ".git" / f".旧文章.md.{dead}.tmp",  # hidden folders are not ours
    ]
    for path in swept + kept:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("半", encoding="utf-8")

    report = write_hexo_posts([make_article("新文章")], HEXO, tmp_path)

    assert report.swept == 2
    assert not any(path.exists() for path in swept)
    assert all(path.exists() for path in kept)


def test_an_old_file_of_this_process_pid_is_an_earlier_process_leftover(tmp_path: Path) -> None:
    path = tmp_path / f".旧.md.{os.getpid()}.tmp"
    path.write_text("半", encoding="utf-8")
    assert not is_leftover(path, TEMP_NAME)  # just written: maybe a write in progress
    os.utime(path, (0, 0))  # from before this process: a container run that had the same PID
    assert is_leftover(path, TEMP_NAME)
    assert sweep_temp_files(tmp_path, TEMP_NAME) == [path]


def test_sweeping_a_missing_folder_is_no_error(tmp_path: Path) -> None:
    assert sweep_temp_files(tmp_path / "nope", TEMP_NAME) == []
