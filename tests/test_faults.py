"""Faults the service must survive or detect: its database going away mid-load, and rows altered by hand.

Run with ``pytest -s tests/test_faults.py`` to see the figures. (A SIGKILL in the middle of writes is
covered by tests/test_live_server.py.)
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bench.load import (
    SELF_CHECK,
    SUBMISSION,
    KindFigures,
    LoadReport,
    Packs,
    Result,
    check_report,
    make_client,
    run_load,
    submit,
    verify_stored_once,
)
from lsc_engine.access.policy import Role
from lsc_engine.settings import Settings
from lsc_engine.store import migrate

from . import throwaway_postgres
from .conftest import ROOT
from .databases import fresh_database
from .live import LiveServer
from .throwaway_postgres import ThrowawayPostgres

pytestmark = pytest.mark.live

CLIENT_TIMEOUT = 30.0  # no request may take longer: the service's own database timeouts are 10 s
LOAD_CLIENTS = 4
ACKNOWLEDGED_BEFORE_STOP = 8
OUTAGE_SECONDS = 3.0
AFTER_RECOVERY_SECONDS = 3.0
RECOVERY_LIMIT = 30.0  # GET /readyz must be 200 again this soon after PostgreSQL is back


def lsc(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run the lsc command line (as tests/test_cli.py does) with the given LSC_* variables and no others."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("LSC_")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "lsc_engine", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=120,
        check=False,
    )


def assert_store_unavailable(answer: httpx.Response) -> None:
    """Check an answer is the documented 503 with its JSON error body."""
    assert answer.status_code == 503, (answer.status_code, answer.text[:500])
    body = answer.json()
    assert body["code"] == "store_unavailable", body
    assert isinstance(body["message"], str), body
    assert isinstance(body.get("details", {}), dict), body


def latency_line(label: str, results: list[Result]) -> str:
    """Return the count and latency of some results, in milliseconds."""
    figures = KindFigures.of(label, results)
    return (
        f"{label}: {figures.requests} requests, p50 {1000 * figures.p50:.1f} ms, p99 {1000 * figures.p99:.1f} ms, "
        f"max {1000 * figures.max:.1f} ms"
    )


@dataclass
class Timeline:
    """When each step of the outage happened (time.monotonic(), the clock the load's results use)."""

    stopping: float = 0.0
    stopped: float = 0.0
    starting: float = 0.0
    started: float = 0.0
    ready: float = 0.0


@pytest.mark.postgres  # a throwaway cluster of its own, stopped and started
def test_database_stopped_mid_load_gives_503_then_recovers(tmp_path: Path) -> None:
    if not throwaway_postgres.installed():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed: CI must run the database fault test for real")
        pytest.skip("PostgreSQL is not installed (scripts/setup installs it)")
    with ThrowawayPostgres(tmp_path / "pg.env") as postgres:
        settings = Settings(database_url=postgres.url)
        migrate.upgrade(settings)
        unthrottled = {"LSC_RATE_LIMIT_PER_MINUTE": "0"}  # the load alone passes the per-token limit
        with LiveServer(settings, tmp_path, workers=2, env=unthrottled) as server:
            report, timeline, probes = _load_through_an_outage(server, postgres)
            _check_outage(report, timeline, probes)
            retried = _retry_and_check_stored_once(server, report)
            log = server.log_text()
        audit = lsc({"LSC_DATABASE_URL": settings.url}, "audit", "verify")
        print(f"audit verify: exit {audit.returncode}: {audit.stdout.strip()}")
        assert audit.returncode == 0, audit.stdout + audit.stderr
        assert "intact" in audit.stdout

    assert "Traceback" not in log, log[-5000:]
    served = [line for line in log.splitlines() if "HTTP/1.1" in line]
    failed = [line for line in served if '" 500' in line]
    assert not failed, failed[:5]
    unavailable = sum('" 503' in line for line in served)
    print(
        f"server log: {len(served)} requests, {unavailable} answered 503; "
        f"{retried} unacknowledged submissions retried after recovery"
    )


def _load_through_an_outage(
    server: LiveServer, postgres: ThrowawayPostgres
) -> tuple[LoadReport, Timeline, dict[str, list[httpx.Response]]]:
    """Run load while PostgreSQL is stopped and started again; probe the service during the outage."""
    stop = threading.Event()
    acknowledged = threading.Semaphore(0)
    timeline = Timeline()
    probes: dict[str, list[httpx.Response]] = {"readyz": [], "list": [], "submit": []}

    def observe(result: Result) -> None:
        if result.acknowledged:
            acknowledged.release()

    with ThreadPoolExecutor(max_workers=1) as pool:
        running = pool.submit(
            run_load,
            server.url,
            clients=LOAD_CLIENTS,
            seconds=300,  # stopped by the event below; the time limit is only a backstop
            max_requests=20_000,
            timeout=CLIENT_TIMEOUT,
            token=server.tokens[Role.DCC],
            stop=stop,
            observe=observe,
        )
        try:
            for _ in range(ACKNOWLEDGED_BEFORE_STOP):
                assert acknowledged.acquire(timeout=60), "too few submissions acknowledged before the outage"
            timeline.stopping = time.monotonic()
            postgres.stop_server("fast")
            timeline.stopped = time.monotonic()
            with make_client(server.url, timeout=CLIENT_TIMEOUT, token=server.tokens[Role.DCC]) as client:
                while time.monotonic() < timeline.stopped + OUTAGE_SECONDS:
                    probes["readyz"].append(client.get("/readyz"))
                    probes["list"].append(client.get("/v1/submissions", params={"limit": 5}))
                    time.sleep(0.2)
                _, key, body = Packs("probe").submission(0, 0)
                headers = {"Idempotency-Key": key, "Content-Type": "application/json"}
                probes["submit"].append(client.post("/v1/submissions", content=body, headers=headers))
                timeline.starting = time.monotonic()
                postgres.start_server()
                timeline.started = time.monotonic()
                while time.monotonic() < timeline.started + RECOVERY_LIMIT:
                    if client.get("/readyz").status_code == 200:
                        timeline.ready = time.monotonic()
                        break
                    time.sleep(0.1)
            assert timeline.ready, f"GET /readyz was not 200 within {RECOVERY_LIMIT:g} s of PostgreSQL's restart"
            while acknowledged.acquire(blocking=False):
                pass  # count only what is acknowledged from here on
            deadline = time.monotonic() + AFTER_RECOVERY_SECONDS + 60
            after = 0
            while time.monotonic() < timeline.ready + AFTER_RECOVERY_SECONDS or after < ACKNOWLEDGED_BEFORE_STOP:
                assert time.monotonic() < deadline, f"only {after} submissions acknowledged after recovery"
                after += acknowledged.acquire(timeout=1)
        finally:
            stop.set()
            report = running.result(timeout=CLIENT_TIMEOUT * 3)
    return report, timeline, probes


def _check_outage(report: LoadReport, timeline: Timeline, probes: dict[str, list[httpx.Response]]) -> None:
    """Check every request's answer against the state of the database while it was made."""
    before = [r for r in report.results if r.ended < timeline.stopping]
    outage = [r for r in report.results if r.began >= timeline.stopped and r.ended < timeline.starting]
    after = [r for r in report.results if r.began >= timeline.ready]
    print(
        f"\n{report.summary()}\n"
        f"PostgreSQL stopped in {timeline.stopped - timeline.stopping:.2f} s, down for "
        f"{timeline.starting - timeline.stopped:.2f} s, started in {timeline.started - timeline.starting:.2f} s; "
        f"GET /readyz was 200 again {timeline.ready - timeline.started:.2f} s after it was up"
    )
    for label, results in (("before", before), ("outage", outage), ("after", after)):
        for kind in (SELF_CHECK, SUBMISSION):
            mine = [r for r in results if r.kind == kind]
            statuses = sorted({str(r.status) for r in mine})
            print(f"  {latency_line(f'{label} {kind}', mine)}; statuses {', '.join(statuses)}")

    # Never a connection error, a timeout, a 500 or an undocumented error, whatever the moment.
    unexpected = [r for r in report.results if not r.ok and (r.status != 503 or r.code != "store_unavailable")]
    assert not unexpected, [r.describe() for r in unexpected[:10]]
    assert max(r.seconds for r in report.results) < CLIENT_TIMEOUT
    assert before, "no request finished before the outage"
    assert all(r.ok for r in before), [r.describe() for r in before if not r.ok][:10]
    # While the database is down, self-checks (which need no database) still work and submissions get 503.
    assert [r for r in outage if r.kind == SUBMISSION], "no submission was attempted during the outage"
    assert all(r.status == 200 for r in outage if r.kind == SELF_CHECK)
    assert all(r.status == 503 for r in outage if r.kind == SUBMISSION)
    for answer in [*probes["readyz"], *probes["list"], *probes["submit"]]:
        assert_store_unavailable(answer)
    # Once /readyz says so, everything works again, without restarting the service.
    assert [r for r in after if r.acknowledged], "no submission acknowledged after the recovery"
    assert all(r.ok for r in after), [r.describe() for r in after if not r.ok][:10]


def _retry_and_check_stored_once(server: LiveServer, report: LoadReport) -> int:
    """Check what was acknowledged is stored once; retry the rest with their keys, as a client would."""
    check = check_report(report, timeout=CLIENT_TIMEOUT, token=server.tokens[Role.DCC])
    print(check.summary())
    assert check.ok, check.problems[:10]
    unacknowledged = report.unacknowledged()
    packs = Packs(report.run_id)
    retried: dict[str, set[str]] = {}
    replayed = 0
    with make_client(server.url, timeout=CLIENT_TIMEOUT, token=server.tokens[Role.DCC]) as client:
        for capability in unacknowledged:
            result = submit(client, *packs.submission_of(capability))
            assert result.status in (200, 201), result.describe()  # 200: it had been stored, its answer lost
            assert result.submission_id is not None
            assert result.replayed == (result.status == 200), result
            replayed += result.status == 200
            retried[capability] = {result.submission_id}
    check = verify_stored_once(
        server.url, {**report.acknowledged(), **retried}, timeout=CLIENT_TIMEOUT, token=server.tokens[Role.DCC]
    )
    print(
        f"retried the {len(retried)} unacknowledged with their keys after recovery: {len(retried) - replayed} "
        f"stored now (201), {replayed} had been stored despite the 503 (200)\n{check.summary()}"
    )
    assert check.ok, check.problems[:10]
    return len(retried)


# --- rows altered by hand ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredFile:
    """A SQLite database holding submissions made through the live server, closed."""

    path: Path
    submissions: list[str]


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoredFile]:
    """Store three submissions through a live server on SQLite, then stop the server."""
    tmp_path = tmp_path_factory.mktemp("stored")
    with fresh_database("sqlite", tmp_path) as settings:
        packs = Packs("corrupt")
        ids = []
        with LiveServer(settings, tmp_path) as server, make_client(server.url, token=server.tokens[Role.DCC]) as client:
            for number in range(3):
                result = submit(client, *packs.submission(0, number))
                assert result.status == 201, result.describe()
                assert result.submission_id is not None
                ids.append(result.submission_id)
        yield StoredFile(settings.data_dir / "lsc.db", ids)


