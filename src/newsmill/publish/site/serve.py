"""`newsmill preview` / `build --serve`: the built site on 127.0.0.1, for a look (not production)."""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class _SiteHandler(SimpleHTTPRequestHandler):
    prefix = "/"

    def translate_path(self, path: str) -> str:
        # The site may be built for https://example.com/news/: serve it under that prefix too.
        if self.prefix != "/" and path.startswith(self.prefix):
            path = "/" + path[len(self.prefix) :]
        return super().translate_path(path)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the CLI says where it serves
        return


def serve_site(
    root: Path, *, host: str = "127.0.0.1", port: int = 8000, prefix: str = "/"
) -> ThreadingHTTPServer:
    """A server for the site in `root` (call `serve_forever()`; port 0 picks a free one)."""
    handler = type("SiteHandler", (_SiteHandler,), {"prefix": prefix})
    server = ThreadingHTTPServer((host, port), functools.partial(handler, directory=str(root)))
    server.daemon_threads = True
    return server
