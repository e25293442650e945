"""Bad input to the command line and the config: one line naming the problem, the right exit
status (2 for usage and config, 1 for a failed run), no traceback unless --debug, and the
store exactly as it was."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsmill.cli import main
from newsmill.errors import ConfigError
from support.reliability import STCN

SRC = Path(__file__).resolve().parents[2] / "src"
GOOD_SOURCE = '[[sources]]\nname = "要闻"\nurl = "feeds/stcn.xml"\ncategories = ["金融"]\n'


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A working newsmill folder whose store already holds one fetch."""
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "stcn.xml").write_bytes(STCN)
    (tmp_path / "newsmill.toml").write_text(GOOD_SOURCE, encoding="utf-8")
    assert main(["fetch", "--config", str(tmp_path / "newsmill.toml")]) == 0
    return tmp_path


def store_digest(folder: Path) -> str:
    """The store's bytes (WAL and all), so 'untouched' means untouched."""
    digest = hashlib.sha256()
    for path in sorted(folder.glob("newsmill.db*")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def store_rows(folder: Path) -> list[str]:
    """The store's content, for commands that open it (SQLite may checkpoint its WAL on close,
    which changes the bytes but not one row)."""
    with sqlite3.connect(folder / "newsmill.db") as db:
        rows = list(db.iterdump())
    db.close()
    return rows


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    status = main(args)
    return status, capsys.readouterr().err


def assert_one_line(err: str, *needles: str) -> None:
    """One line says what went wrong (progress lines of sources done before it may precede it)."""
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith(("✓", "✗"))]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


BAD_CONFIGS = {
    "empty file": ("", "no sources configured"),
    "only whitespace and comments": ("# nothing yet\n\n   \n", "no sources configured"),
    "malformed TOML": ('[[sources]]\nname = "要闻\n', "not valid TOML"),
    "binary garbage": ("\x00\x01\x02PK\x03\x04", "not valid TOML"),
    "a source with no URL": ('[[sources]]\nname = "要闻"\n', "source '要闻': url: every source needs a url"),
    "a source with no name": ('[[sources]]\nurl = "https://example.com/rss"\n', "every source needs a name"),
    "unknown top-level key": ('tittle = "x"\n' + GOOD_SOURCE, "unknown section or key 'tittle'"),
    "unknown key in a section": (
        "[fetch]\ntimeout_s = 5\n" + GOOD_SOURCE,
        "unknown key 'timeout_s' in [fetch]",
    ),
    "unknown key in a source": (GOOD_SOURCE + 'catgories = ["x"]\n', "source '要闻': catgories: unknown key"),
    "duplicate source name": (GOOD_SOURCE + GOOD_SOURCE, "duplicate source name '要闻'"),
    "wrong type": ('[fetch]\ntimeout = "fast"\n' + GOOD_SOURCE, "[fetch] timeout: must be a number"),
    "sources not an array": ('sources = "all"\n', "`sources` must be an array of tables"),
    "unsupported scheme": (
        '[[sources]]\nname = "要闻"\nurl = "ftp://example.com/rss"\n',
        "unsupported scheme 'ftp'",
    ),
    "http URL without a host": ('[[sources]]\nname = "要闻"\nurl = "https:///rss"\n', "has no host"),
    "bad store URL": ('[store]\nurl = "newsmill.db"\n' + GOOD_SOURCE, "[store] url: must be a URL"),
}


@pytest.mark.parametrize("case", list(BAD_CONFIGS))
@pytest.mark.parametrize("command", ["fetch", "run"])
def test_a_bad_config_is_one_line_exit_2_and_leaves_the_store_alone(
    case: str, command: str, site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, message = BAD_CONFIGS[case]
    config = site / "newsmill.toml"
    config.write_text(text, encoding="utf-8")
    before = store_digest(site)
    status, err = run_cli([command, "--config", str(config)], capsys)
    assert status == 2
    assert_one_line(err, "error:", str(config), message)
    assert store_digest(site) == before


def test_a_named_config_that_does_not_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, err = run_cli(["fetch", "--config", str(tmp_path / "nope.toml")], capsys)
    assert status == 2
    assert_one_line(err, "nope.toml", "config file not found", "newsmill init")
    assert list(tmp_path.iterdir()) == []


def test_a_config_named_by_the_environment_that_does_not_exist_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEWSMILL_CONFIG", str(tmp_path / "typo.toml"))
    status, err = run_cli(["fetch"], capsys)
    assert status == 2
    assert_one_line(err, "typo.toml", "config file not found")
    assert list(tmp_path.iterdir()) == []


def test_a_config_that_is_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "newsmill.toml").mkdir()
    status, err = run_cli(["fetch", "--config", str(tmp_path / "newsmill.toml")], capsys)
    assert status == 2
    assert_one_line(err, "cannot read config")


def test_a_config_that_is_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "newsmill.toml"
    config.write_bytes(GOOD_SOURCE.encode("gb18030"))
    status, err = run_cli(["fetch", "--config", str(config)], capsys)
    assert status == 2
    assert_one_line(err, "cannot read config", "utf-8")


