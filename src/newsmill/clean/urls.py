"""Canonical URLs: absolute, redirect wrappers unwrapped, tracking parameters removed.

`canonical_url` runs for every link and image of every article, inside the sanitizer's pass,
so it has a fast path: an absolute, plain-ASCII URL on an ordinary host with nothing to strip
is returned after one regex match. Everything else takes the slow path through `urlsplit`.
The result is idempotent: `canonical_url(canonical_url(u)) == canonical_url(u)`, which keeps
the sanitizer idempotent and article ids stable.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote_plus, urljoin, urlsplit

from newsmill.clean._regex import word_alternation

__all__ = ["CANONICAL_URL", "canonical_url", "is_tracker_image"]

# Redirect wrappers: host -> (path, query parameters that hold the target, first found wins).
# Only hosts known to be pure "you are leaving the site" redirectors; a generic `?url=` on an
# unknown host may be a real page that takes a URL argument, so it is left alone.
WRAPPERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "www.oschina.net": ("/action/gotolink", ("url",)),
    "link.zhihu.com": ("/", ("target",)),
    "www.jianshu.com": ("/go-wild", ("url",)),
    "links.jianshu.com": ("/go", ("to",)),
    "weibo.cn": ("/sinaurl", ("u",)),
    "link.juejin.cn": ("/", ("target",)),
    "link.csdn.net": ("/", ("target",)),
    "gitee.com": ("/link", ("target",)),
    "sspai.com": ("/link", ("target",)),
    "www.douban.com": ("/link2/", ("url",)),
    "c.pc.qq.com": ("/middlem.html", ("pfurl",)),
    "www.google.com": ("/url", ("q", "url")),
    "google.com": ("/url", ("q", "url")),
    "t.umblr.com": ("/redirect", ("z",)),
    "l.facebook.com": ("/l.php", ("u",)),
    "www.youtube.com": ("/redirect", ("q",)),
    "steamcommunity.com": ("/linkfilter/", ("url",)),
}

# Query parameters that only say where a click came from; never part of what a page shows.
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "spm",  # Alibaba / Taobao / Aliyun click tracking
        "spm_id_from",  # bilibili
        "fbclid",  # Facebook
        "gclid",  # Google Ads
        "gclsrc",
        "dclid",
        "yclid",  # Yandex
        "msclkid",  # Microsoft Ads
        "mc_cid",  # Mailchimp
        "mc_eid",
        "igshid",  # Instagram
        "_hsenc",  # HubSpot
        "_hsmi",
        "mkt_tok",  # Marketo
        "wt.mc_id",  # Microsoft campaign id
    }
)
TRACKING_PREFIXES: tuple[str, ...] = ("utm_",)

# Share-sheet parameters of a few hosts; on these hosts they are tracking, elsewhere they may
# be meaningful (a generic `from` or `scene` parameter is not stripped).
HOST_TRACKING_PARAMS: dict[str, frozenset[str]] = {
    "mp.weixin.qq.com": frozenset(
        {
            "from",
            "scene",
            "subscene",
            "ascene",
            "isappinstalled",
            "chksm",
            "clicktime",
            "enterid",
            "sessionid",
            "sharer_sharetime",
            "sharer_shareid",
            "pass_ticket",
            "exportkey",
        }
    ),
    "www.bilibili.com": frozenset(
        {"vd_source", "share_source", "share_medium", "share_plat", "share_session_id"}
        | {"share_tag", "share_from", "from_spmid", "unique_k"}
    ),
}

# Fragments that WeChat and others append for their own redirects.
_JUNK_FRAGMENTS = frozenset({"", "rd", "wechat_redirect"})

_URL_CHARS = r"A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%"
_PATH_CHARS = r"A-Za-z0-9\-._~:/\[\]@!$&'()*+,;=%"  # no `?`, no `#`
_PARAM_CHARS = r"A-Za-z0-9\-._~:/?\[\]@!$'()*+,;=%"  # no `&`, no `#`
# May start a tracking parameter: a superset of what `_is_tracking` strips.
_TRACKING_START = r"(?i:utm_|spm|fbclid|gclid|gclsrc|dclid|yclid|msclkid|mc_|igshid|_hs|mkt_tok|wt\.)"
# A parameter `_is_tracking` would strip, when its name is spelled plainly.
_TRACKING_PARAM = re.compile(rf"(?i:{word_alternation(TRACKING_PARAMS)}|utm_[^=&]*)(?:=|\Z)")
# A parameter name with an escape (`utm%5Fsource`) may decode to a tracking one: the careful path.
_ESCAPED_NAME = r"[^=&#]*%"
_HOSTS_WITH_WORK = word_alternation(WRAPPERS.keys() | HOST_TRACKING_PARAMS.keys())
# URLs that are their own canonical form (a match means `canonical_url(u) == u`; no match
# means "maybe not"): absolute, ASCII, lower-case host without port or user info, a path, no
# empty or tracking query parameter, no junk fragment, not a host with its own rules. One
# match decides it, which matters: this runs for every link of every article.
CANONICAL_URL = re.compile(
    rf"https?://(?!{_HOSTS_WITH_WORK}/)[a-z0-9][a-z0-9.-]*/[{_PATH_CHARS}]*"
    rf"(?:\?(?!{_TRACKING_START}|{_ESCAPED_NAME})[{_PARAM_CHARS}]+"
    rf"(?:&(?!{_TRACKING_START}|{_ESCAPED_NAME})[{_PARAM_CHARS}]+)*)?"
    rf"(?:#(?!(?:rd|wechat_redirect)\Z)[{_URL_CHARS}]+)?"
)
_STRIP = "".join(map(chr, [*range(0x21), 0x7F]))  # what browsers strip: controls and space
_INNER_WS = re.compile(r"[\t\n\r]")
_SAFE_HOST = re.compile(r"[^\s\"'<>\\^`{|}/?#@\ud800-\udfff]+")
_UNSAFE = re.compile(rf"[^{_URL_CHARS}]")
# Tracking pixels by host (and feedburner's ~r/~ff/~a paths), and spacer images by file name.
_TRACKER_HOST = re.compile(
    r"https?://(?:stats\.wordpress\.com|pixel\.wp\.com|[a-z0-9.-]*google-analytics\.com"
    r"|pixel\.quantserve\.com|sb\.scorecardresearch\.com|www\.facebook\.com/tr)[/?]"
    r"|https?://(?:feeds\.feedburner\.com|feedproxy\.google\.com)/~(?:r|ff|a)/",
    re.IGNORECASE,
)
_SPACER_NAMES = frozenset(
    name + ext for name in ("pixel", "spacer", "blank", "1x1", "transparent") for ext in ("", ".gif", ".png")
)
_ORIGIN = re.compile(r"(?i:https?)://[^/?#\\]*")  # where urlsplit's netloc ends, or a browser's
_MAX_UNWRAP = 3


def canonical_url(url: str, *, base_url: str | None = None) -> str | None:
    """The canonical absolute http(s) form of `url`, or None if it has none.

    Relative URLs are resolved against `base_url` (ignored unless it is absolute http(s));
    redirect wrappers of known hosts are unwrapped; tracking parameters are removed; unsafe
    characters are percent-encoded. Never raises.

    >>> canonical_url("/a?utm_source=x&id=3", base_url="https://www.stcn.com/news/")
    'https://www.stcn.com/a?id=3'
    >>> canonical_url("javascript:alert(1)") is None
    True
    """
    if CANONICAL_URL.fullmatch(url):
        return url
    if base_url and url[:1] == "/" and url[1:2] != "/":  # root-relative, the common relative
        joined = _origin(base_url) + url
        if CANONICAL_URL.fullmatch(joined):
            return joined
        stripped = _without_tracking(joined)
        if stripped is not None and CANONICAL_URL.fullmatch(stripped):
            return stripped
    else:
        stripped = _without_tracking(url)
        if stripped is not None and CANONICAL_URL.fullmatch(stripped):
            return stripped
    return _canonical(url, base_url, _MAX_UNWRAP)


def _without_tracking(url: str) -> str | None:
    """`url` without the tracking parameters `_strip_tracking` removes by name alone; None when
    it has no query or one that needs the careful path (escapes, `+`). When the result is
    canonical, it is what `_canonical` would return, at a fraction of the cost (utm_ links)."""
    head, hash_, fragment = url.partition("#")
    address, _, query = head.partition("?")
    if not query or "%" in query or "+" in query:
        return None
    kept = [p for p in query.split("&") if p and not _TRACKING_PARAM.match(p)]
    return address + ("?" + "&".join(kept) if kept else "") + hash_ + fragment


def is_tracker_image(url: str) -> bool:
    """True for known tracking pixels and spacer images (feedburner `~r`, stats.wordpress.com,
    `/pixel`, `spacer.gif`...): images that carry no content.

    >>> is_tracker_image("https://stats.wordpress.com/b.gif?host=x")
    True
    """
    if _TRACKER_HOST.match(url):
        return True
    path = url.split("?", 1)[0].split("#", 1)[0]
    return path[path.rfind("/") + 1 :].lower() in _SPACER_NAMES


def _canonical(url: str, base_url: str | None, depth: int) -> str | None:
    url = url.strip(_STRIP)
    if "\t" in url or "\n" in url or "\r" in url:  # browsers ignore them inside URLs too
        url = _INNER_WS.sub("", url)
    if not url:
        return None
    absolute = _absolute(url, base_url)
    if absolute is None:
        return None
    if absolute is not url and CANONICAL_URL.fullmatch(absolute):  # a plain relative link
        return absolute
    try:
        return _normalize(absolute, depth)
    except ValueError:  # urlsplit refuses some hosts ("[::1"); such a URL has no canonical form
        return None


def _absolute(url: str, base_url: str | None) -> str | None:
    """`url` made absolute, or None when it is neither absolute nor resolvable."""
    scheme = url[:8].lower()
    if scheme.startswith(("http://", "https://")):
        return url
    if base_url is None or not base_url.lower().startswith(("http://", "https://")):
        return None
    if url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return _origin(base_url) + url  # the common case, without urljoin's cost
    try:
        return urljoin(base_url, url)
    except ValueError:
        return None


def _origin(base_url: str) -> str:
    """`scheme://host` of an absolute http(s) base; "" for any other base."""
    match = _ORIGIN.match(base_url)
    return match.group(0) if match else ""


def _normalize(url: str, depth: int) -> str | None:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = _host(parts.netloc, scheme)
    if scheme not in ("http", "https") or host is None:
        return None
    if depth > 0 and host in WRAPPERS:
        target = _unwrap(host, parts.path, parts.query, depth)
        if target is not None:
            return target
    query = _strip_tracking(parts.query, host)
    path = _encode(parts.path) or "/"
    out = f"{scheme}://{host}{path}"
    if query:
        out += "?" + _encode(query)
    if parts.fragment not in _JUNK_FRAGMENTS:
        out += "#" + _encode(parts.fragment)
    return out


def _host(netloc: str, scheme: str) -> str | None:
    """Lower-cased host[:port], without user info or a default port; None if unusable."""
    host = netloc.rpartition("@")[2].lower()  # user info only serves phishing in a feed
    if host.endswith(":80") and scheme == "http":
        host = host[:-3]
    elif host.endswith(":443") and scheme == "https":
        host = host[:-4]
    if not host or not _SAFE_HOST.fullmatch(host) or host.startswith(":"):
        return None
    return host


def _strip_tracking(query: str, host: str) -> str:
    """The query without tracking parameters; other parameters keep their exact spelling."""
    kept = [p for p in query.split("&") if p and not _TRACKING_PARAM.match(p)]  # no empties
    extra = HOST_TRACKING_PARAMS.get(host)
    if extra is not None or "%" in query or "+" in query:  # the rarer cases, one by one
        kept = [p for p in kept if not _is_tracking(p, extra or frozenset())]
    return "&".join(kept)


def _is_tracking(param: str, extra: frozenset[str]) -> bool:
    key = unquote_plus(param.partition("=")[0]).lower()
    return key in TRACKING_PARAMS or key in extra or key.startswith(TRACKING_PREFIXES)


def _unwrap(host: str, path: str, query: str, depth: int) -> str | None:
    """The target of a redirect wrapper, canonical, or None if it has no usable target."""
    wanted_path, names = WRAPPERS[host]
    if path.lower().rstrip("/") != wanted_path.rstrip("/"):
        return None
    values = dict(parse_qsl(query))
    for name in names:
        target = values.get(name)
        if target:
            return _canonical(target, None, depth - 1)
    return None


def _encode(part: str) -> str:
    """Percent-encode what may not stand raw in a URL; existing escapes are kept."""
    if not _UNSAFE.search(part):
        return part
    return quote(part, safe="!#$%&'()*+,/:;=?@[]~")
