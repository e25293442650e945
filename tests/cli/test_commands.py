"""The command line: every command documented, bad input is one line and exit 2, sources edited safely."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from newsmill.cli import app, main
from newsmill.config import load_config

ROOT = Path(__file__).resolve().parents[2]


def command_paths() -> list[list[str]]:
    import typer.main

    root = typer.main.get_command(app)
    paths = []
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        if subcommands:
            paths.extend([name, sub] for sub in subcommands)
        else:
            paths.append([name])
    return paths


@pytest.mark.parametrize("path", command_paths(), ids=" ".join)
def test_every_command_has_help_with_an_example_and_a_config_option(path: list[str], capsys) -> None:
    assert main([*path, "--help"]) == 0
    text = capsys.readouterr().out
    assert "Example: newsmill " + " ".join(path) in text
    if path[0] not in ("init", "demo"):
        assert "--config" in text


@pytest.mark.parametrize("path", command_paths(), ids=" ".join)
def test_every_command_is_in_the_command_reference(path: list[str]) -> None:
    reference = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    assert re.search(rf"^#+ `newsmill {' '.join(path)}\b", reference, re.MULTILINE), path


def test_init_writes_a_config_that_loads_and_will_not_overwrite_it(tmp_path: Path, capsys) -> None:
    assert main(["init", str(tmp_path)]) == 0
    config = load_config(tmp_path / "newsmill.toml")
    assert config.sources[0].categories == ("金融", "证券时报网", "要闻")
    assert main(["init", str(tmp_path)]) == 2
    assert "already exists" in capsys.readouterr().err


def test_a_broken_config_is_one_line_and_exit_status_2(tmp_path: Path, capsys) -> None:
    path = tmp_path / "newsmill.toml"
    path.write_text('[fetch]\nconcurrency = "lots"\n', encoding="utf-8")
    assert main(["fetch", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"{path}:2" in err and "concurrency" in err
    assert len(err.strip().splitlines()) == 1


def test_unknown_source_name_is_refused(tmp_path: Path, capsys) -> None:
    main(["init", str(tmp_path)])
    assert main(["fetch", "没有这个源", "--config", str(tmp_path / "newsmill.toml")]) == 2
    assert "no source named '没有这个源'" in capsys.readouterr().err


def test_sources_add_then_remove_keeps_comments(tmp_path: Path, capsys) -> None:
    config = tmp_path / "newsmill.toml"
    main(["init", str(tmp_path)])
    args = ["--name", "开源中国", "--categories", "科技/开源中国", "--config", str(config)]
    assert main(["sources", "add", "https://www.oschina.net/news/rss", *args]) == 0
    assert load_config(config).source("开源中国").categories == ("科技", "开源中国")
    assert main(["sources", "add", "https://www.oschina.net/news/rss", *args]) == 2  # already there
    assert main(["sources", "remove", "开源中国", "--config", str(config)]) == 0
    assert [s.name for s in load_config(config).sources] == ["证券时报网 要闻"]
    assert "# newsmill configuration" in config.read_text(encoding="utf-8")


def test_opml_export_then_import_round_trips_category_paths(tmp_path: Path, capsys) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    main(["init", str(first)])
    main(["sources", "add", "https://www.oschina.net/news/rss", "--name", "开源中国",
          "--categories", "科技/开源中国/资讯", "--config", str(first / "newsmill.toml")])  # fmt: skip
    opml = tmp_path / "out.opml"
    assert main(["sources", "export", "-o", str(opml), "--config", str(first / "newsmill.toml")]) == 0
    second.mkdir()
    (second / "newsmill.toml").write_text("", encoding="utf-8")
    assert main(["sources", "import", str(opml), "--config", str(second / "newsmill.toml")]) == 0
    imported = {s.name: s for s in load_config(second / "newsmill.toml").sources}
    assert imported["开源中国"].categories == ("科技", "开源中国", "资讯")
    assert imported["开源中国"].url == "https://www.oschina.net/news/rss"


def test_demo_fetches_the_bundled_examples_offline_and_a_second_run_adds_nothing(
    tmp_path: Path, capsys
) -> None:
    demo = tmp_path / "demo"
    assert main(["demo", str(demo)]) == 0
    first = capsys.readouterr().err
    assert "0 failed" in first
    config = str(demo / "newsmill.toml")
    assert main(["articles", "--json", "--limit", "1000", "--config", config]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(records) >= 25
    assert len({r["id"] for r in records}) == len(records)
    for record in records:
        assert {
            "id",
            "source",
            "title",
            "url",
            "published",
            "categories",
            "author",
            "thumbnail",
            "summary",
        } <= set(record)
        assert record["url"].startswith(("http://", "https://"))
        assert record["published"].endswith("+00:00")
        assert record["title"]
    assert main(["fetch", "--config", config] + [s.name for s in load_config(config).sources]) == 0
    assert "0 new articles" in capsys.readouterr().err
    assert main(["articles", "--json", "--limit", "1000", "--config", config]) == 0
    assert len(capsys.readouterr().out.splitlines()) == len(records)


def test_stcn_example_article_is_stored_like_the_seed(tmp_path: Path, capsys) -> None:
    demo = tmp_path / "demo"
    main(["demo", str(demo)])
    capsys.readouterr()
    main(["articles", "--json", "--limit", "1000", "--config", str(demo / "newsmill.toml")])
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    seed = next(r for r in records if r["title"] == "发布两大基因产业园 上海加码布局生物医药前沿产业")
    assert seed["categories"] == ["金融", "证券时报网", "要闻"]
    assert seed["published"] == "2021-10-12T13:33:00+00:00"
    assert seed["author"] == "证券时报网"


def test_sources_list_into_a_pipe_is_tab_separated_and_cuts_nothing(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "feeds" / "一个名字很长很长的本地文件源-不存在的文件-用来产生很长的错误消息.xml"
    config = tmp_path / "newsmill.toml"
    config.write_text(
        '[store]\nurl = "sqlite:///news.db"\n'
        f'[[sources]]\nname = "证券时报网 要闻 很长的名字"\nurl = "{missing.as_uri()}"\n'
        'categories = ["金融", "证券时报网", "要闻"]\n',
        encoding="utf-8",
    )
    assert main(["fetch", "--config", str(config)]) == 1
    capsys.readouterr()
    assert main(["sources", "list", "--config", str(config)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("\t") == [
        "name",
        "categories",
        "status",
        "articles",
        "errors",
        "next fetch",
        "last error",
    ]
    name, categories, status, articles, errors, _next, error = lines[1].split("\t")
    assert (name, categories, status, articles, errors) == (
        "证券时报网 要闻 很长的名字",
        "金融/证券时报网/要闻",
        "error",
        "0",
        "1",
    )
    assert missing.name in error and "…" not in error
