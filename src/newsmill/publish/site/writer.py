"""The one place that touches the output folder: atomic writes, skipping what did not change.

Every output file is declared with a key: a hash of everything that goes into it. The manifest
(`.newsmill-manifest.json` in the output folder) remembers each file's key from the last build,
so a page whose key is unchanged is not even rendered; a page that is rendered is written only
if its bytes differ from the file on disk, through a temporary file and `os.replace`, so a
half-written page is never served. Files the last build wrote and this one did not are removed;
files newsmill never wrote are left alone.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

import orjson

from newsmill.errors import PublishError
from newsmill.publish.tempfiles import is_leftover, replace_atomically, sweep_temp_files

MANIFEST = ".newsmill-manifest.json"
# A build marks the folder while it writes; a mark whose process is gone means a killed build,
# and only then is the whole tree searched for the temporary files it left (`.tmp-PID-name`).
BUILDING = ".newsmill-building-{pid}"
_BUILDING = re.compile(r"\A\.newsmill-building-(?P<pid>[0-9]{1,10})\Z")
_TEMP = re.compile(r"\A\.tmp-(?P<pid>[0-9]{1,10})-.+\Z", re.DOTALL)
# 2 adds the build state (`state.SiteState`), 3 keeps article pages apart ("articles"); the
# file keys of 1 and 2 still count.
MANIFEST_VERSION = 3


@dataclass
class WriteCounts:
    written: int = 0  # files created or changed
    unchanged: int = 0  # rendered, same bytes as on disk
    skipped: int = 0  # not rendered: same key as last build
    removed: int = 0  # written by the last build, not by this one


class Writer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.base = str(root)
        text = _read_manifest(root / MANIFEST)
        self.manifest_size = len(text)  # not the text: tens of MB held through a build
        self.previous, self.previous_articles, self._previous_state = _parse_manifest(text)
        self.keys: dict[str, str] = {}
        # Article pages, kept apart: an incremental build carries the last build's 100,000
        # over in one dict copy and touches only the few it renders or removes.
        self.articles: dict[str, str] = {}
        self.counts = WriteCounts()
        self.folders: set[str] = set()
        # A first build into an empty folder need not look for files to compare with.
        self.empty = not root.is_dir() or not any(root.iterdir())
        self.swept = self._sweep_after_killed_builds()
        self.mark: Path | None = None

    def take_previous_state(self) -> Any:
        """The build state the last build saved (its JSON form), handed over once: the build
        keeps what it needs of it, and the rest is freed before the pages are rendered."""
        state, self._previous_state = self._previous_state, None
        return state

    def _sweep_after_killed_builds(self) -> int:
        """Remove what builds killed mid-way left: their temporary files, then their marks."""
        if self.empty:
            return 0
        marks = [path for path in self.root.iterdir() if is_leftover(path, _BUILDING)]
        if not marks:
            return 0
        swept = len(sweep_temp_files(self.root, _TEMP))
        for mark in marks:
            mark.unlink(missing_ok=True)
        return swept

    def _mark_building(self) -> None:
        if self.mark is None:
            self.root.mkdir(parents=True, exist_ok=True)
            self.mark = self.root / BUILDING.format(pid=os.getpid())
            self.mark.touch()

    def is_current(self, path: str, key: str) -> bool:
        """Is `path` on disk as the last build with this key left it? Then it is kept."""
        return self.previous.get(path) == key and os.path.isfile(os.path.join(self.base, path))

    def declare(self, path: str, key: str) -> bool:
        """Declare `path` with `key`. True when it may have changed: render it and `put` it;
        False when the last build left it as it is (it is skipped)."""
        if path in self.keys:
            raise PublishError(f"two outputs want the same file {path!r} (rename one of them)")
        self.keys[path] = key
        if self.is_current(path, key):
            self.counts.skipped += 1
            return False
        return True

    def declare_article(self, path: str, key: str) -> bool:
        """`declare` for an article page."""
        if path in self.keys:
            raise PublishError(f"two outputs want the same file {path!r} (rename one of them)")
        carried = self.articles.get(path)  # counted as skipped already
        self.articles[path] = key
        previous = carried or self.previous_articles.get(path, self.previous.get(path))
        if previous == key and os.path.isfile(os.path.join(self.base, path)):
            self.counts.skipped += carried is None
            return False
        self.counts.skipped -= carried is not None
        return True

    def carry_articles(self, gone: Collection[str]) -> None:
        """Keep every article page the last build wrote, as its manifest says (no look at the
        disk), but those in `gone`. Pages declared afterwards replace theirs."""
        self.articles = dict(self.previous_articles)
        for path in gone:
            self.articles.pop(path, None)
        self.counts.skipped += len(self.articles)

    def write(self, path: str, key: str, render: Callable[[], bytes | str]) -> None:
        """Declare `path` with `key`; render and write it only when it may have changed."""
        if self.declare(path, key):
            self.put(path, render())

    def keep(self, path: str, key: str) -> None:
        """Declare a file some other writer keeps up to date (search shards not rebuilt)."""
        self.keys[path] = key
        self.counts.skipped += 1

    def keep_previous(self, paths: Sequence[str]) -> list[str]:
        """Declare `paths` as the last build left them, trusting the manifest (no look at the
        disk: an incremental build keeps most of 100,000 pages this way). Returns those the
        last build did not write, which must be written."""
        found = list(map(self.previous.get, paths))
        missing: list[str] = []
        if None in found:
            missing = [path for path, key in zip(paths, found, strict=True) if key is None]
            paths = [path for path, key in zip(paths, found, strict=True) if key is not None]
            found = [key for key in found if key is not None]
        kept = len(self.keys)
        self.keys.update(zip(paths, found, strict=True))  # type: ignore[arg-type]
        self.counts.skipped += len(self.keys) - kept
        return missing

    def put(self, path: str, data: bytes | str) -> None:
        # Paths as strings and plain `os` calls: this runs for every file a build writes, and
        # pathlib's objects cost more than the system calls on a fast disk.
        target = f"{self.base}/{path}"
        if isinstance(data, str):
            data = data.encode()
        try:
            self._mark_building()
            if not self.empty and _same_bytes(target, data):
                self.counts.unchanged += 1
                return
            folder, _, name = target.rpartition("/")
            if folder not in self.folders:
                os.makedirs(folder, exist_ok=True)
                self.folders.add(folder)
            replace_atomically(target, data, _temporary(folder, name), mode=0o644)
        except OSError as exc:
            raise PublishError(f"cannot write {target}: {exc}") from exc
        self.counts.written += 1

    def finish(self, state: dict[str, Any] | None = None) -> None:
        """Remove what the last build wrote and this one did not, then save the manifest with
        the build's `state` for the next one."""
        written = self.keys.keys() | self.articles.keys()
        for path in sorted((self.previous.keys() | self.previous_articles.keys()) - written):
            target = self.root / path
            try:
                target.unlink(missing_ok=True)
                self.counts.removed += 1
                _prune_empty_dirs(target.parent, self.root)
            except OSError:
                continue
        manifest = {
            "version": MANIFEST_VERSION, "files": self.keys, "articles": self.articles, "state": state,
        }  # fmt: skip
        text = orjson.dumps(manifest, option=orjson.OPT_SORT_KEYS)  # the same tree, the same bytes
        if len(text) == self.manifest_size and _read_manifest(self.root / MANIFEST) == text:
            self._unmark()
            return
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            _atomic_write(str(self.root / MANIFEST), text)
        except OSError as exc:
            raise PublishError(f"cannot write the site manifest in {self.root}: {exc}") from exc
        self._unmark()

    def _unmark(self) -> None:
        if self.mark is not None:
            self.mark.unlink(missing_ok=True)
            self.mark = None


