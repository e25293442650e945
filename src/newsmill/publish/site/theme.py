"""The theme: Jinja2 templates and static files, the default ones overridable file by file.

A user's `[site] theme_dir` is searched first, then the default theme shipped in this package.
The theme's fingerprint (every template and static file in effect) goes into every page key,
so editing a template rebuilds every page.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import jinja2

from newsmill.errors import PublishError

DEFAULT_THEME = Path(__file__).resolve().parent / "theme"
RENDER_VERSION = "1"  # bump when the Python side of rendering changes what pages contain


class Theme:
    def __init__(self, override: Path | None, *, root: str = "/") -> None:
        """`root`: the site's link prefix, which the `href` filter folds into the compiled
        templates; compiled templates are cached per root."""
        if override is not None and not override.is_dir():
            raise PublishError(f"[site] theme_dir {override} is not a folder")
        self.folders = [folder for folder in (override, DEFAULT_THEME) if folder is not None]
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(folder) for folder in self.folders]),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=jinja2.StrictUndefined,
            auto_reload=False,
            bytecode_cache=_bytecode_cache(root),
        )
        self.fingerprint = self._fingerprint()

    def template(self, name: str) -> jinja2.Template:
        try:
            return self.env.get_template(name)
        except jinja2.TemplateError as exc:
            raise PublishError(f"theme template {name}: {exc}") from exc

    def static_files(self) -> dict[str, Path]:
        """`static/…` path → the file in effect (an override wins)."""
        found: dict[str, Path] = {}
        for folder in reversed(self.folders):
            static = folder / "static"
            if static.is_dir():
                for file in sorted(static.rglob("*")):
                    if file.is_file():
                        found[file.relative_to(folder).as_posix()] = file
        return found

    def _fingerprint(self) -> str:
        digest = hashlib.blake2b(RENDER_VERSION.encode(), digest_size=12)
        seen: set[str] = set()
        for folder in self.folders:
            for file in sorted(folder.rglob("*")):
                name = file.relative_to(folder).as_posix()
                if file.is_file() and name not in seen:
                    seen.add(name)
                    digest.update(name.encode() + b"\0" + file.read_bytes() + b"\0")
        return digest.hexdigest()


def _bytecode_cache(root: str) -> jinja2.BytecodeCache | None:
    """Compiled templates kept between runs (compiling the theme costs a tenth of a second, a
    good part of a small incremental build). Jinja keys them by each template's source, so an
    edited template is compiled afresh; the folder is per root, for Jinja's optimizer folds
    `"…" | href` into the compiled code. No cache when the folder cannot be made."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    variant = hashlib.blake2b(f"{RENDER_VERSION}|{root}".encode(), digest_size=6).hexdigest()
    folder = base / "newsmill" / "templates" / variant
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))