@pytest.mark.parametrize(
    "args",
    [
        ["fetchh"],
        ["fetch", "--no-such-flag"],
        ["articles", "--limit", "0"],
        ["articles", "--limit", "many"],
        ["fetch", "--config"],
    ],
)
def test_command_line_misuse_is_exit_2_without_a_traceback(
    args: list[str], site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = store_digest(site)
    status, err = run_cli(args, capsys)
    assert status == 2
    assert "Traceback" not in err and "Error" in err
    assert store_digest(site) == before


def test_naming_an_unknown_source_is_exit_2(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = store_digest(site)
    status, err = run_cli(["fetch", "--config", str(site / "newsmill.toml"), "不存在"], capsys)
    assert status == 2
    assert_one_line(err, "no source named '不存在'")
    assert store_digest(site) == before


def test_debug_shows_the_traceback(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = site / "newsmill.toml"
    config.write_text("[fetch]\ntimeout = -1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="timeout: must be more than 0"):
        main(["--debug", "fetch", "--config", str(config)])
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run(
        [sys.executable, "-m", "newsmill", "--debug", "fetch", "--config", str(config)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0 and "Traceback" in done.stderr and "ConfigError" in done.stderr
    quiet = subprocess.run(
        [sys.executable, "-m", "newsmill", "fetch", "--config", str(config)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert quiet.returncode == 2 and "Traceback" not in quiet.stderr
    assert_one_line(quiet.stderr, "timeout: must be more than 0")


# --- the store cannot be written -------------------------------------------------------------


def test_a_store_in_a_folder_that_cannot_exist_is_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "stcn.xml").write_bytes(STCN)
    (tmp_path / "blocker").write_text("a file where a folder should be")
    config = tmp_path / "newsmill.toml"
    config.write_text('[store]\nurl = "sqlite:///blocker/news.db"\n' + GOOD_SOURCE, encoding="utf-8")
    status, err = run_cli(["fetch", "--config", str(config)], capsys)
    assert status == 1
    assert_one_line(err, "error:", "cannot open store", "blocker/news.db")


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """An 8 MB tmpfs: a disk that fills up (needs root; skipped elsewhere)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_fails_the_run_in_one_line_and_keeps_what_was_committed(
    tiny_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tiny_disk / "feeds").mkdir()
    (tiny_disk / "feeds" / "stcn.xml").write_bytes(STCN)
    config = tiny_disk / "newsmill.toml"
    config.write_text(GOOD_SOURCE, encoding="utf-8")
    assert main(["fetch", "--config", str(config)]) == 0
    kept = article_ids(tiny_disk / "newsmill.db")
    # More sources with new articles, then a disk with no room left for them.
    more = GOOD_SOURCE
    for number in range(20):
        body = STCN.replace(b"stcn.com", f"n{number}.example.cn".encode())
        (tiny_disk / "feeds" / f"{number}.xml").write_bytes(body)
        more += f'[[sources]]\nname = "源{number}"\nurl = "feeds/{number}.xml"\n'
    config.write_text(more, encoding="utf-8")
    fillers = fill(tiny_disk)
    for spare in fillers[-8:]:  # room to open the store and write a little, not all of it
        spare.unlink()

    status, err = run_cli(["fetch", "--config", str(config)], capsys)
    assert status == 1
    assert_one_line(err, "error:", "cannot write store", "database or disk is full")
    assert kept <= article_ids(tiny_disk / "newsmill.db")

    for filler in fillers[:-8]:  # room again: the next run completes the work
        filler.unlink()
    status, err = run_cli(["fetch", "--config", str(config)], capsys)
    assert status == 0, err
    assert len(article_ids(tiny_disk / "newsmill.db")) == 21 * len(kept)


def fill(disk: Path) -> list[Path]:
    """Fill the disk with 32 kB files until it is full; return them."""
    files = []
    with pytest.raises(OSError, match="No space left"):
        while True:
            files.append(disk / f"filler{len(files)}")
            with files[-1].open("wb", buffering=0) as handle:
                handle.write(bytes(32768))
    return files


def article_ids(db_path: Path) -> set[str]:
    with sqlite3.connect(db_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        ids = {row[0] for row in db.execute("SELECT id FROM articles")}
    db.close()
    return ids


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody may write in, root included (the immutable attribute; skipped without it)."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False).returncode != 0:
        pytest.skip("cannot make a folder immutable here")
    try:
        yield folder
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=False)


@pytest.mark.parametrize(
    "setting",
    ['[site]\noutput_dir = "read-only/site"\n', '[hexo]\nposts_dir = "read-only/posts"\n'],
)
def test_an_unwritable_output_folder_fails_the_build_in_one_line(
    setting: str, site: Path, read_only_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = site / "newsmill.toml"
    config.write_text(setting + GOOD_SOURCE, encoding="utf-8")
    before = store_rows(site)
    status, err = run_cli(["build", "--config", str(config)], capsys)
    assert status == 1
    assert_one_line(err, "error:", str(read_only_folder))
    assert store_rows(site) == before


def test_an_output_folder_where_a_file_is_fails_the_build_in_one_line(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (site / "blocker").write_text("a file where a folder should be")
    config = site / "newsmill.toml"
    config.write_text('[site]\noutput_dir = "blocker/site"\n' + GOOD_SOURCE, encoding="utf-8")
    status, err = run_cli(["build", "--config", str(config)], capsys)
    assert status == 1
    assert_one_line(err, "error: cannot write", "blocker/site", "Not a directory")
