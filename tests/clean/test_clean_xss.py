"""Hostile HTML comes out harmless, as a real HTML parser (lxml) reads the output."""

from __future__ import annotations

import pytest
from clean_helpers import clean, fragment, url_scheme

PAYLOADS = [
    "<script>alert(1)</script>正文",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<img src=x onerror="alert(1)">',
    "<img src=x onerror=alert(1)//",
    '<img """><script>alert(1)</script>">',
    '<a href="javascript:alert(1)">点我</a>',
    '<a href="jav&#x09;ascript:alert(1)">tab</a>',
    '<a href="jav&#x0A;ascript:alert(1)">newline</a>',
    '<a href="JaVaScRiPt:alert(1)">mixed case</a>',
    '<a href=" &#14;  javascript:alert(1)">leading junk</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">ent</a>',
    '<a href="&#x6A;avascript&#x3A;alert(1)">hex entities</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    '<img src="data:image/svg+xml;base64,PHN2Zz48c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+PC9zdmc+">',
    '<a href="vbscript:msgbox(1)">vb</a>',
    '<img src="vbscript:msgbox(1)">',
    "<svg onload=alert(1)><script>alert(1)</script></svg>",
    "<svg><a xlink:href=javascript:alert(1)><text>x</text></a></svg>",
    '<math><mtext><table><mglyph><style><img src=x onerror="alert(1)">',
    "<math href=javascript:alert(1)>click</math>",
    "<style>body{background:url(javascript:alert(1))}</style>文字",
    '<div style="width: expression(alert(1));">css</div>',
    "<p style=\"background-image:url('javascript:alert(1)')\">bg</p>",
    "<iframe src=javascript:alert(1)></iframe>",
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<iframe src="https://www.youtube.com/embed/x"><script>alert(1)</script></iframe>',
    '<base href="javascript:alert(1)//"><a href="/x">rel</a>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><input type=submit formaction=javascript:alert(1)>',
    '<button formaction="javascript:alert(1)">b</button>',
    '<object data="javascript:alert(1)"><embed src="javascript:alert(1)"></object>',
    '<embed src="data:text/html,<script>alert(1)</script>">',
    "<!--<script>alert(1)</script>-->",
    "<!--><script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<?xml-stylesheet href=javascript:alert(1)?><script>alert(1)</script>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<textarea><script>alert(1)</script></textarea>",
    "<title><img src=x onerror=alert(1)></title>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    '<div><p><b><i><a href="javascript:1">deep<div></b></p></i>',
    "<<script>script>alert(1)<</script>/script>",
    '<a href="#" onclick="alert(1)" onmouseover=alert(2) OnFocus=alert(3)>on*</a>',
    '<img src="https://img.example/a.jpg" style="x" class="c" id="i" onload="alert(1)">',
    '<video src="javascript:alert(1)" poster="javascript:alert(2)"></video>',
    '<audio><source src="javascript:alert(1)"></audio>',
    '<img data-src="javascript:alert(1)" src="/placeholder.gif">',
    '<img data-original="data:text/html,x" src="https://img.example/a.jpg">',
    '<a href="java\x00script:alert(1)">nul</a>',
    "<template><script>alert(1)</script></template>",
    "<select><option><script>alert(1)</script></option></select>",
    '<font color="red" face="x" onmouseover="alert(1)">字体</font>',
    "<plaintext><script>alert(1)</script>",
]

FORBIDDEN_ELEMENTS = {
    "script", "style", "object", "embed", "form", "input", "button", "base", "meta",
    "link", "svg", "math", "textarea", "select", "template", "noscript", "title", "xmp",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "poster", "action", "formaction", "data", "srcdoc", "xlink:href"}


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_html_comes_out_harmless(payload: str) -> None:
    out = clean(payload)
    root = fragment(out)
    for element in root.iter():
        tag = str(element.tag).lower()
        assert tag not in FORBIDDEN_ELEMENTS, out
        if tag == "iframe":
            assert element.get("src", "").startswith("https://www.youtube.com/embed/"), out
            assert len(element) == 0 and not (element.text or "").strip(), out
        for name, value in element.attrib.items():
            name = name.lower()
            assert not name.startswith("on"), out
            assert name not in {"style", "class", "id", "srcdoc", "formaction", "action"}, out
            if name in URL_ATTRIBUTES or name.startswith("data-"):
                assert url_scheme(value) not in {"javascript", "vbscript", "data"}, out


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_html_output_is_stable_when_sanitized_again(payload: str) -> None:
    out = clean(payload)
    assert clean(out) == out


def test_script_text_is_dropped_with_the_script() -> None:
    assert clean("<p>正文<script>alert('x')</script></p>") == "<p>正文</p>"


def test_text_that_looks_like_markup_stays_text() -> None:
    out = clean("<p>A &lt;script&gt;alert(1)&lt;/script&gt; 与 1 &lt; 2</p>")
    assert out == "<p>A &lt;script&gt;alert(1)&lt;/script&gt; 与 1 &lt; 2</p>"
    assert fragment(out).find(".//script") is None


def test_attribute_values_never_hold_angle_brackets() -> None:
    out = clean('<img src="https://img.example/a.jpg" alt="</p><script>x</script>">')
    assert out == '<img src="https://img.example/a.jpg" alt="＜/p＞＜script＞x＜/script＞">'


def test_control_characters_are_removed() -> None:
    out = clean("<p>证券\x00时报\x01网\x08\x0b\x1f\x7f</p>")
    assert out == "<p>证券时报网</p>"


def test_lone_surrogates_do_not_break_the_sanitizer() -> None:
    assert clean("<p>坏\ud800字</p>") == "<p>坏字</p>"
