"""How the command line shows things: progress bars on a terminal, plain lines otherwise."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from newsmill.models import Article, SourceOutcome, SourceStatus

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


def local_time(moment: datetime | None, timezone: str) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def describe_outcome(outcome: SourceOutcome, timezone: str) -> str:
    """One line a person can read, e.g. `✓ 证券时报网 要闻: 10 new, 2 updated (10 in feed)`."""
    if outcome.status is SourceStatus.OK:
        counts = outcome.counts
        return (
            f"[green]✓[/] {outcome.source}: {counts.new} new, {counts.updated} updated "
            f"({outcome.entries} in feed)"
        )
    if outcome.status is SourceStatus.NOT_MODIFIED:
        return f"[green]✓[/] {outcome.source}: not modified"
    when = local_time(outcome.next_fetch, timezone)
    label = "gone" if outcome.status is SourceStatus.GONE else "failed"
    return f"[red]✗[/] {outcome.source}: {label}: {outcome.error} (next try {when})"


@dataclass
class FetchProgress:
    """Counts sources as they finish; draws a bar on a terminal, prints lines elsewhere."""

    total: int
    timezone: str
    progress: Progress | None = None
    task: Any = None

    def __call__(self, outcome: SourceOutcome) -> None:
        line = describe_outcome(outcome, self.timezone)
        if self.progress is not None:
            self.progress.console.print(line)
            self.progress.advance(self.task)
        else:
            err.print(line)


@contextmanager
def fetch_progress(total: int, timezone: str) -> Iterator[FetchProgress]:
    tracker = FetchProgress(total, timezone)
    if not err.is_terminal or total < 2:
        yield tracker
        return
    columns = (TextColumn("fetching"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        tracker.progress = progress
        tracker.task = progress.add_task("fetch", total=total)
        yield tracker


def article_record(article: Article) -> dict[str, Any]:
    """The JSON fields of a stored article, one record shared by `articles --json` and
    `search --json` (which adds the hit's own fields): `id, source, title, url, published,
    updated, categories, tags, author, thumbnail, summary, story, keywords, stocks, first_seen`."""
    return {
        "id": article.id,
        "source": article.source,
        "title": article.title,
        "url": article.url,
        "published": article.published.isoformat(),
        "updated": article.updated.isoformat() if article.updated else None,
        "categories": list(article.categories),
        "tags": list(article.tags),
        "author": article.author,
        "thumbnail": article.thumbnail,
        "summary": article.summary,
        "story": article.story,
        "keywords": list(article.keywords),
        "stocks": [{"code": stock.code, "name": stock.name} for stock in article.stocks],
        "first_seen": article.first_seen.isoformat(),
    }


def article_json(article: Article) -> str:
    return json.dumps(article_record(article), ensure_ascii=False)


def print_json_line(line: str) -> None:
    sys.stdout.write(line + "\n")
