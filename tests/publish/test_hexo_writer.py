"""Writing posts: stable safe names, nothing rewritten that did not change, hand edits respected."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest
from hexo_helpers import make_article

from newsmill.config import HexoConfig
from newsmill.errors import PublishError
from newsmill.publish.hexo import write_hexo_posts
from newsmill.publish.hexo.files import MANIFEST_NAME
from newsmill.publish.hexo.names import post_path, slugify

HEXO = HexoConfig()


def _posts(folder: Path) -> list[str]:
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*.md"))


def _age(folder: Path, seconds: int = 1000) -> dict[str, int]:
    """Push every post's mtime into the past, and return it, so a rewrite cannot go unseen."""
    times = {}
    for path in folder.rglob("*.md"):
        past = path.stat().st_mtime_ns - seconds * 10**9
        os.utime(path, ns=(past, past))
        times[path.relative_to(folder).as_posix()] = past
    return times


def test_a_post_goes_under_its_category_path_named_by_its_title(tmp_path: Path) -> None:
    report = write_hexo_posts(
        [make_article("发布两大基因产业园 上海加码布局生物医药前沿产业")], HEXO, tmp_path
    )
    assert _posts(tmp_path) == ["金融/证券时报网/要闻/发布两大基因产业园-上海加码布局生物医药前沿产业.md"]
    assert (report.written, report.unchanged, report.skipped, report.removed) == (1, 0, 0, 0)
    assert report.posts_dir == tmp_path


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ('A/B\\C: 50% off? "yes" <no> | *', "A-B-C-50-off-yes-no"),
        ("_草稿 开头的下划线", "草稿-开头的下划线"),
        (".隐藏文件", "隐藏文件"),
        ("制表\t换行\n控制\x07字符", "制表-换行-控制-字符"),
        ("CON", ""),
        ("   ", ""),
    ],
)
def test_titles_become_file_names_safe_everywhere(title: str, name: str) -> None:
    assert slugify(title) == name


def test_long_titles_are_cut_by_bytes_never_inside_a_character() -> None:
    slug = slugify("证券" * 200)
    assert len(slug.encode("utf-8")) <= 120
    assert slug == "证券" * 20


def test_a_title_with_nothing_usable_is_named_by_the_article_id() -> None:
    article = make_article("///")
    assert (
        post_path(article.categories, article.title, article.id, suffixed=False).name
        == f"{article.id[:12]}.md"
    )


def test_two_articles_with_one_title_get_two_files_the_second_with_an_id_suffix(tmp_path: Path) -> None:
    first = make_article("央行开展逆回购操作", source="证券时报网 要闻")
    second = make_article("央行开展逆回购操作", source="证券时报网 快讯")
    write_hexo_posts([first, second], HEXO, tmp_path)
    assert _posts(tmp_path) == [
        "金融/证券时报网/要闻/央行开展逆回购操作-" + second.id[:7] + ".md",
        "金融/证券时报网/要闻/央行开展逆回购操作.md",
    ]
    # and the same article always maps to the same file, whatever order they come in
    write_hexo_posts([second, first], HEXO, tmp_path)
    manifest = json.loads((tmp_path / MANIFEST_NAME).read_text(encoding="utf-8"))["posts"]
    assert manifest[first.id][0] == "金融/证券时报网/要闻/央行开展逆回购操作.md"


def test_an_unchanged_article_leaves_its_file_untouched(tmp_path: Path) -> None:
    articles = [make_article(f"第 {n} 条新闻") for n in range(5)]
    write_hexo_posts(articles, HEXO, tmp_path)
    before = _age(tmp_path)
    contents = {name: (tmp_path / name).read_bytes() for name in before}
    report = write_hexo_posts(articles, HEXO, tmp_path)
    assert (report.written, report.unchanged) == (0, 5)
    assert {name: (tmp_path / name).stat().st_mtime_ns for name in before} == before
    assert {name: (tmp_path / name).read_bytes() for name in before} == contents


def test_a_changed_article_is_rewritten_in_place_and_nothing_is_left_behind(tmp_path: Path) -> None:
    article = make_article("光伏硅料价格高位运行", "<p>第一版</p>")
    write_hexo_posts([article], HEXO, tmp_path)
    changed = replace(article, title="光伏硅料价格再创新高", content_html="<p>第二版</p>")
    report = write_hexo_posts([changed], HEXO, tmp_path)
    assert report.written == 1
    assert _posts(tmp_path) == ["金融/证券时报网/要闻/光伏硅料价格高位运行.md"]  # the URL stays
    text = (tmp_path / _posts(tmp_path)[0]).read_text(encoding="utf-8")
    assert "title: '光伏硅料价格再创新高'" in text and "<p>第二版</p>" in text
    assert sorted(path.name for path in tmp_path.rglob("*") if path.is_file()) == [
        MANIFEST_NAME,
        "光伏硅料价格高位运行.md",
    ]  # no temporary file left


