"""The old script's `user_config.yml`, imported with `newsmill sources import`."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsmill.cli import main
from newsmill.config import load_config
from newsmill.errors import ConfigError
from newsmill.legacy import is_legacy_config, legacy_source_name, read_legacy_config

USER_CONFIG = Path(__file__).parent / "data" / "legacy" / "user_config.yml"


def test_each_diy_item_becomes_a_source_filed_under_category_parent_and_child() -> None:
    sources = read_legacy_config(USER_CONFIG.read_bytes())
    assert [(s.name, s.route, s.url, s.categories, s.author) for s in sources] == [
        ("证券时报网 要闻", "/stcn/yw", None, ("金融", "证券时报网", "要闻"), "证券时报网"),
        ("财联社 电报", "/cls/telegraph", None, ("金融", "财联社", "电报"), "财联社"),
        ("开源中国 行业资讯", "/oschina/news/industry", None, ("科技", "开源中国", "行业资讯"), "开源中国"),
        ("少数派", None, "https://sspai.com/feed", ("科技", "少数派"), "少数派"),
    ]


def test_sources_import_takes_the_yaml_file_and_the_config_then_loads(tmp_path: Path, capsys) -> None:
    config = tmp_path / "newsmill.toml"
    config.write_text('[site]\ntitle = "新闻"\n', encoding="utf-8")
    assert main(["sources", "import", str(USER_CONFIG), "--config", str(config)]) == 0
    assert "imported 4 sources" in capsys.readouterr().err
    loaded = load_config(config)
    stcn = loaded.source("证券时报网 要闻")
    assert stcn.url == "https://rsshub.app/stcn/yw"
    assert stcn.categories == ("金融", "证券时报网", "要闻")
    assert stcn.author == "证券时报网"
    assert main(["sources", "import", str(USER_CONFIG), "--config", str(config)]) == 0
    assert "imported 0 sources" in capsys.readouterr().err


def test_a_yaml_list_without_diy_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="diy"):
        read_legacy_config(b"sources:\n  - a\n", path="user_config.yml")
    with pytest.raises(ConfigError, match="item 1 has no `link`"):
        read_legacy_config(b"diy:\n  - categories: x\n")


def test_yaml_is_told_from_opml_by_extension_or_content() -> None:
    assert is_legacy_config(Path("user_config.yml"), b"")
    assert is_legacy_config(Path("sources.txt"), b"diy:\n  - link: /a\n")
    assert not is_legacy_config(Path("feeds.opml"), b'<?xml version="1.0"?><opml/>')


def test_a_source_name_is_the_category_path_without_its_top_level() -> None:
    assert legacy_source_name(("金融", "证券时报网", "要闻")) == "证券时报网 要闻"
    assert legacy_source_name(("科技",)) == "科技"
    assert legacy_source_name(()) == ""
