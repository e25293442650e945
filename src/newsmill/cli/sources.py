"""`newsmill sources …`: list, add, remove, import and export sources."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import typer
from rich.markup import escape
from rich.table import Table

from newsmill.cli.common import ConfigOption, open_mill
from newsmill.cli.render import err, local_time, out
from newsmill.config import CONFIG_NAME, load_config
from newsmill.config_edit import add_sources, remove_source
from newsmill.errors import ConfigError

# OPML (lxml) and the old script's YAML config are imported by `import` and `export` alone: every
# other command, `build` included, starts a tenth of a second sooner without them.

sources_app = typer.Typer(help="Manage sources: list, add, remove, import, export.", no_args_is_help=True)


def _config_path(config: Path | None) -> Path:
    return Path(config or os.environ.get("NEWSMILL_CONFIG") or CONFIG_NAME)


@sources_app.command("list", epilog="Example: newsmill sources list --json")
def list_sources(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    config: ConfigOption = None,
) -> None:
    """Show every source with its status, error count, last error and next fetch time."""
    with open_mill(config) as mill:
        views = mill.sources()
        timezone = mill.config.site.timezone
    if as_json:
        for view in views:
            state = view.state
            record: dict[str, Any] = {
                "name": view.source.name,
                "url": state.url,
                "categories": list(view.source.categories),
                "enabled": view.source.enabled,
                "status": str(state.status),
                "articles": view.articles,
                "error_count": state.error_count,
                "last_error": state.last_error,
                "last_fetched": state.last_fetched.isoformat() if state.last_fetched else None,
                "next_fetch": state.next_fetch.isoformat() if state.next_fetch else None,
            }
            typer.echo(json.dumps(record, ensure_ascii=False))
        return
    header = ("name", "categories", "status", "articles", "errors", "next fetch", "last error")
    rows = [
        (
            view.source.name,
            "/".join(view.source.categories),
            str(view.state.status) if view.source.enabled else "disabled",
            str(view.articles),
            str(view.state.error_count),
            local_time(view.state.next_fetch, timezone),
            view.state.last_error or "",
        )
        for view in views
    ]
    if not out.is_terminal:  # a pipe or a file: whole values, tab-separated, nothing cut off
        for row in (header, *rows):
            typer.echo("\t".join(" ".join(value.split()) for value in row))
        return
    table = Table(*header)
    for row in rows:
        table.add_row(*map(escape, row))
    out.print(table)


@sources_app.command(
    "add",
    epilog="Example: newsmill sources add https://www.oschina.net/news/rss --categories 科技/开源中国",
)
def add(
    url: Annotated[str | None, typer.Argument(help="Feed URL or local file path.")] = None,
    route: Annotated[
        str | None, typer.Option("--route", help="RSSHub route instead of a URL, e.g. /stcn/yw.")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Source name (default: from the URL).")] = None,
    categories: Annotated[
        str, typer.Option("--categories", help="Category path, e.g. 金融/证券时报网/要闻.")
    ] = "",
    author: Annotated[str | None, typer.Option("--author", help="Author shown on posts.")] = None,
    config: ConfigOption = None,
) -> None:
    """Add a source to newsmill.toml."""
    if (url is None) == (route is None):
        raise typer.BadParameter("give a URL or --route, one of the two")
    entry = {
        "name": name or _name_from(url or route or ""),
        "url": url,
        "route": route,
        "categories": [part for part in categories.split("/") if part.strip()],
        "author": author,
    }
    path = _config_path(config)
    added, _skipped = add_sources(path, [entry])
    if not added:
        raise ConfigError(f"a source named {entry['name']!r} or with that URL exists already", path=str(path))
    err.print(f"added {entry['name']!r} to {path}")


@sources_app.command("remove", epilog="Example: newsmill sources remove '证券时报网 要闻'")
def remove(
    name: Annotated[str, typer.Argument(help="Name of the source to remove.")],
    config: ConfigOption = None,
) -> None:
    """Remove a source from newsmill.toml (its stored articles are kept)."""
    path = _config_path(config)
    remove_source(path, name)
    err.print(f"removed {name!r} from {path}")


@sources_app.command(
    "import",
    epilog="Example: newsmill sources import miniflux-export.opml (or the old script's user_config.yml)",
)
def import_sources(
    file: Annotated[
        Path,
        typer.Argument(
            help="An OPML file (Miniflux, FreshRSS, Feedly…) or the old script's user_config.yml."
        ),
    ],
    config: ConfigOption = None,
) -> None:
    """Import sources from OPML (nested folders become category paths) or from the old script's
    user_config.yml (its `diy:` list: category, source_parent, source_child make the path)."""
    from newsmill.legacy import is_legacy_config
    from newsmill.opml import read_opml

    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}", path=str(file)) from exc
    if is_legacy_config(file, data):
        _import_legacy(file, data, _config_path(config))
        return
    feeds = read_opml(data, path=str(file))
    path = _config_path(config)
    existing = {source.name for source in load_config(path).sources} if path.exists() else set()
    entries = []
    for feed in feeds:
        entry_name = feed.name if feed.name not in existing else f"{feed.name} ({urlsplit(feed.url).netloc})"
        existing.add(entry_name)
        entries.append({"name": entry_name, "url": feed.url, "categories": list(feed.categories)})
    added, skipped = add_sources(path, entries)
    err.print(f"imported {len(added)} sources into {path}; {len(skipped)} already there")


def _import_legacy(file: Path, data: bytes, path: Path) -> None:
    from newsmill.legacy import read_legacy_config

    entries = [
        {"name": s.name, "route": s.route, "url": s.url, "categories": list(s.categories), "author": s.author}
        for s in read_legacy_config(data, path=str(file))
    ]
    added, skipped = add_sources(path, entries)
    err.print(
        f"imported {len(added)} sources from the old script's {file.name} into {path}; "
        f"{len(skipped)} already there"
    )


@sources_app.command("export", epilog="Example: newsmill sources export -o newsmill.opml")
def export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Export sources as OPML (for Miniflux, FreshRSS and other readers)."""
    from newsmill.opml import write_opml

    loaded = load_config(config)
    text = write_opml(loaded.sources, title=loaded.site.title)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {len(loaded.sources)} sources to {output}")


def _name_from(url: str) -> str:
    parts = urlsplit(url)
    if parts.netloc:
        return parts.netloc + parts.path.rstrip("/")
    return url.strip("/") or url