def test_a_post_edited_by_hand_is_not_overwritten_but_reported(tmp_path: Path) -> None:
    article = make_article("半导体设备国产化提速", "<p>原文</p>")
    write_hexo_posts([article], HEXO, tmp_path)
    post = tmp_path / _posts(tmp_path)[0]
    post.write_text(post.read_text(encoding="utf-8").replace("原文", "编辑改过的正文"), encoding="utf-8")
    report = write_hexo_posts([replace(article, content_html="<p>更新</p>")], HEXO, tmp_path)
    assert report.edited == ("金融/证券时报网/要闻/半导体设备国产化提速.md",)
    assert (report.written, report.skipped) == (0, 1)
    assert "编辑改过的正文" in post.read_text(encoding="utf-8")


def test_a_deleted_post_is_written_again(tmp_path: Path) -> None:
    article = make_article("医疗器械集采范围扩大")
    write_hexo_posts([article], HEXO, tmp_path)
    (tmp_path / _posts(tmp_path)[0]).unlink()
    assert write_hexo_posts([article], HEXO, tmp_path).written == 1
    assert len(_posts(tmp_path)) == 1


def test_a_post_of_an_article_no_longer_stored_is_removed_with_its_empty_folders(tmp_path: Path) -> None:
    kept = make_article("保留的文章")
    gone = make_article("删除的文章", categories=("科技", "少数派"))
    write_hexo_posts([kept, gone], HEXO, tmp_path)
    report = write_hexo_posts([kept], HEXO, tmp_path)
    assert report.removed == 1
    assert _posts(tmp_path) == ["金融/证券时报网/要闻/保留的文章.md"]
    assert not (tmp_path / "科技").exists()


def test_an_empty_store_removes_nothing(tmp_path: Path) -> None:
    write_hexo_posts([make_article("一篇文章")], HEXO, tmp_path)
    assert write_hexo_posts([], HEXO, tmp_path).removed == 0
    assert len(_posts(tmp_path)) == 1


def test_a_new_category_path_moves_the_post(tmp_path: Path) -> None:
    article = make_article("国庆黄金周消费数据出炉")
    write_hexo_posts([article], HEXO, tmp_path)
    write_hexo_posts([replace(article, categories=("金融", "消费"))], HEXO, tmp_path)
    assert _posts(tmp_path) == ["金融/消费/国庆黄金周消费数据出炉.md"]


def test_a_foreign_file_with_the_same_name_is_kept_and_the_post_gets_a_suffix(tmp_path: Path) -> None:
    foreign = tmp_path / "金融/证券时报网/要闻/央行开展逆回购操作.md"
    foreign.parent.mkdir(parents=True)
    foreign.write_text("someone else's post", encoding="utf-8")
    article = make_article("央行开展逆回购操作")
    write_hexo_posts([article], HEXO, tmp_path)
    assert foreign.read_text(encoding="utf-8") == "someone else's post"
    assert (tmp_path / f"金融/证券时报网/要闻/央行开展逆回购操作-{article.id[:7]}.md").is_file()


def test_a_lost_manifest_is_rebuilt_without_rewriting_identical_posts(tmp_path: Path) -> None:
    articles = [make_article("甲"), make_article("乙")]
    write_hexo_posts(articles, HEXO, tmp_path)
    before = _age(tmp_path)
    (tmp_path / MANIFEST_NAME).unlink()
    report = write_hexo_posts(articles, HEXO, tmp_path)
    assert (report.written, report.unchanged) == (0, 2)
    assert {name: (tmp_path / name).stat().st_mtime_ns for name in before} == before
    assert (tmp_path / MANIFEST_NAME).is_file()


def test_a_corrupt_manifest_is_a_publish_error_not_a_rewrite_of_everything(tmp_path: Path) -> None:
    (tmp_path / MANIFEST_NAME).write_text("{not json", encoding="utf-8")
    with pytest.raises(PublishError, match="manifest"):
        write_hexo_posts([make_article("甲")], HEXO, tmp_path)


def test_the_manifest_is_not_touched_when_nothing_changed(tmp_path: Path) -> None:
    articles = [make_article("甲")]
    write_hexo_posts(articles, HEXO, tmp_path)
    manifest = tmp_path / MANIFEST_NAME
    past = manifest.stat().st_mtime_ns - 10**12
    os.utime(manifest, ns=(past, past))
    write_hexo_posts(articles, HEXO, tmp_path)
    assert manifest.stat().st_mtime_ns == past


def test_posts_are_readable_by_others_like_any_file(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_hexo_posts([make_article("权限")], HEXO, tmp_path)
    finally:
        os.umask(old)
    assert (tmp_path / _posts(tmp_path)[0]).stat().st_mode & 0o777 == 0o644


def test_an_empty_post_left_by_a_crash_is_written_again_not_taken_for_a_hand_edit(tmp_path: Path) -> None:
    article = make_article("断电后的空文件", "<p>旧</p>")
    write_hexo_posts([article], HEXO, tmp_path)
    post = tmp_path / _posts(tmp_path)[0]
    post.write_bytes(b"")
    report = write_hexo_posts([replace(article, content_html="<p>新</p>")], HEXO, tmp_path)
    assert (report.written, report.skipped) == (1, 0)
    assert "<p>新</p>" in post.read_text(encoding="utf-8")
