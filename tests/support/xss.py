"""Is this HTML safe to publish? Checked the way browsers read it, with real HTML parsers.

    problems = html_problems(page_html)      # [] when nothing in it can run script
    problems = url_problem(article.url)      # None for http(s), mailto and relative URLs

Two independent parsers read the markup: lxml's HTML parser (libxml2) and the standard
library's `html.parser` tokenizer, which follows the HTML5 tokenizing rules for tags and
attributes. Each must find no script-running construct: script and style elements,
`<base>`, `<meta http-equiv>`, forms and their controls, plugins, frames, SVG and MathML,
`on*` handlers, `srcdoc`, CSS expressions and bindings, and any URL attribute whose scheme
(after the control characters and whitespace browsers ignore are removed) is not http(s),
mailto or relative. Use it on sanitized fragments, Hexo posts and whole site pages alike.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

FORBIDDEN_TAGS = frozenset(
    {"script", "style", "base", "meta", "link", "form", "input", "button", "select", "textarea"}
    | {"option", "keygen", "isindex", "object", "embed", "applet", "param", "frame", "frameset"}
    | {"svg", "math", "template", "xml", "portal", "noscript", "noembed", "noframes", "xmp"}
    | {"plaintext", "listing", "bgsound", "import", "handler", "set", "animate"}
)
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "poster", "data", "background", "lowsrc", "dynsrc"}
    | {"cite", "longdesc", "xlink:href", "codebase", "manifest", "ping", "usemap", "icon"}
    | {"data-src", "data-original", "data-actualsrc", "data-lazy-src", "data-href", "to", "values"}
)
CORPUS = Path(__file__).resolve().parents[1] / "data" / "xss" / "payloads.txt"
_ESCAPE = re.compile(r"\\x([0-9a-fA-F]{2})|\\u([0-9a-fA-F]{4})")
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
RASTER_DATA = re.compile(r"data:image/(png|gif|jpe?g|webp|avif);", re.IGNORECASE)
# What browsers drop from URLs before reading the scheme: C0 controls, space, DEL, and (for
# safety, since some tools also strip them) every Unicode space and format character.
_IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f\u00a0\u1680\u2000-\u200f\u2028-\u202f\u205f\u3000\ufeff]")
_DANGEROUS_CSS = re.compile(r"expression|javascript|vbscript|behavior|-moz-binding|@import|url\s*\(", re.I)


def load_corpus(path: Path = CORPUS) -> list[str]:
    """The payloads of `tests/data/xss/payloads.txt`, with its \\xHH and \\uHHHH escapes decoded."""
    payloads = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            payloads.append(_ESCAPE.sub(lambda m: chr(int(m[1] or m[2], 16)), line))
    return payloads


def url_problem(value: str | None) -> str | None:
    """Why a URL (as a browser would read it from an attribute) could run script, or None."""
    if not value:
        return None
    compact = _IGNORED_IN_URL.sub("", html.unescape(value))
    scheme, colon, _rest = compact.partition(":")
    if not colon or "/" in scheme or "?" in scheme or "#" in scheme:
        return None  # relative
    scheme = scheme.lower()
    if scheme in SAFE_SCHEMES:
        return None
    if scheme == "data" and RASTER_DATA.match(compact):
        return None
    return f"URL with scheme {scheme!r}: {value[:80]!r}"


def _attribute_problems(tag: str, name: str, value: str) -> list[str]:
    name = name.lower()
    where = f"<{tag} {name}>"
    if name.startswith("on"):
        return [f"event handler {where}"]
    if name in {"srcdoc", "formaction", "action"}:
        return [f"attribute {where}"]
    if name == "style" and _DANGEROUS_CSS.search(value):
        return [f"dangerous CSS in {where}: {value[:80]!r}"]
    if name == "http-equiv":
        return [f"{where}"]
    if name in URL_ATTRIBUTES or name.endswith(":href"):
        problem = url_problem(value)
        return [f"{where}: {problem}"] if problem else []
    if name == "srcset":
        return [
            f"{where}: {problem}"
            for candidate in value.split(",")
            if (problem := url_problem(candidate.strip().split(" ")[0]))
        ]
    return []


def _element_problems(tag: str, attributes: list[tuple[str, str | None]]) -> list[str]:
    tag = tag.lower().rpartition(":")[2]  # svg:script is a script
    found = [f"<{tag}> element"] if tag in FORBIDDEN_TAGS else []
    for name, value in attributes:
        found += _attribute_problems(tag, name, value or "")
    return found


def _lxml_problems(markup: str) -> list[str]:
    if not markup.strip():
        return []
    try:
        root = lxml_html.document_fromstring(markup)
    except (etree.ParserError, ValueError):
        return []  # nothing an HTML parser can make an element of
    found = []
    for element in root.iter():
        if isinstance(element, etree._Comment):
            if re.search(r"\[if|<script|<!\[endif", str(element.text or ""), re.IGNORECASE):
                found.append("conditional comment")
            continue
        if not isinstance(element.tag, str):
            continue  # processing instructions, entities
        found += _element_problems(element.tag, [(str(k), str(v)) for k, v in element.attrib.items()])
    return found


class _Tokenizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems += _element_problems(tag, attrs)

    handle_startendtag = handle_starttag


def _tokenizer_problems(markup: str) -> list[str]:
    tokenizer = _Tokenizer()
    tokenizer.feed(markup)
    tokenizer.close()
    return tokenizer.problems


def html_problems(markup: str) -> list[str]:
    """Every construct in `markup` that could run script, as either parser reads it."""
    return sorted(set(_lxml_problems(markup)) | set(_tokenizer_problems(markup)))


def page_problems(markup: str, *, allowed_scripts: frozenset[str] = frozenset()) -> list[str]:
    """`html_problems` for a whole published page, which carries its theme's own chrome.

    The theme may have `<meta charset>`, `<meta name=…>`, a Content-Security-Policy `<meta>`,
    stylesheet and alternate `<link>`s, scripts whose `src` is in `allowed_scripts` (its own
    files, nothing inline), a search `<form>` that GETs a same-site path with text `<input>`s
    and a submit `<button>`, and text-only `<noscript>`. Everything else, and everything in
    those elements' attributes, is held to the fragment rules.
    """
    root = lxml_html.document_fromstring(markup)
    csp = root.xpath('//meta[translate(@http-equiv, "CONTENT-SECURITY-POLICY", "content-security-policy")'
                     '="content-security-policy"]/@content')  # fmt: skip
    problems: list[str] = []
    if not csp:
        problems.append("no Content-Security-Policy <meta>")
    elif "unsafe-inline" in _directive(str(csp[0]), "script-src") or not _directive(
        str(csp[0]), "script-src"
    ):
        problems.append(f"weak Content-Security-Policy: {csp[0]!r}")
    chrome = [e for e in root.iter() if isinstance(e.tag, str) and _is_theme_chrome(e, allowed_scripts)]
    for element in chrome:
        for name, value in element.attrib.items():
            if str(name) in ("action", "http-equiv"):  # judged by _is_theme_chrome
                continue
            problems += _attribute_problems(str(element.tag), str(name), str(value))
    for element in reversed(chrome):  # innermost first, so a form's inputs go before it
        if element.tag in ("form", "noscript"):
            element.drop_tag()
        else:
            element.drop_tree()
    problems += html_problems(etree.tostring(root, encoding="unicode", method="html"))
    return problems


def _directive(policy: str, name: str) -> str:
    for part in policy.split(";"):
        words = part.split()
        if words and words[0].lower() == name:
            return " ".join(words[1:])
    return ""


def _is_theme_chrome(element: etree._Element, allowed_scripts: frozenset[str]) -> bool:
    tag, get = element.tag, element.get
    if tag == "meta":
        equiv = (get("http-equiv") or "").lower()
        return equiv in ("", "content-security-policy") and not (get("content") or "").lower().startswith(
            "0;"
        )
    if tag == "link":
        rel = (get("rel") or "").lower()
        return rel in ("stylesheet", "alternate", "canonical", "icon", "preload", "next", "prev")
    if tag == "script":
        return get("src") in allowed_scripts and not (element.text or "").strip()
    if tag == "form":
        action = get("action") or ""
        return (
            action.startswith("/")
            and not action.startswith("//")
            and (get("method") or "get").lower() == "get"
        )
    if tag == "input":
        return (get("type") or "text").lower() in ("search", "text") and _inside(element, "form")
    if tag == "button":
        return (get("type") or "submit").lower() == "submit" and _inside(element, "form")
    if tag == "noscript":
        return len(element) == 0
    return False


def _inside(element: etree._Element, tag: str) -> bool:
    return any(ancestor.tag == tag for ancestor in element.iterancestors())
