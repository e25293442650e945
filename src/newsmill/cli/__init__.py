"""The `newsmill` command line: a thin layer that parses, calls `Mill`, and prints.

Exit status: 0 all good; 1 some sources failed (the others were stored); 2 bad usage or config.
"""

from __future__ import annotations

import atexit
import gc
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from newsmill.cli import search as searching
from newsmill.cli.common import ConfigOption, open_mill
from newsmill.cli.publish import register as register_publish
from newsmill.cli.publish import run_build
from newsmill.cli.render import (
    article_json,
    err,
    fetch_progress,
    local_time,
    out,
    print_json_line,
)
from newsmill.cli.sources import sources_app
from newsmill.config_edit import write_starter
from newsmill.core import BuildReport, Mill
from newsmill.errors import ConfigError, NewsmillError
from newsmill.models import SourceOutcome, SourceStatus

app = typer.Typer(
    name="newsmill",
    help="newsmill: news sources in, a categorized, searchable news site out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
app.add_typer(sources_app, name="sources")
app.command("search", epilog=searching.SEARCH_EXAMPLE)(searching.search)
app.command("stories", epilog=searching.STORIES_EXAMPLE)(searching.stories)
app.command("enrich", epilog=searching.ENRICH_EXAMPLE)(searching.enrich)
app.command("reindex", epilog=searching.REINDEX_EXAMPLE)(searching.reindex)
register_publish(app)  # build, import-hexo


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
) -> None:
    """newsmill: news sources in, a categorized, searchable news site out."""


@app.command(epilog="Example: newsmill init ./mysite")
def init(
    directory: Annotated[Path, typer.Argument(help="Folder to write newsmill.toml into.")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing newsmill.toml.")] = False,
) -> None:
    """Write a starter newsmill.toml."""
    path = directory / "newsmill.toml"
    write_starter(path, force=force)
    err.print(f"wrote {path}; add sources with `newsmill sources add` or edit it, then `newsmill fetch`")


@app.command(epilog="Example: newsmill fetch '证券时报网 要闻'")
def fetch(
    names: Annotated[
        list[str] | None, typer.Argument(help="Sources to fetch now (default: every due one).")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Fetch due sources (or the named ones) into the store."""
    with open_mill(config, lock=True) as mill:
        outcomes = _fetch(mill, names or ())
    raise typer.Exit(_exit_status(outcomes))


@app.command(epilog="Example: newsmill run --config ./newsmill.toml")
def run(config: ConfigOption = None) -> None:
    """The main job: fetch every due source, then publish (Hexo posts, site) when configured."""
    with open_mill(config, lock=True) as mill:
        outcomes = _fetch(mill, ())
        run_build(mill)
    raise typer.Exit(_exit_status(outcomes))


@app.command(epilog="Example: newsmill articles --source '证券时报网 要闻' --limit 5 --json")
def articles(
    source: Annotated[str | None, typer.Option("--source", help="Only this source's articles.")] = None,
    stock: Annotated[
        str | None,
        typer.Option("--stock", help="Only articles mentioning this stock: 688317, 000516.SZ or a name."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many, newest first.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    config: ConfigOption = None,
) -> None:
    """List stored articles, newest first."""
    with open_mill(config) as mill:
        if source is not None:
            mill.config.source(source)
        found = mill.articles(source=source, limit=limit, stock=stock)
        timezone = mill.config.site.timezone
    if as_json:
        for article in found:
            print_json_line(article_json(article))
        return
    for article in found:
        when = local_time(article.published, timezone)
        out.print(f"{when}  [bold]{escape(article.title)}[/]  [dim]{escape(article.source)}[/]")
        out.print(f"                  {article.url}", style="dim")
    if not found:
        err.print("no articles stored yet: run `newsmill fetch`")


@app.command(epilog="Example: newsmill demo ./newsmill-demo")
def demo(
    directory: Annotated[Path, typer.Argument(help="Where to put the demo.")] = Path("newsmill-demo"),
) -> None:
    """Copy the bundled example sources into DIR and run the main job on them, offline."""
    config_path = directory / "newsmill.toml"
    if not config_path.exists():
        shutil.copytree(_examples_dir(), directory, dirs_exist_ok=True)
        err.print(f"copied the example sources into {directory}/")
    with open_mill(config_path, lock=True) as mill:
        outcomes = _fetch(mill, ())
        _print_demo_summary(mill, run_build(mill))
    raise typer.Exit(_exit_status(outcomes))


def _fetch(mill: Mill, names: Sequence[str]) -> list[SourceOutcome]:
    if not mill.config.sources:
        hint = "no sources configured (add one with `newsmill sources add URL`)"
        raise ConfigError(hint, path=str(mill.config.path))
    due = mill.due_sources(names)
    if not due:
        err.print("no source is due; name sources to fetch them now")
        return []
    with fetch_progress(len(due), mill.config.site.timezone) as progress:
        outcomes = mill.fetch(names, on_outcome=progress)
    new = sum(outcome.counts.new for outcome in outcomes)
    failed = sum(outcome.status in (SourceStatus.ERROR, SourceStatus.GONE) for outcome in outcomes)
    err.print(f"{len(outcomes)} sources fetched, {new} new articles, {failed} failed")
    return outcomes


def _print_demo_summary(mill: Mill, built: BuildReport) -> None:
    """What the demo made and where: the store, each source's articles, the Hexo posts."""
    err.print(f"store: {mill.store.url} ({mill.store.count_articles()} articles)")
    for view in mill.sources():
        err.print(f"  {'/'.join(view.source.categories)}  {view.source.name}: {view.articles} articles")
    if built.hexo is not None:
        posts = sorted(built.hexo.posts_dir.rglob("*.md"))
        err.print(f"hexo posts: {len(posts)} in {built.hexo.posts_dir}, e.g.")
        for post in posts[:3]:
            err.print(f"  {post.relative_to(built.hexo.posts_dir)}")
    err.print(f"try: newsmill articles --config {mill.config.path} --limit 5")


def _examples_dir() -> Path:
    bundled = Path(__file__).resolve().parent.parent / "examples"
    if bundled.is_dir():
        return bundled
    checkout = Path(__file__).resolve().parents[3] / "examples"
    if checkout.is_dir():
        return checkout
    raise NewsmillError("the bundled examples are missing from this installation")


def _exit_status(outcomes: Sequence[SourceOutcome]) -> int:
    failed = any(outcome.status in (SourceStatus.ERROR, SourceStatus.GONE) for outcome in outcomes)
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status instead of raising SystemExit."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("NEWSMILL_DEBUG") == "1"
    command = typer.main.get_command(app)
    try:
        # standalone mode lets the command-line library report usage errors itself (exit 2)
        command.main(args=args, prog_name="newsmill", standalone_mode=True)
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except NewsmillError as problem:
        if debug:
            raise
        err.print(f"[red]error:[/] {escape(str(problem))}")
        return 2 if isinstance(problem, ConfigError) else 1
    except Exception as problem:
        if debug:
            raise
        err.print(f"[red]internal error:[/] {escape(repr(problem))} (run with --debug for the traceback)")
        return 70
    return 0


def cli() -> None:
    # Everything still alive at the end is freed with the process: without this, the collector's
    # last pass over SQLAlchemy's and the command's objects adds 0.1-0.2 s to every command.
    atexit.register(gc.freeze)
    sys.exit(main())
