"""The real server under load and across crashes: nothing acknowledged is lost or stored twice, the audit chain holds.

Run with ``pytest -s tests/test_live_server.py`` to see the figures (requests, seconds, requests per second).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select

from lsc_engine.settings import Settings
from lsc_engine.store.audit import Verification, verify
from lsc_engine.store.db import make_engine, session_scope
from lsc_engine.store.models import AuditEntry

from .conftest import EXPECTED
from .helpers import seed
from .live import LiveServer

pytestmark = pytest.mark.live

#: The two seed packs and the outcome each gives as at its statement date.
SEEDS = [
    ("seed-moc-mds-2020-03.json", "ready_with_conditions"),
    ("seed-moc-secure-2020-08.json", "not_ready"),
]


@dataclass(frozen=True)
class Pack:
    """One distinct request: a seed pack renamed to a capability of its own, with its own Idempotency-Key."""

    capability: str
    key: str
    body: bytes
    expected: str
    conditions: int

    @property
    def audited_rows(self) -> int:
        """Rows a stored submission of this pack writes: itself, its evaluation and its conditions."""
        return 2 + self.conditions


@dataclass(frozen=True)
class Outcome:
    """What one POST /v1/submissions came back with (status None: the connection failed)."""

    pack: Pack
    status: int | None
    submission_id: str | None = None
    replayed: bool | None = None
    overall: str | None = None
    error: str | None = None

    @property
    def stored_id(self) -> str:
        """The submission id of an answered POST (200 or 201), which always carries one."""
        assert self.submission_id is not None, (self.pack.capability, self.status, self.error)
        return self.submission_id


def conditions_of(name: str) -> int:
    """Return how many conditions a seed's evaluation raises, from its expected outcome."""
    expected = json.loads((EXPECTED / name).read_text())
    return len(expected["conditions"])


def make_packs(count: int) -> list[Pack]:
    """Return distinct packs alternating the two seeds, each under a unique capability and key."""
    run = uuid.uuid4().hex[:8]
    documents = [(seed(name), expected, conditions_of(name)) for name, expected in SEEDS]
    packs = []
    for number in range(count):
        template, expected, conditions = documents[number % len(documents)]
        document = deepcopy(template)
        document["statement"]["capability"] = f"LIVE-{run}-{number:04d}"
        packs.append(
            Pack(
                capability=document["statement"]["capability"],
                key=f"live-{run}-{number:04d}",
                body=json.dumps(document).encode(),
                expected=expected,
                conditions=conditions,
            )
        )
    return packs


def post(client: httpx.Client, pack: Pack) -> Outcome:
    """Submit a pack with its Idempotency-Key; a failed connection is an outcome, not an exception."""
    headers = {"Idempotency-Key": pack.key, "Content-Type": "application/json"}
    try:
        answer = client.post("/v1/submissions", content=pack.body, headers=headers)
    except httpx.TransportError as error:
        return Outcome(pack, None, error=f"{type(error).__name__}: {error}")
    if answer.status_code not in (200, 201):
        return Outcome(pack, answer.status_code, error=answer.text[:500])
    body = answer.json()
    return Outcome(
        pack,
        answer.status_code,
        submission_id=body["submission"]["id"],
        replayed=body["replayed"],
        overall=body["evaluation"]["overall"],
    )


def all_submissions(client: httpx.Client, page: int = 200) -> list[dict[str, Any]]:
    """Return every stored submission, page by page."""
    rows: list[dict[str, Any]] = []
    while True:
        answer = client.get("/v1/submissions", params={"limit": page, "offset": len(rows)})
        assert answer.status_code == 200, answer.text
        batch = answer.json()
        rows += batch
        if len(batch) < page:
            return rows


def evaluations_of(client: httpx.Client, submission_id: str) -> list[dict[str, Any]]:
    """Return a stored submission's evaluations."""
    answer = client.get(f"/v1/submissions/{submission_id}/evaluations")
    assert answer.status_code == 200, answer.text
    evaluations: list[dict[str, Any]] = answer.json()
    return evaluations


def in_parallel(function: Callable[[Any], Any], items: Iterable[Any], threads: int = 8) -> list[Any]:
    """Map a function over items on a few threads, re-raising the first failure."""
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(function, items))


def audit(settings: Settings) -> Verification:
    """Verify the audit chain straight from the database."""
    engine = make_engine(settings)
    try:
        with session_scope(engine) as session:
            return verify(session)
    finally:
        engine.dispose()


