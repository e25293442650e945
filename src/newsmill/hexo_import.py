"""`newsmill import-hexo`: existing Hexo posts into the store, through the same clean stage as
fetched entries (so a post's inline styles and scripts are sanitized like a feed's).

A post has no link or guid, so its id comes from its source, title and date (DESIGN.md's
identity rule): importing the same folder twice updates, never duplicates. Its source is the
configured source with the same category path, else a name made from the path the way
`sources import user_config.yml` names the old script's sources.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from newsmill.clean import clean_entry
from newsmill.config import Config
from newsmill.legacy import legacy_source_name
from newsmill.models import ArticleDraft, EntryData, SaveCounts, Source, SourceState
from newsmill.pipeline import current_state
from newsmill.publish.hexo import (
    HexoPost,
    PostProblem,
    adopt_posts,
    configured_posts_dir,
    read_hexo_posts,
)
from newsmill.store import Store

BATCH = 200  # posts per transaction


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What `import-hexo` did: articles new, updated or already there, and posts it could not read."""

    folder: Path
    counts: SaveCounts
    problems: tuple[PostProblem, ...] = ()
    adopted: int = 0  # posts in `[hexo] posts_dir` that the next build rewrites in place

    @property
    def imported(self) -> int:
        return self.counts.new + self.counts.updated + self.counts.unchanged


@dataclass(slots=True)
class _Batch:
    drafts: dict[Source, list[ArticleDraft]] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)  # article id -> post file
    size: int = 0


def import_hexo_posts(
    config: Config,
    store: Store,
    folder: Path,
    now: datetime,
    *,
    on_post: Callable[[Path], None] | None = None,
) -> ImportReport:
    """Read every post under `folder` into `store`; unreadable posts are reported, not fatal."""
    timezone = ZoneInfo(config.site.timezone)
    problems: list[PostProblem] = []
    counts = SaveCounts()
    batch = _Batch()
    files: dict[str, Path] = {}
    for found in read_hexo_posts(folder, timezone=timezone):
        if isinstance(found, PostProblem):
            problems.append(found)
        else:
            _add(batch, config, found, problems)
        if on_post is not None:
            on_post(found.path)
        if batch.size >= BATCH:
            counts = _plus(counts, _save(store, config, batch, now))
            files.update(batch.files)
            batch = _Batch()
    counts = _plus(counts, _save(store, config, batch, now))
    files.update(batch.files)
    return ImportReport(folder, counts, tuple(problems), _adopt(config, folder, files))


def post_source(config: Config, post: HexoPost) -> Source:
    """The configured source filed under the post's category path, else one named after it."""
    for source in config.sources:
        if source.categories == post.categories:
            return source
    name = legacy_source_name(post.categories) or post.author or "hexo"
    return Source(name=name, url="", categories=post.categories, author=post.author or name)


def post_entry(post: HexoPost) -> EntryData:
    return EntryData(
        title=post.title,
        author=post.author,
        published=post.published,
        content_html=post.body_html,
        categories=post.tags,
        image=post.thumbnail,
    )


def _add(batch: _Batch, config: Config, post: HexoPost, problems: list[PostProblem]) -> None:
    source = post_source(config, post)
    draft = clean_entry(post_entry(post), source=source)
    if draft is None:
        problems.append(PostProblem(post.path, "nothing left after cleaning: no title, no text"))
        return
    batch.drafts.setdefault(source, []).append(draft)
    batch.files[draft.id] = post.path
    batch.size += 1


def _save(store: Store, config: Config, batch: _Batch, now: datetime) -> SaveCounts:
    """Each source's drafts in one transaction, with the source's state as it was (an import
    must not change when a configured source is next fetched)."""
    counts = SaveCounts()
    states = store.source_states() if batch.drafts else {}
    for source, drafts in batch.drafts.items():
        state = _state_as_is(source, states.get(source.name), config)
        unique = list({draft.id: draft for draft in drafts}.values())
        counts = _plus(counts, store.save_articles(state, unique, now))
    return counts


def _state_as_is(source: Source, stored: SourceState | None, config: Config) -> SourceState:
    if stored is not None:
        return stored
    if any(configured.name == source.name for configured in config.sources):
        return current_state(source, None)
    return SourceState(name=source.name)


def _adopt(config: Config, folder: Path, files: dict[str, Path]) -> int:
    """Posts imported from the configured posts folder itself become newsmill's own."""
    posts_dir = configured_posts_dir(config)
    if posts_dir is None or not files:
        return 0
    if not (folder.resolve().is_relative_to(posts_dir.resolve()) and posts_dir.is_dir()):
        return 0
    return adopt_posts(posts_dir, files)


def _plus(one: SaveCounts, other: SaveCounts) -> SaveCounts:
    return SaveCounts(one.new + other.new, one.updated + other.updated, one.unchanged + other.unchanged)
