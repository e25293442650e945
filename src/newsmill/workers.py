"""A small pool of worker processes for the CPU-bound stages, spoken to over pipes.

Why not `concurrent.futures.ProcessPoolExecutor`: its `spawn` workers re-run the caller's main
script (a script without an `if __name__ == "__main__":` guard would start its own work again
in every worker), and `fork` is unsafe once threads exist (the store thread, the resolver's
threads, a progress bar). These workers are fresh interpreters started as
`python -m newsmill.workers`: they import only what the calls they receive need, and the event
loop talks to them through their pipes without a thread of its own. A worker that dies (killed,
out of memory) is dropped; the caller gets `WorkerLost` and does the work itself.

Protocol: each message is an 8-byte big-endian length, then a pickle. Parent to worker:
`(function, args)`; worker to parent: `(True, result)` or `(False, exception)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pickle
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

T = TypeVar("T")
HEADER = 8
# The parent's pipe buffer: a reply (a cleaned feed: ≈ 200 KB for 50 articles) is read whole,
# and with asyncio's default 64 KB limit reading one pauses and resumes the pipe several times.
READ_LIMIT = 1 << 22


class WorkerLost(Exception):
    """A worker process died before it answered; the call was not done."""


class WorkerPool:
    """`size` worker processes; `await pool.call(f, *args)` runs `f(*args)` in an idle one.

    Use as `async with WorkerPool(2) as pool:`. The processes start on the first call, so a
    run that turns out to need none (every feed unchanged) costs nothing. `f` must be a
    module-level function (it is pickled by name) and its arguments and result picklable.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._idle: asyncio.Queue[asyncio.subprocess.Process] = asyncio.Queue()
        self._all: list[asyncio.subprocess.Process] = []
        self._starting: asyncio.Task[None] | None = None

    async def __aenter__(self) -> WorkerPool:
        return self

    async def _start(self) -> None:
        env = dict(os.environ)
        # The workers must import this same newsmill, also when it is run from a source tree.
        package_root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
        for _ in range(self.size):
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "newsmill.workers",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                env=env,
                limit=READ_LIMIT,
            )
            self._all.append(process)
            self._idle.put_nowait(process)

    async def __aexit__(self, *exc_info: object) -> None:
        for process in self._all:
            if process.stdin is not None and not process.stdin.is_closing():
                process.stdin.close()  # end of input: the worker exits
        for process in self._all:
            try:
                await asyncio.wait_for(process.wait(), timeout=5)
            except TimeoutError:
                _kill(process)
                await process.wait()

    @property
    def alive(self) -> bool:
        return any(process.returncode is None for process in self._all)

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        """Run `function(*args)` in a worker. Raises what it raised, or `WorkerLost`."""
        if self._starting is None:
            self._starting = asyncio.create_task(self._start())
        await self._starting
        if not self.alive:
            raise WorkerLost("no worker process is running")
        process = await self._idle.get()
        assert process.stdin is not None and process.stdout is not None
        try:
            payload = pickle.dumps((function, args), protocol=pickle.HIGHEST_PROTOCOL)
            process.stdin.write(len(payload).to_bytes(HEADER, "big") + payload)
            await process.stdin.drain()
            size = int.from_bytes(await process.stdout.readexactly(HEADER), "big")
            ok, value = pickle.loads(await process.stdout.readexactly(size))
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            _kill(process)
            raise WorkerLost(f"worker process {process.pid} died") from exc
        except BaseException:
            _kill(process)  # cancelled mid-call: its pipes are out of step now
            raise
        self._idle.put_nowait(process)
        if ok:
            return value  # type: ignore[no-any-return]
        raise value


def _kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):  # it may have died on its own meanwhile
            process.kill()


def serve(requests: BinaryIO, replies: BinaryIO) -> None:
    """The worker's loop: answer calls until the parent closes the pipe."""
    while header := requests.read(HEADER):
        function, args = pickle.loads(_read_exactly(requests, int.from_bytes(header, "big")))
        try:
            reply = pickle.dumps((True, function(*args)), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            reply = _pickled_failure(exc)
        replies.write(len(reply).to_bytes(HEADER, "big") + reply)
        replies.flush()


def _pickled_failure(exc: Exception) -> bytes:
    try:
        return pickle.dumps((False, exc), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        return pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")))


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError("the parent closed the pipe mid-message")
    return data


def main() -> None:
    # Replies own the real stdout; anything the called code prints goes to stderr instead.
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    with contextlib.suppress(EOFError, BrokenPipeError, KeyboardInterrupt):
        serve(sys.stdin.buffer, replies)


if __name__ == "__main__":
    main()
