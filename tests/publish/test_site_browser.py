"""The site in a real browser: Debian's Chromium, headless, against the site served on 127.0.0.1.

`.ci/run` installs `chromium`; without it these tests are skipped. The home page's screenshot
is saved to `tests/artifacts/site-home.png` (the path is printed).
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from site_helpers import ROOT, ExampleSite, ListSource, enriched, example_site

from newsmill.publish.site import build_site, serve_site

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)"
)
ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ExampleSite, str]]:
    example = example_site(tmp_path_factory.mktemp("browser"))
    example.articles = enriched(example.articles)
    build_site(ListSource(example.articles), example.config)
    server = serve_site(example.site, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield example, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def chromium(url: str, profile: Path, *options: str) -> str:
    assert CHROMIUM is not None
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--virtual-time-budget=10000", *options, url,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


def test_the_home_page_renders_and_a_screenshot_is_saved(served, tmp_path: Path) -> None:
    example, base = served
    dom = chromium(base, tmp_path / "profile", "--dump-dom")
    assert "<title>财经与科技新闻</title>" in dom
    assert dom.count('<article class="card">') == 20
    assert example.articles[0].title.replace("&", "&amp;") in dom
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "site-home.png"
    shot.unlink(missing_ok=True)
    chromium(
        base, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,1600", "--hide-scrollbars"
    )
    assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    print(f"home page screenshot: {shot}")


def test_a_category_page_lists_its_articles(served, tmp_path: Path) -> None:
    example, base = served
    dom = chromium(base + quote("categories/科技/开源中国/"), tmp_path / "profile", "--dump-dom")
    expected = [a for a in example.articles if a.categories[:2] == ("科技", "开源中国")]
    assert expected
    for article in expected:
        assert f"/{article.id[:10]}/" in dom
    assert "证券时报网" not in dom.split("<main>")[1].split("</main>")[0]


def test_a_search_for_a_chinese_word_shows_the_article(served, tmp_path: Path) -> None:
    example, base = served
    seed = next(a for a in example.articles if "基因" in a.title)
    dom = chromium(base + "search/?q=" + quote("之江生物 基因"), tmp_path / "profile", "--dump-dom")
    assert 'data-search-done="1"' in dom
    results = dom.split('id="search-results"')[1]
    assert f"/2021/10/12/{seed.id[:10]}/" in results
    assert "<mark>基因</mark>" in results
    nothing = chromium(base + "search/?q=" + quote("证券 火星殖民"), tmp_path / "profile", "--dump-dom")
    assert 'data-search-done="0"' in nothing and "没有找到" in nothing
