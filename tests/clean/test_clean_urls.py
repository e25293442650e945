"""`canonical_url`: absolute, unwrapped, without tracking parameters; None when not http(s)."""

from __future__ import annotations

import pytest

from newsmill.clean import canonical_url, is_tracker_image

BASE = "https://www.stcn.com/xw/sd/202110/t20211012_3798146.html"


@pytest.mark.parametrize(
    ("wrapped", "target"),
    [
        (
            "https://www.oschina.net/action/GoToLink?url=https%3A%2F%2Fgithub.com%2Fa%2Fb",
            "https://github.com/a/b",
        ),
        ("https://link.zhihu.com/?target=https%3A//arxiv.org/abs/1706.03762", "https://arxiv.org/abs/1706.03762"),
        ("https://www.jianshu.com/go-wild?ac=2&url=https%3A%2F%2Fpypi.org%2F", "https://pypi.org/"),
        ("https://links.jianshu.com/go?to=https%3A%2F%2Fpypi.org%2Fproject%2Fnh3", "https://pypi.org/project/nh3"),
        ("https://weibo.cn/sinaurl?u=https%3A%2F%2Fwww.stcn.com%2F", "https://www.stcn.com/"),
        ("https://www.google.com/url?sa=t&q=https://www.cs.com.cn/&ved=2", "https://www.cs.com.cn/"),
        ("https://link.juejin.cn/?target=https%3A%2F%2Fvuejs.org%2F", "https://vuejs.org/"),
        ("https://t.umblr.com/redirect?z=https%3A%2F%2Fexample.com%2Fa&t=x", "https://example.com/a"),
    ],
)  # fmt: skip
def test_redirect_wrappers_are_unwrapped(wrapped: str, target: str) -> None:
    assert canonical_url(wrapped) == target


def test_the_unwrapped_target_is_canonical_too() -> None:
    wrapped = "https://link.zhihu.com/?target=https%3A%2F%2FExample.com%2Fa%3Futm_source%3Dzhihu"
    assert canonical_url(wrapped) == "https://example.com/a"


def test_a_wrapper_without_a_usable_target_stays() -> None:
    assert canonical_url("https://link.zhihu.com/?target=javascript:alert(1)") == (
        "https://link.zhihu.com/?target=javascript:alert(1)"
    )
    assert canonical_url("https://www.oschina.net/news/1") == "https://www.oschina.net/news/1"


def test_a_url_parameter_on_an_unknown_host_is_not_a_wrapper() -> None:
    url = "https://search.example/find?url=https%3A%2F%2Fother.example%2F"
    assert canonical_url(url) == url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.example/p?utm_source=rss&utm_medium=feed", "https://a.example/p"),
        ("https://a.example/p?id=7&utm_campaign=x&b=%E4%B8%AD", "https://a.example/p?id=7&b=%E4%B8%AD"),
        ("https://a.example/p?UTM_Source=x&q=1", "https://a.example/p?q=1"),
        ("https://a.example/p?spm=a2c4g.1&fbclid=x&gclid=y&yclid=z&q=2", "https://a.example/p?q=2"),
        ("https://a.example/p?mc_cid=1&mc_eid=2&msclkid=3", "https://a.example/p"),
        ("https://a.example/p?from=timeline&scene=1", "https://a.example/p?from=timeline&scene=1"),
        (
            "https://mp.weixin.qq.com/s?__biz=MzA&mid=1&idx=1&sn=ab&chksm=cd&scene=21"
            "&from=timeline#wechat_redirect",
            "https://mp.weixin.qq.com/s?__biz=MzA&mid=1&idx=1&sn=ab",
        ),
        ("https://www.bilibili.com/video/BV1xx?spm_id_from=333&vd_source=abc&p=2", "https://www.bilibili.com/video/BV1xx?p=2"),
    ],
)  # fmt: skip
def test_tracking_parameters_are_stripped(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://WWW.STCN.COM/A/B.html", "https://www.stcn.com/A/B.html"),
        ("http://www.stcn.com:80/a", "http://www.stcn.com/a"),
        ("https://www.stcn.com:443/a", "https://www.stcn.com/a"),
        ("http://www.stcn.com:8080/a", "http://www.stcn.com:8080/a"),
        ("https://www.stcn.com", "https://www.stcn.com/"),
        ("https://user:pw@www.stcn.com/a", "https://www.stcn.com/a"),
        ("  https://www.stcn.com/a b\n", "https://www.stcn.com/a%20b"),
        ("https://www.stcn.com/新闻/要闻?q=基因", "https://www.stcn.com/%E6%96%B0%E9%97%BB/%E8%A6%81%E9%97%BB?q=%E5%9F%BA%E5%9B%A0"),
        ('https://www.stcn.com/a"b<c>', "https://www.stcn.com/a%22b%3Cc%3E"),
        ("https://www.stcn.com/a#section-2", "https://www.stcn.com/a#section-2"),
        ("https://www.stcn.com/a#", "https://www.stcn.com/a"),
        ("https://www.stcn.com/a?", "https://www.stcn.com/a"),
    ],
)  # fmt: skip
def test_urls_are_normalized(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("/a/b.html", "https://www.stcn.com/a/b.html"),
        ("c.html", "https://www.stcn.com/xw/sd/202110/c.html"),
        ("../c.html?utm_source=x", "https://www.stcn.com/xw/sd/c.html"),
        ("//img.stcn.com/a.jpg", "https://img.stcn.com/a.jpg"),
        ("?page=2", "https://www.stcn.com/xw/sd/202110/t20211012_3798146.html?page=2"),
    ],
)
def test_relative_urls_resolve_against_the_base(relative: str, expected: str) -> None:
    assert canonical_url(relative, base_url=BASE) == expected


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "mailto:a@b.example",
        "ftp://files.example/a",
        "file:///etc/passwd",
        "http://",
        "https:///path-only",
        "http://[::1",
        "",
        "   ",
    ],
)
def test_urls_without_an_http_form_are_none(url: str) -> None:
    assert canonical_url(url, base_url=BASE) is None