def copy_of(stored: StoredFile, tmp_path: Path) -> Path:
    """Copy the stored database (consistently, with SQLite's backup) into a data directory of its own."""
    data_dir = tmp_path / "copy"
    data_dir.mkdir()
    with (
        contextlib.closing(sqlite3.connect(stored.path)) as source,
        contextlib.closing(sqlite3.connect(data_dir / "lsc.db")) as target,
    ):
        source.backup(target)
    return data_dir


def edit(data_dir: Path, sql: str, parameters: tuple[object, ...] = ()) -> None:
    """Change the database by hand, as someone with file access could."""
    with contextlib.closing(sqlite3.connect(data_dir / "lsc.db")) as connection:
        changed = connection.execute(sql, parameters).rowcount
        connection.commit()
    assert changed == 1, f"{sql} changed {changed} rows"


def query(data_dir: Path, sql: str, parameters: tuple[object, ...] = ()) -> tuple[object, ...]:
    """Read one row from the database."""
    with contextlib.closing(sqlite3.connect(data_dir / "lsc.db")) as connection:
        row: tuple[object, ...] | None = connection.execute(sql, parameters).fetchone()
    assert row is not None, sql
    return row


def verify_cli(data_dir: Path) -> subprocess.CompletedProcess[str]:
    """Run ``lsc audit verify`` on the data directory."""
    run = lsc({"LSC_DATA_DIR": str(data_dir)}, "audit", "verify")
    print(f"\naudit verify: exit {run.returncode}\n{run.stdout.strip()}")
    assert "Traceback" not in run.stderr, run.stderr
    return run