def workflow_entries(settings: Settings) -> int:
    """Count the audit entries of submissions and what follows them (not tokens, not confidential reads)."""
    engine = make_engine(settings)
    try:
        with session_scope(engine) as session:
            entities = session.exec(select(AuditEntry.entity)).all()
    finally:
        engine.dispose()
    return sum(entity not in ("api_token", "disclosure") for entity in entities)


def assert_stored_once(client: httpx.Client, pack: Pack, submission_id: str) -> None:
    """Check an acknowledged pack is stored exactly once, as version 1, with its one expected evaluation."""
    stored = client.get("/v1/submissions", params={"capability": pack.capability})
    assert stored.status_code == 200, stored.text
    rows = stored.json()
    assert [(row["id"], row["version"]) for row in rows] == [(submission_id, 1)], pack.capability
    evaluations = evaluations_of(client, submission_id)
    assert [(e["number"], e["overall"]) for e in evaluations] == [(1, pack.expected)], pack.capability


def assert_no_server_errors(server: LiveServer) -> None:
    """Check the server logged no traceback and answered no request with a 5xx."""
    log = server.log_text()
    assert "Traceback" not in log, server.log_tail()
    assert "died" not in log, server.log_tail()  # the supervisor replaced a worker it thought hung
    assert not [line for line in log.splitlines() if '" 5' in line and "HTTP/1.1" in line], server.log_tail()


THREADS = 16
OWN_PACKS_PER_THREAD = 12  # 8 raced + 16 x 12 own = 200 distinct packs
RETRY_EVERY = 4  # every 4th own pack is sent again with the same key once its answer is in
RACED = THREADS // 2  # packs sent by two threads at once, as a client retrying after a timeout would


def test_concurrent_submissions_are_stored_once_each(settings: Settings, tmp_path: Path) -> None:
    packs = make_packs(RACED + THREADS * OWN_PACKS_PER_THREAD)
    raced, own = packs[:RACED], packs[RACED:]
    plans: list[list[Pack]] = []
    for thread in range(THREADS):
        plan = [raced[thread % RACED]]  # threads t and t + 8 send the same request first, together
        for number, pack in enumerate(own[thread * OWN_PACKS_PER_THREAD : (thread + 1) * OWN_PACKS_PER_THREAD]):
            plan += [pack, pack] if number % RETRY_EVERY == 0 else [pack]
        plans.append(plan)
    start = threading.Barrier(THREADS)

    def run(plan: list[Pack]) -> list[Outcome]:
        with server.client() as client:
            client.get("/readyz")  # connect before the barrier, so the raced requests really race
            start.wait(timeout=60)
            return [post(client, pack) for pack in plan]

    with LiveServer(settings, tmp_path, workers=2) as server:
        began = time.monotonic()
        outcomes = [outcome for result in in_parallel(run, plans, threads=THREADS) for outcome in result]
        seconds = time.monotonic() - began
        print(
            f"\n[{settings.url.split(':')[0]}] {len(outcomes)} POSTs ({len(packs)} distinct packs) from {THREADS} "
            f"threads to 2 workers in {seconds:.2f} s: {len(outcomes) / seconds:.1f} requests/s"
        )

        failed = [o for o in outcomes if o.status not in (200, 201)]
        assert not failed, [(o.pack.capability, o.status, o.error) for o in failed[:10]]
        by_pack: dict[str, list[Outcome]] = defaultdict(list)
        for outcome in outcomes:
            by_pack[outcome.pack.key].append(outcome)
        assert len(by_pack) == len(packs)
        for key, answers in by_pack.items():
            first = [a for a in answers if a.status == 201]
            again = [a for a in answers if a.status == 200]
            assert len(first) == 1, (key, [(a.status, a.replayed) for a in answers])
            assert first[0].replayed is False
            assert all(a.replayed is True for a in again), key
            assert {a.submission_id for a in answers} == {first[0].submission_id}, key
            assert {a.overall for a in answers} == {first[0].pack.expected}, key
        assert len(outcomes) - len(packs) == RACED + THREADS * len(range(0, OWN_PACKS_PER_THREAD, RETRY_EVERY))

        with server.client() as client:
            acknowledged = {key: next(a for a in answers if a.status == 201) for key, answers in by_pack.items()}
            in_parallel(lambda a: assert_stored_once(client, a.pack, a.submission_id), acknowledged.values())
            stored = all_submissions(client)
        assert len(stored) == len({row["id"] for row in stored}) == len(packs)
        assert Counter(row["capability"] for row in stored) == Counter(pack.capability for pack in packs)
        assert_no_server_errors(server)

    chain = audit(settings)
    assert chain.intact, chain.problems[:10]
    assert chain.entries == chain.records
    assert workflow_entries(settings) == sum(pack.audited_rows for pack in packs)


