"""Every payload of the XSS corpus, in every field of real feeds served over HTTP, comes out
of fetch → parse → clean → store unable to run script.

`tests/data/xss/payloads.txt` holds the corpus (OWASP filter evasion, html5lib sanitizer and
DOMPurify fixture classes, and every javascript:-hiding trick in every URL attribute). Each
payload goes into the title, link, author, summary, content, category, enclosure and image of
one item of an RSS 2.0 feed, an Atom feed (HTML constructs) and a JSON Feed. The stored HTML is
read by two real HTML parsers (`support.xss`); URLs must be http(s); text stays text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest
import yaml
from lxml import etree
from lxml import html as lxml_html

from newsmill.cli import main
from newsmill.core import Mill
from newsmill.models import Article, SourceStatus
from newsmill.publish.hexo.post import BODY_CLOSE, BODY_OPEN
from support.feedserver import FeedServer, Reply
from support.reliability import config_text
from support.xss import html_problems, load_corpus, page_problems, url_problem

# XML 1.0 cannot carry these at all; the feeds get them as the parser's repairs would see them.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
PAYLOADS = load_corpus()


def xml_text(payload: str) -> str:
    return escape(_NOT_IN_XML.sub("", payload))


def xml_attr(payload: str) -> str:
    return quoteattr(_NOT_IN_XML.sub("", payload))


def rss_feed(payloads: list[str]) -> str:
    items = "".join(
        f"<item><title>{xml_text(p)}</title><link>{xml_text(p)}</link>"
        f'<guid isPermaLink="false">rss-{i}</guid><author>{xml_text(p)}</author>'
        f"<dc:creator>{xml_text(p)}</dc:creator><category>{xml_text(p)}</category>"
        f"<description>{xml_text(p)}</description><content:encoded>{xml_text(p)}</content:encoded>"
        f'<enclosure url={xml_attr(p)} type="image/jpeg" length="1"/>'
        f"<media:thumbnail url={xml_attr(p)}/><pubDate>Tue, 12 Oct 2021 13:33:00 GMT</pubDate></item>"
        for i, p in enumerate(payloads)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/">'
        f"<channel><title>XSS</title><link>https://xss.example/</link>{items}</channel></rss>"
    )


def atom_feed(payloads: list[str]) -> str:
    entries = "".join(
        f'<entry><title type="html">{xml_text(p)}</title><id>urn:atom:{i}</id>'
        f"<link href={xml_attr(p)}/><author><name>{xml_text(p)}</name><uri>{xml_text(p)}</uri></author>"
        f'<summary type="html">{xml_text(p)}</summary><content type="html">{xml_text(p)}</content>'
        f'<category term={xml_attr(p)}/><link rel="enclosure" href={xml_attr(p)} type="image/png"/>'
        "<updated>2021-10-12T13:33:00Z</updated></entry>"
        for i, p in enumerate(payloads)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f'<title>XSS</title><id>urn:xss</id><link href="https://xss.example/"/>{entries}</feed>'
    )


def json_feed(payloads: list[str]) -> str:
    items = [
        {
            "id": f"json-{i}",
            "url": p,
            "external_url": p,
            "title": p,
            "content_html": p,
            "content_text": p,
            "summary": p,
            "image": p,
            "banner_image": p,
            "authors": [{"name": p, "url": p, "avatar": p}],
            "tags": [p],
            "attachments": [{"url": p, "mime_type": "image/png"}],
            "date_published": "2021-10-12T13:33:00Z",
        }
        for i, p in enumerate(payloads)
    ]
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "XSS",
            "home_page_url": "https://xss.example/",
            "items": items,
        }
    )


FEEDS = {
    "rss": (rss_feed, "application/rss+xml; charset=utf-8"),
    "atom": (atom_feed, "application/atom+xml; charset=utf-8"),
    "json": (json_feed, "application/feed+json"),
}
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def article_problems(article: Article) -> list[str]:
    """Everything about a stored article that a publisher could turn into running script."""
    problems = [f"content_html: {p}" for p in html_problems(article.content_html)]
    for name in ("url", "thumbnail"):
        if problem := url_problem(getattr(article, name)):
            problems.append(f"{name}: {problem}")
        value = getattr(article, name) or ""
        if value and not value.startswith(("http://", "https://")):
            problems.append(f"{name} is not an http(s) URL: {value[:80]!r}")
    for enclosure in article.enclosures:
        if not enclosure.url.startswith(("http://", "https://")):
            problems.append(f"enclosure is not an http(s) URL: {enclosure.url[:80]!r}")
    for name in ("title", "author", "summary", "content_text"):
        if _CONTROL.search(getattr(article, name)):
            problems.append(f"{name} holds control characters")
    for tag in article.tags:
        if _CONTROL.search(tag):
            problems.append("a tag holds control characters")
    return problems


@pytest.mark.parametrize("kind", list(FEEDS))
def test_no_payload_survives_into_the_store_in_any_field(
    kind: str, tmp_path: Path, feed_server: FeedServer
) -> None:
    build, content_type = FEEDS[kind]
    url = feed_server.route(f"/xss.{kind}", Reply(body=build(PAYLOADS), content_type=content_type))
    config = tmp_path / "newsmill.toml"
    text = config_text({"XSS": url}, timeout=60).replace("max_bytes = 1_000_000", "max_bytes = 50_000_000")
    config.write_text(text.replace("allow_private = false", "allow_private = true"), encoding="utf-8")
    with Mill.open(config) as mill:
        [outcome] = mill.fetch()
        assert outcome.status is SourceStatus.OK, outcome.error
        stored = mill.articles(limit=None)
    assert len(stored) >= len(PAYLOADS) * 0.95  # a few payloads are no item at all (no title, no link)
    problems = {article.guid: found for article in stored if (found := article_problems(article))}
    assert not problems, f"{len(problems)} articles unsafe, e.g. {list(problems.items())[:3]}"


def test_the_corpus_is_broad() -> None:
    assert len(PAYLOADS) >= 500
    text = "\n".join(PAYLOADS).lower()
    for needle in (
        "<svg",
        "<math",
        "expression(",
        "<base",
        "http-equiv",
        "<form",
        "<!--",
        "cdata",
        "vbscript:",
        "data:text/html",
        "srcdoc",
        "formaction",
        "xlink:href",
        "&#x6a",
        "\x00",
        "\t",
    ):
        assert needle in text, needle


def test_the_checker_catches_what_it_must() -> None:
    # The checker itself is tested: every payload class is caught when left unsanitized.
    caught = [p for p in PAYLOADS if html_problems(p)]
    assert len(caught) >= len(PAYLOADS) * 0.9
    for dangerous in (
        "<script>alert(1)</script>",
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        '<a href="\x01javascript:alert(1)">x</a>',
        "<img src=x onerror=alert(1)>",
        '<div style="width:expression(alert(1))">x</div>',
        '<base href="https://evil.example/">',
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
        "<form><button>x</button></form>",
        "<svg><script>alert(1)</script></svg>",
        '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
        '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    ):
        assert html_problems(dangerous), dangerous
    for safe in (
        '<p>证券时报网 <a href="https://www.stcn.com/" rel="noopener">要闻</a></p>',
        '<img src="https://img.example/a.jpg" alt="&lt;script&gt;">',
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; is how it starts</p>",
        '<a href="/relative/path?q=javascript:x">rel</a>',
    ):
        assert html_problems(safe) == [], safe


# --- the published outputs: Hexo posts, site pages, feeds --------------------------------------

HOSTILE_SOURCE = "XSS <script>alert(1)</script>"
HOSTILE_CATEGORIES = '["<img src=x onerror=alert(1)>", "金融", "a\\"b"]'


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Fetch a third of the corpus over HTTP (the build is the slow part) and build every output,
    once for the tests below. Returns the folder holding site/ and hexo/."""
    folder = tmp_path_factory.mktemp("published")
    with FeedServer() as server:
        url = server.route("/xss.xml", Reply(body=rss_feed(PAYLOADS[::3])))
        config = folder / "newsmill.toml"
        config.write_text(
            '[hexo]\nposts_dir = "hexo/source/_posts"\n[fetch]\nallow_private = true\nmax_bytes = 50_000_000\n'
            f'[[sources]]\nname = "{HOSTILE_SOURCE}"\nurl = "{url}"\ncategories = {HOSTILE_CATEGORIES}\n',
            encoding="utf-8",
        )
        assert main(["run", "--config", str(config)]) == 0
    yield folder