def test_an_untouched_store_verifies_intact(stored: StoredFile, tmp_path: Path) -> None:
    run = verify_cli(copy_of(stored, tmp_path))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "TAMPERED" not in run.stdout
    assert run.stdout.strip().endswith("intact")


def test_an_edited_submission_is_detected(stored: StoredFile, tmp_path: Path) -> None:
    data_dir = copy_of(stored, tmp_path)
    victim = stored.submissions[1]
    edit(data_dir, "UPDATE submission SET cohort = cohort || ' (and some more meters)' WHERE id = ?", (victim,))
    run = verify_cli(data_dir)
    assert run.returncode == 4, run.stdout + run.stderr
    assert f"TAMPERED: submission {victim} was altered after it was written" in run.stdout
    assert run.stdout.count("TAMPERED") == 1, run.stdout


def test_an_edited_evaluation_result_is_detected(stored: StoredFile, tmp_path: Path) -> None:
    data_dir = copy_of(stored, tmp_path)
    evaluation, result = query(
        data_dir, "SELECT id, result FROM evaluation WHERE submission_id = ? AND number = 1", (stored.submissions[0],)
    )
    assert isinstance(result, str)
    assert '"overall":"ready_with_conditions"' in result
    edited = result.replace('"overall":"ready_with_conditions"', '"overall":"ready"', 1)  # only inside the result
    edit(data_dir, "UPDATE evaluation SET result = ? WHERE id = ?", (edited, evaluation))
    run = verify_cli(data_dir)
    assert run.returncode == 4, run.stdout + run.stderr
    assert f"TAMPERED: evaluation {evaluation} was altered after it was written" in run.stdout
    assert run.stdout.count("TAMPERED") == 1, run.stdout


