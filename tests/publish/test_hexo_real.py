"""Real Hexo (pinned in hexo-site/package-lock.json) builds the posts newsmill writes, and its
pages show the right title, date, category path, author and text.

The Hexo packages come from npm once, into a cache folder (see hexo_install.py). Without node
and npm this test fails, it does not skip; `NEWSMILL_SKIP_HEXO=1` skips it for a quick local run.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hexo_helpers import make_article, seed_article
from hexo_install import HexoUnavailable, hexo_generate, hexo_modules, make_site
from lxml import html as lxml_html

from newsmill.config import HexoConfig
from newsmill.models import Article
from newsmill.publish.hexo import write_hexo_posts
from newsmill.publish.hexo.files import MANIFEST_NAME

PROXY = "https://proxy.example/img?u={url}"


@dataclass(frozen=True)
class Page:
    path: Path
    title: str
    date: str
    author: str
    thumbnail: str
    categories: list[str]
    category_paths: list[str]
    content: lxml_html.HtmlElement


@pytest.fixture(scope="module")
def modules() -> Path:
    if os.environ.get("NEWSMILL_SKIP_HEXO") == "1":
        pytest.skip("NEWSMILL_SKIP_HEXO=1")
    try:
        return hexo_modules()
    except HexoUnavailable as problem:
        pytest.fail(str(problem))


def tricky_articles() -> list[Article]:
    when = datetime(2021, 10, 13, 1, 2, 3, tzinfo=UTC)
    return [
        seed_article(),
        make_article(
            "他说'不'：\"涨停\" #1 — A股: 3500点？",
            "<p>模板 {{ price }} 与 {% if x %}标签{% endif %} 和 {# 注释 #}，"
            "还有 {{{ 三个 }}} 与 {%raw%}</p><pre>第一行\n\n第三行\n   \n第五行</pre>"
            "<p>反引号 ```code``` 与 ~~~ 与 <code>a &lt; b</code></p>",
            categories=("科技", "C#: 入门", "观点"),
            author="#1: 路透社",
            published=when,
        ),
        make_article(
            "--- 分隔线 --- 与 'quoted' {{ 标题里的花括号 }}", "<p>正文</p>", author="true", published=when
        ),
        make_article("同名标题", "<p>第一篇</p>", source="证券时报网 要闻", published=when),
        make_article("同名标题", "<p>第二篇</p>", source="证券时报网 快讯", published=when),
        make_article(
            "带图的文章",
            '<p><img src="http://img.stcn.com/a.jpg" alt="图"></p><p>图注</p>',
            thumbnail="http://img.stcn.com/a.jpg",
            published=when,
        ),
    ]


@pytest.fixture(scope="module")
def generated(modules: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Page]:
    site = tmp_path_factory.mktemp("hexo-site")
    posts = make_site(site, modules)
    write_hexo_posts(tricky_articles(), HexoConfig(image_proxy=PROXY), posts)
    started = time.perf_counter()
    done = hexo_generate(site)
    assert done.returncode == 0, done.stderr
    print(f"hexo generate: {time.perf_counter() - started:.2f}s")  # shown with -s
    return [_page(path) for path in sorted((site / "public").rglob("index.html"))]


def _page(path: Path) -> Page:
    tree = lxml_html.fromstring(path.read_text(encoding="utf-8"))
    items = tree.xpath('//ul[@id="categories"]/li')
    return Page(
        path=path,
        title=tree.xpath('string(//h1[@id="title"])'),
        date=tree.xpath('string(//time[@id="date"]/@datetime)'),
        author=tree.xpath('string(//p[@id="author"])'),
        thumbnail=tree.xpath('string(//p[@id="thumbnail"])'),
        categories=[item.text_content() for item in items],
        category_paths=[item.get("data-path") for item in items],
        content=tree.xpath('//article[@id="content"]')[0],
    )


def _find(generated: list[Page], article: Article) -> Page:
    """The page of `article`: its title, and its text (spacing aside) exactly."""
    found = [page for page in generated if page.title == article.title]
    found = [
        page for page in found if _letters(page.content.text_content()) == _letters(article.content_text)
    ]
    assert len(found) == 1, (article.title, [page.path for page in generated])
    return found[0]


def _letters(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("index", range(len(tricky_articles())))
def test_hexo_shows_each_posts_title_date_category_path_author_and_text(
    generated: list[Page], index: int
) -> None:
    article = tricky_articles()[index]
    page = _find(generated, article)
    assert page.title == article.title
    assert page.date == article.published.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert page.author == article.author
    assert page.categories == list(article.categories)
    deepest = max(page.category_paths, key=len)
    assert deepest.strip("/").count("/") == len(article.categories)  # categories/a/b/c: one path


def test_every_post_became_a_page_under_its_chinese_name(generated: list[Page]) -> None:
    assert len(generated) == len(tricky_articles())
    seed = _find(generated, seed_article())
    assert "发布两大基因产业园-上海加码布局生物医药前沿产业" in seed.path.as_posix()


def test_template_syntax_in_the_text_is_shown_as_text_not_run(generated: list[Page]) -> None:
    page = _find(generated, tricky_articles()[1])
    text = page.content.text_content()
    for piece in ("{{ price }}", "{% if x %}标签{% endif %}", "{# 注释 #}", "{{{ 三个 }}}", "{%raw%}"):
        assert piece in text
    assert "```code```" in text and "~~~" in text and "a < b" in text
    assert page.content.xpath("string(.//pre)") == "第一行\n\n第三行\n   \n第五行"


def test_the_body_html_comes_through_markdown_untouched(generated: list[Page]) -> None:
    page = _find(generated, seed_article())
    body = seed_article().content_html
    assert len(page.content.xpath(".//p")) == body.count("<p>") == 11
    stock_links = page.content.xpath('.//a[starts-with(@href, "http://info.stcn.com/dc/stock/")]')
    assert len(stock_links) == body.count('href="http://info.stcn.com/dc/stock/') == 8


def test_http_images_and_thumbnails_go_through_the_proxy(generated: list[Page]) -> None:
    page = _find(generated, tricky_articles()[5])
    assert page.thumbnail == "https://proxy.example/img?u=http%3A%2F%2Fimg.stcn.com%2Fa.jpg"
    assert (
        page.content.xpath("string(.//img/@src)")
        == "https://proxy.example/img?u=http%3A%2F%2Fimg.stcn.com%2Fa.jpg"
    )


def test_the_manifest_is_not_published(generated: list[Page]) -> None:
    public = generated[0].path
    while public.name != "public":
        public = public.parent
    assert not list(public.rglob(f"*{MANIFEST_NAME.lstrip('.')}*"))
