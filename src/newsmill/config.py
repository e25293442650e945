"""`newsmill.toml`: one typed `Config`, loaded once and passed down.

Order of precedence: defaults, then the file, then `NEWSMILL_<SECTION>_<KEY>` environment
variables, then command-line flags (applied by the CLI). Everything is validated here, at load
time, so a bad key is reported with the file and line before any work starts.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from newsmill.errors import ConfigError
from newsmill.models import Source

CONFIG_NAME = "newsmill.toml"
USER_AGENT = "newsmill/0.1 (+https://github.com/newsmill/newsmill; feed aggregator)"


@dataclass(frozen=True, slots=True)
class SiteConfig:
    title: str = "newsmill"
    base_url: str = "http://localhost:8000/"
    language: str = "zh-CN"
    timezone: str = "Asia/Shanghai"
    output_dir: Path = Path("site")
    theme_dir: Path | None = None
    per_page: int = 20  # articles on each list page of the static site


@dataclass(frozen=True, slots=True)
class StoreConfig:
    url: str = "sqlite:///newsmill.db"


@dataclass(frozen=True, slots=True)
class FetchConfig:
    concurrency: int = 16  # requests in flight at once
    per_host: int = 8  # of which to one host (RSSHub serves many sources from one host)
    timeout: float = 20.0  # seconds for a whole request, body included
    connect_timeout: float = 10.0
    max_bytes: int = 10_000_000  # cap on the decompressed body
    retries: int = 2  # extra tries for transient failures within one run
    retry_max_wait: float = 30.0  # a longer Retry-After waits for the next run instead
    max_redirects: int = 10
    allow_private: bool = False  # refuse loopback/private/link-local addresses unless true
    user_agent: str = USER_AGENT
    interval: int = 1800  # default seconds between fetches of one source
    max_backoff: int = 86_400  # a failing source waits at most this long between tries
    workers: int = 0  # processes that parse and clean; 0: one per core when many sources are due


@dataclass(frozen=True, slots=True)
class RsshubConfig:
    base_url: str = "https://rsshub.app"


@dataclass(frozen=True, slots=True)
class HexoConfig:
    posts_dir: Path | None = None
    thumbnail_placeholder: str = "https://picsum.photos/400/300?random={n}"
    image_proxy: str | None = None


@dataclass(frozen=True, slots=True)
class EnrichConfig:
    keywords: int = 8  # keywords per article (they join the feed's own categories as tags)
    story_window: int = 3  # days: articles further apart are never grouped into one story
    stocks_csv: Path | None = None  # `code,name` rows that add to the names learned from links
    tag_aliases: dict[str, str] = field(default_factory=dict)  # tag → the tag to show instead
    tag_block: tuple[str, ...] = ()  # tags never shown


@dataclass(frozen=True, slots=True)
class Config:
    path: Path  # the file this came from (it may not exist: all defaults)
    site: SiteConfig = field(default_factory=SiteConfig)
    store: StoreConfig = field(default_factory=StoreConfig)
    fetch: FetchConfig = field(default_factory=FetchConfig)
    rsshub: RsshubConfig = field(default_factory=RsshubConfig)
    hexo: HexoConfig = field(default_factory=HexoConfig)
    enrich: EnrichConfig = field(default_factory=EnrichConfig)
    sources: tuple[Source, ...] = ()

    @property
    def root(self) -> Path:
        """The folder relative paths in the config are resolved against."""
        return self.path.parent

    def source(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        raise ConfigError(f"no source named {name!r}", path=str(self.path))


SECTIONS: dict[str, type] = {
    "site": SiteConfig,
    "store": StoreConfig,
    "fetch": FetchConfig,
    "rsshub": RsshubConfig,
    "hexo": HexoConfig,
    "enrich": EnrichConfig,
}
SOURCE_KEYS = {
    "name", "url", "route", "categories", "author", "encoding", "interval", "enabled",
    "kind", "timezone", "allow_private", "tag_aliases", "tag_block",
}  # fmt: skip


def load_config(path: Path | str | None = None, *, environ: Mapping[str, str] | None = None) -> Config:
    """Load and validate `newsmill.toml` (a missing default file means all defaults)."""
    named = os.environ.get("NEWSMILL_CONFIG") if path is None else None
    explicit = path is not None or bool(named)  # a file someone named must exist
    path = Path(path or named or CONFIG_NAME).absolute()
    if not path.exists():
        if explicit:
            raise ConfigError("config file not found (run `newsmill init` to write one)", path=str(path))
        return _apply_env(Config(path=path), environ)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config: {exc}", path=str(path)) from exc
    return parse_config(text, path, environ=environ)


def parse_config(text: str, path: Path, *, environ: Mapping[str, str] | None = None) -> Config:
    """Validate the text of a config file; `path` names it in errors and anchors relative paths."""
    locate = _Locator(text, str(path))
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        raise ConfigError(
            f"not valid TOML: {exc}", path=str(path), line=int(found[1]) if found else None
        ) from exc
    unknown = set(raw) - set(SECTIONS) - {"sources"}
    if unknown:
        key = sorted(unknown)[0]
        raise locate.error(f"unknown section or key {key!r}", key=key)
    config = Config(path=path)
    for name, cls in SECTIONS.items():
        table = raw.get(name, {})
        if not isinstance(table, dict):
            raise locate.error(f"[{name}] must be a table", key=name)
        config = replace(config, **{name: _section(cls, name, table, locate)})
    config = _apply_env(config, environ)
    sources = raw.get("sources", [])
    if not isinstance(sources, list):
        raise locate.error("`sources` must be an array of tables ([[sources]])", key="sources")
    built = tuple(_source(i, entry, config, locate) for i, entry in enumerate(sources))
    _check_unique(built, locate)
    return replace(config, sources=built)


def _section(cls: type, name: str, table: dict[str, Any], locate: _Locator) -> Any:
    known = {f.name: f for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in known:
            raise locate.error(f"unknown key {key!r} in [{name}]", section=name, key=key)
        try:
            values[key] = _coerce(known[key].type, value)
        except ValueError as exc:
            raise locate.error(f"[{name}] {key}: {exc}", section=name, key=key) from exc
    section = cls(**values)
    _check_section(name, section, locate)
    return section


def _coerce(annotation: Any, value: Any) -> Any:
    """Check one value against a dataclass field's annotation (a string, for we use __future__)."""
    kind = str(annotation)
    if kind.startswith(("dict", "tuple")):
        return _coerce_collection(kind, value)
    if kind.startswith("bool"):
        if not isinstance(value, bool):
            raise ValueError(f"must be true or false, not {value!r}")
        return value
    if kind.startswith("int"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"must be a whole number, not {value!r}")
        return value
    if kind.startswith("float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"must be a number, not {value!r}")
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"must be a string, not {value!r}")
    return Path(value) if kind.startswith("Path") else value


