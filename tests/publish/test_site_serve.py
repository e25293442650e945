"""`newsmill build` writes the site; `preview` / `build --serve` serve it on 127.0.0.1."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from pathlib import Path

from site_helpers import EXAMPLES, ListSource, generated_articles, site_config

from newsmill.cli import main
from newsmill.publish.site import build_site, serve_site


def test_the_preview_server_serves_pages_under_the_base_url_path_and_the_404_page(tmp_path: Path) -> None:
    config = site_config(tmp_path, base_url="https://example.org/news/")
    build_site(ListSource(generated_articles(5)), config)
    server = serve_site(tmp_path / "site", port=0, prefix="/news/")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with urllib.request.urlopen(f"{base}/news/") as response:
            home = response.read().decode()
        assert "测试站" in home and 'href="/news/static/style.css"' in home
        with urllib.request.urlopen(f"{base}/news/static/style.css") as response:
            assert response.headers["Content-Type"].startswith("text/css")
        try:
            urllib.request.urlopen(f"{base}/news/no/such/page/")
            raise AssertionError("a missing page must be a 404")
        except urllib.error.HTTPError as error:
            assert error.code == 404 and "页面不存在" in error.read().decode()
    finally:
        server.shutdown()
        server.server_close()


def test_newsmill_build_writes_the_site_and_says_so(tmp_path: Path, capsys) -> None:
    import shutil

    shutil.copytree(EXAMPLES, tmp_path, dirs_exist_ok=True)
    config = str(tmp_path / "newsmill.toml")
    assert main(["fetch", "--config", config]) == 0
    assert main(["build", "--config", config]) == 0
    assert "site: " in capsys.readouterr().err
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "site" / "categories" / "金融" / "证券时报网" / "要闻" / "index.html").is_file()
    assert main(["build", "--config", config]) == 0
    assert "site: 0 files written" in capsys.readouterr().err


def test_preview_without_a_built_site_says_what_to_do(tmp_path: Path, capsys) -> None:
    (tmp_path / "newsmill.toml").write_text("", encoding="utf-8")
    assert main(["preview", "--config", str(tmp_path / "newsmill.toml")]) == 1
    assert "newsmill build" in capsys.readouterr().err
