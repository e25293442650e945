"""One writing run at a time: an exclusive `flock` on a lock file beside the config.

Two `newsmill run` jobs that overlap (a slow run and the next cron tick) would fetch the same
sources twice and race each other's writes. The second one waits a little for the first to
finish, then gives up with a message naming the holder:

    with RunLock.beside(config):        # or RunLock(path, wait=5.0)
        mill.fetch()

The lock belongs to the open file, so the kernel releases it when the holder exits, even
when it is killed with SIGKILL: a crashed run never leaves a stale lock behind. The file is
never deleted (deleting it would let a third process lock a fresh file while the second still
holds the old one); it keeps the holder's pid for the message.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from newsmill.errors import NewsmillError

if TYPE_CHECKING:
    from newsmill.config import Config

LOCK_NAME = ".newsmill.lock"
DEFAULT_WAIT = 10.0  # seconds a second run waits for the first before giving up
WAIT_VARIABLE = "NEWSMILL_LOCK_WAIT"  # overrides DEFAULT_WAIT (seconds)
_POLL = 0.05


class LockedError(NewsmillError):
    """Another newsmill process holds the run lock."""


class RunLock:
    """An exclusive, non-reentrant lock on `path`. Use as a context manager."""

    def __init__(self, path: Path, *, wait: float | None = None) -> None:
        self.path = path
        self.wait = _default_wait() if wait is None else wait
        self._fd: int | None = None

    @classmethod
    def beside(cls, config: Config, *, wait: float | None = None) -> RunLock:
        """The lock for the newsmill whose config is `config`: a file in the config's folder, or
        (when that folder is read-only, as /etc can be) one in the temporary folder named
        after the config's path, so runs of the same config still exclude each other."""
        folder = config.root
        if os.access(folder, os.W_OK):
            return cls(folder / LOCK_NAME, wait=wait)
        digest = hashlib.sha1(str(config.path.resolve()).encode()).hexdigest()[:16]
        return cls(Path(tempfile.gettempdir()) / f"newsmill-{digest}.lock", wait=wait)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock, waiting up to `wait` seconds; raise `LockedError` if still held."""
        if self._fd is not None:
            raise RuntimeError("RunLock is not reentrant")
        fd = self._open()
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _read_pid(fd)
                    os.close(fd)
                    raise LockedError(_held_message(holder, self.path, self.wait)) from None
                time.sleep(_POLL)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Let the next run in. (Closing the file releases the flock.)"""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()

    def _open(self) -> int:
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise NewsmillError(f"cannot create the run lock {self.path}: {reason}") from None


def _default_wait() -> float:
    try:
        return max(0.0, float(os.environ.get(WAIT_VARIABLE, DEFAULT_WAIT)))
    except ValueError:
        return DEFAULT_WAIT


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _held_message(pid: int | None, path: Path, wait: float) -> str:
    holder = f" (pid {pid})" if pid else ""
    return (
        f"another newsmill run holds the lock{holder} on {path}; waited {wait:g} s. "
        "Try again when it has finished."
    )
