"""Dates as feeds really write them, turned into aware UTC datetimes.

Feeds from Chinese sites mix RFC 822 (often with quirks), ISO 8601, `2021年10月12日 13:33`,
`10月12日 13:33` and relative forms such as `3分钟前` or `昨天 13:33`. A date that names no
zone is read in the source's timezone (Asia/Shanghai by default), and `CST` means China
Standard Time (+08:00) for Chinese sources, not US Central.

`parse_date` runs once per item, so the common forms take fast paths: `datetime.fromisoformat`
for ISO 8601 and one compiled regex for RFC 822; the slower forms are tried only after them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from datetime import timezone as fixed_zone
from email.utils import parsedate_tz
from functools import lru_cache
from zoneinfo import ZoneInfo

__all__ = ["parse_date"]

# Zones whose sites write `CST` for China Standard Time (UTC+8).
_CHINA_ZONES = frozenset(
    {
        "Asia/Shanghai", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "Asia/Urumqi",
        "Asia/Kashgar", "PRC", "Asia/Taipei", "ROC", "Asia/Macau", "Asia/Macao",
        "Asia/Hong_Kong", "Hongkong",
    }
)  # fmt: skip

# Zone abbreviations seen in feeds, in minutes east of UTC. `CST` is decided per source.
_NAMED_OFFSETS = {
    "GMT": 0, "UT": 0, "UTC": 0, "Z": 0, "EST": -300, "EDT": -240, "CDT": -300, "MST": -420,
    "MDT": -360, "PST": -480, "PDT": -420, "HKT": 480, "SGT": 480, "BJT": 480, "CCT": 480,
    "JST": 540, "KST": 540, "BST": 60, "CET": 60, "CEST": 120, "MSK": 180, "IST": 330,
    "AEST": 600, "AEDT": 660,
}  # fmt: skip

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}

# The canonical forms, matched first: "Tue, 12 Oct 2021 13:33:00 +0800" and "... GMT".
_RFC822_CANONICAL = re.compile(
    r"(?:[A-Z][a-z]{2}, )?(\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) "
    r"(?:([+-]\d{4})|GMT|UTC|UT|Z)$"
)
_TIME = r"(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{1,2})\s*分?(?:\s*[:：]\s*(?P<S>\d{1,2})(?:[.,]\d+)?\s*秒?)?"
_RFC822 = re.compile(
    r"(?:[^\W\d_]+\.?\s*,?\s*)?"  # weekday in any language: Tue, 星期二, 周二
    r"(?P<d>\d{1,2})\s*[\s/-]\s*(?P<mon>[A-Za-z]{3,9})\.?\s*[\s/,-]\s*(?P<y>\d{4}|\d{2})"
    r"(?:(?:\s*,\s*|\s+|T)(?P<H>\d{1,2}):(?P<M>\d{1,2})(?::(?P<S>\d{1,2})(?:[.,]\d+)?)?)?"
    r"\s*(?P<z>.*)$"
)
_MONTH_FIRST = re.compile(  # asctime, Java's Date.toString(), "October 12, 2021 13:33"
    r"(?:[^\W\d_]+\.?,?\s+)?(?P<mon>[A-Za-z]{3,9})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+"
    r"(?:(?P<y>\d{4}),?\s*)?"
    r"(?:(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
    r"(?:\s*(?P<z>[A-Za-z]{1,5}|[+-]\d{4}))?(?:\s+(?P<y2>\d{4}))?$"
)
_YMD = re.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    rf"(?:[T\s]*{_TIME})?\s*(?P<z>.*)$"
)
_MD = re.compile(
    rf"(?:(?P<m>\d{{1,2}})\s*月\s*(?P<d>\d{{1,2}})\s*日(?:\s*{_TIME})?"
    r"|(?P<m2>\d{1,2})[-/](?P<d2>\d{1,2})\s+(?P<H2>\d{1,2}):(?P<M2>\d{2}))$"
)
_AGO = re.compile(
    r"(?P<n>\d+|半|一|两|几)\s*个?\s*(?P<u>秒钟?|分钟|分|小时|钟头|天|日|周|星期)\s*之?前$"
    r"|(?P<en>\d+|an?|one)\s+(?P<eu>sec|second|min|minute|hour|hr|day|week)s?\s+ago$",
    re.IGNORECASE,
)
_DAY_WORD = re.compile(
    r"(?P<w>今天|今日|昨天|昨日|前天|today|yesterday)\s*"
    r"(?:(?P<H>\d{1,2})[:：](?P<M>\d{2})(?:[:：](?P<S>\d{2}))?)?$",
    re.IGNORECASE,
)
_ZONE_OFFSET = re.compile(r"(?:(?:GMT|UTC|UT)\s*)?(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?$")
_ZONE_COMMENT = re.compile(r"\s*\([^)]*\)$")  # "+0800 (CST)"

_UNIT_SECONDS = {
    "秒": 1, "秒钟": 1, "sec": 1, "second": 1, "分": 60, "分钟": 60, "min": 60, "minute": 60,
    "小时": 3600, "钟头": 3600, "hour": 3600, "hr": 3600, "天": 86400, "日": 86400,
    "day": 86400, "周": 604800, "星期": 604800, "week": 604800,
}  # fmt: skip
_WORD_NUMBERS = {"半": 0.5, "一": 1, "两": 2, "几": 3, "a": 1, "an": 1, "one": 1}
_DAY_OFFSETS = {"今天": 0, "今日": 0, "today": 0, "昨天": 1, "昨日": 1, "yesterday": 1, "前天": 2}

_LONGEST = 100  # characters: no date is longer, and the regexes need not see a megabyte of text
# A "10月12日" date later than now by more than this is taken to be last year's; the grace
# keeps a feed whose clock runs a little ahead of ours from landing a year back.
_FUTURE_GRACE = timedelta(days=1)


def parse_date(text: str, *, timezone: str = "Asia/Shanghai", now: datetime | None = None) -> datetime | None:
    """Read a feed's date; return it as an aware UTC datetime, or None if it cannot be read.

    A date without a zone is taken to be in `timezone`; relative dates (`3分钟前`, `昨天 13:33`,
    `10月12日`) are counted from `now` (default: the current time; a naive `now` is UTC).
    Never raises on bad input.

    >>> parse_date("Tue, 12 Oct 2021 13:33:00 CST")
    datetime.datetime(2021, 10, 12, 5, 33, tzinfo=datetime.timezone.utc)
    >>> parse_date("2021年10月12日 13:33")
    datetime.datetime(2021, 10, 12, 5, 33, tzinfo=datetime.timezone.utc)
    """
    value = text.strip()
    if not value or len(value) > _LONGEST:
        return None
    try:
        return _parse(value, timezone, now)
    except (ValueError, OverflowError):  # out-of-range fields: the date cannot be read
        return None


def _parse(value: str, zone_name: str, now: datetime | None) -> datetime | None:
    canonical = _rfc822_canonical(value)
    if canonical is not None:
        return canonical
    if value[0] in "0123456789":
        if value.isdigit() and value.isascii():
            return _timestamp(value)
        parsed = _iso(value, zone_name)
        if parsed is not None:
            return parsed
        parsers = _DIGIT_FIRST
    else:
        parsers = _WORD_FIRST
    for parser in parsers:
        parsed = parser(value, zone_name, now)
        if parsed is not None:
            return parsed
    return None


def _timestamp(value: str) -> datetime | None:
    if len(value) == 10:
        return datetime.fromtimestamp(int(value), UTC)
    if len(value) == 13:
        return datetime.fromtimestamp(int(value) / 1000, UTC)
    return None


def _iso(value: str, zone_name: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_zone(zone_name))
    return parsed.astimezone(UTC)


def _rfc822_canonical(value: str) -> datetime | None:
    match = _RFC822_CANONICAL.match(value)
    if match is None:
        return None
    day, name, year, hour, minute, second, offset = match.groups()
    month = _MONTHS.get(name.lower())
    if month is None:
        return None
    parsed = datetime(int(year), month, int(day), int(hour), int(minute), int(second), tzinfo=UTC)
    return parsed - _offset(offset) if offset else parsed


@lru_cache(maxsize=64)
def _offset(text: str) -> timedelta:
    """A "+0800" offset as a timedelta."""
    hours, minutes = int(text[1:3]), int(text[3:5])
    if hours > 14 or minutes > 59:  # no zone is further from UTC than +14:00
        raise ValueError(f"not a UTC offset: {text}")
    delta = timedelta(hours=hours, minutes=minutes)
    return -delta if text[0] == "-" else delta


def _rfc822(value: str, zone_name: str, now: datetime | None) -> datetime | None:
    match = _RFC822.match(value)
    if match is None:
        return None
    month = _MONTHS.get(match["mon"][:3].lower())
    zone = _zone_of(match["z"], zone_name)
    if month is None or zone is None:
        return None
    year = int(match["y"])
    if year < 100:  # two-digit years, the way email.utils reads them
        year += 1900 if year > 68 else 2000
    return _build(year, month, int(match["d"]), match, zone)


def _month_first(value: str, zone_name: str, now: datetime | None) -> datetime | None:
    match = _MONTH_FIRST.match(value)
    if match is None or not (match["y"] or match["y2"]):
        return None
    month = _MONTHS.get(match["mon"][:3].lower())
    zone = _zone_of(match["z"] or "", zone_name)
    if month is None or zone is None:
        return None
    return _build(int(match["y"] or match["y2"]), month, int(match["d"]), match, zone)


def _ymd(value: str, zone_name: str, now: datetime | None) -> datetime | None:
    match = _YMD.match(value)
    if match is None:
        return None
    zone = _zone_of(match["z"], zone_name)
    if zone is None:
        return None
    return _build(int(match["y"]), int(match["m"]), int(match["d"]), match, zone)


def _month_day(value: str, zone_name: str, now: datetime | None) -> datetime | None:
    match = _MD.match(value)
    if match is None:
        return None
    zone = _zone(zone_name)
    current = _now(now)
    month, day = int(match["m"] or match["m2"]), int(match["d"] or match["d2"])
    hour, minute = int(match["H"] or match["H2"] or 0), int(match["M"] or match["M2"] or 0)
    second = int(match["S"] or 0)
    year = current.astimezone(zone).year
    parsed = datetime(year, month, day, hour, minute, second, tzinfo=zone).astimezone(UTC)
    if parsed > current + _FUTURE_GRACE:
        parsed = datetime(year - 1, month, day, hour, minute, second, tzinfo=zone)
    return parsed.astimezone(UTC)


def _relative(value: str, zone_name: str, now: datetime | None) -> datetime | None:
    current = _now(now).replace(microsecond=0)
    if value in ("刚刚", "刚才") or value.lower() == "just now":
        return current
    match = _AGO.match(value)
    if match is not None:
        amount, unit = match["n"] or match["en"], (match["u"] or match["eu"]).lower()
        count = _WORD_NUMBERS.get(amount.lower()) or int(amount)
        return current - timedelta(seconds=count * _UNIT_SECONDS[unit])
    match = _DAY_WORD.match(value)
    if match is None:
        return None
    zone = _zone(zone_name)
    day = current.astimezone(zone).date() - timedelta(days=_DAY_OFFSETS[match["w"].lower()])
    hour, minute, second = int(match["H"] or 0), int(match["M"] or 0), int(match["S"] or 0)
    local = datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=zone)
    return local.astimezone(UTC)


def _email(value: str, zone_name: str, now: datetime | None) -> datetime | None:
    """Last resort: whatever else the standard library's RFC 2822 reader accepts."""
    try:
        fields = parsedate_tz(value)
    except (IndexError, TypeError):  # it has crashed on odd input in some Python versions
        return None
    if fields is None:
        return None
    offset = fields[9]
    zone = _zone(zone_name) if offset is None else _fixed(offset // 60)
    return datetime(*fields[:6], tzinfo=zone).astimezone(UTC)


_Parser = Callable[[str, str, datetime | None], datetime | None]
_DIGIT_FIRST: tuple[_Parser, ...] = (_ymd, _rfc822, _month_day, _relative, _email)
_WORD_FIRST: tuple[_Parser, ...] = (_rfc822, _relative, _month_first, _email)


def _build(year: int, month: int, day: int, match: re.Match[str], zone: tzinfo) -> datetime:
    hour, minute, second = int(match["H"] or 0), int(match["M"] or 0), int(match["S"] or 0)
    return datetime(year, month, day, hour, minute, second, tzinfo=zone).astimezone(UTC)


def _zone_of(text: str, zone_name: str) -> tzinfo | None:
    """The zone a date's trailing text names; the source's zone when it names none."""
    if text.endswith(")"):
        text = _ZONE_COMMENT.sub("", text)
    text = text.strip()
    if not text:
        return _zone(zone_name)
    upper = text.upper()
    if upper == "CST":
        return _fixed(480 if zone_name in _CHINA_ZONES else -360)
    if upper in _NAMED_OFFSETS:
        return _fixed(_NAMED_OFFSETS[upper])
    match = _ZONE_OFFSET.match(upper)
    if match is not None:
        minutes = int(match["h"]) * 60 + int(match["m"] or 0)
        if minutes > 14 * 60 or int(match["m"] or 0) > 59:
            return None
        return _fixed(-minutes if match["sign"] == "-" else minutes)
    if upper.isalpha() and len(upper) <= 5:  # an abbreviation we do not know: local time
        return _zone(zone_name)
    return None


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now


@lru_cache(maxsize=64)
def _zone(name: str) -> tzinfo:
    """The named zone; UTC if the name is unknown (the config validates names before this)."""
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return UTC


@lru_cache(maxsize=128)
def _fixed(minutes: int) -> tzinfo:
    return UTC if minutes == 0 else fixed_zone(timedelta(minutes=minutes))
