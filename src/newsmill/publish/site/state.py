"""What a build remembers for the next one, saved with the manifest (see `writer`).

The store's change-log revision the build saw, the key of everything every page shares (theme,
site settings), every article's slot, and a digest of each list's own parts (heading, trail,
sub-categories). With these the next build reads only the articles changed since, and works
out which pages those changes can reach without computing every page's key.

Slots are kept column by column: a JSON list of 100,000 strings loads several times faster than
100,000 small objects. The columns whose values repeat (category paths, tags, days, sources,
stocks, stories) are kept as their distinct values and one number per slot: a third of the
bytes to parse, and equal values come back as one shared object, as the build made them.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from newsmill.publish.site.cards import Slot

STATE_VERSION = 2  # 2: repeating columns as distinct values and codes
_SEPARATOR = "\x1f"  # never in a category or a tag: the clean stage drops control characters


def _join(value: tuple[str, ...]) -> str:
    return _SEPARATOR.join(value)


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split(_SEPARATOR)) if text else ()


def _pairs(value: list[list[str]]) -> tuple[tuple[str, str], ...]:
    return tuple((str(code), str(label)) for code, label in value)


def _same(value: Any) -> Any:
    return value


# column -> (to JSON, from JSON) for each distinct value of the columns kept as codes
_CODED: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "categories": (_join, _split),
    "tags": (_join, _split),
    "stocks": (_same, _pairs),
    "day": (_same, str),
    "source": (_same, str),
    "story": (_same, _same),
}


@dataclass
class SiteState:
    revision: int | None  # None: the articles came from a source that keeps no change log
    context: str  # the renderer's base key and the timezone: when it changes, all is rebuilt
    slots: list[Slot] = field(default_factory=list)  # newest first
    listings: dict[str, str] = field(default_factory=dict)  # list base -> digest of its parts
    store: str | None = None  # the store's id: another store's revisions mean nothing here

    def to_json(self) -> dict[str, Any]:
        transposed = zip(*self.slots, strict=True) if self.slots else ([] for _ in Slot._fields)
        columns: dict[str, Any] = dict(zip(Slot._fields, map(list, transposed), strict=True))
        for name, (dump, _) in _CODED.items():
            columns[name] = _encode(columns[name], dump)
        return {
            "version": STATE_VERSION, "revision": self.revision, "context": self.context,
            "listings": self.listings, "slots": columns, "store": self.store,
        }  # fmt: skip

    @classmethod
    def from_json(cls, raw: object) -> SiteState | None:
        """The state the last build saved, or None when it is missing, old or damaged."""
        if not isinstance(raw, dict) or raw.get("version") != STATE_VERSION:
            return None
        try:
            columns = raw["slots"]
            values = [_column(name, columns[name]) for name in Slot._fields]
            slots = list(map(Slot._make, zip(*values, strict=True)))
            revision = raw["revision"]
            return cls(
                revision=int(revision) if revision is not None else None, context=str(raw["context"]),
                slots=slots, listings={str(k): str(v) for k, v in raw["listings"].items()},
                store=str(raw["store"]) if raw.get("store") is not None else None,
            )  # fmt: skip
        except (KeyError, TypeError, ValueError, AttributeError, IndexError):
            return None


def _encode(values: list[Hashable], dump: Callable[[Any], Any]) -> dict[str, list[Any]]:
    """The distinct values (in order of first use) and each slot's number among them."""
    numbers: dict[Hashable, int] = dict.fromkeys(values, 0)  # (C loops: 100,000 values each)
    for number, value in enumerate(numbers):
        numbers[value] = number
    return {"values": list(map(dump, numbers)), "codes": list(map(numbers.__getitem__, values))}


def _column(name: str, raw: Any) -> list[Any]:
    coded = _CODED.get(name)
    if coded is None:
        if not isinstance(raw, list):
            raise TypeError(f"slot column {name!r} is not a list")
        return raw
    distinct = list(map(coded[1], raw["values"]))
    return [distinct[code] for code in raw["codes"]]
