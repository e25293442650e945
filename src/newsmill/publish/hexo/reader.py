"""Read existing Hexo posts (the old script's, or newsmill's own) back into plain values.

Real posts of the seed's era are not all valid YAML: a blank line before the first `---`, a
double-quoted title with a `"` inside, `date: Invalid Date`. The front matter is read as YAML
when it is YAML, else line by line (`key: value`, ` - item`), which is how such a file was
written in the first place. The body stays raw HTML here; the caller sanitizes it.

A post's original link, when it kept one, is read too (so the imported article gets the id a
fetch of the same item gives): a front matter key (`link`, `url`, `original`, `source_url`, …),
else a "原文链接: …" / "阅读原文" link in the body. The seed and the old script's posts have none.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import yaml

POST_SUFFIXES = (".md", ".markdown", ".html")

_SEPARATOR = re.compile(r"^---[ \t]*$", re.MULTILINE)
_KEY_LINE = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:(?:[ \t]+(.*?))?[ \t]*$")
_ITEM_LINE = re.compile(r"^[ \t]*-[ \t]*(.*?)[ \t]*$")
_WRAPPER = re.compile(r"\A\s*<div>[ \t]*\n(.*?)\s*</div>\s*\Z", re.DOTALL)

# Front matter keys that blog tools and scripts use for the article a post was copied from,
# most specific first. Not `permalink`: that is the post's own address on the Hexo site.
LINK_KEYS = ("original_url", "original_link", "original", "source_url", "source_link", "link", "url")
_HTTP_URL = re.compile(r"\Ahttps?://[^\s<>\"']+\Z", re.IGNORECASE)
# "原文链接：<a href=…>" or "Source: https://…", and <a href=…>阅读原文</a>, in a post's body.
_LINK_LABEL = r"(?:原文链接|原文地址|原文网址|原文|Original(?:\s+(?:article|link|post))?|Source)"
_LABELLED_LINK = re.compile(
    _LINK_LABEL + r"\s*[:：]\s*(?:<a\s[^>]*?\bhref\s*=\s*[\"']([^\"']+)[\"']|(https?://[^\s<>\"']+))",
    re.IGNORECASE,
)
_LINK_ANCHOR = re.compile(
    r"<a\s[^>]*?\bhref\s*=\s*[\"']([^\"']+)[\"'][^>]*>\s*"
    r"(?:阅读原文|查看原文|原文链接|原文|Read\s+(?:the\s+)?original(?:\s+article)?|Original(?:\s+article)?)"
    r"\s*(?:[>»›→]+\s*)?</a>",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class HexoPost:
    """What one post file says, as text and values, nothing sanitized yet."""

    path: Path
    title: str
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    author: str | None
    published: datetime | None  # UTC; None for `Invalid Date` or no date
    thumbnail: str | None
    body_html: str  # raw HTML, the old script's `<div>` wrapper taken off
    link: str | None = None  # the original article's absolute http(s) URL, when the post kept it
    date_text: str = ""  # the `date` as written, e.g. `Invalid Date`; "" when there is none


@dataclass(frozen=True, slots=True)
class PostProblem:
    """A post that could not be read, and why."""

    path: Path
    reason: str


class UnreadablePost(ValueError):
    pass


def read_hexo_posts(folder: Path, *, timezone: tzinfo) -> Iterator[HexoPost | PostProblem]:
    """Every post file under `folder` (hidden files skipped, sorted by path), read or reported.
    `timezone` is the zone of dates written without one (`2021-06-16 11:05:36`)."""
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.suffix.lower() not in POST_SUFFIXES or not path.is_file():
            continue
        if _hidden(relative):
            continue
        try:
            yield read_hexo_post(path, timezone=timezone)
        except UnreadablePost as problem:
            yield PostProblem(path, str(problem))


def _hidden(relative: Path) -> bool:
    """What Hexo skips: dot files and folders, and `_` files and folders (`_drafts`) other
    than `_posts` itself."""
    return any(part.startswith(".") or (part.startswith("_") and part != "_posts") for part in relative.parts)


def read_hexo_post(path: Path, *, timezone: tzinfo) -> HexoPost:
    """One post file; raises `UnreadablePost` with the reason when it cannot be read."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise UnreadablePost(f"cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise UnreadablePost(f"not UTF-8 text (byte {exc.start})") from exc
    return parse_hexo_post(text, path, timezone=timezone)


