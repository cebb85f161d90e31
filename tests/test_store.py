"""The store's transactions and repositories, and the service methods the pages read through, on both databases."""

from __future__ import annotations

import json
import stat
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event

from lsc_engine.access.policy import Role
from lsc_engine.committee.inputs import RevocationIn
from lsc_engine.core.evidence import Group
from lsc_engine.core.ruleset import Ruleset
from lsc_engine.errors import NotFound
from lsc_engine.services.committee import Committee
from lsc_engine.services.submissions import HeldKey, Service, Stored
from lsc_engine.settings import Settings
from lsc_engine.store import migrate
from lsc_engine.store.audit import sha256, verify_database
from lsc_engine.store.db import Collision, Database, make_engine
from lsc_engine.store.transactions import reading, writing

from .conftest import FIXTURES

MDS = (FIXTURES / "seed-moc-mds-2020-03.json").read_bytes()
SECURE = (FIXTURES / "seed-moc-secure-2020-08.json").read_bytes()
NOON = datetime(2020, 3, 6, 12, tzinfo=UTC)


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    """A fresh, migrated database (each backend)."""
    engine = make_engine(settings)
    yield engine
    engine.dispose()


def test_a_write_is_kept_only_when_its_block_ends_without_an_error(database: Database) -> None:
    class Refused(Exception):
        """Something went wrong after the record was written."""

    def refused_after_writing() -> None:
        with writing(database) as tx:
            tx.tokens.add(name="kept?", role=Role.OBSERVER, token_hash="h1", actor="test", at=NOON)
            raise Refused

    with pytest.raises(Refused):
        refused_after_writing()
    with writing(database) as tx:
        tx.tokens.add(name="kept", role=Role.OBSERVER, token_hash="h2", actor="test", at=NOON)
    with reading(database) as tx:
        assert [t.name for t in tx.tokens.all()] == ["kept"]
    check = verify_database(database)
    assert (check.intact, check.entries) == (True, 1), check.problems


def test_a_reading_transaction_cannot_write(database: Database) -> None:
    with reading(database) as tx, pytest.raises(RuntimeError, match="writing"):
        tx.tokens.add(name="x", role=Role.OBSERVER, token_hash="h", actor="test", at=NOON)


def test_a_unique_key_taken_first_by_another_write_is_a_collision(database: Database) -> None:
    with writing(database) as tx:
        tx.tokens.add(name="first", role=Role.OBSERVER, token_hash="same", actor="test", at=NOON)
    with pytest.raises(Collision), writing(database) as tx:
        tx.tokens.add(name="second", role=Role.OBSERVER, token_hash="same", actor="test", at=NOON)
    with reading(database) as tx:
        assert [t.name for t in tx.tokens.all()] == ["first"]
    assert verify_database(database).intact


def test_a_retry_that_loses_the_race_answers_with_what_the_first_stored(
    database: Database, ruleset: Ruleset, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = Service(database, ruleset)
    first = service.submit(MDS, submitter="dcc:DCC", idempotency_key="k-1")
    looked: list[str] = []
    real = service._replay

    def not_yet(key: HeldKey, digest: str) -> Stored | None:
        looked.append(key.key)
        return None if len(looked) == 1 else real(key, digest)  # the first look happens before the first commit

    monkeypatch.setattr(service, "_replay", not_yet)
    retry = service.submit(MDS, submitter="dcc:DCC", idempotency_key="k-1")
    assert looked == ["k-1", "k-1"]
    assert (retry.replayed, retry.submission.id, retry.record.id) == (True, first.submission.id, first.record.id)
    assert [s.id for s in service.list_submissions(capability=None, limit=10, offset=0)] == [first.submission.id]


def test_a_stored_evaluation_carries_its_result_read_once(database: Database, ruleset: Ruleset) -> None:
    service = Service(database, ruleset, clock=lambda: NOON + timedelta(days=200))  # after both dates it speaks for
    stored = service.submit(MDS, submitter="dcc:DCC")
    again, _changes = service.re_evaluate(stored.submission.id, as_at=date(2020, 8, 7), actor="tag:Chair")
    listed = service.evaluations(stored.submission.id)
    assert [(e.number, e.reason, e.as_at) for e in listed] == [
        (1, "submission", date(2020, 3, 6)),
        (2, "re-evaluation", date(2020, 8, 7)),
    ]
    assert [e.evaluation for e in listed] == [stored.evaluation, again.evaluation]
    assert listed[0] == stored.record
    assert listed[1].overall == again.evaluation.overall
    assert listed[0].result_digest == sha256(stored.evaluation.model_dump_json())


def test_where_a_submission_stands_and_which_capabilities_are_stored(database: Database, ruleset: Ruleset) -> None:
    service = Service(database, ruleset)
    first = service.submit(MDS, submitter="dcc:DCC")
    second = service.submit(MDS, submitter="dcc:DCC", as_at=date(2020, 8, 7))
    service.submit(SECURE, submitter="dcc:DCC")
    older = service.standing(first.submission.id)
    assert (older.is_newest, older.newest.id, older.newest.version) == (False, second.submission.id, 2)
    assert older.evaluation == first.record
    newer = service.standing(second.submission.id)
    assert (newer.is_newest, newer.evaluation.as_at) == (True, date(2020, 8, 7))
    assert service.capabilities() == ["MOC-MDS", "MOC-SECURE"]
    with pytest.raises(NotFound, match="no submission s-404"):
        service.standing("s-404")


def test_revocations_come_back_with_when_each_was_recorded(database: Database, ruleset: Ruleset) -> None:
    now = [datetime(2020, 3, 9, 9, tzinfo=UTC)]
    stored = Service(database, ruleset).submit(MDS, submitter="dcc:DCC")
    committee = Committee(database, ruleset, clock=lambda: now[0])
    committee.revoke(
        stored.submission.id, RevocationIn(group=Group.SSC, reason="HAN assurance withdrawn"), actor="ssc:Chair"
    )
    now[0] = datetime(2020, 3, 10, 9, tzinfo=UTC)
    withdrawn = RevocationIn(group=Group.OPSG, reason="Service desk not staffed")
    committee.revoke(stored.submission.id, withdrawn, actor="opsg:Chair")
    every = committee.revocations(stored.submission.id)
    assert [(r.group, r.reason, r.actor, r.recorded_at.day) for r in every] == [
        (Group.SSC, "HAN assurance withdrawn", "ssc:Chair", 9),
        (Group.OPSG, "Service desk not staffed", "opsg:Chair", 10),
    ]
    assert [r.reason for r in committee.revocations(stored.submission.id, group=Group.OPSG)] == [
        "Service desk not staffed"
    ]
    position = committee.position(stored.submission.id)
    assert [r.id for r in position.revocations] == [r.id for r in every]
    assert "recorded_at" not in json.loads(position.model_dump_json())["revocations"][0]


@pytest.mark.api
def test_the_default_sqlite_file_is_for_the_service_user_only(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    migrate.upgrade(settings)
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "data" / "lsc.db").stat().st_mode) == 0o600


