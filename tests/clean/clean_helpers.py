"""Helpers of the clean-stage tests."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html

from newsmill.clean import sanitize_html

DATA = Path(__file__).parent.parent / "data" / "html"
SEED_LINK = "http://www.stcn.com/xw/sd/202110/t20211012_3798146.html"
_SCHEME_JUNK = re.compile(r"[\x00-\x20\x7f]+")


def fragment(html: str) -> lxml.html.HtmlElement:
    """`html` parsed by a real HTML parser (lxml), inside one <div>."""
    return lxml.html.fragment_fromstring(html, create_parent="div")


def clean(html: str, base_url: str | None = SEED_LINK) -> str:
    """The sanitized HTML of `html`, resolved against the seed article's link."""
    return sanitize_html(html, base_url=base_url).html


def url_scheme(value: str) -> str:
    """The scheme a browser would see: whitespace and control characters ignored."""
    value = _SCHEME_JUNK.sub("", value).lower()
    return value.split(":", 1)[0] if ":" in value else ""
