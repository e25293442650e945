"""`newsmill build` and `newsmill import-hexo`: the store out to Hexo posts, Hexo posts in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from newsmill.cli.common import ConfigOption, open_mill
from newsmill.cli.render import err
from newsmill.config import Config
from newsmill.core import BuildReport, Mill
from newsmill.errors import NewsmillError

if TYPE_CHECKING:
    from newsmill.hexo_import import ImportReport  # the import stage loads the enrich stage


def build(
    config: ConfigOption = None,
    serve: Annotated[bool, typer.Option("--serve", help="Then serve the site on 127.0.0.1.")] = False,
    port: Annotated[int, typer.Option("--port", help="Port for --serve.")] = 8000,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Check every page, not only those the changes reach (after editing the site by hand).",
        ),
    ] = False,
) -> None:
    """Write the static site (and Hexo posts when configured) from the store; only what changed is written."""
    with open_mill(config, lock=True) as mill:
        run_build(mill, full=full)
        site_config = mill.config
    if serve:
        serve_built_site(site_config, port)


def preview(
    config: ConfigOption = None,
    port: Annotated[int, typer.Option("--port", help="Port to serve on (127.0.0.1 only).")] = 8000,
) -> None:
    """Serve the built static site on 127.0.0.1 for a look (run `newsmill build` first)."""
    serve_built_site(open_mill(config).config, port)


def serve_built_site(config: Config, port: int) -> None:
    from newsmill.publish.site import serve_site, site_dir
    from newsmill.publish.site.urls import root_prefix

    root = site_dir(config)
    if not (root / "index.html").is_file():
        raise NewsmillError(f"no site in {root} yet: run `newsmill build` first")
    prefix = root_prefix(config.site.base_url)
    server = serve_site(root, port=port, prefix=prefix)
    err.print(f"serving {root} at http://127.0.0.1:{server.server_address[1]}{prefix} (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def import_hexo(
    folder: Annotated[
        Path, typer.Argument(help="A folder of Hexo posts, e.g. hexo/source/_posts.", show_default=False)
    ],
    config: ConfigOption = None,
) -> None:
    """Read existing Hexo posts (like the old script's) into the store; exit 1 if any could not be read."""
    if not folder.is_dir():
        raise typer.BadParameter(f"{folder} is not a folder", param_hint="FOLDER")
    with open_mill(config, lock=True) as mill, counting("importing", None) as advance:
        report = mill.import_hexo(folder, on_post=lambda _path: advance())
    print_import_report(report)
    raise typer.Exit(1 if report.problems else 0)


def run_build(mill: Mill, *, full: bool = False) -> BuildReport:
    """Build with a progress bar on a terminal, then say what was written where."""
    with counting("building", mill.store.count_articles()) as advance:
        report = mill.build(on_article=lambda _article: advance(), full=full)
    print_build_report(report)
    return report


def print_build_report(report: BuildReport) -> None:
    site = report.site
    if site is not None:
        err.print(
            f"site: {site.written} files written, {site.unchanged + site.skipped} unchanged, "
            f"{site.removed} removed in {escape(str(site.output_dir))} "
            f"({site.articles} articles, {site.read} read from the store, {site.seconds:.1f} s)"
        )
    hexo = report.hexo
    if hexo is None:
        if site is None:
            err.print(r"nothing to build: set \[hexo] posts_dir in newsmill.toml to write Hexo posts")
        return
    for path in hexo.edited:
        err.print(
            f"[yellow]![/] {escape(path)}: edited by hand since newsmill wrote it; left alone "
            "(delete it to have it written again)"
        )
    err.print(
        f"hexo: {hexo.written} posts written, {hexo.unchanged} unchanged, {hexo.skipped} edited by hand, "
        f"{hexo.removed} removed in {escape(str(hexo.posts_dir))}"
    )


def print_import_report(report: ImportReport) -> None:
    for problem in report.problems:
        err.print(f"[red]✗[/] {escape(str(problem.path))}: {escape(problem.reason)}")
    for note in report.undated:
        err.print(f"[yellow]![/] {escape(str(note.path))}: {escape(note.reason)}")
    counts = report.counts
    err.print(
        f"{report.imported} posts imported from {escape(str(report.folder))}: {counts.new} new, "
        f"{counts.updated} updated, {counts.unchanged} already stored; "
        f"{len(report.problems)} could not be read"
    )
    if report.adopted:
        err.print(
            rf"{report.adopted} of them are in \[hexo] posts_dir: `newsmill build` rewrites them in place"
        )


@contextmanager
def counting(label: str, total: int | None) -> Iterator[Callable[[], None]]:
    """A bar (or a spinner with a count, when the total is unknown) on a terminal; silence
    elsewhere, where the report printed afterwards says it all."""
    if not err.is_terminal:
        yield _nothing
        return
    columns: tuple[Any, ...] = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda: progress.advance(task)


def _nothing() -> None:
    pass


def register(app: typer.Typer) -> None:
    """Add `build` and `import-hexo` to the `newsmill` command."""
    app.command("build", epilog="Example: newsmill build --config ./newsmill.toml")(build)
    app.command("preview", epilog="Example: newsmill preview --config ./newsmill.toml --port 8000")(preview)
    app.command("import-hexo", epilog="Example: newsmill import-hexo ./hexo/source/_posts")(import_hexo)
