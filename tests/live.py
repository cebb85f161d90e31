"""A live server for end-to-end tests: the real ``lsc serve`` in a subprocess on a free 127.0.0.1 port.

Usage::

    with LiveServer(settings, tmp_path, workers=2) as server, server.client() as client:
        client.get("/readyz")  # each request carries the token of the party that would send it
        server.kill()      # SIGKILL the whole server (supervisor and workers), as a crash would
        server.restart()   # start again on the same port and database

Before its first start the server's database is migrated and given a token per role (``tokens``), unless it
is handed the tokens of a replica on the same database;
``client()`` sends with each request the token of the party that would make it, or ``role``'s.

The server writes its output to ``log_path`` (one file for every start); when the ``with`` block ends
with an exception the tail of that log is printed to stderr, so pytest shows it with the failure.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import httpx
from pydantic import SecretStr

from lsc_engine.access.policy import Role
from lsc_engine.settings import Settings
from lsc_engine.store import migrate

from .auth import acting_hook, bearer, issue_tokens

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


class LiveServerError(RuntimeError):
    """The live server did not start, or did not stop when asked."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def server_environment(settings: Settings, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Return this process's environment with every LSC_* variable replaced by the given settings."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("LSC_")}
    for name, value in settings.model_dump().items():
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if value is not None:
            env[f"LSC_{name.upper()}"] = str(value)
    env["LSC_DATABASE_URL"] = settings.url  # database_url is None for the default SQLite file; url never is
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