def _same_bytes(target: str, data: bytes) -> bool:
    try:
        with open(target, "rb") as stream:
            return os.fstat(stream.fileno()).st_size == len(data) and stream.read() == data
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return False


def _atomic_write(target: str, data: bytes) -> None:
    folder, name = os.path.split(target)
    replace_atomically(target, data, _temporary(folder, name), mode=0o644)


def _temporary(folder: str, name: str) -> str:
    """`.tmp-PID-name` beside the target: the pattern (`_TEMP`) a killed build's sweep looks for."""
    return os.path.join(folder, f".tmp-{os.getpid()}-{name}")


def _read_manifest(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _parse_manifest(text: bytes) -> tuple[dict[str, str], dict[str, str], Any]:
    """The file keys, the article pages' keys and the build state the last build saved (empty
    when there is none)."""
    try:
        raw = orjson.loads(text)
    except orjson.JSONDecodeError:
        return {}, {}, None
    if not isinstance(raw, dict) or raw.get("version") not in (1, 2, MANIFEST_VERSION):
        return {}, {}, None
    files, articles = raw.get("files"), raw.get("articles", {})
    if not _keys(files) or not _keys(articles):
        return {}, {}, None
    # An older build kept its article pages among the files: its state would not say which
    # pages a build may carry over, so the next build checks every page.
    return files, articles, raw.get("state") if raw["version"] == MANIFEST_VERSION else None


def _keys(value: object) -> TypeGuard[dict[str, str]]:
    return isinstance(value, dict) and all(isinstance(key, str) for key in value.values())


def _prune_empty_dirs(folder: Path, root: Path) -> None:
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