@pytest.mark.api
def test_an_idempotency_key_is_its_holders_own(database: Database, ruleset: Ruleset) -> None:
    """Another token's same key neither replays the first submission nor learns its id."""
    service = Service(database, ruleset)
    first = service.submit(MDS, submitter="dcc:A", idempotency_key="k-1", key_holder="token-a")
    other = service.submit(MDS, submitter="dcc:B", idempotency_key="k-1", key_holder="token-b")
    assert not other.replayed
    assert other.submission.id != first.submission.id
    assert service.submit(MDS, submitter="dcc:A", idempotency_key="k-1", key_holder="token-a").replayed


def test_concurrent_submissions_of_one_capability_get_each_version_once_and_keep_the_chain(
    database: Database, ruleset: Ruleset
) -> None:
    service = Service(database, ruleset, evaluations=2)
    start = threading.Barrier(8)

    def submit(number: int) -> Stored:
        start.wait()
        return service.submit(MDS, submitter=f"dcc:client-{number}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        stored = list(pool.map(submit, range(8)))
    versions = sorted(s.submission.version for s in stored)
    assert versions == list(range(1, 9))  # unique and gapless: each write took the head in turn
    listed = service.list_submissions(capability="MOC-MDS", limit=20, offset=0)
    assert sorted(s.id for s in listed) == sorted(s.submission.id for s in stored)
    with reading(database) as tx:
        registered = tx.conditions.of_capability("MOC-MDS", today=date(2020, 3, 6))
    first = min(stored, key=lambda s: s.submission.version)
    assert sorted(c.key for c in registered) == sorted(c.id for c in first.evaluation.conditions)  # registered once
    check = verify_database(database)
    assert check.intact, check.problems
    assert check.records == 8 * 2 + len(registered)


def test_one_idempotency_key_sent_at_once_many_times_stores_one_submission(
    database: Database, ruleset: Ruleset
) -> None:
    service = Service(database, ruleset)
    start = threading.Barrier(6)

    def submit(_number: int) -> Stored:
        start.wait()
        return service.submit(SECURE, submitter="dcc:DCC", idempotency_key="same", key_holder="token-1")

    with ThreadPoolExecutor(max_workers=6) as pool:
        stored = list(pool.map(submit, range(6)))
    assert len({s.submission.id for s in stored}) == 1
    assert sorted(s.replayed for s in stored) == [False] + [True] * 5
    assert [s.id for s in service.list_submissions(capability=None, limit=10, offset=0)] == [stored[0].submission.id]
    assert verify_database(database).intact


def test_a_submission_holds_the_chains_head_for_four_round_trips_on_postgresql(
    database: Database, ruleset: Ruleset
) -> None:
    if database.dialect.name != "postgresql":
        pytest.skip("SQLite's write lock is taken differently; the round trips that matter are PostgreSQL's")
    service = Service(database, ruleset)
    service.submit(MDS, submitter="dcc:DCC")  # the capability's version and conditions now exist
    sent: list[str] = []

    def statement(_conn: object, _cursor: object, text: str, *_args: object) -> None:
        sent.append(text)

    def commit(_conn: object) -> None:
        sent.append("COMMIT")

    event.listen(database, "before_cursor_execute", statement)
    event.listen(database, "commit", commit)
    try:
        service.submit(MDS, submitter="dcc:DCC", as_at=date(2020, 8, 7))
    finally:
        event.remove(database, "before_cursor_execute", statement)
        event.remove(database, "commit", commit)
    locked = next(i for i, text in enumerate(sent) if "FOR UPDATE" in text and "audit_head" in text)
    held = sent[locked : sent.index("COMMIT", locked) + 1]
    assert len(held) == 4, held  # the head, the capability's standing, the records with the chain, the commit
    assert "UNION ALL" in held[1]
