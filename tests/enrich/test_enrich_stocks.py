"""Stock mentions: trsHotWords links, normalised codes, learned names found in plain text."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsmill.enrich import EnrichContext, EnrichSettings, enrich_drafts, new_stock_names
from newsmill.enrich.stocks import linked_mentions, normalise_code, read_stock_csv
from newsmill.models import StockMention
from support.enrich_corpus import draft, seed_html

SEED_STOCKS = [
    ("000516.SZ", "国际医学"),
    ("600848.SH", "上海临港"),
    ("688317.SH", "之江生物"),
    ("300685.SZ", "艾德生物"),
    ("688315.SH", "诺禾致源"),
    ("688399.SH", "硕世生物"),
    ("002262.SZ", "恩华药业"),
]


def context(names: dict[str, str] | None = None) -> EnrichContext:
    return EnrichContext(EnrichSettings(), new_stock_names(names), lambda *_: [])


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("SZ000516", "000516.SZ"),
        ("SS600848", "600848.SH"),
        ("sh600848", "600848.SH"),
        ("688317", "688317.SH"),
        ("300685", "300685.SZ"),
        ("002262", "002262.SZ"),
        ("430047", "430047.BJ"),
        ("830799", "830799.BJ"),
        ("920002", "920002.BJ"),
        ("000516.sz", "000516.SZ"),
        ("BJ430047", "430047.BJ"),
        ("HK00700", None),
        ("12345", None),
        ("XX000516", None),
    ],
)
def test_codes_are_normalised_to_code_dot_exchange(raw: str, code: str | None) -> None:
    assert normalise_code(raw) == code


def test_the_seed_article_mentions_seven_companies_with_normalised_codes() -> None:
    enriched = enrich_drafts(
        [draft(1, "发布两大基因产业园", html=seed_html())], context(), draft(1, "x").published
    )
    assert [(m.code, m.name) for m in enriched[0].stocks] == SEED_STOCKS
    assert len(enriched[0].learned) == 7


def test_links_are_read_from_the_sanitized_html_the_clean_stage_keeps() -> None:
    mentions = linked_mentions(draft(1, "x", html=seed_html()).content_html)
    assert StockMention("688317.SH", "之江生物") in mentions


def test_a_learned_name_is_found_in_plain_text_from_another_source() -> None:
    ctx = context()
    stcn = draft(1, "发布两大基因产业园", html=seed_html())
    other = draft(
        2,
        "之江生物前三季度净利润同比增长",
        "之江生物发布三季报，核酸检测试剂销售保持增长。",
        source="财联社 电报",
    )
    _first, second = enrich_drafts([stcn, other], ctx, stcn.published)  # type: ignore[arg-type]
    assert [(m.code, m.name) for m in second.stocks] == [("688317.SH", "之江生物")]
    assert second.learned == ()


def test_no_hit_for_a_name_that_is_only_part_of_a_longer_word() -> None:
    ctx = context({"国际医学": "000516.SZ"})
    inside = draft(3, "国际医学中心开诊", "位于浦东的国际医学中心今日开诊，首批专家团队到位。")
    whole = draft(4, "国际医学三季报", "张江细胞和基因产业园以上海国际医学园区为主体承载。")
    found = enrich_drafts([inside, whole], ctx, inside.published)  # type: ignore[arg-type]
    assert found[0].stocks == ()
    assert found[1].stocks == (StockMention("000516.SZ", "国际医学"),)


def test_a_name_that_is_an_everyday_word_is_only_found_through_links() -> None:
    ctx = context({"机器人": "300024.SZ"})
    found = enrich_drafts(
        [draft(5, "工业机器人产量增长", "今年工业机器人产量增长，机器人产业景气。")],
        ctx,
        draft(5, "x").published,
    )  # type: ignore[arg-type]
    assert found[0].stocks == ()


def test_a_user_csv_adds_names_with_normalised_codes(tmp_path: Path) -> None:
    path = tmp_path / "stocks.csv"
    path.write_text("code,name\n# 自选\nSZ000516,国际医学\n600848,上海临港\n", encoding="utf-8")
    assert list(read_stock_csv(path)) == [
        StockMention("000516.SZ", "国际医学"),
        StockMention("600848.SH", "上海临港"),
    ]
    path.write_text("000516,国际医学\nnot-a-code,名字\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"stocks.csv:2"):
        list(read_stock_csv(path))
