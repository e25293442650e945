"""Text analysis: what an article's own text makes, the same wherever it is made."""

from __future__ import annotations

import pickle
from dataclasses import replace

import pytest

from newsmill.enrich import analyse_drafts, enrich_drafts, new_stock_names
from newsmill.enrich.analysis import analyse_text
from newsmill.enrich.keywords import extract_keywords
from newsmill.enrich.segment import index_text, segmenter
from newsmill.enrich.stories import band_keys, minhash, shingles
from newsmill.models import StockMention
from support.enrich_corpus import DAY, STORY_TEXT, STORY_TITLE, draft, seed_html
from support.stories import grouping_context, one_story


def test_each_field_is_segmented_once_and_its_words_serve_every_use() -> None:
    words = segmenter().words
    title, body = words(STORY_TITLE), words(STORY_TEXT)
    analysis = analyse_text(STORY_TITLE, STORY_TEXT, "")
    assert analysis.words() == (title, body)
    assert analysis.keywords == extract_keywords(title, body)
    assert (analysis.index_title, analysis.index_body) == (
        index_text(STORY_TITLE),
        index_text(STORY_TEXT),
    )
    assert analysis.minhash == minhash(shingles(body)) and analysis.bands == band_keys(analysis.minhash)


def test_an_analysis_survives_pickling_for_the_trip_from_a_worker() -> None:
    analysis = analyse_drafts([draft(1, STORY_TITLE, html=seed_html())])[0]
    assert len(analysis.linked) == 7
    assert pickle.loads(pickle.dumps(analysis)) == analysis


def test_a_nul_in_the_text_does_not_split_a_word() -> None:
    analysis = analyse_text("之江生物", "之江\x00生物发布三季报", "")
    title, body = analysis.words()
    assert "".join(body) == "之江 生物发布三季报" and len(title) == len(segmenter().words("之江生物"))


def test_enriching_with_analyses_made_elsewhere_gives_the_same_enrichments() -> None:
    story = one_story()
    seed = draft(5, "之江生物等企业集聚浦江基因未来谷", html=seed_html())
    mentions = draft(6, "之江生物三季报", "之江生物发布三季报，核酸检测业务保持增长。", source="财联社 电报")
    batch = [story.original, seed, mentions, story.rewrite_1, story.unrelated]
    here = enrich_drafts(batch, grouping_context(), DAY)
    elsewhere = enrich_drafts(batch, grouping_context(), DAY, analyse_drafts(batch))
    assert elsewhere == here
    assert StockMention("688317.SH", "之江生物") in here[2].stocks  # a name learned earlier in the batch


def test_analyses_must_match_the_articles_one_to_one() -> None:
    story = one_story()
    with pytest.raises(ValueError, match="1 analyses for 2 articles"):
        enrich_drafts(
            [story.original, story.rewrite_1], grouping_context(), DAY, analyse_drafts([story.original])
        )


def test_plain_text_names_are_found_in_title_and_body_but_not_across_them() -> None:
    names = new_stock_names({"之江生物": "688317.SH", "国际医学": "000516.SZ"})
    context = replace(grouping_context(), names=names)
    # 之江 | 生物: the title's last word, then the body's first
    across = draft(1, "上海之江", "生物公司发布三季报。")
    both = draft(2, "之江生物三季报", "上海国际医学园区开园。")
    first, second = enrich_drafts([across, both], context, DAY)
    assert first.stocks == ()
    assert [m.code for m in second.stocks] == ["688317.SH", "000516.SZ"]