def _coerce_collection(kind: str, value: Any) -> Any:
    """A table of strings (`dict[str, str]`) or a list of strings (`tuple[str, ...]`)."""
    if kind.startswith("dict"):
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items()
        ):
            raise ValueError('must be a table of names, e.g. { "新冠肺炎" = "新冠" }')
        return {k.strip(): v.strip() for k, v in value.items()}
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError('must be a list of strings, e.g. ["要闻", "快讯"]')
    return tuple(item.strip() for item in value if item.strip())


def _check_section(name: str, section: Any, locate: _Locator) -> None:
    checks: dict[str, Callable[[Any], str | None]] = {
        "concurrency": lambda v: None if v >= 1 else "must be at least 1",
        "per_page": lambda v: None if 1 <= v <= 1000 else "must be between 1 and 1000",
        "per_host": lambda v: None if v >= 1 else "must be at least 1",
        "timeout": lambda v: None if v > 0 else "must be more than 0",
        "connect_timeout": lambda v: None if v > 0 else "must be more than 0",
        "max_bytes": lambda v: None if v >= 1024 else "must be at least 1024",
        "retries": lambda v: None if 0 <= v <= 10 else "must be between 0 and 10",
        "workers": lambda v: None if 0 <= v <= 64 else "must be between 0 (automatic) and 64",
        "keywords": lambda v: None if 0 <= v <= 50 else "must be between 0 and 50",
        "story_window": lambda v: None if 1 <= v <= 60 else "must be between 1 and 60 days",
        "interval": lambda v: None if v >= 60 else "must be at least 60 seconds",
        "timezone": _timezone_problem,
        "base_url": _http_url_problem,
        "url": lambda v: None if "://" in v else "must be a URL such as sqlite:///newsmill.db",
    }
    for f in fields(section):
        check = checks.get(f.name)
        problem = check(getattr(section, f.name)) if check else None
        if problem:
            raise locate.error(f"[{name}] {f.name}: {problem}", section=name, key=f.name)