def test_no_payload_survives_into_the_hexo_posts_or_the_site(published: Path) -> None:
    folder = published
    problems: dict[str, list[str]] = {}

    pages = sorted(page for page in (folder / "site").rglob("*.html") if page.is_file())
    assert len(pages) > len(PAYLOADS[::3])
    for page in pages:
        markup = page.read_text(encoding="utf-8")
        theme_scripts = frozenset(re.findall(r'<script src="(/static/[^"]+\.js)"', markup))
        if found := page_problems(markup, allowed_scripts=theme_scripts):
            problems[str(page)] = found

    posts = sorted((folder / "hexo" / "source" / "_posts").rglob("*.md"))
    assert len(posts) >= len(PAYLOADS[::3]) * 0.95
    for post in posts:
        text = post.read_text(encoding="utf-8")
        head = yaml.safe_load(text.split("\n---\n", 2)[1])
        assert isinstance(head["title"], str) and isinstance(head["author"], str), post
        assert head["categories"] == ["<img src=x onerror=alert(1)>", "金融", 'a"b'], post
        body = text.split(BODY_OPEN, 1)[1].removesuffix(BODY_CLOSE)
        if found := html_problems(body):
            problems[str(post)] = found
        if re.search(r"\n[ \t]*\n", "<div>   \n" + body):
            problems[str(post)] = ["a blank line ends Markdown's HTML block: the rest would be Markdown"]

    for feed in [*(folder / "site").rglob("atom.xml"), *(folder / "site").rglob("rss.xml")]:
        root = etree.parse(str(feed)).getroot()  # well-formed, or this raises
        for element in root.iter("{*}content", "{*}summary", "{*}encoded", "description"):
            if element.getparent() is not None and element.getparent().tag == "channel":
                continue  # see test_an_rss_channel_description_is_html_too
            if found := html_problems(element.text or ""):
                problems[f"{feed} <{etree.QName(element).localname}>"] = found
    for feed in (folder / "site").rglob("feed.json"):
        for item in json.loads(feed.read_text(encoding="utf-8"))["items"]:
            if found := html_problems(item.get("content_html") or ""):
                problems[f"{feed} {item.get('id')}"] = found

    assert not problems, f"{len(problems)} outputs unsafe, e.g. {list(problems.items())[:3]}"


def test_names_from_the_config_are_text_on_the_site_never_markup(published: Path) -> None:
    site = published / "site"
    pages = [
        lxml_html.fromstring(page.read_text(encoding="utf-8"))
        for page in (site / "categories").rglob("index.html")
    ]
    headings = [heading for page in pages for heading in page.iter("h1")]
    assert "<img src=x onerror=alert(1)>" in [heading.text_content() for heading in headings]
    assert all(len(heading) == 0 or heading[0].tag != "img" for heading in headings)


def test_an_rss_channel_description_is_html_too(published: Path) -> None:
    site = published / "site"
    for feed in site.rglob("rss.xml"):
        description = etree.parse(str(feed)).getroot().find("channel/description")
        assert description is not None
        assert html_problems(description.text or "") == [], feed