CLIENTS = 4
PACKS_PER_CLIENT = 40
ACKNOWLEDGED_BEFORE_STOP = 24


@pytest.mark.parametrize("how", ["kill", "stop"])
def test_acknowledged_submissions_survive_a_server_stop(settings: Settings, tmp_path: Path, how: str) -> None:
    packs = make_packs(CLIENTS * PACKS_PER_CLIENT)
    by_key = {pack.key: pack for pack in packs}
    acknowledged = 0
    lock = threading.Lock()

    def run(plan: list[Pack]) -> list[Outcome]:
        nonlocal acknowledged
        outcomes = []
        with server.client(timeout=30) as client:
            for pack in plan:
                outcome = post(client, pack)
                outcomes.append(outcome)
                if outcome.status is None:
                    return outcomes  # the server went away; this client gives up until it is back
                with lock:
                    acknowledged += outcome.status == 201
        return outcomes

    server = LiveServer(settings, tmp_path, workers=2)
    with server:
        plans = [packs[n * PACKS_PER_CLIENT : (n + 1) * PACKS_PER_CLIENT] for n in range(CLIENTS)]
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            futures = [pool.submit(run, plan) for plan in plans]
            deadline = time.monotonic() + 60
            while acknowledged < ACKNOWLEDGED_BEFORE_STOP and time.monotonic() < deadline:
                if all(future.done() for future in futures):
                    break
                time.sleep(0.01)
            assert acknowledged >= ACKNOWLEDGED_BEFORE_STOP, f"only {acknowledged} acknowledged in 60 s"
            code = server.kill() if how == "kill" else server.stop()
            outcomes = [outcome for future in futures for outcome in future.result()]

        assert not [o for o in outcomes if o.status not in (None, 201)], [
            (o.pack.capability, o.status, o.error) for o in outcomes if o.status not in (None, 201)
        ]
        if how == "stop":
            assert code == 0, server.log_tail()
        acked = {o.pack.key: o.stored_id for o in outcomes if o.status == 201}
        lost = [o.pack.key for o in outcomes if o.status is None]
        attempted = set(acked) | set(lost)
        assert len(lost) <= CLIENTS
        chain = audit(settings)  # what the stop left behind, before anything else touches the database
        assert chain.intact, chain.problems[:10]

        server.restart()  # on the same port and database
        with server.client() as client:
            in_parallel(lambda key: assert_stored_once(client, by_key[key], acked[key]), acked)
            stored = all_submissions(client)
            stored_keys = {next(p.key for p in packs if p.capability == row["capability"]) for row in stored}
            assert len(stored) == len(stored_keys), "a capability is stored twice"
            assert set(acked) <= stored_keys <= attempted
            evaluations = in_parallel(lambda row: evaluations_of(client, row["id"]), stored)
            assert all(len(history) == 1 for history in evaluations), "a submission without exactly one evaluation"
            committed_unacknowledged = stored_keys - set(acked)
            if how == "stop":
                assert not committed_unacknowledged, "a graceful stop dropped the answer to a stored submission"

            # A real client retries what it never got an answer for, with the same key.
            for key in lost:
                retry = post(client, by_key[key])
                if key in committed_unacknowledged:
                    assert (retry.status, retry.replayed) == (200, True), retry
                else:
                    assert (retry.status, retry.replayed) == (201, False), retry
                assert retry.overall == by_key[key].expected
                acked[key] = retry.stored_id
            in_parallel(lambda key: assert_stored_once(client, by_key[key], acked[key]), lost)
            assert len(all_submissions(client)) == len(attempted)
        assert_no_server_errors(server)

    chain = audit(settings)
    assert chain.intact, chain.problems[:10]
    assert chain.entries == chain.records
    assert workflow_entries(settings) == sum(by_key[key].audited_rows for key in attempted)
    print(
        f"\n[{settings.url.split(':')[0]}, {how}] {len(outcomes)} POSTs before the {how}: {len(outcomes) - len(lost)} "
        f"acknowledged, {len(lost)} cut off ({len(committed_unacknowledged)} of them stored anyway, "
        f"answered on retry); {len(attempted)} stored once each after the restart"
    )
