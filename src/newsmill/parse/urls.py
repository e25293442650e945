"""URL joining that survives the URLs feeds contain."""

from __future__ import annotations

from urllib.parse import urljoin

__all__ = ["join_url"]


def join_url(base: str, href: str) -> str:
    """`href` resolved against `base`; `href` unchanged when either will not parse.

    >>> join_url("https://sspai.com/post/", "69120")
    'https://sspai.com/post/69120'
    >>> join_url("https://[broken/", "69120")
    '69120'
    """
    try:
        return urljoin(base, href)
    except ValueError:  # "Invalid IPv6 URL" and friends, from hostile or broken feeds
        return href
