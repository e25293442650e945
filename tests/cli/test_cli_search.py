"""`newsmill search`, `stories`, `enrich`, `reindex` and `articles --stock` on a fetched feed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from newsmill.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "feeds"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """The bundled 证券时报网 feed (stock links in its articles), fetched into a fresh store."""
    shutil.copy(EXAMPLES / "stcn-yw.xml", tmp_path / "stcn-yw.xml")
    path = tmp_path / "newsmill.toml"
    path.write_text(
        '[store]\nurl = "sqlite:///news.db"\n[enrich]\ntag_block = ["要闻"]\n'
        '[[sources]]\nname = "证券时报网 要闻"\nurl = "stcn-yw.xml"\n'
        'categories = ["金融", "证券时报网", "要闻"]\n',
        encoding="utf-8",
    )
    assert main(["fetch", "--config", str(path)]) == 0
    return path


def json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_fetched_articles_are_enriched_and_listed_by_stock(config: Path, capsys) -> None:
    capsys.readouterr()
    assert main(["articles", "--stock", "688317", "--json", "--config", str(config)]) == 0
    found = json_lines(capsys.readouterr().out)
    assert found and all({"code": "688317.SH", "name": "之江生物"} in a["stocks"] for a in found)  # type: ignore[operator]
    assert all(a["keywords"] and a["story"] for a in found)
    assert all("要闻" not in a["tags"] for a in found)  # type: ignore[operator]
    assert main(["articles", "--stock", "之江生物", "--json", "--config", str(config)]) == 0
    assert json_lines(capsys.readouterr().out) == found
    assert main(["articles", "--stock", "不是股票", "--config", str(config)]) == 2


def test_search_prints_ranked_results_with_highlighted_snippets(config: Path, capsys) -> None:
    capsys.readouterr()
    assert main(["search", "基因", "--json", "--config", str(config)]) == 0
    hits = json_lines(capsys.readouterr().out)
    assert hits
    first = hits[0]
    start, end = first["highlights"][0]  # type: ignore[index]
    assert first["snippet"][start:end] == "基因"  # type: ignore[index]
    assert (
        main(
            [
                "search",
                "基因",
                "--category",
                "金融/证券时报网",
                "--since",
                "2000-01-01",
                "--config",
                str(config),
            ]
        )
        == 0
    )
    assert "1." in capsys.readouterr().out
    assert main(["search", "没有这样的词语组合", "--config", str(config)]) == 0
    assert "nothing found" in capsys.readouterr().err
    assert main(["search", "基因", "--since", "yesterday-ish", "--config", str(config)]) == 2


def test_search_json_carries_the_whole_article_record_plus_the_hit_fields(config: Path, capsys) -> None:
    capsys.readouterr()
    assert main(["articles", "--json", "--limit", "1000", "--config", str(config)]) == 0
    articles = {record["id"]: record for record in json_lines(capsys.readouterr().out)}
    assert main(["search", "基因", "--json", "--config", str(config)]) == 0
    hits = json_lines(capsys.readouterr().out)
    assert hits
    for hit in hits:
        own = {key: hit.pop(key) for key in ("score", "snippet", "highlights")}
        assert hit == articles[hit["id"]]  # every article field, the same values
        assert isinstance(own["score"], float) and own["snippet"] and own["highlights"]
    assert {"categories", "author", "thumbnail", "summary", "tags", "stocks", "story"} <= hits[0].keys()


def test_enrich_all_twice_changes_nothing_and_reindex_keeps_search_working(config: Path, capsys) -> None:
    capsys.readouterr()
    listing = ["articles", "--json", "--limit", "100", "--config", str(config)]
    assert main(listing) == 0
    before = capsys.readouterr().out
    assert main(["enrich", "--all", "--config", str(config)]) == 0
    assert main(["enrich", "--all", "--config", str(config)]) == 0
    assert "articles enriched" in capsys.readouterr().err
    assert main(listing) == 0
    assert capsys.readouterr().out == before
    assert main(["reindex", "--config", str(config)]) == 0
    assert main(["search", "基因", "--json", "--config", str(config)]) == 0
    assert json_lines(capsys.readouterr().out)
    assert main(["stories", "--since", "100000d", "--json", "--config", str(config)]) == 0
