"""Temporary files of atomic writes that a killed run left behind, and sweeping them away.

Every publisher writes a file through a temporary one beside it, named with the writer's PID,
then renames it over the target. A run killed between the two leaves the temporary file. The
next run removes the ones whose writer is gone: a name of the publisher's own pattern, with a
PID that is no live process. A live PID's file may be another run writing right now, and is
left alone; so is any file whose name is not of the pattern.

Each publisher passes the pattern of its own names, with the PID as the group named `pid`,
e.g. for the Hexo writer's `.<post>.md.<pid>.tmp`:

>>> import re
>>> pattern = re.compile(r"\\A\\..+\\.md\\.(?P<pid>[0-9]+)\\.tmp\\Z")
>>> removed = sweep_temp_files(Path("hexo/source/_posts"), pattern)  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from pathlib import Path

# Every writer imports this module before it writes anything, so a temporary file of this
# process's own PID that is older than this import was made by an earlier process that had
# the same PID (common in containers, where each run is often PID 1 or close to it).
_LOADED = time.time()


def replace_atomically(
    target: str | Path, data: bytes, temporary: str | Path, *, mode: int = 0o666, durable: bool = False
) -> None:
    """Write `data` to `temporary` (a name of the publisher's pattern, beside `target`), then
    rename it over `target`: a reader sees the old file or the new one, never half. `durable`
    fsyncs first. On any failure the temporary file is removed and the error raised.

    (Plain `os` calls, no file object: a site build writes 100,000 files through here.)"""
    try:
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view) :]
            if durable:
                os.fsync(handle)
        finally:
            os.close(handle)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def sweep_temp_files(folder: Path, pattern: re.Pattern[str], *, recursive: bool = True) -> list[Path]:
    """Remove the leftover temporary files under `folder` (its subfolders too when `recursive`,
    hidden folders and symlinks to folders excepted) whose name matches `pattern` and whose
    PID is not a live process; returns the removed paths. A missing folder is no error."""
    removed: list[Path] = []
    for path in _candidates(folder, pattern, recursive=recursive):
        try:
            path.unlink()
        except FileNotFoundError:
            continue  # its writer renamed it meanwhile, or another sweep got it first
        except OSError:
            continue  # not ours to insist on: it is left for the next run
        removed.append(path)
    return removed


def is_leftover(path: Path, pattern: re.Pattern[str]) -> bool:
    """Whether `path` is a temporary file of `pattern` whose writer is gone."""
    found = pattern.match(path.name)
    if found is None:
        return False
    pid = int(found["pid"])
    if pid == os.getpid():
        return _older_than_this_process(path)
    return not pid_is_alive(pid)


def pid_is_alive(pid: int) -> bool:
    """Whether a process with this PID exists (signal 0 checks without sending anything)."""
    if pid <= 0:
        return False  # 0 and negative PIDs mean process groups to kill(); no writer has them
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, owned by someone else
    except OverflowError:
        return False
    return True


def _candidates(folder: Path, pattern: re.Pattern[str], *, recursive: bool) -> list[Path]:
    found: list[Path] = []
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:
            continue  # missing or unreadable: nothing of ours to sweep there
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if recursive and not entry.name.startswith("."):
                    pending.append(Path(entry.path))
            elif entry.is_file(follow_symlinks=False) and is_leftover(Path(entry.path), pattern):
                found.append(Path(entry.path))
    return found


def _older_than_this_process(path: Path) -> bool:
    try:
        return path.stat().st_mtime < _LOADED - 1.0
    except OSError:
        return False
