"""Dates as feeds write them, each form with the UTC instant it must come to."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsmill.parse import parse_date

# 2024-10-12 16:00 in Shanghai: "today" for the relative forms below.
NOW = datetime(2024, 10, 12, 8, 0, tzinfo=UTC)


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Tue, 12 Oct 2021 13:33:00 +0800", utc(2021, 10, 12, 5, 33), id="rfc822"),
        pytest.param("Tue, 12 Oct 2021 05:33:00 GMT", utc(2021, 10, 12, 5, 33), id="rfc822-gmt"),
        pytest.param("Tue, 12 Oct 2021 05:33:00 Z", utc(2021, 10, 12, 5, 33), id="rfc822-z"),
        pytest.param("12 Oct 2021 13:33:00 +0800", utc(2021, 10, 12, 5, 33), id="rfc822-no-weekday"),
        pytest.param(
            "星期二, 12 Oct 2021 13:33:00 +0800", utc(2021, 10, 12, 5, 33), id="rfc822-chinese-weekday"
        ),
        pytest.param("周二 12 Oct 2021 13:33:00 +0800", utc(2021, 10, 12, 5, 33), id="rfc822-zhou-weekday"),
        pytest.param("Tue, 12 Oct 2021 13:33:00 GMT+8", utc(2021, 10, 12, 5, 33), id="rfc822-gmt+8"),
        pytest.param("Tue, 12 Oct 2021 13:33:00 GMT+08:00", utc(2021, 10, 12, 5, 33), id="rfc822-gmt+08:00"),
        pytest.param("Tue, 12 Oct 2021 13:33:00 +08:00", utc(2021, 10, 12, 5, 33), id="rfc822-colon-offset"),
        pytest.param("Tue, 12 Oct 2021 13:33:00 UTC+8", utc(2021, 10, 12, 5, 33), id="rfc822-utc+8"),
        pytest.param("Sat, 2 Oct 2021 13:33:00 +0800", utc(2021, 10, 2, 5, 33), id="rfc822-single-digit-day"),
        pytest.param("tue, 12 oct 2021 13:33:00 +0800", utc(2021, 10, 12, 5, 33), id="rfc822-lowercase"),
        pytest.param("Tue, 12 Oct 21 13:33:00 +0800", utc(2021, 10, 12, 5, 33), id="rfc822-two-digit-year"),
        pytest.param("Tue, 12 Oct 2021 13:33 +0800", utc(2021, 10, 12, 5, 33), id="rfc822-no-seconds"),
        pytest.param("Tue, 12 October 2021 13:33:00 +0800", utc(2021, 10, 12, 5, 33), id="rfc822-full-month"),
        pytest.param("Tue, 12 Oct 2021 13:33:00", utc(2021, 10, 12, 5, 33), id="rfc822-no-zone-is-local"),
        pytest.param("Tue, 12 Oct 2021 01:33:00 -0400", utc(2021, 10, 12, 5, 33), id="rfc822-negative"),
        pytest.param("Tue, 12 Oct 2021 13:33:00 +0800 (CST)", utc(2021, 10, 12, 5, 33), id="rfc822-comment"),
        pytest.param("Tue, 12 Oct 2021 14:33:00 JST", utc(2021, 10, 12, 5, 33), id="rfc822-jst"),
        pytest.param("2021-10-12T05:33:00Z", utc(2021, 10, 12, 5, 33), id="iso-z"),
        pytest.param("2021-10-12T13:33:00+08:00", utc(2021, 10, 12, 5, 33), id="iso-offset"),
        pytest.param("2021-10-12T13:33:00+0800", utc(2021, 10, 12, 5, 33), id="iso-basic-offset"),
        pytest.param("2021-10-12T13:33:00.123+08:00", utc(2021, 10, 12, 5, 33, 0, 123000), id="iso-fraction"),
        pytest.param("2021-10-12T13:33:00.123456789Z", utc(2021, 10, 12, 13, 33, 0, 123456), id="iso-nanos"),
        pytest.param("2021-10-12T13:33:00", utc(2021, 10, 12, 5, 33), id="iso-no-zone-is-local"),
        pytest.param("2021-10-12 13:33:00", utc(2021, 10, 12, 5, 33), id="iso-space"),
        pytest.param("2021-10-12 13:33:00 +0800", utc(2021, 10, 12, 5, 33), id="iso-space-before-zone"),
        pytest.param("2021-10-12", utc(2021, 10, 11, 16, 0), id="iso-date-only"),
        pytest.param("2021-10-2 9:05", utc(2021, 10, 2, 1, 5), id="dashes-single-digits"),
        pytest.param("2021/10/12 13:33", utc(2021, 10, 12, 5, 33), id="slashes"),
        pytest.param("2021/10/12 13:33:20", utc(2021, 10, 12, 5, 33, 20), id="slashes-seconds"),
        pytest.param("2021.10.12 13:33", utc(2021, 10, 12, 5, 33), id="dots"),
        pytest.param("2021年10月12日 13:33", utc(2021, 10, 12, 5, 33), id="chinese"),
        pytest.param("2021年10月12日13:33", utc(2021, 10, 12, 5, 33), id="chinese-no-space"),
        pytest.param("2021年10月12日 13时33分", utc(2021, 10, 12, 5, 33), id="chinese-shi-fen"),
        pytest.param("2021年10月12日", utc(2021, 10, 11, 16, 0), id="chinese-date-only"),
        pytest.param("1634016780", utc(2021, 10, 12, 5, 33), id="unix-seconds"),
        pytest.param("1634016780000", utc(2021, 10, 12, 5, 33), id="unix-milliseconds"),
        pytest.param("Tue Oct 12 13:33:00 CST 2021", utc(2021, 10, 12, 5, 33), id="java-date-tostring"),
        pytest.param("October 12, 2021 13:33", utc(2021, 10, 12, 5, 33), id="month-first"),
    ],
)
def test_absolute_date_forms(text: str, expected: datetime) -> None:
    assert parse_date(text, now=NOW) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("10月12日 13:33", utc(2024, 10, 12, 5, 33), id="month-day-this-year"),
        pytest.param("10月1日", utc(2024, 9, 30, 16, 0), id="month-day-without-time"),
        pytest.param("12月30日 08:00", utc(2023, 12, 30, 0, 0), id="month-day-in-the-future-is-last-year"),
        pytest.param("10-12 13:33", utc(2024, 10, 12, 5, 33), id="month-dash-day-time"),
        pytest.param("刚刚", utc(2024, 10, 12, 8, 0), id="just-now"),
        pytest.param("3分钟前", utc(2024, 10, 12, 7, 57), id="minutes-ago"),
        pytest.param("30秒前", utc(2024, 10, 12, 7, 59, 30), id="seconds-ago"),
        pytest.param("2小时前", utc(2024, 10, 12, 6, 0), id="hours-ago"),
        pytest.param("半小时前", utc(2024, 10, 12, 7, 30), id="half-an-hour-ago"),
        pytest.param("1天前", utc(2024, 10, 11, 8, 0), id="days-ago"),
        pytest.param("1周前", utc(2024, 10, 5, 8, 0), id="weeks-ago"),
        pytest.param("今天 09:00", utc(2024, 10, 12, 1, 0), id="today"),
        pytest.param("昨天 13:33", utc(2024, 10, 11, 5, 33), id="yesterday"),
        pytest.param("前天 08:00", utc(2024, 10, 10, 0, 0), id="day-before-yesterday"),
        pytest.param("3 minutes ago", utc(2024, 10, 12, 7, 57), id="english-minutes-ago"),
        pytest.param("an hour ago", utc(2024, 10, 12, 7, 0), id="english-an-hour-ago"),
        pytest.param("yesterday 13:33", utc(2024, 10, 11, 5, 33), id="english-yesterday"),
    ],
)
def test_relative_date_forms_count_from_now(text: str, expected: datetime) -> None:
    assert parse_date(text, now=NOW) == expected


def test_cst_means_china_standard_time_for_shanghai_sources() -> None:
    assert parse_date("Tue, 12 Oct 2021 13:33:00 CST") == utc(2021, 10, 12, 5, 33)


def test_cst_means_us_central_time_elsewhere() -> None:
    assert parse_date("Tue, 12 Oct 2021 13:33:00 CST", timezone="America/Chicago") == utc(
        2021, 10, 12, 19, 33
    )


def test_a_date_without_zone_is_in_the_sources_timezone() -> None:
    assert parse_date("2021-10-12 13:33:00", timezone="Europe/Berlin") == utc(2021, 10, 12, 11, 33)


def test_yesterday_is_counted_in_the_sources_timezone() -> None:
    # 01:00 in Shanghai on the 13th is still the 12th in UTC; 昨天 is the 12th in Shanghai.
    now = utc(2024, 10, 12, 17, 0)
    assert parse_date("昨天 13:33", now=now) == utc(2024, 10, 12, 5, 33)


def test_a_month_day_date_a_little_ahead_of_now_stays_in_this_year() -> None:
    # A site whose clock runs ahead must not send its newest item a year back.
    assert parse_date("10月12日 18:00", now=NOW) == utc(2024, 10, 12, 10, 0)


def test_the_result_is_aware_utc() -> None:
    parsed = parse_date("2021-10-12T13:33:00+08:00")
    assert parsed is not None and parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    ["", "   ", "unknown", "昨天下午", "2021-13-45", "Tue, 32 Oct 2021 13:33:00 +0800", "99999999999天前",
     "Tue, 12 Foo 2021 13:33:00 +0800", "12345", "Tue, 12 Oct 2021 13:33:00 +9900", "0000-00-00 00:00:00"],
)  # fmt: skip
def test_unreadable_dates_are_none(text: str) -> None:
    assert parse_date(text, now=NOW) is None


def test_unknown_timezone_name_falls_back_to_utc() -> None:
    assert parse_date("2021-10-12 13:33:00", timezone="Mars/Olympus_Mons") == utc(2021, 10, 12, 13, 33)


@given(st.text(max_size=60), st.sampled_from(["Asia/Shanghai", "UTC", "America/Chicago", "Nowhere/Else"]))
def test_parse_date_never_raises(text: str, timezone: str) -> None:
    parsed = parse_date(text, timezone=timezone, now=NOW)
    assert parsed is None or parsed.tzinfo is UTC


@given(st.from_regex(r"\A[0-9年月日: /\-TZ+前天分钟小时刚昨今CSTGM]{0,30}\Z"))
def test_parse_date_never_raises_on_date_like_text(text: str) -> None:
    parsed = parse_date(text, now=NOW)
    assert parsed is None or parsed.tzinfo is UTC