def parse_hexo_post(text: str, path: Path, *, timezone: tzinfo) -> HexoPost:
    head, body = split_front_matter(text.replace("\r\n", "\n").replace("\r", "\n"))
    fields = front_matter(head)
    title = _text(fields.get("title"))
    body_html = _unwrap(body)
    if not title and not body_html.strip():
        raise UnreadablePost("no title and no body")
    return HexoPost(
        path=path,
        title=title,
        categories=_list(fields.get("categories")),
        tags=_list(fields.get("tags")),
        author=_text(fields.get("author")) or None,
        published=parse_post_date(fields.get("date"), timezone),
        thumbnail=_text(fields.get("thumbnail")) or _text(fields.get("headimg")) or None,
        body_html=body_html,
        link=original_link(fields, body_html),
        date_text=_text(fields.get("date")),
    )


def original_link(fields: dict[str, Any], body_html: str) -> str | None:
    """The URL of the article the post was copied from: the first of `LINK_KEYS` holding an
    absolute http(s) URL, else the last labelled link in the body ("原文链接：…", "阅读原文");
    None when the post does not say."""
    for key in LINK_KEYS:
        value = _text(fields.get(key))
        if _HTTP_URL.match(value):
            return value
    found = [(m.start(), m[1] or m[2]) for m in _LABELLED_LINK.finditer(body_html)]
    found += [(m.start(), m[1]) for m in _LINK_ANCHOR.finditer(body_html)]
    links = [html.unescape(link).strip() for _start, link in sorted(found)]
    links = [link for link in links if _HTTP_URL.match(link)]
    return links[-1] if links else None


def split_front_matter(text: str) -> tuple[str, str]:
    """(front matter, body): the front matter is between the first two `---` lines; blank
    lines before the first are allowed."""
    stripped = text.lstrip(" \t\n\ufeff")
    opening = _SEPARATOR.match(stripped)
    if opening is None:
        raise UnreadablePost("no front matter (the file does not start with ---)")
    closing = _SEPARATOR.search(stripped, opening.end())
    if closing is None:
        raise UnreadablePost("front matter is not closed (no second --- line)")
    return stripped[opening.end() : closing.start()], stripped[closing.end() :].lstrip("\n")


def front_matter(head: str) -> dict[str, Any]:
    """The fields, through YAML when it is valid YAML (and a mapping), else line by line."""
    try:
        loaded = yaml.safe_load(head)
    except yaml.YAMLError:
        loaded = None
    if isinstance(loaded, dict):
        return {str(key): value for key, value in loaded.items()}
    fields = read_lines(head)
    if not fields:
        raise UnreadablePost("front matter has no `key: value` lines")
    return fields


def read_lines(head: str) -> dict[str, Any]:
    """The forgiving reader: `key: value` lines, and ` - item` lines under a key with no value.
    Quotes around a value are taken off whatever is between them."""
    fields: dict[str, Any] = {}
    current: list[str] | None = None
    for line in head.split("\n"):
        key_line = _KEY_LINE.match(line)
        item_line = _ITEM_LINE.match(line)
        if item_line is not None and current is not None:
            current.append(_unquote(item_line[1]))
        elif key_line is not None:
            value = key_line[2] or ""
            current = [] if not value else None
            fields[key_line[1]] = current if current is not None else _unquote(value)
    return fields


def parse_post_date(value: Any, timezone: tzinfo) -> datetime | None:
    """A post's `date` as UTC: RFC 822 text, a YAML timestamp (zone-less means `timezone`, as
    Hexo reads it), ISO 8601 text; None for `Invalid Date` and anything else unreadable."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and value.strip():
        found = _date_from_text(value.strip())
        if found is None:
            return None
        moment = found
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone)
    return moment.astimezone(UTC)


def _date_from_text(text: str) -> datetime | None:
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _unwrap(body: str) -> str:
    """The HTML inside the old script's `<div>   …</div>` wrapper (the body as is otherwise)."""
    wrapped = _WRAPPER.match(body)
    return wrapped[1] if wrapped else body.strip()


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'")
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(_text(item) for item in value)
    return str(value).strip()


def _list(value: Any) -> tuple[str, ...]:
    """Categories or tags: a list, a single value, or Hexo's list of lists (its first path)."""
    if value is None or value == "":
        return ()
    if not isinstance(value, list):
        value = [value]
    if value and isinstance(value[0], list):
        value = value[0]
    return tuple(text for text in (_text(item) for item in value) if text)
