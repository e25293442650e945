"""The old script's source list (`user_config.yml`), for `newsmill sources import`.

```yaml
diy:
  - link: /stcn/yw            # an RSSHub route (or a whole feed URL)
    categories: 金融
    source_parent: 证券时报网
    source_child: 要闻
```

Each item becomes a source named `证券时报网 要闻`, filed under `金融/证券时报网/要闻` (the
folders the script wrote its posts into), with `证券时报网` as the author shown on posts, as
the script wrote it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from newsmill.errors import ConfigError

YAML_SUFFIXES = (".yml", ".yaml")


@dataclass(frozen=True, slots=True)
class LegacySource:
    name: str
    route: str | None  # an RSSHub route, `/stcn/yw`
    url: str | None  # or a whole URL
    categories: tuple[str, ...]
    author: str


def is_legacy_config(file: Path, data: bytes) -> bool:
    """A YAML source list rather than OPML: by its extension, else by not looking like XML."""
    if file.suffix.lower() in YAML_SUFFIXES:
        return True
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:200]
    return not head.startswith(b"<") and b"diy:" in data


def read_legacy_config(data: bytes, *, path: str = "user_config.yml") -> list[LegacySource]:
    """The sources of the old script's `diy:` list; raises ConfigError naming the file and the
    item when the file is not that."""
    try:
        document = yaml.safe_load(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"not a YAML source list: {_first_line(exc)}", path=path) from exc
    items = document.get("diy") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise ConfigError("no `diy:` list of sources in this YAML file", path=path)
    sources = [_source(index, item, path) for index, item in enumerate(items, start=1)]
    return _unique_names(sources)


def legacy_source_name(categories: Sequence[str]) -> str:
    """`证券时报网 要闻` for `金融/证券时报网/要闻`: the path without its top level."""
    parts = [part for part in categories if part]
    return " ".join(parts[1:]) or " ".join(parts)


def _source(index: int, item: Any, path: str) -> LegacySource:
    if not isinstance(item, dict):
        raise ConfigError(f"diy item {index} is not a mapping of link, categories, …", path=path)
    link = _text(item.get("link"))
    if not link:
        raise ConfigError(f"diy item {index} has no `link`", path=path)
    top = item.get("categories")
    tops = [_text(part) for part in top] if isinstance(top, list) else [_text(top)]
    parent, child = _text(item.get("source_parent")), _text(item.get("source_child"))
    categories = tuple(part for part in (*tops, parent, child) if part)
    is_url = link.lower().startswith(("http://", "https://"))
    route = None if is_url else "/" + link.lstrip("/")
    name = legacy_source_name(categories) or link
    return LegacySource(name, route, link if is_url else None, categories, parent or name)


def _unique_names(sources: list[LegacySource]) -> list[LegacySource]:
    seen: set[str] = set()
    unique = []
    for source in sources:
        name = source.name
        if name in seen:
            name = f"{name} ({source.route or source.url})"
        seen.add(name)
        unique.append(LegacySource(name, source.route, source.url, source.categories, source.author))
    return unique


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