def test_a_deleted_audit_entry_is_detected(stored: StoredFile, tmp_path: Path) -> None:
    data_dir = copy_of(stored, tmp_path)
    seq, entity, entity_id = query(
        data_dir,
        "SELECT seq, entity, entity_id FROM audit_entry WHERE submission_id = ? ORDER BY seq LIMIT 1",
        (stored.submissions[1],),
    )
    edit(data_dir, "DELETE FROM audit_entry WHERE seq = ?", (seq,))
    run = verify_cli(data_dir)
    assert run.returncode == 4, run.stdout + run.stderr
    assert f"TAMPERED: audit entry {seq} is missing" in run.stdout
    assert f"TAMPERED: {entity} {entity_id} has no audit entry" in run.stdout


def test_a_deleted_last_audit_entry_is_detected(stored: StoredFile, tmp_path: Path) -> None:
    data_dir = copy_of(stored, tmp_path)
    last, entity, entity_id = query(data_dir, "SELECT seq, entity, entity_id FROM audit_entry ORDER BY seq DESC")
    assert isinstance(last, int)
    edit(data_dir, "DELETE FROM audit_entry WHERE seq = ?", (last,))
    run = verify_cli(data_dir)
    assert run.returncode == 4, run.stdout + run.stderr
    assert f"TAMPERED: the chain ends at entry {last - 1} but its head says {last}" in run.stdout
    assert f"TAMPERED: {entity} {entity_id} has no audit entry" in run.stdout


def test_an_edited_audit_entry_is_detected(stored: StoredFile, tmp_path: Path) -> None:
    data_dir = copy_of(stored, tmp_path)
    sql = "SELECT seq FROM audit_entry WHERE submission_id = ? ORDER BY seq"
    (seq,) = query(data_dir, sql, (stored.submissions[2],))
    edit(data_dir, "UPDATE audit_entry SET actor = 'someone else' WHERE seq = ?", (seq,))
    run = verify_cli(data_dir)
    assert run.returncode == 4, run.stdout + run.stderr
    assert f"TAMPERED: audit entry {seq} was altered" in run.stdout
