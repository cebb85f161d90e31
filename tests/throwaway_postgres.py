"""A PostgreSQL server of one's own, from scripts/pg_throwaway.sh, that can be stopped and started again.

Usage::

    with ThrowawayPostgres(tmp_path / "pg.env") as postgres:
        settings = Settings(database_url=postgres.url)
        postgres.stop_server()    # pg_ctl stop -m fast: the database goes away under the service
        postgres.start_server()   # the same cluster again, on the same data directory and port

``start`` runs ``pg_throwaway.sh start ENVFILE``; leaving the ``with`` block runs ``pg_throwaway.sh stop
ENVFILE``, which stops the server and deletes its files. The script has no command to start a stopped
cluster again, so ``start_server`` reads the options the server was first started with from the data
directory's ``postmaster.opts`` (which PostgreSQL writes at every start) and hands them to ``pg_ctl start``.
This never touches the server named by LSC_TEST_POSTGRES_URL that the other tests share.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path
from types import TracebackType
from typing import Self

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "pg_throwaway.sh"


class ThrowawayPostgresError(RuntimeError):
    """The throwaway PostgreSQL server would not start or stop."""


def read_env_file(path: Path) -> dict[str, str]:
    """Read the ``export NAME=VALUE ...`` lines pg_throwaway.sh writes (values have no spaces)."""
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        words = shlex.split(line, comments=True)
        if words[:1] == ["export"]:
            words = words[1:]
        for word in words:
            name, equals, value = word.partition("=")
            if equals:
                values[name] = value
    return values


def installed() -> bool:
    """Tell whether PostgreSQL's server binaries are installed where pg_throwaway.sh looks for them."""
    return any(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))


def _as_postgres() -> list[str]:
    """Return the prefix the script uses: initdb and postgres refuse to run as root."""
    return ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []


def _run(command: list[str], what: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)
    if run.returncode != 0:
        raise ThrowawayPostgresError(f"{what} failed with exit code {run.returncode}:\n{run.stdout}\n{run.stderr}")
    return run


class ThrowawayPostgres:
    """One throwaway PostgreSQL cluster on 127.0.0.1, described by its env file."""

    def __init__(self, env_file: Path) -> None:
        """Prepare (not start) a cluster whose details go to ``env_file``."""
        self.env_file = env_file
        self.env: dict[str, str] = {}

    @property
    def url(self) -> str:
        """Return the SQLAlchemy URL of the cluster's ``postgres`` database."""
        return self.env["LSC_TEST_POSTGRES_URL"]

    @property
    def port(self) -> int:
        """Return the port the cluster listens on (127.0.0.1 only)."""
        return int(self.env["PGPORT"])

    @property
    def data_dir(self) -> Path:
        """Return the cluster's data directory."""
        return Path(self.env["PGTMP"]) / "data"

    def _pg_ctl(self) -> list[str]:
        return [*_as_postgres(), str(Path(self.env["PGBIN"]) / "pg_ctl"), "-D", str(self.data_dir)]

    def start(self) -> Self:
        """Create and start the cluster with pg_throwaway.sh."""
        _run(["bash", str(SCRIPT), "start", str(self.env_file)], "pg_throwaway.sh start", timeout=120)
        self.env = read_env_file(self.env_file)
        return self

    def stop_server(self, mode: str = "fast") -> None:
        """Stop the server (``pg_ctl stop -m MODE -w``), keeping its data directory for ``start_server``."""
        _run([*self._pg_ctl(), "-m", mode, "-w", "-t", "30", "stop"], "pg_ctl stop")

    def start_server(self) -> None:
        """Start the stopped cluster again with the options of its first start, on the same port."""
        recorded = shlex.split((self.data_dir / "postmaster.opts").read_text())
        options: list[str] = []
        words = iter(recorded[1:])  # the first word is the postgres binary
        for word in words:
            if word == "-D":
                next(words, None)  # pg_ctl passes the data directory itself
            else:
                options.append(word)
        log = Path(self.env["PGTMP"]) / "server.log"
        command = [*self._pg_ctl(), "-l", str(log), "-w", "-t", "30", "start", "-o", shlex.join(options)]
        _run(command, "pg_ctl start")

    def remove(self) -> None:
        """Stop the cluster if it runs and delete its files (``pg_throwaway.sh stop``)."""
        if self.env_file.exists():
            _run(["bash", str(SCRIPT), "stop", str(self.env_file)], "pg_throwaway.sh stop")

    def __enter__(self) -> Self:
        """Start the cluster."""
        try:
            return self.start()
        except BaseException:
            self.remove()
            raise

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        """Remove the cluster."""
        self.remove()
