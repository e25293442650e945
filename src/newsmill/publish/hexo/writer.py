"""Write stored articles as Hexo posts, incrementally.

Each article keeps the file it was first given (Hexo makes the post's URL from it), unless its
category path changes. An unchanged post is not touched (same bytes, same mtime); a changed one
is replaced atomically; one a person edited since newsmill wrote it is left alone and reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path, PurePosixPath

from newsmill.config import Config, HexoConfig
from newsmill.models import Article
from newsmill.publish.hexo.files import (
    Manifest,
    Written,
    file_sha1,
    remove_post,
    sha1_of,
    sweep_leftovers,
    write_atomically,
)
from newsmill.publish.hexo.names import post_folder, post_path
from newsmill.publish.hexo.post import render_post

PostCallback = Callable[[Article], None]


@dataclass(frozen=True, slots=True)
class HexoReport:
    """What one build did to `posts_dir`."""

    posts_dir: Path
    written: int = 0  # new or changed posts
    unchanged: int = 0
    edited: tuple[str, ...] = ()  # posts edited by hand, left alone (relative paths)
    removed: int = 0  # posts of articles no longer stored
    swept: int = 0  # temporary files a killed run had left, removed

    @property
    def skipped(self) -> int:
        return len(self.edited)


class _Outcome(Enum):
    WRITTEN = "written"
    UNCHANGED = "unchanged"
    EDITED = "edited"


@dataclass(slots=True)
class _Build:
    hexo: HexoConfig
    manifest: Manifest
    owners: dict[str, str] = field(default_factory=dict)  # casefolded path -> article id
    counts: dict[_Outcome, int] = field(default_factory=lambda: dict.fromkeys(_Outcome, 0))
    edited: list[str] = field(default_factory=list)

    @property
    def posts_dir(self) -> Path:
        return self.manifest.posts_dir


def configured_posts_dir(config: Config) -> Path | None:
    """`[hexo] posts_dir`, a relative path taken from the config's folder; None when unset."""
    posts_dir = config.hexo.posts_dir
    if posts_dir is None:
        return None
    return posts_dir if posts_dir.is_absolute() else config.root / posts_dir


def write_hexo_posts(
    articles: Iterable[Article],
    hexo: HexoConfig,
    posts_dir: Path,
    *,
    on_post: PostCallback | None = None,
) -> HexoReport:
    """Write every article in `articles` under `posts_dir`; remove the posts of articles that
    are no longer among them (unless edited by hand, or unless there are no articles at all,
    which more likely means a wrong store than an empty archive). Temporary files that a
    killed run left are removed first."""
    swept = sweep_leftovers(posts_dir)
    manifest = Manifest.load(posts_dir)
    build = _Build(hexo, manifest, {_key(w.path): key for key, w in manifest.posts.items()})
    seen: set[str] = set()
    try:
        for article in articles:
            seen.add(article.id)
            build.counts[_write_post(build, article)] += 1
            if on_post is not None:
                on_post(article)
        removed = _remove_gone(build, seen) if seen else 0
    finally:
        manifest.save()
    return HexoReport(
        posts_dir=posts_dir,
        written=build.counts[_Outcome.WRITTEN],
        unchanged=build.counts[_Outcome.UNCHANGED],
        edited=tuple(build.edited),
        removed=removed,
        swept=swept,
    )


def adopt_posts(posts_dir: Path, files: Mapping[str, Path]) -> int:
    """Record existing post files (article id -> file inside `posts_dir`) as newsmill's own, as
    they are now: `import-hexo` of the posts folder itself, so the next build rewrites those
    files in place instead of writing a second copy of each post beside them."""
    manifest = Manifest.load(posts_dir)
    adopted = 0
    for article_id, path in files.items():
        digest = file_sha1(path)
        if digest is not None and path.resolve().is_relative_to(posts_dir.resolve()):
            relative = path.resolve().relative_to(posts_dir.resolve()).as_posix()
            manifest.record(article_id, Written(relative, digest))
            adopted += 1
    manifest.save()
    return adopted


def _write_post(build: _Build, article: Article) -> _Outcome:
    data = render_post(article, build.hexo).encode("utf-8")
    digest = sha1_of(data)
    before = build.manifest.posts.get(article.id)
    relative = _choose_path(build, article, before, data)
    same = before is not None and before.path == relative and before.sha1 == digest
    if same and (build.posts_dir / relative).is_file():
        return _Outcome.UNCHANGED
    on_disk = file_sha1(build.posts_dir / relative)
    if on_disk == digest:  # already there (e.g. a build that stopped before its manifest)
        _claim(build, article.id, Written(relative, digest))
        return _Outcome.UNCHANGED
    expected = before.sha1 if before is not None and before.path == relative else None
    if on_disk is not None and on_disk != expected:
        build.edited.append(relative)
        return _Outcome.EDITED
    write_atomically(build.posts_dir / relative, data)
    _claim(build, article.id, Written(relative, digest))
    if before is not None and before.path != relative:
        _remove_if_untouched(build, before)
    return _Outcome.WRITTEN


def _choose_path(build: _Build, article: Article, before: Written | None, data: bytes) -> str:
    """The article's existing file while its category path stays; else a new name from the
    title, with a piece of the id when another article or a foreign file holds that name."""
    folder = post_folder(article.categories)
    if before is not None and PurePosixPath(before.path).parent == folder:
        return before.path
    candidate = ""
    for suffixed in (False, True):
        candidate = post_path(article.categories, article.title, article.id, suffixed=suffixed).as_posix()
        owner = build.owners.get(_key(candidate))
        if owner == article.id:
            return candidate
        if owner is None and _free_for(build.posts_dir / candidate, data):
            return candidate
    return candidate


def _free_for(path: Path, data: bytes) -> bool:
    """Nobody's file is there, or it already holds exactly these bytes."""
    digest = file_sha1(path)
    return digest is None or digest == sha1_of(data)


def _claim(build: _Build, article_id: str, written: Written) -> None:
    build.manifest.record(article_id, written)
    build.owners[_key(written.path)] = article_id


def _remove_gone(build: _Build, seen: set[str]) -> int:
    removed = 0
    for article_id, written in list(build.manifest.posts.items()):
        if article_id not in seen:
            build.manifest.forget(article_id)
            removed += _remove_if_untouched(build, written)
    return removed


def _remove_if_untouched(build: _Build, written: Written) -> int:
    """Delete a post newsmill no longer wants there, unless a person edited it since."""
    on_disk = file_sha1(build.posts_dir / written.path)
    if on_disk is None:
        return 0
    if on_disk != written.sha1:
        build.edited.append(written.path)
        return 0
    remove_post(build.posts_dir, written.path)
    build.owners.pop(_key(written.path), None)
    return 1


def _key(relative: str) -> str:
    """Two names that differ only in case are one file on macOS and Windows."""
    return relative.casefold()