def test_relative_urls_without_a_base_are_none() -> None:
    assert canonical_url("/a/b.html") is None
    assert canonical_url("/a/b.html", base_url="file:///tmp/feed.xml") is None


@pytest.mark.parametrize(
    "url",
    [
        "https://www.stcn.com/a?x=1&&y=2&",
        "HTTP://Example.COM:80/新闻?utm_source=a#rd",
        "https://link.zhihu.com/?target=https%3A%2F%2Flink.zhihu.com%2F%3Ftarget%3Dhttps%253A%252F%252Fa.example%252F",
        "https://a.example/%zz/%E4%B8%AD?q=%",
    ],
)
def test_canonical_urls_are_fixed_points(url: str) -> None:
    once = canonical_url(url)
    assert once is not None
    assert canonical_url(once) == once


def test_tracker_images_are_recognized() -> None:
    assert is_tracker_image("http://feeds.feedburner.com/~r/stcn/~4/x")
    assert is_tracker_image("https://pixel.wp.com/g.gif?v=1")
    assert is_tracker_image("https://a.example/track/pixel.gif")
    assert not is_tracker_image("https://img.stcn.com/pixel-art/cover.jpg")
    assert not is_tracker_image("https://img.stcn.com/2021/10/a.jpg")


@pytest.mark.parametrize(
    ("url", "base"),
    [
        ("https://example.com/news?id=1&utm_source=rss&utm_medium=feed", None),
        ("https://example.com/news?utm_source=rss#top", None),
        ("https://example.com/a?spm=1&&id=2&fbclid=x#rd", None),
        ("/a?utm_source=x&id=3", "https://www.stcn.com/news/"),
        ("https://example.com/a?utm_source=x&q=a%20b+c", None),
        ("https://EXAMPLE.com/a?utm_source=x", None),
        ("https://mp.weixin.qq.com/s?__biz=1&scene=2&utm_source=x", None),
    ],
)
def test_the_fast_path_for_tracking_parameters_gives_what_the_careful_path_gives(
    url: str, base: str | None
) -> None:
    from newsmill.clean import urls

    assert canonical_url(url, base_url=base) == urls._canonical(url, base, urls._MAX_UNWRAP)


def test_a_tracking_parameter_with_an_escaped_name_is_stripped_too() -> None:
    assert canonical_url("https://a.com/x?utm%5Fsource=rss&id=2") == "https://a.com/x?id=2"
    assert canonical_url("/x?id=2&utm%5fmedium=feed", base_url="https://a.com/") == "https://a.com/x?id=2"
    assert canonical_url("https://a.com/x?q=%E5%9F%BA%E5%9B%A0") == "https://a.com/x?q=%E5%9F%BA%E5%9B%A0"