class LiveServer:
    """The real service (``python -m lsc_engine serve``) in its own process group, on a given database."""

    def __init__(
        self,
        settings: Settings,
        log_dir: Path,
        *,
        workers: int = 1,
        port: int | None = None,
        migrate: bool = True,
        startup_timeout: float = 120.0,
        stop_timeout: float = 30.0,
        env: dict[str, str] | None = None,
        tokens: dict[Role, str] | None = None,
    ) -> None:
        """Prepare (not start) a server; ``log_dir`` receives its log, ``env`` adds or overrides variables.

        ``startup_timeout`` only guards against a server that hangs: a healthy one is used as soon as it answers,
        and on CPUs shared with other test workers its processes may take a while to import the application.

        ``tokens`` are tokens already on the database (another replica's), used instead of making new ones.
        """
        self.settings = settings
        self.workers = workers
        self.port = port or free_port()
        self.migrate = migrate
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.log_path = log_dir / f"live-server-{self.port}.log"
        self.starts = 0
        self._env = server_environment(settings, env)
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._tokens: dict[Role, str] | None = tokens

    @property
    def tokens(self) -> dict[Role, str]:
        """Return a token per role, created on the server's database the first time they are asked for."""
        if self._tokens is None:
            if self.migrate:
                migrate.upgrade(self.settings)
            self._tokens = issue_tokens(self.settings)
        return self._tokens

    @property
    def url(self) -> str:
        """Return the base URL, e.g. ``http://127.0.0.1:43567`` (stable across restarts)."""
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int | None:
        """Return the supervisor's process id while the server runs."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    @property
    def running(self) -> bool:
        """Tell whether the server process is alive."""
        return self._process is not None and self._process.poll() is None

    def command(self) -> list[str]:
        """Return the command line that starts the server."""
        command = [sys.executable, "-m", "lsc_engine", "serve", "--host", HOST, "--port", str(self.port)]
        command += ["--workers", str(self.workers)]
        return command if self.migrate else [*command, "--no-migrate"]

    def client(self, *, timeout: float = 60.0, role: Role | None = None) -> httpx.Client:
        """Return an HTTP client for this server (no proxies from the environment; close it, or use ``with``)."""
        if role is not None:
            return httpx.Client(base_url=self.url, timeout=timeout, trust_env=False, headers=bearer(self.tokens[role]))
        hooks = {"request": [acting_hook(self.tokens)]}
        return httpx.Client(base_url=self.url, timeout=timeout, trust_env=False, event_hooks=hooks)

    def start(self) -> Self:
        """Start the server and wait until GET /readyz answers 200; raise with its log if it dies or hangs."""
        if self._process is not None:
            raise LiveServerError("the server is already started; stop() or kill() it first")
        self.tokens  # noqa: B018 - the probe below needs a token, so create them before the first start
        self.starts += 1
        self._log = self.log_path.open("ab")
        self._log.write(f"\n=== start {self.starts}: {' '.join(self.command())}\n".encode())
        self._log.flush()
        self._process = subprocess.Popen(
            self.command(),
            cwd=ROOT,
            env=self._env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so kill() reaches the workers too
        )
        try:
            self._wait_ready()
        except BaseException:
            self._terminate_group(signal.SIGKILL)
            raise
        return self

    def _wait_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.startup_timeout
        last = "no answer yet"
        headers = bearer(self.tokens[Role.OBSERVER])
        with httpx.Client(base_url=self.url, timeout=2.0, trust_env=False, headers=headers) as probe:
            while time.monotonic() < deadline:
                if self._process.poll() is not None:
                    raise LiveServerError(
                        f"the server exited with code {self._process.returncode} while starting:\n{self.log_tail()}"
                    )
                try:
                    answer = probe.get("/readyz")
                    if answer.status_code == 200:
                        return
                    last = f"{answer.status_code} {answer.text[:200]}"
                except httpx.TransportError as error:
                    last = f"{type(error).__name__}: {error}"
                time.sleep(0.1)
        raise LiveServerError(
            f"GET /readyz did not answer 200 within {self.startup_timeout:g} s (last: {last}):\n{self.log_tail()}"
        )

    def stop(self) -> int | None:
        """Stop gracefully: SIGTERM, then wait for in-flight requests to finish; return the exit code."""
        return self._terminate_group(signal.SIGTERM)

    def kill(self) -> int | None:
        """Kill the supervisor and every worker with SIGKILL, as a crash or an OOM kill would; return the exit code."""
        return self._terminate_group(signal.SIGKILL)

    def restart(self, *, graceful: bool = True) -> Self:
        """Stop the server if it runs (SIGTERM, or SIGKILL when not graceful) and start it again on the same port."""
        if graceful:
            self.stop()
        else:
            self.kill()
        return self.start()

    def _terminate_group(self, sig: signal.Signals) -> int | None:
        process, self._process = self._process, None
        if process is None:
            return None
        try:
            if process.poll() is None:
                if sig == signal.SIGKILL:
                    _signal_group(process.pid, signal.SIGKILL)
                else:
                    process.send_signal(sig)
                try:
                    process.wait(timeout=self.stop_timeout)
                except subprocess.TimeoutExpired:
                    _signal_group(process.pid, signal.SIGKILL)
                    process.wait(timeout=self.stop_timeout)
                    raise LiveServerError(
                        f"the server ignored {sig.name} for {self.stop_timeout:g} s and was killed:\n{self.log_tail()}"
                    ) from None
            # Workers left behind by a supervisor that died would keep serving the port: end them too.
            _signal_group(process.pid, signal.SIGKILL)
            return process.returncode
        finally:
            if self._log is not None:
                self._log.close()
                self._log = None

    def log_text(self) -> str:
        """Return everything the server printed, over all its starts."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 200) -> str:
        """Return the last lines the server printed."""
        return "\n".join(self.log_text().splitlines()[-lines:])

    def __enter__(self) -> Self:
        """Start the server."""
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        """Stop the server (killing it if it will not stop); print its log if the block failed."""
        try:
            self.stop()
        except LiveServerError:
            if kind is None:
                raise
        finally:
            if kind is not None:
                print(f"\n--- live server log ({self.log_path}) ---\n{self.log_tail()}", file=sys.stderr)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    """Send a signal to a process group this module started, ignoring a group that is already gone."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)
