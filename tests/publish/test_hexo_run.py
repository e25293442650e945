"""`newsmill run` is fetch then build; run again, it writes nothing. `newsmill demo` says what it made."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from newsmill.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """The bundled examples (offline feeds, `[hexo] posts_dir` set), in a folder of their own."""
    folder = tmp_path / "example"
    shutil.copytree(EXAMPLES, folder)
    return folder / "newsmill.toml"


def _posts(config: Path) -> Path:
    return config.parent / "hexo" / "source" / "_posts"


def _snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {
        path.relative_to(folder).as_posix(): (path.stat().st_mtime_ns, path.read_bytes())
        for path in folder.rglob("*")
        if path.is_file()
    }


def _age(folder: Path) -> None:
    """Move every file's mtime an hour back, so a rewrite in the same second still shows."""
    for path in folder.rglob("*"):
        if path.is_file():
            past = path.stat().st_mtime_ns - 3600 * 10**9
            os.utime(path, ns=(past, past))


def test_run_fetches_then_writes_a_hexo_post_per_article(example: Path, capsys) -> None:
    assert main(["run", "--config", str(example)]) == 0
    err = capsys.readouterr().err
    assert "36 new articles" in err and "hexo: 36 posts written" in err
    assert len(list(_posts(example).rglob("*.md"))) == 36


def test_running_twice_in_a_row_writes_nothing_the_second_time(example: Path, capsys) -> None:
    assert main(["run", "--config", str(example)]) == 0
    _age(_posts(example))
    before = _snapshot(_posts(example))
    capsys.readouterr()
    assert main(["run", "--config", str(example)]) == 0
    assert _snapshot(_posts(example)) == before  # same bytes, same mtimes, manifest included
    assert "hexo: 0 posts written, 36 unchanged" in capsys.readouterr().err


def test_fetching_the_same_feeds_again_then_building_writes_nothing(example: Path) -> None:
    main(["run", "--config", str(example)])
    _age(_posts(example))
    before = _snapshot(_posts(example))
    names = ["证券时报网 要闻", "开源中国 资讯", "少数派"]
    assert main(["fetch", *names, "--config", str(example)]) == 0
    assert main(["build", "--config", str(example)]) == 0
    assert _snapshot(_posts(example)) == before


def test_demo_prints_how_many_articles_and_posts_it_made_and_where(tmp_path: Path, capsys) -> None:
    demo = tmp_path / "demo"
    assert main(["demo", str(demo)]) == 0
    err = capsys.readouterr().err
    posts = demo / "hexo" / "source" / "_posts"
    assert "(36 articles)" in err
    assert f"hexo posts: 36 in {posts}" in err
    assert "金融/证券时报网/要闻/" in err or "科技/" in err  # example paths of posts
