"""Helpers the reliability tests share: sample feeds and a guarded newsmill.toml."""

from __future__ import annotations

from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "feeds"
STCN = (EXAMPLES / "stcn-yw.xml").read_bytes()


def config_text(sources: dict[str, str], *, timeout: float = 1.0, extra: str = "") -> str:
    """A newsmill.toml with a SQLite store beside it and the SSRF guard on."""
    lines = [
        "[store]",
        'url = "sqlite:///news.db"',
        "[fetch]",
        "allow_private = false",
        "retries = 0",
        f"timeout = {timeout}",
        f"connect_timeout = {timeout}",
        "max_bytes = 1_000_000",
        extra,
    ]
    for name, url in sources.items():
        lines += ["[[sources]]", f'name = "{name}"', f'url = "{url}"', 'categories = ["测试", "可靠性"]']
    return "\n".join(lines) + "\n"
