"""Fixtures of the clean-stage tests: the seed article and a source like the seed's."""

from __future__ import annotations

import pytest
from clean_helpers import DATA

from newsmill.models import Source


@pytest.fixture
def seed_html() -> str:
    """The body of `seed/stcn-gene-parks.md`: paragraphs and trsHotWords stock links."""
    return (DATA / "stcn-gene-parks.html").read_text(encoding="utf-8")


@pytest.fixture
def source() -> Source:
    return Source(
        name="证券时报网 要闻",
        url="https://rsshub.app/stcn/yw",
        categories=("金融", "证券时报网", "要闻"),
        author="证券时报网",
    )
