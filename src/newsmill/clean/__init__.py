"""The clean stage: raw feed entries in, safe and canonical `ArticleDraft`s out.

- `clean_entry` / `clean_feed` (entry.py): the stage's entry points.
- `sanitize_html` (html.py): allowlist sanitizing with URL rewriting, in one nh3 pass.
- `canonical_url` (urls.py): absolute URLs without redirect wrappers or tracking parameters.
- `html_to_text`, `summarize`, `title_text` (text.py): plain text.
"""

from __future__ import annotations

from newsmill.clean.entry import clean_entry, clean_feed, content_hash
from newsmill.clean.html import SanitizedHtml, sanitize_html
from newsmill.clean.text import html_to_text, sanitized_html_to_text, summarize, title_text
from newsmill.clean.urls import canonical_url, is_tracker_image

__all__ = [
    "SanitizedHtml",
    "canonical_url",
    "clean_entry",
    "clean_feed",
    "content_hash",
    "html_to_text",
    "is_tracker_image",
    "sanitize_html",
    "sanitized_html_to_text",
    "summarize",
    "title_text",
]
