"""The Hexo publisher: stored articles out as Hexo posts in the seed's shape, and existing
Hexo posts back in.

- `write_hexo_posts` (writer.py): incremental, atomic, hand edits left alone.
- `render_post` (post.py): one post's text, line for line like `shared/seed/stcn-gene-parks.md`.
- `read_hexo_posts` (reader.py): existing posts, quirks included, as `HexoPost` values.
- names.py: file names; files.py: atomic writes and the manifest of what was written.
"""

from __future__ import annotations

from newsmill.publish.hexo.post import render_post
from newsmill.publish.hexo.reader import HexoPost, PostProblem, read_hexo_post, read_hexo_posts
from newsmill.publish.hexo.writer import HexoReport, adopt_posts, configured_posts_dir, write_hexo_posts

__all__ = [
    "HexoPost",
    "HexoReport",
    "PostProblem",
    "adopt_posts",
    "configured_posts_dir",
    "read_hexo_post",
    "read_hexo_posts",
    "render_post",
    "write_hexo_posts",
]
