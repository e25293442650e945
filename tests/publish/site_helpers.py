"""Helpers of the static-site tests: the bundled examples built into a site, generated articles."""

from __future__ import annotations

import hashlib
import random
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsmill.config import Config, load_config
from newsmill.core import Mill
from newsmill.models import Article, StockMention

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


@dataclass
class ExampleSite:
    config: Config
    articles: list[Article]  # newest first, as the store streams them

    @property
    def site(self) -> Path:
        return self.config.root / "site"


def example_site(folder: Path) -> ExampleSite:
    """The bundled examples fetched (offline) into a store in `folder`."""
    shutil.copytree(EXAMPLES, folder, dirs_exist_ok=True)
    with Mill.open(folder / "newsmill.toml") as mill:
        mill.fetch()
        articles = list(mill.store.iter_articles())
        return ExampleSite(mill.config, articles)


def enriched(articles: list[Article]) -> list[Article]:
    """The examples as the enrich stage will leave them: the seed's stocks, tags and a story."""
    out = []
    for article in articles:
        if "基因" in article.title:
            article = replace(
                article,
                stocks=(StockMention("000516.SZ", "国际医学"), StockMention("688317.SH", "之江生物")),
                tags=(*article.tags, "生物医药"),
                keywords=("基因", "产业园"),
            )
        out.append(article)
    return out


class ListSource:
    """An article source held in a list (the store streams the same way: newest first)."""

    def __init__(self, articles: Iterable[Article]) -> None:
        self.items = sorted(articles, key=lambda a: (-a.published.timestamp(), a.id))

    def iter_articles(self) -> Iterator[Article]:
        yield from self.items


PHRASES = [
    "上海加码布局生物医药前沿产业，发布两大基因产业园。", "新能源汽车产业链持续景气，动力电池企业扩产节奏加快。",
    "之江生物董事长接受记者采访。", "央行开展逆回购操作，市场流动性保持合理充裕。", "光伏组件价格企稳回升。",
    "半导体设备国产化率进一步提升。", "北向资金全天净买入超过50亿元。", "人工智能大模型在金融行业加速落地。",
    "开源中国社区发布年度报告，Rust 和 Go 语言的使用者继续增长。", "证券时报记者从多家券商获悉。",
    "多地出台措施支持民营经济发展。", "火星殖民计划的工程难题。",
]  # fmt: skip
CATEGORIES = [
    ("金融", "证券时报网", "要闻"),
    ("金融", "证券时报网", "快讯"),
    ("科技", "开源中国", "资讯"),
    ("科技", "少数派"),
]


def generated_articles(count: int, *, seed: int = 1, start: int = 0, chars: int = 600) -> list[Article]:
    """`count` Chinese articles, a few minutes apart, with categories, tags and stocks."""
    rng = random.Random(seed * 7919 + start)
    base = datetime(2021, 10, 12, 5, 33, tzinfo=UTC)
    made = []
    for number in range(start, start + count):
        text = ""
        while len(text) < chars:
            text += rng.choice(PHRASES)
        title = rng.choice(PHRASES)[:14] + f" 第{number}号"
        categories = CATEGORIES[number % len(CATEGORIES)]
        when = base + timedelta(minutes=7 * number)
        made.append(
            article(
                f"gen-{number}", title, text, when, categories, tags=(rng.choice(["基金", "债券", "芯片"]),)
            )
        )
    return made


def article(
    key: str, title: str, text: str, when: datetime, categories: tuple[str, ...], *,
    tags: tuple[str, ...] = (), stocks: tuple[StockMention, ...] = (),
) -> Article:  # fmt: skip
    ident = hashlib.sha1(key.encode()).hexdigest()
    source = categories[1] if len(categories) > 1 else categories[0]
    html = "".join(f"<p>{part}</p>" for part in text.split("。") if part)
    return Article(
        id=ident, source=source, url=f"https://example.com/{key}", guid=key, title=title, author=source,
        published=when, updated=None, summary=text[:60], content_html=html + '<p><img src="https://img.example.com/a.jpg"></p>',
        content_text=text, thumbnail=None, categories=categories, tags=tags, enclosures=(),
        content_hash=hashlib.sha1(text.encode()).hexdigest(), first_seen=when, last_seen=when, stocks=stocks,
    )  # fmt: skip


def site_config(folder: Path, **site: str) -> Config:
    """A config in `folder` whose site goes to `folder/site`."""
    values = {"title": "测试站", "base_url": "https://news.example.com/", **site}
    lines = "".join(f'{key} = "{value}"\n' for key, value in values.items())
    (folder / "newsmill.toml").write_text(f"[site]\n{lines}", encoding="utf-8")
    return load_config(folder / "newsmill.toml")


def tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` → the sha1 of its bytes."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha1(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def small_search_segments(monkeypatch: pytest.MonkeyPatch, full: int, middle: int, tail: int) -> None:
    """Search segments of a few articles at each level, so a small archive has several."""
    from newsmill.publish.site import search

    monkeypatch.setattr(search, "SEGMENT_DOCS", full)
    monkeypatch.setattr(search, "MIDDLE_DOCS", middle)
    monkeypatch.setattr(search, "TAIL_DOCS", tail)
