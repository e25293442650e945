"""A throwaway PostgreSQL server for the tests: `initdb` into a temporary folder, `pg_ctl start`
listening on a unix socket there only, one database per test, everything removed at the end.

The server refuses to run as root, so as root the cluster belongs to an unprivileged user (the
`postgres` account when there is one, else `nobody`) and every server command runs through
`runuser`. Set NEWSMILL_TEST_POSTGRES_URL (an admin URL such as `postgresql://postgres@localhost/
postgres`) to use a server you already run instead.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

MISSING = (
    "PostgreSQL server binaries (initdb, pg_ctl) are not on PATH nor under /usr/lib/postgresql/*/bin: "
    "install them (Debian: apt-get install postgresql; .ci/run does) or set NEWSMILL_TEST_POSTGRES_URL"
)
SERVER_OPTIONS = (
    "-c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off "
    "-c max_connections=50 -c shared_buffers=32MB"
)


class PostgresUnavailable(RuntimeError):
    """No server can be started here (the message says what to install)."""


class PostgresMissing(PostgresUnavailable):
    """This machine has no PostgreSQL server binaries."""


def server_binary(name: str) -> str | None:
    """`initdb`/`pg_ctl` on PATH, else in Debian's versioned folder (the newest version)."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
    )
    return versions[-1] if versions else None


class PostgresServer:
    """A running server and the URL of its `postgres` database, for creating test databases."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = sa.make_url(admin_url).set(drivername="postgresql+psycopg")
        self._engine = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
        self._numbers = itertools.count(1)

    @contextmanager
    def database(self) -> Iterator[str]:
        """A new empty database (its URL, with a plain `postgresql://` scheme), dropped afterwards."""
        name = f"newsmill_test_{os.getpid()}_{next(self._numbers)}"
        with self._engine.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")
        try:
            url = self.admin_url.set(drivername="postgresql", database=name)
            yield url.render_as_string(hide_password=False)
        finally:
            with self._engine.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        self._engine.dispose()


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """The server of NEWSMILL_TEST_POSTGRES_URL, or a throwaway cluster of our own."""
    given = os.environ.get("NEWSMILL_TEST_POSTGRES_URL")
    if given:
        server = PostgresServer(given)
        try:
            yield server
        finally:
            server.close()
        return
    with throwaway_cluster() as socket_dir:
        server = PostgresServer(f"postgresql://postgres@/postgres?host={socket_dir}")
        try:
            yield server
        finally:
            server.close()


@contextmanager
def throwaway_cluster() -> Iterator[Path]:
    """initdb + pg_ctl start in a fresh temporary folder; yields the folder holding the socket."""
    initdb, pg_ctl = server_binary("initdb"), server_binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        raise PostgresMissing(MISSING)
    # Not under pytest's tmp_path: its folders are private to root, and the server user must
    # reach its data directory and socket.
    root = Path(tempfile.mkdtemp(prefix="newsmill-pg-"))
    as_user = _unprivileged(root)
    data, log = root / "data", root / "server.log"
    try:
        settings = ["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]
        _run([*as_user, initdb, "-D", str(data), *settings, "--no-instructions"])
        options = f"-k {root} {SERVER_OPTIONS}"
        _run(
            [*as_user, pg_ctl, "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "30", "start"], log
        )
        try:
            yield root
        finally:
            _run([*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"], log)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _unprivileged(root: Path) -> list[str]:
    """The command prefix that runs a server command as a user PostgreSQL accepts."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser is None:
        raise PostgresUnavailable(
            "running as root and `runuser` (util-linux) is missing: cannot start PostgreSQL"
        )
    for name in ("postgres", "nobody"):
        try:
            user = pwd.getpwnam(name)
        except KeyError:
            continue
        os.chown(root, user.pw_uid, user.pw_gid)
        return [runuser, "-u", name, "--"]
    raise PostgresUnavailable("running as root and there is no `postgres` or `nobody` user to run PostgreSQL")


def _run(command: list[str], log: Path | None = None) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode == 0:
        return
    program = Path(command[command.index("--") + 1] if "--" in command else command[0]).name
    details = done.stderr.strip() or done.stdout.strip()
    if log is not None and log.exists():
        details += "\n" + log.read_text(errors="replace")[-2000:]
    raise PostgresUnavailable(f"{program} failed (exit {done.returncode}): {details}")
