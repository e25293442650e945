"""`[enrich]` and the per-source tag keys: typed, validated, overridable from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsmill.config import parse_config
from newsmill.errors import ConfigError

PATH = Path("/srv/news/newsmill.toml")


def test_enrich_settings_and_per_source_tag_rules_load() -> None:
    config = parse_config(
        '[enrich]\nkeywords = 5\nstocks_csv = "stocks.csv"\ntag_aliases = { "新冠肺炎" = "新冠" }\n'
        'tag_block = ["要闻"]\n[[sources]]\nname = "证券时报网 要闻"\nurl = "https://www.stcn.com/rss"\n'
        'tag_aliases = { "A股" = "A股市场" }\ntag_block = ["快讯"]\n',
        PATH,
        environ={},
    )
    assert config.enrich.keywords == 5
    assert config.enrich.stocks_csv == Path("stocks.csv")
    assert config.enrich.tag_aliases == {"新冠肺炎": "新冠"}
    assert config.enrich.tag_block == ("要闻",)
    assert config.sources[0].tag_aliases == (("A股", "A股市场"),)
    assert config.sources[0].tag_block == ("快讯",)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("[enrich]\nkeywords = 99\n", 2, "between 0 and 50"),
        ('[enrich]\ntag_block = "要闻"\n', 2, "list of strings"),
        ("[enrich]\ntag_aliases = [1]\n", 2, "table of names"),
        ('[[sources]]\nname = "x"\nurl = "https://x.example/"\ntag_block = [1]\n', 4, "list of strings"),
    ],
)
def test_bad_enrich_values_name_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(text, PATH, environ={})
    assert f"newsmill.toml:{line}" in str(raised.value) and words in str(raised.value)


def test_environment_variables_give_lists_and_tables_as_text() -> None:
    environ = {
        "NEWSMILL_ENRICH_TAG_BLOCK": "要闻,快讯",
        "NEWSMILL_ENRICH_TAG_ALIASES": "新冠肺炎=新冠,AI=人工智能",
    }
    config = parse_config("", PATH, environ=environ)
    assert config.enrich.tag_block == ("要闻", "快讯")
    assert config.enrich.tag_aliases == {"新冠肺炎": "新冠", "AI": "人工智能"}
