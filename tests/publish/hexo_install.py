"""Real Hexo for the tests: the versions pinned in `hexo-site/package-lock.json`, installed once
with `npm ci` into a cache folder (`~/.cache/newsmill-tests/hexo-<version>-<lock hash>`) and
reused by every run after. `.ci/run` calls this file to install it before the tests.

    python tests/publish/hexo_install.py     # prints the node_modules folder
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

SITE = Path(__file__).resolve().parent / "hexo-site"
INSTALLED = ".newsmill-installed"


class HexoUnavailable(RuntimeError):
    pass


def cache_root() -> Path:
    return Path(os.environ.get("NEWSMILL_TEST_CACHE") or Path.home() / ".cache" / "newsmill-tests")


def hexo_modules() -> Path:
    """The `node_modules` folder of the pinned Hexo, installing it first if need be."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise HexoUnavailable("node and npm are needed to run real Hexo (apt-get install nodejs npm)")
    lock = (SITE / "package-lock.json").read_bytes()
    version = json.loads((SITE / "package.json").read_text(encoding="utf-8"))["dependencies"]["hexo"]
    target = cache_root() / f"hexo-{version}-{hashlib.sha1(lock).hexdigest()[:12]}"
    if not (target / "node_modules" / INSTALLED).is_file():
        _install(npm, target)
    return target / "node_modules"


def _install(npm: str, target: Path) -> None:
    """`npm ci` in a folder of its own, then one rename: two runs at once never share a half
    installed tree."""
    building = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(SITE / name, building / name)
    command = [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"]
    done = subprocess.run(command, cwd=building, capture_output=True, text=True, timeout=900, check=False)
    if done.returncode != 0:
        shutil.rmtree(building, ignore_errors=True)
        raise HexoUnavailable(f"npm ci failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    (building / "node_modules" / INSTALLED).touch()
    shutil.rmtree(target, ignore_errors=True)
    try:
        building.rename(target)
    except OSError:  # another run finished first: use its tree
        shutil.rmtree(building, ignore_errors=True)


def make_site(folder: Path, modules: Path) -> Path:
    """A scratch Hexo site in `folder` (config, theme, runner) using the cached packages;
    returns its `source/_posts` folder."""
    for name in ("_config.yml", "package.json", "generate.js"):
        shutil.copy2(SITE / name, folder / name)
    shutil.copytree(SITE / "themes", folder / "themes")
    (folder / "node_modules").symlink_to(modules, target_is_directory=True)
    posts = folder / "source" / "_posts"
    posts.mkdir(parents=True)
    return posts


def hexo_generate(folder: Path) -> subprocess.CompletedProcess[str]:
    """`hexo generate` in the site `folder`."""
    node = shutil.which("node") or "node"
    return subprocess.run(
        [node, "generate.js"], cwd=folder, capture_output=True, text=True, timeout=300, check=False
    )


if __name__ == "__main__":
    try:
        print(hexo_modules())
    except HexoUnavailable as problem:
        sys.exit(f"error: {problem}")
