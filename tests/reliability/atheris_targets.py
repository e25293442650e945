"""Coverage-guided fuzzing with atheris, for long runs outside the test suite (the suite's
hypothesis tests cover the same entry points briefly). atheris is not a test dependency:

    pip install atheris
    PYTHONPATH=src python tests/reliability/atheris_targets.py parse -max_total_time=600
    PYTHONPATH=src python tests/reliability/atheris_targets.py clean -max_total_time=600

A crash (anything but newsmill's own errors, or script surviving the sanitizer) is saved by
libFuzzer as `crash-*`; add it to the matching hypothesis test as an `@example`.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import atheris  # type: ignore[import-not-found]

with atheris.instrument_imports():
    from newsmill.clean import sanitize_html
    from newsmill.errors import ParseError
    from newsmill.parse import parse_date, parse_feed

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support.xss import html_problems


def parse_target(data: bytes) -> None:
    with contextlib.suppress(ParseError):
        parse_feed(data, source="atheris")
    parse_date(data.decode("utf-8", "replace"))


def clean_target(data: bytes) -> None:
    html = data.decode("utf-8", "replace")
    out = sanitize_html(html, base_url="https://www.stcn.com/").html
    if problems := html_problems(out):
        raise AssertionError(f"{problems} in {out!r} from {html!r}")


TARGETS = {"parse": parse_target, "clean": clean_target}

if __name__ == "__main__":
    target = TARGETS[sys.argv.pop(1)] if len(sys.argv) > 1 and sys.argv[1] in TARGETS else parse_target
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()
