"""The build state saved with the manifest: what one build leaves for the next."""

from __future__ import annotations

import orjson

from newsmill.publish.site.cards import Slot
from newsmill.publish.site.state import SiteState


def slot(number: int, **changes: object) -> Slot:
    made = Slot(
        id=f"{number:040x}", when=1_700_000_000.0 - number, lastmod=1_700_000_000.0 - number,
        path=f"2023/11/14/{number:010x}/", key=f"k{number}", full=f"f{number}", day="2023/11/14",
        source="证券时报网 要闻", categories=("金融", "证券时报网", "要闻"), tags=("基因", "生物医药"),
        stocks=(("000516.SZ", "国际医学"),), story=None,
    )  # fmt: skip
    return made._replace(**changes)


def round_trip(state: SiteState) -> SiteState | None:
    return SiteState.from_json(orjson.loads(orjson.dumps(state.to_json())))


def test_slots_come_back_equal_in_order() -> None:
    slots = [
        slot(1),
        slot(2, categories=("科技",), tags=(), stocks=(), story="s-1"),
        slot(3, source="开源中国", day="2023/11/13", tags=("开源",), story="s-1"),
        slot(4, categories=(), stocks=(("688317.SH", "之江生物"), ("600848.SH", "上海临港"))),
    ]
    state = SiteState(revision=42, context="ctx", slots=slots, listings={"": "d1"}, store="store-1")
    back = round_trip(state)
    assert back == state


def test_repeating_values_are_saved_once_and_shared_when_loaded() -> None:
    state = SiteState(revision=1, context="ctx", slots=[slot(n) for n in range(100)])
    saved = state.to_json()
    assert saved["slots"]["categories"]["values"] == ["金融\x1f证券时报网\x1f要闻"]
    assert saved["slots"]["categories"]["codes"] == [0] * 100
    back = round_trip(state)
    assert back is not None
    assert back.slots[0].categories is back.slots[99].categories


def test_an_empty_state_round_trips() -> None:
    state = SiteState(revision=None, context="ctx")
    assert round_trip(state) == state


def test_a_damaged_or_older_state_is_ignored() -> None:
    saved = SiteState(revision=1, context="ctx", slots=[slot(1), slot(2)]).to_json()
    assert SiteState.from_json({**saved, "version": 1}) is None
    assert SiteState.from_json("not a state") is None
    broken = orjson.loads(orjson.dumps(saved))
    broken["slots"]["tags"]["codes"] = [0, 7]  # a number with no value
    assert SiteState.from_json(broken) is None
    broken["slots"]["tags"] = ["基因"]  # the old form of a coded column
    assert SiteState.from_json(broken) is None
    short = orjson.loads(orjson.dumps(saved))
    short["slots"]["key"] = ["k1"]  # one column shorter than the others
    assert SiteState.from_json(short) is None
