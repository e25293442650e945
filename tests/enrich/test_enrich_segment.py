"""Segmentation for search: index text holds words and bigrams; queries AND bigram phrases."""

from __future__ import annotations

from newsmill.enrich.segment import bigrams, compile_query, index_text, segmenter


def test_index_text_holds_the_words_and_every_bigram_of_chinese_runs() -> None:
    text = "张江细胞和基因产业园"
    indexed = index_text(text, segmenter().words(text)).split()
    assert "产业园" in indexed  # the segmenter's word
    assert "基因" in indexed and "因产" in indexed  # bigrams, even across word boundaries


def test_both_a_long_word_and_its_parts_are_searchable() -> None:
    indexed = index_text("证券时报记者", segmenter().words("证券时报记者")).split()
    assert compile_query("证券时报").match == '"证券 券时 时报"'
    assert {"证券", "券时", "时报"} <= set(indexed)  # so both 证券时报 and 证券 match


def test_a_query_is_segmented_and_its_words_are_anded() -> None:
    query = compile_query("上海基因")
    assert query.match == '"上海" AND "基因"'
    assert query.terms == ("上海", "基因")


def test_mixed_chinese_and_english_queries_match_english_as_a_prefix() -> None:
    query = compile_query("iPhone15 发布会")
    assert query.match == '"iphone15"* AND "发布 布会"'
    assert compile_query("Rust 语言").match == '"rust"* AND "语言"'


def test_single_characters_stick_to_their_neighbour_so_every_piece_is_a_substring() -> None:
    assert compile_query("基因岛").match == '"基因 因岛"'
    assert compile_query("细胞和基因").match == '"细胞 胞和" AND "基因"'
    assert compile_query("基").match == '"基"*'
    assert compile_query("  ，。 ").match == ""


def test_bigrams_of_a_one_character_run_is_the_character() -> None:
    assert bigrams("A股，B股") == ["股", "股"]
    assert bigrams("基因abc产业园") == ["基因", "产业", "业园"]
