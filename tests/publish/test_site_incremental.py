"""Incremental builds: new articles rewrite only their pages, the lists they join and the feeds."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

from site_helpers import ListSource, generated_articles, site_config, tree

from newsmill.publish.site import build_site
from newsmill.publish.site.writer import MANIFEST


def mtimes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {path for path in after if before.get(path) != after[path]}


def test_new_articles_rewrite_only_their_pages_the_lists_they_join_and_the_feeds(tmp_path: Path) -> None:
    config = site_config(tmp_path)
    site = tmp_path / "site"
    old = generated_articles(200)
    build_site(ListSource(old), config)
    before, times = tree(site), mtimes(site)

    new = generated_articles(8, start=200)  # the newest articles, two in each category
    report = build_site(ListSource(old + new), config)
    after = tree(site)
    touched = changed(before, after)

    new_pages = {f"{a.published:%Y/%m/%d}/{a.id[:10]}/index.html" for a in new}
    assert new_pages <= touched
    expected = re.compile(
        r"(index\.html|page/1[01]/index\.html|(atom\.xml|rss\.xml|feed\.json)"
        r"|categories/(index\.html|[^/]+/(index\.html|page/\d+/index\.html|atom\.xml|rss\.xml|feed\.json)"
        r"|[^/]+/[^/]+/(index\.html|page/\d+/index\.html|atom\.xml|rss\.xml|feed\.json)"
        r"|[^/]+/[^/]+/[^/]+/(index\.html|page/\d+/index\.html|atom\.xml|rss\.xml|feed\.json))"
        r"|(sources|tags)/(index\.html|[^/]+/index\.html|[^/]+/page/\d+/index\.html)"
        r"|archives/(index\.html|2021/10/1[3-4]/(page/\d+/)?index\.html)"
        # 200 articles make search segments of 64, 64, 64 and 8: the new ones join the last
        r"|sitemap.*|sitemaps/.*|search/meta\.json|search/s3/.*|" + re.escape(MANIFEST) + ")$"
    )
    unexpected = sorted(path for path in touched - new_pages if not expected.match(path))
    assert unexpected == []
    # old articles' pages and the old list pages were not even rewritten
    for path in before:
        if re.match(r"2021/\d\d/\d\d/|page/[1-9]/|categories/金融/page/[1-4]/", path):
            assert times[path] == site.joinpath(path).stat().st_mtime_ns, path
    assert report.written == len(touched - {MANIFEST})
    pages = [path for path in after if path.endswith(".html")]
    assert len([path for path in touched if path.endswith(".html")]) < 0.2 * len(pages)


def test_a_full_build_and_an_incremental_one_produce_identical_trees(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir(), two.mkdir()
    old, new = generated_articles(150), generated_articles(30, start=150)
    updated = replace(old[10], title="改过的标题", content_text="改过的正文。", content_hash="changed")
    build_site(ListSource(old), site_config(one))
    build_site(ListSource([*new, *old[:10], updated, *old[11:]]), site_config(one))
    build_site(ListSource([*new, *old[:10], updated, *old[11:]]), site_config(two))
    assert tree(one / "site") == tree(two / "site")


def test_a_build_with_nothing_new_writes_nothing(tmp_path: Path) -> None:
    config = site_config(tmp_path)
    articles = generated_articles(60)
    build_site(ListSource(articles), config)
    times = mtimes(tmp_path / "site")
    report = build_site(ListSource(articles), config)
    assert (report.written, report.rendered, report.removed) == (0, 0, 0)
    assert report.skipped == report.files
    assert mtimes(tmp_path / "site") == times


def test_a_template_change_rebuilds_every_page(tmp_path: Path) -> None:
    theme = tmp_path / "theme"
    shutil.copytree(Path(__file__).resolve().parents[2] / "src/newsmill/publish/site/theme", theme)
    config = site_config(tmp_path, theme_dir="theme")
    articles = generated_articles(40)
    build_site(ListSource(articles), config)
    before = tree(tmp_path / "site")
    base = theme / "_footer.html"
    base.write_text(
        base.read_text(encoding="utf-8").replace("由 newsmill 生成", "本站由 newsmill 生成"), encoding="utf-8"
    )
    build_site(ListSource(articles), config)
    after = tree(tmp_path / "site")
    pages = [path for path in after if path.endswith(".html")]
    assert pages and all(before[path] != after[path] for path in pages)


def test_pages_of_articles_gone_from_the_store_are_removed_but_other_files_stay(tmp_path: Path) -> None:
    config = site_config(tmp_path)
    articles = generated_articles(30)
    build_site(ListSource(articles), config)
    (tmp_path / "site" / "CNAME").write_text("news.example.com", encoding="utf-8")
    gone = articles[5]
    page = tmp_path / "site" / f"{gone.published:%Y/%m/%d}/{gone.id[:10]}/index.html"
    assert page.is_file()
    report = build_site(ListSource(articles[:5] + articles[6:]), config)
    assert not page.exists() and not page.parent.exists()
    assert report.removed >= 1
    assert (tmp_path / "site" / "CNAME").is_file()


def test_a_site_built_before_article_pages_were_kept_apart_is_taken_over_whole(tmp_path: Path) -> None:
    """A manifest of version 2 kept article pages among the other files: the next build keeps
    them all (none is removed or rewritten) and from then on keeps them apart."""
    config = site_config(tmp_path)
    articles = generated_articles(40)
    build_site(ListSource(articles), config)
    manifest_path = tmp_path / "site" / MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    older = {"version": 2, "files": {**manifest["files"], **manifest["articles"]}, "state": manifest["state"]}
    manifest_path.write_text(json.dumps(older), encoding="utf-8")
    before = tree(tmp_path / "site")

    report = build_site(ListSource(articles), config)
    after = tree(tmp_path / "site")
    assert (report.written, report.removed) == (0, 0)
    assert {path: data for path, data in after.items() if path != MANIFEST} == {
        path: data for path, data in before.items() if path != MANIFEST
    }
    upgraded = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert len(upgraded["articles"]) == 40
    assert not any(path in upgraded["files"] for path in upgraded["articles"])


def test_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    config = site_config(tmp_path)
    build_site(ListSource(generated_articles(20)), config)
    assert not [p for p in (tmp_path / "site").rglob(".tmp-*")]


def test_a_build_sweeps_the_temporary_files_a_killed_build_left(tmp_path: Path) -> None:
    config = site_config(tmp_path)
    articles = generated_articles(20)
    build_site(ListSource(articles), config)
    dead = subprocess.Popen(["true"])
    dead.wait()  # a PID no process has any more: the killed build's
    site = tmp_path / "site"
    leftover = next(site.rglob("index.html")).parent / f".tmp-{dead.pid}-index.html"
    leftover.write_text("<html><body>半截", encoding="utf-8")
    someone_elses = site / ".tmp-notes.txt"
    someone_elses.write_text("不是 newsmill 的", encoding="utf-8")

    build_site(ListSource(articles), config)  # no mark of a killed build: no search of the tree
    assert leftover.exists()

    (site / f".newsmill-building-{dead.pid}").touch()
    build_site(ListSource(articles), config)
    assert not leftover.exists()
    assert not list(site.glob(".newsmill-building-*"))
    assert someone_elses.exists()
