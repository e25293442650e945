"""The one error tree of newsmill.

Every error newsmill raises on purpose is a `NewsmillError`; anything else escaping is a bug.
The CLI turns these into one-line messages and exit statuses (2 for config, 1 for run failures).
"""

from __future__ import annotations


class NewsmillError(Exception):
    """Root of every error newsmill raises on purpose."""


class ConfigError(NewsmillError):
    """The configuration (file, environment or flags) is invalid.

    `path` and `line` locate the problem when they are known.
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path or ""
        if where and self.line:
            where = f"{where}:{self.line}"
        return f"{where}: {self.message}" if where else self.message


class SourceError(NewsmillError):
    """Fetching or reading one source failed; the run goes on with the others.

    `transient` errors (timeouts, 429, 5xx, connection resets) are retried and backed off;
    the others (404, not a feed, undecodable bytes) wait for the source's next slot.
    """

    def __init__(
        self,
        source: str,
        message: str,
        *,
        transient: bool = False,
        status: int | None = None,
        retry_after: float | None = None,
        gone: bool = False,
    ) -> None:
        self.source = source
        self.message = message
        self.transient = transient
        self.status = status
        self.retry_after = retry_after
        self.gone = gone
        super().__init__(f"{source}: {message}")

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only fields survive pickling (sources are parsed in worker processes).
        options: dict[str, object] = {"transient": self.transient, "status": self.status}
        options |= {"retry_after": self.retry_after, "gone": self.gone}
        return (self.__class__, (self.source, self.message), options)


class FetchError(SourceError):
    """The bytes could not be had: network, HTTP status, size cap, refused address."""


class ParseError(SourceError):
    """The bytes are not a feed newsmill can read, or cannot be decoded."""


class StorageError(NewsmillError):
    """The store cannot be opened, migrated or written."""


class PublishError(NewsmillError):
    """Output (Hexo posts, the static site) cannot be written."""
