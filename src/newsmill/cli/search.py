"""`newsmill search`, `stories`, `enrich` and `reindex`: the enrich stage's commands."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape

from newsmill.cli.common import ConfigOption, open_mill
from newsmill.cli.render import article_record, err, local_time, out, print_json_line
from newsmill.errors import ConfigError
from newsmill.models import SearchHit, StorySummary

SEARCH_EXAMPLE = "Example: newsmill search '基因 产业园' --category 金融/证券时报网 --since 7d"
STORIES_EXAMPLE = "Example: newsmill stories --since 3d --limit 10"
ENRICH_EXAMPLE = "Example: newsmill enrich --all"
REINDEX_EXAMPLE = "Example: newsmill reindex --config ./newsmill.toml"

SinceOption = Annotated[
    str | None,
    typer.Option("--since", help="Only articles published since: 2021-10-01, or 7d, 12h ago."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="One JSON object per line.")]
_RELATIVE = re.compile(r"^\s*(\d+)\s*([dhw])\s*$")


def search(
    query: Annotated[str, typer.Argument(help="Words to find (all of them), Chinese or not.")],
    source: Annotated[str | None, typer.Option("--source", help="Only this source's articles.")] = None,
    category: Annotated[
        str | None, typer.Option("--category", help="Only this category path, e.g. 金融/证券时报网.")
    ] = None,
    since: SinceOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="How many results.")] = 20,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Full-text search over titles and text, Chinese included, best matches first."""
    with open_mill(config) as mill:
        if source is not None:
            mill.config.source(source)
        timezone = mill.config.site.timezone
        path = tuple(part for part in (category or "").split("/") if part)
        hits = mill.search(
            query, source=source, category=path, since=parse_since(since, timezone), limit=limit
        )
    if as_json:
        for hit in hits:
            print_json_line(hit_json(hit))
        return
    for rank, hit in enumerate(hits, start=1):
        article = hit.article
        when = local_time(article.published, timezone)
        out.print(f"{rank:3}. [bold]{escape(article.title)}[/]  [dim]{escape(article.source)} {when}[/]")
        out.print(f"     {highlighted(hit)}")
        out.print(f"     {article.url}", style="dim")
    if not hits:
        err.print(f"nothing found for {query!r}")


def stories(
    since: SinceOption = "3d",
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="How many stories.")] = 20,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """The biggest recent stories: articles of several sources grouped as one story."""
    with open_mill(config) as mill:
        timezone = mill.config.site.timezone
        found = mill.stories(since=parse_since(since, timezone), limit=limit)
    if as_json:
        for story in found:
            print_json_line(story_json(story))
        return
    for story in found:
        lead = story.lead
        when = local_time(lead.published, timezone)
        out.print(f"{story.size:4} articles  [bold]{escape(lead.title)}[/]  [dim]{when}[/]")
        out.print(f"              {escape(', '.join(story.sources))}", style="dim")
    if not found:
        err.print("no story has more than one article yet")


def enrich(
    everything: Annotated[
        bool, typer.Option("--all", help="Enrich every stored article again and regroup the stories.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Add keywords, tags, stock mentions, story ids and search index rows to stored articles.

    Without --all only articles stored before enriching existed are done; --all redoes every
    article (after the dictionaries or the algorithms changed). Running it twice changes nothing.
    """
    with open_mill(config, lock=True) as mill:
        done = mill.enrich(everything=everything, progress=_progress("enriched"))
    err.print(f"{done} articles enriched")


def reindex(config: ConfigOption = None) -> None:
    """Rebuild the full-text search index from the stored articles."""
    with open_mill(config, lock=True) as mill:
        done = mill.reindex(progress=_progress("indexed"))
    err.print(f"{done} articles indexed")


def parse_since(text: str | None, timezone: str) -> datetime | None:
    """`2021-10-01` (midnight in the site's timezone), an ISO time, or `7d` / `12h` / `2w` ago."""
    if text is None or not text.strip():
        return None
    relative = _RELATIVE.match(text)
    if relative:
        unit = {"d": "days", "h": "hours", "w": "weeks"}[relative[2]]
        return datetime.now(UTC) - timedelta(**{unit: int(relative[1])})
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ConfigError(f"--since: {text!r} is not a date (2021-10-01) or an age (7d, 12h)") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment.astimezone(UTC)


def highlighted(hit: SearchHit) -> str:
    """The snippet as rich markup, its matches in reverse video."""
    parts, last = [], 0
    for start, end in hit.highlights:
        parts.append(escape(hit.snippet[last:start]))
        parts.append(f"[reverse]{escape(hit.snippet[start:end])}[/]")
        last = end
    parts.append(escape(hit.snippet[last:]))
    return "".join(parts)


def hit_json(hit: SearchHit) -> str:
    """The article's whole record (as `articles --json` prints it), then the hit's own fields."""
    record = article_record(hit.article)
    record.update(
        score=round(hit.score, 4),
        snippet=hit.snippet,
        highlights=[list(span) for span in hit.highlights],
    )
    return json.dumps(record, ensure_ascii=False)


def story_json(story: StorySummary) -> str:
    record: dict[str, Any] = {
        "story": story.lead.id,
        "title": story.lead.title,
        "url": story.lead.url,
        "published": story.lead.published.isoformat(),
        "articles": story.size,
        "sources": list(story.sources),
        "latest": story.latest.isoformat(),
    }
    return json.dumps(record, ensure_ascii=False)


def _progress(verb: str) -> Any:
    def report(done: int) -> None:
        if done % 5000 == 0:
            err.print(f"{done} articles {verb}…")

    return report
