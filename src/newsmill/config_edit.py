"""Edits to `newsmill.toml` that keep the user's comments and layout (tomlkit).

Every edit is validated as a whole config before it is written, and written atomically, so a
command can never leave a broken or half-written config behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Table

from newsmill.config import Config, parse_config
from newsmill.errors import ConfigError

STARTER = """\
# newsmill configuration. Reference: docs/configuration.md
[site]
title = "我的新闻站"
base_url = "https://news.example.com/"
language = "zh-CN"
timezone = "Asia/Shanghai"

[store]
url = "sqlite:///newsmill.db"        # relative to this file; or postgresql://…

[fetch]
concurrency = 16
timeout = 20                         # seconds
max_bytes = 10_000_000
allow_private = false                # refuse loopback/private addresses unless true

[rsshub]
base_url = "https://rsshub.app"      # sources may then give `route = "/stcn/yw"`

[hexo]
# posts_dir = "hexo/source/_posts"   # write Hexo posts here; leave out to disable
thumbnail_placeholder = "https://picsum.photos/400/300?random={n}"

# One [[sources]] table per feed. Add more with `newsmill sources add`.
[[sources]]
name = "证券时报网 要闻"
author = "证券时报网"                 # shown on posts; defaults to name
route = "/stcn/yw"                   # or url = "https://…", or a local file path
categories = ["金融", "证券时报网", "要闻"]
"""


def write_starter(path: Path, *, force: bool = False) -> None:
    if path.exists() and not force:
        raise ConfigError("already exists (use --force to overwrite)", path=str(path))
    parse_config(STARTER, path)  # the starter must always be valid
    _write_atomically(path, STARTER)


def add_sources(path: Path, entries: Iterable[Mapping[str, Any]]) -> tuple[list[str], list[str]]:
    """Append sources; returns (added names, skipped names that exist already by name or URL)."""
    document, config = _load(path)
    known_names = {source.name for source in config.sources}
    known_urls = {source.url for source in config.sources}
    added: list[str] = []
    skipped: list[str] = []
    table = _sources_array(document)
    for entry in entries:
        name = str(entry["name"])
        url = entry.get("url")
        if name in known_names or (url is not None and url in known_urls):
            skipped.append(name)
            continue
        table.append(_source_table(entry))
        known_names.add(name)
        known_urls.add(str(url))
        added.append(name)
    if added:
        _save(path, document)
    return added, skipped


def remove_source(path: Path, name: str) -> None:
    document, config = _load(path)
    config.source(name)  # raises a clear error for an unknown name
    array = _sources_array(document)
    index = next(i for i, table in enumerate(array) if table.get("name") == name)
    del array[index]
    _save(path, document)


def _load(path: Path) -> tuple[tomlkit.TOMLDocument, Config]:
    if not path.exists():
        raise ConfigError("config file not found (run `newsmill init` to write one)", path=str(path))
    text = path.read_text(encoding="utf-8-sig")
    config = parse_config(text, path)
    return tomlkit.parse(text), config


def _sources_array(document: tomlkit.TOMLDocument) -> AoT:
    if "sources" not in document:
        document.append("sources", tomlkit.aot())
    array = document["sources"]
    if not isinstance(array, AoT):
        raise ConfigError("`sources` must be written as [[sources]] tables to be edited")
    return array


def _source_table(entry: Mapping[str, Any]) -> Table:
    table = tomlkit.table()
    for key in ("name", "author", "url", "route", "categories", "encoding", "interval", "enabled"):
        if entry.get(key) is not None:
            table.add(key, list(entry[key]) if key == "categories" else entry[key])
    return table


def _save(path: Path, document: tomlkit.TOMLDocument) -> None:
    text = tomlkit.dumps(document)
    parse_config(text, path)  # never write a config that would not load
    _write_atomically(path, text)


def _write_atomically(path: Path, text: str) -> None:
    tmp_name: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp"
        ) as tmp:
            tmp_name = tmp.name
            tmp.write(text)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except OSError as exc:
        if tmp_name is not None:
            Path(tmp_name).unlink(missing_ok=True)
        raise ConfigError(f"cannot write config: {exc.strerror or exc}", path=str(path)) from exc
