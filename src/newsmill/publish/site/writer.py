"""The one place that touches the output folder: atomic writes, skipping what did not change.

Every output file is declared with a key: a hash of everything that goes into it. The manifest
(`.newsmill-manifest.json` in the output folder) remembers each file's key from the last build,
so a page whose key is unchanged is not even rendered; a page that is rendered is written only
if its bytes differ from the file on disk, through a temporary file and `os.replace`, so a
half-written page is never served. Files the last build wrote and this one did not are removed;
files newsmill never wrote are left alone.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from newsmill.errors import PublishError

MANIFEST = ".newsmill-manifest.json"
MANIFEST_VERSION = 1


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
        self.previous = _load_manifest(root / MANIFEST)
        self.keys: dict[str, str] = {}
        self.counts = WriteCounts()
        self.changed: list[str] = []
        self.folders: set[Path] = set()
        # A first build into an empty folder need not look for files to compare with.
        self.empty = not root.is_dir() or not any(root.iterdir())

    def is_current(self, path: str, key: str) -> bool:
        """Is `path` on disk as the last build with this key left it? Then it is kept."""
        return self.previous.get(path) == key and os.path.isfile(os.path.join(self.base, path))

    def write(self, path: str, key: str, render: Callable[[], bytes | str]) -> None:
        """Declare `path` with `key`; render and write it only when it may have changed."""
        if path in self.keys:
            raise PublishError(f"two outputs want the same file {path!r} (rename one of them)")
        self.keys[path] = key
        if self.is_current(path, key):
            self.counts.skipped += 1
            return
        data = render()
        self.put(path, data.encode() if isinstance(data, str) else data)

    def keep(self, path: str, key: str) -> None:
        """Declare a file some other writer keeps up to date (search shards not rebuilt)."""
        self.keys[path] = key
        self.counts.skipped += 1

    def put(self, path: str, data: bytes) -> None:
        target = self.root / path
        try:
            if not self.empty and _same_bytes(target, data):
                self.counts.unchanged += 1
                return
            if target.parent not in self.folders:
                target.parent.mkdir(parents=True, exist_ok=True)
                self.folders.add(target.parent)
            _atomic_write(target, data)
        except OSError as exc:
            raise PublishError(f"cannot write {target}: {exc}") from exc
        self.counts.written += 1
        self.changed.append(path)

    def finish(self) -> None:
        """Remove what the last build wrote and this one did not, then save the manifest."""
        for path in sorted(set(self.previous) - set(self.keys)):
            target = self.root / path
            try:
                target.unlink(missing_ok=True)
                self.counts.removed += 1
                _prune_empty_dirs(target.parent, self.root)
            except OSError:
                continue
        manifest = {"version": MANIFEST_VERSION, "files": dict(sorted(self.keys.items()))}
        text = json.dumps(manifest, ensure_ascii=False, separators=(",", ":"))
        if self.keys == self.previous and (self.root / MANIFEST).is_file():
            return
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            _atomic_write(self.root / MANIFEST, text.encode())
        except OSError as exc:
            raise PublishError(f"cannot write the site manifest in {self.root}: {exc}") from exc


def _same_bytes(target: Path, data: bytes) -> bool:
    try:
        with open(target, "rb") as stream:
            return os.fstat(stream.fileno()).st_size == len(data) and stream.read() == data
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return False


def _atomic_write(target: Path, data: bytes) -> None:
    """Write a temporary file beside `target`, then rename it over: readers see old or new."""
    temp = target.with_name(f".tmp-{os.getpid()}-{target.name}")
    try:
        handle = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _load_manifest(path: Path) -> dict[str, str]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(raw, dict) or raw.get("version") != MANIFEST_VERSION:
        return {}
    files = raw.get("files")
    return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}


def _prune_empty_dirs(folder: Path, root: Path) -> None:
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
