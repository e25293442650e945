"""The filesystem side of the Hexo publisher: atomic writes and the manifest of what it wrote.

The manifest (`posts_dir/.newsmill-manifest.json`) maps each article id to the post file
newsmill wrote for it and the sha1 of the bytes it wrote. It lives beside the posts so it moves
with them; Hexo skips files whose name starts with a dot, so it never becomes a page. A post
whose bytes no longer match the manifest was edited by hand, and is left alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from newsmill.errors import PublishError
from newsmill.publish.tempfiles import replace_atomically, sweep_temp_files

MANIFEST_NAME = ".newsmill-manifest.json"
MANIFEST_VERSION = 1
# What `temporary_path` names: `.<post>.md.<pid>.tmp`, and `..newsmill-manifest.json.<pid>.tmp`.
TEMP_NAME = re.compile(r"\A\.(?:.+\.md|\.newsmill-manifest\.json)\.(?P<pid>[0-9]{1,10})\.tmp\Z", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Written:
    """One post newsmill wrote: its path relative to `posts_dir` (with `/`), and its sha1."""

    path: str
    sha1: str


@dataclass(slots=True)
class Manifest:
    posts_dir: Path
    posts: dict[str, Written] = field(default_factory=dict)  # by article id
    changed: bool = False

    @classmethod
    def load(cls, posts_dir: Path) -> Manifest:
        """The manifest in `posts_dir`; an empty one when there is none yet."""
        path = posts_dir / MANIFEST_NAME
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            posts = {key: Written(str(value[0]), str(value[1])) for key, value in raw["posts"].items()}
        except FileNotFoundError:
            return cls(posts_dir)
        except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
            raise PublishError(f"cannot read the Hexo manifest {path}: {exc}") from exc
        return cls(posts_dir, posts)

    def record(self, article_id: str, written: Written) -> None:
        if self.posts.get(article_id) != written:
            self.posts[article_id] = written
            self.changed = True

    def forget(self, article_id: str) -> None:
        if self.posts.pop(article_id, None) is not None:
            self.changed = True

    def save(self) -> None:
        """Write the manifest if anything in it changed (atomically, like every post)."""
        if not self.changed:
            return
        posts = {key: [value.path, value.sha1] for key, value in sorted(self.posts.items())}
        text = json.dumps({"version": MANIFEST_VERSION, "posts": posts}, ensure_ascii=False, indent=0)
        write_atomically(self.posts_dir / MANIFEST_NAME, text.encode("utf-8"), durable=True)
        self.changed = False


def sha1_of(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def file_sha1(path: Path) -> str | None:
    """The sha1 of the file's bytes; None when there is no such file, or it is empty: an empty
    post is what a crash between a rename and the disk flush leaves, not a person's edit, so it
    is written again."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise PublishError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return sha1_of(data) if data else None


def write_atomically(path: Path, data: bytes, *, durable: bool = False) -> None:
    """Write to a hidden temporary file beside `path`, then rename it over `path`: a reader
    (or `hexo generate` running meanwhile) sees the old file or the new one, never half.

    Posts are not fsynced (`durable=False`): that doubled a 10,000-post first build, and a post
    lost to a power cut is rewritten by the next build (see `file_sha1`). The manifest is."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # 0o666 less the umask, like any file a program writes (mkstemp would make it 0o600).
        replace_atomically(path, data, temporary_path(path), durable=durable)
    except OSError as exc:
        raise PublishError(f"cannot write {path}: {exc.strerror or exc}") from exc


def temporary_path(path: Path) -> Path:
    """The hidden file `write_atomically` writes before renaming it over `path` (Hexo skips
    dot files, so `hexo generate` running meanwhile never reads one as a post)."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def sweep_leftovers(posts_dir: Path) -> int:
    """Remove the temporary files that a killed run left in `posts_dir`: of this module's
    naming only, and only those whose PID is no live process. Returns how many."""
    return len(sweep_temp_files(posts_dir, TEMP_NAME))


def remove_post(posts_dir: Path, relative: str) -> None:
    """Delete a post, then its folders while they are empty (never `posts_dir` itself)."""
    path = posts_dir / relative
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise PublishError(f"cannot remove {path}: {exc.strerror or exc}") from exc
    folder = path.parent
    while folder != posts_dir and folder.is_relative_to(posts_dir):
        try:
            folder.rmdir()
        except OSError:
            return  # not empty
        folder = folder.parent
