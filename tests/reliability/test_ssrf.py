"""SSRF: a feed URL, a redirect or a DNS answer never takes newsmill to a private address,
and local feed files are read only from inside the config's folder.

The loopback spellings below carry the port of a live "secret" server on 127.0.0.1: if the
guard ever let one through, the secret server would log the request, and the test fails.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from ipaddress import ip_network
from pathlib import Path

import aiohttp
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from newsmill.cli import main
from newsmill.config import load_config
from newsmill.core import Mill
from newsmill.errors import ConfigError
from newsmill.fetch import guard
from newsmill.models import SourceStatus
from support.feedserver import FeedServer, Reply
from support.reliability import STCN, config_text


@pytest.fixture
def secret() -> Iterator[FeedServer]:
    """What an attacker wants to reach: a service on loopback."""
    with FeedServer("127.0.0.1") as server:
        server.route("/secret", Reply(body=STCN))
        yield server


@pytest.fixture
def public() -> Iterator[FeedServer]:
    """Stands in for a public feed host: 127.0.0.2, which the guard is told to treat as public."""
    with FeedServer("127.0.0.2") as server:
        yield server


@pytest.fixture(autouse=True)
def only_127_0_0_2_is_public(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, "EXEMPT_NETWORKS", (ip_network("127.0.0.2/32"),))


def forbidden_targets(port: int) -> list[tuple[str, str]]:
    """(URL, what the refusal must say) for each way of writing a private place."""
    return [
        (f"http://127.0.0.1:{port}/secret", "127.0.0.1 is a loopback address"),
        (f"http://localhost:{port}/secret", "localhost resolves to a loopback address"),
        (f"http://0x7f000001:{port}/secret", "resolves to a loopback address 127.0.0.1"),
        (f"http://0177.0.0.1:{port}/secret", "0177.0.0.1 is not a canonical IPv4 address"),  # octal
        (f"http://2130706433:{port}/secret", "2130706433"),  # decimal
        (f"http://[::1]:{port}/secret", "::1 is a loopback address"),
        (f"http://[::ffff:127.0.0.1]:{port}/secret", "(127.0.0.1) is a loopback address"),
        (f"http://0.0.0.0:{port}/secret", "0.0.0.0 is an unspecified address"),
        ("http://169.254.169.254/latest/meta-data/iam/", "169.254.169.254 is a link-local address"),
        ("http://[fd00:ec2::254]/latest/meta-data/", "fd00:ec2::254 is a private address"),
        ("http://100.100.100.200/latest/meta-data/", "shared (carrier-grade NAT) address"),
        ("http://10.0.0.1/feed.xml", "10.0.0.1 is a private address"),
        ("http://192.168.1.1/feed.xml", "192.168.1.1 is a private address"),
        ("http://[fc00::1]/feed.xml", "fc00::1 is a private address"),
        ("http://[fe80::1]/feed.xml", "fe80::1 is a link-local address"),
    ]


def fetch_one_source(tmp_path: Path, url: str) -> tuple[SourceStatus, str]:
    config = tmp_path / "newsmill.toml"
    config.write_text(config_text({"源": url}, timeout=2), encoding="utf-8")
    with Mill.open(config) as mill:
        [outcome] = mill.fetch(["源"])  # named: fetched even when not due
        if outcome.status is not SourceStatus.OK:
            assert outcome.counts.new == 0
    return outcome.status, outcome.error or ""


def test_every_spelling_of_a_private_address_is_refused(tmp_path: Path, secret: FeedServer) -> None:
    for url, message in forbidden_targets(secret.port):
        status, error = fetch_one_source(tmp_path, url)
        assert status is SourceStatus.ERROR, url
        assert error.startswith(("refused", "invalid URL")) and message in error, (url, error)
    assert secret.requests == []


def test_a_redirect_to_any_private_address_is_refused(
    tmp_path: Path, secret: FeedServer, public: FeedServer
) -> None:
    for index, (target, message) in enumerate(forbidden_targets(secret.port)):
        start = public.redirect(f"/hop/{index}", target, status=301)
        status, error = fetch_one_source(tmp_path, start)
        assert status is SourceStatus.ERROR and message in error, (target, error)
    assert len(public.requests) == len(forbidden_targets(0))
    assert secret.requests == []


def test_a_redirect_chain_is_checked_at_every_hop(
    tmp_path: Path, secret: FeedServer, public: FeedServer
) -> None:
    public.redirect("/1", "/2")
    public.redirect("/2", public.url("/3"))
    public.redirect("/3", f"http://localhost:{secret.port}/secret")
    status, error = fetch_one_source(tmp_path, public.url("/1"))
    assert status is SourceStatus.ERROR and "loopback" in error
    assert [r.path for r in public.requests] == ["/1", "/2", "/3"] and secret.requests == []


class RebindingResolver(AbstractResolver):
    """DNS rebinding: the first answer for a name is harmless, every later one is loopback."""

    answers: dict[str, list[str]] = {}  # noqa: RUF012 - set per test
    calls: list[str] = []  # noqa: RUF012

    def __init__(self, loop: object = None) -> None:
        pass

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        RebindingResolver.calls.append(host)
        answers = RebindingResolver.answers[host]
        address = answers[min(len(RebindingResolver.calls) - 1, len(answers) - 1)]
        return [
            ResolveResult(hostname=host, host=address, port=port, family=socket.AF_INET, proto=0, flags=0)
        ]

    async def close(self) -> None:
        pass


@pytest.fixture
def rebinding_dns(monkeypatch: pytest.MonkeyPatch) -> type[RebindingResolver]:
    monkeypatch.setattr(aiohttp, "ThreadedResolver", RebindingResolver)
    RebindingResolver.calls = []
    return RebindingResolver


def test_dns_rebinding_gains_nothing_the_connection_goes_to_the_checked_address(
    tmp_path: Path, public: FeedServer, rebinding_dns: type[RebindingResolver]
) -> None:
    # A decoy on loopback listens on the very port the public server has: name and port alone
    # cannot say which is reached, only the address actually connected to can.
    public.route("/feed.xml", Reply(body=STCN))
    rebinding_dns.answers = {"news.rebind.test": ["127.0.0.2", "127.0.0.1"]}
    url = f"http://news.rebind.test:{public.port}/feed.xml"
    with FeedServer("127.0.0.1", public.port) as decoy:
        decoy.route("/feed.xml", Reply(body=STCN))
        status, error = fetch_one_source(tmp_path, url)
        assert status is SourceStatus.OK, error
        assert len(public.requests) == 1 and decoy.requests == []

        # The next run asks again, gets the loopback answer, and is refused before connecting.
        status, error = fetch_one_source(tmp_path, url)
        assert status is SourceStatus.ERROR and "resolves to a loopback address 127.0.0.1" in error
        assert len(public.requests) == 1 and decoy.requests == []


def test_a_name_that_rebinds_to_loopback_on_its_first_answer_is_refused(
    tmp_path: Path, secret: FeedServer, rebinding_dns: type[RebindingResolver]
) -> None:
    rebinding_dns.answers = {"evil.rebind.test": ["127.0.0.1", "127.0.0.2"]}
    status, error = fetch_one_source(tmp_path, f"http://evil.rebind.test:{secret.port}/secret")
    assert status is SourceStatus.ERROR
    assert error.startswith("refused: evil.rebind.test resolves to a loopback address 127.0.0.1")
    assert secret.requests == []
    assert rebinding_dns.calls == ["evil.rebind.test"]  # refused on the answer it was given


# --- file:// sources ----------------------------------------------------------------------


def write_source_config(folder: Path, url: str) -> Path:
    config = folder / "newsmill.toml"
    config.write_text(f'[[sources]]\nname = "本地"\nurl = "{url}"\n', encoding="utf-8")
    return config


@pytest.mark.parametrize(
    "url",
    [
        "../outside.xml",
        "feeds/../../outside.xml",
        "/etc/passwd",
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "{outside}",
        "{outside_uri}",
        "link-out.xml",  # a symbolic link inside the folder that leads outside it
    ],
)
def test_a_local_feed_outside_the_config_folder_is_refused_at_load(tmp_path: Path, url: str) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    outside = tmp_path / "outside.xml"
    outside.write_bytes(STCN)
    (folder / "link-out.xml").symlink_to(outside)
    url = url.format(outside=outside, outside_uri=outside.as_uri())
    config = write_source_config(folder, url)
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    message = str(caught.value)
    assert "source '本地': url:" in message and "outside the config's folder" in message
    assert message.startswith(f"{config}:3:")  # the url line


def test_a_file_url_on_another_host_is_refused_at_load(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="names another host"):
        load_config(write_source_config(tmp_path, "file://fileserver/share/feed.xml"))


@pytest.mark.parametrize("url", ["feeds/stcn.xml", "./feeds/stcn.xml", "{inside}", "{inside_uri}"])
def test_a_local_feed_inside_the_config_folder_is_read(tmp_path: Path, url: str) -> None:
    (tmp_path / "feeds").mkdir()
    inside = tmp_path / "feeds" / "stcn.xml"
    inside.write_bytes(STCN)
    config = write_source_config(tmp_path, url.format(inside=inside, inside_uri=inside.as_uri()))
    with Mill.open(config) as mill:
        [outcome] = mill.fetch()
    assert outcome.status is SourceStatus.OK and outcome.counts.new >= 8


def test_the_cli_names_the_source_whose_file_is_outside(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_source_config(tmp_path, "/etc/passwd")
    assert main(["fetch", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "本地" in err and "outside the config's folder" in err and "Traceback" not in err
    assert not (tmp_path / "newsmill.db").exists()


@pytest.mark.parametrize(
    "target",
    ["file:///etc/passwd", "gopher://127.0.0.1:6379/_INFO", "ftp://example.com/x", "dict://127.0.0.1:11211/"],
)
def test_a_redirect_to_another_scheme_is_refused(tmp_path: Path, public: FeedServer, target: str) -> None:
    status, error = fetch_one_source(tmp_path, public.redirect("/scheme", target))
    assert status is SourceStatus.ERROR
    assert error.startswith("refused: unsupported URL scheme") and "(only http and https)" in error


def test_proxy_variables_in_the_environment_cannot_route_around_the_guard(
    tmp_path: Path, secret: FeedServer, public: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    public.route("/feed.xml", Reply(body=STCN))
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, secret.url())
    status, error = fetch_one_source(tmp_path, public.url("/feed.xml"))
    assert status is SourceStatus.OK, error
    assert secret.requests == [] and len(public.requests) == 1
