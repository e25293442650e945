"""Configuration: loaded once, validated at load, errors name the file, the key and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsmill.config import load_config, parse_config
from newsmill.errors import ConfigError

GOOD = """
[site]
title = "财经与科技新闻"
base_url = "https://news.example.com/"

[fetch]
concurrency = 4

[rsshub]
base_url = "https://rsshub.example.org/"

[[sources]]
name = "证券时报网 要闻"
author = "证券时报网"
route = "/stcn/yw"
categories = ["金融", "证券时报网", "要闻"]

[[sources]]
name = "旧博客"
url = "feeds/old.xml"
categories = "科技/博客"
encoding = "gbk"
interval = 3600
"""


def config_at(tmp_path: Path, text: str):
    path = tmp_path / "newsmill.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path, environ={})


def error_for(tmp_path: Path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        config_at(tmp_path, text)
    return caught.value


def test_sources_get_category_paths_authors_and_rsshub_urls(tmp_path: Path) -> None:
    config = config_at(tmp_path, GOOD)
    stcn, blog = config.sources
    assert stcn.url == "https://rsshub.example.org/stcn/yw"
    assert stcn.categories == ("金融", "证券时报网", "要闻")
    assert stcn.author == "证券时报网"
    assert stcn.timezone == "Asia/Shanghai"
    assert blog.author == "旧博客"  # defaults to the name
    assert blog.categories == ("科技", "博客")
    assert blog.interval == 3600
    assert blog.encoding == "gbk"


def test_a_local_path_is_resolved_against_the_config_folder(tmp_path: Path) -> None:
    blog = config_at(tmp_path, GOOD).sources[1]
    assert blog.url == (tmp_path / "feeds" / "old.xml").as_uri()


def test_missing_default_file_means_defaults_but_a_named_missing_file_is_an_error(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSMILL_CONFIG", raising=False)
    assert load_config(environ={}).fetch.concurrency == 16
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")


def test_unknown_key_is_refused_with_file_and_line(tmp_path: Path) -> None:
    error = error_for(tmp_path, "[fetch]\nconcurrency = 4\ntimout = 3\n")
    assert "timout" in str(error)
    assert error.line == 3
    assert str(error).startswith(f"{tmp_path / 'newsmill.toml'}:3:")


def test_wrong_type_names_the_key(tmp_path: Path) -> None:
    error = error_for(tmp_path, '[fetch]\nconcurrency = "many"\n')
    assert "concurrency" in str(error) and "whole number" in str(error)
    assert error.line == 2


def test_source_without_url_names_the_source(tmp_path: Path) -> None:
    text = '[[sources]]\nname = "a"\nurl = "https://a.example/"\n\n'
    text += '[[sources]]\nname = "无地址"\ncategories = ["x"]\n'
    error = error_for(tmp_path, text)
    assert "'无地址'" in str(error) and "needs a url" in str(error)
    assert error.line == 5  # the [[sources]] header of the source at fault


def test_duplicate_source_names_are_refused(tmp_path: Path) -> None:
    text = '[[sources]]\nname = "a"\nurl = "https://a.example/"\n[[sources]]\nname = "a"\nurl = "https://b.example/"\n'
    error = error_for(tmp_path, text)
    assert "duplicate source name 'a'" in str(error)
    assert error.line == 5


def test_malformed_toml_reports_the_line(tmp_path: Path) -> None:
    error = error_for(tmp_path, '[site]\ntitle = "unterminated\n')
    assert "not valid TOML" in str(error)
    assert error.line == 2


def test_unknown_encoding_and_timezone_are_refused(tmp_path: Path) -> None:
    base = '[[sources]]\nname = "a"\nurl = "https://a.example/"\n'
    assert "unknown encoding" in str(error_for(tmp_path, base + 'encoding = "klingon"\n'))
    assert "unknown timezone" in str(error_for(tmp_path, base + 'timezone = "Mars/Olympus"\n'))


def test_url_and_route_together_are_refused(tmp_path: Path) -> None:
    error = error_for(tmp_path, '[[sources]]\nname = "a"\nurl = "https://a.example/"\nroute = "/x"\n')
    assert "either url or route" in str(error)


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = tmp_path / "newsmill.toml"
    path.write_text(GOOD, encoding="utf-8")
    config = load_config(
        path, environ={"NEWSMILL_FETCH_CONCURRENCY": "2", "NEWSMILL_FETCH_ALLOW_PRIVATE": "true"}
    )
    assert config.fetch.concurrency == 2
    assert config.fetch.allow_private is True
    assert all(source.allow_private for source in config.sources)  # the default flows into sources


def test_bad_environment_value_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="NEWSMILL_FETCH_TIMEOUT"):
        parse_config("", tmp_path / "newsmill.toml", environ={"NEWSMILL_FETCH_TIMEOUT": "soon"})
