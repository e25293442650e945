"""Chinese articles for the enrich and search tests: one story in three outlets' rewrites, an
unrelated story of the same day, and a builder of cleaned drafts."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsmill.clean import sanitize_html
from newsmill.clean.text import sanitized_html_to_text
from newsmill.models import ArticleDraft

DATA = Path(__file__).resolve().parents[1] / "data"
DAY = datetime(2021, 10, 12, 5, 33, tzinfo=UTC)

# 证券时报网's original, then two other outlets' versions: new headline, trimmed, reworded.
STORY_TITLE = "发布两大基因产业园 上海加码布局生物医药前沿产业"
STORY_TEXT = (
    "10月12日上午，2021上海国际生物医药产业周——首届张江生命科学国际创新峰会上，张江细胞和基因产业园正式发布，"
    "打造具有全球影响力的细胞与基因产业集群。而前一天，上海市生物医药产业发展领导小组办公室已授牌上海闵行建设"
    "“浦江基因未来谷”，两大基因产业园的发布，意味着上海正加大布局生物医药前沿产业。"
    "基因治疗和细胞治疗等高端生物制品，均是今年4月上海在印发的《关于促进本市生物医药产业高质量发展的若干意见》中提到的支持药品之一。"
    "张江细胞和基因产业园以上海国际医学园区为主体承载，重点聚焦细胞和基因治疗、基因测序与分子诊断、细胞与基因治疗CRO/CDMO等，"
    "加速集聚一批细胞、基因领域头部企业、优质创新项目，加速打造细胞、基因孵化中心、公共技术服务平台。"
    "王凯荣接受记者采访时表示，张江细胞和基因产业园力争经过三五年的发展，到2027年，细胞和基因产业产值达到200亿元，"
    "集聚相关企业超过200家，细分领域龙头企业不低于30家，累计上市产品超过10个。"
    "张江细胞和基因产业园规划面积920亩，其中核心区290亩，围绕“张江细胞产业园”与“张江基因岛”，打造具有全球集聚度和显示度的产业新地标。"
)
REWRITE_1_TITLE = "上海再添两大基因产业园，张江细胞和基因产业园正式发布"
REWRITE_1_TEXT = (
    "10月12日上午，在2021上海国际生物医药产业周首届张江生命科学国际创新峰会上，张江细胞和基因产业园正式发布，"
    "打造具有全球影响力的细胞与基因产业集群。而前一天，上海市生物医药产业发展领导小组办公室已授牌上海闵行建设"
    "“浦江基因未来谷”，两大基因产业园的发布，意味着上海正加大布局生物医药前沿产业。"
    "张江细胞和基因产业园以上海国际医学园区为主体承载，重点聚焦细胞和基因治疗、基因测序与分子诊断、细胞与基因治疗CRO/CDMO等，"
    "加速集聚一批细胞、基因领域头部企业、优质创新项目，加速打造细胞、基因孵化中心、公共技术服务平台。"
    "据介绍，张江细胞和基因产业园力争经过三五年的发展，到2027年，细胞和基因产业产值达到200亿元，"
    "集聚相关企业超过200家，细分领域龙头企业不低于30家，累计上市产品超过10个。"
)
REWRITE_2_TITLE = "张江细胞和基因产业园发布 到2027年产值达200亿元"
REWRITE_2_TEXT = (
    "记者从首届张江生命科学国际创新峰会获悉，张江细胞和基因产业园正式发布，"
    "打造具有全球影响力的细胞与基因产业集群。基因治疗和细胞治疗等高端生物制品，均是今年4月上海在印发的"
    "《关于促进本市生物医药产业高质量发展的若干意见》中提到的支持药品之一。"
    "张江细胞和基因产业园以上海国际医学园区为主体承载，重点聚焦细胞和基因治疗、基因测序与分子诊断、细胞与基因治疗CRO/CDMO等，"
    "加速集聚一批细胞、基因领域头部企业、优质创新项目。"
    "王凯荣接受记者采访时表示，张江细胞和基因产业园力争经过三五年的发展，到2027年，细胞和基因产业产值达到200亿元，"
    "集聚相关企业超过200家，细分领域龙头企业不低于30家，累计上市产品超过10个。"
    "张江细胞和基因产业园规划面积920亩，其中核心区290亩。"
)
UNRELATED_TITLE = "央行开展逆回购操作 市场流动性保持合理充裕"
UNRELATED_TEXT = (
    "为维护银行体系流动性合理充裕，10月12日人民银行以利率招标方式开展了100亿元逆回购操作，中标利率2.2%。"
    "市场人士表示，近期政府债券发行缴款和月中缴税等因素对流动性形成一定扰动，央行通过公开市场操作平滑资金面波动，"
    "预计短期内资金利率将围绕政策利率平稳运行。与此同时，新能源汽车产业链持续景气，动力电池企业扩产节奏加快，"
    "光伏组件价格企稳回升，多晶硅料库存下降，北向资金全天净买入超过50亿元，消费和医药板块获加仓。"
)


def seed_html() -> str:
    """The seed article's body as 证券时报网 serves it: seven trsHotWords stock links."""
    return (DATA / "html" / "stcn-gene-parks.html").read_text(encoding="utf-8")


def draft(
    number: int,
    title: str,
    text: str = "",
    *,
    html: str | None = None,
    source: str = "证券时报网 要闻",
    published: datetime | None = None,
    tags: tuple[str, ...] = (),
) -> ArticleDraft:
    """A cleaned article; `html` (raw, like a feed's) is sanitized as the clean stage does."""
    if html is not None:
        content_html = sanitize_html(html, base_url="https://www.stcn.com/article/detail/1.html").html
        text = sanitized_html_to_text(content_html)
    else:
        content_html = "".join(f"<p>{part}</p>" for part in text.split("。") if part)
    return ArticleDraft(
        id=hashlib.sha1(f"{source}{number}".encode()).hexdigest(),
        source=source,
        url=f"https://news.example.com/{number}.html",
        guid=str(number),
        title=title,
        author=source,
        published=published or DAY + timedelta(minutes=number),
        updated=None,
        summary=text[:100],
        content_html=content_html,
        content_text=text,
        thumbnail=None,
        categories=("金融", source.split()[0]),
        tags=tags,
        enclosures=(),
        content_hash=hashlib.sha1((title + text).encode()).hexdigest(),
    )


def edited(original: ArticleDraft, **changes: object) -> ArticleDraft:
    return replace(original, **changes)  # type: ignore[arg-type]
