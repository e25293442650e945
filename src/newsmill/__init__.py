"""newsmill: news sources in, a categorized, searchable news site out.

The library API is `Mill`; the command line (`newsmill`) and the web app call nothing else.
`Mill` is imported lazily so that `import newsmill.parse` (say) loads no other stage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from newsmill.errors import (
    ConfigError,
    FetchError,
    NewsmillError,
    ParseError,
    PublishError,
    SourceError,
    StorageError,
)
from newsmill.models import (
    Article,
    ArticleDraft,
    EntryData,
    FeedData,
    Source,
    SourceState,
    SourceStatus,
)

if TYPE_CHECKING:
    from newsmill.core import Mill, SourceView

__version__ = "0.1.0"

__all__ = [
    "Article",
    "ArticleDraft",
    "ConfigError",
    "EntryData",
    "FeedData",
    "FetchError",
    "Mill",
    "NewsmillError",
    "ParseError",
    "PublishError",
    "Source",
    "SourceError",
    "SourceState",
    "SourceStatus",
    "SourceView",
    "StorageError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name in ("Mill", "SourceView"):
        from newsmill import core

        return getattr(core, name)
    raise AttributeError(f"module 'newsmill' has no attribute {name!r}")
