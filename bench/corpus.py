"""Generated Chinese news feeds for the benchmarks: realistic size and markup, reproducible."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

SENTENCES = [
    "上海加码布局生物医药前沿产业，发布两大基因产业园。",
    "细胞和基因治疗等高端生物制品是今年4月上海发布的支持政策之一。",
    "国际医学、上海临港、之江生物等企业集聚张江细胞和基因产业园。",
    "新能源汽车产业链持续景气，动力电池企业扩产节奏加快。",
    "央行开展逆回购操作，市场流动性保持合理充裕。",
    "证券时报记者从多家券商获悉，科创板做市商制度准备工作有序推进。",
    "光伏组件价格企稳回升，多晶硅料库存下降。",
    "半导体设备国产化率进一步提升，晶圆厂资本开支维持高位。",
    "北向资金全天净买入超过50亿元，消费和医药板块获加仓。",
    "开源中国社区发布年度报告，Rust 和 Go 语言的使用者继续增长。",
    "人工智能大模型在金融、医疗等行业加速落地。",
    "多地出台措施支持民营经济发展，优化营商环境。",
]
STOCKS = [
    ("SZ000516", "国际医学"),
    ("SS600848", "上海临港"),
    ("SS688317", "之江生物"),
    ("SZ300685", "艾德生物"),
]


# Two-character pieces of the sentences: random runs of them make each article's text its own,
# as real news is. Without them every article is a reshuffle of the twelve sentences, and story
# grouping rightly calls the whole corpus one story (which a fetch bench should not measure).
WORDS = sorted({s[i : i + 2] for s in SENTENCES for i in range(0, len(s) - 1, 2) if s[i : i + 2].isalnum()})


def article_html(rng: random.Random, size: int = 3000, *, varied: bool = False) -> str:
    parts: list[str] = []
    length = 0
    while length < size:
        if varied:
            sentences = "".join(_varied(rng) for _ in range(rng.randint(2, 5)))
        else:
            sentences = "".join(rng.choice(SENTENCES) for _ in range(rng.randint(2, 5)))
        if rng.random() < 0.3:
            code, name = rng.choice(STOCKS)
            link = (
                f'<a class="trsHotWords" style="color: #2f67d1;text-decoration: none;" target="_blank" '
                f'href="http://info.stcn.com/dc/stock/?stockcode={code}" code="{code[2:]}">{name}</a>'
            )
            sentences = sentences[:20] + link + sentences[20:]
        if rng.random() < 0.15:
            sentences += f'<img src="/images/{rng.randint(1, 9999)}.jpg" style="width:100%">'
        if rng.random() < 0.1:
            sentences += '<a href="https://example.com/news?id=1&utm_source=rss&utm_medium=feed">原文</a>'
        paragraph = f'<p style="text-indent:2em">{sentences}</p>'
        parts.append(paragraph)
        length += len(paragraph.encode())
    return "".join(parts)


def _varied(rng: random.Random) -> str:
    return "".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20))) + "。"


def rss_feed(
    feed_number: int, items: int = 50, *, seed: int = 0, content_size: int = 3000, varied: bool = False
) -> bytes:
    """An RSS 2.0 feed of `items` Chinese articles of about `content_size` bytes each; `varied`:
    each article's text its own (see WORDS), not a reshuffle of the same sentences."""
    rng = random.Random(seed * 1_000_003 + feed_number)
    start = datetime(2021, 10, 12, 13, 33, tzinfo=UTC)
    entries = []
    for number in range(items):
        when = format_datetime(start - timedelta(minutes=17 * number + feed_number), usegmt=True)
        headline = _varied(rng)[:-1] if varied else rng.choice(SENTENCES)[:24]
        title = escape(headline + f" {feed_number}-{number}")
        entries.append(
            f"<item><title>{title}</title>"
            f"<link>https://www.stcn.com/article/detail/{feed_number}{number:04d}.html</link>"
            f"<guid>{feed_number}-{number}</guid><pubDate>{when}</pubDate>"
            f"<description><![CDATA[{article_html(rng, content_size, varied=varied)}]]></description>"
            f"<category>要闻</category></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>证券时报网 要闻 {feed_number}</title><link>https://www.stcn.com/</link>"
        f"<description>证券时报网</description>{''.join(entries)}</channel></rss>"
    ).encode()
