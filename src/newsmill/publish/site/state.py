"""What a build remembers for the next one, saved with the manifest (see `writer`).

The store's change-log revision the build saw, the key of everything every page shares (theme,
site settings), every article's slot, and a digest of each list's own parts (heading, trail,
sub-categories). With these the next build reads only the articles changed since, and works
out which pages those changes can reach without computing every page's key.

Slots are kept column by column, category paths and tags as one string each: a JSON list of
100,000 strings loads several times faster than 100,000 small objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from newsmill.publish.site.cards import Slot

STATE_VERSION = 1
_TUPLES = {"categories", "tags"}
_SEPARATOR = "\x1f"  # never in a category or a tag: the clean stage drops control characters


@dataclass
class SiteState:
    revision: int | None  # None: the articles came from a source that keeps no change log
    context: str  # the renderer's base key and the timezone: when it changes, all is rebuilt
    slots: list[Slot] = field(default_factory=list)  # newest first
    listings: dict[str, str] = field(default_factory=dict)  # list base -> digest of its parts
    store: str | None = None  # the store's id: another store's revisions mean nothing here

    def to_json(self) -> dict[str, Any]:
        transposed = zip(*self.slots, strict=True) if self.slots else ([] for _ in Slot._fields)
        columns = dict(zip(Slot._fields, map(list, transposed), strict=True))
        for name in _TUPLES:
            columns[name] = list(map(_SEPARATOR.join, columns[name]))
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
        except (KeyError, TypeError, ValueError, AttributeError):
            return None


def _column(name: str, values: list[Any]) -> list[Any]:
    if name in _TUPLES:  # equal paths share one tuple, as they did when the build made them
        shared = {text: tuple(text.split(_SEPARATOR)) if text else () for text in set(values)}
        return [shared[text] for text in values]
    if name == "stocks":
        return [tuple((str(code), str(label)) for code, label in value) for value in values]
    return values
