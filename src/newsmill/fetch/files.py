"""`file://` sources: local feed files (the demo's samples, a cron job's output).

The whole file is read every time; the pipeline's body hash says whether it changed. The
mtime is reported as Last-Modified for information only: it has one-second resolution, so a
file rewritten within the same second would look unchanged if we trusted it.
"""

from __future__ import annotations

import asyncio
import mimetypes
import os
from email.utils import formatdate
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from newsmill.config import FetchConfig
from newsmill.errors import FetchError
from newsmill.fetch.messages import too_large
from newsmill.models import FetchRequest, FetchResult

# Feed files often carry extensions mimetypes does not know.
_TYPES = {
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".rdf": "application/rdf+xml",
    ".xml": "application/xml",
    ".json": "application/json",
}


def is_file_url(url: str) -> bool:
    """True for `file:` URLs, which `fetch_file` reads instead of HTTP."""
    return url[:5].lower() == "file:"


def file_path(source: str, url: str) -> Path:
    """The local path a `file://` URL names (only local hosts: empty or "localhost")."""
    try:
        parts = urlsplit(url)
    except ValueError:
        raise FetchError(source, f"invalid file URL {url!r}") from None
    if parts.netloc not in ("", "localhost"):
        raise FetchError(source, f"file URL on another host is not supported: {url}")
    return Path(url2pathname(parts.path))


async def fetch_file(request: FetchRequest, config: FetchConfig) -> FetchResult:
    """Read a `file://` source (in a worker thread: disks can be slow too)."""
    return await asyncio.to_thread(read_file, request, config.max_bytes)


def read_file(request: FetchRequest, max_bytes: int) -> FetchResult:
    """Read the file a `file://` request names, at most `max_bytes` of it."""
    name = request.source.name
    path = file_path(name, request.url)
    try:
        with path.open("rb") as handle:
            info = os.fstat(handle.fileno())
            if info.st_size > max_bytes:
                raise too_large(name, max_bytes)
            body = handle.read(max_bytes + 1)  # +1: a file that grew since fstat is caught
    except FileNotFoundError:
        raise FetchError(name, f"file not found: {path}") from None
    except IsADirectoryError:
        raise FetchError(name, f"a folder, not a file: {path}") from None
    except PermissionError:
        raise FetchError(name, f"permission denied reading {path}") from None
    except OSError as exc:
        raise FetchError(name, f"could not read {path}: {exc.strerror or exc}") from exc
    if len(body) > max_bytes:
        raise too_large(name, max_bytes)
    return FetchResult(
        source=name,
        url=request.url,
        not_modified=False,
        body=body,
        content_type=_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0],
        last_modified=formatdate(info.st_mtime, usegmt=True),
    )