def _timezone_problem(value: str) -> str | None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown timezone {value!r} (use a name such as Asia/Shanghai)"
    return None


def _http_url_problem(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"must be an http(s) URL, not {value!r}"
    return None


def _source(index: int, entry: Any, config: Config, locate: _Locator) -> Source:
    if not isinstance(entry, dict):
        raise locate.error(
            f"sources[{index + 1}] must be a table", key="sources", section="sources", index=index
        )
    label = f"source {entry.get('name')!r}" if isinstance(entry.get("name"), str) else f"sources[{index + 1}]"

    def fail(key: str, problem: str) -> ConfigError:
        return locate.error(f"{label}: {key}: {problem}", key=key, section="sources", index=index)

    for key in entry:
        if key not in SOURCE_KEYS:
            raise fail(key, f"unknown key (known: {', '.join(sorted(SOURCE_KEYS))})")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise fail("name", "every source needs a name (a non-empty string)")
    url = resolve_source_url(entry, config, fail)
    categories = entry.get("categories", [])
    if isinstance(categories, str):
        categories = [part for part in categories.split("/") if part]
    if not isinstance(categories, list) or not all(isinstance(c, str) and c.strip() for c in categories):
        raise fail("categories", 'must be a list of names, e.g. ["金融", "证券时报网", "要闻"]')
    values: dict[str, Any] = {}
    for key, kind in (("author", str), ("encoding", str), ("kind", str), ("timezone", str)):
        if key in entry:
            if not isinstance(entry[key], kind):
                raise fail(key, "must be a string")
            values[key] = entry[key]
    for key in ("enabled", "allow_private"):
        if key in entry:
            if not isinstance(entry[key], bool):
                raise fail(key, "must be true or false")
            values[key] = entry[key]
    interval = entry.get("interval", config.fetch.interval)
    if isinstance(interval, bool) or not isinstance(interval, int) or interval < 60:
        raise fail("interval", "must be a whole number of seconds, at least 60")
    if values.get("kind", "feed") not in ("feed", "page"):
        raise fail("kind", 'must be "feed" or "page"')
    if "encoding" in values and not _known_encoding(values["encoding"]):
        raise fail("encoding", f"unknown encoding {values['encoding']!r}")
    if "timezone" in values and (problem := _timezone_problem(values["timezone"])):
        raise fail("timezone", problem)
    for key in ("tag_aliases", "tag_block"):
        if key in entry:
            try:
                found = _coerce("dict" if key == "tag_aliases" else "tuple", entry[key])
            except ValueError as exc:
                raise fail(key, str(exc)) from exc
            values[key] = tuple(sorted(found.items())) if key == "tag_aliases" else found
    return Source(
        name=name.strip(),
        url=url,
        categories=tuple(c.strip() for c in categories),
        author=values.pop("author", name.strip()),
        interval=interval,
        timezone=values.pop("timezone", config.site.timezone),
        allow_private=values.pop("allow_private", config.fetch.allow_private),
        **values,
    )


def resolve_source_url(
    entry: Mapping[str, Any], config: Config, fail: Callable[[str, str], ConfigError]
) -> str:
    """Turn `url` (http, file:// or a path) or `route` (an RSSHub route) into one URL."""
    url, route = entry.get("url"), entry.get("route")
    if url is not None and route is not None:
        raise fail("route", "give either url or route, not both")
    if route is not None:
        if not isinstance(route, str) or not route.startswith("/"):
            raise fail("route", 'must be an RSSHub route starting with "/", e.g. "/stcn/yw"')
        return config.rsshub.base_url.rstrip("/") + route
    if not isinstance(url, str) or not url.strip():
        raise fail("url", "every source needs a url (or an RSSHub route)")
    url = url.strip()
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("http", "https"):
        if not urlsplit(url).netloc:
            raise fail("url", f"{url!r} has no host")
        return url
    if scheme and scheme != "file" and len(scheme) > 1:
        raise fail("url", f"unsupported scheme {scheme!r} (use http, https, file or a path)")
    return _confined_file_url(url, scheme == "file", config.root, fail)


def _confined_file_url(url: str, is_uri: bool, root: Path, fail: Callable[[str, str], ConfigError]) -> str:
    """A local feed file as a file:// URL, refused unless it is inside the config's folder.

    A config (or an OPML import, or `sources add`) must not make newsmill read and republish
    /etc/passwd or another user's files; symbolic links are resolved before the check.
    """
    if is_uri:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise fail("url", f"{url!r} names another host; file URLs must be local")
        from urllib.request import url2pathname  # pulls in http.client: only for file:// URLs

        path = Path(url2pathname(parts.path))
    else:
        path = Path(url)
    resolved = (root / path).resolve()
    folder = root.resolve()
    if not resolved.is_relative_to(folder):
        problem = f"{url!r} is outside the config's folder {folder}; local feed files must be inside it"
        raise fail("url", problem)
    return resolved.as_uri()


def _known_encoding(name: str) -> bool:
    import codecs

    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


def _check_unique(sources: tuple[Source, ...], locate: _Locator) -> None:
    seen: set[str] = set()
    for index, source in enumerate(sources):
        if source.name in seen:
            raise locate.error(
                f"duplicate source name {source.name!r} (names identify sources; make them unique)",
                section="sources",
                index=index,
                key="name",
            )
        seen.add(source.name)


def _apply_env(config: Config, environ: Mapping[str, str] | None) -> Config:
    """`NEWSMILL_FETCH_CONCURRENCY=4` overrides `[fetch] concurrency`, and so on."""
    environ = os.environ if environ is None else environ
    for name, cls in SECTIONS.items():
        section = getattr(config, name)
        for f in fields(cls):
            var = f"NEWSMILL_{name}_{f.name}".upper()
            if var in environ:
                try:
                    value = _coerce(f.type, _env_value(str(f.type), environ[var]))
                except ValueError as exc:
                    raise ConfigError(f"environment variable {var}: {exc}") from exc
                section = replace(section, **{f.name: value})
        config = replace(config, **{name: section})
    return config


def _env_value(kind: str, text: str) -> Any:
    if kind.startswith("tuple"):  # NEWSMILL_ENRICH_TAG_BLOCK="快讯,要闻"
        return [part for part in text.split(",") if part.strip()]
    if kind.startswith("dict"):  # NEWSMILL_ENRICH_TAG_ALIASES="新冠肺炎=新冠,A股=A股市场"
        pairs = (part.split("=", 1) for part in text.split(",") if "=" in part)
        return {key.strip(): value.strip() for key, value in pairs}
    if kind.startswith("bool"):
        lowered = text.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        return text
    if kind.startswith(("int", "float")):
        try:
            return float(text) if kind.startswith("float") else int(text.replace("_", ""))
        except ValueError:
            return text
    return text


class _Locator:
    """Finds the line of a key in the TOML text, so errors can say where to look."""

    def __init__(self, text: str, path: str) -> None:
        self.lines = text.splitlines()
        self.path = path

    def error(
        self, message: str, *, key: str, section: str | None = None, index: int | None = None
    ) -> ConfigError:
        return ConfigError(message, path=self.path, line=self.find(key, section, index))

    def find(self, key: str, section: str | None, index: int | None) -> int | None:
        start = 0
        if section is not None:
            header = re.compile(rf"^\s*\[\[?\s*{re.escape(section)}\s*\]\]?\s*(#.*)?$")
            starts = [i for i, line in enumerate(self.lines) if header.match(line)]
            wanted = index or 0
            if len(starts) <= wanted:
                return None
            start = starts[wanted] + 1
        pattern = re.compile(rf"^\s*(\[+\s*)?[\"']?{re.escape(key)}[\"']?\s*[=\]]")
        for number in range(start, len(self.lines)):
            line = self.lines[number]
            if (
                section is not None
                and number > start
                and re.match(r"^\s*\[", line)
                and not pattern.match(line)
            ):
                break
            if pattern.match(line):
                return number + 1
        return start if section is not None else None  # the section's header line
