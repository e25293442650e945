"""The store's contract on a real PostgreSQL: the SQLite store and search tests run again here,
with this module's `store` (a fresh database on the session's throwaway server) and `config`.

Tests that open the SQLite file itself (WAL, a junk file, sqlite3 surgery) have PostgreSQL
counterparts in test_postgres.py instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import test_changes as changes_contract
import test_sql as store_contract
import test_store_search as search_contract

from newsmill.config import Config
from newsmill.store import Store, open_store


@pytest.fixture
def store(postgres_url: str) -> Iterator[Store]:
    opened = open_store(postgres_url)
    yield opened
    opened.close()


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(path=tmp_path / "newsmill.toml")


# --- saving, updating in place, listing, streaming, source states (test_sql.py) -----------------

test_saving_the_same_articles_twice_stores_them_once = (
    store_contract.test_saving_the_same_articles_twice_stores_them_once
)
test_a_changed_article_is_updated_in_place_keeping_first_seen = (
    store_contract.test_a_changed_article_is_updated_in_place_keeping_first_seen
)
test_an_article_without_a_date_keeps_the_time_it_was_first_seen = (
    store_contract.test_an_article_without_a_date_keeps_the_time_it_was_first_seen
)
test_articles_round_trip_every_field = store_contract.test_articles_round_trip_every_field
test_articles_are_listed_newest_first_and_filtered_by_source = (
    store_contract.test_articles_are_listed_newest_first_and_filtered_by_source
)
test_iter_articles_streams_the_whole_archive_newest_first_in_batches = (
    store_contract.test_iter_articles_streams_the_whole_archive_newest_first_in_batches
)
test_source_state_round_trips = store_contract.test_source_state_round_trips
test_a_failed_save_leaves_nothing_half_written = store_contract.test_a_failed_save_leaves_nothing_half_written

# --- search, stocks, stories, enrich, reindex (test_store_search.py) ---------------------------

test_a_word_in_the_middle_of_a_compound_is_found = (
    search_contract.test_a_word_in_the_middle_of_a_compound_is_found
)
test_recall_matches_a_substring_scan = search_contract.test_recall_matches_a_substring_scan
test_articles_reindexed_but_never_enriched_are_still_left_to_enrich = (
    search_contract.test_articles_reindexed_but_never_enriched_are_still_left_to_enrich
)
test_mixed_chinese_and_english_queries = search_contract.test_mixed_chinese_and_english_queries
test_title_matches_rank_first_and_newer_articles_break_ties = (
    search_contract.test_title_matches_rank_first_and_newer_articles_break_ties
)
test_results_have_snippets_with_the_matches_marked = (
    search_contract.test_results_have_snippets_with_the_matches_marked
)
test_search_filters_by_source_category_and_date = (
    search_contract.test_search_filters_by_source_category_and_date
)
test_articles_by_stock_include_plain_text_mentions_from_other_sources = (
    search_contract.test_articles_by_stock_include_plain_text_mentions_from_other_sources
)
test_stories_are_grouped_across_sources_and_fetches = (
    search_contract.test_stories_are_grouped_across_sources_and_fetches
)
test_an_earlier_article_arriving_later_becomes_the_lead = (
    search_contract.test_an_earlier_article_arriving_later_becomes_the_lead
)
test_reindex_rebuilds_the_search_index = search_contract.test_reindex_rebuilds_the_search_index
test_names_from_the_users_csv_are_found_too = search_contract.test_names_from_the_users_csv_are_found_too


# --- the change log site builds read (test_changes.py) -------------------------------------------

test_a_new_store_starts_at_revision_zero = changes_contract.test_a_new_store_starts_at_revision_zero
test_inserts_changes_and_deletes_each_get_a_new_revision = (
    changes_contract.test_inserts_changes_and_deletes_each_get_a_new_revision
)
test_fetching_an_unchanged_article_again_is_no_change = (
    changes_contract.test_fetching_an_unchanged_article_again_is_no_change
)
test_heads_are_the_articles_without_their_bodies_newest_first = (
    changes_contract.test_heads_are_the_articles_without_their_bodies_newest_first
)
test_a_story_as_big_as_a_feed_keeps_lookups_bounded = (
    search_contract.test_a_story_as_big_as_a_feed_keeps_lookups_bounded
)
test_a_rewritten_article_keeps_only_its_new_band_keys = (
    search_contract.test_a_rewritten_article_keeps_only_its_new_band_keys
)
