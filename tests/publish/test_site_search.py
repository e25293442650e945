"""Site search: Chinese words found in the right articles, AND across words, recall of a substring scan."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from site_helpers import (
    ExampleSite,
    ListSource,
    example_site,
    generated_articles,
    site_config,
    small_search_segments,
    tree,
)

from newsmill.models import Article
from newsmill.publish.site import build_site, query_index
from newsmill.publish.site.search import normalize

HERE = Path(__file__).resolve().parent
SRC = HERE.parents[1] / "src"


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> ExampleSite:
    example = example_site(tmp_path_factory.mktemp("search"))
    build_site(ListSource(example.articles), example.config)
    return example


def scan(articles: list[Article], query: str) -> set[str]:
    """What a substring scan finds: every word of the query in the title or the text."""
    words = normalize(query).split()
    found = set()
    for article in articles:
        text = normalize(article.title + "\n" + (article.content_text or article.summary))
        if all(word in text for word in words):
            found.add(article.id[:10])
    return found


def ids(paths: list[str]) -> set[str]:
    return {path.rstrip("/").rsplit("/", 1)[-1] for path in paths}


def test_a_chinese_word_finds_the_seed_article(example: ExampleSite) -> None:
    seed = next(a for a in example.articles if "基因" in a.title)
    for query in ["基因", "生物医药", "之江生物", "张江细胞和基因产业园"]:
        found = query_index(example.site, query)
        assert found and seed.id[:10] in ids(found), query
        assert found[0].startswith("2021/10/12/")


def test_every_word_must_match(example: ExampleSite) -> None:
    assert query_index(example.site, "证券 火星殖民") == []
    both = ids(query_index(example.site, "基因 王凯荣"))
    assert both == scan(example.articles, "基因 王凯荣") and both


def test_case_and_full_width_letters_do_not_matter(example: ExampleSite) -> None:
    assert (
        ids(query_index(example.site, "ＲＵＳＴ"))
        == ids(query_index(example.site, "rust"))
        == scan(example.articles, "Rust")
    )
    assert scan(example.articles, "Rust")


def test_results_are_newest_first(example: ExampleSite) -> None:
    found = query_index(example.site, "开源")
    order = [a.id[:10] for a in example.articles]
    assert [order.index(i) for i in (p.rstrip("/").rsplit("/", 1)[-1] for p in found)] == sorted(
        order.index(i) for i in ids(found)
    )


def sample_queries(articles: list[Article], count: int, seed: int = 3) -> list[str]:
    """Random substrings (2 to 6 characters) of the articles, and pairs of them."""
    rng = random.Random(seed)
    queries = []
    for _ in range(count):
        text = normalize(rng.choice(articles).content_text).replace(" ", "")
        if len(text) < 8:
            continue
        length = rng.randint(2, 6)
        start = rng.randrange(len(text) - length)
        queries.append(text[start : start + length])
    return queries + [f"{a} {b}" for a, b in zip(queries[::2], queries[1::2], strict=False)]


def test_recall_equals_a_substring_scan_on_the_examples(example: ExampleSite) -> None:
    for query in sample_queries(example.articles, 120):
        if any(word.isspace() or len(word) < 2 for word in query.split()):
            continue
        expected = scan(example.articles, query)
        assert expected <= ids(query_index(example.site, query)), query


def test_recall_equals_a_substring_scan_across_several_segments(tmp_path: Path, monkeypatch) -> None:
    from newsmill.publish.site import search

    monkeypatch.setattr(search, "SEGMENT_DOCS", 64)
    articles = generated_articles(300, chars=300)
    build_site(ListSource(articles), site_config(tmp_path))
    assert len(list((tmp_path / "site" / "search").glob("s*"))) == 5
    for query in [
        "新能源汽车",
        "之江生物",
        "证券 第12号",
        "生物医药",
        "火星殖民 光伏",
        *sample_queries(articles, 40),
    ]:
        if any(len(word) < 2 for word in query.split()):
            continue
        expected = scan(articles, query)
        found = ids(query_index(tmp_path / "site", query))
        assert expected <= found, query  # (a text made of 12 phrases gives bigrams many false positives)


def test_new_articles_rebuild_only_the_last_small_tail_segment(tmp_path: Path, monkeypatch) -> None:

    small_search_segments(monkeypatch, full=64, middle=512, tail=16)  # (no middle level)
    config = site_config(tmp_path)
    old = generated_articles(300, chars=300)
    build_site(ListSource(old), config)
    # 4 full segments of 64, then the newest 44 in tail segments of 16, 16 and 12
    assert len(list((tmp_path / "site" / "search").glob("s*"))) == 7

    new = generated_articles(3, chars=300, start=300)
    report = build_site(ListSource(old + new), config)
    assert report.search_segments == 1  # the last tail segment (12 + 3 = 15 articles)
    for article in new:
        assert article.id[:10] in ids(query_index(tmp_path / "site", article.title.split(" ")[-1]))

    more = generated_articles(20, chars=300, start=303)
    build_site(ListSource(old + new + more), config)  # 323: 5 full segments, a tail of 3
    assert len(list((tmp_path / "site" / "search").glob("s*"))) == 6
    query = more[-1].title.split(" ")[-1]
    assert more[-1].id[:10] in ids(query_index(tmp_path / "site", query))


def test_a_tail_segment_has_few_posting_files_and_a_full_one_many(tmp_path: Path, monkeypatch) -> None:
    """An incremental build rewrites the last tail segment: it is kept to a few small files."""
    from newsmill.publish.site import search

    small_search_segments(monkeypatch, full=64, middle=512, tail=16)  # (no middle level)
    articles = generated_articles(80, chars=300)
    build_site(ListSource(articles), site_config(tmp_path))
    folder = tmp_path / "site" / "search"
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    assert [(s["docs"], s["shards"]) for s in meta["segments"]] == [
        (64, search.SHARDS),
        (16, search.TAIL_SHARDS),
    ]
    postings = [sorted(p.name for p in (folder / f"s{n}").glob("[0-9]*.json")) for n in (0, 1)]
    assert [len(names) for names in postings] == [search.SHARDS, search.TAIL_SHARDS]
    word = articles[-1].title.split(" ")[-1]  # the oldest article (full segment) and the newest
    assert articles[-1].id[:10] in ids(query_index(tmp_path / "site", word))
    assert articles[0].id[:10] in ids(query_index(tmp_path / "site", articles[0].title.split(" ")[-1]))


def test_segments_form_three_levels_and_new_articles_rebuild_a_small_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsmill.publish.site import search

    small_search_segments(monkeypatch, full=64, middle=16, tail=4)
    config = site_config(tmp_path)
    articles = generated_articles(150, chars=300)
    build_site(ListSource(articles), config)

    def sizes() -> list[tuple[int, int]]:
        meta = json.loads((tmp_path / "site" / "search" / "meta.json").read_text(encoding="utf-8"))
        return [(s["docs"], s["shards"]) for s in meta["segments"]]

    full, middle, tail = (64, search.SHARDS), (16, search.MIDDLE_SHARDS), (4, search.TAIL_SHARDS)
    assert sizes() == [full, full, middle, tail, (2, search.TAIL_SHARDS)]  # 128 + 16 + 4 + 2

    articles += generated_articles(1, chars=300, start=150)
    assert build_site(ListSource(articles), config).search_segments == 1  # the last tail: 3 of 4
    articles += generated_articles(9, chars=300, start=151)
    report = build_site(ListSource(articles), config)  # 160: 128 + 16 + 16, the tails now a middle
    assert sizes() == [full, full, middle, middle]
    assert report.search_segments == 1
    for article in (articles[0], articles[150], articles[-1]):  # the oldest, a former tail, the newest
        word = article.title.split(" ")[-1]
        assert article.id[:10] in ids(query_index(tmp_path / "site", word))


def test_an_unguarded_script_can_build_with_the_search_worker(tmp_path: Path) -> None:
    """The worker is a fresh `newsmill.workers` interpreter: a multiprocessing pool would re-run
    this script (it has no `if __name__ == "__main__"` guard) in its worker and fail."""
    script = tmp_path / "build_it.py"
    script.write_text(
        textwrap.dedent(f"""
            import sys
            sys.path[:0] = [{str(HERE)!r}, {str(SRC)!r}]
            from site_helpers import ListSource, generated_articles, site_config
            from newsmill.publish.site import build, build_site
            from pathlib import Path
            build._Indexer.PARALLEL_FROM = 10
            build_site(ListSource(generated_articles(40)), site_config(Path({str(tmp_path)!r})))
            print("built")
        """),
        encoding="utf-8",
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("built") == 1
    direct = tmp_path / "direct"
    direct.mkdir()
    build_site(ListSource(generated_articles(40)), site_config(direct))
    assert tree(tmp_path / "site" / "search") == tree(direct / "site" / "search")
