"""The static news site: `build_site` writes pages, feeds, a sitemap and a search index.

>>> from newsmill.publish.site import build_site  # doctest: +SKIP
>>> report = build_site(mill.store, mill.config)  # doctest: +SKIP
"""

from newsmill.publish.site.build import ArticleSource, SiteReport, build_site, site_dir
from newsmill.publish.site.search import query_index
from newsmill.publish.site.serve import serve_site

__all__ = ["ArticleSource", "SiteReport", "build_site", "query_index", "serve_site", "site_dir"]
