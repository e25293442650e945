"""`newsmill import-hexo`: existing Hexo posts into the store, through the same clean stage as
fetched entries (so a post's inline styles and scripts are sanitized like a feed's).

A post's id follows DESIGN.md's identity rule like a fetched entry's, so that a later fetch of
the same item updates the imported article in place instead of adding a second one. A post
that kept its original link (a `link`/`url`/`original`/`source_url` front matter key, or a
"原文链接" link in the body; see `publish.hexo.reader`) is keyed like a feed item with that
link: by the canonical URL (an item without a guid), or by the link as guid for a source served
by `[rsshub] base_url` (RSSHub gives every item its link as guid), or by whichever of the two
an article already stored has. A post without a link (the seed, the old script's posts) is
keyed by its title and date. Importing the same folder twice updates, never duplicates. Its
source is the configured source with the same category path, else a name made from the path
the way `sources import user_config.yml` names the old script's sources.

A post with no valid date (`date: Invalid Date`) is imported with the time of its first import
as its date, and named in the report's `undated`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from newsmill.clean import clean_entry
from newsmill.config import Config
from newsmill.ids import article_id
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
    undated: tuple[PostProblem, ...] = ()  # imported, but dated with the time of the import

    @property
    def imported(self) -> int:
        return self.counts.new + self.counts.updated + self.counts.unchanged


@dataclass(slots=True)
class _Batch:
    drafts: dict[Source, list[ArticleDraft]] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)  # article id -> post file
    size: int = 0


@dataclass(slots=True)
class _Notes:
    problems: list[PostProblem] = field(default_factory=list)
    undated: list[PostProblem] = field(default_factory=list)


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
    notes = _Notes()
    counts = SaveCounts()
    batch = _Batch()
    files: dict[str, Path] = {}
    for found in read_hexo_posts(folder, timezone=timezone):
        if isinstance(found, PostProblem):
            notes.problems.append(found)
        else:
            _add(batch, config, store, found, notes)
        if on_post is not None:
            on_post(found.path)
        if batch.size >= BATCH:
            counts = _plus(counts, _save(store, config, batch, now))
            files.update(batch.files)
            batch = _Batch()
    counts = _plus(counts, _save(store, config, batch, now))
    files.update(batch.files)
    adopted = _adopt(config, folder, files)
    return ImportReport(folder, counts, tuple(notes.problems), adopted, tuple(notes.undated))


def post_source(config: Config, post: HexoPost) -> Source:
    """The configured source filed under the post's category path, else one named after it."""
    for source in config.sources:
        if source.categories == post.categories:
            return source
    name = legacy_source_name(post.categories) or post.author or "hexo"
    return Source(name=name, url="", categories=post.categories, author=post.author or name)


def post_entry(post: HexoPost) -> EntryData:
    return EntryData(
        link=post.link,
        title=post.title,
        author=post.author,
        published=post.published,
        content_html=post.body_html,
        categories=post.tags,
        image=post.thumbnail,
    )


def undated_reason(post: HexoPost) -> str:
    """`no valid date (date: Invalid Date): dated with the time it was first imported`."""
    written = f"date: {post.date_text}" if post.date_text else "no date in the front matter"
    return f"no valid date ({written}): dated with the time it was first imported"


def _add(batch: _Batch, config: Config, store: Store, post: HexoPost, notes: _Notes) -> None:
    source = post_source(config, post)
    draft = clean_entry(post_entry(post), source=source)
    if draft is None:
        notes.problems.append(PostProblem(post.path, "nothing left after cleaning: no title, no text"))
        return
    if post.published is None:
        notes.undated.append(PostProblem(post.path, undated_reason(post)))
    draft = _keyed_as_fetched(draft, post, source, config, store)
    batch.drafts.setdefault(source, []).append(draft)
    batch.files[draft.id] = post.path
    batch.size += 1


def _keyed_as_fetched(
    draft: ArticleDraft, post: HexoPost, source: Source, config: Config, store: Store
) -> ArticleDraft:
    """The draft of a post that kept its link, keyed the way a fetch of its item is keyed.

    A feed item without a guid is keyed by its canonical URL (the draft's id as cleaned); one
    with a guid by the guid, which for RSSHub's feeds is always the item's link. So: the id an
    article already stored under either key has (a fetch came first), else the guid key for a
    source served by `[rsshub] base_url`, else the URL key."""
    if post.link is None:
        return draft
    link = post.link.strip()
    by_guid = article_id(source.name, guid=link, url=None, title=None, published=None)
    if store.article(draft.id) is not None:
        return draft
    if store.article(by_guid) is not None or _from_rsshub(source, config):
        return replace(draft, id=by_guid, guid=link)
    return draft


def _from_rsshub(source: Source, config: Config) -> bool:
    return source.url.startswith(config.rsshub.base_url.rstrip("/") + "/")


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
