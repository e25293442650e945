"""End to end on PostgreSQL: the bundled examples fetched, listed, searched, reindexed and built
through the command line, with `[store] url` given as NEWSMILL_STORE_URL."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from newsmill.cli import main
from newsmill.config import load_config

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_the_examples_fetched_into_postgresql_are_listed_searched_and_built(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "site", dirs_exist_ok=True)
    config = str(tmp_path / "site" / "newsmill.toml")
    monkeypatch.setenv("NEWSMILL_STORE_URL", postgres_url)
    names = [source.name for source in load_config(config).sources]

    assert main(["fetch", "--config", config]) == 0
    assert "0 failed" in capsys.readouterr().err
    assert main(["articles", "--json", "--limit", "1000", "--config", config]) == 0
    records = json_lines(capsys.readouterr().out)
    assert len(records) >= 25 and len({r["id"] for r in records}) == len(records)
    seed = next(r for r in records if r["title"] == "发布两大基因产业园 上海加码布局生物医药前沿产业")
    assert seed["published"] == "2021-10-12T13:33:00+00:00"
    assert seed["categories"] == ["金融", "证券时报网", "要闻"]

    assert main(["search", "基因", "--json", "--config", config]) == 0
    hits = json_lines(capsys.readouterr().out)
    assert seed["title"] in [hit["title"] for hit in hits]

    assert main(["fetch", "--config", config, *names]) == 0
    assert "0 new articles" in capsys.readouterr().err
    assert main(["reindex", "--config", config]) == 0
    capsys.readouterr()
    assert main(["search", "基因", "--json", "--config", config]) == 0
    assert json_lines(capsys.readouterr().out) == hits

    assert main(["build", "--config", config]) == 0
    assert (tmp_path / "site" / "site" / "index.html").exists()
    capsys.readouterr()
    assert main(["build", "--config", config]) == 0  # the change log says nothing changed
    assert "site: 0 files written" in capsys.readouterr().err
    assert list((tmp_path / "site" / "hexo" / "source" / "_posts").rglob("*.md"))
