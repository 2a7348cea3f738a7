"""PostgreSQL clusters of our own on this machine (end-to-end tests, benchmarks): ``initdb``
into a temporary directory, a port and a socket directory of their own, and a streaming
replica of one made by ``pg_basebackup -R`` — started, stopped and removed by whoever made
them, never the machine's shared server.

Why not a replica of the shared server (127.0.0.1:5432)? A base backup copies the whole
cluster — every other engineer's databases on the machine — and the server must admit
replication connections: a ``replication`` line in its ``pg_hba.conf`` (``all`` does not
match them; this machine's has none, and Debian's default asks a password the ``postgres``
role does not have), which only a change to the machine's configuration would give. A
cluster made by ``initdb`` admits them from 127.0.0.1 out of the box (``wal_level =
replica``, ``max_wal_senders = 10``) and holds nothing but what the test puts in it.
``initdb``, ``pg_ctl`` and ``pg_basebackup`` refuse to run as root: as root they run as
the ``postgres`` user (``runuser``), as ``ops/ensure-postgres.sh`` does.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ops.local_service import free_port

__all__ = ["Cluster", "ClusterFailed", "as_postgres", "bindir", "private_cluster", "streaming_replica"]

#: seconds any one of PostgreSQL's commands may take here before we give up, loudly
COMMAND_SECONDS = 300


class ClusterFailed(RuntimeError):
    """A PostgreSQL command failed: the message holds its own words."""


def as_postgres() -> list[str]:
    """initdb and pg_ctl refuse to run as root: as root, run them as the postgres user."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def bindir() -> Path:
    """The newest installed PostgreSQL's programs (Debian keeps them off the PATH)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    initdb = found[-1] if found else Path(shutil.which("initdb") or "")
    if not initdb.name:
        raise ClusterFailed("PostgreSQL's initdb is required here and was not found (Debian: postgresql-15)")
    return initdb.parent


def _run(*command: str) -> None:
    try:
        subprocess.run([*as_postgres(), *command], check=True, capture_output=True, timeout=COMMAND_SECONDS)
    except subprocess.CalledProcessError as failed:
        words = (failed.stderr or b"").decode(errors="replace").strip()
        raise ClusterFailed(f"{Path(command[0]).name} failed ({failed.returncode}): {words}") from None


@dataclass
class Cluster:
    """A PostgreSQL cluster of our own: its data directory, port and socket directory."""

    bindir: Path
    data: Path
    port: int
    #: extra server settings, given on the command line at every start (``-c name=value``)
    settings: tuple[str, ...] = ()

    @property
    def admin_url(self) -> str:
        return self.url("postgres")

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    @property
    def log(self) -> Path:
        return self.data.parent / f"{self.data.name}.log"

    def ctl(self, *args: str) -> None:
        _run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", *args)

    def start(self) -> None:
        options = [f"-p {self.port}", "-c listen_addresses=127.0.0.1", f"-c unix_socket_directories={self.data.parent}"]
        self.ctl("-o", " ".join([*options, *(f"-c {s}" for s in self.settings)]), "start")

    def stop(self, mode: str = "fast") -> None:
        self.ctl("-m", mode, "stop")

    def halt(self) -> None:
        """Stop it if it runs (the end of a test, failed or not)."""
        with contextlib.suppress(ClusterFailed):  # not running
            self.stop("immediate")


@contextlib.contextmanager
def _home(prefix: str) -> Iterator[Path]:
    """A temporary directory the postgres user owns (it holds data directories and sockets)."""
    home = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        if os.geteuid() == 0:
            shutil.chown(home, "postgres", "postgres")
        yield home
    finally:
        shutil.rmtree(home, ignore_errors=True)


@contextlib.contextmanager
def private_cluster(*settings: str, prefix: str = "ledger-pg-") -> Iterator[Cluster]:
    """A new cluster (``initdb``, trust on 127.0.0.1, replication allowed), started; stopped
    and removed afterwards, even on failure."""
    with _home(prefix) as home:
        cluster = Cluster(bindir(), home / "data", free_port(), settings)
        try:
            _run(str(cluster.bindir / "initdb"), "-D", str(cluster.data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
            cluster.start()
            yield cluster
        finally:
            cluster.halt()


@contextlib.contextmanager
def streaming_replica(primary: Cluster, *settings: str) -> Iterator[Cluster]:
    """A hot standby of ``primary`` (``pg_basebackup -R``: it streams the primary's WAL and
    replays it), started on a port of its own; stopped and removed afterwards."""
    with _home("ledger-replica-") as home:
        replica = Cluster(primary.bindir, home / "data", free_port(), ("hot_standby=on", *settings))
        try:
            _run(
                str(primary.bindir / "pg_basebackup"),
                *("-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"),
                *("-D", str(replica.data), "-R", "-X", "stream", "-c", "fast"),
            )
            replica.start()
            yield replica
        finally:
            replica.halt()
