"""Segmentation for search: index text holds words and bigrams; queries AND bigram phrases."""

from __future__ import annotations

from newsmill.enrich.segment import bigrams, compile_query, index_text, segmenter


def test_index_text_holds_every_bigram_of_chinese_runs_and_each_run_s_last_character() -> None:
    indexed = index_text("张江细胞和基因产业园，A股").split()
    assert indexed == [
        "A", "张江", "江细", "细胞", "胞和", "和基", "基因", "因产", "产业", "业园", "园", "股",
    ]  # fmt: skip
    assert "产业园" not in indexed  # no query asks for a word of three characters: it asks for its bigrams


def test_the_index_text_depends_on_the_text_alone_not_on_the_segmenter() -> None:
    text = "研究生命科学的之江生物发布三季报"
    words = segmenter().words(text)
    assert "生命" not in words and "生命" in index_text(text).split()  # inside the word 生命科学


def test_a_single_character_query_finds_the_character_anywhere_in_a_run() -> None:
    """A one-character query is a prefix: it meets the character at the start of a bigram, or
    as the run's last character (where no bigram starts with it)."""
    query = compile_query("园").match
    assert query == '"园"*'
    indexed = index_text("产业园，公园里").split()
    assert [token for token in indexed if token.startswith("园")] == ["园", "园里"]


def test_a_phrase_never_matches_across_punctuation() -> None:
    indexed = index_text("基因，因产").split()
    assert " ".join(indexed) == "基因 因 因产 产"  # 基因 and 因产 are not neighbours: no 基因产


def test_words_of_other_scripts_and_numbers_are_indexed_whole() -> None:
    assert index_text("iPhone15 发布会，Go 1.22").split() == [
        "iPhone15",
        "Go",
        "1",
        "22",
        "发布",
        "布会",
        "会",
    ]


def test_both_a_long_word_and_its_parts_are_searchable() -> None:
    indexed = index_text("证券时报记者").split()
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
